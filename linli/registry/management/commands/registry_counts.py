"""manage.py registry_counts: recount the registry's counts per region (区域计数) now.

The nightly job does the same; run it after loading rows outside the registry's services (a bulk
load, a restore) or to check the kept counts: ``--check`` recounts without writing and says which
rows differ.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.registry.services.counts import region_counts_differences, region_counts_rebuild


class Command(BaseCommand):
    help = "重算基础数据的区域计数（人口、户、楼栋与四个不漏各项），可限于若干区划代码之下。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="只重算这些区划代码之下（默认全部）")
        parser.add_argument("--check", action="store_true", help="只核对，不写入：列出与重算结果不同的计数")

    def handle(self, *args: Any, **options: Any) -> None:
        codes = [c for c in options["codes"] if c]
        if any(not c.isdigit() for c in codes):
            raise CommandError("区划代码应为数字")
        started = time.perf_counter()
        if options["check"]:
            diff = region_counts_differences(codes=codes or None)
            for (region_id, counter), (kept, counted) in sorted(diff.items()):
                self.stdout.write(f"区域 {region_id} {counter}: 保存 {kept}，重算 {counted}")
            self.stdout.write(f"不一致 {len(diff)} 项，用时 {time.perf_counter() - started:.1f} 秒")
            if diff:
                raise CommandError("区域计数与重算结果不一致")
            return
        rows = region_counts_rebuild(codes=codes or None)
        self.stdout.write(f"区域计数已重算：{rows} 行，用时 {time.perf_counter() - started:.1f} 秒")
