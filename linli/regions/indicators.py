"""The regions module's computed data elements (communities, streets) and the grouping by region key
that modules with large tables use (``by_region``).

Imported by the indicators module at start (``autodiscover_modules("indicators")``); registers its
sources into the kernel seam ``linli.core.data_elements``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from linli.core.data_elements import ComputedSource, Grouped, code_range, grouped, register
from linli.regions.models import Level, Region, UrbanRural


def holds_everything(root: str) -> bool:
    """Whether the root's subtree (with its ancestors) is every region the database holds."""
    ancestors = [root[:n] for n in (2, 4, 6, 9, 12) if n < len(root)]
    return not Region.objects.exclude(code_range("code", root)).exclude(code__in=ancestors).exists()


def by_region(
    qs: QuerySet[Any], n: int, root: str, urban_split: dict[str, str] | None = None, **aggregates: Any
) -> Grouped:
    """GROUP BY the region foreign key (an integer: no join, no string work per row), then sum the
    groups by the first ``n`` characters of their region's code in Python (at most one row per
    region; a region above level ``n`` keeps its own shorter code, which callers skip at that level).
    ``urban_split`` adds, for each ``target: source`` pair, the ``source`` count of the
    urban regions only (the region's class is a property of the group, not of the row).

    For the large tables (persons, households, staff): the same result as ``grouped`` without a
    join and a string function per row."""
    regions = {
        pk: (code, ur)
        for pk, code, ur in Region.objects.filter(code_range("code", root)).values_list(
            "pk", "code", "urban_rural"
        )
    }
    if holds_everything(root):
        # the root's subtree (with its ancestors) is every region the database holds — a city
        # deployment asked for the whole city: no join to the region table is needed to limit rows
        # (rows of an ancestor keep a code shorter than any level asked for and are skipped)
        limited = qs
    else:
        limited = qs.filter(region_id__in=Region.objects.filter(code_range("code", root)).values("pk"))
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


def communities(n: int, root: str) -> Grouped:
    return grouped(
        Region.objects.current().filter(level=Level.COMMUNITY),
        "code",
        n,
        root,
        communities=Count("pk"),
        urban_communities=Count("pk", filter=Q(urban_rural=UrbanRural.URBAN)),
        rural_communities=Count("pk", filter=~Q(urban_rural=UrbanRural.URBAN)),
    )


def streets(n: int, root: str) -> Grouped:
    return grouped(Region.objects.current().filter(level=Level.STREET), "code", n, root, streets=Count("pk"))


register(
    ComputedSource(
        "regions.communities",
        {
            "communities": ("城乡社区（村）数", "个"),
            "urban_communities": ("城市社区数", "个"),
            "rural_communities": ("农村社区（行政村）数", "个"),
        },
        12,
        communities,
    )
)
register(ComputedSource("regions.streets", {"streets": ("乡镇（街道）数", "个")}, 9, streets))
