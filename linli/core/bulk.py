"""Fast inserts of many rows, for imports and the demo: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
