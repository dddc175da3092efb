"""预约 on the home page's 待办: bookings to confirm, of the account's own unit's services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core import home
from linli.core.roles import Role
from linli.registry.models import Person
from linli.registry.services.persons import person_update
from linli.services import selectors, services, todo
from linli.services.models import Service, Slot
from linli.services.services.bookings import bookings_codes_reconcile
from linli.testing.factories import UserFactory, World


def test_bookings_to_confirm_lead_to_their_service(
    world: World, meal: Service, tomorrow: dt.date, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = world.accounts
    services.slots_generate(service=meal, start=tomorrow, days=1)
    slot = Slot.objects.filter(service=meal).order_by("starts_at").first()
    assert slot is not None
    booking = services.booking_create(actor=a.resident, slot_id=slot.pk)

    items = todo.booking_items(a.community_worker)
    assert [(i.url, i.count, i.state, i.kind) for i in items] == [
        (f"/services/manage/{meal.pk}/", 1, "待确认", "预约")
    ]
    assert items[0].urgency in (home.DUE_SOON, home.WAITING) and meal.name in items[0].title
    assert todo.booking_items(a.community_worker_b) == []  # another community's service
    assert todo.booking_items(a.street_coordinator) == []  # the community's to confirm, not the street's

    # a slot begun without confirmation: overdue for the community, one item to chase for the street
    Slot.objects.filter(pk=slot.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now() + dt.timedelta(minutes=1)
    )
    assert todo.booking_items(a.community_worker)[0].urgency == home.OVERDUE
    chase = todo.booking_items(a.street_coordinator)
    assert len(chase) == 1 and chase[0].urgency == home.OVERDUE and chase[0].count == 1
    # the chase counts every service below, not only those of the first page of items
    monkeypatch.setattr(home, "TODO_PER_SOURCE", 0)
    assert [i.count for i in todo.booking_items(a.street_coordinator)] == [1]
    assert todo.booking_items(a.community_worker) == []  # its own items: none shown at a bound of 0
    monkeypatch.undo()

    services.booking_confirm(actor=a.community_worker, booking=booking)
    assert todo.booking_items(a.community_worker) == [] and todo.booking_items(a.street_coordinator) == []


def test_a_service_keeps_the_bookings_of_a_resident_who_moved_away(
    world: World, meal: Service, tomorrow: dt.date
) -> None:
    """A booking follows the service as well as the booker (scope path ``provider``): after the resident
    of community A who booked A's 长者助餐 moves to community C, A's worker still has it to confirm and
    in the service's list, C's worker sees it among her new resident's bookings but not as work of her
    own unit, and B's worker sees it nowhere."""
    a = world.accounts
    services.slots_generate(service=meal, start=tomorrow, days=1)
    slot = Slot.objects.filter(service=meal).order_by("starts_at").first()
    assert slot is not None
    booking = services.booking_create(actor=a.resident, slot_id=slot.pk)
    # moved as a registry import moves her, without the change seam: the night's comparison catches up
    Person.objects.filter(pk=world.people.head.pk).update(region=world.tree.community_c)
    assert bookings_codes_reconcile() == 1
    worker_c = UserFactory.create(role=Role.COMMUNITY_WORKER, region=world.tree.community_c)

    items = todo.booking_items(a.community_worker)
    assert [(i.url, i.count) for i in items] == [(f"/services/manage/{meal.pk}/", 1)]
    assert list(selectors.booking_list(a.community_worker, service=meal)) == [booking]
    assert list(selectors.served_bookings(a.community_worker)) == [booking]
    assert todo.booking_items(worker_c) == []  # not her unit's service
    assert list(selectors.booking_list(worker_c)) == [booking]  # her resident's booking
    assert list(selectors.served_bookings(worker_c)) == []
    for who in (a.community_worker_b, a.resident):
        assert list(selectors.served_bookings(who)) == []
    assert list(selectors.booking_list(a.community_worker_b)) == []
    services.booking_confirm(actor=a.community_worker, booking=booking)
    assert todo.booking_items(a.community_worker) == []


def test_a_move_through_the_registry_takes_the_bookings_region_along_at_once(
    world: World, meal: Service, tomorrow: dt.date
) -> None:
    """A move through the registry's service reaches the bookings inside its transaction (the change seam):
    the new community sees the booking at once, the old one only as its service's, and the night's
    comparison then finds nothing to change. A service moved to another region takes its bookings'
    provider code along."""
    a = world.accounts
    services.slots_generate(service=meal, start=tomorrow, days=1)
    slot = Slot.objects.filter(service=meal).order_by("starts_at").first()
    assert slot is not None
    booking = services.booking_create(actor=a.resident, slot_id=slot.pk)
    head = world.people.head
    assert (booking.region_code, booking.provider_code) == (head.region.code, meal.region.code)
    worker_c = UserFactory.create(role=Role.COMMUNITY_WORKER, region=world.tree.community_c)
    assert list(selectors.booking_list(worker_c)) == []
    person_update(
        by=a.district_admin,
        person=head,
        data={"household_code": "", "region_code": world.tree.community_c.code},
    )
    booking.refresh_from_db()
    assert booking.region_code == world.tree.community_c.code
    assert list(selectors.booking_list(worker_c)) == [booking]
    assert bookings_codes_reconcile() == 0
    services.service_save(actor=a.district_admin, service=meal, region=world.tree.community_b)
    booking.refresh_from_db()
    assert booking.provider_code == world.tree.community_b.code
    assert list(selectors.served_bookings(a.community_worker_b)) == [booking]
    assert list(selectors.served_bookings(a.community_worker)) == []
