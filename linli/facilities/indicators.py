"""The facilities module's computed data elements: areas of the open facilities and how many
communities and streets have a facility of a kind.

Imported by the indicators module at start (``autodiscover_modules("indicators")``); registers its
sources into the kernel seam ``linli.core.data_elements``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Length, Substr

from linli.core.data_elements import ComputedSource, Grouped, grouped, register
from linli.facilities.models import Facility, FacilityStatus

COMPREHENSIVE = "comprehensive"


def facility_areas(n: int, root: str) -> Grouped:
    csc = Q(type__category=COMPREHENSIVE)
    return grouped(
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


def _units_with(n: int, root: str, unit: int, filters: dict[str, Q]) -> Grouped:
    """Units (regions of code length ``unit``) with at least one open facility matching each filter,
    counted per ``n``-prefix; a facility registered above the unit's level counts for none."""
    qs = (
        Facility.objects.filter(status=FacilityStatus.OPEN)
        .annotate(_len=Length("region__code"))
        .filter(_len__gte=unit)
        .annotate(_unit=Substr("region__code", 1, unit))
    )
    counts: dict[str, Any] = {code: Count("_unit", distinct=True, filter=q) for code, q in filters.items()}
    return grouped(qs, "region__code", n, root, **counts)


def community_coverage(n: int, root: str) -> Grouped:
    """Communities (12-digit prefixes) with at least one open facility of the type, per n-prefix."""
    filters = {code: _coverage_filter(q, ur) for code, (q, ur) in COMMUNITY_COVERAGE.items()}
    return _units_with(n, root, 12, filters)


def street_coverage(n: int, root: str) -> Grouped:
    """Streets (9-digit prefixes) with at least one open facility of the type, per n-prefix."""
    return _units_with(n, root, 9, STREET_COVERAGE)


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
        facility_areas,
    )
)
register(
    ComputedSource(
        "facilities.community_coverage", {c: (c, "个") for c in COMMUNITY_COVERAGE}, 12, community_coverage
    )
)
register(
    ComputedSource("facilities.street_coverage", {c: (c, "个") for c in STREET_COVERAGE}, 9, street_coverage)
)
