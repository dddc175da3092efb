"""manage.py tracks_coarsen: keep only a coarse outline of patrol tracks past the retention period
(run it nightly)."""

from django.core.management.base import BaseCommand

from linli.workforce.tasks import tracks_coarsen_task


class Command(BaseCommand):
    help = "巡查轨迹超过保存期后粗化（每晚运行，可重复运行）"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["enqueue"]:
            result = tracks_coarsen_task.enqueue()
            self.stdout.write(f"已排入后台任务 {result.id}")
            return
        done = tracks_coarsen_task.call()
        self.stdout.write(
            f"粗化巡查 {done['patrols']} 次，轨迹点 {done['points_before']} → {done['points_after']}"
        )
