"""Writes of the life circle: network import, access and coverage recomputation, siting runs.

Every function loads the arrays it needs in a few queries, hands them to the engine and stores the
results in bulk, in one transaction. Bad input raises ``LifeCircleError``, a ``ValidationError`` naming
the field with a stable code (``lifecircle.k_out_of_range`` …), which the API answers as 422 and a
page puts on its form.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from scipy.spatial import cKDTree

from linli.core.models import AuditAction, User
from linli.core.scope import subtrees_q
from linli.core.services import audit_record
from linli.facilities.models import Facility, FacilityStatus, FacilityType
from linli.lifecircle import tasks
from linli.lifecircle.access_store import TypeRows, drop_types, store_type
from linli.lifecircle.engine import access as eng
from linli.lifecircle.engine import siting as sit
from linli.lifecircle.engine.geo import DATUMS, Projection, arrays_to_wgs84
from linli.lifecircle.engine.network import Network, NetworkError
from linli.lifecircle.models import (
    RULE_MINUTES,
    Access,
    ComputeRun,
    Coverage,
    LifeCircleSettings,
    Method,
    Problem,
    RoadNetwork,
    SitingRun,
    TargetGroup,
)
from linli.regions.models import Level, Region, UrbanRural, subtree_q
from linli.registry.models import Building, Person, PersonStatus


class LifeCircleError(ValidationError):
    """Bad input: a Chinese ``message`` on ``field`` with a stable ``code`` (``lifecircle.<reason>``)."""

    def __init__(self, message: str, field: str, *, code: str) -> None:
        super().__init__({field: [ValidationError(message, code=code)]})
        self.message, self.field, self.code = message, field, code


# --- networks -------------------------------------------------------------------------------------


def network_for(region: Region) -> RoadNetwork | None:
    """The active network of ``region`` or of its nearest ancestor."""
    codes = [*region.ancestors_codes(), region.code]
    return (
        RoadNetwork.objects.filter(active=True, region__code__in=codes)
        .select_related("region")
        .order_by("-region__level", "-created_at")
        .first()
    )


def compute_root(region: Region) -> Region:
    """The region whose access is computed as a whole: the network's region, else the district."""
    net = network_for(region)
    if net is not None:
        return net.region
    if region.level > Level.DISTRICT:
        return Region.objects.current().filter(code=region.code[:6]).first() or region
    return region


@transaction.atomic
def network_save(
    *, region: Region, net: Network, name: str, source: str, datum: str = "wgs84", actor: User | None = None
) -> RoadNetwork:
    """Store ``net`` as the active network of ``region`` (earlier ones are kept, inactive)."""
    RoadNetwork.objects.filter(region=region, active=True).update(active=False)
    rn = RoadNetwork.objects.create(
        region=region,
        name=name,
        source=source,
        datum=datum,
        node_count=net.n,
        edge_count=net.m,
        length_km=float(net.length.sum() / 1000),
        data=net.to_bytes(),
    )
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            subject=rn,
            subject_label=name,
            region_code=region.code,
            row_count=net.m,
        )
    return rn


def network_import(
    *, region: Region, path: str, fmt: str, datum: str = "wgs84", name: str = "", actor: User | None = None
) -> RoadNetwork:
    """Import a walking network from an ``.osm.pbf`` extract or a GeoJSON file of road lines."""
    if datum not in DATUMS:
        raise LifeCircleError("坐标系应为 wgs84、gcj02 或 bd09", "datum", code="lifecircle.unknown_datum")
    try:
        if fmt == "osm_pbf":
            net = Network.from_pbf(path)
        elif fmt == "geojson":
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
            net = Network.from_geojson(data)
        else:
            raise LifeCircleError("格式应为 osm_pbf 或 geojson", "format", code="lifecircle.unknown_format")
    except NetworkError as exc:
        raise LifeCircleError(str(exc), "file", code="lifecircle.network_invalid") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise LifeCircleError(
            f"无法读取路网文件：{exc}", "file", code="lifecircle.network_unreadable"
        ) from exc
    if datum != "wgs84":
        lat, lon = arrays_to_wgs84(net.lat, net.lon, datum)
        net = Network(lat, lon, net.u, net.v, net.length)
    rn = network_save(
        region=region,
        net=net,
        name=name or f"{region.name}步行路网",
        source=fmt,
        datum=datum,
        actor=actor,
    )
    tasks.schedule_recompute(region.code)
    return rn


_NET_CACHE: dict[tuple[int, str, int, int], Network] = {}


def load_network(rn: RoadNetwork) -> Network:
    # keyed by more than the id: a rolled-back network's id is given again to the next one
    key = (rn.pk, rn.created_at.isoformat(), rn.node_count, rn.edge_count)
    if key not in _NET_CACHE:
        if len(_NET_CACHE) > 4:
            _NET_CACHE.clear()
        _NET_CACHE[key] = Network.from_bytes(bytes(rn.data))
    return _NET_CACHE[key]


