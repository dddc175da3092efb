"""manage.py services_import_hsds DIR: services from HSDS 3.0 JSON — validated first, all or nothing."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.regions.models import Region
from linli.services.hsds import HsdsError, import_folder


class Command(BaseCommand):
    help = "从 Open Referral HSDS 3.0 JSON 导入服务清单（先校验；有任何错误则不写入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--region", default="", help="文件未给出服务区域统计代码时使用的区划")
        parser.add_argument("--schema-dir", type=Path, default=None, help="HSDS 3.0 模式文件目录")

    def handle(self, *args: Any, **options: Any) -> None:
        region = None
        if options["region"]:
            region = Region.objects.current().filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"区划 {options['region']} 不存在")
        if not options["folder"].is_dir():
            raise CommandError(f"目录 {options['folder']} 不存在")
        try:
            result = import_folder(options["folder"], region=region, directory=options["schema_dir"])
        except HsdsError as exc:
            raise CommandError("\n".join([str(exc), *exc.errors[:30]])) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"新增服务 {result.created} 项，更新 {result.updated} 项，新增组织 {result.organisations_created} 个"
            )
        )
