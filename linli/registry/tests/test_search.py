"""Substring search (``__includes``, ``linli.core.search``) finds exactly what ``__contains`` finds, and
on PostgreSQL a two-character Chinese name is looked up in the bigram index, not by reading every person."""

from __future__ import annotations

import pytest
from django.db import connection

from linli.registry.models import Building, Person
from linli.testing.factories import BuildingFactory, PersonFactory, World

pytestmark = pytest.mark.django_db

NAMES = ["林建国", "王建华", "陈国", "建", "李50%", "张_明", "黄建国强"]
QUERIES = ["建国", "建", "国", "林建国", "50%", "_", "_明", "%", "建国强", "无此人", "林 建"]


def test_includes_finds_exactly_what_contains_finds(world: World) -> None:
    for name in NAMES:
        PersonFactory.create(name=name, household=world.people.household)
    BuildingFactory.create(name="建国大厦", address="建国路5号", region=world.tree.grid_a1)
    for q in QUERIES:
        found = set(Person.objects.filter(name__includes=q).values_list("pk", flat=True))
        assert found == set(Person.objects.filter(name__contains=q).values_list("pk", flat=True)), q
    assert Building.objects.filter(address__includes="建国路").get().name == "建国大厦"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bigram index is PostgreSQL's")
def test_a_two_character_name_is_looked_up_in_the_index(world: World) -> None:
    with connection.cursor() as cur:
        # whether the index can answer the search, whatever a small table's statistics prefer: with no
        # sequential or plain index scan, only a bitmap scan on an index whose condition this is remains
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("SET LOCAL enable_indexscan = off")
        query = Person.objects.filter(name__includes="建国").order_by().values("pk").query
        sql, params = query.sql_with_params()
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "registry_person_name_bigm" in plan
