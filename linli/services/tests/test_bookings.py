"""Bookings: slots from the schedule, booking rules, never overbooked (also under concurrent attempts)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection
from django.utils import timezone

from linli.core.scope import OutOfScope
from linli.registry.models import Person
from linli.services import services
from linli.services.models import Booking, BookingStatus, Service, Slot
from linli.testing.factories import PersonFactory, World


def _slot(service: Service, start: dt.date) -> Slot:
    services.slots_generate(service=service, start=start, days=2)
    return Slot.objects.filter(service=service).order_by("starts_at").first()  # type: ignore[return-value]


def test_slots_generated_from_schedule_and_capacity(world: World, meal: Service, tomorrow: dt.date) -> None:
    n = services.slots_generate(service=meal, start=tomorrow, days=7, actor=world.accounts.community_worker)
    assert n == 7 * 10  # 4 + 6 one-hour slots a day
    assert set(Slot.objects.filter(service=meal).values_list("capacity", flat=True)) == {2}
    assert services.slots_generate(service=meal, start=tomorrow, days=7) == 0  # idempotent


def test_zero_hours_schedule_is_refused(
    world: World, make_service: Callable[..., Service], tomorrow: dt.date
) -> None:
    with pytest.raises(ValidationError, match="0 小时"):
        services.service_save(
            actor=world.accounts.community_worker,
            name="空服务",
            kind="public",
            category=make_service(world.tree.community_a).category,
            region=world.tree.community_a,
            opening_hours={},
        )
    s = make_service(world.tree.community_a, opening_hours={})
    with pytest.raises(ValidationError, match="0 小时"):
        services.slots_generate(service=s, start=tomorrow, days=7)
    assert not Slot.objects.filter(service=s).exists()


def test_resident_books_cancels_reschedules_and_rates(world: World, meal: Service, tomorrow: dt.date) -> None:
    resident = world.accounts.resident
    services.slots_generate(service=meal, start=tomorrow, days=2)
    first, second = Slot.objects.filter(service=meal).order_by("starts_at")[:2]
    b = services.booking_create(actor=resident, slot_id=first.pk)
    assert b.person == world.people.head and Slot.objects.get(pk=first.pk).booked == 1
    with pytest.raises(ValidationError, match="已预约"):
        services.booking_create(actor=resident, slot_id=first.pk)
    assert Slot.objects.get(pk=first.pk).booked == 1  # the failed attempt left nothing behind
    new = services.booking_reschedule(actor=resident, booking=b, slot_id=second.pk)
    assert Slot.objects.get(pk=first.pk).booked == 0 and Slot.objects.get(pk=second.pk).booked == 1
    assert Booking.objects.get(pk=b.pk).status == BookingStatus.CANCELLED
    with pytest.raises(ValidationError, match="服务完成后"):
        services.booking_rate(actor=resident, booking=new, stars=5)
    services.booking_confirm(actor=world.accounts.community_worker, booking=new)
    services.booking_serve(actor=world.accounts.community_worker, booking=new, record="送餐到家")
    services.booking_rate(actor=resident, booking=new, stars=5, comment="好吃")
    meal.refresh_from_db()
    assert (meal.rating_count, meal.rating_good, meal.satisfaction) == (1, 1, 1.0)
    with pytest.raises(ValidationError, match="已经评价"):
        services.booking_rate(actor=resident, booking=new, stars=1)
    other = services.booking_create(actor=resident, slot_id=first.pk)
    services.booking_cancel(actor=resident, booking=other)
    assert Slot.objects.get(pk=first.pk).booked == 0


def test_full_slot_past_slot_and_ineligible_person(world: World, meal: Service, tomorrow: dt.date) -> None:
    slot = _slot(meal, tomorrow)
    worker = world.accounts.community_worker
    services.booking_create(actor=worker, slot_id=slot.pk, person=world.people.head)  # 68
    services.booking_create(actor=worker, slot_id=slot.pk, person=world.people.spouse)  # 66
    young = PersonFactory.create(name="老人甲", birth_date=dt.date(1950, 1, 1), region=world.tree.grid_a1)
    with pytest.raises(ValidationError, match="已约满"):
        services.booking_create(actor=worker, slot_id=slot.pk, person=young)
    assert Booking.objects.filter(slot=slot).count() == 2 and Slot.objects.get(pk=slot.pk).booked == 2
    with pytest.raises(ValidationError, match="60周岁以上"):
        services.booking_create(
            actor=worker,
            slot_id=Slot.objects.exclude(pk=slot.pk).values_list("pk", flat=True)[0],
            person=world.people.child,
        )
    past = Slot.objects.create(
        service=meal,
        starts_at=timezone.now() - dt.timedelta(hours=2),
        ends_at=timezone.now() - dt.timedelta(hours=1),
        capacity=5,
    )
    with pytest.raises(ValidationError, match="已经开始或已过去"):
        services.booking_create(actor=worker, slot_id=past.pk, person=world.people.head)
    assert Slot.objects.get(pk=past.pk).booked == 0 and not Booking.objects.filter(slot=past).exists()


def test_booking_scope(world: World, meal: Service, tomorrow: dt.date) -> None:
    slot = _slot(meal, tomorrow)
    with pytest.raises(OutOfScope):  # community B's worker cannot book for a resident of A
        services.booking_create(
            actor=world.accounts.community_worker_b, slot_id=slot.pk, person=world.people.head
        )
    with pytest.raises(OutOfScope):  # a resident cannot book for someone outside their household
        services.booking_create(actor=world.accounts.resident, slot_id=slot.pk, person=world.people.in_a2)
    b = services.booking_create(actor=world.accounts.resident, slot_id=slot.pk, person=world.people.spouse)
    with pytest.raises(PermissionDenied):
        services.booking_confirm(actor=world.accounts.resident, booking=b)
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_reminders_are_recorded_once(world: World, meal: Service) -> None:
    start = timezone.now() + dt.timedelta(hours=5)
    slot = Slot.objects.create(
        service=meal, starts_at=start, ends_at=start + dt.timedelta(hours=1), capacity=3
    )
    b = services.booking_create(actor=world.accounts.resident, slot_id=slot.pk)
    assert services.bookings_remind() == [b.pk]
    assert services.bookings_remind() == []
    assert Booking.objects.get(pk=b.pk).reminded_at is not None
    assert services.bookings_remind_task.enqueue().return_value == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_at_the_last_places_never_overbook(
    world: World, meal: Service, tomorrow: dt.date
) -> None:
    """Twelve threads race for the last two places of a slot: exactly two bookings, booked == capacity."""
    slot = _slot(meal, tomorrow)
    slot.capacity = 2
    slot.save()
    people = [
        PersonFactory.create(birth_date=dt.date(1950, 1, 1), region=world.tree.grid_a1) for _ in range(12)
    ]
    worker = world.accounts.community_worker
    outcomes: list[str] = []
    barrier = threading.Barrier(len(people))

    def attempt(person: Person) -> None:
        barrier.wait()
        # SQLite's shared-cache lock makes a writer retry (at once, not after a busy wait: a count of
        # retries ran out on a loaded machine); the answer must not change
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                services.booking_create(actor=worker, slot_id=slot.pk, person=person)
                outcomes.append("booked")
                break
            except ValidationError:
                outcomes.append("full")
                break
            except OperationalError:
                time.sleep(0.005)
        connection.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("booked") == 2 and outcomes.count("full") == 10
    assert Slot.objects.get(pk=slot.pk).booked == 2
    assert Booking.objects.filter(slot=slot).count() == 2
