"""``bulk_reads``: a night job's reads get the memory to hash a city's id sets (PostgreSQL), and the
connection gets its own setting back afterwards, also when the job fails."""

from __future__ import annotations

import pytest
from django.db import connection

from linli.core.bulk import bulk_reads

pytestmark = pytest.mark.django_db


def _work_mem() -> str:
    with connection.cursor() as cur:
        cur.execute("SHOW work_mem")
        return str(cur.fetchone()[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="work_mem is PostgreSQL's")
def test_work_mem_is_raised_inside_and_restored_after() -> None:
    with connection.cursor() as cur:
        cur.execute("SET work_mem = '4MB'")
    with bulk_reads(64):
        assert _work_mem() == "64MB"
    assert _work_mem() == "4MB"
    with pytest.raises(RuntimeError), bulk_reads(64):
        raise RuntimeError("the job failed")
    assert _work_mem() == "4MB"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="work_mem is PostgreSQL's")
def test_a_larger_setting_is_left_as_it_is() -> None:
    with connection.cursor() as cur:
        cur.execute("SET work_mem = '128MB'")
    with bulk_reads(64):
        assert _work_mem() == "128MB"
    assert _work_mem() == "128MB"


def test_elsewhere_it_changes_nothing() -> None:
    with bulk_reads(), connection.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone()[0] == 1