# --- population per building ----------------------------------------------------------------------


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def group_filters(today: dt.date) -> dict[str, Q]:
    c3, c6, c12, c60 = (_years_before(today, y) for y in (3, 6, 12, 60))
    return {
        TargetGroup.ALL: Q(),
        TargetGroup.ELDERLY: Q(birth_date__lte=c60),
        TargetGroup.INFANT: Q(birth_date__gt=c3),
        TargetGroup.CHILD: Q(birth_date__gt=c6, birth_date__lte=c3),
        TargetGroup.PUPIL: Q(birth_date__gt=c12, birth_date__lte=c6),
    }


@dataclass
class Population:
    """Active residents per building, in total and by target group: the buildings' ids ascending and
    one count array per group, aligned with them."""

    ids: np.ndarray
    counts: dict[str, np.ndarray]

    def take(self, building_ids: np.ndarray) -> dict[str, np.ndarray]:
        """The counts of ``building_ids`` (0 for a building without residents)."""
        if not len(self.ids):
            return {g: np.zeros(len(building_ids)) for g in self.counts}
        pos = np.minimum(np.searchsorted(self.ids, building_ids), len(self.ids) - 1)
        hit = self.ids[pos] == building_ids
        return {g: np.where(hit, c[pos], 0).astype(np.float64) for g, c in self.counts.items()}


def population_of(region_codes: Sequence[str], today: dt.date | None = None) -> Population:
    """The residents of every building under the ``region_codes``, counted in one grouped query (the
    nightly recompute counts the whole city once, not once per district), read as a stream."""
    today = today or timezone.localdate()
    filters = group_filters(today)
    groups = list(filters)
    agg = {g: Count("id", filter=q) if q else Count("id") for g, q in filters.items()}
    rows = (
        Person.objects.filter(status=PersonStatus.ACTIVE, household__building__isnull=False)
        .filter(subtrees_q(list(region_codes), "household__building__region__code"))
        .values("household__building_id")
        .annotate(**agg)
        .order_by()
        .values_list("household__building_id", *groups)
    )
    table = np.array(list(rows.iterator(chunk_size=20_000)), dtype=np.int64).reshape(-1, len(groups) + 1)
    table = table[np.argsort(table[:, 0], kind="stable")]
    return Population(table[:, 0].copy(), {g: table[:, k + 1].copy() for k, g in enumerate(groups)})


def building_population(
    building_ids: np.ndarray, region_code: str | Sequence[str], today: dt.date | None = None
) -> dict[str, np.ndarray]:
    """Active residents per building (aligned with ``building_ids``), in total and by target group,
    counted under ``region_code`` (or under each of a list of codes: the communities of an update)."""
    codes = [region_code] if isinstance(region_code, str) else list(region_code)
    return population_of(codes, today).take(np.asarray(building_ids, dtype=np.int64))


# --- access and coverage --------------------------------------------------------------------------


