"""manage.py cases_sweep: mark overdue requests, send reminders and escalate (run it every few minutes)."""

from django.core.management.base import BaseCommand

from linli.cases.services import cases_sweep
from linli.cases.tasks import cases_sweep_task


class Command(BaseCommand):
    help = "诉求时限巡查：标记超期、催办、自动上报（可重复运行）"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["enqueue"]:
            result = cases_sweep_task.enqueue()
            self.stdout.write(f"已排入后台任务 {result.id}")
            return
        done = cases_sweep().as_dict()
        self.stdout.write("，".join(f"{k} {v} 件" for k, v in done.items()))
