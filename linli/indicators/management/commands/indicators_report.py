"""manage.py indicators_report --region 350504 --year 2026 --format pdf|xlsx|json [--output FILE]"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.indicators import report
from linli.regions.models import Region


class Command(BaseCommand):
    help = "生成规划实施年度报告（PDF、Excel 或 JSON）"

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="区划代码，如 350504")
        parser.add_argument("--year", required=True, type=int, help="年度，如 2026")
        parser.add_argument("--format", default="pdf", choices=["pdf", "xlsx", "json"])
        parser.add_argument(
            "--output",
            "-o",
            default="",
            help="输出文件；默认 <区划代码>-<年度>-规划实施年度报告.<格式>，- 表示标准输出",
        )

    def handle(self, *args, **opts):
        region = Region.objects.current().filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"未找到区划代码 {opts['region']}")
        try:
            body = report.render(region=region, year=opts["year"], fmt=opts["format"]).body
        except report.ReportError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        out = opts["output"] or f"{region.code}-{opts['year']}-规划实施年度报告.{opts['format']}"
        if out == "-":
            sys.stdout.buffer.write(body)
            return
        Path(out).write_bytes(body)
        self.stdout.write(f"已生成 {out}（{len(body):,} 字节）")