@dataclass
class Frame:
    """The arrays of one computation: buildings, their communities and per-building thresholds."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    community: np.ndarray  # index into ``communities``
    communities: list[Region]
    rural: np.ndarray  # bool per building


def load_frame(root: Region, communities: Sequence[str] | None = None) -> Frame:
    """The buildings with coordinates under ``root`` (or only in the given ``communities``)."""
    codes = [root.code] if communities is None else list(communities)
    rows = list(
        Building.objects.filter(subtrees_q(list(codes), "region__code"), lat__isnull=False, lon__isnull=False)
        .order_by("id")
        .values_list("id", "lat", "lon", "region__code")
    )
    communities_q = subtree_q(root.code) if communities is None else Q(code__in=codes)
    regions = list(Region.objects.current().filter(communities_q, level=Level.COMMUNITY).order_by("code"))
    index = {c.code: i for i, c in enumerate(regions)}
    comm = np.array([index.get(r[3][:12], -1) for r in rows], dtype=np.int64)
    rural_c = np.array([c.urban_rural == UrbanRural.RURAL for c in regions] + [False])
    return Frame(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        lat=np.array([r[1] for r in rows], dtype=np.float64),
        lon=np.array([r[2] for r in rows], dtype=np.float64),
        community=comm,
        communities=regions,
        rural=rural_c[comm],
    )


def type_minutes(t: FacilityType, rural: np.ndarray, cfg: LifeCircleSettings) -> np.ndarray:
    """Threshold in minutes per building for type ``t``: its circle level, or the rural circle."""
    std = getattr(t, "circle", None)
    urban_min = std.minutes if std is not None else 15
    if not cfg.rural_mode:
        return np.full(len(rural), float(urban_min))
    return np.where(rural, float(cfg.rural_minutes), float(urban_min))


def rule_minutes(rural: np.ndarray, cfg: LifeCircleSettings) -> np.ndarray:
    """The circle the 便民/优质 rules judge, per building: 15 minutes (一刻钟), the rural circle in villages."""
    if not cfg.rural_mode:
        return np.full(len(rural), float(RULE_MINUTES))
    return np.where(rural, float(cfg.rural_minutes), float(RULE_MINUTES))


def type_group(t: FacilityType) -> str:
    std = getattr(t, "circle", None)
    return std.group if std is not None else TargetGroup.ALL


def _types() -> list[FacilityType]:
    return list(FacilityType.objects.filter(active=True).select_related("circle").order_by("sort", "code"))


# Facilities that also meet another type's need (GB 50180 lists them as one item): a 党群服务中心 is the
# community's 社区综合服务设施 and the reverse, a 村卫生室 is a village's health station, a 综合超市 sells
# the fresh food of a 菜市场.
ALSO_SERVES: dict[str, tuple[str, ...]] = {
    "party_center": ("community_center",),
    "community_center": ("party_center",),
    "village_clinic": ("health_station",),
    "supermarket": ("grocery",),
}


def open_facilities(root: Region) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The open facilities of every type (by type id), counting those that also serve the type."""
    ids = dict(FacilityType.objects.values_list("code", "id"))
    by_type: dict[int, list[tuple[float | None, float | None]]] = {}
    for code, type_id, lat, lon in Facility.objects.filter(
        subtree_q(root.code, "region__code"), status=FacilityStatus.OPEN, lat__isnull=False, lon__isnull=False
    ).values_list("type__code", "type_id", "lat", "lon"):
        by_type.setdefault(type_id, []).append((lat, lon))
        for other in ALSO_SERVES.get(code, ()):
            if other in ids:
                by_type.setdefault(ids[other], []).append((lat, lon))
    return {t: (np.array([p[0] for p in v]), np.array([p[1] for p in v])) for t, v in by_type.items()}


def straight_projection(lat: np.ndarray, lon: np.ndarray) -> Projection:
    """The projection of the straight-line fallback: around the root's buildings, its centre rounded to
    0.01° so that an update around one facility (which reads the centre with one AVG) projects exactly
    as the full recompute did (≈ 1 km off the mean changes a kilometre's walk by a few centimetres)."""
    if len(lat) == 0:
        return Projection(0.0, 0.0)
    return Projection(round(float(np.mean(lat)), 2), round(float(np.mean(lon)), 2))


def _limit_m(t: FacilityType, cfg: LifeCircleSettings) -> float:
    """The type's largest threshold in metres (its circle, or the rural circle where that is longer)."""
    longest = type_minutes(t, np.array([False, cfg.rural_mode]), cfg).max()
    return float(longest) * 60 * cfg.walking_speed


def _type_rows(
    res: eng.TypeAccess, mins: np.ndarray, snap: np.ndarray, method: str, speed: float
) -> TypeRows:
    """The stored values of one type's access (distances rounded to 0.1 m, minutes to 0.01): what the
    pages read."""
    d = res.distance
    finite = np.isfinite(d)
    return TypeRows(
        distance=np.where(finite, np.round(d, 1), -1.0),
        minutes=np.where(finite, np.round(d / speed, 2), -1.0),
        within=(res.count if res.count is not None else np.zeros(len(d))).astype(np.int64),
        threshold=mins.astype(np.int64),
        snap=np.round(snap, 1),
        network=method == Method.NETWORK,
    )


