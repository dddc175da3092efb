"""Paging helpers: a list turned into rows a page at a time, and the count of a paged API list (exact
for a small list; the planner's estimate on PostgreSQL for a large one, and said so)."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import connection

from linli.core import paging
from linli.regions.models import Region

pytestmark = pytest.mark.django_db


def test_mapped_rows_convert_only_the_page_and_count_the_queryset(world) -> None:  # type: ignore[no-untyped-def]
    qs = Region.objects.order_by("code")
    seen: list[int] = []

    def convert(rows: list[Region]) -> list[str]:
        seen.append(len(rows))
        return [r.code for r in rows]

    page = Paginator(paging.MappedRows(qs, convert), 3).get_page(2)
    assert page.paginator.count == qs.count()
    assert list(page.object_list) == [r.code for r in qs[3:6]]
    assert seen == [3]  # one page converted, not the whole list
    rows = paging.MappedRows(qs, convert)
    assert rows[0] == qs[0].code and list(rows) == [r.code for r in qs]


def test_a_small_list_is_counted_exactly(world) -> None:  # type: ignore[no-untyped-def]
    qs = Region.objects.all()
    assert paging.list_count(qs) == (qs.count(), False)
    assert paging.list_count(paging.MappedRows(qs, list)) == (qs.count(), False)
    assert paging.list_count([1, 2, 3]) == (3, False)
    # an out-of-scope reader's list is one that can match nothing (``pk__in=[]``): zero, not an error
    assert paging.list_count(Region.objects.filter(pk__in=[])) == (0, False)


def test_a_large_list_gets_the_planner_estimate_on_postgresql(world, monkeypatch, token_client_for) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(paging, "EXACT_COUNT_UP_TO", -1)  # every list counts as large
    n, estimated = paging.list_count(Region.objects.all())
    if connection.vendor == "postgresql":
        assert estimated and n >= 0
    else:  # SQLite counts exactly whatever the size
        assert (n, estimated) == (Region.objects.count(), False)
    body = token_client_for(world.accounts.system_admin).get("/api/accounts").json()
    assert body["count_estimated"] is (connection.vendor == "postgresql")
