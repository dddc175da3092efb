"""The demo's life circle: a synthetic walking network around 洛江's synthetic communities
(labelled 合成路网（演示）) and access results for every facility type."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction

from linli.lifecircle.engine.synthetic import grid_network
from linli.lifecircle.models import Access, NetworkSource, RoadNetwork
from linli.lifecircle.services import network_save, recompute
from linli.regions.models import Level, Region, UrbanRural, subtree_q

DISTRICT = "350504"
NETWORK_NAME = "洛江区合成路网（演示）"


def _rect(boundary: dict) -> tuple[float, float, float, float] | None:
    try:
        ring = boundary["coordinates"][0]
    except (KeyError, IndexError, TypeError):
        return None
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return min(lats), max(lats), min(lons), max(lons)


def demo_loaded() -> bool:
    return RoadNetwork.objects.filter(region__code=DISTRICT, source=NetworkSource.SYNTHETIC).exists()


def demo_run(
    *, seed: int = 1, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    district = Region.objects.current().filter(code=DISTRICT).first()
    if district is None:
        return {}
    rects, spacing = [], []
    for c in Region.objects.current().filter(
        subtree_q(DISTRICT), level=Level.COMMUNITY, boundary__isnull=False
    ):
        r = _rect(c.boundary or {})
        if r is not None:
            rects.append(r)
            spacing.append(160.0 if c.urban_rural == UrbanRural.RURAL else 90.0)
    if not rects:
        return {}
    with transaction.atomic():
        net = grid_network(rects, spacing, seed=seed)
        network_save(region=district, net=net, name=NETWORK_NAME, source=NetworkSource.SYNTHETIC)
        log(f"合成路网：{net.n} 个节点、{net.m} 条路段")
        run = recompute(district, today=today)
    return {
        "合成路网节点": net.n,
        "合成路网路段": net.m,
        "步行可达性结果": Access.objects.filter(subtree_q(DISTRICT, "building__region__code")).count(),
        "计算楼栋": run.buildings,
    }
