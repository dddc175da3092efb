"""Fast inserts of many rows, for imports and the demo: COPY on PostgreSQL, executemany elsewhere; and
the memory a night job's big reads may use on PostgreSQL (``work_mem``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from django.db import connection, models


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (values in ``columns`` order, database column names) in one round trip.

    Values go in as given: encrypted fields must already hold their tokens (see EncryptedField).
    """
    if not rows:
        return
    qn = connection.ops.quote_name
    table, cols = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # psycopg 3
                for r in rows:
                    copy.write_row(r)
        else:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


# A night job's reads over the whole city: ``x IN (subquery)`` over a tag held by half a million persons
# is hashed only when the hash fits in work_mem × hash_mem_multiplier; PostgreSQL's default (4 MB)
# holds a district's, and over a city it rescans the subquery for every person instead (hours).
BULK_WORK_MEM_MB = 64


@contextlib.contextmanager
def bulk_reads(megabytes: int = BULK_WORK_MEM_MB) -> Iterator[None]:
    """While inside, this connection's ``work_mem`` is at least ``megabytes`` (PostgreSQL; elsewhere
    nothing): a city's id sets are hashed once rather than rescanned per row. JIT compilation, off for
    pages (settings), is on: a night's statements run long enough to repay it. Restored on leaving."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cur:
        cur.execute(
            "SELECT current_setting('work_mem'), pg_size_bytes(current_setting('work_mem')),"
            " current_setting('jit')"
        )
        before, size, jit = cur.fetchone()
        raise_it = size < megabytes * 2**20
        if raise_it:
            cur.execute(f"SET work_mem = '{int(megabytes)}MB'")
        cur.execute("SET jit = on")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            if raise_it:
                cur.execute("SELECT set_config('work_mem', %s, false)", [before])
            cur.execute("SELECT set_config('jit', %s, false)", [jit])


# PostgreSQL type OIDs → the big-endian NumPy type of their binary COPY form
_BINARY_TYPES = {16: ">?", 21: ">i2", 23: ">i4", 20: ">i8", 700: ">f4", 701: ">f8"}
_COPY_HEADER = b"PGCOPY\n\xff\r\n\0" + b"\0\0\0\0" + b"\0\0\0\0"
_COPY_TRAILER = b"\xff\xff"


def insert_arrays(
    model: type[models.Model],
    columns: dict[str, Any],
    nulls: dict[str, np.ndarray] | None = None,
) -> int:
    """Insert one row per element of the arrays in ``columns`` (database column name → NumPy array, or
    a constant for every row); ``nulls`` marks, per column, the rows where it is NULL. The number of rows.

    On PostgreSQL the rows go in as one binary COPY built by NumPy (no Python object per row: millions
    of rows a second on the client side); elsewhere as ``insert_rows``."""
    nulls = nulls or {}
    size = next((len(v) for v in columns.values() if isinstance(v, np.ndarray)), 0)
    if not size:
        return 0
    if connection.vendor != "postgresql":
        cols = []
        for name, v in columns.items():
            column = v.tolist() if isinstance(v, np.ndarray) else [v] * size
            mask = nulls.get(name)
            cols.append(
                column
                if mask is None
                else [None if m else x for x, m in zip(column, mask.tolist(), strict=True)]
            )
        insert_rows(model, list(columns), list(zip(*cols, strict=True)))
        return size
    qn = connection.ops.quote_name
    table, cols_sql = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {cols_sql} FROM {table} LIMIT 0")
        oids = [d.type_code for d in cur.description]
        # rows of one NULL pattern share one fixed layout; each pattern is one block of the COPY
        masks = [nulls.get(name, np.zeros(size, dtype=bool)) for name in columns]
        pattern = np.zeros(size, dtype=np.int64)
        for i, m in enumerate(masks):
            pattern |= m.astype(np.int64) << i
        blocks = [_COPY_HEADER]
        for key in np.unique(pattern).tolist():
            rows = np.flatnonzero(pattern == key)
            fields: list[tuple[str, str]] = [("count", ">i2")]
            values: dict[str, Any] = {"count": len(columns)}
            for i, (v, oid) in enumerate(zip(columns.values(), oids, strict=True)):
                if key >> i & 1:
                    fields.append((f"len{i}", ">i4"))
                    values[f"len{i}"] = -1
                    continue
                if oid in _BINARY_TYPES:
                    kind = _BINARY_TYPES[oid]
                    data = v[rows] if isinstance(v, np.ndarray) else v
                else:  # text: a constant
                    raw = str(v).encode()
                    kind, data = f"S{len(raw)}", raw
                fields.append((f"len{i}", ">i4"))
                values[f"len{i}"] = np.dtype(kind).itemsize
                fields.append((f"v{i}", kind))
                values[f"v{i}"] = data
            out = np.empty(len(rows), dtype=fields)
            for name, value in values.items():
                out[name] = value
            blocks.append(out.tobytes())
        blocks.append(_COPY_TRAILER)
        with cur.cursor.copy(f"COPY {table} ({cols_sql}) FROM STDIN (FORMAT BINARY)") as copy:
            for block in blocks:
                copy.write(block)
    return size
