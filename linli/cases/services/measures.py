"""诉求统计的月汇总 (``CaseMonth``): the nightly roll, the full recount, and the delta an action on a
request already summarised brings in the same transaction.

The summary holds the requests received up to ``CaseMonthMark.through`` (a local date): every night
``case_measures_roll`` adds the days since (one ``INSERT … SELECT … GROUP BY`` per dimension, ``ON
CONFLICT DO UPDATE SET n = n + d``) and moves the mark; the first run, or ``full=True``, recounts
everything. A later action on a request received by then moves its counts by delta (``tracked``: its
contribution read before and after the write, the difference added). Requests received after the mark
are counted live by the selectors. A writer learns the mark under a shared lock of the mark's row and
the roll takes that row exclusively, so no action falls between the two (PostgreSQL; SQLite writes
one at a time anyway).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, DateField, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Substr, TruncMonth
from django.utils import timezone

from linli.cases import selectors
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, CaseMonth, CaseMonthMark, MeasureDim

COUNTERS = selectors.MEASURE_COUNTERS
# (dim, month, area, key) → the seven counters
Tally = dict[tuple[str, dt.date, str, int], list[int]]


def _mark(*, lock: str = "") -> dt.date | None:
    """The summary's last day (None: nothing summarised), read under ``lock`` on PostgreSQL:
    ``KEY SHARE`` for a writer, ``UPDATE`` for the roll."""
    table = CaseMonthMark._meta.db_table
    suffix = f" FOR {lock}" if lock and connection.vendor == "postgresql" else ""
    with connection.cursor() as cur:
        cur.execute(f"SELECT through FROM {table} ORDER BY id LIMIT 1{suffix}")
        row = cur.fetchone()
    if row is None or row[0] is None:
        return None
    return row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(str(row[0])[:10])


def local_day(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


# --- the delta of one action ---------------------------------------------------------------------

_FIELDS = (
    "pk",
    "status",
    "received_at",
    "region_id",
    "region_code",
    "category_id",
    "handler_org_id",
    "handler_region_id",
    "coordinator_id",
    "responded_at",
    "response_due",
    "replied_at",
    "resolve_due",
    "resolved",
    "rating",
)


def _counts(row: dict[str, Any]) -> list[int]:
    """The seven counters of one request, as ``selectors.MEASURE_COUNTERS`` count them in SQL."""
    responded, replied = row["responded_at"], row["replied_at"]
    return [
        1,
        int(responded is not None and row["response_due"] is not None and responded <= row["response_due"]),
        int(replied is not None),
        int(replied is not None and row["resolve_due"] is not None and replied <= row["resolve_due"]),
        int(replied is not None and row["resolved"] is True),
        int(row["rating"] != ""),
        int(row["rating"] in (wf.SATISFIED, wf.BASIC)),
    ]


def _add(tally: Tally, row: dict[str, Any], sign: int) -> None:
    if row["status"] == wf.MERGED:
        return
    month = local_day(row["received_at"]).replace(day=1)
    code = row["region_code"]
    counts = _counts(row)
    unit = (
        (MeasureDim.ORG, row["handler_org_id"])
        if row["handler_org_id"] is not None
        else (MeasureDim.UNIT, row["handler_region_id"] or row["coordinator_id"] or 0)
    )
    for dim, area, key in (
        (MeasureDim.PLACE, code, row["region_id"]),
        (MeasureDim.CATEGORY, code[:9], row["category_id"]),
        (unit[0], code[:9], unit[1]),
    ):
        slot = tally.setdefault((str(dim), month, area, key), [0] * len(COUNTERS))
        for i, n in enumerate(counts):
            slot[i] += sign * n


def _rows(ids: Iterable[int]) -> list[dict[str, Any]]:
    return list(Case.objects.filter(pk__in=list(ids)).order_by("pk").values(*_FIELDS))


def tracked(case: Case) -> list[dict[str, Any]] | None:
    """Before a write to ``case``: its counted state if the summary holds it (received on or before
    the mark), else None (counted live, nothing to move). Takes the mark's row in ``KEY SHARE``: the
    roll waits for this transaction."""
    through = _mark(lock="KEY SHARE")
    if through is None or local_day(case.received_at) > through:
        return None
    return _rows([case.pk])


def tracked_apply(before: list[dict[str, Any]] | None, case_ids: Iterable[int]) -> None:
    """After the write: add (state now − ``before``) to the summary, in the same transaction."""
    if before is None:
        return
    tally: Tally = {}
    for row in before:
        _add(tally, row, -1)
    for row in _rows(case_ids):
        _add(tally, row, 1)
    apply(tally)


def apply(tally: Tally) -> None:
    """Add ``tally`` to ``CaseMonth``: one ``INSERT … ON CONFLICT DO UPDATE SET n = n + d``, the keys in
    one fixed order (two writers never wait on each other's rows crosswise)."""
    rows = [(*k, *v) for k, v in sorted(tally.items()) if any(v)]
    if not rows:
        return
    pg = connection.vendor == "postgresql"
    table = CaseMonth._meta.db_table
    cols = ("dim", "month", "area_code", "key", *COUNTERS)
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
    marks = "(" + ", ".join(["%s"] * len(cols)) + ")"
    with connection.cursor() as cur:
        for i in range(0, len(rows), 300):
            part = rows[i : i + 300]
            params: list[Any] = [
                v.isoformat() if isinstance(v, dt.date) and not pg else v for r in part for v in r
            ]
            cur.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([marks] * len(part))}"
                f" ON CONFLICT (dim, month, area_code, key) DO UPDATE SET {sets}",
                params,
            )