def recompute(
    region: Region, *, today: dt.date | None = None, population: Population | None = None
) -> ComputeRun:
    """Recompute access (every building × type) and coverage for the region's computation root
    (``population``: the residents per building, when counted already for several roots at once)."""
    t0 = time.perf_counter()
    root = compute_root(region)
    cfg = LifeCircleSettings.get()
    frame = load_frame(root)
    types = _types()
    fac = open_facilities(root)
    rn = network_for(root)
    empty = (np.zeros(0), np.zeros(0))
    facilities = [fac.get(t.pk, empty) for t in types]
    minutes = [type_minutes(t, frame.rural, cfg) for t in types]
    limits = [m * 60 * cfg.walking_speed for m in minutes]
    targets = (frame.lat, frame.lon)
    if rn is not None and len(frame.ids):
        net = load_network(rn)
        results, snap = eng.network_access(net, facilities, targets, limits)
        method = Method.NETWORK
    else:
        proj = straight_projection(frame.lat, frame.lon)
        results = (
            eng.straight_access(facilities, targets, cfg.detour_factor, limits, proj=proj)
            if len(frame.ids)
            else []
        )
        snap = np.zeros(len(frame.ids))
        method = Method.STRAIGHT
    if population is None:
        population = population_of([root.code], today)
    pop = population.take(frame.ids)
    with transaction.atomic():
        # the rows as a delete-and-insert of the root would leave them, written as a difference
        unlocated = Building.objects.filter(subtree_q(root.code, "region__code")).filter(
            Q(lat__isnull=True) | Q(lon__isnull=True)
        )
        Access.objects.filter(building__in=unlocated).delete()
        drop_types(
            frame.ids, FacilityType.objects.exclude(pk__in=[t.pk for t in types]).values_list("pk", flat=True)
        )
        speed = cfg.walking_speed * 60
        for t, res, mins in zip(types, results, minutes, strict=True):
            store_type(frame.ids, t.pk, _type_rows(res, mins, snap, method, speed))
        Coverage.objects.filter(subtree_q(root.code, "region__code")).exclude(
            region__in=frame.communities, type__in=types
        ).delete()
        rule_limit = rule_minutes(frame.rural, cfg) * 60 * cfg.walking_speed
        _store_coverage(frame, types, results, limits, minutes, pop, method, rule_limit)
        run = ComputeRun.objects.create(
            region=root,
            network=rn,
            method=method,
            buildings=len(frame.ids),
            types=len(types),
            seconds=time.perf_counter() - t0,
        )
    return run


COVERAGE_FIELDS = ["group", "population", "within", "within_15", "buildings_short", "threshold_min", "method"]


def _store_coverage(frame, types, results, limits, minutes, pop, method, rule_limit) -> None:
    """Coverage per community of ``frame`` and type, inserted or brought up to date in place.

    Judged on the distances as stored (rounded to 0.1 m), so that coverage recomputed later from the
    Access rows of a few communities is exactly what the full recompute gives."""
    nc = len(frame.communities)
    ok = frame.community >= 0
    comm = frame.community[ok]
    objs = []
    for t, res, lim, mins in zip(types, results, limits, minutes, strict=True):
        g = type_group(t)
        w = pop[g][ok]
        d = np.round(res.distance, 1)
        inside = (d <= lim)[ok]
        inside_15 = (d <= rule_limit)[ok]
        total = np.bincount(comm, weights=w, minlength=nc)
        within = np.bincount(comm, weights=w * inside, minlength=nc)
        within_15 = np.bincount(comm, weights=w * inside_15, minlength=nc)
        short = np.bincount(
            comm, weights=((pop[TargetGroup.ALL][ok] > 0) & ~inside_15).astype(float), minlength=nc
        )
        thr_c = np.zeros(nc)
        thr_c[comm] = mins[ok]
        for i, c in enumerate(frame.communities):
            objs.append(
                Coverage(
                    region=c,
                    type=t,
                    group=g,
                    population=int(total[i]),
                    within=int(within[i]),
                    within_15=int(within_15[i]),
                    buildings_short=int(short[i]),
                    threshold_min=int(thr_c[i] or (15 if c.urban_rural != UrbanRural.RURAL else 30)),
                    method=method,
                )
            )
    stored = {
        (r[0], r[1]): r[2:]
        for r in Coverage.objects.filter(region__in=frame.communities, type__in=types).values_list(
            "region_id", "type_id", *COVERAGE_FIELDS
        )
    }
    changed = [
        o
        for o in objs
        if stored.get((o.region_id, o.type_id)) != tuple(getattr(o, f) for f in COVERAGE_FIELDS)
    ]
    Coverage.objects.bulk_create(
        changed,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["region", "type"],
        update_fields=COVERAGE_FIELDS,
    )


def recomputed_roots() -> list[Region]:
    """The roots whose access was computed (what the nightly run and a settings change recompute)."""
    ids = ComputeRun.objects.filter(incremental=False).values("region_id")
    return list(Region.objects.filter(pk__in=ids).order_by("code"))


# --- incremental access on a facility change ------------------------------------------------------

FacilityChanges = dict[int, list[tuple[float, float]]]  # type id → positions where an open one came or went
# a change further than this from the bulk of the district is a recompute of its own: an update whose
# buildings are this share of the root is as dear as the full run
INCREMENTAL_MAX_SHARE = 0.5


def _affected_types(changes: FacilityChanges, types: list[FacilityType]) -> FacilityChanges:
    """The changed types and the types their facilities also serve (``ALSO_SERVES``)."""
    by_id = {t.pk: t for t in types}
    by_code = {t.code: t.pk for t in types}
    out: FacilityChanges = {}
    for type_id, points in changes.items():
        t = by_id.get(type_id)
        if t is None:  # an inactive type: no access kept for it
            continue
        for tid in [type_id, *(by_code[c] for c in ALSO_SERVES.get(t.code, ()) if c in by_code)]:
            out.setdefault(tid, []).extend(points)
    return out


