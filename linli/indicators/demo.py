"""演示数据: the 洛江 (350504) plan, its task list and two years of reported values.

Runs after the registry and facilities steps. Loads, deterministically from the seed:
- the seed-000 plan adopted by 洛江区 with its task list (任务清单及工作台账) and progress reports;
- reported values for what no module holds yet (registered volunteers, total floor area, platform,
  self-service, community funds, satisfaction, monthly volunteer hours; district statistics),
  for last year (approved) and this year (万安街道's communities still waiting for approval);
- last year's computed values as a snapshot (fewer facilities and workers than today), so that
  every indicator shows a trend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from linli.indicators import selectors, services
from linli.indicators.models import (
    DataElement,
    DataValue,
    Plan,
    PlanAdoption,
    PlanTask,
    TaskProgress,
    TaskStatus,
    ValueStatus,
)
from linli.regions.models import Level, Region, UrbanRural

DISTRICT = "350504"
PLAN = "luojiang-2021-2025"
SOURCE = "demo"
PENDING_STREET = "350504001"  # 万安街道: this year's community values await the street's approval


class _Rand:
    def __init__(self, seed: int):
        self.seed = seed

    def u(self, *key: object) -> float:
        h = hashlib.blake2b(repr((self.seed, *key)).encode(), digest_size=8).digest()
        return int.from_bytes(h, "big") / 2**64

    def between(self, lo: float, hi: float, *key: object) -> float:
        return lo + (hi - lo) * self.u(*key)


def demo_loaded() -> bool:
    return PlanAdoption.objects.filter(plan__code=PLAN, region__code=DISTRICT).exists()


def demo_run(
    *, seed: int = 2026, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    today = today or timezone.localdate()
    district = Region.objects.current().filter(code=DISTRICT).first()
    if district is None:
        return {}
    r = _Rand(seed)
    this, last = today.year, today.year - 1
    with transaction.atomic():
        plan = Plan.objects.get(code=PLAN)
        services.plan_adopt(plan=plan, region=district, by=None, source=SOURCE)
        log("已采用洛江区“十四五”主要指标及任务清单")
        n_snap = _last_year_snapshot(r, last)
        n_values = _reported_values(r, district, this, last, today)
        n_reports = _task_progress(r, district, today)
    return {
        "规划任务": PlanTask.objects.filter(region=district).count(),
        "填报值": n_values,
        "上年计算值": n_snap,
        "任务进展": n_reports,
    }


def _last_year_snapshot(r: _Rand, last: int) -> int:
    """Last year's computed values: somewhat fewer facilities, areas and workers than today."""
    factor = {
        "csc_building_area": Decimal("0.86"),
        "csc_activity_area": Decimal("0.80"),
        "csc_office_area": Decimal("0.95"),
        "commerce_facility_area": Decimal("0.82"),
        "community_workers": Decimal("0.90"),
        "urban_community_workers": Decimal("0.90"),
        "certified_social_workers": Decimal("0.85"),
        "urban_community_certified": Decimal("0.85"),
        "households": Decimal("0.99"),
        "resident_population": Decimal("0.99"),
        "urban_resident_population": Decimal("0.985"),
        "registered_population": Decimal("1.0"),
    }
    n = services.snapshot_take(year=last, root_code=DISTRICT, factor=factor, source=SOURCE)
    # about one community in eight had not yet opened a facility it has today
    coverage = [e for e in DataElement.objects.filter(code__contains="_with_")]
    rows = DataValue.objects.filter(year=last, source=selectors.SNAPSHOT, element__in=coverage, value__gt=0)
    drop = [v.pk for v in rows.select_related("region") if r.u("drop", v.element_id, v.region.code) < 0.13]
    DataValue.objects.filter(pk__in=drop).update(value=0)
    return n


