"""Many patrols measured at once: the set-based twin of ``track.summarise``.

The points of a whole batch arrive as flat arrays in (patrol, time) order. Each segment is a trusted
point and the previous trusted point of the same patrol (what SQL's ``LAG`` over a window partitioned
by patrol gives): its length (haversine) and duration are computed for every segment in one numpy
pass; whether a point lies in its grid is one shapely ``contains_xy`` call per grid over all of that
grid's points of the batch, after a bounding-box prefilter. Sums per patrol are ``bincount``s.

Same rules as ``track.summarise`` (flagged points not trusted; time and distance in the grid only
between two consecutive trusted points both inside and at most ``GAP_S`` apart; buildings within the
radius of a trusted point), and the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import shapely
from shapely.geometry import shape

from linli.workforce.engine.track import EARTH_M, GAP_S, Summary


def haversine(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def inside_area(lat: np.ndarray, lon: np.ndarray, geometry: dict | None) -> np.ndarray:
    """Whether each point lies in a GeoJSON Polygon / MultiPolygon; no geometry: all inside."""
    if not geometry:
        return np.ones(len(lat), dtype=bool)
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return np.zeros(len(lat), dtype=bool)
    if geom.is_empty:
        return np.zeros(len(lat), dtype=bool)
    x0, y0, x1, y1 = geom.bounds
    out = np.zeros(len(lat), dtype=bool)
    box = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    if box.any():
        shapely.prepare(geom)
        out[box] = shapely.contains_xy(geom, lon[box], lat[box])
    return out


def summarise_many(
    patrol: np.ndarray,
    t: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    flagged: np.ndarray,
    area_of: Mapping[int, object],
    geometries: Mapping[object, dict | None],
    buildings: Mapping[object, Sequence[tuple[int, float, float]]] = {},  # noqa: B006 - read only
    *,
    radius_m: float = 30.0,
) -> dict[int, Summary]:
    """``patrol``/``t``/``lat``/``lon``/``flagged``: one entry per point, sorted by (patrol, t).
    ``area_of``: patrol id → area key (the grid); ``geometries`` / ``buildings``: area key → its
    GeoJSON and its buildings (id, lat, lon). Every patrol of ``area_of`` gets a summary."""
    patrol = np.asarray(patrol, dtype=np.int64)
    flagged = np.asarray(flagged, dtype=bool)
    ids = np.sort(np.fromiter(area_of.keys(), dtype=np.int64, count=len(area_of)))  # slots in patrol order
    n = len(ids)
    slot = np.searchsorted(ids, patrol)
    if len(patrol) and (n == 0 or not np.array_equal(ids[np.minimum(slot, n - 1)], patrol)):
        raise KeyError("a point's patrol is not in area_of")
    points = np.bincount(slot, minlength=n)
    n_flagged = np.bincount(slot[flagged], minlength=n)

    keep = ~flagged
    s, tt = slot[keep], np.asarray(t, dtype=float)[keep]
    la, lo = np.asarray(lat, dtype=float)[keep], np.asarray(lon, dtype=float)[keep]

    # inside: per area, one vectorised test over all of its points of the batch
    area_keys = [area_of[int(pk)] for pk in ids]
    by_area: dict[object, list[int]] = {}
    for i, key in enumerate(area_keys):
        by_area.setdefault(key, []).append(i)
    area_slot = np.empty(n, dtype=np.int64)
    keys = list(by_area)
    for k, key in enumerate(keys):
        area_slot[by_area[key]] = k
    pt_area = area_slot[s]
    inside = np.zeros(len(s), dtype=bool)
    for k, key in enumerate(keys):
        m = pt_area == k
        if m.any():
            inside[m] = inside_area(la[m], lo[m], geometries.get(key))

    # segments: each trusted point with the previous trusted point of the same patrol (LAG)
    same = s[1:] == s[:-1]
    seg_slot = s[1:][same]
    d = haversine(la[:-1], lo[:-1], la[1:], lo[1:])[same]
    secs = (tt[1:] - tt[:-1])[same]
    in_seg = (inside[:-1] & inside[1:])[same] & (secs <= GAP_S)
    dist = np.bincount(seg_slot, weights=d, minlength=n)
    dist_in = np.bincount(seg_slot[in_seg], weights=d[in_seg], minlength=n)
    secs_in = np.bincount(seg_slot[in_seg], weights=secs[in_seg], minlength=n)

    # buildings passed: per patrol, its trusted points against its area's buildings near its bbox
    passed: list[frozenset[int]] = [frozenset()] * n
    starts = np.searchsorted(s, np.arange(n), side="left")
    ends = np.searchsorted(s, np.arange(n), side="right")
    dlat = radius_m / 111_320
    for key in keys:
        blds = buildings.get(key) or ()
        if not blds:
            continue
        b_id = np.array([b[0] for b in blds], dtype=np.int64)
        b_lat = np.array([b[1] for b in blds], dtype=float)
        b_lon = np.array([b[2] for b in blds], dtype=float)
        for i in by_area[key]:
            a, b = starts[i], ends[i]
            if a == b:
                continue
            pla, plo = la[a:b], lo[a:b]
            dlon = dlat / max(0.2, float(np.cos(np.radians(pla[0]))))
            near = (
                (b_lat >= pla.min() - dlat)
                & (b_lat <= pla.max() + dlat)
                & (b_lon >= plo.min() - 2 * dlon)
                & (b_lon <= plo.max() + 2 * dlon)
            )
            if not near.any():
                continue
            dd = haversine(pla[:, None], plo[:, None], b_lat[near][None, :], b_lon[near][None, :])
            hit = (dd <= radius_m).any(axis=0)
            passed[i] = frozenset(int(x) for x in b_id[near][hit])

    return {
        int(pk): Summary(
            float(dist[i]),
            float(secs_in[i]),
            float(dist_in[i]),
            int(points[i]),
            int(n_flagged[i]),
            passed[i],
        )
        for i, pk in enumerate(ids)
    }
