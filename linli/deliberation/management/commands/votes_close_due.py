"""manage.py votes_close_due: count the open votes whose deadline passed (the scheduler runs it every 5 minutes)."""

from django.core.management.base import BaseCommand

from linli.deliberation.services import votes_close_due
from linli.deliberation.tasks import votes_close_due_task


class Command(BaseCommand):
    help = "到期表决自动计票（可重复运行）"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["enqueue"]:
            result = votes_close_due_task.enqueue()
            self.stdout.write(f"已排入后台任务 {result.id}")
            return
        done = votes_close_due()
        self.stdout.write(f"计票 {done.counted} 项（通过 {done.passed} 项），未能计票 {len(done.refused)} 项")
        for line in done.refused:
            self.stdout.write(f"  表决 {line}")
