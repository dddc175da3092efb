"""Races the database settles: numbers reserved, never counted; every "only one" rule a constraint.

The thread tests run on PostgreSQL, where writers really run at once (SQLite writes one transaction
at a time, and its in-memory test database shares one cache between threads); each rule is also
checked one attempt after another on both databases.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from linli.core.models import User
from linli.services import services
from linli.services.models import (
    Application,
    Booking,
    Need,
    NeedStatus,
    Resource,
    Service,
    ServiceItem,
    Slot,
    TaxonomyTerm,
)
from linli.services.services import window as window_services
from linli.testing.factories import PersonFactory, World, issue_token
from linli.testing.races import on_postgresql, race

NUMBER = re.compile(r"^YC\d{8}\d{5}$")


def _slot(service: Service, capacity: int = 20) -> Slot:
    start = timezone.now() + dt.timedelta(days=1)
    return Slot.objects.create(
        service=service, starts_at=start, ends_at=start + dt.timedelta(hours=1), capacity=capacity
    )


# --- application numbers ------------------------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_applications_get_ten_distinct_numbers(world: World) -> None:
    """The issue's example: ten one-window applications at once used to give seven 500s."""
    item = ServiceItem.objects.get(code="elderly_allowance")
    worker, person = world.accounts.community_worker, world.people.head
    outcomes = race(
        [
            lambda: services.application_submit(
                actor=worker, item=item, person=person, provided=["居民身份证"]
            )
            for _ in range(10)
        ]
    )
    assert outcomes == ["ok"] * 10
    numbers = list(Application.objects.values_list("number", flat=True))
    assert len(numbers) == 10 and len(set(numbers)) == 10
    today = f"YC{timezone.localdate():%Y%m%d}"
    assert all(NUMBER.match(n) and n.startswith(today) for n in numbers), numbers


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_api_applications_answer_201(world: World) -> None:
    """Through the API door, with a bearer token per thread: ten 201s, no 500."""
    worker = world.accounts.community_worker
    key = issue_token(worker)
    body = {"item": "elderly_allowance", "person_id": world.people.head.pk, "materials": ["居民身份证"]}
    statuses: list[int] = []

    def post() -> None:
        client = Client(headers={"Authorization": f"Bearer {key}"}, raise_request_exception=False)
        statuses.append(
            client.post("/api/services/applications", body, content_type="application/json").status_code
        )

    assert race([post for _ in range(10)]) == ["ok"] * 10
    assert sorted(statuses) == [201] * 10
    assert Application.objects.values("number").distinct().count() == 10


def test_a_number_met_again_is_skipped(world: World) -> None:
    """Should the next number be taken after all (set by hand, a sequence reset), the next one is used."""
    item = ServiceItem.objects.get(code="elderly_allowance")
    worker = world.accounts.community_worker
    first = services.application_submit(actor=worker, item=item, person=world.people.head)
    serial = int(first.number[-5:])
    Application.objects.filter(pk=first.pk).update(number=f"{first.number[:-5]}{serial + 1:05d}")
    services.application_submit(actor=worker, item=item, person=world.people.spouse)  # meets the taken one
    numbers = list(Application.objects.order_by("id").values_list("number", flat=True))
    assert len(set(numbers)) == 2 and all(NUMBER.match(n) for n in numbers)
    assert numbers[1] == f"{first.number[:-5]}{serial + 2:05d}"


