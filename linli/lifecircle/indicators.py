"""Coverage as computed data elements of the indicators module (additive: residents within / in total).

For the key facility types of the 便民/优质 rules, two elements each: ``lifecircle_<type>_within``
(target-group residents within the type's circle) and ``lifecircle_<type>_population``; an indicator's
formula divides them. Also the number of communities meeting each rule.

Imported by the indicators module at start (``autodiscover_modules("indicators")``); registers its
source into the kernel seam ``linli.core.data_elements`` — the life-circle module knows nothing of
the indicators module.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import Substr

from linli.core import data_elements
from linli.core.data_elements import ComputedSource, code_range
from linli.lifecircle.models import Coverage

KEY_TYPES = {
    "community_center": "社区综合服务设施",
    "health_station": "社区卫生服务站",
    "elderly_station": "社区养老服务站",
    "day_care": "日间照料中心",
    "nursery": "托育机构",
    "kindergarten": "幼儿园",
    "convenience_store": "便利店",
    "grocery": "菜店/菜市场",
    "supermarket": "综合超市",
    "pharmacy": "药店",
    "express": "快递服务点",
    "culture_center": "综合性文化服务中心",
    "sports": "体育设施",
}


def elements() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for code, name in KEY_TYPES.items():
        out[f"lifecircle_{code}_within"] = (f"{name}生活圈内服务对象人数", "人")
        out[f"lifecircle_{code}_population"] = (f"{name}服务对象人数", "人")
    return out


def compute(n: int, root: str) -> dict[str, dict[str, Decimal]]:
    rows = (
        Coverage.objects.filter(code_range("region__code", root), type__code__in=list(KEY_TYPES))
        .annotate(_p=Substr("region__code", 1, n))
        .values("_p", "type__code")
        .annotate(w=Sum("within"), p=Sum("population"))
        .order_by()
    )
    out: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        d = out.setdefault(r["_p"], {})
        d[f"lifecircle_{r['type__code']}_within"] = Decimal(r["w"] or 0)
        d[f"lifecircle_{r['type__code']}_population"] = Decimal(r["p"] or 0)
    return out


SOURCE = ComputedSource(key="lifecircle.coverage", elements=elements(), finest=12, compute=compute)
data_elements.register(SOURCE)
