"""manage.py scheduler: enqueue the periodic jobs when due (``linli.core.schedule``); runs until stopped.

Several schedulers may run at once (one per machine): each due time is enqueued once.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core import schedule


class Command(BaseCommand):
    help = "定时任务调度：按计划把到期的定时任务放入后台队列（与 db_worker 一起运行，可多开）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tick", type=float, default=1.0, help="每隔几秒检查一次，默认 1")
        parser.add_argument("--stop-after", type=float, default=None, help="运行多少秒后退出（测试用）")
        parser.add_argument(
            "--every",
            action="append",
            default=[],
            metavar="JOB=SECONDS",
            help="临时改变某任务的间隔（测试用）",
        )
        parser.add_argument("--list", action="store_true", help="列出定时任务后退出")

    def handle(self, *args: Any, **options: Any) -> None:
        for item in options["every"]:
            name, _, seconds = item.partition("=")
            try:
                schedule.override_interval(name, dt.timedelta(seconds=float(seconds)))
            except (LookupError, ValueError) as exc:
                raise CommandError(f"--every {item}：{exc}") from exc
        if options["list"]:
            for state in schedule.job_states():
                self.stdout.write(f"{state.job.name}\t{state.job.cadence}\t{state.job.label}")
            return
        self.stdout.write(f"定时任务调度已启动：{len(schedule.jobs())} 个任务")
        schedule.scheduler_loop(tick_seconds=options["tick"], stop_after=options["stop_after"])
