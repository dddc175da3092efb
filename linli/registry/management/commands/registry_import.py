from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.core.models import User
from linli.core.scope import OutOfScope
from linli.registry.services import IMPORTERS


class Command(BaseCommand):
    help = (
        "从 Excel/CSV 导入人员、户或楼栋（与页面导入相同的校验和数据范围；整批导入，有错则全部不导入）。"
        "大文件（数十万行以上）请用本命令，而不是网页上传。"
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("kind", choices=list(IMPORTERS), help="persons / households / buildings")
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True, help="以哪个账号的身份和数据范围导入")
        parser.add_argument("--dry-run", action="store_true", help="只预检，不写入")

    def handle(self, *args, kind: str, file: Path, username: str, dry_run: bool, **options):  # type: ignore[no-untyped-def]
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在或已停用")
        if not file.exists():
            raise CommandError(f"文件不存在：{file}")
        label, _, importer = IMPORTERS[kind]
        try:
            with file.open("rb") as raw:
                outcome = importer(raw=raw, filename=file.name, by=user, dry_run=dry_run)
        except OutOfScope as exc:
            raise CommandError(exc.message) from exc
        run = outcome.run
        if run.status == run.Status.REJECTED:
            for e in outcome.report.errors[:50]:
                self.stderr.write(f"第 {e.row} 行 {e.column or '—'}：{e.message} {e.value}")
            raise CommandError(
                f"未导入：{run.rows} 行中 {run.error_rows} 行有问题（{run.errors_total} 处），"
                f"完整错误报告见导入记录 #{run.pk}"
            )
        done = (
            f"预检通过，将新增 {run.summary.get('would_create', 0)} 条"
            if dry_run
            else f"已导入 {run.created} 条"
        )
        self.stdout.write(f"{label}：{done}（{run.rows} 行，用时 {run.seconds} 秒，导入记录 #{run.pk}）")
