"""The grid worker's requests: those located in his grid and those he filed, in every queue and on the page."""

from __future__ import annotations

import re

from linli.cases import selectors, services
from linli.cases.models import Case, Channel

from .conftest import CasesWorld, grid_center


def _file(cw: CasesWorld, by, grid_index: int, text: str, channel: str = Channel.PATROL) -> Case:
    lat, lon = grid_center(grid_index)
    return services.case_create(
        by=by, category="sanitation.complaint", description=text, channel=channel, lat=lat, lon=lon
    )


def test_grid_worker_sees_his_grid_and_what_he_filed(cw: CasesWorld) -> None:
    a = cw.world.accounts
    tree = cw.world.tree
    in_grid = _file(cw, a.resident, 0, "网格一里的垃圾桶满了", Channel.APP)  # grid A1, a resident's
    next_grid = _file(cw, a.resident, 1, "网格二里的路灯坏了", Channel.APP)  # grid A2
    filed_there = _file(cw, a.grid_worker, 2, "巡查到桥南路面破损")  # grid B1, filed by him
    assert (in_grid.grid, next_grid.grid, filed_there.grid) == (tree.grid_a1, tree.grid_a2, tree.grid_b1)
    seen = set(selectors.visible_cases(a.grid_worker).values_list("number", flat=True))
    assert seen == {in_grid.number, filed_there.number}
    for name in selectors.QUEUES:
        queue = set(selectors.queue(a.grid_worker, name).values_list("number", flat=True))
        assert next_grid.number not in queue
        if name in {"todo", "open", "all"}:
            assert queue == {in_grid.number, filed_there.number}, name
    # the community worker keeps exactly their community: the grid path adds nothing for them
    community = set(selectors.visible_cases(a.community_worker).values_list("number", flat=True))
    assert community == {in_grid.number, next_grid.number}


def test_every_queue_page_counts_his_requests(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    _file(cw, a.grid_worker, 0, "巡查发现井盖缺失")
    page = client_for(a.grid_worker)
    for name in ("todo", "open", "all"):
        body = page.get(f"/cases/?queue={name}").content.decode()
        assert "共 1 件" in body and "共 0 件" not in body, name


def test_after_intake_he_lands_on_the_request_he_filed(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    lat, lon = grid_center(0)
    r = client_for(a.grid_worker).post(
        "/cases/intake/",
        {
            "category": "sanitation.complaint",
            "description": "巡查发现绿化带堆放建筑垃圾",
            "channel": Channel.PATROL,
            "lat": lat,
            "lon": lon,
        },
        follow=True,
    )
    assert r.status_code == 200
    case = Case.objects.get(description="巡查发现绿化带堆放建筑垃圾")
    assert r.redirect_chain[-1][0] == f"/cases/{case.number}/"
    assert case.number in r.content.decode() and case.created_by == a.grid_worker
    assert "由万福社区居委会受理和办理，您在这里跟进进度" in r.content.decode()
    assert re.search(r"已登记诉求 \d", r.content.decode())


# --- 上报事件: one tap from his home, his grid filled in, his phone's position, no map tap ---------------


def test_home_offers_the_patrol_report_and_the_page_fills_in_his_grid(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    page = client_for(a.grid_worker)
    home = page.get("/").content.decode()
    assert 'href="/cases/patrol/"' in home and "上报事件" in home
    assert 'href="/cases/patrol/"' not in client_for(a.community_worker).get("/").content.decode()
    form = page.get("/cases/patrol/").content.decode()
    assert cw.world.tree.grid_a1.name in form and f'name="grid" value="{cw.world.tree.grid_a1.code}"' in form
    assert 'id="use-position"' in form and 'name="photos"' in form and 'value="patrol"' in form
    assert client_for(a.resident).get("/cases/patrol/").status_code == 403


def test_a_report_without_a_point_lies_in_his_grid(cw: CasesWorld, client_for) -> None:
    a = cw.world.accounts
    grid = cw.world.tree.grid_a1
    r = client_for(a.grid_worker).post(
        "/cases/patrol/",
        {"category": "sanitation.complaint", "description": "巡查发现路灯不亮", "grid": grid.code},
    )
    case = Case.objects.get(description="巡查发现路灯不亮")
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.number}/"
    assert (case.channel, case.grid, case.region, case.lat) == (
        Channel.PATROL,
        grid,
        cw.world.tree.community_a,
        None,
    )


def test_a_point_from_the_phone_wins_over_the_grid(cw: CasesWorld) -> None:
    lat, lon = grid_center(1)  # grid A2, next to his
    case = services.case_create(
        by=cw.world.accounts.grid_worker,
        category="sanitation.complaint",
        description="巡查发现窨井冒水",
        channel=Channel.PATROL,
        lat=lat,
        lon=lon,
        grid=cw.world.tree.grid_a1.code,
    )
    assert case.grid == cw.world.tree.grid_a2 and (case.lat, case.lon) == (lat, lon)


def test_a_grid_outside_his_scope_reads_like_an_unknown_one(cw: CasesWorld, client_for) -> None:
    page = client_for(cw.world.accounts.grid_worker)
    for code in (cw.world.tree.grid_b1.code, "350504001001999"):
        r = page.post(
            "/cases/patrol/",
            {"category": "sanitation.complaint", "description": "巡查发现占道经营", "grid": code},
        )
        assert r.status_code == 422 and "所选网格不存在或不在本账号的范围内" in r.content.decode()
    assert not Case.objects.filter(description="巡查发现占道经营").exists()


def test_the_api_places_a_report_in_his_grid_through_the_same_service(
    cw: CasesWorld, token_client_for
) -> None:
    api = token_client_for(cw.world.accounts.grid_worker)
    body = {"category": "sanitation.complaint", "description": "巡查发现护栏倒伏", "channel": "patrol"}
    r = api.post("/api/cases/", {**body, "grid": cw.world.tree.grid_a1.code}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert Case.objects.get(number=r.json()["number"]).grid == cw.world.tree.grid_a1
    r = api.post("/api/cases/", {**body, "grid": cw.world.tree.grid_b1.code}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "case.grid_unknown"
