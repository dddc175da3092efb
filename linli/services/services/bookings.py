"""Bookings: a place taken, moved, confirmed, served, rated and cancelled; reminders before the day.

A place is taken by one conditional UPDATE (``booked = booked + 1 WHERE booked < capacity``), which
the database applies atomically on SQLite and PostgreSQL alike, before anything else is written; the
CHECK constraint ``booked <= capacity`` stands behind it. One active booking per person and slot is a
partial unique constraint: the loser gets ``Conflict`` ``booking.duplicate``, a full slot
``booking.slot_full``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from linli.core.errors import Conflict, Forbidden, invalid
from linli.core.models import User
from linli.core.roles import Role
from linli.core.scope import require_object_in_scope
from linli.registry.models import Person
from linli.services.models import (
    ACTIVE_BOOKING,
    Booking,
    BookingStatus,
    Need,
    NeedStatus,
    Service,
    ServiceStatus,
    Slot,
    SlotStatus,
)
from linli.services.services.common import eligibility, out_of_scope, person_groups, require_staff


def _booking_person(actor: User, person: Person | None) -> Person:
    if person is None:
        if actor.role == Role.RESIDENT and actor.person_id:
            assert actor.person is not None
            return actor.person
        raise invalid("person", "请选择预约的居民", "booking.person_required")
    if actor.role == Role.RESIDENT:
        if not actor.person_id or (
            person.pk != actor.person_id
            and (
                actor.person is None
                or not actor.person.household_id
                or person.household_id != actor.person.household_id
            )
        ):
            raise out_of_scope("居民只能为本人或同户家人预约", "booking.not_household")
    else:
        require_staff(actor)
        require_object_in_scope(actor, person)
    return person


def _take_place(slot_id: int) -> None:
    """Take one place of the slot atomically, or raise the reason none is free (nothing written)."""
    now = timezone.now()
    took = Slot.objects.filter(
        pk=slot_id, booked__lt=F("capacity"), starts_at__gt=now, status=SlotStatus.OPEN
    ).update(booked=F("booked") + 1)
    if took:
        return
    slot = Slot.objects.filter(pk=slot_id).select_related("service").first()
    if slot is None:
        raise invalid("slot", "预约时段不存在", "booking.slot_missing")
    if slot.starts_at <= now:
        raise invalid("slot", f"时段 {slot} 已经开始或已过去，不能预约", "booking.slot_past")
    if slot.status != SlotStatus.OPEN:
        raise invalid("slot", f"时段 {slot} 已停约", "booking.slot_closed")
    raise Conflict("slot", f"时段 {slot} 已约满（共 {slot.capacity} 个名额）", code="booking.slot_full")


def booking_create(*, actor: User, slot_id: int, person: Person | None = None, note: str = "") -> Booking:
    """Book one place of a slot for ``person`` (the resident themself by default)."""
    person = _booking_person(actor, person)
    with transaction.atomic():
        try:
            _take_place(slot_id)  # first: the write lock is taken before any read (no lock upgrade on SQLite)
        except Conflict:  # full: say so, unless the place this person asks for is already theirs
            if Booking.objects.filter(slot_id=slot_id, person=person, status__in=ACTIVE_BOOKING).exists():
                raise Conflict("slot", f"{person.name}已预约了这个时段", code="booking.duplicate") from None
            raise
        slot = Slot.objects.select_related("service", "service__region").get(pk=slot_id)
        service = slot.service
        if service.status != ServiceStatus.ACTIVE or not service.bookable:
            raise invalid("slot", f"“{service.name}”目前不接受预约", "booking.closed")
        reason = eligibility(
            service, region_code=person.region.code, groups=person_groups(person), age=person.age
        )
        if reason:
            raise invalid(
                "person", f"{person.name}不符合“{service.name}”的服务对象：{reason}", "booking.not_eligible"
            )
        try:  # the partial unique constraint refuses a second active booking of the same slot
            booking = Booking.objects.create(
                slot=slot,
                service=service,
                person=person,
                booked_by=actor,
                note=note[:200],
            )
        except IntegrityError as exc:  # the whole transaction (and the place taken) is rolled back
            raise Conflict("slot", f"{person.name}已预约了这个时段", code="booking.duplicate") from exc
    return booking


def _require_booking_access(actor: User, booking: Booking) -> None:
    if actor.role == Role.RESIDENT:
        _booking_person(actor, booking.person)
    else:
        require_staff(actor)
        require_object_in_scope(actor, booking)


def _release(booking: Booking) -> None:
    Slot.objects.filter(pk=booking.slot_id, booked__gt=0).update(booked=F("booked") - 1)


def booking_cancel(*, actor: User, booking: Booking, reason: str = "") -> Booking:
    _require_booking_access(actor, booking)
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status not in ACTIVE_BOOKING:
            raise invalid("status", f"预约{locked.get_status_display()}，不能取消", "booking.not_active")
        locked.status, locked.cancelled_at = BookingStatus.CANCELLED, timezone.now()
        if reason:
            locked.note = reason[:200]
        locked.save(update_fields=["status", "cancelled_at", "note"])
        _release(locked)
    return locked


def bookings_cancel_on_departure(*, person: Person, on: dt.date, by: User | None = None) -> int:
    """迁出 / 死亡: the person's active bookings from ``on`` are cancelled (the registry calls this through
    ``registry.hooks.departures``, inside its transaction); returns how many."""
    start = timezone.make_aware(dt.datetime.combine(on, dt.time.min))
    rows = list(
        Booking.objects.select_for_update()
        .filter(person=person, status__in=ACTIVE_BOOKING, slot__starts_at__gte=start)
        .order_by("pk")
    )
    now = timezone.now()
    for booking in rows:
        booking.status, booking.cancelled_at = BookingStatus.CANCELLED, now
        booking.note = "预约人已迁出或去世，预约自动取消"
        booking.save(update_fields=["status", "cancelled_at", "note"])
        _release(booking)
    return len(rows)


def booking_reschedule(*, actor: User, booking: Booking, slot_id: int) -> Booking:
    """Move a booking to another slot of the same service: the new place is taken before the old is freed."""
    _require_booking_access(actor, booking)
    if booking.status not in ACTIVE_BOOKING:
        raise invalid("status", f"预约{booking.get_status_display()}，不能改约", "booking.not_active")
    target = Slot.objects.filter(pk=slot_id).first()
    if target is None or target.service_id != booking.service_id:
        raise invalid("slot", "只能改约同一服务的其他时段", "booking.other_service")
    if target.pk == booking.slot_id:
        raise invalid("slot", "新时段与原时段相同", "booking.same_slot")
    with transaction.atomic():
        new = booking_create(actor=actor, slot_id=slot_id, person=booking.person, note=booking.note)
        booking_cancel(actor=actor, booking=booking, reason=f"改约至 {target}")
    return new


def booking_confirm(*, actor: User, booking: Booking) -> Booking:
    """Confirm a booking: one conditional UPDATE, so a cancel or a second confirm at the same moment loses."""
    require_staff(actor)
    require_object_in_scope(actor, booking)
    now = timezone.now()
    done = Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
        status=BookingStatus.CONFIRMED, confirmed_at=now
    )
    booking.refresh_from_db(fields=["status", "confirmed_at"])
    if not done:
        raise invalid("status", f"预约{booking.get_status_display()}，不能确认", "booking.not_booked")
    return booking


def booking_serve(*, actor: User, booking: Booking, record: str, attended: bool = True) -> Booking:
    """Record the service given (or that the resident did not come).

    The status moves by one conditional UPDATE from an active status, so a cancellation at the same
    moment either happens first (and serving is refused) or is refused itself.
    """
    require_staff(actor)
    require_object_in_scope(actor, booking)
    if attended and len(record.strip()) < 2:
        raise invalid("record", "请填写服务记录（至少 2 个字）", "booking.record_required")
    with transaction.atomic():
        done = Booking.objects.filter(pk=booking.pk, status__in=ACTIVE_BOOKING).update(
            status=BookingStatus.SERVED if attended else BookingStatus.NO_SHOW,
            served_at=timezone.now(),
            service_record=record.strip()[:500],
        )
        booking.refresh_from_db(fields=["status", "served_at", "service_record"])
        if not done:
            raise invalid("status", f"预约{booking.get_status_display()}，不能登记服务", "booking.not_active")
        Need.objects.filter(booking=booking, status=NeedStatus.MATCHED).update(status=NeedStatus.SERVED)
    return booking


def booking_rate(*, actor: User, booking: Booking, stars: int, comment: str = "") -> Booking:
    """好差评: the resident rates a service given; the service's satisfaction figure follows."""
    if actor.role != Role.RESIDENT:
        raise Forbidden("评价由接受服务的居民本人填写", code="booking.rate_by_resident")
    _booking_person(actor, booking.person)
    if not 1 <= stars <= 5:
        raise invalid("stars", "评价应为 1–5 星", "booking.stars_invalid")
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status != BookingStatus.SERVED:
            raise invalid("stars", "服务完成后才能评价", "booking.not_served")
        if locked.rating is not None:
            raise Conflict("stars", "已经评价过了", code="booking.already_rated")
        locked.rating, locked.rating_comment, locked.rated_at = stars, comment.strip()[:300], timezone.now()
        locked.save(update_fields=["rating", "rating_comment", "rated_at"])
        Service.objects.filter(pk=locked.service_id).update(
            rating_count=F("rating_count") + 1, rating_good=F("rating_good") + (1 if stars >= 4 else 0)
        )
    return locked


