from django.core.management.base import BaseCommand, CommandError

from linli.lifecircle.services import recompute, recomputed_roots
from linli.regions.models import Region


class Command(BaseCommand):
    help = "重新计算区域的步行可达性与生活圈覆盖（不给区划代码：重算所有已计算过的区域，即每晚的定时任务）"

    def add_arguments(self, parser):
        parser.add_argument("region", nargs="?", default="", help="区划代码，如 350504")

    def handle(self, *args, **opts):
        if opts["region"]:
            region = Region.objects.current().filter(code=opts["region"]).first()
            if region is None:
                raise CommandError(f"区划代码 {opts['region']} 不存在")
            regions = [region]
        else:
            regions = recomputed_roots()
        for region in regions:
            run = recompute(region)
            self.stdout.write(
                f"{run.region.name}：{run.buildings} 栋楼 × {run.types} 类设施，{run.get_method_display()}，用时 {run.seconds:.1f} 秒"
            )
