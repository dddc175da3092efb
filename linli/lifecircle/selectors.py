"""Reads of the life circle, always within the account's scope.

``coverage_by_region`` is the hook for the indicators module: the share of the target group within
the 15-minute circle (villages: the rural circle), per facility type, for any region (summed over its
communities).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, F, FloatField, Max, Q, Sum
from django.db.models.functions import Cast, Greatest, NullIf, Substr
from django.db.models.lookups import LessThan

from linli.core.models import User
from linli.core.roles import Role, effective_role, require_role
from linli.core.scope import scoped
from linli.facilities.models import Facility, FacilityType
from linli.lifecircle.models import (
    RULE_MINUTES,
    Access,
    CircleRule,
    ComputeRun,
    Coverage,
    RoadNetwork,
    SitingRun,
)
from linli.regions.indicators import holds_everything
from linli.regions.models import CODE_LENGTH, Level, Region, UrbanRural, subtree_q

READERS = frozenset(
    {Role.DISTRICT_ADMIN, Role.STREET_COORDINATOR, Role.SYSTEM_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER}
)
PLANNERS = frozenset({Role.DISTRICT_ADMIN, Role.STREET_COORDINATOR, Role.SYSTEM_ADMIN, Role.COMMUNITY_WORKER})


def require_reader(user: User) -> None:
    require_role(user, READERS, "本账号不能查看生活圈")


def require_planner(user: User) -> None:
    require_role(user, PLANNERS, "本账号不能进行选址测算")


def can_plan(user: User) -> bool:
    return effective_role(user) in PLANNERS


def active_type(code: str | None) -> FacilityType:
    """An active facility type with its circle standard (default: the elderly station)."""
    return FacilityType.objects.select_related("circle").get(code=code or "elderly_station", active=True)


def active_types() -> list[FacilityType]:
    return list(FacilityType.objects.filter(active=True).order_by("sort"))


def default_region(user: User) -> Region | None:
    if user.region_id:
        return user.region
    return Region.objects.current().filter(level=Level.DISTRICT).order_by("code").first()


def visible_region(user: User, code: str | None) -> Region:
    """The region ``code`` (default: the account's own) if inside the account's scope."""
    require_reader(user)
    if not code:
        r = default_region(user)
        if r is None:
            raise Region.DoesNotExist("没有可用的区域")
        return r
    region = scoped(Region.objects.current(), user).filter(code=code).first()
    if region is None:
        raise Region.DoesNotExist("区域不存在或不在本账号的数据范围内")
    return region


def community_shares(region: Region, user: User, type: FacilityType) -> list[dict[str, Any]]:
    """The communities of ``region`` in scope that have a boundary, with the coverage of ``type``
    (share ``None`` and population 0 where nothing was computed)."""
    regions = scoped(Region.objects.current(), user).filter(
        subtree_q(region.code), level=Level.COMMUNITY, boundary__isnull=False
    )
    cov = {c.region_id: c for c in Coverage.objects.filter(region__in=regions, type=type)}
    out = []
    for c in regions:
        cv = cov.get(c.pk)
        out.append(
            {
                "region": c,
                "share": cv.share_15 if cv else None,
                "population": cv.population if cv else 0,
            }
        )
    return out


def coverage_by_region(region: Region, type_codes: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """{type code: {within, population, share, threshold_min, group}} summed over ``region``'s communities.

    The caller is responsible for scope (``region`` must be visible to the account).
    """
    qs = Coverage.objects.filter(subtree_q(region.code, "region__code"))
    if type_codes:
        qs = qs.filter(type__code__in=type_codes)
    out: dict[str, dict[str, Any]] = {}
    for r in qs.values("type__code", "group").annotate(w=Sum("within_15"), p=Sum("population")):
        out[r["type__code"]] = {
            "within": r["w"],
            "population": r["p"],
            "share": (r["w"] / r["p"]) if r["p"] else None,
            "group": r["group"],
        }
    return out


@dataclass
class CommunityRow:
    region: Region
    shares: dict[str, float | None] = field(default_factory=dict)
    short: dict[str, int] = field(default_factory=dict)
    rules: dict[str, bool | None] = field(default_factory=dict)  # None: nobody lives there
    populated: bool = False


def community_table(
    region: Region, user: User
) -> tuple[list[CommunityRow], list[FacilityType], list[dict[str, Any]]]:
    """Per community: the share of each type's target group within 15 minutes (villages: the rural
    circle), and which rules it meets; plus the goal summary."""
    rules = list(CircleRule.objects.prefetch_related("types"))
    rule_types = {r.code: [t.code for t in r.types.all()] for r in rules}
    communities = list(
        scoped(Region.objects.current(), user)
        .filter(subtree_q(region.code), level=Level.COMMUNITY)
        .order_by("code")
    )
    rows = {c.pk: CommunityRow(c) for c in communities}
    for cov in Coverage.objects.filter(region__in=communities).select_related("type"):
        row = rows[cov.region_id]
        row.shares[cov.type.code] = cov.share_15  # the rules judge the 15-minute circle
        row.short[cov.type.code] = cov.buildings_short
        row.populated = row.populated or cov.population > 0
    summary = []
    shown = sorted({c for codes in rule_types.values() for c in codes})
    types = list(FacilityType.objects.filter(code__in=shown).order_by("sort"))
    names = {t.code: t.name for t in types}
    for rule in rules:
        met = {"urban": [0, 0], "rural": [0, 0]}
        missing: Counter[str] = Counter()  # why communities fall short: the types most often below
        for row in rows.values():
            if not row.populated:
                row.rules[rule.code] = None
                continue
            below = [
                code
                for code in rule_types[rule.code]
                if not (row.shares.get(code) is None and code in row.shares)
                and (row.shares.get(code) or 0) < rule.min_share
            ]
            ok = not below
            missing.update(below)
            row.rules[rule.code] = ok
            kind = "rural" if row.region.urban_rural == UrbanRural.RURAL else "urban"
            met[kind][1] += 1
            met[kind][0] += int(ok)
        summary.append(_summary_item(rule, met, missing, names, list(rule.types.all())))
    return list(rows.values()), types, summary


@dataclass
class AreaRow:
    """One district or street of the roll-up: its communities, the rules they meet, each type's share."""

    region: Region
    communities: int = 0  # current communities/villages
    populated: int = 0  # of which with residents in the computed coverage
    shares: dict[str, float | None] = field(default_factory=dict)
    met: dict[str, int] = field(default_factory=dict)  # rule code → communities meeting it