def _reported_values(r: _Rand, district: Region, this: int, last: int, today: dt.date) -> int:
    communities = list(Region.objects.current().subtree(DISTRICT).filter(level=Level.COMMUNITY))
    els = {e.code: e for e in DataElement.objects.all()}
    pop = selectors.element_table(
        [els["resident_population"], els["households"]], DISTRICT, [12], this, today=today
    )
    rows: list[DataValue] = []

    def add(
        code: str, region: Region, year: int, value: float | Decimal, period: int = 0, pending: bool = False
    ) -> None:
        rows.append(
            DataValue(
                element=els[code],
                region=region,
                year=year,
                period=period,
                value=Decimal(str(value)).quantize(Decimal("0.01")),
                status=ValueStatus.SUBMITTED if pending else ValueStatus.APPROVED,
                source=SOURCE,
            )
        )

    for c in communities:
        urban = c.urban_rural == UrbanRural.URBAN
        residents = float(pop.get(c.code, "resident_population") or 0)
        households = float(pop.get(c.code, "households") or 0)
        for year in (last, this):
            pending = year == this and c.code.startswith(PENDING_STREET)
            grow = 1.0 if year == this else 0.85
            share = r.between(0.12, 0.26, "vol", c.code) * grow
            add("registered_volunteers", c, year, round(residents * share), pending=pending)
            add(
                "community_floor_area",
                c,
                year,
                round(households * r.between(75, 120, "floor", c.code)),
                pending=pending,
            )
            add(
                "communities_on_platform",
                c,
                year,
                1 if r.u("platform", c.code, year) < (0.93 if year == this else 0.8) else 0,
                pending=pending,
            )
            add(
                "resident_satisfaction",
                c,
                year,
                round(r.between(78, 97, "sat", c.code, year), 1),
                pending=pending,
            )
            if urban:
                add(
                    "urban_communities_with_selfservice",
                    c,
                    year,
                    1 if r.u("self", c.code) < (0.9 if year == this else 0.6) else 0,
                    pending=pending,
                )
                add(
                    "urban_communities_with_fund",
                    c,
                    year,
                    1 if r.u("fund", c.code) < 0.55 else 0,
                    pending=pending,
                )
            months = range(1, 13) if year == last else range(1, today.month + 1)
            for m in months:
                add(
                    "volunteer_service_hours",
                    c,
                    year,
                    round(residents * share * r.between(0.3, 1.2, "h", c.code, year, m)),
                    period=m,
                    pending=pending,
                )
    stats = {
        "social_work_talents": (260, 310),
        "official_resident_population": (236_000, 238_500),
        "basic_medical_institutions": (86, 88),
        "basic_medical_up_to_standard": (55, 64),
        "new_residential_areas": (9, 12),
        "new_residential_with_elderly": (8, 12),
    }
    for code, (v_last, v_this) in stats.items():
        add(code, district, last, v_last)
        add(code, district, this, v_this)
    DataValue.objects.bulk_create(rows, batch_size=2000)
    # one correction with its reason, to show the history
    first = (
        DataValue.objects.filter(element=els["registered_volunteers"], year=last, current=True, source=SOURCE)
        .order_by("region__code")
        .first()
    )
    if first is not None:
        first.status = ValueStatus.SUBMITTED
        first.save(update_fields=["status"])
        new = services.value_correct(
            value=first, new_value=first.value + 37, reason="补录年底集中注册的志愿者", by=None, source=SOURCE
        )
        new.status = ValueStatus.APPROVED
        new.save(update_fields=["status"])
    return len(rows) + 1


def _task_progress(r: _Rand, district: Region, today: dt.date) -> int:
    n = 0
    for t in PlanTask.objects.filter(region=district).order_by("number"):
        steps = 1 + int(r.u("steps", t.number) * 3)
        final = 100 if r.u("done", t.number) < 0.75 else int(r.between(40, 90, "pct", t.number))
        for k in range(steps):
            pct = final if k == steps - 1 else int(final * (k + 1) / (steps + 1))
            when = timezone.make_aware(dt.datetime(today.year - 1, 3 + k * 3, 15, 10, 0))
            TaskProgress.objects.create(
                task=t,
                unit_name=t.lead_units,
                text=f"{t.title}：已按计划推进，完成阶段工作（{pct}%）。",
                percent=pct,
                reported_at=when,
            )
            n += 1
        t.percent = final
        t.status = TaskStatus.DONE if final >= 100 else TaskStatus.IN_PROGRESS
        t.save(update_fields=["percent", "status"])
    return n
