"""Where a request is: the community and grid of a map point (by their outlines), a building or an address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from linli.cases.services import caches
from linli.core.errors import invalid
from linli.regions.models import Level, Region
from linli.registry.models import Building


@dataclass
class _Area:
    region: Region
    level: int
    shape: Any


def _load_areas() -> list[_Area]:
    from shapely import prepared
    from shapely.geometry import shape

    out = []
    rows = (
        Region.objects.current()
        .filter(level__in=[Level.COMMUNITY, Level.GRID], boundary__isnull=False)
        .select_related("parent")
        .defer("boundary", "parent__boundary")
    )
    shapes = dict(rows.values_list("pk", "boundary"))
    for region in rows:
        boundary = shapes.get(region.pk)
        try:
            geom = shape(boundary.get("geometry", boundary) if isinstance(boundary, dict) else boundary)
        except Exception:  # a broken boundary must not stop intake elsewhere
            continue
        out.append(_Area(region, region.level, prepared.prep(geom)))
    out.sort(key=lambda a: -a.level)  # grids first
    return out


def _community_and_grid(region: Region) -> tuple[Region, Region | None]:
    if region.level == Level.GRID and region.parent is not None:
        return region.parent, region
    return region, None


def locate_point(lat: float, lon: float) -> tuple[Region, Region | None]:
    """(community, grid) containing the point, by the boundaries of grids and communities."""
    from shapely.geometry import Point

    p = Point(lon, lat)
    for area in caches.AREAS.get(_load_areas):
        if area.shape.contains(p):
            return _community_and_grid(area.region)  # cached with its parent: no query per request
    raise invalid(
        "location", "该位置不在本系统任何社区/网格范围内，请在地图上重新选点", "case.location_outside"
    )


def locate(
    *,
    lat: float | None,
    lon: float | None,
    address: str = "",
    building_id: int | None = None,
    grid: Region | None = None,
) -> tuple[Region, Region | None, float | None, float | None]:
    """(community, grid, lat, lon) from a map point, a building or an address; else in ``grid`` (a grid
    worker's report on patrol: his grid, without a point)."""
    if lat is not None and lon is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise invalid("location", "经纬度超出范围", "case.location_out_of_range")
        community, grid = locate_point(lat, lon)
        return community, grid, lat, lon
    b = None
    buildings = Building.objects.select_related("region", "region__parent")
    if building_id:
        b = buildings.filter(pk=building_id).first()
    elif address.strip():
        a = address.strip()
        b = buildings.filter(Q(address=a) | Q(name=a)).order_by("pk").first()
    if b is None and grid is not None and not building_id:
        community, in_grid = _community_and_grid(grid)
        return community, in_grid, None, None
    if b is None:
        if address.strip() or building_id:
            raise invalid("location", "无法根据地址确定所在社区，请在地图上选点", "case.location_unknown")
        raise invalid("location", "请提供位置：在地图上选点或填写地址", "case.location_required")
    return (*_community_and_grid(b.region), b.lat, b.lon)