def _rule_types(rules: list[CircleRule]) -> dict[str, list[FacilityType]]:
    return {r.code: list(r.types.all()) for r in rules}


def coverage_rollup(region: Region) -> tuple[list[AreaRow], list[FacilityType], list[dict[str, Any]]]:
    """The coverage of ``region`` (a city or district) by its child areas, from the stored ``Coverage``
    rows: per child, the share of each rule type's target group within 15 minutes (summed over its
    communities) and how many communities meet each rule; plus the same goal summary as
    ``community_table`` gives for the whole region.

    Two GROUP BY queries over ``Coverage`` (per community, per child area × type), whatever the number
    of communities. The caller is responsible for scope (``region`` must be visible to the account: its
    subtree then is).
    """
    if region.level >= Level.STREET:
        raise ValueError("coverage_rollup is for a city or district; a street shows its communities")
    child_level = Level(region.level + 1)
    child_n = CODE_LENGTH[child_level]
    rules = list(CircleRule.objects.prefetch_related("types"))
    rule_types = _rule_types(rules)
    shown_ids = sorted({t.pk for ts in rule_types.values() for t in ts})
    types = list(FacilityType.objects.filter(pk__in=shown_ids).order_by("sort"))
    code_of = {t.pk: t.code for t in types}
    names = {t.code: t.name for t in types}
    cov = Coverage.objects.filter(subtree_q(region.code, "region__code"), region__valid_to__isnull=True)
    share = Cast("within_15", FloatField()) / NullIf("population", 0)  # as Python divides
    minima = sorted({r.min_share for r in rules})

    # per community: whether anyone lives there, and per rule how many of its types have a row and
    # how many of those fall below its minimum (it meets the rule with every row and none below)
    agg: dict[str, Any] = {"pop": Max("population")}
    for rule in rules:
        ids = [t.pk for t in rule_types[rule.code]]
        agg[f"has_{rule.pk}"] = Count("pk", filter=Q(type_id__in=ids))
        agg[f"low_{rule.pk}"] = Count("pk", filter=Q(LessThan(share, rule.min_share), type_id__in=ids))
    # grouped by the region key alone; when the region holds the whole database (a city's own
    # deployment) without the join that only says "inside": rows of other regions are never looked up
    whole = holds_everything(region.code)
    rows = Coverage.objects.all() if whole else cov
    per_community: dict[int, dict[str, Any]] = {
        r["region_id"]: cast(dict[str, Any], r) for r in rows.values("region_id").annotate(**agg).order_by()
    }
    children = {
        r.code: AreaRow(r)
        for r in Region.objects.current().filter(subtree_q(region.code), level=child_level).order_by("code")
    }
    met = {rule.code: {"urban": [0, 0], "rural": [0, 0]} for rule in rules}
    populated, empty = 0, []  # communities with residents; those with rows but nobody in them
    for pk, code, urban_rural in (
        Region.objects.current()
        .filter(subtree_q(region.code), level=Level.COMMUNITY)
        .values_list("pk", "code", "urban_rural")
    ):
        row = children.get(code[:child_n])
        if row is not None:
            row.communities += 1
        c = per_community.get(pk)
        if c is None or not c["pop"]:
            if c is not None:
                empty.append(pk)
            continue  # nobody lives there (or nothing computed): judged by no rule
        populated += 1
        if row is not None:
            row.populated += 1
        kind = "rural" if urban_rural == UrbanRural.RURAL else "urban"
        for rule in rules:
            ok = c[f"has_{rule.pk}"] == len(rule_types[rule.code]) and not c[f"low_{rule.pk}"]
            met[rule.code][kind][1] += 1
            met[rule.code][kind][0] += int(ok)
            if row is not None:
                row.met[rule.code] = row.met.get(rule.code, 0) + int(ok)

    # per child area and type: the share, and for the summary's short types the rows and those below
    rows_of: Counter[int] = Counter()
    low_of: dict[tuple[int, int], int] = Counter()
    by_area = (
        cov.filter(type_id__in=shown_ids)
        .annotate(_p=Substr("region__code", 1, child_n))
        .values("_p", "type_id")
        .annotate(
            w=Sum("within_15"),
            p=Sum("population"),
            n=Count("pk"),
            **{f"low_{i}": Count("pk", filter=Q(LessThan(share, m))) for i, m in enumerate(minima)},
        )
        .order_by()
    )
    for r in cast(list[dict[str, Any]], by_area):
        rows_of[r["type_id"]] += r["n"]
        for i in range(len(minima)):
            low_of[(r["type_id"], i)] += r[f"low_{i}"]
        row = children.get(r["_p"])
        if row is not None:
            row.shares[code_of[r["type_id"]]] = (r["w"] / r["p"]) if r["p"] else None
    if empty:  # rows of communities nobody lives in are no row of a populated community
        for tid, n in (
            Coverage.objects.filter(region_id__in=empty, type_id__in=shown_ids)
            .values_list("type_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            rows_of[tid] -= n
    summary = []
    for rule in rules:
        i = minima.index(rule.min_share)
        # short of a type: a populated community without its row, or with its share below the minimum
        missing = Counter(
            {t.code: populated - rows_of[t.pk] + low_of[(t.pk, i)] for t in rule_types[rule.code]}
        )
        summary.append(_summary_item(rule, met[rule.code], +missing, names, rule_types[rule.code]))
    return list(children.values()), types, summary


def _summary_item(
    rule: CircleRule,
    met: dict[str, list[int]],
    missing: Counter[str],
    names: dict[str, str],
    types: list[FacilityType],
) -> dict[str, Any]:
    order = {t.code: i for i, t in enumerate(types)}  # ties: in the rule's order of types
    short = sorted(missing.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order))))
    return {
        "rule": rule,
        "urban": met["urban"],
        "rural": met["rural"],
        "urban_share": met["urban"][0] / met["urban"][1] if met["urban"][1] else None,
        "rural_share": met["rural"][0] / met["rural"][1] if met["rural"][1] else None,
        "missing": [(names.get(c, c), n) for c, n in short[:3]],
    }


