"""The demo's life circle: a synthetic walking network over 洛江's synthetic buildings
(labelled 合成路网（演示）) and access results for every facility type.

The streets follow the buildings, not the community boundaries: each community gets a street grid
over the extent of its own buildings (≈ 80 m blocks in town, 160 m lanes in the villages), and
roads join neighbouring communities, so the whole district is one network and a boundary drawn
wider than the built-up area (a Voronoi cell, a village's fields) adds no empty streets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
from django.db import transaction

from linli.lifecircle.engine.synthetic import grid_network
from linli.lifecircle.models import Access, NetworkSource, RoadNetwork
from linli.lifecircle.services import network_save, recompute
from linli.regions.models import Level, Region, UrbanRural, subtree_q
from linli.registry.models import Building

DISTRICT = "350504"
NETWORK_NAME = "洛江区合成路网（演示）"


URBAN_BLOCK_M = 80.0
RURAL_LANE_M = 160.0


def built_extents() -> tuple[list[tuple[float, float, float, float]], list[float]]:
    """(lat min, lat max, lon min, lon max) of every demo community's buildings, and its street spacing."""
    rural = {
        c.code: c.urban_rural == UrbanRural.RURAL
        for c in Region.objects.current().filter(subtree_q(DISTRICT), level=Level.COMMUNITY)
    }
    points: dict[str, list[tuple[float, float]]] = {}
    for code, lat, lon in Building.objects.filter(
        subtree_q(DISTRICT, "region__code"), lat__isnull=False, lon__isnull=False
    ).values_list("region__code", "lat", "lon"):
        if code[:12] in rural and lat is not None and lon is not None:
            points.setdefault(code[:12], []).append((lat, lon))
    rects, spacing = [], []
    for code in sorted(points):
        pts = np.array(points[code])
        rects.append((pts[:, 0].min(), pts[:, 0].max(), pts[:, 1].min(), pts[:, 1].max()))
        spacing.append(RURAL_LANE_M if rural[code] else URBAN_BLOCK_M)
    return rects, spacing


def demo_loaded() -> bool:
    return RoadNetwork.objects.filter(region__code=DISTRICT, source=NetworkSource.SYNTHETIC).exists()


def demo_run(
    *, seed: int = 1, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    district = Region.objects.current().filter(code=DISTRICT).first()
    if district is None:
        return {}
    rects, spacing = built_extents()
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
