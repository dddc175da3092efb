"""The stored Access rows of a recompute, written as a difference: only rows whose values changed.

A full recompute of a district computes every building × type in memory. The night before computed
nearly the same numbers (facility changes are brought up to date incrementally, see
``services.access_update``), so rewriting every row — a delete and a COPY of millions of rows a
district, with their index entries and WAL — is almost all waste. ``store_type`` reads the stored
rows of one type at a time (one index range scan on the ``(type, building)`` unique index; on
PostgreSQL a binary COPY read straight into a NumPy array, no Python object per row), compares them
with the new values column by column and writes only the rows that differ or are missing: deleted
and inserted again by key. The result is the table a delete-everything-and-insert would leave,
row for row (``tests/test_access_store.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection

from linli.core.bulk import insert_arrays
from linli.lifecircle.models import Access, Method

# the columns compared, in the order of ``_SELECT`` (NULL distances and minutes read as -1)
_SELECT = (
    "building_id::int8, coalesce(distance_m, -1)::float8, coalesce(minutes, -1)::float8, within::int4, "
    "threshold_min::int4, snap_m::float8, (method = 'network')::int4"
)
_SELECT_SQLITE = (
    "building_id, coalesce(distance_m, -1), coalesce(minutes, -1), within, threshold_min, snap_m, "
    "method = 'network'"
)
_FIELDS = [("b", "i8"), ("d", "f8"), ("m", "f8"), ("w", "i4"), ("t", "i4"), ("s", "f8"), ("n", "i4")]
# one tuple of PostgreSQL's binary COPY: the field count, then each field's length and big-endian value
_BINARY = np.dtype(
    [("count", ">i2")]
    + [item for name, kind in _FIELDS for item in ((f"len_{name}", ">i4"), (name, ">" + kind))]
)
_HEADER = 19  # signature (11), flags (4), header extension length (4, always 0 here)
DELETE_CHUNK = 500


@dataclass
class TypeRows:
    """The Access rows of one type, aligned on the buildings of the computation (``ids``)."""

    distance: np.ndarray  # metres rounded to 0.1; -1: nothing reachable
    minutes: np.ndarray  # -1 with the distance
    within: np.ndarray
    threshold: np.ndarray
    snap: np.ndarray
    network: bool

    def arrays(self, ids: np.ndarray, type_id: int, keep: np.ndarray) -> dict[str, object]:
        """The rows at ``keep`` as columns (``core.bulk.insert_arrays``)."""
        return {
            "building_id": ids[keep],
            "type_id": type_id,
            "distance_m": self.distance[keep],
            "minutes": self.minutes[keep],
            "within": self.within[keep],
            "threshold_min": self.threshold[keep],
            "snap_m": self.snap[keep],
            "method": Method.NETWORK if self.network else Method.STRAIGHT,
        }

    def nulls(self, keep: np.ndarray) -> dict[str, np.ndarray]:
        unreachable = self.distance[keep] < 0
        return {"distance_m": unreachable, "minutes": unreachable}

    def sorted_by(self, ids: np.ndarray) -> tuple[np.ndarray, TypeRows]:
        """``ids`` ascending and these rows in the same order (``store_type`` wants them so)."""
        order = np.argsort(ids, kind="stable")
        return ids[order], TypeRows(
            distance=self.distance[order],
            minutes=self.minutes[order],
            within=self.within[order],
            threshold=self.threshold[order],
            snap=self.snap[order],
            network=self.network,
        )


def _read(type_id: int, lo: int, hi: int) -> np.ndarray:
    """The stored rows of ``type_id`` for buildings ``lo``…``hi`` as a structured array (``_FIELDS``)."""
    table = connection.ops.quote_name(Access._meta.db_table)
    where = "type_id = %s AND building_id >= %s AND building_id <= %s"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            chunks: list[bytes] = []
            sql = f"COPY (SELECT {_SELECT} FROM {table} WHERE {where}) TO STDOUT (FORMAT BINARY)"
            with cur.cursor.copy(sql, [type_id, lo, hi]) as copy:
                for chunk in copy:
                    chunks.append(bytes(chunk))
            data = b"".join(chunks)
            body = data[_HEADER : len(data) - 2]  # the trailer is a field count of -1
            rows = np.frombuffer(body, dtype=_BINARY)
            return np.array(rows[[name for name, _ in _FIELDS]], dtype=[(n, k) for n, k in _FIELDS])
        cur.execute(f"SELECT {_SELECT_SQLITE} FROM {table} WHERE {where}", [type_id, lo, hi])
        return np.array([tuple(r) for r in cur.fetchall()], dtype=[(n, k) for n, k in _FIELDS])


def _delete(type_id: int, building_ids: Sequence[int]) -> None:
    table = connection.ops.quote_name(Access._meta.db_table)
    with connection.cursor() as cur:
        for i in range(0, len(building_ids), DELETE_CHUNK):
            part = list(building_ids[i : i + DELETE_CHUNK])
            if connection.vendor == "postgresql":
                cur.execute(
                    f"DELETE FROM {table} WHERE type_id = %s AND building_id = ANY(%s)", [type_id, part]
                )
            else:
                marks = ", ".join(["%s"] * len(part))
                cur.execute(
                    f"DELETE FROM {table} WHERE type_id = %s AND building_id IN ({marks})", [type_id, *part]
                )


def store_type(ids: np.ndarray, type_id: int, rows: TypeRows) -> int:
    """Bring the stored rows of ``type_id`` for the buildings ``ids`` (sorted ascending) to ``rows``;
    the number of rows written."""
    if not len(ids):
        return 0
    stored = _read(type_id, int(ids[0]), int(ids[-1]))
    stored = stored[np.isin(stored["b"], ids)]
    pos = np.searchsorted(ids, stored["b"])
    have = np.zeros(len(ids), dtype=bool)
    same = np.zeros(len(ids), dtype=bool)
    have[pos] = True
    same[pos] = (
        (stored["d"] == rows.distance[pos])
        & (stored["m"] == rows.minutes[pos])
        & (stored["w"] == rows.within[pos])
        & (stored["t"] == rows.threshold[pos])
        & (stored["s"] == rows.snap[pos])
        & (stored["n"] == int(rows.network))
    )
    write = ~same
    if not write.any():
        return 0
    stale = ids[have & write]
    if len(stale):
        _delete(type_id, stale.tolist())
    insert_arrays(Access, rows.arrays(ids, type_id, write), nulls=rows.nulls(write))
    return int(write.sum())


def drop_types(ids: np.ndarray, type_ids: Iterable[int]) -> None:
    """Delete the rows of types no longer computed (inactive) for the buildings ``ids``."""
    if not len(ids):
        return
    table = connection.ops.quote_name(Access._meta.db_table)
    lo, hi = int(ids[0]), int(ids[-1])
    with connection.cursor() as cur:
        for type_id in type_ids:
            cur.execute(
                f"SELECT building_id FROM {table} WHERE type_id = %s AND building_id >= %s AND building_id <= %s",
                [type_id, lo, hi],
            )
            found = np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
            gone = found[np.isin(found, ids)]
            if len(gone):
                _delete(type_id, gone.tolist())
