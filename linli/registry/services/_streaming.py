"""How the registry's imports run: a file streamed, every row validated, rows written in batches
inside one transaction (on PostgreSQL through one COPY), and the report of every problem.

``linli.registry.services.imports`` holds the three importers built on this.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

import numpy as np
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from linli.core.imports import ImportOutcome, Rollback, import_finish, import_progress
from linli.core.models import ImportRun, User
from linli.core.roles import IMPORTERS, effective_role
from linli.core.scope import VILLAGE_CODE_LENGTH, OutOfScope, scoped
from linli.core.tabular import Column, ErrorReport, TableError, read_table
from linli.regions.models import Level, Region
from linli.registry.models import Household, Person, PersonStatus
from linli.registry.services._common import REGION_ABSENT, violates
from linli.registry.services.counts import region_counts_rebuild

BATCH_SIZE = 5000  # rows validated, looked up and written together
Batch = list[tuple[int, dict[str, Any]]]  # (row number in the file, cleaned values)


class RegionCache:
    """Communities and grids of the actor's subtree, loaded once (a city has ~25 000)."""

    def __init__(self, by: User):
        qs = scoped(Region.objects.current().filter(level__in=[Level.COMMUNITY, Level.GRID]), by)
        self.by_code = dict(qs.values_list("code", "pk"))

    def get(self, code: str) -> int | None:
        """The region's primary key; None for a code that is unknown or outside the scope alike."""
        return self.by_code.get(code)


def clashing_key(exc: Exception, column: str) -> str | None:
    """The value a unique index refused, from PostgreSQL's "Key (column)=(value) already exists"."""
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    detail = getattr(getattr(cause, "diag", None), "message_detail", None) or str(exc)
    found = re.search(rf"\({re.escape(column)}\)=\((.*)\) already exists", detail)
    return found.group(1) if found else None


def report_code_clash(
    exc: IntegrityError, report: ErrorReport, seen: dict[str, int], column: str, label: str, table: str
) -> None:
    """An import batch refused by ``table``'s unique code (someone registered the code meanwhile):
    the report names the row that carries it; any other integrity error is raised as it is."""
    if not violates(exc, f"{table}_code", f"{table}.code"):
        raise exc
    code = clashing_key(exc, "code")
    report.add(seen.get(code, 1) if code else 1, column, f"{label}已存在（导入期间被他人登记）", code or "")


class SeenKeys:
    """The 64-bit keys (of ID numbers) a file has shown so far, each with the row it first came on.

    Kept as sorted numpy runs merged as they grow (a log-structured merge: a run is merged into the
    one before it once it is as long), so a look-up is a binary search in each of a few runs and a key
    costs 12 bytes: about 220 MB at the 18.7 M rows of a city's registry, where a dict took 140 bytes
    a key (2.6 GB).
    """

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys, their rows)

    def first_rows(self, keys: list[int]) -> list[int]:
        """For each key, the row it first came on, or 0 when it is new."""
        if not keys or not self.runs:
            return [0] * len(keys)
        wanted = np.array(keys, dtype=np.uint64)
        found = np.zeros(len(keys), dtype=np.int64)
        for run_keys, run_rows in self.runs:
            at = np.minimum(np.searchsorted(run_keys, wanted), len(run_keys) - 1)
            hit = run_keys[at] == wanted
            found[hit] = run_rows[at[hit]]
        return [int(r) for r in found]

    def add(self, rows_of: dict[int, int]) -> None:
        """Keys never seen before, with their rows."""
        if not rows_of:
            return
        keys = np.fromiter(rows_of.keys(), dtype=np.uint64, count=len(rows_of))
        rows = np.fromiter(rows_of.values(), dtype=np.int32, count=len(rows_of))
        order = np.argsort(keys, kind="stable")
        self.runs.append((keys[order], rows[order]))
        while len(self.runs) > 1 and len(self.runs[-1][0]) >= len(self.runs[-2][0]):
            (k2, r2), (k1, r1) = self.runs.pop(), self.runs.pop()
            keys, rows = np.concatenate([k1, k2]), np.concatenate([r1, r2])
            order = np.argsort(keys, kind="stable")
            self.runs.append((keys[order], rows[order]))

    def get(self, key: int) -> int | None:
        row = self.first_rows([key])[0]
        return row or None


