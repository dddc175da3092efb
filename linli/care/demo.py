"""关爱巡访演示数据 (synthetic): 洛江's care groups from the demo registry, a year of visits by the grid
workers of four communities of 万安街道 with realistic misses (some grids at 100 %, some behind), 政策找人 alerts and
referrals with outcomes.

The files come from the real evaluation of the shipped rules over the demo registry (as a year ago,
then today, so some people joined during the year and some left). The year of visits is made for
one street's grids (four of its communities: ~15 000 rows in one bulk insert) — the whole district's would be
several hundred thousand; the current month's plan is made for every grid by ``visits_generate``.
Rows made here are marked ``synthetic``."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Mod
from django.utils import timezone

from linli.care import selectors, services
from linli.care.engine import periods
from linli.care.models import (
    Alert,
    AlertStatus,
    CareFile,
    CareMembership,
    CareRule,
    CareWorker,
    Referral,
    ReferralKind,
    ReferralOutcome,
    SocialCase,
    Visit,
    Visitor,
    VisitStatus,
)
from linli.core.models import User
from linli.regions.models import Region

DISTRICT = "350504"
STREET = "350504001"  # 万安街道
# its first four communities (万福, 桥南 and two more) get the year of visits: ~15 000 rows
SAMPLE = ("350504001001", "350504001002", "350504001003", "350504001004")
DIRECTOR_OF = ("350504001001", "shequ")  # 万福社区's 儿童主任 is the demo community worker
NOTES = [
    "身体尚好，家中整洁",
    "独自在家，精神不错",
    "反映腿脚不便，已提醒子女",
    "冰箱有菜，门锁正常",
    "血压偏高，已提醒按时服药",
]


def demo_care_loaded() -> bool:
    return Visit.objects.filter(synthetic=True).exists()


def _months_back(today: dt.date, n: int) -> list[dt.date]:
    out, m = [], today.replace(day=1)
    for _ in range(n):
        out.append(m)
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return sorted(out)


def demo_care_load(
    *, seed: int = 2026, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    if not Region.objects.filter(code=DISTRICT).exists():
        return {}
    today = today or timezone.localdate()
    rng = random.Random(seed * 13 + 7)
    with transaction.atomic():
        director = User.objects.filter(username=DIRECTOR_OF[1]).first()
        community = Region.objects.filter(code=DIRECTOR_OF[0]).first()
        if director is not None and community is not None:
            CareWorker.objects.get_or_create(
                region=community, post=Visitor.CHILD_DIRECTOR, active=True, defaults={"user": director}
            )
        log("  正在按规则评估全区人员…")
        services.care_evaluate(day=today, alerts=False)
        log("  正在生成一年的巡访记录…")
        _spread_since(rng, today)
        visits = _year_of_visits(rng, today)
        services.visit_tallies_rebuild()  # the year of visits went in by bulk: its monthly summary
        alerts = _alert_outcomes(rng, today)
        referrals = _referrals(rng, today)
    return {
        "关爱档案": CareFile.objects.count(),
        "人群成员": CareMembership.objects.filter(until__isnull=True).count(),
        "巡访记录（合成）": visits,
        "政策找人预警": alerts,
        "转介（合成）": referrals,
    }


def _spread_since(rng: random.Random, today: dt.date) -> None:
    """As if the rules had run for years: most joined long ago, one in twelve in each recent month
    (a birthday, a new tag), so the rate counts people joining mid-year and mid-month. A few UPDATEs."""
    long_ago = dt.date(today.year - 3, 1, 1)
    CareMembership.objects.update(since=long_ago)
    for k in range(1, 12):
        joined = (today.replace(day=1) - dt.timedelta(days=30 * k)).replace(day=rng.randint(1, 28))
        CareMembership.objects.annotate(bucket=Mod("pk", 24)).filter(bucket=k).update(since=joined)
    CareFile.objects.update(
        opened_on=Subquery(
            CareMembership.objects.filter(file=OuterRef("pk")).order_by("since").values("since")[:1]
        )
    )


def _year_of_visits(rng: random.Random, today: dt.date) -> int:
    """Eleven past months (done or overdue) and the current month (some done) for 万安街道's grids."""
    rules = {r.pk: r for r in CareRule.objects.exclude(frequency="")}
    members = list(
        CareMembership.objects.filter(
            rule_id__in=list(rules), file__region__parent__code__in=SAMPLE
        ).values_list("file_id", "rule_id", "since", "until", "file__region_id", "file__region__code")
    )
    codes = {m[5] for m in members}
    accounts = selectors.grid_workers(codes)
    staff = selectors.grid_staff(codes)
    held = selectors.posts()
    # each grid's diligence: some at 100 %, most a little behind, a few well behind
    diligence = {c: rng.choice([1.0, 1.0, 0.97, 0.93, 0.9, 0.85, 0.75]) for c in sorted(codes)}
    rows: list[tuple[object, ...]] = []
    # what is the same for many rows is computed once: the periods (and their ISO text, as stored) and
    # each group's checklist answers as JSON
    period: dict[tuple[dt.date, str], tuple[dt.date, dt.date, str, str]] = {}
    answered = {
        pk: json.dumps({k: "正常" for k in r.checklist}, ensure_ascii=False) for pk, r in rules.items()
    }
    for month in _months_back(today, 12):
        current = month == today.replace(day=1)
        for file_id, rule_id, since, until, region_id, code in members:
            rule = rules[rule_id]
            known = period.get((month, rule.frequency))
            if known is None:
                s_, e_ = periods.period_of(month, rule.frequency)
                known = period[(month, rule.frequency)] = (s_, e_, s_.isoformat(), e_.isoformat())
            start, end, start_s, end_s = known
            if end.replace(day=1) != month and not (month == today.replace(day=1) and start <= today <= end):
                continue  # a quarter's visit is made once: in its last month, or now for the running quarter
            if since > end or (until is not None and until < start):
                continue
            done = rng.random() < (diligence[code] * (0.45 if current else 1.0))
            if current and end >= today and not done:
                status = VisitStatus.DUE
            else:
                status = VisitStatus.DONE if done else VisitStatus.OVERDUE
            when = None
            if status == VisitStatus.DONE:
                last = min(end, today)
                day = start + dt.timedelta(days=rng.randrange(0, max(1, (last - start).days + 1)))
                when = timezone.make_aware(
                    dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randrange(60)))
                )
            rows.append(
                (
                    file_id,
                    rule_id,
                    region_id,
                    start_s,
                    end_s,
                    rule.visitor,
                    selectors.responsible(rule.visitor, code, accounts, held),
                    staff.get(code) if rule.visitor == Visitor.GRID_WORKER else None,
                    status,
                    when,
                    answered[rule_id] if when else "{}",
                    rng.choice(NOTES) if when else "",
                    True,
                )
            )
    return services.rows_insert(Visit, services.VISIT_FIELDS, rows)


