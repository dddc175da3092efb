"""Substring search that an index serves on PostgreSQL: ``filter(name__includes="建国")``.

A search box asks "contains": a B-tree index cannot answer ``LIKE '%建国%'``, so at a city's 18.7 M
persons every search read the whole table. PostgreSQL's ``pg_trgm`` answers it from a GIN index for
patterns of three characters or more, but the names and addresses searched here are Chinese, where a
given name is two characters and most searches are two; a trigram index cannot serve those. The
lookup therefore keeps the character *bigrams* of the column in a GIN index (the approach of
``pg_bigm``, with a plain SQL function instead of an extension: nothing to install, no superuser):

    linli_bigrams(name) @> linli_bigrams('建国') AND name LIKE '%建国%'

The first condition is the index's (every bigram of the query is among the row's), the second the
exact check. A one-character query cannot use the index and stays a plain ``LIKE``; SQLite and other
databases always use the plain ``LIKE`` of ``__contains``. Only columns with a bigram index
(``bigram_index`` in the owning app's migration) should be searched with ``__includes``: without one
the function would be evaluated for every row.
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation
from django.db.models import CharField, Lookup, TextField
from django.db.models.lookups import Contains

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION linli_bigrams(s text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  r text[] := '{}';
BEGIN
  FOR i IN 1 .. length(s) - 1 LOOP
    r := r || substr(s, i, 2);
  END LOOP;
  RETURN r;
END $$
"""


class Includes(Lookup):
    """``field__includes=q``: ``__contains``, answered from a bigram index on PostgreSQL."""

    lookup_name = "includes"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = Contains(self.lhs, self.rhs).as_sql(compiler, connection)
        if connection.vendor != "postgresql" or not isinstance(self.rhs, str) or len(self.rhs) < 2:
            return sql, tuple(params)
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        return (
            f"(linli_bigrams(({lhs_sql})::text) @> linli_bigrams(%s) AND {sql})",
            (*lhs_params, self.rhs, *params),
        )


CharField.register_lookup(Includes)
TextField.register_lookup(Includes)


class _PostgreSQLOnly(Operation):
    """SQL run on PostgreSQL only, without touching the models' state: a ``RunPython`` would make Django
    render every model of the project for it (about a second each on a fresh ``migrate``)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, forward: str, backward: str, description: str) -> None:
        self.forward, self.backward, self.description = forward, backward, description

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [self.forward, self.backward, self.description], {})

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.forward)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.backward)

    def describe(self) -> str:
        return self.description


def bigram_function() -> Operation:
    """The migration operation that creates ``linli_bigrams`` (core's; PostgreSQL only)."""
    return _PostgreSQLOnly(FUNCTION_SQL, "DROP FUNCTION IF EXISTS linli_bigrams(text)", "linli_bigrams")


def bigram_index(table: str, column: str) -> Operation:
    """The migration operation that indexes ``table.column`` for ``__includes`` (PostgreSQL only;
    the migration must depend on core's ``0007_bigram_search``)."""
    name = f"{table}_{column}_bigm"
    return _PostgreSQLOnly(
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (linli_bigrams(("{column}")::text))',
        f'DROP INDEX IF EXISTS "{name}"',
        f"bigram index {name}",
    )