def _near_buildings(root: Region, lat: np.ndarray, lon: np.ndarray, reach: float) -> list[tuple]:
    """The buildings of ``root`` inside the box of ``reach`` metres around the points (a walk is never
    shorter than the straight line: 5 % and 10 m of slack for the projection)."""
    pad = reach / 0.95 + 10
    dlat = pad / 111_000
    dlon = pad / (111_000 * max(np.cos(np.radians(float(np.max(np.abs(lat))))), 0.1))
    return list(
        Building.objects.filter(
            subtree_q(root.code, "region__code"),
            lat__gte=float(lat.min()) - dlat,
            lat__lte=float(lat.max()) + dlat,
            lon__gte=float(lon.min()) - dlon,
            lon__lte=float(lon.max()) + dlon,
        ).values_list("id", "lat", "lon", "region__code")
    )


def _may_change(to_point: np.ndarray, stored: np.ndarray, limit: float) -> np.ndarray:
    """The buildings whose access a change at the points may change: within the largest threshold of
    one (their counts), or with a stored nearest walk at least as long as their walk to one (a closed
    facility was their nearest, a new one is nearer; 0.5 m of slack for the stored rounding; nothing
    reachable before: any point they reach)."""
    return (to_point <= limit) | (np.isfinite(to_point) & (to_point <= stored + 0.5))


def access_update(region: Region, changes: FacilityChanges, *, today: dt.date | None = None) -> ComputeRun:
    """Bring access and coverage up to date after facilities of some types opened, closed or moved at
    the given positions (``changes``: type id → the old and new positions), without recomputing the
    root: only the buildings whose nearest walk or within-circle count can change are recomputed.

    Those are the buildings within the type's largest threshold of a changed position (their counts
    and within-circle state), and the buildings beyond it whose stored nearest walk is at least their
    walk to a changed position (a closed facility was their nearest, a new one is nearer). Their
    Access rows are updated in place, then the coverage of their communities is recounted from the
    stored rows. A root never computed is computed in full."""
    t0 = time.perf_counter()
    root = compute_root(region)
    if not ComputeRun.objects.filter(region=root, incremental=False).exists():
        return recompute(root, today=today)
    cfg = LifeCircleSettings.get()
    types = _types()
    affected = _affected_types(changes, types)
    rn = network_for(root)
    method = Method.NETWORK if rn is not None else Method.STRAIGHT
    net = load_network(rn) if rn is not None else None
    proj = None
    if net is None:
        avg = Building.objects.filter(
            subtree_q(root.code, "region__code"), lat__isnull=False, lon__isnull=False
        ).aggregate(lat=Avg("lat"), lon=Avg("lon"))
        proj = Projection(round(avg["lat"] or 0.0, 2), round(avg["lon"] or 0.0, 2))
    communities = list(
        Region.objects.current().filter(subtree_q(root.code), level=Level.COMMUNITY).order_by("code")
    )
    rural_of = {c.code: c.urban_rural == UrbanRural.RURAL for c in communities}
    fac = open_facilities(root)
    speed = cfg.walking_speed * 60
    by_id = {t.pk: t for t in types}
    touched: set[int] = set()
    touched_communities: set[str] = set()
    writes: list[tuple[int, np.ndarray, TypeRows]] = []
    for type_id, points in sorted(affected.items()):
        t = by_id[type_id]
        plat = np.array([p[0] for p in points], dtype=np.float64)
        plon = np.array([p[1] for p in points], dtype=np.float64)
        limit = _limit_m(t, cfg)
        near = _near_buildings(root, plat, plon, limit)
        far = list(
            Access.objects.filter(subtree_q(root.code, "building__region__code"), type_id=type_id)
            .filter(Q(distance_m__isnull=True) | Q(distance_m__gt=limit))
            .filter(building__lat__isnull=False, building__lon__isnull=False)
            .values_list(
                "building_id", "building__lat", "building__lon", "building__region__code", "distance_m"
            )
        )
        # a building beyond the threshold keeps its stored walk (null: none reachable) for the test below
        beyond = {r[0]: (np.inf if r[4] is None else r[4]) for r in far}
        seen = {r[0] for r in near}
        rows = [(*r, beyond.get(r[0], -np.inf)) for r in near] + [r for r in far if r[0] not in seen]
        if not rows:
            continue
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        lat = np.array([r[1] for r in rows], dtype=np.float64)
        lon = np.array([r[2] for r in rows], dtype=np.float64)
        stored = np.array([np.inf if r[4] is None else r[4] for r in rows], dtype=np.float64)
        mins = type_minutes(t, np.array([rural_of.get(r[3][:12], False) for r in rows]), cfg)
        here = fac.get(type_id, (np.zeros(0), np.zeros(0)))
        if net is not None:
            node, snap = net.snap(lat, lon)
            groups = eng.snap_groups(net, [here, (plat, plon)])
            dist = eng.nearest_node_distances(net, groups)
            to_point = dist[1, node] + snap
            keep = _may_change(to_point, stored, limit)
            node, snap = node[keep], snap[keep]
            res = eng.TypeAccess(
                dist[0, node] + snap,
                eng.count_within(net, groups[0], node, snap, mins[keep] * 60 * cfg.walking_speed),
                "network",
            )
        else:
            assert proj is not None
            to_point = eng.straight_access([(plat, plon)], (lat, lon), cfg.detour_factor, proj=proj)[
                0
            ].distance
            keep = _may_change(to_point, stored, limit)
            snap = np.zeros(int(keep.sum()))
            res = eng.straight_access(
                [here],
                (lat[keep], lon[keep]),
                cfg.detour_factor,
                [mins[keep] * 60 * cfg.walking_speed],
                proj=proj,
            )[0]
        kept = ids[keep]
        if not len(kept):
            continue
        writes.append((type_id, *_type_rows(res, mins[keep], snap, method, speed).sorted_by(kept)))
        touched.update(kept.tolist())
        touched_communities.update(r[3][:12] for r, k in zip(rows, keep.tolist(), strict=True) if k)
    codes = sorted(c for c in touched_communities if c in rural_of)
    with transaction.atomic():  # the rows, their communities' coverage and the record: all or nothing
        for type_id, kept_ids, type_rows in writes:  # the same write as the full recompute's
            store_type(kept_ids, type_id, type_rows)
        if codes:
            coverage_recount(root, codes, [by_id[t] for t in sorted(affected)], method, today=today)
        return ComputeRun.objects.create(
            region=root,
            network=rn,
            method=method,
            incremental=True,
            buildings=len(touched),
            types=len(affected),
            seconds=time.perf_counter() - t0,
        )