def test_a_taken_number_is_skipped_and_a_hopeless_one_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = ServiceItem.objects.get(code="elderly_allowance")
    worker = world.accounts.community_worker
    taken = services.application_submit(actor=worker, item=item, person=world.people.head).number
    real = services.application_number_next
    given = iter([taken])
    monkeypatch.setattr(
        window_services, "application_number_next", lambda day: next(given, None) or real(day)
    )
    app = services.application_submit(actor=worker, item=item, person=world.people.spouse)
    assert app.number != taken and Application.objects.count() == 2
    monkeypatch.setattr(window_services, "application_number_next", lambda day: taken)
    with pytest.raises(services.Conflict) as exc:
        services.application_submit(actor=worker, item=item, person=world.people.child)
    assert exc.value.code == "window.number_taken" and Application.objects.count() == 2


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="the per-day counter is the path without sequences"
)
def test_counter_numbers_each_day_from_one_after_numbers_given_before(world: World) -> None:
    day = dt.date(2026, 11, 22)
    assert [services.application_number_next(day) for _ in range(3)] == [
        "YC2026112200001",
        "YC2026112200002",
        "YC2026112200003",
    ]
    # a day that already has numbers given without a counter (by the old count) carries on after them
    Application.objects.create(
        number="YC2026112300007",
        item=ServiceItem.objects.get(code="elderly_allowance"),
        person=world.people.head,
        region=world.tree.community_a,
    )
    assert services.application_number_next(day + dt.timedelta(days=1)) == "YC2026112300008"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the sequence is PostgreSQL's path")
def test_sequence_numbers_keep_the_format(world: World) -> None:
    day = dt.date(2026, 11, 22)
    a, b = services.application_number_next(day), services.application_number_next(day)
    assert (
        NUMBER.match(a)
        and NUMBER.match(b)
        and a.startswith("YC20261122")
        and int(b[-5:]) == int(a[-5:]) % 99_999 + 1
    )


# --- bookings -----------------------------------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_same_booking_at_once_is_made_once(world: World, meal: Service) -> None:
    slot = _slot(meal)
    worker, person = world.accounts.community_worker, world.people.head
    outcomes = race(
        [lambda: services.booking_create(actor=worker, slot_id=slot.pk, person=person) for _ in range(8)]
    )
    assert sorted(outcomes) == ["booking.duplicate"] * 7 + ["ok"]
    assert Booking.objects.filter(slot=slot).count() == 1 and Slot.objects.get(pk=slot.pk).booked == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_serve_and_cancel_at_once_leave_one_outcome(world: World, meal: Service) -> None:
    slot = _slot(meal)
    worker = world.accounts.community_worker
    booking = services.booking_create(actor=worker, slot_id=slot.pk, person=world.people.head)
    outcomes = race(
        [lambda: services.booking_serve(actor=worker, booking=booking, record="已送餐上门")] * 4
        + [lambda: services.booking_cancel(actor=worker, booking=booking, reason="居民取消")] * 4
        + [lambda: services.booking_confirm(actor=worker, booking=booking)] * 2
    )
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    booking.refresh_from_db()
    served, cancelled = outcomes[:4].count("ok"), outcomes[4:8].count("ok")
    assert served + cancelled == 1
    assert booking.status == ("served" if served else "cancelled")
    assert Slot.objects.get(pk=slot.pk).booked == (1 if served else 0)


def test_a_cancelled_booking_cannot_be_confirmed_or_served(world: World, meal: Service) -> None:
    worker = world.accounts.community_worker
    booking = services.booking_create(actor=worker, slot_id=_slot(meal).pk, person=world.people.head)
    services.booking_cancel(actor=worker, booking=booking)
    with pytest.raises(ValidationError, match="不能确认"):
        services.booking_confirm(actor=worker, booking=booking)
    with pytest.raises(ValidationError, match="不能登记服务"):
        services.booking_serve(actor=worker, booking=booking, record="已送餐")
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.served_at is None


