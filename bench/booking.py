"""Benchmark: many residents booking the last places of one slot at once, on PostgreSQL.

1 000 attempts (each a different resident) race, from a pool of worker threads each with its own
database connection, for the last 10 places of a slot (capacity 50, 40 already taken). Compared:

- the project: ``linli.services.services.booking_create`` — one conditional
  ``UPDATE … SET booked = booked + 1 WHERE booked < capacity`` first, then the checks and the insert;
- peer ``select_for_update``: lock the slot row (``SELECT … FOR UPDATE``), check, save, insert;
- peer ``naive``: read ``booked``, check in Python, write ``booked + 1`` back, insert (no lock) — the
  usual bug, shown to overbook.

Each case ends by counting the bookings of the slot (the goal: exactly 10) and prints attempts per
second and bookings per second; a second round gives 1 000 free places to 1 000 attempts so that the
bookings/second figure measures throughput when every attempt succeeds.

    python bench/booking.py --pg-url postgres://linli:linli@127.0.0.1:5432/postgres
    python bench/booking.py --quick ...   # 200 attempts

The script creates (and at the end drops) its own database ``linli_bench_booking`` on that server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pgbench_db import pg_reset, pool_run, setup_django  # noqa: E402  (after the project root is on the path)

DB_NAME = "linli_bench_booking"


def world(attempts: int) -> tuple[Any, Any, list[Any]]:
    from linli.core.models import User
    from linli.core.roles import Role
    from linli.registry.models import Person
    from linli.services.models import Service, TaxonomyTerm
    from linli.testing.factories import PersonFactory, build_region_tree

    tree = build_region_tree()
    worker = User.objects.create(username="bench_worker", role=Role.COMMUNITY_WORKER, region=tree.community_a)
    people = [PersonFactory.build(region=tree.grid_a1) for _ in range(attempts)]
    Person.objects.bulk_create(people, batch_size=1000)
    service = Service.objects.create(
        name="长者助餐（压测）",
        kind="public",
        category=TaxonomyTerm.objects.get(code="elderly_meal"),
        region=tree.community_a,
        opening_hours={str(d): [["08:00", "20:00"]] for d in range(1, 8)},
        capacity=50,
    )
    return (
        worker,
        service,
        list(Person.objects.filter(region=tree.grid_a1).select_related("region").order_by("pk")[:attempts]),
    )


def new_slot(service: Any, capacity: int, booked: int, offset: int) -> Any:
    from django.utils import timezone

    from linli.services.models import Slot

    start = timezone.now() + dt.timedelta(days=1, hours=offset)
    return Slot.objects.create(
        service=service,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=capacity,
        booked=booked,
    )


def project_attempt(worker: Any, slot_id: int, person: Any) -> bool:
    from django.core.exceptions import ValidationError

    from linli.services import services

    try:
        services.booking_create(actor=worker, slot_id=slot_id, person=person)
        return True
    except ValidationError:
        return False


def sfu_attempt(worker: Any, slot_id: int, person: Any) -> bool:
    from django.db import transaction

    from linli.services.models import Booking, Slot

    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot_id)
        if slot.booked >= slot.capacity:
            return False
        slot.booked += 1
        slot.save(update_fields=["booked"])
        Booking.objects.create(slot=slot, service_id=slot.service_id, person=person, booked_by=worker)
    return True


def naive_attempt(worker: Any, slot_id: int, person: Any) -> bool:
    from django.db import IntegrityError, transaction

    from linli.services.models import Booking, Slot

    try:
        with transaction.atomic():
            booked, capacity, service_id = Slot.objects.values_list("booked", "capacity", "service_id").get(
                pk=slot_id
            )
            if booked >= capacity:
                return False
            time.sleep(0.001)  # the work between read and write that real code does
            Slot.objects.filter(pk=slot_id).update(booked=booked + 1)
            Booking.objects.create(slot_id=slot_id, service_id=service_id, person=person, booked_by=worker)
        return True
    except IntegrityError:
        return False


def run(fn: Any, worker: Any, slot: Any, people: list[Any], workers: int) -> tuple[float, int]:
    """``workers`` threads take residents from one queue; each thread keeps one connection and closes it."""
    from linli.services.models import Booking

    seconds = pool_run([functools.partial(fn, worker, slot.pk, p) for p in people], workers)
    return seconds, Booking.objects.filter(slot=slot).count()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--pg-url", default=os.environ.get("DATABASE_URL", ""), help="a PostgreSQL server (any database)"
    )
    ap.add_argument("--quick", action="store_true", help="200 attempts instead of 1 000")
    ap.add_argument(
        "--workers", type=int, default=24, help="concurrent threads (each with its own connection)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = ap.parse_args()
    if not args.pg_url.startswith("postgres"):
        sys.exit("--pg-url postgres://… is required (the race is measured on PostgreSQL)")
    attempts, places = (200 if args.quick else 1000), 10
    db_url = pg_reset(args.pg_url, DB_NAME)
    try:
        t0 = time.perf_counter()
        setup_django(db_url)
        worker, service, people = world(attempts)
        print(
            f"database {DB_NAME} migrated and filled in {time.perf_counter() - t0:.1f}s; {attempts} residents, {args.workers} threads"
        )
        results = {}
        print(
            f"\n{'case':<20} {'attempts':>8} {'places':>7} {'bookings':>9} {'seconds':>8} {'attempts/s':>11} {'bookings/s':>11}"
        )
        for i, (label, fn) in enumerate(
            [("project", project_attempt), ("select_for_update", sfu_attempt), ("naive", naive_attempt)]
        ):
            slot = new_slot(service, 50, 50 - places, i)
            seconds, bookings = run(fn, worker, slot, people, args.workers)
            slot.refresh_from_db()
            results[label] = (seconds, bookings, slot.booked)
            flag = (
                ""
                if bookings == places and slot.booked == 50
                else f"  <-- {bookings} bookings, booked={slot.booked}/50"
            )
            print(
                f"{label:<20} {attempts:>8} {places:>7} {bookings:>9} {seconds:>8.2f} {attempts / seconds:>11,.0f} {bookings / seconds:>11,.1f}{flag}"
            )
        # throughput when every attempt gets a place
        free = {}
        for i, (label, fn) in enumerate([("project", project_attempt), ("select_for_update", sfu_attempt)]):
            slot = new_slot(service, attempts, 0, 10 + i)
            seconds, bookings = run(fn, worker, slot, people, args.workers)
            free[label] = (seconds, bookings)
            print(
                f"{label + ' (all free)':<20} {attempts:>8} {attempts:>7} {bookings:>9} {seconds:>8.2f} {attempts / seconds:>11,.0f} {bookings / seconds:>11,.1f}"
            )
        ours, sfu, naive = results["project"], results["select_for_update"], results["naive"]
        assert ours[1] == places and ours[2] == 50, f"project overbooked or underbooked: {ours}"
        print(
            f"BENCH booking attempts={attempts} places={places} bookings={ours[1]} overbooked={max(0, ours[1] - places)} "
            f"attempts_per_s={attempts / ours[0]:.0f} bookings_per_s={free['project'][1] / free['project'][0]:.1f} "
            f"peer_sfu_attempts_per_s={attempts / sfu[0]:.0f} peer_sfu_bookings_per_s={free['select_for_update'][1] / free['select_for_update'][0]:.1f} "
            f"peer_naive_bookings={naive[1]} ratio={(attempts / ours[0]) / (attempts / sfu[0]):.2f}"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            pg_reset(args.pg_url, DB_NAME, drop_only=True)


if __name__ == "__main__":
    main()