def coverage_recount(
    root: Region,
    codes: Sequence[str],
    types: Sequence[FacilityType],
    method: str,
    *,
    today: dt.date | None = None,
) -> None:
    """Coverage of ``types`` in the communities ``codes`` recounted from the stored Access rows and the
    residents of those communities only (the same arithmetic as the full recompute)."""
    cfg = LifeCircleSettings.get()
    frame = load_frame(root, codes)
    pos = {int(b): i for i, b in enumerate(frame.ids)}
    dist = {t.pk: np.full(len(frame.ids), np.inf) for t in types}
    for type_id, building_id, d in Access.objects.filter(
        subtrees_q(list(codes), "building__region__code"), type__in=list(types), distance_m__isnull=False
    ).values_list("type_id", "building_id", "distance_m"):
        i = pos.get(building_id)
        if i is not None:
            dist[type_id][i] = d
    results = [eng.TypeAccess(dist[t.pk], None, method) for t in types]
    minutes = [type_minutes(t, frame.rural, cfg) for t in types]
    limits = [m * 60 * cfg.walking_speed for m in minutes]
    pop = building_population(frame.ids, codes, today)
    rule_limit = rule_minutes(frame.rural, cfg) * 60 * cfg.walking_speed
    _store_coverage(frame, list(types), results, limits, minutes, pop, method, rule_limit)


# --- siting ---------------------------------------------------------------------------------------


@dataclass
class Candidates:
    lat: np.ndarray
    lon: np.ndarray
    labels: list[str]


MAX_GENERATED = 1200


def generate_candidates(net: Network, frame: Frame, keep: np.ndarray) -> Candidates:
    """Network nodes among the region's buildings, thinned to at most MAX_GENERATED."""
    lat, lon = frame.lat[keep], frame.lon[keep]
    pad = 0.003  # ≈ 300 m around the buildings
    inside = (
        net.main_component()
        & (net.lat >= lat.min() - pad)
        & (net.lat <= lat.max() + pad)
        & (net.lon >= lon.min() - pad)
        & (net.lon <= lon.max() + pad)
    )
    nodes = np.flatnonzero(inside)
    if len(nodes) > MAX_GENERATED:
        nodes = nodes[np.linspace(0, len(nodes) - 1, MAX_GENERATED).astype(int)]
    labels = [f"{name}附近" for name, _ in nearest_buildings(frame, net.lat[nodes], net.lon[nodes])]
    return Candidates(net.lat[nodes], net.lon[nodes], labels)


