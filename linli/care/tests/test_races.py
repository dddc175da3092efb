"""Rules that hold under concurrency (PostgreSQL): a visit is recorded once, an alert decided once,
a referral closed once — each by one conditional UPDATE; the losers get 409 codes, nothing doubled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from linli.care import services
from linli.care.models import Alert, Referral, Visit, VisitStatus
from linli.care.tests.conftest import build_care
from linli.services.models import Application
from linli.testing.factories import build_world
from linli.testing.races import on_postgresql, race

pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True)]


def test_a_visit_is_recorded_once_and_an_alert_decided_once() -> None:
    care = build_care(build_world())
    today = timezone.localdate()
    services.care_evaluate(day=today)
    services.visits_generate(day=today)
    worker = care.world.accounts.grid_worker
    visit = Visit.objects.get(file__person=care.granny, rule__code="special_elderly")
    outcomes = race([lambda: services.visit_record(actor=worker, visit=visit, note="到访") for _ in range(6)])
    assert sorted(outcomes) == ["care.visit_already_done"] * 5 + ["ok"]
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.DONE
    alert = Alert.objects.get(file__person=care.granny, rule__code="elderly_80")
    staff = care.world.accounts.community_worker
    outcomes = race(
        [lambda: services.alert_confirm(actor=staff, alert=alert) for _ in range(3)]
        + [lambda: services.alert_dismiss(actor=staff, alert=alert, reason="已在外地领取") for _ in range(3)]
    )
    assert sorted(outcomes).count("ok") == 1 and outcomes.count("care.alert_decided") == 5
    assert Application.objects.filter(person=care.granny).count() <= 1
    assert Referral.objects.filter(file__person=care.granny, kind="application").count() <= 1


def test_two_plan_runs_at_once_make_each_visit_once() -> None:
    care = build_care(build_world())
    today = timezone.localdate()
    services.care_evaluate(day=today)
    outcomes = race([lambda: services.visits_generate(day=today) for _ in range(4)])
    assert outcomes == ["ok"] * 4  # nobody fails on the unique key: a visit already planned is skipped
    owed = Visit.objects.filter(period_start__lte=today, due_on__gte=today)
    assert owed.count() == owed.values("file", "rule").distinct().count() > 0
    assert owed.filter(file__person=care.granny, rule__code="special_elderly").count() == 1
    assert services.visits_generate(day=today) == 0


def test_evaluations_in_one_community_at_once_keep_the_group_counts() -> None:
    """Six registry writes in one community at once, each re-evaluating its person: every one commits
    (none fails on the kept counts' unique key), and the kept counts equal a live count."""
    from linli.care.models import CareMembership
    from linli.care.tests.test_incremental import _kept_counts, _live_counts
    from linli.testing.factories import HouseholdFactory, PersonFactory

    care = build_care(build_world())
    services.care_evaluate(day=timezone.localdate())
    people = []
    for i in range(6):
        home = HouseholdFactory.create(region=care.world.tree.grid_a1)
        people.append(
            PersonFactory.create(name=f"独居老人{i}", birth_date=dt.date(1938, 1, 1 + i), household=home)
        )

    def evaluate(pk: int) -> Callable[[], object]:
        return lambda: services.care_evaluate(person_ids=[pk])

    outcomes = race([evaluate(p.pk) for p in people])
    assert outcomes == ["ok"] * 6
    assert _kept_counts() == _live_counts()
    assert CareMembership.objects.filter(file__person__in=people, until__isnull=True).count() >= 6
