"""manage.py care_nightly: evaluate the care rules over the registry, mark overdue visits and make the
period's visit plan (run it every night; safe to rerun)."""

from django.core.management.base import BaseCommand

from linli.care.tasks import care_nightly, care_nightly_task


class Command(BaseCommand):
    help = "关爱巡访夜间任务：按规则评估人员（首次或规则变更后为全部人员）、标记逾期巡访、生成本期巡访计划（可重复运行）"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行")
        parser.add_argument(
            "--full", action="store_true", help="评估全部人员（默认只评估自上次以来可能变化的人员）"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["enqueue"]:
            result = care_nightly_task.enqueue()
            self.stdout.write(f"已排入后台任务 {result.id}")
            return
        done = care_nightly(full=options["full"])
        scope = "全部人员" if done["full"] else f"可能变化的 {done['evaluated']} 人"
        self.stdout.write(
            f"评估{scope}：新纳入 {done['opened']} 人次，退出 {done['ended']} 人次，新建档 {done['files_opened']}，"
            f"结档 {done['files_closed']}，政策找人预警 {done['alerts']} 条，"
            f"标记逾期 {done['overdue']} 人次，生成巡访计划 {done['planned']} 人次"
        )
