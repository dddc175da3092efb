"""The monthly summary of visits (``VisitMonth``) kept by delta in the visit services equals a full
recount of the visits after random plans, records, overdue sweeps and reassignments — and the rates the
pages read from it equal the rates counted from the visits."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from linli.care import selectors, services
from linli.care.models import CareRule, Visit, VisitMonth, Visitor, VisitStatus
from linli.care.tests.conftest import Care
from linli.core.errors import Conflict
from linli.core.roles import Role
from linli.testing.factories import HouseholdFactory, PersonFactory, PersonTagFactory, UserFactory

TZ = ZoneInfo("Asia/Shanghai")
MONTHS = [dt.date(2026, m, 1) for m in range(6, 12)]


def summary() -> dict[tuple[dt.date, str, int], tuple[int, int, int]]:
    return {
        (r.month, r.region_code, r.rule_id): (r.owed, r.visited, r.overdue)
        for r in VisitMonth.objects.all()
        if r.owed or r.visited or r.overdue
    }


def recount() -> dict[tuple[dt.date, str, int], tuple[int, int, int]]:
    out: dict[tuple[dt.date, str, int], list[int]] = {}
    for v in Visit.objects.select_related("region"):
        row = out.setdefault((v.due_on.replace(day=1), v.region.code[:12], v.rule_id), [0, 0, 0])
        row[0] += 1
        row[1] += v.status == VisitStatus.DONE
        row[2] += v.status == VisitStatus.OVERDUE
    return {k: (a, b, c) for k, (a, b, c) in out.items()}


def rates(fn, root: str, month: dt.date, by: str, n: int = 15) -> list[tuple[str, int, int, int]]:  # type: ignore[no-untyped-def]
    return [(r.key, r.owed, r.visited, r.overdue) for r in fn(root, month, by=by, n=n)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_equals_a_recount_after_random_visit_activity(care: Care, seed: int) -> None:
    rng = random.Random(seed)
    tree = care.world.tree
    grids = [tree.grid_a1, tree.grid_b1, tree.grid_c1]
    for i in range(12):  # elderly people living alone, some 低保, some left-behind children
        home = HouseholdFactory.create(region=rng.choice(grids))
        if i % 3 == 2:
            child = PersonFactory.create(name=f"孩子{i}", birth_date=dt.date(2017, 1, 1 + i), household=home)
            PersonTagFactory.create(person=child, kind="left_behind_child", valid_from=dt.date(2025, 1, 1))
        else:
            old = PersonFactory.create(name=f"老人{i}", birth_date=dt.date(1940, 1, 1 + i), household=home)
            if i % 2:
                PersonTagFactory.create(person=old, kind="dibao", valid_from=dt.date(2024, 1, 1))
    actor = care.world.accounts.district_admin
    services.care_evaluate(day=MONTHS[0])
    for _ in range(40):
        op = rng.random()
        month = rng.choice(MONTHS)
        if op < 0.25:
            services.visits_generate(day=month + dt.timedelta(days=rng.randrange(28)))
        elif op < 0.7:
            open_ = list(Visit.objects.filter(status__in=[VisitStatus.DUE, VisitStatus.OVERDUE]))
            if open_:
                v = rng.choice(open_)
                day = v.period_start + dt.timedelta(days=rng.randrange((v.due_on - v.period_start).days + 1))
                when = dt.datetime(day.year, day.month, day.day, 10, tzinfo=TZ)
                with contextlib.suppress(Conflict):  # served already by a visit of the same file
                    services.visit_record(actor=actor, visit=v, visited_at=when, now=when)
        elif op < 0.85:
            services.visits_mark_overdue(today=month + dt.timedelta(days=rng.randrange(1, 60)))
        else:  # a new 儿童主任 takes over the open visits (no change to what is counted)
            user = UserFactory.create(role=Role.COMMUNITY_WORKER, region=tree.community_a)
            services.care_worker_assign(
                actor=actor, region=tree.community_a, post=Visitor.CHILD_DIRECTOR, user=user
            )
        assert summary() == recount()
    assert Visit.objects.filter(status=VisitStatus.DONE).exists()
    assert Visit.objects.filter(status=VisitStatus.OVERDUE).exists()
    for root in (tree.district.code, tree.street.code, tree.community_a.code, tree.city.code):
        for month in MONTHS:
            for by, n in (("rule", 15), ("region", len(root) + 3 if len(root) < 12 else 12)):
                assert rates(selectors.visit_rates, root, month, by, n) == rates(
                    selectors.visit_rates_counted, root, month, by, n
                )
    kept = summary()
    assert services.visit_tallies_rebuild() == len(kept)
    assert summary() == kept == recount()


def test_overdue_count_reads_the_summary_within_scope(care: Care) -> None:
    services.care_evaluate(day=MONTHS[0])
    for month in MONTHS[:3]:
        services.visits_generate(day=month)
    services.visits_mark_overdue(today=MONTHS[3])
    accounts = care.world.accounts
    for user in (accounts.community_worker, accounts.community_worker_b, accounts.district_admin):
        visible = Visit.objects.filter(status=VisitStatus.OVERDUE).filter(
            region__code__startswith=user.region_code
        )
        assert selectors.overdue_count(user) == visible.count()
    assert selectors.overdue_count(accounts.district_admin) > 0
    assert (
        selectors.overdue_count(accounts.system_admin)
        == Visit.objects.filter(status=VisitStatus.OVERDUE).count()
    )
    # a grid worker's count comes from the visits of his grid
    assert (
        selectors.overdue_count(accounts.grid_worker)
        == Visit.objects.filter(status=VisitStatus.OVERDUE, region=care.world.tree.grid_a1).count()
    )
    assert CareRule.objects.exists()
