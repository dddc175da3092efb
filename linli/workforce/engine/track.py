"""巡查轨迹: cleaning a patrol's positions and measuring it against its grid.

A point is ``(t, lat, lon)`` with ``t`` in seconds. ``clean`` flags a point that could only be reached
from the last trusted one at an impossible speed (a GPS jump): flagged points are kept (the worker's
record is not rewritten) but not trusted for distance, time in grid or buildings passed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_M = 6_371_008.8
MAX_SPEED_MS = 12.0  # faster than a bicycle or e-bike in a lane: a jump, not a walk
GAP_S = 600  # a gap longer than this is not counted as time spent (the phone slept)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Point:
    t: float
    lat: float
    lon: float


def flag_jumps(
    points: Sequence[Point], *, last: Point | None = None, max_speed: float = MAX_SPEED_MS
) -> list[bool]:
    """For each point (in time order), whether it is flagged: reached from the last trusted point
    (``last`` before the first) faster than ``max_speed``. A flagged point does not move ``last``."""
    flags = []
    for p in points:
        if last is not None:
            dt = p.t - last.t
            d = distance_m(last.lat, last.lon, p.lat, p.lon)
            if dt <= 0 and d > 5 or dt > 0 and d / dt > max_speed:
                flags.append(True)
                continue
        flags.append(False)
        last = p
    return flags


def point_in_polygon(lat: float, lon: float, ring: Sequence[Sequence[float]]) -> bool:
    """Ray casting over a GeoJSON ring of [lon, lat] pairs."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / ((yj - yi) or 1e-18) + xi:
            inside = not inside
        j = i
    return inside


def in_area(lat: float, lon: float, geometry: dict | None) -> bool:
    """Whether (lat, lon) lies in a GeoJSON Polygon / MultiPolygon (outer rings minus holes).
    No geometry means the area is not drawn: every point counts as inside."""
    if not geometry:
        return True
    kind = geometry.get("type")
    polys = [geometry.get("coordinates", [])] if kind == "Polygon" else geometry.get("coordinates", [])
    for rings in polys:
        if (
            rings
            and point_in_polygon(lat, lon, rings[0])
            and not any(point_in_polygon(lat, lon, hole) for hole in rings[1:])
        ):
            return True
    return False


@dataclass(frozen=True)
class Summary:
    distance_m: float  # along trusted points
    seconds_in_grid: float  # time between consecutive trusted points both inside the grid
    distance_in_grid_m: float
    points: int
    flagged: int
    buildings: frozenset[int]  # ids of buildings passed within the radius


def summarise(
    points: Sequence[Point],
    flags: Sequence[bool],
    geometry: dict | None,
    buildings: Sequence[tuple[int, float, float]] = (),
    *,
    radius_m: float = 30.0,
) -> Summary:
    """Distance, time and distance inside the grid, and the buildings (id, lat, lon) passed within
    ``radius_m`` of a trusted point."""
    trusted = [p for p, f in zip(points, flags, strict=True) if not f]
    dist = dist_in = secs_in = 0.0
    inside = [in_area(p.lat, p.lon, geometry) for p in trusted]
    for i in range(1, len(trusted)):
        a, b = trusted[i - 1], trusted[i]
        d = distance_m(a.lat, a.lon, b.lat, b.lon)
        dist += d
        if inside[i - 1] and inside[i] and b.t - a.t <= GAP_S:
            secs_in += b.t - a.t
            dist_in += d
    passed: set[int] = set()
    if buildings and trusted:
        # buildings bucketed in cells of the radius (degrees at this latitude): each point looks
        # only in its own and the eight neighbouring cells
        dlat = radius_m / 111_320
        dlon = dlat / max(0.2, math.cos(math.radians(trusted[0].lat)))
        cells: dict[tuple[int, int], list[tuple[int, float, float]]] = {}
        for bld in buildings:
            cells.setdefault((int(bld[1] // dlat), int(bld[2] // dlon)), []).append(bld)
        for p in trusted:
            ci, cj = int(p.lat // dlat), int(p.lon // dlon)
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    for bid, blat, blon in cells.get((ci + di, cj + dj), ()):
                        if bid not in passed and distance_m(p.lat, p.lon, blat, blon) <= radius_m:
                            passed.add(bid)
    return Summary(dist, secs_in, dist_in, len(points), sum(1 for f in flags if f), frozenset(passed))


def coarsen(points: Sequence[Point], *, every_s: float = 300.0, decimals: int = 3) -> list[Point]:
    """What is kept after the retention period: one point per ``every_s`` seconds, rounded to
    ``decimals`` places (3 ≈ 100 m): the route's shape, not the worker's steps."""
    out: list[Point] = []
    for p in points:
        if not out or p.t - out[-1].t >= every_s:
            out.append(Point(p.t, round(p.lat, decimals), round(p.lon, decimals)))
    return out
