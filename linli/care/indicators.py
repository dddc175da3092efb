"""The care module's computed data elements: visits owed and made in the latest complete month per
care group and region, overdue visits, care-group counts, referrals by outcome.

Imported by the indicators module at start; registers its sources into ``linli.core.data_elements``.
Every element is additive (a count), so the monthly visit rate is an indicator over two of them
(``elderly_monthly_visit_rate`` = visited ÷ owed × 100, with the seeds' 100 % target on plans 002 and
004, added by migration ``care.0003``). "The month" is the latest complete calendar month: a rate of
the month still running would read low every morning."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from linli.care.models import CareMembership, Referral, ReferralOutcome, Visit, VisitStatus
from linli.core.data_elements import ComputedSource, Grouped, grouped, register

# The shipped groups owed visits (rules are data; these are the seeds' groups the plans count).
GROUPS = {
    "special_elderly": "特殊困难老年人",
    "left_behind_elderly": "留守老年人",
    "left_behind_child": "留守儿童",
    "child_in_difficulty": "困境儿童",
    "severe_disabled": "重度残疾人",
    "dibao_edge": "低保边缘家庭",
}


def last_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def visits(n: int, root: str) -> Grouped:
    first = last_month()
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    qs = Visit.objects.filter(due_on__gte=first, due_on__lt=nxt)
    done = Q(status=VisitStatus.DONE)
    aggregates = {"care_visits_owed": Count("pk"), "care_visits_done": Count("pk", filter=done)}
    for code in GROUPS:
        aggregates[f"care_owed_{code}"] = Count("pk", filter=Q(rule__code=code))
        aggregates[f"care_visited_{code}"] = Count("pk", filter=Q(rule__code=code) & done)
    return grouped(qs, "region__code", n, root, **aggregates)


def overdue(n: int, root: str) -> Grouped:
    return grouped(
        Visit.objects.filter(status=VisitStatus.OVERDUE),
        "region__code",
        n,
        root,
        care_visits_overdue=Count("pk"),
    )


def members(n: int, root: str) -> Grouped:
    aggregates = {
        "care_persons": Count("file_id", distinct=True),
        **{f"care_members_{code}": Count("pk", filter=Q(rule__code=code)) for code in GROUPS},
    }
    return grouped(
        CareMembership.objects.filter(until__isnull=True), "file__region__code", n, root, **aggregates
    )


def referrals(n: int, root: str) -> Grouped:
    return grouped(
        Referral.objects.all(),
        "region__code",
        n,
        root,
        care_referrals=Count("pk"),
        care_referrals_open=Count("pk", filter=Q(outcome=ReferralOutcome.OPEN)),
        care_referrals_resolved=Count(
            "pk",
            filter=Q(outcome__in=[ReferralOutcome.RESOLVED, ReferralOutcome.PARTLY, ReferralOutcome.DONE]),
        ),
        care_referrals_unresolved=Count(
            "pk", filter=Q(outcome__in=[ReferralOutcome.UNRESOLVED, ReferralOutcome.DECLINED])
        ),
    )


visit_elements = {
    "care_visits_owed": ("关爱对象上月应巡访人次", "人次"),
    "care_visits_done": ("关爱对象上月已巡访人次", "人次"),
}
definitions = {
    "care_visits_owed": "上一个完整自然月内到期的关爱巡访（按季巡访计入季度末月）",
    "care_visits_done": "上一个完整自然月内到期且在当期完成的关爱巡访",
}
for code, name in GROUPS.items():
    visit_elements[f"care_owed_{code}"] = (f"{name}上月应探访人次", "人次")
    visit_elements[f"care_visited_{code}"] = (f"{name}上月已探访人次", "人次")
    definitions[f"care_owed_{code}"] = f"上一个完整自然月内应对{name}的巡访人次（关爱人群规则 {code}）"
    definitions[f"care_visited_{code}"] = f"上一个完整自然月内对{name}已完成的巡访人次"

register(ComputedSource("care.visits", visit_elements, 15, visits, definitions))
register(
    ComputedSource(
        "care.overdue",
        {"care_visits_overdue": ("逾期未访人次", "人次")},
        15,
        overdue,
        {"care_visits_overdue": "周期结束仍未完成的关爱巡访（当前）"},
    )
)
register(
    ComputedSource(
        "care.members",
        {
            "care_persons": ("在档关爱对象人数", "人"),
            **{f"care_members_{code}": (f"{name}人数", "人") for code, name in GROUPS.items()},
        },
        15,
        members,
        {"care_persons": "有在档关爱档案的人数（按关爱人群规则纳入）"},
    )
)
register(
    ComputedSource(
        "care.referrals",
        {
            "care_referrals": ("关爱转介件数", "件"),
            "care_referrals_open": ("关爱转介办理中件数", "件"),
            "care_referrals_resolved": ("关爱转介已解决（含已办结）件数", "件"),
            "care_referrals_unresolved": ("关爱转介未解决件数", "件"),
        },
        15,
        referrals,
    )
)
