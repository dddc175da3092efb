"""Coverage as computed data elements of the indicators module (additive: residents within / in total).

For the key facility types of the 便民/优质 rules, two elements each: ``lifecircle_<type>_within``
(target-group residents within 15 minutes' walk, villages: the rural circle) and ``lifecircle_<type>_population``; an indicator's
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


# What the figures measure, said beside them wherever another page measures "coverage" otherwise
# (the indicators dashboard's 社区综合服务设施覆盖率 counts communities that have a centre at all).
DEFINITION = "按步行15分钟可达计算（农村按农村生活圈）：服务对象中步行15分钟内能走到最近一处该类设施的人数"


def elements() -> dict[str, tuple[str, str]]:
    """Element code → (name carrying its definition, unit)."""
    out: dict[str, tuple[str, str]] = {}
    for code, name in KEY_TYPES.items():
        out[f"lifecircle_{code}_within"] = (f"{name}步行15分钟可达服务对象人数（按步行可达计算）", "人")
        out[f"lifecircle_{code}_population"] = (f"{name}服务对象人数（生活圈计算）", "人")
    return out


def definition(element_code: str) -> str:
    """The one-line definition of one of this source's elements ("" for another source's)."""
    if element_code.endswith("_within") and element_code in SOURCE.elements:
        return DEFINITION
    if element_code in SOURCE.elements:
        return "登记住在本辖区有坐标楼栋中的该类设施服务对象人数（如养老设施按60岁及以上老年人）"
    return ""


def compute(n: int, root: str) -> dict[str, dict[str, Decimal]]:
    rows = (
        Coverage.objects.filter(code_range("region__code", root), type__code__in=list(KEY_TYPES))
        .annotate(_p=Substr("region__code", 1, n))
        .values("_p", "type__code")
        .annotate(w=Sum("within_15"), p=Sum("population"))
        .order_by()
    )
    out: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        d = out.setdefault(r["_p"], {})
        d[f"lifecircle_{r['type__code']}_within"] = Decimal(r["w"] or 0)
        d[f"lifecircle_{r['type__code']}_population"] = Decimal(r["p"] or 0)
    return out


SOURCE = ComputedSource(key="lifecircle.coverage", elements=elements(), finest=12, compute=compute)
SOURCE.definitions.update({code: definition(code) for code in SOURCE.elements})
data_elements.register(SOURCE)