def nearest_buildings(frame: Frame, lat: np.ndarray, lon: np.ndarray) -> list[tuple[str, str]]:
    """(building name, community name) of the building nearest each point: how staff find a place."""
    if len(lat) == 0 or len(frame.ids) == 0:
        return [("", "") for _ in range(len(lat))]
    proj = Projection.around(frame.lat, frame.lon)
    _, idx = cKDTree(proj.forward(frame.lat, frame.lon)).query(proj.forward(lat, lon))
    ids = frame.ids[idx]
    names = dict(Building.objects.filter(pk__in=set(ids.tolist())).values_list("id", "name"))
    comm = frame.community[idx]
    return [
        (names.get(int(b), ""), frame.communities[c].name if c >= 0 else "")
        for b, c in zip(ids.tolist(), comm.tolist(), strict=True)
    ]


def vacant_candidates(region: Region) -> Candidates:
    rows = list(
        Facility.objects.filter(
            subtree_q(region.code, "region__code"), status=FacilityStatus.VACANT, lat__isnull=False
        ).values_list("name", "lat", "lon")
    )
    return Candidates(np.array([r[1] for r in rows]), np.array([r[2] for r in rows]), [r[0] for r in rows])


def siting_run(
    *,
    actor: User | None,
    region: Region,
    type: FacilityType,
    problem: str,
    k: int,
    group: str = "",
    candidates: str = "vacant",
    method: str = "auto",
) -> SitingRun:
    """Choose ``k`` new sites for ``type`` in ``region`` and store the result."""
    if problem not in Problem.values:
        raise LifeCircleError("模型应为最大覆盖或 p-中位", "problem", code="lifecircle.unknown_problem")
    if not 1 <= k <= 200:
        raise LifeCircleError("新增设施数应在 1–200 之间", "k", code="lifecircle.k_out_of_range")
    if candidates not in ("vacant", "network"):
        raise LifeCircleError(
            "候选点应为闲置用房或路网生成", "candidates", code="lifecircle.unknown_candidates"
        )
    group = group or type_group(type)
    if group not in TargetGroup.values:
        raise LifeCircleError("服务对象无效", "group", code="lifecircle.unknown_group")
    t0 = time.perf_counter()
    root = compute_root(region)
    cfg = LifeCircleSettings.get()
    frame = load_frame(root)
    keep = np.array([c.code.startswith(region.code) for c in frame.communities] + [False])[frame.community]
    if not keep.any():
        raise LifeCircleError("该区域没有登记坐标的楼栋", "region", code="lifecircle.no_buildings")
    pop = building_population(frame.ids, root.code)[group][keep]
    thr = rule_minutes(frame.rural[keep], cfg) * 60 * cfg.walking_speed  # the 15-minute circle
    lat, lon = frame.lat[keep], frame.lon[keep]
    fac = open_facilities(root).get(type.pk, (np.zeros(0), np.zeros(0)))
    rn = network_for(root)
    cand = vacant_candidates(region)
    if candidates == "network":
        if rn is None:
            raise LifeCircleError(
                "尚未导入路网，不能在路网上生成候选点", "candidates", code="lifecircle.no_network"
            )
        cand = generate_candidates(load_network(rn), frame, keep)
    if len(cand.lat) == 0:
        if candidates == "network":
            raise LifeCircleError(
                "该区域附近没有路网节点可作候选点", "candidates", code="lifecircle.no_candidates"
            )
        raise LifeCircleError(
            "该区域没有闲置用房可作候选点，请选择“路网上生成”", "candidates", code="lifecircle.no_candidates"
        )
    cap = float(thr.max()) * 2
    if rn is not None:
        net = load_network(rn)
        bnode, bsnap = net.snap(lat, lon)
        fnode, fsnap = net.snap(*fac)
        current = eng.nearest_node_distances(net, [eng.Sources(fnode, fsnap)])[0][bnode] + bsnap
        cnode, csnap = net.snap(cand.lat, cand.lon)
        dist = eng.pair_distances(net, eng.Sources(cnode, csnap), bnode, bsnap, cap)
        meth = Method.NETWORK
    else:
        proj = Projection.around(lat, lon)
        bxy = proj.forward(lat, lon)
        current = eng.straight_access([fac], (lat, lon), cfg.detour_factor)[0].distance
        dist = eng.straight_pair_distances(proj.forward(cand.lat, cand.lon), bxy, cfg.detour_factor, cap)
        meth = Method.STRAIGHT
    covered0 = current <= thr
    if problem == Problem.COVERING:
        cover = dist.copy()
        rows = np.repeat(np.arange(dist.shape[0]), np.diff(dist.indptr))
        cover.data = (dist.data <= thr[rows]).astype(np.float64) + 0.0
        cover.eliminate_zeros()
        prob = sit.covering_problem(cover, pop, covered0)
    else:
        prob = sit.median_problem(dist, np.minimum(current, cap), pop)
    res = sit.solve(prob, k, method=method)
    chosen = res.chosen
    # evaluate the chosen sites: new coverage and walking distance
    new_d = np.full(len(lat), np.inf)
    if chosen:
        coo = dist[:, chosen].tocoo()
        np.minimum.at(new_d, coo.row, coo.data)
    after = np.minimum(current, new_d)
    covered1 = after <= thr
    total = float(pop.sum())
    speed = cfg.walking_speed * 60
    sites = []
    places = nearest_buildings(frame, cand.lat[chosen], cand.lon[chosen]) if chosen else []
    for j, (_building, community) in zip(chosen, places, strict=True):
        col = dist[:, j].tocoo()
        reach = np.zeros(len(lat), dtype=bool)
        reach[col.row[col.data <= thr[col.row]]] = True
        gained = float(pop[reach & ~covered0].sum())
        sites.append(
            {
                "label": cand.labels[j],
                "community": community,
                "lat": float(cand.lat[j]),
                "lon": float(cand.lon[j]),
                "reach": gained,  # residents newly within the circle
                "covers": float(pop[reach].sum()),  # all residents within the circle of the site
            }
        )
    result: dict[str, Any] = {
        "sites": sites,
        "population": total,
        "covered_before": float(pop[covered0].sum()),
        "covered_after": float(pop[covered1].sum()),
        "gained": float(pop[covered1 & ~covered0].sum()),
        "share_before": float(pop[covered0].sum() / total) if total else None,
        "share_after": float(pop[covered1].sum() / total) if total else None,
        "mean_min_before": float((pop * np.minimum(current, cap)).sum() / total / speed) if total else None,
        "mean_min_after": float((pop * np.minimum(after, cap)).sum() / total / speed) if total else None,
        "value": res.value,
        "bound": res.bound,
        "gap": res.gap,
        "gap_pct": round(res.gap * 100, 2),
        "method": res.method,
        "distance_method": meth,
        "candidates": len(cand.lat),
        "demand": int((pop > 0).sum()),
        "seconds": round(time.perf_counter() - t0, 3),
        "solve_seconds": round(res.seconds, 3),
    }
    run = SitingRun.objects.create(
        region=region,
        type=type,
        problem=problem,
        k=k,
        group=group,
        candidates=candidates,
        result=result,
        created_by=actor,
    )
    return run