def test_second_booking_and_full_slot_carry_their_codes(world: World, meal: Service) -> None:
    slot = _slot(meal, capacity=1)
    worker = world.accounts.community_worker
    services.booking_create(actor=worker, slot_id=slot.pk, person=world.people.head)
    with pytest.raises(services.Conflict) as dup:
        services.booking_create(actor=worker, slot_id=slot.pk, person=world.people.head)
    with pytest.raises(services.Conflict) as full:
        services.booking_create(actor=worker, slot_id=slot.pk, person=world.people.spouse)
    assert (dup.value.code, full.value.code) == ("booking.duplicate", "booking.slot_full")
    assert "已预约" in dup.value.detail and "已约满" in full.value.detail
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_api_answers_409_with_the_code(
    world: World, meal: Service, token_client_for: Callable[[User], Client]
) -> None:
    slot = _slot(meal, capacity=1)
    c = token_client_for(world.accounts.community_worker)
    body = {"slot": slot.pk, "person_id": world.people.head.pk}
    assert c.post("/api/services/bookings", body, content_type="application/json").status_code == 201
    again = c.post("/api/services/bookings", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "booking.duplicate"
    assert "已预约" in again.json()["detail"] and again.json()["errors"]["slot"]
    other = {"slot": slot.pk, "person_id": world.people.spouse.pk}
    full = c.post("/api/services/bookings", other, content_type="application/json")
    assert full.status_code == 409 and full.json()["code"] == "booking.slot_full"


# --- needs, matching, resources -----------------------------------------------------------------------


def _need(actor: User, person: Any, text: str = "希望每周送餐上门") -> Need:
    return services.need_create(
        actor=actor, person=person, category=TaxonomyTerm.objects.get(code="elderly_meal"), description=text
    )


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_same_need_recorded_at_once_is_kept_once(world: World) -> None:
    worker, person = world.accounts.community_worker, world.people.head
    outcomes = race([lambda: _need(worker, person) for _ in range(8)])
    assert sorted(outcomes) == ["need.duplicate"] * 7 + ["ok"]
    assert Need.objects.filter(person=person).count() == 1


def test_same_open_need_twice_is_refused_page_and_api(
    world: World, client_for: Callable[[User], Client]
) -> None:
    worker = world.accounts.community_worker
    first = _need(worker, world.people.head)
    with pytest.raises(services.Conflict) as exc:
        _need(worker, world.people.head)
    assert exc.value.code == "need.duplicate" and "请勿重复登记" in exc.value.detail
    c = client_for(worker)
    body = {"person_id": world.people.head.pk, "category": "elderly_meal", "description": "希望每周送餐上门"}
    r = c.post("/api/services/needs", body, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "need.duplicate"
    page = c.post(
        "/services/needs/",
        {"person": "林建国", "category": "elderly_meal", "description": "希望每周送餐上门"},
        follow=True,
    )
    assert "请勿重复登记" in page.content.decode() and Need.objects.count() == 1
    # once it is closed, the same need may be recorded again; another text is another need
    services.need_close(actor=worker, need=first, note="已由家属解决")
    _need(worker, world.people.head)
    _need(worker, world.people.head, "希望有人陪同就医")
    assert Need.objects.filter(status=NeedStatus.OPEN).count() == 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_matches_never_exceed_a_resource_capacity(world: World) -> None:
    worker = world.accounts.community_worker
    resource = services.resource_create(
        actor=worker,
        name="退休医生健康讲座",
        kind="skill",
        offered_by="volunteer",
        provider_name="社区志愿者",
        region=world.tree.community_a,
        category=TaxonomyTerm.objects.get(code="health"),
        capacity=2,
    )
    people = [PersonFactory.create(region=world.tree.grid_a1) for _ in range(8)]
    needs = [_need(worker, p) for p in people]
    outcomes = race([partial(services.match_confirm, actor=worker, need=n, resource=resource) for n in needs])
    assert sorted(outcomes) == ["ok"] * 2 + ["resource.full"] * 6
    assert Resource.objects.get(pk=resource.pk).matched == 2
    assert Need.objects.filter(matched_resource=resource, status=NeedStatus.MATCHED).count() == 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_one_need_confirmed_at_once_is_matched_once(world: World, meal: Service) -> None:
    slot = _slot(meal)
    worker = world.accounts.community_worker
    need = _need(worker, world.people.head)
    outcomes = race(
        [
            lambda: services.match_confirm(actor=worker, need=need, service=meal, slot_id=slot.pk)
            for _ in range(6)
        ]
    )
    assert sorted(outcomes) == ["need.already_matched"] * 5 + ["ok"]
    assert Booking.objects.filter(person=world.people.head).count() == 1
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_resource_share_is_taken_and_given_back(world: World) -> None:
    worker = world.accounts.community_worker
    resource = services.resource_create(
        actor=worker,
        name="法律志愿者咨询",
        kind="skill",
        offered_by="volunteer",
        provider_name="社区志愿者",
        region=world.tree.community_a,
        category=TaxonomyTerm.objects.get(code="legal"),
        capacity=1,
    )
    first, second = _need(worker, world.people.head), _need(worker, world.people.spouse)
    services.match_confirm(actor=worker, need=first, resource=resource)
    with pytest.raises(services.Conflict) as exc:
        services.match_confirm(actor=worker, need=second, resource=resource)
    assert exc.value.code == "resource.full"
    with pytest.raises(services.Conflict) as again:  # the same need a second time
        services.match_confirm(actor=worker, need=Need.objects.get(pk=first.pk), resource=resource)
    assert again.value.code == "need.already_matched"
    services.need_close(actor=worker, need=Need.objects.get(pk=first.pk))
    assert Resource.objects.get(pk=resource.pk).matched == 0
    services.match_confirm(actor=worker, need=second, resource=resource)
    assert Resource.objects.get(pk=resource.pk).matched == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_same_resource_registered_at_once_is_kept_once(world: World) -> None:
    worker = world.accounts.community_worker
    region = world.tree.community_a

    def register() -> Resource:
        return services.resource_create(
            actor=worker,
            name="会议室、活动场地开放",
            kind="space",
            offered_by="resident_unit",
            provider_name="万福小学",
            region=region,
        )

    outcomes = race([register for _ in range(6)])
    assert sorted(outcomes) == ["ok"] + ["resource.duplicate"] * 5
    assert Resource.objects.filter(region=region).count() == 1


def test_same_resource_twice_refused_withdrawn_one_may_return(world: World) -> None:
    worker = world.accounts.community_worker
    data: dict[str, Any] = {
        "name": "停车场夜间错时开放",
        "kind": "space",
        "offered_by": "resident_unit",
        "provider_name": "万福小学",
        "region": world.tree.community_a,
    }
    first = services.resource_create(actor=worker, **data)
    with pytest.raises(services.Conflict) as exc:
        services.resource_create(actor=worker, **data)
    assert exc.value.code == "resource.duplicate" and "万福小学" in exc.value.detail
    Resource.objects.filter(pk=first.pk).update(status="withdrawn")
    services.resource_create(actor=worker, **data)
    assert Resource.objects.count() == 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_same_item_added_at_once_is_added_once(world: World) -> None:
    admin = world.accounts.district_admin

    def add() -> ServiceItem:
        return services.service_item_create(
            actor=admin,
            code="canteen_card",
            name="长者饭堂就餐卡办理",
            department="民政局",
            level="community",
            materials=["居民身份证"],
            time_limit_days=3,
        )

    outcomes = race([add for _ in range(6)])
    assert outcomes.count("ok") == 1 and not [o for o in outcomes if o.startswith("error")], outcomes
    # the losers: refused by the database (a race) or by the check before it (already committed)
    assert all(
        o == "window.item_taken" or (o.startswith("invalid") and "已存在" in o) for o in outcomes if o != "ok"
    )
    assert ServiceItem.objects.filter(code="canteen_card").count() == 1


def test_item_code_taken_is_a_clear_refusal(world: World) -> None:
    with pytest.raises(ValidationError, match="已存在"):
        services.service_item_create(
            actor=world.accounts.district_admin,
            code="elderly_allowance",
            name="另一个事项",
            department="民政局",
            level="community",
            materials=[],
            time_limit_days=5,
        )
