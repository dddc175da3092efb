"""The registry's computed data elements: population, households and community staff per region.

Imported by the indicators module at start (``autodiscover_modules("indicators")``); registers its
sources into the kernel seam ``linli.core.data_elements``. The tables are large: they are grouped by
their region key (``linli.regions.indicators.by_region``), not by a code prefix per row; the persons
and households are read from the registry's kept counts (``RegionCount``).
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from linli.core.data_elements import ComputedSource, Grouped, register
from linli.regions.indicators import by_region
from linli.registry.models import RegionCount, RegionCounter, Staff, StaffKind


def persons(n: int, root: str) -> Grouped:
    """常住人口 and 户籍人口 from the kept counts (``RegionCount``, a few rows a grid), not the persons."""
    return by_region(
        RegionCount.objects.all(),
        n,
        root,
        urban_split={"urban_resident_population": "resident_population"},
        resident_population=Sum("n", filter=Q(counter=RegionCounter.PERSONS_RESIDENT)),
        registered_population=Sum("n", filter=Q(counter=RegionCounter.PERSONS_REGISTERED)),
    )


def households(n: int, root: str) -> Grouped:
    return by_region(
        RegionCount.objects.filter(counter=RegionCounter.HOUSEHOLDS), n, root, households=Sum("n")
    )


def staff(n: int, root: str) -> Grouped:
    worker = Q(kind=StaffKind.COMMUNITY_WORKER)
    certified = ~Q(certificate_level="")
    return by_region(
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


register(
    ComputedSource(
        "registry.persons",
        {
            "resident_population": ("常住人口", "人"),
            "urban_resident_population": ("城镇常住人口", "人"),
            "registered_population": ("户籍人口", "人"),
        },
        15,
        persons,
    )
)
register(ComputedSource("registry.households", {"households": ("户数", "户")}, 15, households))
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
        staff,
    )
)
