"""The workforce module's computed data elements (``core.data_elements``): grids and grid workers,
training overdue by the rotation rule of each post, pay below last year's urban disposable income,
and the 后备人才库. With the registry's ``community_workers``, ``households`` and
``resident_population`` they make the indicators this module adds (migration 0002): community
workers per 300 households and per 10 000 residents, certified social workers per community, and
the share of grids with a grid worker; the plan 社区工作者队伍配备标准 carries their targets, so the
indicators dashboard and the annual report show them once a region adopts it.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import Substr
from django.utils import timezone

from linli.core.data_elements import ComputedSource, Grouped, code_range, register
from linli.regions.models import Level, Region
from linli.workforce import selectors
from linli.workforce.models import Candidate, CandidateStatus, StaffGrade, TeamPost

ELEMENTS = {
    "grids_total": ("网格数", "个"),
    "grids_with_grid_worker": ("配备网格员的网格数", "个"),
    "grids_without_grid_worker": ("没有网格员的网格数", "个"),
    "workers_training_overdue": ("轮训超期的社区工作者人数", "人"),
    "workers_graded": ("已定岗定级（三岗十八级）的社区工作者人数", "人"),
    "workers_paid_below_income": ("报酬低于上年度城镇居民人均可支配收入的社区工作者人数", "人"),
    "talent_candidates": ("后备人才库人数", "人"),
}
DEFINITIONS = {
    "grids_with_grid_worker": "网格团队中至少有1名“网格员”岗位成员的网格",
    "workers_training_overdue": "按岗位轮训规则（主任每年、成员每两年）计，最近一次培训结束已超过周期的在岗社区工作者",
    "workers_paid_below_income": "年度应发报酬低于区里填报的上年度城镇居民人均可支配收入",
    "talent_candidates": "在库培养的后备人选（已任用、已退出的不计）",
}


def _add(out: Grouped, prefix: str, code: str, value: int) -> None:
    out.setdefault(prefix, {})[code] = out.setdefault(prefix, {}).get(code, Decimal(0)) + Decimal(value)


def compute(n: int, root: str) -> Grouped:
    out: Grouped = {}
    grids = Region.objects.current().filter(code_range("code", root), level=Level.GRID)
    for r in grids.annotate(_p=Substr("code", 1, n)).values("_p").annotate(c=Count("pk")).order_by():
        _add(out, r["_p"], "grids_total", r["c"])
    with_worker = grids.filter(team__post=TeamPost.WORKER).annotate(_p=Substr("code", 1, n))
    for r in with_worker.values("_p").annotate(c=Count("pk", distinct=True)).order_by():
        _add(out, r["_p"], "grids_with_grid_worker", r["c"])
    for d in out.values():
        d["grids_without_grid_worker"] = d.get("grids_total", Decimal(0)) - d.get(
            "grids_with_grid_worker", Decimal(0)
        )
        d.setdefault("grids_with_grid_worker", Decimal(0))
    root_region = Region.objects.current().filter(code=root).first()
    if root_region is not None:
        today = timezone.localdate()
        for row in selectors.training_rows(root_region, today):
            if row.state == "overdue":
                _add(out, row.staff.region.code[:n], "workers_training_overdue", 1)
        income = selectors.income_for(root_region, today.year - 1)
        graded = StaffGrade.objects.filter(code_range("staff__region__code", root), staff__active=True)
        for r in (
            graded.annotate(_p=Substr("staff__region__code", 1, n))
            .values("_p")
            .annotate(c=Count("pk"))
            .order_by()
        ):
            _add(out, r["_p"], "workers_graded", r["c"])
        if income is not None:
            below = graded.filter(annual_pay__lt=income).annotate(_p=Substr("staff__region__code", 1, n))
            for r in below.values("_p").annotate(c=Count("pk")).order_by():
                _add(out, r["_p"], "workers_paid_below_income", r["c"])
    cands = Candidate.objects.filter(code_range("region__code", root), status=CandidateStatus.POOL).annotate(
        _p=Substr("region__code", 1, n)
    )
    for r in cands.values("_p").annotate(c=Count("pk")).order_by():
        _add(out, r["_p"], "talent_candidates", r["c"])
    for d in out.values():
        for code in ELEMENTS:
            d.setdefault(code, Decimal(0))
    return out


SOURCE = ComputedSource(key="workforce.figures", elements=ELEMENTS, finest=12, compute=compute)
SOURCE.definitions.update(DEFINITIONS)
register(SOURCE)