def _alert_outcomes(rng: random.Random, today: dt.date) -> int:
    """政策找人 over the year: the people of a rule with a policy who joined in the last year raised an
    alert; the older ones are decided (confirmed or dismissed with a reason), the recent ones open."""
    policy = list(
        CareMembership.objects.filter(rule__policy_item__gt="", since__gt=today - dt.timedelta(days=365))
        .order_by("-since")
        .values_list("file_id", "rule_id", "reason", "file__region_id", "since")[:400]
    )
    rows = []
    for file_id, rule_id, reason, region_id, since in policy:
        recent = (today - since).days < 45
        status = (
            AlertStatus.OPEN if recent else rng.choice([AlertStatus.CONFIRMED] * 3 + [AlertStatus.DISMISSED])
        )
        rows.append(
            Alert(
                file_id=file_id,
                rule_id=rule_id,
                region_id=region_id,
                reason=reason,
                status=status,
                raised_on=since,
                decided_at=timezone.now() if status != AlertStatus.OPEN else None,
                dismiss_reason="已在户籍地领取" if status == AlertStatus.DISMISSED else "",
                synthetic=True,
            )
        )
    Alert.objects.bulk_create(rows)
    services.alert_counts_rebuild()  # bulk-created: their kept count
    return len(rows)


def _referrals(rng: random.Random, today: dt.date) -> int:
    """Social workers' cases referred from visits, most closed with an outcome."""
    files = list(
        CareFile.objects.filter(region__code__startswith=STREET, closed_on__isnull=True).values_list(
            "pk", "region_id"
        )[:60]
    )
    outcomes = (
        [ReferralOutcome.RESOLVED] * 5
        + [ReferralOutcome.PARTLY] * 2
        + [
            ReferralOutcome.UNRESOLVED,
            ReferralOutcome.DECLINED,
            ReferralOutcome.OPEN,
            ReferralOutcome.OPEN,
        ]
    )
    goals = [
        "情绪低落，需心理疏导",
        "独居老人需定期上门陪伴",
        "儿童学业困难，需课业辅导",
        "家庭关系紧张，需社工介入",
    ]
    made = 0
    for file_id, region_id in files:
        outcome = rng.choice(outcomes)
        when = timezone.now() - dt.timedelta(days=rng.randrange(3, 300))
        closed = when + dt.timedelta(days=rng.randrange(2, 40)) if outcome else None
        goal = rng.choice(goals)
        case = SocialCase.objects.create(
            file_id=file_id, region_id=region_id, goal=goal, opened_at=when, closed_at=closed
        )
        Referral.objects.create(
            file_id=file_id,
            region_id=region_id,
            kind=ReferralKind.SOCIAL_CASE,
            target_id=case.pk,
            summary=goal,
            outcome=outcome,
            outcome_note="已结案" if outcome else "",
            created_at=when,
            closed_at=closed,
            synthetic=True,
        )
        made += 1
    return made
