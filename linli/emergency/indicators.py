"""The emergency module's computed data elements (``core.data_elements``): communities with a
灾害信息员, shelter places, supply batches within expiry, communities that drilled in the last 12
months. With the regions' ``communities``, the registry's ``resident_population`` and the facilities'
``communities_with_fire_station`` they make the readiness indicators (migration 0002): 灾害信息员
覆盖率 (seed 000/002: every community at least one), 微型消防站 coverage (already the facilities'),
避难场所人均位置, 应急物资在有效期比例 and 应急演练覆盖率, with the seeds' targets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum
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


def compute(n: int, root: str) -> Grouped:
    out: Grouped = {}

    def put(rows: object, code: str) -> None:
        for r in rows:  # type: ignore[attr-defined]
            out.setdefault(r["_p"], {})[code] = Decimal(r["v"] or 0)

    officers = InfoOfficer.objects.filter(code_range("region__code", root), until__isnull=True)
    put(
        officers.annotate(_p=Substr("region__code", 1, n))
        .values("_p")
        .annotate(v=Count("region", distinct=True))
        .order_by(),
        "communities_with_info_officer",
    )
    shelters = Shelter.objects.filter(code_range("facility__region__code", root))
    put(
        shelters.annotate(_p=Substr("facility__region__code", 1, n))
        .values("_p")
        .annotate(v=Sum("capacity"))
        .order_by(),
        "shelter_places",
    )
    today = timezone.localdate()
    stock = Supply.objects.filter(code_range("store__region__code", root), quantity__gt=0).annotate(
        _p=Substr("store__region__code", 1, n)
    )
    put(stock.values("_p").annotate(v=Count("id")).order_by(), "supply_batches")
    valid = stock.exclude(expires_on__lt=today)
    put(valid.values("_p").annotate(v=Count("id")).order_by(), "supply_batches_valid")
    drills = Drill.objects.filter(
        code_range("region__code", root), held_on__gt=today - dt.timedelta(days=365)
    )
    put(
        drills.annotate(_p=Substr("region__code", 1, n))
        .values("_p")
        .annotate(v=Count("region", distinct=True))
        .order_by(),
        "communities_drilled_12m",
    )
    for d in out.values():
        for code in ELEMENTS:
            d.setdefault(code, Decimal(0))
    return out


SOURCE = ComputedSource(key="emergency.readiness", elements=ELEMENTS, finest=12, compute=compute)
SOURCE.definitions.update(DEFINITIONS)
register(SOURCE)