def gap_communities(
    region: Region, user: User, type: FacilityType, below: float = 0.8, limit: int = 12
) -> tuple[list[dict[str, Any]], int]:
    """The communities whose share of ``type`` lies below ``below``, lowest share first (then the most
    residents outside): the first ``limit`` and how many there are, filtered and sorted in the database."""
    communities = scoped(Region.objects.current(), user).filter(subtree_q(region.code), level=Level.COMMUNITY)
    share = Cast("within_15", FloatField()) / NullIf("population", 0)  # as ``Coverage.share_15``
    qs = (
        Coverage.objects.filter(region__in=communities, type=type)
        .annotate(_share=share, _short=F("population") - F("within_15"))
        .filter(_share__lt=below)
    )
    out: list[dict[str, Any]] = []
    for cov in (
        qs.select_related("region").defer("region__boundary").order_by("_share", "-_short", "pk")[:limit]
    ):
        out.append(
            {
                "region": cov.region,
                "share": cov.share_15,
                "population": cov.population,
                "short": cov.population - cov.within_15,
                "buildings_short": cov.buildings_short,
                "threshold": cov.threshold_min,
            }
        )
    return out, qs.count()


def gap_buildings(region: Region, user: User, type: FacilityType, limit: int = 15) -> list[Access]:
    """The farthest buildings beyond the circle (any distance, unreachable first)."""
    qs = scoped(Access.objects.filter(type=type), user).filter(
        subtree_q(region.code, "building__region__code")
    )
    # beyond the 15-minute circle (villages: the rural circle, already each row's threshold)
    qs = qs.filter(minutes__isnull=True) | qs.filter(minutes__gt=Greatest(F("threshold_min"), RULE_MINUTES))
    return list(
        qs.select_related("building", "building__region").order_by(F("minutes").desc(nulls_first=True))[
            :limit
        ]
    )


