"""``bulk_reads``: a night job's reads get the memory to hash a city's id sets (PostgreSQL), and the
connection gets its own setting back afterwards, also when the job fails."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.bulk import bulk_reads

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql", reason="work_mem is PostgreSQL's")


def _work_mem() -> str:
    return _show("work_mem")


def _show(setting: str) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SHOW {setting}")
        return str(cur.fetchone()[0])


@ON_POSTGRESQL
@pytest.mark.parametrize(("own", "inside"), [("4MB", "64MB"), ("128MB", "128MB")])
def test_work_mem_is_at_least_the_bulk_size_inside_and_the_connections_own_after(
    own: str, inside: str
) -> None:
    with connection.cursor() as cur:
        cur.execute(f"SET work_mem = '{own}'")
    with bulk_reads(64):
        assert _work_mem() == inside
    assert _work_mem() == own
    with pytest.raises(RuntimeError), bulk_reads(64):
        assert _work_mem() == inside
        raise RuntimeError("the job failed")
    assert _work_mem() == own


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the other backends")
def test_elsewhere_it_sends_nothing() -> None:
    with CaptureQueriesContext(connection) as sent, bulk_reads():
        pass
    assert sent.captured_queries == []


@ON_POSTGRESQL
def test_pages_run_without_jit_and_a_nights_reads_with_it() -> None:
    """The settings turn JIT compilation off for the connection (a page's statements); ``bulk_reads``
    turns it on inside and back off after, also when the job fails."""
    assert _show("jit") == "off"
    with bulk_reads():
        assert _show("jit") == "on"
    assert _show("jit") == "off"
    with pytest.raises(RuntimeError), bulk_reads():
        raise RuntimeError("the job failed")
    assert _show("jit") == "off"