# --- the nightly roll ----------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _grouped(cases: QuerySet[Case]) -> list[tuple[str, list[Any]]]:
    """One ``SELECT … GROUP BY`` per dimension over ``cases``, as (sql, params) to insert from."""
    base = cases.exclude(status=wf.MERGED).annotate(
        _m=TruncMonth("received_at", output_field=DateField()),
        _code=Substr("region_code", 1, 12),
        _street=Substr("region_code", 1, 9),
    )
    dims: list[tuple[str, QuerySet[Case], str, Any]] = [  # (dim, requests, area, key)
        (MeasureDim.PLACE, base, "_code", Cast("region_id", BigIntegerField())),
        (MeasureDim.CATEGORY, base, "_street", Cast("category_id", BigIntegerField())),
        (
            MeasureDim.ORG,
            base.filter(handler_org__isnull=False),
            "_street",
            Cast("handler_org_id", BigIntegerField()),
        ),
        (
            MeasureDim.UNIT,
            base.filter(handler_org__isnull=True),
            "_street",
            Coalesce("handler_region_id", "coordinator_id", Value(0), output_field=BigIntegerField()),
        ),
    ]
    out = []
    for dim, qs, area, key in dims:
        grouped = (
            qs.annotate(_d=Value(str(dim)), _k=key)
            .values("_d", "_m", area, "_k")
            .annotate(**{f"_{c}": agg for c, agg in selectors.measure_aggregates().items()})
            .order_by()
        )
        sql, params = grouped.query.sql_with_params()
        out.append((sql, list(params)))
    return out


def case_measures_roll(*, through: dt.date | None = None, full: bool = False) -> dict[str, Any]:
    """Bring the summary up to ``through`` (default yesterday): add the requests received since the
    mark (all of them the first time, or with ``full``), then move the mark — under the mark's row
    lock, so no action on a request falls between the count and the mark."""
    through = through or timezone.localdate() - dt.timedelta(days=1)
    table = CaseMonth._meta.db_table
    cols = ", ".join(("dim", "month", "area_code", "key", *COUNTERS))
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
    with transaction.atomic():
        if not CaseMonthMark.objects.exists():
            CaseMonthMark.objects.create()
        since = _mark(lock="UPDATE")
        recount = full or since is None
        if not recount and since is not None and since >= through:
            return {"through": since.isoformat(), "full": False, "rows": 0}
        cases = Case.objects.filter(received_at__lt=_day_start(through + dt.timedelta(days=1)))
        if not recount and since is not None:
            cases = cases.filter(received_at__gte=_day_start(since + dt.timedelta(days=1)))
        added = 0
        with connection.cursor() as cur:
            if recount:
                cur.execute(f"DELETE FROM {table}")
            for sql, params in _grouped(cases):
                cur.execute(
                    f"INSERT INTO {table} ({cols}) {sql} ON CONFLICT (dim, month, area_code, key)"
                    f" DO UPDATE SET {sets}",
                    params,
                )
                added += max(cur.rowcount, 0)
        CaseMonthMark.objects.update(through=through, updated_at=timezone.now())
    return {"through": through.isoformat(), "full": recount, "rows": added}


def case_measures_counted(cases: QuerySet[Case] | None = None) -> Tally:
    """The summary a full recount of ``cases`` would hold, counted in Python (for checks)."""
    tally: Tally = {}
    for row in (cases if cases is not None else Case.objects.all()).order_by("pk").values(*_FIELDS):
        _add(tally, row, 1)
    return {k: v for k, v in tally.items() if any(v)}


def summary_now() -> Tally:
    """The summary as stored (for checks)."""
    return {
        (r.dim, r.month, r.area_code, r.key): [getattr(r, c) for c in COUNTERS]
        for r in CaseMonth.objects.all()
        if any(getattr(r, c) for c in COUNTERS)
    }