def access_points(region: Region, user: User, type: FacilityType) -> list[dict[str, Any]]:
    qs = scoped(Access.objects.filter(type=type), user).filter(
        subtree_q(region.code, "building__region__code")
    )
    return list(
        qs.values(
            "building_id",
            "building__name",
            "building__lat",
            "building__lon",
            "minutes",
            "within",
            "threshold_min",
            "snap_m",
            "method",
        )
    )


def facilities_of(
    region: Region,
    user: User,
    type: FacilityType | None,
    *,
    status: str = "",
    bbox: tuple[float, float, float, float] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Facility]:
    """The located facilities around ``region`` (a street or community: its whole district, since
    residents walk across borders), of one type and/or status, inside ``bbox`` (min lon, min lat, max
    lon, max lat; WGS-84) when given; ``limit``/``offset`` take one page in id order."""
    root = region.code[:6] if region.level > Level.DISTRICT else region.code
    qs = Facility.objects.filter(subtree_q(root, "region__code"), lat__isnull=False)
    if type is not None:
        qs = qs.filter(type=type)
    if status:
        qs = qs.filter(status=status)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        qs = qs.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)
    qs = qs.select_related("type").order_by("pk")
    return list(qs[offset : offset + limit] if limit is not None else qs[offset:])


def latest_run(region: Region) -> ComputeRun | None:
    """The latest full computation covering ``region``, with ``update``: the latest incremental update
    after it (facilities changed since), or None."""
    codes = [*region.ancestors_codes(), region.code]
    runs = ComputeRun.objects.filter(region__code__in=codes)
    run = runs.filter(incremental=False).select_related("network").first()
    if run is not None:
        run.update = runs.filter(  # type: ignore[attr-defined]
            incremental=True, region=run.region_id, finished_at__gte=run.finished_at
        ).first()
    return run


def active_network(region: Region) -> RoadNetwork | None:
    codes = [*region.ancestors_codes(), region.code]
    return (
        RoadNetwork.objects.filter(active=True, region__code__in=codes)
        .order_by("-region__level")
        .defer("data")
        .first()
    )


def visible_siting_run(user: User, pk: int) -> SitingRun | None:
    """A stored siting run of an area in the account's scope (else None: out of scope reads as absent)."""
    return scoped(SitingRun.objects.select_related("region", "type"), user).filter(pk=pk).first()
