"""Rules that hold under concurrency, raced with threads on PostgreSQL: one running patrol per
worker (a partial unique constraint) and one report per task item (a conditional UPDATE)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from linli.core.errors import error_code
from linli.workforce import services
from linli.workforce.models import Patrol, TaskItem, TaskKind

from .conftest import Front

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def race(n: int, attempt: Callable[[], object]) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(n)

    def run() -> None:
        barrier.wait()
        try:
            attempt()
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(error_code(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_one_running_patrol_per_worker(front: Front) -> None:
    gw = front.world.accounts.grid_worker
    out = race(6, lambda: services.patrol_start(by=gw, lat=24.96, lon=118.67, consent=True))
    assert out.count("ok") == 1 and out.count("patrol.already_active") == 5
    assert Patrol.objects.count() == 1


def test_a_task_item_is_reported_once(front: Front) -> None:
    task = services.grid_task_create(
        by=front.world.accounts.department_handler,
        title="反诈宣传",
        kind=TaskKind.PUBLICITY,
        region=front.world.tree.community_a,
        deadline=timezone.localdate() + dt.timedelta(days=3),
        fields=[{"label": "是否已张贴", "type": "yesno"}],
    )
    item = TaskItem.objects.get(task=task, building=front.building)
    gw = front.world.accounts.grid_worker

    def report() -> None:
        services.task_item_complete(
            item=TaskItem.objects.select_related("task", "grid", "building").get(pk=item.pk),
            by=gw,
            answers={"f1": "yes"},
        )

    out = race(6, report)
    assert out.count("ok") == 1 and out.count("gridtask.already_done") == 5


def test_a_candidate_leaves_the_pool_once(front: Front) -> None:
    cw = front.world.accounts.community_worker
    c = services.candidate_add(by=cw, region=front.world.tree.community_a, name="陈晓", birth_year=1994)
    out = race(
        4, lambda: services.candidate_leave(by=cw, candidate=c, status="placed", outcome="居委会副主任")
    )
    assert out.count("ok") == 1 and out.count("candidate.not_in_pool") == 3
    c.refresh_from_db()
    assert c.status == "placed" and c.outcome == "居委会副主任"
