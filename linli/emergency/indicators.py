"""The emergency module's computed data elements (``core.data_elements``): communities with a
灾害信息员, shelter places, supply batches within expiry, communities that drilled in the last 12
months. With the regions' ``communities``, the registry's ``resident_population`` and the facilities'
``communities_with_fire_station`` they make the readiness indicators (migration 0002): 灾害信息员
覆盖率 (seed 000/002: every community at least one), 微型消防站 coverage (already the facilities'),
避难场所人均位置, 应急物资在有效期比例 and 应急演练覆盖率, with the seeds' targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from linli.core.data_elements import ComputedSource, Grouped, code_range, register
from linli.emergency.models import Drill, InfoOfficer, Shelter, Supply

ELEMENTS = {
    "communities_with_info_officer": ("配有灾害信息员的村（社区）数", "个"),
    "shelter_places": ("应急避难场所容纳人数", "人"),
    "supply_batches": ("在库应急物资批次数", "批"),
    "supply_batches_valid": ("在有效期内的应急物资批次数", "批"),
    "communities_drilled_12m": ("近12个月开展应急演练的村（社区）数", "个"),
}
DEFINITIONS = {
    "communities_with_info_officer": "有至少1名在任灾害信息员的社区（居委会）与行政村",
    "shelter_places": "登记为避难场所的“应急避难场所”类设施的容纳人数之和",
    "supply_batches_valid": "库存大于0且未过有效期（或长期有效）的物资批次",
    "communities_drilled_12m": "近365天内登记过应急演练的社区（居委会）与行政村",
}


def _grouped(rows: object, codes: tuple[str, ...]) -> Grouped:
    out: Grouped = {}
    for r in rows:  # type: ignore[attr-defined]
        out[r["_p"]] = {code: Decimal(r[code] or 0) for code in codes}
    return out


# One GROUP BY per source (the indicators' evaluation runs each source once for all regions).


def info_officers(n: int, root: str) -> Grouped:
    rows = (
        InfoOfficer.objects.filter(code_range("region__code", root), until__isnull=True)
        .annotate(_p=Substr("region__code", 1, n))
        .values("_p")
        .annotate(communities_with_info_officer=Count("region", distinct=True))
        .order_by()
    )
    return _grouped(rows, ("communities_with_info_officer",))


def shelter_places(n: int, root: str) -> Grouped:
    rows = (
        Shelter.objects.filter(code_range("facility__region__code", root))
        .annotate(_p=Substr("facility__region__code", 1, n))
        .values("_p")
        .annotate(shelter_places=Sum("capacity"))
        .order_by()
    )
    return _grouped(rows, ("shelter_places",))


def supplies(n: int, root: str) -> Grouped:
    today = timezone.localdate()
    rows = (
        Supply.objects.filter(code_range("store__region__code", root), quantity__gt=0)
        .annotate(_p=Substr("store__region__code", 1, n))
        .values("_p")
        .annotate(
            supply_batches=Count("id"),
            supply_batches_valid=Count("id", filter=~Q(expires_on__lt=today)),
        )
        .order_by()
    )
    return _grouped(rows, ("supply_batches", "supply_batches_valid"))


def drills(n: int, root: str) -> Grouped:
    since = timezone.localdate() - dt.timedelta(days=365)
    rows = (
        Drill.objects.filter(code_range("region__code", root), held_on__gt=since)
        .annotate(_p=Substr("region__code", 1, n))
        .values("_p")
        .annotate(communities_drilled_12m=Count("region", distinct=True))
        .order_by()
    )
    return _grouped(rows, ("communities_drilled_12m",))


def _source(key: str, codes: tuple[str, ...], compute: object) -> ComputedSource:
    source = ComputedSource(
        key=f"emergency.{key}",
        elements={c: ELEMENTS[c] for c in codes},
        finest=12,
        compute=compute,  # type: ignore[arg-type]
    )
    source.definitions.update({c: DEFINITIONS[c] for c in codes if c in DEFINITIONS})
    return source


SOURCES = [
    _source("info_officers", ("communities_with_info_officer",), info_officers),
    _source("shelters", ("shelter_places",), shelter_places),
    _source("supplies", ("supply_batches", "supply_batches_valid"), supplies),
    _source("drills", ("communities_drilled_12m",), drills),
]
for _s in SOURCES:
    register(_s)


def compute(n: int, root: str) -> Grouped:
    """All the readiness figures of the regions below ``root`` grouped by code prefix of length ``n``."""
    out: Grouped = {}
    for source in SOURCES:
        for prefix, values in source.compute(n, root).items():
            out.setdefault(prefix, {}).update(values)
    for values in out.values():
        for code in ELEMENTS:
            values.setdefault(code, Decimal(0))
    return out
