"""Imports that cross batch boundaries: a bad reference at the end of a long file, a number someone
else registers meanwhile. Each must come back (never hang), with the row-and-column report, and
write nothing.

On PostgreSQL the persons import streams every batch through one COPY on its own connection: a
query on that connection while the COPY is open waits for ever (an unknown grid code after the
first batch used to do exactly that). These tests run the import in a thread with a deadline, so
a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection, transaction

from linli.core.engine.idnumber import make
from linli.core.imports import ImportOutcome
from linli.core.models import ImportRun
from linli.registry import services
from linli.registry.models import Building, BuildingKind, Household, Person
from linli.registry.services import imports as importing
from linli.registry.services._streaming import CopyStream, Lookups
from linli.testing.factories import BuildingFactory, World

TIMEOUT = 60  # seconds; an import of these files takes well under one
BATCH = 40  # the tests' batch size: small, so that a few hundred rows cross several batches
ROWS = 130
FRESH = make("350504", dt.date(2001, 2, 3), 9, "F")  # the last row's number, registered nowhere


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()`` in a thread; fail (and free the database) if it has not returned after ``seconds``."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            result["error"] = exc
        finally:
            connection.close()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        if connection.vendor == "postgresql":  # end the stuck import so the test database can go
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        worker.join(10)
        pytest.fail(f"the import had not returned after {seconds} s")
    if "error" in result:
        raise result["error"]
    return result["value"]


class CopySpy(CopyStream):
    """Counts the COPY streams the persons import opens (PostgreSQL's path)."""

    opened = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        CopySpy.opened += 1


@pytest.fixture
def copy_spy(monkeypatch: pytest.MonkeyPatch) -> type[CopySpy]:
    CopySpy.opened = 0
    monkeypatch.setattr(importing, "CopyStream", CopySpy)
    return CopySpy


def numbers(n: int, start: int = 0) -> list[str]:
    return [make("350504", dt.date(1960, 1, 1) + dt.timedelta(days=start + i), i, "M") for i in range(n)]


def persons_file(world: World, last: str) -> io.BytesIO:
    grid = world.tree.grid_a1.code
    body = "姓名,公民身份号码,所属网格编码,户编号\n"
    body += "".join(f"居民{i},{x},{grid},\n" for i, x in enumerate(numbers(ROWS)))
    return io.BytesIO((body + last + "\n").encode())


def import_persons(world: World, raw: io.BytesIO) -> ImportOutcome:
    by = world.accounts.community_worker
    return within(
        TIMEOUT, lambda: services.persons_import(raw=raw, filename="p.csv", by=by, batch_size=BATCH)
    )


def assert_rejected(outcome: ImportOutcome, row: int, column: str, message: str) -> None:
    assert outcome.run.status == ImportRun.Status.REJECTED and outcome.run.created == 0
    assert [(e.row, e.column, e.message) for e in outcome.report.errors] == [(row, column, message)]


@pytest.mark.django_db(transaction=True)
def test_unknown_grid_code_after_several_batches_is_reported_not_hung(world: World, copy_spy) -> None:
    before = Person.objects.count()
    outcome = import_persons(world, persons_file(world, f"末行,{FRESH},350504001001999,"))
    assert_rejected(outcome, ROWS + 2, "所属网格编码", services.REGION_ABSENT)
    assert Person.objects.count() == before
    if connection.vendor == "postgresql":  # the rows before the bad one went through the COPY
        assert copy_spy.opened == 1


@pytest.mark.django_db(transaction=True)
def test_a_grid_outside_the_scope_after_several_batches_reads_like_an_unknown_one(world: World) -> None:
    outside = import_persons(world, persons_file(world, f"末行,{FRESH},{world.tree.grid_b1.code},"))
    assert_rejected(outside, ROWS + 2, "所属网格编码", services.REGION_ABSENT)


@pytest.mark.django_db(transaction=True)
def test_unknown_household_and_registered_number_at_the_end(world: World, copy_spy) -> None:
    head = world.people.head.id_number.reveal()
    outcome = import_persons(world, persons_file(world, f"末行,{FRESH},,H-NOPE"))
    assert_rejected(outcome, ROWS + 2, "户编号", services.HOUSEHOLD_ABSENT)
    outcome = import_persons(world, persons_file(world, f"末行,{head},{world.tree.grid_a1.code},"))
    assert_rejected(outcome, ROWS + 2, "公民身份号码", services.ID_NUMBER_TAKEN)
    assert not Person.objects.filter(name__startswith="居民").exists()


@pytest.mark.django_db(transaction=True)
def test_a_number_registered_meanwhile_is_reported_on_its_row(world: World, monkeypatch) -> None:
    """The look-up said the number was free; by the time the rows land someone registered it."""
    real = Lookups.registered
    missed: list[set[str]] = []

    def free_the_first_time(self: Lookups, indexes: list[str]) -> set[str]:
        found = real(self, indexes)
        if found and not missed:  # as if the other registration committed just after this look-up
            missed.append(found)
            return set()
        return found

    monkeypatch.setattr(Lookups, "registered", free_the_first_time)
    head = world.people.head.id_number.reveal()
    outcome = import_persons(world, persons_file(world, f"末行,{head},{world.tree.grid_a1.code},"))
    assert_rejected(outcome, ROWS + 2, "公民身份号码", services.ID_NUMBER_TAKEN)
    assert not Person.objects.filter(name__startswith="居民").exists()
    assert Person.objects.filter(id_number_index=world.people.head.id_number_index).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY streams only on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_query_on_the_streaming_connection_fails_at_once(world: World) -> None:
    with transaction.atomic():
        stream = CopyStream(Person, ["name"])
        try:
            with pytest.raises(RuntimeError, match="wait for ever"):
                Person.objects.count()
        finally:
            stream.close()
        assert Person.objects.count() == 6  # the connection is usable again once the stream ends


@pytest.mark.django_db(transaction=True)
def test_households_import_with_a_bad_building_after_several_batches(world: World) -> None:
    grid = world.tree.grid_a1.code
    outside = BuildingFactory.create(code="B-B1-1", region=world.tree.grid_b1)
    body = "户编号,所属网格编码,楼栋编码\n" + "".join(f"H-{i:04d},{grid},\n" for i in range(ROWS))
    by = world.accounts.community_worker
    for bad in ("B-NOPE", outside.code):  # unknown, and a building of another community
        raw = io.BytesIO((body + f"H-LAST,{grid},{bad}\n").encode())
        outcome = within(
            TIMEOUT,
            partial(services.households_import, raw=raw, filename="h.csv", by=by, batch_size=BATCH),
        )
        assert_rejected(outcome, ROWS + 2, "楼栋编码", services.BUILDING_ABSENT)
    assert not Household.objects.filter(code__startswith="H-").exists()


@pytest.mark.django_db(transaction=True)
def test_buildings_import_with_a_bad_parent_after_several_batches(world: World) -> None:
    grid = world.tree.grid_a1.code
    BuildingFactory.create(
        code="EST-C", kind=BuildingKind.ESTATE, region=world.tree.grid_c1
    )  # another community
    body = "楼栋编码,名称,类型,所属网格编码,所属小区编码\n" + f"EST-A,阳光花园,小区,{grid},\n"
    body += "".join(f"B-{i:04d},阳光花园{i}号楼,楼栋,{grid},EST-A\n" for i in range(ROWS))
    by = world.accounts.community_worker
    for bad in ("EST-NOPE", "EST-C"):  # unknown, and an estate outside the account's scope
        raw = io.BytesIO((body + f"B-LAST,末栋,楼栋,{grid},{bad}\n").encode())
        outcome = within(
            TIMEOUT,
            partial(services.buildings_import, raw=raw, filename="b.csv", by=by, batch_size=BATCH),
        )
        assert_rejected(outcome, ROWS + 3, "所属小区编码", services.PARENT_ABSENT)
    assert not Building.objects.filter(code__startswith="B-").exists()
    # The same file with a good last row lands whole, every 楼栋 in the estate named earlier in the file.
    raw = io.BytesIO((body + f"B-LAST,末栋,楼栋,{grid},EST-A\n").encode())
    outcome = within(
        TIMEOUT, lambda: services.buildings_import(raw=raw, filename="b.csv", by=by, batch_size=BATCH)
    )
    assert outcome.run.status == ImportRun.Status.DONE and outcome.run.created == ROWS + 2
    estate = Building.objects.get(code="EST-A")
    assert Building.objects.filter(parent=estate).count() == ROWS + 1


@pytest.mark.django_db
def test_a_dry_run_reports_an_unknown_parent_too(world: World) -> None:
    """A dry run used to skip the parent check, so the real run failed where the check passed."""
    body = f"楼栋编码,名称,所属网格编码,所属小区编码\nB-1,一号楼,{world.tree.grid_a1.code},EST-NOPE\n"
    outcome = services.buildings_import(
        raw=io.BytesIO(body.encode()), filename="b.csv", by=world.accounts.community_worker, dry_run=True
    )
    assert [(e.row, e.column) for e in outcome.report.errors] == [(2, "所属小区编码")]
