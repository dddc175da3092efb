"""manage.py case_measures: bring the monthly summary of the measures up to yesterday (nightly; safe to
rerun), or recount it from every request (``--full``, e.g. after a bulk load)."""

from django.core.management.base import BaseCommand

from linli.cases.services import case_measures_roll


class Command(BaseCommand):
    help = "诉求统计月汇总：把昨天及以前登记的诉求计入汇总（可重复运行）；--full 从全部诉求重算"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--full", action="store_true", help="清空后从全部诉求重算")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        done = case_measures_roll(full=options["full"])
        self.stdout.write(f"汇总至 {done['through']}，写入 {done.get('rows', 0)} 行")
