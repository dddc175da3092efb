"""manage.py timebank_expire: expire time credits past the region's validity (run it daily)."""

from django.core.management.base import BaseCommand

from linli.volunteers.services import timebank_expire
from linli.volunteers.tasks import timebank_expire_task


class Command(BaseCommand):
    help = "时间银行到期清零：按各地区规则将超过有效期未使用的时长转入清零账户（可重复运行）"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["enqueue"]:
            result = timebank_expire_task.enqueue()
            self.stdout.write(f"已排入后台任务 {result.id}")
            return
        self.stdout.write(f"已清零 {timebank_expire()} 个账户的到期时长")
