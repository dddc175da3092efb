"""Plausible boundaries drawn from where the buildings stand (示意边界): no Django, tested alone.

A demo (or a district that has no surveyed outlines yet) knows which grid every building belongs to
but not where the lines between grids run. ``synthetic_boundaries`` draws them: every piece of land
goes to the grid of the nearest building (a Voronoi partition of the building positions, dissolved
by grid), inside the land the buildings occupy (their positions buffered, so villages reach into
their fields and towns stay compact). Siblings never overlap (Voronoi cells do not), every building
lies inside its grid, a community is the union of its grids, a street the union of its communities.

Buildings the caller marks as *outside* (registered in a grid but standing beyond its surveyed
outline, which the four-no-miss audit reports) stay outside it: they take no part in drawing, and a
small notch is cut around them from whichever grid of theirs would otherwise swallow them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Site:
    """A located building: its position (WGS-84), its grid's code, and whether it stands outside it."""

    lat: float
    lon: float
    grid: str
    outside: bool = False


@dataclass(frozen=True)
class Options:
    reach_urban_m: float = 600.0  # how far beyond its buildings a town's grid reaches
    reach_rural_m: float = 1500.0  # … a village's (its fields and hills)
    notch_m: float = 30.0  # the radius of the notch around a building that stands outside its grid
    simplify_m: float = 12.0  # outline detail kept


def _metric(lat0: float) -> tuple[float, float]:
    """Metres per degree of latitude and of longitude near ``lat0`` (a local equirectangular plane)."""
    return M_PER_DEG_LAT, M_PER_DEG_LAT * math.cos(math.radians(lat0))


def synthetic_boundaries(
    sites: Iterable[Site],
    *,
    rural: Mapping[str, bool] | None = None,
    options: Options = Options(),
) -> dict[str, dict[str, Any]]:
    """GeoJSON geometries (Polygon; MultiPolygon above the community) by region code, for every
    grid with a site and every ancestor code (12-digit community, 9-digit street, 6-digit district).

    ``rural``: by grid code, whether the grid is rural (reaches further into its land); default urban.
    Codes follow the statistical hierarchy: a grid's community is its first 12 digits, and so on.
    """
    rural = rural or {}
    sites = list(sites)
    inside = [s for s in sites if not s.outside]
    outside_sites = [s for s in sites if s.outside]
    if not inside:
        return {}
    lat0 = sum(s.lat for s in inside) / len(inside)
    lon0 = sum(s.lon for s in inside) / len(inside)
    ky, kx = _metric(lat0)

    def to_xy(lat: float, lon: float) -> tuple[float, float]:
        return (lon - lon0) * kx, (lat - lat0) * ky

    # one site per position: two buildings at the same spot would give Voronoi no cell to split
    grid_of: dict[tuple[float, float], str] = {}
    for s in inside:
        grid_of.setdefault(to_xy(s.lat, s.lon), s.grid)
    xy = np.array(list(grid_of.keys()))
    labels = list(grid_of.values())

    # the land: the outline of each grid's buildings (a concave hull) with its reach around it
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(labels):
        members[g].append(i)
    hulls = [
        shapely.concave_hull(MultiPoint(xy[idx]), ratio=0.3).buffer(
            options.reach_rural_m if rural.get(g) else options.reach_urban_m, quad_segs=4
        )
        for g, idx in members.items()
    ]
    land = shapely.union_all(hulls)

    cells = shapely.voronoi_polygons(MultiPoint(xy), extend_to=land.envelope.buffer(1000), ordered=True)
    parts: dict[str, list[BaseGeometry]] = defaultdict(list)
    for label, cell in zip(labels, shapely.get_parts(cells), strict=True):
        parts[label].append(cell)

    notches: dict[str, list[BaseGeometry]] = defaultdict(list)
    for s in outside_sites:
        notches[s.grid].append(Point(to_xy(s.lat, s.lon)).buffer(options.notch_m, quad_segs=4))

    grids: dict[str, BaseGeometry] = {}
    for code, cs in parts.items():
        shape = shapely.coverage_union_all(cs).intersection(land)
        if notches.get(code):
            shape = shape.difference(shapely.union_all(notches[code]))
        grids[code] = _largest(shape)

    # simplified together, so that neighbours keep one shared line between them
    codes = sorted(grids)
    simple = shapely.coverage_simplify(np.array([grids[c] for c in codes]), options.simplify_m)
    grids = {c: _largest(shapely.make_valid(g)) for c, g in zip(codes, simple, strict=True)}

    out: dict[str, BaseGeometry] = dict(grids)
    for length in (12, 9, 6):
        by: dict[str, list[BaseGeometry]] = defaultdict(list)
        for code, g in grids.items():
            by[code[:length]].append(g)
        for code, gs in by.items():
            u = shapely.union_all(gs)
            out[code] = _largest(u) if length == 12 else u

    def to_lonlat(x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.round(x[:, 0] / kx + lon0, 6), np.round(x[:, 1] / ky + lat0, 6)])

    return {code: mapping(shapely.transform(g, to_lonlat)) for code, g in out.items() if not g.is_empty}


def _largest(g: BaseGeometry) -> BaseGeometry:
    """The polygon of the largest area in ``g`` (a grid or community is one piece of land)."""
    polys = [p for p in shapely.get_parts(g) if isinstance(p, Polygon) and not p.is_empty]
    if not polys:
        return Polygon()
    return max(polys, key=lambda p: p.area)
