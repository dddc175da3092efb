"""Computed data elements (系统计算的数据元) and the registry other modules add theirs to.

A ``ComputedSource`` computes one or more data elements for every region of one level below a
root in one GROUP BY query over region code prefixes: the statistical code is hierarchical, so
``Substr(code, 1, n)`` is the ancestor at the level of length ``n``, and ``[root, root + ';')`` is
the root's subtree, served by the index on ``code``. The large tables (persons, households,
staff) are grouped by their region key instead and the (at most one per region) groups summed by
code prefix in Python: the same result without a join and a string function per row.

A module adds its elements from its ``AppConfig.ready``::

    from linli.indicators.providers import ComputedSource, register
    register(ComputedSource(
        key="lifecircle.coverage",
        elements={"households_in_15min": ("15分钟生活圈覆盖户数", "户")},
        finest=12,
        compute=my_grouped_counts,   # (n, root_code) -> {code prefix: {element code: Decimal}}
    ))

and a matching ``DataElement`` row (kind ``computed``) is created by ``sync_elements`` (run by the
indicators migration and by ``manage.py migrate`` through ``post_migrate``). Every computed element
is additive (hierarchy aggregation ``sum``): the sum over the units below is the unit's value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Length, Substr

Grouped = dict[str, dict[str, Decimal]]


@dataclass(frozen=True)
class ComputedSource:
    key: str
    elements: dict[str, tuple[str, str]]  # code → (中文名称, 单位)
    finest: int  # longest code prefix the source can group by (15 grid, 12 community, 9 street)
    compute: Callable[[int, str], Grouped] = field(compare=False)


SOURCES: dict[str, ComputedSource] = {}


def register(source: ComputedSource) -> None:
    SOURCES[source.key] = source


def source_of(element_code: str) -> ComputedSource | None:
    for s in SOURCES.values():
        if element_code in s.elements:
            return s
    return None


def _range(path: str, root: str) -> Q:
    return Q(**{f"{path}__gte": root, f"{path}__lt": root + ";"})


def _grouped(qs: QuerySet, path: str, n: int, root: str, **aggregates) -> Grouped:
    rows = (
        qs.filter(_range(path, root))
        .annotate(_p=Substr(path, 1, n))
        .values("_p")
        .annotate(**aggregates)
        .order_by()
    )
    out: Grouped = {}
    for row in rows:
        prefix = row.pop("_p")
        out[prefix] = {k: Decimal(v or 0) for k, v in row.items()}
    return out


def _by_region(
    qs: QuerySet, n: int, root: str, urban_split: dict[str, str] | None = None, **aggregates
) -> Grouped:
    """GROUP BY the region foreign key (an integer: no join, no string work per row), then sum the
    groups by the first ``n`` characters of their region's code in Python (at most one row per
    region; a region above level ``n`` keeps its own shorter code, which callers skip at that level).
    ``urban_split`` adds, for each ``target: source`` pair, the ``source`` count of the
    urban regions only (the region's class is a property of the group, not of the row)."""
    from linli.regions.models import Region

    regions = {
        pk: (code, ur)
        for pk, code, ur in Region.objects.filter(_range("code", root)).values_list(
            "pk", "code", "urban_rural"
        )
    }
    if _holds_everything(root):
        # the root's subtree (with its ancestors) is every region the database holds — a city
        # deployment asked for the whole city: no join to the region table is needed to limit rows
        # (rows of an ancestor keep a code shorter than any level asked for and are skipped)
        limited = qs
    else:
        limited = qs.filter(region_id__in=Region.objects.filter(_range("code", root)).values("pk"))
    rows = limited.values("region_id").annotate(**aggregates).order_by()
    out: Grouped = {}
    keys = list(aggregates)
    for row in rows:
        found = regions.get(row["region_id"])
        if found is None:  # a row of an ancestor of the root: above every level asked for
            continue
        code, ur = found
        target = out.setdefault(code[:n], {})
        for k in keys:
            target[k] = target.get(k, Decimal(0)) + Decimal(row[k] or 0)
        for k, src in (urban_split or {}).items():
            add = Decimal(row[src] or 0) if ur == "urban" and len(code) >= 12 else Decimal(0)
            target[k] = target.get(k, Decimal(0)) + add
    return out


def _holds_everything(root: str) -> bool:
    from linli.regions.models import Region

    ancestors = [root[:n] for n in (2, 4, 6, 9, 12) if n < len(root)]
    return not Region.objects.exclude(_range("code", root)).exclude(code__in=ancestors).exists()


# --- built-in sources ---------------------------------------------------------------------------


def _persons(n: int, root: str) -> Grouped:
    from linli.registry.models import Person, PersonStatus, ResidenceType

    living = ~Q(residence_type=ResidenceType.SEPARATED)
    return _by_region(
        Person.objects.filter(status=PersonStatus.ACTIVE),
        n,
        root,
        urban_split={"urban_resident_population": "resident_population"},
        resident_population=Count("pk", filter=living),
        registered_population=Count(
            "pk", filter=Q(residence_type__in=[ResidenceType.REGISTERED, ResidenceType.SEPARATED])
        ),
    )


def _households(n: int, root: str) -> Grouped:
    from linli.registry.models import Household

    return _by_region(Household.objects.all(), n, root, households=Count("pk"))


def _staff(n: int, root: str) -> Grouped:
    from linli.registry.models import Staff, StaffKind

    worker = Q(kind=StaffKind.COMMUNITY_WORKER)
    certified = ~Q(certificate_level="")
    return _by_region(
        Staff.objects.filter(active=True),
        n,
        root,
        urban_split={
            "urban_community_workers": "community_workers",
            "urban_community_certified": "certified_social_workers",
        },
        community_workers=Count("pk", filter=worker),
        certified_social_workers=Count("pk", filter=certified),
    )


def _communities(n: int, root: str) -> Grouped:
    from linli.regions.models import Level, Region, UrbanRural

    return _grouped(
        Region.objects.current().filter(level=Level.COMMUNITY),
        "code",
        n,
        root,
        communities=Count("pk"),
        urban_communities=Count("pk", filter=Q(urban_rural=UrbanRural.URBAN)),
        rural_communities=Count("pk", filter=~Q(urban_rural=UrbanRural.URBAN)),
    )


def _streets(n: int, root: str) -> Grouped:
    from linli.regions.models import Level, Region

    return _grouped(Region.objects.current().filter(level=Level.STREET), "code", n, root, streets=Count("pk"))


COMPREHENSIVE = "comprehensive"


def _facility_areas(n: int, root: str) -> Grouped:
    from linli.facilities.models import Facility, FacilityStatus

    csc = Q(type__category=COMPREHENSIVE)
    return _grouped(
        Facility.objects.filter(status=FacilityStatus.OPEN),
        "region__code",
        n,
        root,
        csc_building_area=Sum("building_area", filter=csc),
        csc_activity_area=Sum("activity_area", filter=csc),
        csc_office_area=Sum("office_area", filter=csc),
        commerce_facility_area=Sum("building_area", filter=Q(type__category="commerce")),
    )


# element code → (facility type filter, urban/rural restriction)
COMMUNITY_COVERAGE: dict[str, tuple[Q, str]] = {
    "communities_with_csc": (Q(type__category=COMPREHENSIVE), ""),
    "urban_communities_with_csc": (Q(type__category=COMPREHENSIVE), "urban"),
    "rural_communities_with_csc": (Q(type__category=COMPREHENSIVE), "rural"),
    "communities_with_elderly_facility": (Q(type__category="elderly"), ""),
    "communities_with_elder_canteen": (Q(type__code__in=["elder_canteen", "community_canteen"]), ""),
    "communities_with_volunteer_station": (Q(type__code="volunteer_station"), ""),
    "urban_communities_with_police_room": (Q(type__code="police_room"), "urban"),
    "communities_with_fire_station": (Q(type__code="fire_station"), ""),
    "urban_communities_with_parent_school": (Q(type__code="parent_school"), "urban"),
    "rural_communities_with_parent_school": (Q(type__code="parent_school"), "rural"),
    "communities_with_women_home": (Q(type__code="women_home"), ""),
}
STREET_COVERAGE: dict[str, Q] = {
    "streets_with_social_work_station": Q(type__code="social_work_station"),
    "streets_with_nursery": Q(type__code="nursery"),
}


def _coverage_filter(q: Q, ur: str) -> Q:
    if ur == "urban":
        return q & Q(region__urban_rural="urban")
    if ur == "rural":
        return q & ~Q(region__urban_rural="urban")
    return q


def _community_coverage(n: int, root: str) -> Grouped:
    """Communities (12-digit prefixes) with at least one open facility of the type, per n-prefix."""
    from linli.facilities.models import Facility, FacilityStatus

    qs = (
        Facility.objects.filter(status=FacilityStatus.OPEN)
        .annotate(_len=Length("region__code"))
        .filter(_len__gte=12)
        .annotate(_community=Substr("region__code", 1, 12))
    )
    return _grouped(
        qs,
        "region__code",
        n,
        root,
        **{
            code: Count("_community", distinct=True, filter=_coverage_filter(q, ur))
            for code, (q, ur) in COMMUNITY_COVERAGE.items()
        },
    )


def _street_coverage(n: int, root: str) -> Grouped:
    from linli.facilities.models import Facility, FacilityStatus

    qs = (
        Facility.objects.filter(status=FacilityStatus.OPEN)
        .annotate(_len=Length("region__code"))
        .filter(_len__gte=9)
        .annotate(_street=Substr("region__code", 1, 9))
    )
    return _grouped(
        qs,
        "region__code",
        n,
        root,
        **{code: Count("_street", distinct=True, filter=q) for code, q in STREET_COVERAGE.items()},
    )


def register_builtin() -> None:
    register(
        ComputedSource(
            "registry.persons",
            {
                "resident_population": ("常住人口", "人"),
                "urban_resident_population": ("城镇常住人口", "人"),
                "registered_population": ("户籍人口", "人"),
            },
            15,
            _persons,
        )
    )
    register(ComputedSource("registry.households", {"households": ("户数", "户")}, 15, _households))
    register(
        ComputedSource(
            "registry.staff",
            {
                "community_workers": ("社区工作者人数", "人"),
                "urban_community_workers": ("城市社区工作者人数", "人"),
                "certified_social_workers": ("持证社会工作者人数", "人"),
                "urban_community_certified": ("城市社区持社工证工作人员数", "人"),
            },
            15,
            _staff,
        )
    )
    register(
        ComputedSource(
            "regions.communities",
            {
                "communities": ("城乡社区（村）数", "个"),
                "urban_communities": ("城市社区数", "个"),
                "rural_communities": ("农村社区（行政村）数", "个"),
            },
            12,
            _communities,
        )
    )
    register(ComputedSource("regions.streets", {"streets": ("乡镇（街道）数", "个")}, 9, _streets))
    register(
        ComputedSource(
            "facilities.areas",
            {
                "csc_building_area": ("社区综合服务设施建筑面积", "㎡"),
                "csc_activity_area": ("社区综合服务设施居民活动区域面积", "㎡"),
                "csc_office_area": ("社区综合服务设施办公区域面积", "㎡"),
                "commerce_facility_area": ("社区商业服务设施建筑面积", "㎡"),
            },
            15,
            _facility_areas,
        )
    )
    register(
        ComputedSource(
            "facilities.community_coverage",
            {c: (c, "个") for c in COMMUNITY_COVERAGE},
            12,
            _community_coverage,
        )
    )
    register(
        ComputedSource(
            "facilities.street_coverage", {c: (c, "个") for c in STREET_COVERAGE}, 9, _street_coverage
        )
    )


def sync_elements() -> int:
    """Create the DataElement row of every registered computed element that has none (names kept)."""
    from linli.indicators.models import DataElement, ElementKind

    have = set(DataElement.objects.values_list("code", flat=True))
    new = [
        DataElement(
            code=code,
            name=name,
            unit=unit,
            kind=ElementKind.COMPUTED,
            entry_level=5 if s.finest >= 12 else 4,
            description=f"由{s.key}计算",
        )
        for s in SOURCES.values()
        for code, (name, unit) in s.elements.items()
        if code not in have
    ]
    DataElement.objects.bulk_create(new)
    return len(new)
