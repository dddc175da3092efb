"""manage.py warnings_expire: warnings past their time window stop showing (the scheduler runs it
every 5 minutes)."""

from django.core.management.base import BaseCommand

from linli.emergency.tasks import warnings_expire_task


class Command(BaseCommand):
    help = "到期预警标记为已过期（定时任务每 5 分钟运行，可重复运行）"

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        done = warnings_expire_task.call()
        self.stdout.write(f"到期预警 {done['expired']} 条")
