"""manage.py services_export_hsds --region 350504 DIR: the directory as HSDS 3.0 JSON, validated."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.regions.models import Region
from linli.services.hsds import HsdsError, export


class Command(BaseCommand):
    help = "把服务清单导出为 Open Referral HSDS 3.0 JSON（每个文档先按模式校验）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--region", required=True, help="区划统计代码：导出其下所有服务")
        parser.add_argument("--schema-dir", type=Path, default=None, help="HSDS 3.0 模式文件目录")

    def handle(self, *args: Any, **options: Any) -> None:
        region = Region.objects.current().filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"区划 {options['region']} 不存在")
        try:
            counts = export(region, options["folder"], directory=options["schema_dir"])
        except HsdsError as exc:
            raise CommandError("\n".join([str(exc), *exc.errors[:20]])) from exc
        for name, n in counts.items():
            self.stdout.write(f"{name}: {n}")
        self.stdout.write(self.style.SUCCESS(f"已导出到 {options['folder']}，全部通过 HSDS 3.0 模式校验"))