def isochrone(facility: Facility, minutes: tuple[int, ...] = (5, 10, 15)) -> dict[str, Any]:
    """Network edges reachable from ``facility`` within each band (GeoJSON, band in properties)."""
    if facility.lat is None or facility.lon is None:
        raise LifeCircleError(
            "该设施没有登记坐标", "facility", code="lifecircle.facility_without_coordinates"
        )
    rn = network_for(facility.region)
    if rn is None:
        raise LifeCircleError("该区域尚未导入路网，无法绘制等时圈", "facility", code="lifecircle.no_network")
    net = load_network(rn)
    cfg = LifeCircleSettings.get()
    from scipy.sparse.csgraph import dijkstra

    node, snap = net.snap(np.array([facility.lat]), np.array([facility.lon]))
    limit = max(minutes) * 60 * cfg.walking_speed
    d = dijkstra(net.csr(), directed=False, indices=int(node[0]), limit=limit) + snap[0]
    far = np.maximum(d[net.u], d[net.v])
    inside = np.flatnonzero(far <= limit)
    feats = []
    for e in inside:
        m = far[e] / 60 / cfg.walking_speed
        band = next(b for b in minutes if m <= b + 1e-9)
        a, b = int(net.u[e]), int(net.v[e])
        feats.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [round(net.lon[a], 6), round(net.lat[a], 6)],
                        [round(net.lon[b], 6), round(net.lat[b], 6)],
                    ],
                },
                "properties": {"band": band},
            }
        )
    return {
        "type": "FeatureCollection",
        "features": feats,
        "properties": {"synthetic": rn.synthetic, "network": rn.name, "snap_m": round(float(snap[0]), 1)},
    }


SITING_HEADER = [
    "序号",
    "建议位置",
    "所在社区/村",
    "新增覆盖人数（人）",
    "步行可达服务对象（人）",
    "纬度",
    "经度",
]


@transaction.atomic
def siting_export(*, actor: User, run: SitingRun, fmt: str) -> list[list[Any]]:
    """The chosen sites of ``run`` as rows under ``SITING_HEADER``; the export is audited (导出)."""
    sites = (run.result or {}).get("sites", [])
    rows: list[list[Any]] = [
        [
            i,
            s.get("label", ""),
            s.get("community", ""),
            round(s.get("reach", 0)),
            round(s["covers"]) if "covers" in s else "",
            round(s.get("lat", 0), 6),
            round(s.get("lon", 0), 6),
        ]
        for i, s in enumerate(sites, start=1)
    ]
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        subject=run,
        subject_label=f"选址测算：{run.region.name}新增{run.k}处{run.type.name}",
        region_code=run.region.code,
        row_count=len(rows),
        detail={"format": fmt},
    )
    return rows
