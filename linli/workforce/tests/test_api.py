"""The API calls the same services as the pages and answers their codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from linli.core.models import User
from linli.workforce.models import GridTask, TaskItem

from .conftest import Front

pytestmark = pytest.mark.django_db


def test_api_tasks_coverage_and_points(front: Front, token_client_for: Callable[[User], Client]) -> None:
    acc = front.world.accounts
    dept = token_client_for(acc.department_handler)
    body = {
        "title": "协助完成招商引资任务摸排",
        "kind": "survey",
        "region": front.world.tree.community_a.code,
        "deadline": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
        "fields": [{"label": "企业名称", "type": "text"}],
    }
    r = dept.post("/api/workforce/tasks", body, content_type="application/json")
    assert (
        r.status_code == 422 and r.json()["code"] == "gridtask.refused" and "负面清单" in r.json()["detail"]
    )
    assert not GridTask.objects.exists()
    body |= {
        "title": "反诈宣传入户",
        "kind": "publicity",
        "fields": [{"label": "是否已宣传", "type": "yesno"}],
    }
    r = dept.post("/api/workforce/tasks", body, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "issued" and r.json()["items"] == 2

    gw = token_client_for(acc.grid_worker)
    item = TaskItem.objects.filter(building=front.building).get()
    r = gw.post(
        f"/api/workforce/tasks/items/{item.pk}", {"answers": {"f1": "maybe"}}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "gridtask.answer_invalid"
    r = gw.post(
        f"/api/workforce/tasks/items/{item.pk}", {"answers": {"f1": "yes"}}, content_type="application/json"
    )
    assert r.status_code == 200
    r = gw.post(
        f"/api/workforce/tasks/items/{item.pk}", {"answers": {"f1": "yes"}}, content_type="application/json"
    )
    assert r.status_code == 404  # done: no longer open to report

    r = gw.post("/api/workforce/patrol/points", {"points": []}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "patrol.ended"

    cw = token_client_for(acc.community_worker)
    r = cw.get("/api/workforce/coverage")
    grids_a = {g.code for g in front.world.tree.grids[front.world.tree.community_a.code]}
    assert r.status_code == 200 and {row["grid"] for row in r.json()["items"]} == grids_a
    assert r.json()["count"] == len(grids_a)
    # paged: one grid a page, the pages together are the whole list, in code order
    pages = [
        cw.get(f"/api/workforce/coverage?page_size=1&page={n}").json() for n in range(1, len(grids_a) + 2)
    ]
    assert [p["items"][0]["grid"] for p in pages[:-1]] == sorted(grids_a) and pages[-1]["items"] == []
    # no patrol today: every grid is short of the rule
    gaps = cw.get("/api/workforce/coverage?gaps=true").json()
    assert gaps["count"] == len(grids_a) and all(row["missed"] > 0 for row in gaps["items"])
    assert cw.get("/api/workforce/coverage?page_size=201").status_code == 422
    assert cw.get(f"/api/workforce/coverage?region={front.world.tree.community_b.code}").status_code == 404
    assert gw.get("/api/workforce/figures").status_code == 403
    mine = cw.get("/api/workforce/figures").json()
    assert mine["count"] == 1 and mine["items"][0]["community"] == front.world.tree.community_a.code
