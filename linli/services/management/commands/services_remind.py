"""manage.py services_remind: record the reminders of bookings starting within the next 24 hours."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from linli.services.services import bookings_remind


class Command(BaseCommand):
    help = "预约提醒：登记 24 小时内开始、尚未提醒的预约（可由定时任务每小时运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args: Any, **options: Any) -> None:
        due = bookings_remind(hours=options["hours"])
        self.stdout.write(f"已提醒 {len(due)} 个预约")
