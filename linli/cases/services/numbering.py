"""Human numbers of requests (``20261122-000123``) and the one way a new request is written with one.

``case_insert`` is the only path: on PostgreSQL the serial comes from a sequence that every intake can
draw from at once (a counter row would make all intakes of a city queue behind one row lock), taken in
the same statement that inserts the request and its first event — one round trip, so it keeps
counting across days; elsewhere (SQLite, which writes one at a time anyway) a per-day counter row
restarts at 1 and the two rows are saved after it in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from linli.cases.models import Case, CaseCounter, CaseEvent
from linli.cases.services.caches import memo

NUMBER_SEQUENCE = "cases_case_number_seq"
SERIAL_DIGITS = 6


def case_insert(case: Case, event: CaseEvent, *, day: dt.date) -> None:
    """Give ``case`` the next number of ``day`` and insert it with its first ``event`` (atomically).

    A failed intake leaves a gap in the numbers, never a duplicate."""
    if connection.vendor == "postgresql":
        case_row = json.dumps(_row(case, skip="number"), ensure_ascii=False)
        event_row = json.dumps(_row(event, skip="case_id"), ensure_ascii=False)
        with connection.cursor() as cursor:
            cursor.execute(_one_statement_sql(), [f"{day:%Y%m%d}-", case_row, event_row])
            case.pk, case.number = cursor.fetchone()
        case._state.adding = False
        case._state.db = connection.alias
        event.case = case
        return
    with transaction.atomic():
        case.number = f"{day:%Y%m%d}-{_counter_next(day):0{SERIAL_DIGITS}d}"
        case.save(force_insert=True)
        event.case = case
        event.save(force_insert=True)


def _counter_next(day: dt.date) -> int:
    """The day's counter row, incremented (inside the caller's transaction, under the write lock)."""
    if CaseCounter.objects.filter(day=day).update(last=F("last") + 1):
        return CaseCounter.objects.values_list("last", flat=True).get(day=day)
    try:
        with transaction.atomic():
            CaseCounter.objects.create(day=day, last=1)
        return 1
    except IntegrityError:  # another writer created the day's row first
        return _counter_next(day)


def number_sequence_advance() -> None:
    """PostgreSQL: move the number sequence past the per-day counters (after bulk-loaded requests)."""
    if connection.vendor != "postgresql":
        return
    table = CaseCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval('{NUMBER_SEQUENCE}', GREATEST((SELECT COALESCE(max(last), 0) FROM {table}) + 1, "
            f"(SELECT last_value FROM {NUMBER_SEQUENCE})))"
        )


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return getattr(value, "obj", value)  # psycopg's Json/Jsonb adapters hold the object


def _row(obj: Any, *, skip: str) -> dict[str, Any]:
    """A new row as {column: value}, prepared as ``save`` prepares it (encrypted fields encrypted)."""
    return {
        f.column: _json_value(f.get_db_prep_save(f.pre_save(obj, True), connection))
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.attname != skip
    }


@memo
def _one_statement_sql() -> str:
    """Number, request and first event in one statement; each row travels as one JSON parameter
    (a few parameters keep the driver's parsed-query cache, 50 do not)."""
    table, events = Case._meta.db_table, CaseEvent._meta.db_table
    q = connection.ops.quote_name
    case_cols = [
        str(f.column) for f in Case._meta.concrete_fields if not f.primary_key and f.attname != "number"
    ]
    event_cols = [
        str(f.column) for f in CaseEvent._meta.concrete_fields if not f.primary_key and f.attname != "case_id"
    ]
    serial = f"lpad((nextval('{NUMBER_SEQUENCE}') %% 1{'0' * SERIAL_DIGITS})::text, {SERIAL_DIGITS}, '0')"
    return (
        f"WITH c AS (INSERT INTO {table} (number, {', '.join(q(c) for c in case_cols)}) "
        f"SELECT %s || {serial}, "
        f"{', '.join('r.' + q(c) for c in case_cols)} FROM json_populate_record(NULL::{table}, %s::json) r "
        f"RETURNING id, number) "
        f"INSERT INTO {events} (case_id, {', '.join(q(c) for c in event_cols)}) "
        f"SELECT c.id, {', '.join('e.' + q(c) for c in event_cols)} "
        f"FROM c, json_populate_record(NULL::{events}, %s::json) e RETURNING case_id, (SELECT number FROM c)"
    )