class Lookups:
    """Reference and duplicate look-ups of an import.

    On PostgreSQL a real import streams every row through one COPY on the transaction's
    connection, so look-ups go through a second, read-only connection meanwhile (they need only
    committed rows; duplicates inside the file are caught by the import itself).
    """

    def __init__(self, side_connection: bool):
        self.side = None
        self.pool: ThreadPoolExecutor | None = None
        if side_connection and connection.vendor == "postgresql":
            import psycopg

            self.side = psycopg.connect(**connection.get_connection_params(), autocommit=True)
            # Its reads wait for no writer; but one queued behind a schema change, which itself waits
            # for this import's transaction, would wait for ever: after 30 s it fails instead.
            self.side.execute("SET lock_timeout = '30s'")
            # Its statements are look-ups by an indexed key. Statistics taken before a large import
            # (an empty table, say) would plan them as (parallel) scans of the whole table, which
            # then wade through every row this import has written so far, once per batch: 60 ms a
            # batch of 5 000 at 200 000 rows, growing with the file. The index is always right here.
            self.side.execute("SET enable_seqscan = off")
            self.side.execute("SET max_parallel_workers_per_gather = 0")

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
        if self.side is not None:
            self.side.close()

    def _pg(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        if self.side is not None:
            return self.side.execute(sql, params).fetchall()
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def registered_soon(self, indexes: list[str]) -> Callable[[], set[str]]:
        """``registered`` asked now and answered when called: on the side connection the query runs in
        a worker thread meanwhile (the caller encrypts the batch's rows while the server looks them
        up). Nothing else may use the side connection until the answer has been taken."""
        if self.side is None or not indexes:
            taken = self.registered(indexes) if indexes else set()
            return lambda: taken
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-lookups")
        return self.pool.submit(self.registered, indexes).result

    def registered(self, indexes: list[str]) -> set[str]:
        """Which of these ID blind indexes belong to registered (not moved-out) persons: one query."""
        if connection.vendor == "postgresql":  # one array parameter, not thousands of placeholders
            rows = self._pg(
                f"SELECT id_number_index FROM {Person._meta.db_table} "
                "WHERE id_number_index = ANY(%s) AND status <> %s",
                [indexes, PersonStatus.MOVED_OUT],
            )
            return {r[0] for r in rows}
        return set(
            Person.objects.filter(id_number_index__in=indexes)
            .exclude(status=PersonStatus.MOVED_OUT)
            .values_list("id_number_index", flat=True)
        )

    def households(self, codes: list[str]) -> list[tuple[str, int, int, str]]:
        if connection.vendor == "postgresql":
            h, r = Household._meta.db_table, Region._meta.db_table
            return self._pg(
                f"SELECT h.code, h.id, h.region_id, r.code FROM {h} h JOIN {r} r ON r.id = h.region_id "
                "WHERE h.code = ANY(%s)",
                [codes],
            )
        return list(
            Household.objects.filter(code__in=codes).values_list("code", "pk", "region_id", "region__code")
        )


def _refuse_query_while_copying(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise RuntimeError(
        "A query on the connection that streams an import's COPY would wait for ever: "
        "look it up before the stream starts, or through the import's side connection (Lookups)."
    )


class CopyStream:
    """One COPY … FROM STDIN kept open for a whole import; psycopg's queued writer sends rows from a
    worker thread, so the server inserts while the next rows are being validated.

    While it is open the connection can run nothing else (a query would wait for ever behind the
    stream), so every query Django would send on it meanwhile fails at once instead.
    """

    def __init__(self, model: type[models.Model], columns: list[str]):
        from psycopg.copy import QueuedLibpqWriter

        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        connection.ensure_connection()
        self.cursor = connection.connection.cursor()
        self.cm = self.cursor.copy(
            f"COPY {model._meta.db_table} ({cols}) FROM STDIN", writer=QueuedLibpqWriter(self.cursor)
        )
        self.copy = self.cm.__enter__()
        self.guard = connection.execute_wrapper(_refuse_query_while_copying)
        self.guard.__enter__()

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        for r in rows:
            self.copy.write_row(r)

    def close(self) -> None:
        """End the COPY; raises psycopg's error if the server refused a row (e.g. a unique index)."""
        self.guard.__exit__(None, None, None)
        try:
            self.cm.__exit__(None, None, None)
        finally:
            self.cursor.close()


def run_import(
    *,
    kind: str,
    raw: IO[bytes],
    filename: str,
    by: User,
    dry_run: bool,
    columns: list[Column],
    clean: Callable[[dict[str, str]], tuple[dict[str, Any], list[tuple[str, str]]]],
    flush: Callable[[list[tuple[int, dict[str, Any]]], ErrorReport, bool, dict[str, int]], int],
    finish: Callable[[ErrorReport], None] = lambda report: None,
    batch_size: int = BATCH_SIZE,
    run: ImportRun | None = None,
) -> ImportOutcome:
    """Stream the file, validate every row, and insert in batches inside one transaction.

    The first error stops inserting; validation goes on to the end so the report lists every
    problem; then the transaction is rolled back, so an import lands whole or not at all.
    ``finish`` ends what ``flush`` left open (a COPY) and reports a row the database refused.
    """
    if effective_role(by) not in IMPORTERS:
        raise OutOfScope("本账号的角色不能导入基础数据")
    started, t0 = timezone.now(), time.perf_counter()
    report = ErrorReport.for_columns(columns)
    headers = {c.key: c.header for c in columns}
    by_region: dict[str, int] = {}
    rows_total = created = 0
    batch: list[tuple[int, dict[str, Any]]] = []
    seen_rows: list[tuple[int, str]] = []  # (row, code or name) of the first rows, for the run's page
    try:
        with transaction.atomic():
            try:
                for n, row in read_table(raw, columns, filename):
                    rows_total += 1
                    cleaned, problems = clean(row)
                    for key, msg in problems:
                        report.add(n, headers.get(key, key), msg, row.get(key, ""))
                    batch.append((n, cleaned))
                    if len(seen_rows) < ROWS_LISTED:
                        seen_rows.append((n, str(cleaned.get("code") or cleaned.get("name") or "")))
                    if len(batch) >= batch_size:
                        created += flush(batch, report, dry_run or bool(report), by_region)
                        batch = []
                        if run is not None:
                            import_progress(run, rows_total)
                created += flush(batch, report, dry_run or bool(report), by_region)
            except TableError as exc:
                report.add(1, "", str(exc))
            finally:
                finish(report)  # ends an open COPY before anything else runs on the connection
            if rows_total == 0 and not report:
                report.add(2, "", "文件中没有数据行")
            if report or dry_run:
                raise Rollback
            # the imported communities recounted before the commit: the counts land with the rows.
            # A create-only import adds no 重复登记 (households and buildings carry no number; a
            # person's number no registered person has), so those counts stay as they are.
            if by_region:
                region_counts_rebuild(
                    codes=sorted({code[:VILLAGE_CODE_LENGTH] for code in by_region}), duplicates=False
                )
    except Rollback:
        pass
    return import_finish(
        kind=kind,
        label=kind,
        filename=filename,
        by=by,
        dry_run=dry_run,
        report=report,
        rows=rows_total,
        created=created,
        by_region=by_region,
        started=started,
        t0=t0,
        run=run,
        summary={"rows_listed": listed_rows(report, seen_rows)},
    )


ROWS_LISTED = 2000  # rows of a file whose outcome the run keeps for its page


def listed_rows(report: ErrorReport, rows: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """The outcome of the first rows of a create-only import: 新增, or 拒绝 with its reasons."""
    reasons: dict[int, list[str]] = {}
    for e in report.sorted():
        reasons.setdefault(e.row, []).append(f"{e.column}：{e.message}" if e.column else e.message)
    out: list[dict[str, Any]] = [
        {
            "row": n,
            "label": label,
            "outcome": "refused" if n in reasons else "created",
            "reasons": reasons.get(n, []),
        }
        for n, label in rows
    ]
    listed = {n for n, _ in rows}
    out += [  # a problem of the file as a whole (row 1), or of a row past those listed
        {"row": n, "label": "", "outcome": "refused", "reasons": r}
        for n, r in reasons.items()
        if n not in listed
    ][: max(ROWS_LISTED - len(out), 50)]
    return sorted(out, key=lambda r: r["row"])


class CodedRows:
    """The rows of an import that each carry a unique code (households, buildings): the code must
    not repeat an earlier row of the file nor one registered already, and the row's region must be
    one the account may write."""

    def __init__(self, *, head: dict[str, str], regions: RegionCache, label: str, table: str):
        self.head, self.regions, self.label, self.table = head, regions, label, table
        self.seen: dict[str, int] = {}  # code → the first row of the file that carries it

    def check(self, n: int, p: dict[str, Any], report: ErrorReport, taken: set[str]) -> int | None:
        """Report the row's code when it repeats or is taken; return the row's region, None
        (reported) when it is unknown or outside the account's scope."""
        if p["code"] in self.seen:
            report.add(n, self.head["code"], f"与文件第 {self.seen[p['code']]} 行重复", p["code"])
        self.seen.setdefault(p["code"], n)
        if p["code"] in taken:
            report.add(n, self.head["code"], f"{self.label}已存在", p["code"])
        region_id = self.regions.get(p["region_code"])
        if region_id is None:
            report.add(n, self.head["region_code"], REGION_ABSENT, p["region_code"])
        return region_id

    def write(self, write: Callable[[], None], report: ErrorReport) -> bool:
        """Run ``write`` in a savepoint (the rest of the file is still checked after a clash); a code
        someone registered meanwhile is reported on the row that carries it, and False returned."""
        try:
            with transaction.atomic():
                write()
        except IntegrityError as exc:
            report_code_clash(exc, report, self.seen, self.head["code"], self.label, self.table)
            return False
        return True