def bookings_remind(*, now: dt.datetime | None = None, hours: int = 24) -> list[int]:
    """Mark (and return) the active bookings starting within ``hours`` that have not been reminded.

    The message itself goes out through the resident's channel (SMS gateway, WeChat) where one is
    configured; here the reminder is recorded and shown on the resident's bookings page.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Booking.objects.filter(
                status__in=ACTIVE_BOOKING,
                reminded_at__isnull=True,
                slot__starts_at__gt=now,
                slot__starts_at__lte=now + dt.timedelta(hours=hours),
            ).values_list("pk", flat=True)
        )
        Booking.objects.filter(pk__in=due).update(reminded_at=now)
    return due


# --- the bookings' kept region codes ---------------------------------------------------------------
# ``Booking.region_code`` is its resident's region's code and ``provider_code`` its service's: staff scope
# reads them (``core.scope``). A move through the registry's pages or API reaches ``bookings_follow``
# inside its transaction; a registry import moves residents without that seam, so the night compares
# them all (``bookings_codes_reconcile``): one join, 1.3 M bookings at 广州.

_RESIDENT_CODES = """
UPDATE services_booking SET region_code = r.code
FROM registry_person p JOIN regions_region r ON r.id = p.region_id
WHERE p.id = services_booking.person_id AND services_booking.region_code <> r.code{persons}
"""
_SERVICE_CODES = """
UPDATE services_booking SET provider_code = r.code
FROM services_service s JOIN regions_region r ON r.id = s.region_id
WHERE s.id = services_booking.service_id AND services_booking.provider_code <> r.code
"""
FOLLOW_CHUNK = 500


def bookings_codes_reconcile(*, person_ids: list[int] | None = None) -> int:
    """Set the kept codes of the bookings that differ from their resident's and service's regions (of
    ``person_ids``' bookings only, when given: their services' codes are kept by ``service_save``);
    returns how many codes changed."""
    changed = 0
    with connection.cursor() as cur:
        if person_ids is None:
            cur.execute(_RESIDENT_CODES.format(persons=""))
            changed += max(cur.rowcount, 0)
            cur.execute(_SERVICE_CODES)
            changed += max(cur.rowcount, 0)
            return changed
        for i in range(0, len(person_ids), FOLLOW_CHUNK):
            part = person_ids[i : i + FOLLOW_CHUNK]
            marks = ", ".join(["%s"] * len(part))
            cur.execute(_RESIDENT_CODES.format(persons=f" AND p.id IN ({marks})"), part)
            changed += max(cur.rowcount, 0)
    return changed


def bookings_follow(*, person_ids: list[int], household_ids: list[int], by: Any = None) -> None:
    """The registry changed these persons and households (``registry.hooks.changed``, inside its
    transaction): their bookings take their region's code now, so the community they moved to sees
    them as its residents' (the service's community still does, through ``provider_code``)."""
    ids = set(person_ids)
    if household_ids:
        ids |= set(Person.objects.filter(household_id__in=household_ids).values_list("pk", flat=True))
    if ids:
        bookings_codes_reconcile(person_ids=sorted(ids))


@task()
def bookings_codes_task() -> int:
    """Background task: the night's comparison of every booking's kept codes (safe to retry)."""
    return bookings_codes_reconcile()


@task()
def bookings_remind_task() -> int:
    """Background task (safe to retry: already reminded bookings are skipped)."""
    return len(bookings_remind())
