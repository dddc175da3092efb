"""Paging shared by every list: the API's page-number pagination (``linli.core.api.Pagination``),
Open311's ``page``/``page_size`` and the pages' pager (``_pager.html``).

Each door type has one behaviour for a page number out of range:

- API and Open311: a page number outside 1…``MAX_PAGE`` is bad input (422 naming ``page`` on the
  API, a GeoReport 400 on Open311); a page within range but past the end is an empty list. The bound
  keeps ``(page − 1) × page_size`` inside the 64-bit OFFSET every database takes.
- pages: Django's ``Paginator.get_page`` — a page number that is not a number shows the first page,
  one past the end (or below 1) the last page; nothing reaches the database unbounded.

A list of a city counts its rows once per request for its pager: ``CountedPaginator`` takes a count
the caller already has (a kept summary, or a count that stopped at a bound, ``more``) instead of
running ``COUNT(*)`` over the rows.
"""

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any, overload

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import F, OrderBy, QuerySet

from linli.core.scope import street_or_below

MAX_PAGE = 1_000_000


class MappedRows[T]:
    """A queryset whose rows are turned into something else one page at a time: what a list hands to
    ``Paginator`` or the API's pagination when each page needs a second, grouped query (figures per
    grid or per community) that must not run over every row of a city. ``count()`` is the queryset's
    count; slicing fetches that slice of rows and passes the list to ``convert``."""

    CHUNK = 500

    def __init__(self, queryset: Any, convert: Callable[[list[Any]], list[T]]) -> None:
        self.queryset = queryset
        self.convert = convert

    def all(self) -> "MappedRows[T]":
        return self

    def count(self) -> int:
        return int(self.queryset.count())

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, key: int) -> T: ...

    @overload
    def __getitem__(self, key: slice) -> list[T]: ...

    def __getitem__(self, key: int | slice) -> T | list[T]:
        if isinstance(key, slice):
            return self.convert(list(self.queryset[key]))
        return self.convert([self.queryset[key]])[0]

    def __iter__(self) -> Iterator[T]:
        """Every row, converted a chunk at a time (a page reads a slice, not this)."""
        start = 0
        while chunk := self[start : start + self.CHUNK]:
            yield from chunk
            start += self.CHUNK


EXACT_COUNT_UP_TO = 10_000


# A search of one character (陈, the commonest surname: one name in fourteen) is counted to this: its
# matches are found by reading the list's rows until the bound, fourteen for each (at a city, from disk:
# 1 000 meant some 14 000 rows, 0.5–0.9 s on a first request), and a count of them past a couple of
# hundred tells the searcher nothing but to type more
BROAD_SEARCH_UP_TO = 200


def search_bound(q: str, otherwise: int | None = None) -> int | None:
    """The count bound of a list searched by ``q``: ``BROAD_SEARCH_UP_TO`` for a single character (a
    surname), else ``otherwise`` (None: ``bounded_count``'s own)."""
    return BROAD_SEARCH_UP_TO if len(q.strip()) == 1 else otherwise


def bounded_count(rows: QuerySet[Any], up_to: int | None = None) -> tuple[int, bool]:
    """(the rows counted, at most ``up_to``, else ``EXACT_COUNT_UP_TO``; whether there are more): one
    statement that stops counting at the bound, whatever the list's size."""
    bound = EXACT_COUNT_UP_TO if up_to is None else up_to
    n = int(rows.order_by()[: bound + 1].count())
    return min(n, bound), n > bound


def list_count(rows: Any) -> tuple[int, bool]:
    """(how many rows a paged list has, whether that is an estimate). The rows are counted up to
    ``EXACT_COUNT_UP_TO`` + 1 (one bounded statement, whatever the list's size); a longer list is, on
    PostgreSQL, given the planner's estimate (``EXPLAIN``, no scan of the city for a pager) and, on
    SQLite, counted whole."""
    if isinstance(rows, MappedRows):
        rows = rows.queryset
    if not isinstance(rows, QuerySet):
        return len(rows), False
    n, more = bounded_count(rows)
    if not more:
        return n, False
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return int(rows.count()), False
    sql, params = rows.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return max(int(plan[0]["Plan"]["Plan Rows"]), n), True


class CountedPaginator(Paginator):
    """A ``Paginator`` whose count is given (``count``), not counted; ``more`` says the list has more
    rows than that (the pager then offers the pages of the first ``count`` rows)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int, more: bool = False) -> None:
        super().__init__(object_list, per_page)
        self._given = count
        self.more = more

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._given


def latest_first(user: Any, field: str) -> OrderBy:
    """``-field`` for a list of ``user``'s scope. A district's or a city's list is read in the index's
    order on ``field``: its page's rows come at once. A small scope's (a street's, a community's,
    ``scope.street_or_below``) gets the same order written as an expression that no index serves, so
    that the database gathers the scope's few thousand rows by their region and sorts them: ordered by
    the bare column it walks the city's whole table until the page's rows of the scope turn up, the plan
    the planner also picks for a street, not knowing how few rows it has (a street's volunteers searched
    by a surname: 11 s from disk; its missed visits: 356 ms)."""
    if street_or_below(user):
        return (F(field) + dt.timedelta(0)).desc()
    return F(field).desc()
