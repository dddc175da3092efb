"""A registry change re-evaluates only the persons concerned, and that equals a full evaluation: random
registry changes (tags added and ended, households changed, persons registered, moving out, dying,
status set) each brought in line by the registry's hook, then a full ``care_evaluate`` finds nothing
left to open, end or alert."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.care import selectors, services
from linli.care.models import Alert, AlertCount, AlertStatus, CareFile, CareMembership, GroupCount
from linli.care.tests.conftest import Care
from linli.core.engine import idnumber
from linli.core.scope import OutOfScope
from linli.registry.models import Household, Person, PersonStatus, PersonTag
from linli.registry.services import (
    person_create,
    person_set_status,
    person_status_change,
    person_tag_add,
    person_tag_end,
    person_update,
)
from linli.testing.factories import HouseholdFactory, PersonFactory

KINDS = ["dibao", "tekun", "dibao_edge", "left_behind_child", "disabled", "living_alone", "key_care"]


def _state() -> tuple[set, set]:
    memberships = set(
        CareMembership.objects.filter(until__isnull=True).values_list("file__person_id", "rule_id", "reason")
    )
    files = set(CareFile.objects.filter(closed_on__isnull=True).values_list("person_id", flat=True))
    return memberships, files


def _kept_counts() -> dict:
    return {
        (c, r): n for c, r, n in GroupCount.objects.filter(n__gt=0).values_list("region_code", "rule_id", "n")
    }


def _live_counts() -> dict:
    counted: dict = {}
    for code, rule in CareMembership.objects.filter(until__isnull=True).values_list(
        "file__region__code", "rule_id"
    ):
        counted[(code[:12], rule)] = counted.get((code[:12], rule), 0) + 1
    return counted


def _kept_alerts() -> dict:
    return {
        (c, r): n for c, r, n in AlertCount.objects.filter(n__gt=0).values_list("region_code", "rule_id", "n")
    }


def _live_alerts() -> dict:
    counted: dict = {}
    for code, rule in Alert.objects.filter(status=AlertStatus.OPEN).values_list("region__code", "rule_id"):
        counted[(code[:12], rule)] = counted.get((code[:12], rule), 0) + 1
    return counted


def _decide_one(care: Care, rng: random.Random) -> str:
    """A worker confirms or dismisses one open alert (its kept count takes it off)."""
    worker = care.world.accounts.community_worker
    alert = selectors.open_alerts(worker).order_by("pk").first()
    if alert is None:
        return "decide（无预警）"
    if rng.random() < 0.5:
        services.alert_dismiss(actor=worker, alert=alert, reason="已在户籍地领取")
        return "dismiss"
    services.alert_confirm(actor=worker, alert=alert)
    return "confirm"


def _street(care: Care, rng: random.Random) -> list[Household]:
    """Twelve households in community A of one to four persons of every age."""
    tree = care.world.tree
    homes = []
    for _ in range(12):
        h = HouseholdFactory.create(region=rng.choice([tree.grid_a1, tree.grid_a2]))
        homes.append(h)
        for _ in range(rng.randint(1, 4)):
            PersonFactory.create(household=h, age=rng.choice([3, 9, 15, 35, 58, 62, 70, 79, 80, 85, 92]))
    return homes


def _change(care: Care, rng: random.Random, homes: list[Household], n: int) -> str:
    by = care.world.accounts.community_worker
    today = timezone.localdate()
    people = list(Person.objects.filter(household__in=homes).order_by("pk"))
    p = rng.choice(people)
    kind = rng.choice(["tag", "tag", "untag", "move", "register", "leave", "status"])
    try:
        if kind == "tag":
            k = rng.choice(KINDS)
            disabled = k == "disabled"
            person_tag_add(
                by=by,
                person=p,
                kind=k,
                valid_from=dt.date(2026, 1, 1),
                disability_category="physical" if disabled else "",
                disability_grade=rng.randint(1, 4) if disabled else None,
            )
        elif kind == "untag":
            tag = PersonTag.objects.filter(person__in=people, valid_to__isnull=True).order_by("pk").first()
            if tag is not None:
                person_tag_end(by=by, tag=tag, valid_to=today)
        elif kind == "move":
            person_update(by=by, person=p, data={"household_code": rng.choice(homes).code})
        elif kind == "register":
            birth = today.replace(year=today.year - rng.choice([8, 40, 81]), day=1)
            sex = rng.choice("MF")
            person_create(
                by=by,
                data={
                    "name": f"新登记{n}",
                    "id_number": idnumber.make("350504", birth, 900 + n, sex),
                    "sex": "男" if sex == "M" else "女",
                    "birth_date": birth.isoformat(),
                    "household_code": rng.choice(homes).code,
                    "residence_type": "户籍人口",
                },
            )
        elif kind == "leave":
            if p.status == PersonStatus.ACTIVE:
                person_status_change(by=by, person=p, kind=rng.choice(["moved_out", "deceased"]), on=today)
        else:  # the status set directly (the admin's correction)
            person_set_status(
                by=by, person=p, status=rng.choice([PersonStatus.ACTIVE, PersonStatus.MOVED_OUT])
            )
    except (ValidationError, OutOfScope):
        return kind + "（拒绝）"
    return kind


def test_registry_changes_reevaluated_incrementally_equal_a_full_evaluation(
    care: Care, django_capture_on_commit_callbacks
) -> None:
    rng = random.Random(19)
    homes = _street(care, rng)
    services.care_evaluate()
    kinds: list[str] = []
    for _round in range(3):
        for _ in range(8):
            with django_capture_on_commit_callbacks(execute=True):
                kinds.append(_change(care, rng, homes, len(kinds)))
            if rng.random() < 0.3:
                kinds.append(_decide_one(care, rng))
        before = _state()
        # the group counts the incremental evaluations kept are the memberships' count, and the open
        # alerts' kept count (raised by the evaluations, taken off by the decisions) is theirs
        assert _kept_counts() == _live_counts(), kinds
        assert _kept_alerts() == _live_alerts(), kinds
        full = services.care_evaluate()
        assert (full.opened, full.ended, full.files_opened, full.files_closed, full.alerts) == (
            0,
            0,
            0,
            0,
            0,
        ), kinds
        assert _state() == before
        assert _kept_counts() == _live_counts()
        assert _kept_alerts() == _live_alerts()
        kept = _kept_alerts()
        services.alert_counts_rebuild()  # the nightly recount changes nothing
        assert _kept_alerts() == kept
    assert sum(not k.endswith("（拒绝）") for k in kinds) >= 15
    assert {"dismiss", "confirm"} <= set(kinds), kinds
    # the status set directly re-evaluates too: 王阿婆 moved out leaves her groups at once
    by = care.world.accounts.community_worker
    with django_capture_on_commit_callbacks(execute=True):
        person_set_status(by=by, person=care.granny, status=PersonStatus.MOVED_OUT)
    assert not CareMembership.objects.filter(file__person=care.granny, until__isnull=True).exists()


@pytest.mark.django_db
def test_a_registry_change_evaluates_only_the_persons_household(
    care: Care, django_capture_on_commit_callbacks
) -> None:
    """The hook's evaluation reads the person's household, not the registry: its queries name the ids."""
    rng = random.Random(3)
    _street(care, rng)
    services.care_evaluate()
    by = care.world.accounts.community_worker
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        person_tag_add(by=by, person=care.grandpa, kind="dibao_edge", valid_from=dt.date(2026, 1, 1))
    reads = [
        q["sql"] for q in ctx.captured_queries if "registry_persontag" in q["sql"] and "SELECT" in q["sql"]
    ]
    assert reads
    # every read of the tags is bounded by the persons concerned (no scan of every tag of a kind)
    bounded = ('"person_id" IN (', '"person_id" = ')
    assert all(any(b in sql for b in bounded) for sql in reads), reads


def _settled(day: dt.date) -> bool:
    """A full evaluation on ``day`` finds nothing to open, end or alert."""
    full = services.care_evaluate(day=day)
    return (full.opened, full.ended, full.files_opened, full.files_closed, full.alerts) == (0, 0, 0, 0, 0)


def test_the_nightly_evaluation_of_what_changed_equals_a_full_evaluation(care: Care) -> None:
    """Nights go by: birthdays cross 80, 60 and 18 (and a household member's 60), tags start and end
    on their dates, persons and tags are bulk-loaded without the registry's hook. Each night evaluates
    only the persons who may have changed, and a full evaluation afterwards finds nothing left."""
    from linli.care.engine.rules import born_on_or_before
    from linli.care.models import EvaluationRun
    from linli.testing.factories import PersonTagFactory

    d0 = dt.date(2026, 3, 10)
    tree = care.world.tree
    rng = random.Random(7)
    _street(care, rng)

    def turning(age: int, k: int, household: Household | None = None) -> Person:
        home = household or HouseholdFactory.create(region=tree.grid_a1)
        return PersonFactory.create(
            household=home, birth_date=born_on_or_before(d0 + dt.timedelta(days=k), age)
        )

    turning(80, 1)
    turning(60, 2)
    child = turning(18, 3)
    PersonTagFactory.create(person=child, kind="left_behind_child", valid_from=dt.date(2025, 1, 1))
    pair = HouseholdFactory.create(region=tree.grid_a2)
    PersonFactory.create(household=pair, birth_date=dt.date(1950, 5, 5))
    turning(60, 4, pair)  # the elder's household has no member under 60 from that day
    with_son = HouseholdFactory.create(region=tree.grid_a2)  # 低保 from d0+2 makes him 特殊困难
    PersonFactory.create(household=with_son, birth_date=dt.date(1984, 1, 1))
    later = PersonFactory.create(household=with_son, birth_date=dt.date(1952, 7, 1))
    PersonTagFactory.create(person=later, kind="dibao", valid_from=d0 + dt.timedelta(days=2))
    shared = HouseholdFactory.create(region=tree.grid_a1)  # with a son of 40: 特困 is what makes her 特殊困难
    PersonFactory.create(household=shared, birth_date=dt.date(1986, 1, 1))
    ending = PersonFactory.create(household=shared, birth_date=dt.date(1950, 1, 1))
    PersonTagFactory.create(
        person=ending, kind="tekun", valid_from=dt.date(2024, 1, 1), valid_to=d0 + dt.timedelta(days=3)
    )

    first, run = services.care_evaluate_nightly(day=d0)
    assert run.full and run.persons is None and first.opened > 0
    assert CareMembership.objects.filter(
        file__person=ending, until__isnull=True, rule__code="special_elderly"
    ).exists()  # 特困 till d0+3
    everyone = Person.objects.count()
    for k in range(1, 7):
        day = d0 + dt.timedelta(days=k)
        if k == 2:  # a bulk load between nights: persons and a tag, no hook called
            loaded = PersonFactory.create(household=HouseholdFactory.create(region=tree.grid_a1), age=84)
            PersonTagFactory.create(
                person=care.grandpa,
                kind="disabled",
                disability_category="physical",
                disability_grade=1,
                valid_from=d0,
            )
        _, run = services.care_evaluate_nightly(day=day)
        assert not run.full and run.persons is not None and run.persons < everyone / 2, (k, run.persons)
        assert _settled(day), k
        assert _kept_counts() == _live_counts()
    assert CareMembership.objects.filter(file__person=loaded, until__isnull=True).exists()
    assert CareMembership.objects.filter(
        file__person=later, until__isnull=True, rule__code="special_elderly"
    ).exists()
    assert not CareMembership.objects.filter(
        file__person=ending, until__isnull=True, rule__code="special_elderly"
    ).exists()
    # a rule changed since the last night: everyone is evaluated again
    from linli.care.models import CareRule

    rule = CareRule.objects.get(code="elderly_80")
    CareRule.objects.filter(pk=rule.pk).update(condition={"field": "age", "op": ">=", "value": 75})
    _, run = services.care_evaluate_nightly(day=d0 + dt.timedelta(days=7))
    assert run.full
    assert _settled(d0 + dt.timedelta(days=7))
    assert EvaluationRun.objects.count() == 8
