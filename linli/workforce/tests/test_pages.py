"""The pages: each role's pages answer, the phone's position endpoint, scope reads as absent."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from linli.core.models import AuditLog, User
from linli.workforce import services
from linli.workforce.models import Patrol, TeamMember, TeamPost

from .conftest import Front

pytestmark = pytest.mark.django_db


def test_pages_of_each_role_answer(front: Front, client_for: Callable[[User], Client]) -> None:
    acc = front.world.accounts
    for user, paths in (
        (acc.grid_worker, ["/workforce/patrol/", "/workforce/tasks/"]),
        (
            acc.community_worker,
            ["/workforce/coverage/", "/workforce/teams/", "/workforce/tasks/", "/workforce/duties/"],
        ),
        (acc.street_coordinator, ["/workforce/coverage/", "/workforce/figures/", "/workforce/tasks/new/"]),
        (
            acc.district_admin,
            ["/workforce/figures/", "/workforce/teams/", "/", "/workforce/duties/?task-text=招商引资&task=1"],
        ),
        (
            acc.department_handler,
            [
                "/workforce/tasks/",
                "/workforce/tasks/new/",
                "/workforce/duties/?proof-text=无犯罪记录证明&proof=1",
            ],
        ),
    ):
        c = client_for(user)
        for path in paths:
            r = c.get(path)
            assert r.status_code == 200, (user.username, path, r.status_code)
    r = client_for(acc.district_admin).get("/workforce/duties/?task-text=招商引资&task=1")
    assert "负面清单" in r.content.decode()
    assert client_for(acc.resident).get("/workforce/patrol/").status_code == 403


def test_the_phone_sends_positions_and_a_supervisor_elsewhere_sees_no_track(
    front: Front, client_for: Callable[[User], Client]
) -> None:
    acc = front.world.accounts
    c = client_for(acc.grid_worker)
    r = c.post("/workforce/patrol/", {"lat": "24.96", "lon": "118.70", "consent": "on"})
    assert r.status_code == 400 and "不在" in r.content.decode()
    r = c.post("/workforce/patrol/", {"lat": "24.96", "lon": "118.67", "consent": "on"})
    assert r.status_code == 302
    p = Patrol.objects.get()
    now = timezone.now().isoformat()
    r = c.post(
        "/workforce/patrol/points/", {"points": json.dumps([{"t": now, "lat": 24.9601, "lon": 118.6701}])}
    )
    assert r.status_code == 200 and r.json()["points"] == 2
    r = c.post("/workforce/patrol/points/", {"points": "not json"})
    assert r.status_code == 400 and r.json()["code"] == "patrol.position_invalid"
    r = c.get("/workforce/patrol/nearby/?lat=24.96&lon=118.67")
    assert any(i["kind"] == "楼栋" for i in r.json()["items"])
    assert c.post("/workforce/patrol/end/").status_code == 302
    assert client_for(acc.community_worker_b).get(f"/workforce/patrols/{p.pk}/").status_code == 404
    assert client_for(acc.community_worker).get(f"/workforce/patrols/{p.pk}/").status_code == 200
    assert AuditLog.objects.filter(field="track", actor=acc.community_worker).count() == 1
    assert services.selectors.active_patrol(acc.grid_worker) is None


def test_home_offers_to_start_a_patrol_or_to_go_back_to_the_one_under_way(
    front: Front, client_for: Callable[[User], Client]
) -> None:
    gw = front.world.accounts.grid_worker
    c = client_for(gw)
    page = c.get("/").content.decode()
    assert "开始巡查" in page and "巡查进行中，返回" not in page
    services.patrol_start(by=gw, lat=24.96, lon=118.67, consent=True)
    page = c.get("/").content.decode()
    assert "巡查进行中，返回" in page and ">开始巡查<" not in page


def test_street_pages_sum_up_per_community_and_filter_the_gaps(
    front: Front, client_for: Callable[[User], Client]
) -> None:
    street = client_for(front.world.accounts.street_coordinator)
    a = front.world.tree.community_a
    page = street.get("/workforce/coverage/").content.decode()
    assert 'id="coverage-communities"' in page and a.name in page
    a1 = front.world.tree.grid_a1
    for post in (TeamPost.LEADER, TeamPost.WORKER, TeamPost.POLICE):
        TeamMember.objects.create(grid=a1, post=post, name=f"{post}成员")

    def grids_listed(url: str) -> str:
        page = street.get(url).content.decode()
        return page.split('id="teams-table"')[1].split("</table>")[0]

    assert a1.name in grids_listed("/workforce/teams/")
    gaps = grids_listed("/workforce/teams/?gaps=1")
    assert a1.name not in gaps and front.world.tree.grid_a2.name in gaps  # A2 has no team yet
    # a community's own page has no per-community table
    assert (
        'id="coverage-communities"'
        not in client_for(front.world.accounts.community_worker).get("/workforce/coverage/").content.decode()
    )
