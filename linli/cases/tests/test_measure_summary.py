"""The monthly summary of the measures (``CaseMonth``): after random intake and workflow actions, on
requests received before and after the summary's mark, the summary equals a full recount of the
requests it holds, and the measures read through it equal the measures counted from the requests
alone — for every grouping, several accounts and periods (whole months, a month begun mid-way, today)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from linli.cases import selectors, services
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, Category
from linli.cases.services import measures
from linli.cases.tests.conftest import CasesWorld, grid_center
from linli.core.errors import Conflict, Forbidden

CODES = ["sanitation.complaint", "property.complaint"]


def shift_into_past(case: Case, days: float) -> None:
    """As if ``case`` had been received ``days`` ago (history loaded before the summary's mark)."""
    delta = dt.timedelta(days=days)
    Case.objects.filter(pk=case.pk).update(
        received_at=case.received_at - delta,
        response_due=case.response_due - delta,
        resolve_due=case.resolve_due - delta,
    )


def act_randomly(cw: CasesWorld, rng: random.Random, case: Case) -> None:
    a = cw.world.accounts
    tree = cw.world.tree
    case.refresh_from_db()
    users = [
        a.community_worker,
        a.community_worker_b,
        cw.street_user,
        cw.dept_user,
        a.resident,
        a.district_admin,
    ]
    rng.shuffle(users)
    for user in users:
        actions = [x.name for x in selectors.case_actions_available(case, user)]
        if not actions:
            continue
        action = rng.choice(actions)
        extra: dict[str, Any] = {}
        if action in ("dispatch", "reassign"):
            if rng.random() < 0.5:
                extra["unit_org"] = cw.chengguan.pk
            else:
                extra["unit_region"] = rng.choice([tree.community_a.code, tree.street.code])
        if action == "summon":
            extra["orgs"] = [cw.chengguan.pk]
        if action == "rate":
            extra["rating"] = rng.choice([wf.SATISFIED, wf.BASIC, wf.UNSATISFIED])
        if action == "reply":
            extra["resolved"] = rng.random() < 0.7
        if action == "request_extension":
            extra["days"] = 3
        if action == "merge":
            into = (
                Case.objects.filter(category=case.category, status__in=wf.OPEN_STATES, merged_into=None)
                .exclude(pk=case.pk)
                .first()
            )
            if into is None:
                continue
            extra["into"] = into.number
        try:
            services.case_act(
                case=case, by=user, action=action, version=case.version, note="处理说明", **extra
            )
        except (ValidationError, Conflict, Forbidden, PermissionDenied):
            continue
        return


GROUP_USERS = (
    "system_admin",
    "district_admin",
    "street_user",
    "community_worker",
    "grid_worker",
    "dept_user",
)


def check(cw: CasesWorld, today: dt.date, *, pages: bool = True) -> None:
    """The summary equals a recount; with ``pages``, every grouping's measures for several accounts
    and periods read through it equal those counted live (the long part)."""
    through = selectors.summary_through()
    assert through is not None
    held = Case.objects.filter(received_at__lt=measures._day_start(through + dt.timedelta(days=1)))
    assert measures.summary_now() == measures.case_measures_counted(held)
    # the resident's form ranks its topics by the summary too (and today's requests live)
    counted: dict[str, int] = {}
    for subject in Case.objects.exclude(status=wf.MERGED).values_list("category__subject", flat=True):
        counted[subject] = counted.get(subject, 0) + 1
    assert {k: v for k, v in selectors.requests_per_subject().items() if v} == counted
    if not pages:
        return
    a = cw.world.accounts
    users = {
        "system_admin": a.system_admin,
        "district_admin": a.district_admin,
        "street_user": cw.street_user,
        "community_worker": a.community_worker,
        "grid_worker": a.grid_worker,
        "dept_user": cw.dept_user,
    }
    month_ago = today - dt.timedelta(days=40)
    periods = [
        (None, None),
        (today.replace(day=1) - dt.timedelta(days=200), today),  # whole months, then live
        (month_ago, today),  # begun mid-month
        (month_ago.replace(day=1), month_ago + dt.timedelta(days=3)),  # a month cut short
        (today, today),
    ]
    for name in GROUP_USERS:
        for group in selectors.GROUPS:
            for start, end in periods:
                got = [vars(r) for r in selectors.measures(users[name], group, start=start, end=end)]
                want = [vars(r) for r in selectors.measures_live(users[name], group, start=start, end=end)]
                assert got == want, (name, group, start, end)


@pytest.mark.parametrize("seed", [7, 8])
def test_summary_equals_a_recount_and_the_live_measures_after_random_activity(
    cw: CasesWorld, seed: int
) -> None:
    rng = random.Random(seed)
    today = timezone.localdate()
    a = cw.world.accounts
    cases = []
    for i in range(24):  # a year of history in three communities, two categories
        c = services.case_create(
            by=a.community_worker if i % 3 else a.resident,
            category=rng.choice(CODES),
            description=f"第{i}件：小区门口垃圾堆了三天",
            channel="hotline" if i % 3 else "app",
            lat=grid_center(rng.choice([0, 1, 2, 4]))[0],
            lon=grid_center(rng.choice([0, 1, 2, 4]))[1],
        )
        cases.append(c)
    for c in cases[:-4]:  # all but four received in the past
        shift_into_past(c, rng.uniform(1, 400))
    for _ in range(20):
        act_randomly(cw, rng, rng.choice(cases))
    services.case_measures_roll()  # the first night: everything up to yesterday
    check(cw, today)
    for step in range(60):
        act_randomly(cw, rng, rng.choice(cases))
        if step == 30:  # a night passes: today's requests go into the summary too
            services.case_measures_roll(through=today)
        if step % 10 == 9:
            check(cw, today, pages=step in (29, 39))  # the measures read before and after the night
    check(cw, today)
    assert Case.objects.filter(status=wf.CLOSED).exists() or Case.objects.exclude(rating="").exists()
    # the full recount leaves the summary as the deltas kept it
    kept = measures.summary_now()
    services.case_measures_roll(through=today, full=True)
    assert measures.summary_now() == kept


def test_roll_adds_each_day_once_and_an_action_moves_the_summary(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    lat, lon = grid_center(0)
    old = services.case_create(
        by=a.community_worker, category=CODES[0], description="路灯坏了", channel="hotline", lat=lat, lon=lon
    )
    shift_into_past(old, 35)
    services.case_create(
        by=a.community_worker, category=CODES[1], description="电梯坏了", channel="hotline", lat=lat, lon=lon
    )
    first = services.case_measures_roll()
    again = services.case_measures_roll()
    assert first["full"] is True and again["rows"] == 0 and again["through"] == first["through"]
    place = [v for (dim, *_), v in measures.summary_now().items() if dim == "place"]
    assert place == [[1, 0, 0, 0, 0, 0, 0]]  # the old one only: today's is counted live
    old.refresh_from_db()
    services.case_dispatch(case=old, by=a.community_worker, region=cw.world.tree.community_a)
    services.case_start(case=old, by=a.community_worker)
    services.case_reply(case=old, by=a.community_worker, reply="已修好", resolved=True)
    place = [v for (dim, *_), v in measures.summary_now().items() if dim == "place"]
    assert place == [[1, 0, 1, 0, 1, 0, 0]]  # answered (late: its deadlines passed a month ago), solved
    page = client_for(a.district_admin).get("/cases/measures/?group=category")
    body = page.content.decode()
    assert page.status_code == 200 and "环境卫生" in body and "物业" in body
    assert Category.objects.filter(code=CODES[0]).exists()
