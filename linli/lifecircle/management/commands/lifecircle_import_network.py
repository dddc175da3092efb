from django.core.management.base import BaseCommand, CommandError

from linli.lifecircle.services import LifeCircleError, network_import
from linli.regions.models import Region


class Command(BaseCommand):
    help = "导入步行路网（.osm.pbf 或 GeoJSON 道路线），导入后在后台重算生活圈"

    def add_arguments(self, parser):
        parser.add_argument("region", help="所属城市/区县的区划代码")
        parser.add_argument("path", help="文件路径（.osm.pbf 或 .geojson）")
        parser.add_argument("--datum", default="wgs84", choices=["wgs84", "gcj02", "bd09"])
        parser.add_argument("--name", default="")

    def handle(self, *args, **opts):
        region = Region.objects.current().filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"区划代码 {opts['region']} 不存在")
        fmt = "osm_pbf" if opts["path"].endswith(".pbf") else "geojson"
        try:
            rn = network_import(
                region=region, path=opts["path"], fmt=fmt, datum=opts["datum"], name=opts["name"]
            )
        except LifeCircleError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"已导入 {rn.name}：{rn.node_count} 个节点、{rn.edge_count} 条路段，{rn.length_km:.1f} 千米"
        )
