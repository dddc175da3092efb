"""迁出 / 迁入 / 死亡 / 新生儿: dated status changes kept as history; a departure ends tags and bookings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.core.errors import error_code
from linli.registry.models import PersonStatus, PersonStatusEvent, PersonTag, StatusEventKind, TagKind
from linli.registry.selectors import four_no_miss
from linli.registry.services import person_birth_register, person_status_change, person_tag_add
from linli.services import services as service_services
from linli.services.models import Booking, BookingStatus, Service, ServiceKind, Slot, TaxonomyTerm
from linli.testing.factories import HouseholdFactory, PersonFactory, World

ALL_DAY = {str(d): [["08:00", "12:00"], ["14:00", "20:00"]] for d in range(1, 8)}


def _booking(world: World, person, day: dt.date) -> Booking:
    service = Service.objects.create(
        name="长者助餐",
        kind=ServiceKind.PUBLIC,
        category=TaxonomyTerm.objects.get(code="elderly_meal"),
        region=world.tree.community_a,
        opening_hours=ALL_DAY,
        capacity=2,
        slot_minutes=60,
    )
    service_services.slots_generate(service=service, start=day, days=1)
    slot = Slot.objects.filter(service=service).order_by("starts_at").first()
    assert slot is not None
    return service_services.booking_create(
        actor=world.accounts.community_worker, slot_id=slot.pk, person=person
    )


@pytest.mark.django_db
def test_moving_out_ends_open_tags_and_future_bookings_on_that_date(world: World) -> None:
    today = timezone.localdate()
    worker = world.accounts.community_worker
    person = world.people.head
    tag = person_tag_add(
        by=worker, person=person, kind=TagKind.LIVING_ALONE, valid_from=today - dt.timedelta(days=90)
    )
    booking = _booking(world, person, today + dt.timedelta(days=1))
    on = today - dt.timedelta(days=2)
    event = person_status_change(
        by=worker, person=person, kind=StatusEventKind.MOVED_OUT, on=on, note="随子女迁往厦门"
    )
    person.refresh_from_db()
    assert person.status == PersonStatus.MOVED_OUT
    assert (event.kind, event.on, event.by) == (StatusEventKind.MOVED_OUT, on, worker)
    assert PersonTag.objects.get(pk=tag.pk).valid_to == on
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=booking.slot_id).booked == 0
    # back again: 迁入 is a new event; the history keeps both
    person_status_change(by=worker, person=person, kind=StatusEventKind.MOVED_IN, on=today)
    person.refresh_from_db()
    assert person.status == PersonStatus.ACTIVE
    assert list(person.status_events.values_list("kind", flat=True)) == ["moved_in", "moved_out"]


@pytest.mark.django_db
def test_a_death_is_final_and_refuses_bad_dates(world: World) -> None:
    worker = world.accounts.community_worker
    person = world.people.spouse
    today = timezone.localdate()
    for kind, on, code in (
        (StatusEventKind.DECEASED, today + dt.timedelta(days=1), "person.status_change_future"),
        (
            StatusEventKind.DECEASED,
            person.birth_date - dt.timedelta(days=1),
            "person.status_change_before_birth",
        ),
        (StatusEventKind.MOVED_IN, today, "person.status_change_active"),
        ("born", today, "person.status_change_kind"),
    ):
        with pytest.raises(ValidationError) as exc:
            person_status_change(by=worker, person=person, kind=kind, on=on)
        assert error_code(exc.value) == code
    person_status_change(by=worker, person=person, kind=StatusEventKind.DECEASED, on=today)
    with pytest.raises(ValidationError) as exc:
        person_status_change(by=worker, person=person, kind=StatusEventKind.MOVED_IN, on=today)
    assert error_code(exc.value) == "person.status_change_deceased"
    assert PersonStatusEvent.objects.filter(person=person).count() == 1


@pytest.mark.django_db
def test_the_grid_worker_registers_a_newborn_in_his_grid(world: World) -> None:
    born = timezone.localdate() - dt.timedelta(days=10)
    head_household = world.people.head.household
    assert head_household is not None
    baby = person_birth_register(
        by=world.accounts.grid_worker,
        data={
            "name": "林小宝",
            "sex": "男",
            "birth_date": born.isoformat(),
            "household_code": head_household.code,
            "region_code": world.tree.grid_a1.code,
            "relation": "孙子女",
        },
    )
    assert baby.status == PersonStatus.ACTIVE
    assert list(baby.status_events.values_list("kind", "on")) == [(StatusEventKind.BORN, born)]


@pytest.mark.django_db
def test_four_no_miss_counts_the_departed_as_gone(world: World) -> None:
    t = world.tree
    alone = PersonFactory.create(
        region=t.grid_a2, household=HouseholdFactory.create(region=t.grid_a2), name="独居老人"
    )
    _, before = four_no_miss(user=world.accounts.district_admin, region=t.street)
    person_status_change(
        by=world.accounts.community_worker,
        person=alone,
        kind=StatusEventKind.DECEASED,
        on=timezone.localdate(),
    )
    _, after = four_no_miss(user=world.accounts.district_admin, region=t.street)
    assert after.counts["households_without_persons"] == before.counts["households_without_persons"] + 1
    # a person without a household or grid who moves out is no longer a gap to check
    loose = PersonFactory.create(region=t.community_b, name="未入户")
    _, before = four_no_miss(user=world.accounts.district_admin, region=t.street)
    person_status_change(
        by=world.accounts.district_admin,
        person=loose,
        kind=StatusEventKind.MOVED_OUT,
        on=timezone.localdate(),
    )
    _, after = four_no_miss(user=world.accounts.district_admin, region=t.street)
    for check in ("persons_without_household", "persons_without_grid"):
        assert after.counts[check] == before.counts[check] - 1, check


@pytest.mark.django_db
def test_the_api_records_a_move_out_through_the_same_service(world: World, token_client_for) -> None:
    person = world.people.child
    api = token_client_for(world.accounts.grid_worker)
    url = f"/api/persons/{person.pk}/status-changes"
    day = timezone.localdate().isoformat()
    r = api.post(url, {"kind": "moved_out", "on": day, "note": "外出务工"}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] in ("moved_out", "迁出")
    assert PersonStatusEvent.objects.get(person=person).kind == StatusEventKind.MOVED_OUT
    r = api.post(url, {"kind": "moved_out", "on": day}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "person.status_change_not_active"


@pytest.mark.django_db
def test_the_person_page_records_a_move_out_and_shows_the_history(world: World, client_for) -> None:
    person = world.people.child
    page = client_for(world.accounts.grid_worker)
    body = page.get(f"/registry/persons/{person.pk}/").content.decode()
    assert 'id="status-form"' in body and "无变更记录" in body
    day = timezone.localdate().isoformat()
    r = page.post(
        f"/registry/persons/{person.pk}/status/", {"kind": "moved_out", "on": day, "note": "外出务工"}
    )
    assert r.status_code == 302
    body = page.get(f"/registry/persons/{person.pk}/").content.decode()
    assert "已登记" in body and 'id="status-events"' in body and "外出务工" in body
    person.refresh_from_db()
    assert person.status == PersonStatus.MOVED_OUT
    r = page.post(f"/registry/persons/{person.pk}/status/", {"kind": "moved_out", "on": day}, follow=True)
    assert "该人员不在册，不能登记迁出或死亡" in r.content.decode()
    # a resident cannot
    assert client_for(world.accounts.resident).post(
        f"/registry/persons/{person.pk}/status/", {}
    ).status_code in (403, 404)


@pytest.mark.django_db
def test_the_newborn_page_registers_a_baby_in_the_household(world: World, client_for) -> None:
    household = world.people.head.household
    assert household is not None
    page = client_for(world.accounts.grid_worker)
    assert (
        f"/registry/persons/newborn/?household={household.code}"
        in page.get(f"/registry/persons/{world.people.head.pk}/").content.decode()
    )
    form = page.get(f"/registry/persons/newborn/?household={household.code}").content.decode()
    assert "新生儿登记" in form and household.code in form
    born = timezone.localdate() - dt.timedelta(days=3)
    r = page.post(
        "/registry/persons/newborn/",
        {
            "name": "林小满",
            "sex": "女",
            "birth_date": born.isoformat(),
            "household_code": household.code,
            "relation": "孙子女",
            "residence_type": "户籍",
            "ethnicity": "汉族",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    event = PersonStatusEvent.objects.get(person__name="林小满")
    assert (event.kind, event.on, event.person.household) == (StatusEventKind.BORN, born, household)
