"""The API (/api/facilities) and the pages: scope, filters, GeoJSON, the checklist and its roll-up."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from linli.core.models import User
from linli.facilities import services
from linli.facilities.models import ChecklistAttestation, Facility
from linli.facilities.selectors import checklist_for, facility_area_totals
from linli.regions.models import Level, Region
from linli.regions.rollup import annotate_rollup
from linli.testing.factories import World


def make(world: World, **kw: Any) -> Facility:
    data = {
        "name": "万福社区党群服务中心",
        "type": "party_center",
        "region_code": "350504001001",
        "building_area": "620",
        "activity_area": "400",
        "office_area": "100",
        "commercial_area": "20",
        "lat": "24.961",
        "lon": "118.671",
        "hours_1": "08:30-12:00, 14:30-18:00",
    }
    data.update(kw)
    return services.facility_create(by=world.accounts.district_admin, data=data)


@pytest.fixture
def facilities(world: World) -> dict[str, Facility]:
    return {
        "a": make(world),
        "a_clinic": make(
            world,
            name="万福卫生站",
            type="health_station",
            building_area="150",
            activity_area="",
            office_area="",
            commercial_area="",
            hours_1="08:00-17:00",
        ),
        "b": make(
            world, name="桥南社区党群服务中心", region_code="350504001002", building_area="900", lat="24.97"
        ),
        "c": make(
            world,
            name="双溪村卫生室",
            type="village_clinic",
            region_code="350504100201001",
            building_area="80",
            activity_area="",
            office_area="",
            commercial_area="",
        ),
        "vacant": make(
            world,
            name="桥南闲置用房",
            type="elderly_station",
            region_code="350504001002",
            status="vacant",
            activity_area="",
            office_area="",
            commercial_area="",
        ),
    }


def test_api_list_is_scoped_and_filtered(
    world: World,
    facilities: dict[str, Facility],
    client_for: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    c = client_for(world.accounts.community_worker)
    with django_assert_max_num_queries(6):
        body = c.get("/api/facilities").json()
    assert {x["name"] for x in body["items"]} == {"万福社区党群服务中心", "万福卫生站"}
    item = next(x for x in body["items"] if x["type"] == "party_center")
    assert item["short_days"] == 1 and item["hours_per_week"] == 7.0 and item["category"] == "comprehensive"
    d = client_for(world.accounts.district_admin)
    assert d.get("/api/facilities").json()["count"] == 5
    assert (
        d.get("/api/facilities?short_days=true").json()["count"] == 4
    )  # all but the clinic open 7 h on Monday
    assert d.get("/api/facilities?status=vacant").json()["items"][0]["name"] == "桥南闲置用房"
    assert d.get("/api/facilities?category=health&region=350504100").json()["count"] == 1
    assert d.get("/api/facilities?status=gone").status_code == 422
    assert d.get("/api/facilities?page_size=2&page=2").json()["items"][0]["name"]


def test_api_detail_create_update_scope(
    world: World,
    facilities: dict[str, Facility],
    client_for: Callable[[User], Client],
    token_client_for: Callable[[User], Client],
) -> None:
    b_id = facilities["b"].pk
    worker = token_client_for(world.accounts.community_worker)
    assert worker.get(f"/api/facilities/{b_id}").status_code == 404
    payload = {"name": "改名", "type": "party_center", "region_code": "350504001002"}
    r = worker.put(f"/api/facilities/{b_id}", payload, content_type="application/json")
    assert r.status_code == 404
    r = worker.post(f"/api/facilities/{b_id}/status", {"status": "closed"}, content_type="application/json")
    assert r.status_code == 404
    r = worker.post("/api/facilities", payload, content_type="application/json")
    absent = worker.post(
        "/api/facilities", {**payload, "region_code": "350504999999"}, content_type="application/json"
    )
    assert r.status_code == absent.status_code == 422  # out of scope reads exactly like absent
    assert r.json()["errors"]["region_code"][0].replace("350504001002", "X") == absent.json()["errors"][
        "region_code"
    ][0].replace("350504999999", "X")
    assert "桥南" not in str(r.json())
    facilities["b"].refresh_from_db()
    assert facilities["b"].name == "桥南社区党群服务中心" and facilities["b"].status == "open"
    new = {
        "name": "万福托育园",
        "type": "nursery",
        "region_code": "350504001001",
        "building_area": 240,
        "lat": 24.9612,
        "lon": 118.6705,
        "coord_system": "gcj02",
        "opening_hours": {"1": [["07:30", "17:30"]], "2": [["07:30", "12:00"]]},
    }
    r = worker.post("/api/facilities", new, content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["hours_per_week"] == 14.5 and body["short_days"] == 1 and body["lat"] != 24.9612
    r = worker.post("/api/facilities", {**new, "building_area": -1}, content_type="application/json")
    assert r.status_code == 422 and "building_area" in r.json()["errors"]
    r = worker.put(
        f"/api/facilities/{body['id']}",
        {**new, "building_area": 260, "coord_system": "wgs84"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["building_area"] == 260.0 and r.json()["lat"] == 24.9612
    r = worker.post(
        f"/api/facilities/{body['id']}/status", {"status": "suspended"}, content_type="application/json"
    )
    assert r.json()["status_label"] == "暂停服务"


def test_page_scope(
    world: World, facilities: dict[str, Facility], client_for: Callable[[User], Client]
) -> None:
    c = client_for(world.accounts.community_worker)
    b = facilities["b"]
    assert c.get(f"/facilities/{b.pk}/").status_code == 404
    assert c.get(f"/facilities/{b.pk}/edit/").status_code == 404
    assert c.post(f"/facilities/{b.pk}/edit/", {"name": "改名"}).status_code == 404
    assert c.post(f"/facilities/{b.pk}/", {"status": "closed"}).status_code == 404
    b.refresh_from_db()
    assert b.name == "桥南社区党群服务中心" and b.status == "open"
    assert c.get("/facilities/checklist/350504001002/").status_code == 404
    assert client_for(world.accounts.resident).get("/facilities/").status_code == 403
    r = c.get("/facilities/")
    assert "万福社区党群服务中心" in r.content.decode() and "桥南" not in r.content.decode()


def test_page_create_edit_with_hours(world: World, client_for: Callable[[User], Client]) -> None:
    c = client_for(world.accounts.community_worker)
    form = {
        "name": "万福长者食堂",
        "type": "elder_canteen",
        "region_code": "350504001001",
        "status": "open",
        "building_area": "120",
        "activity_area": "200",
        "coord_system": "wgs84",
        "lat": "24.96",
        "lon": "118.67",
        "hours_1": "10:30-13:00, 16:30-18:30",
        "hours_2": "25:00-26:00",
    }
    r = c.post("/facilities/new/", form)
    page = r.content.decode()
    assert r.status_code == 200 and "超过总建筑面积" in page and "周二开放时间" in page
    form.update(activity_area="90", hours_2="10:30-13:00")
    r = c.post("/facilities/new/", form)
    assert r.status_code == 302
    f = Facility.objects.get(name="万福长者食堂")
    assert f.short_days == 2 and f.hours_per_week == Decimal("7.00")
    page = c.get(r["Location"]).content.decode()
    assert "不足 8 小时" in page and "10:30-13:00, 16:30-18:30" in page
    edit = c.get(f"/facilities/{f.pk}/edit/").content.decode()
    assert 'value="10:30-13:00, 16:30-18:30"' in edit
    r = c.post(f"/facilities/{f.pk}/", {"status": "suspended", "note": "装修"})
    f.refresh_from_db()
    assert f.status == "suspended"


def test_geojson_and_map(
    world: World, facilities: dict[str, Facility], client_for: Callable[[User], Client]
) -> None:
    Region.objects.filter(pk=world.tree.community_a.pk).update(
        boundary={
            "type": "Polygon",
            "coordinates": [
                [[118.66, 24.95], [118.68, 24.95], [118.68, 24.97], [118.66, 24.97], [118.66, 24.95]]
            ],
        }
    )
    c = client_for(world.accounts.street_coordinator)
    g = c.get("/api/facilities/geojson?region=350504001").json()
    kinds = [f["properties"]["kind"] for f in g["features"]]
    assert kinds.count("region") == 1 and kinds.count("facility") == 4
    vacant = next(f for f in g["features"] if f["properties"].get("status") == "vacant")
    assert vacant["geometry"]["coordinates"] == [118.671, 24.961]
    assert c.get("/api/facilities/geojson?region=350504100").status_code == 404
    assert "设施地图" in c.get("/facilities/map/").content.decode()


def test_area_totals(world: World, facilities: dict[str, Facility], django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        t = facility_area_totals(Level.COMMUNITY, within="350504")
    assert t["350504001001"]["comprehensive"].building == Decimal("620.00")
    assert t["350504001001"]["comprehensive"].activity == Decimal("400.00")
    assert t["350504001001"]["health"].activity is None and t["350504001001"]["health"].activity_known == 0
    assert "elderly" not in t["350504001002"]  # the vacant space does not count
    assert t["350504100201"]["health"].building == Decimal(
        "80.00"
    )  # a grid's facility counts for its village
    s = facility_area_totals([world.tree.street, "350504100"])
    assert (
        s["350504001"]["comprehensive"].building == Decimal("1520.00")
        and s["350504001"]["comprehensive"].count == 2
    )
    assert s["350504100"]["health"].count == 1
    by_type = facility_area_totals(Level.DISTRICT, by="type", statuses=["open", "vacant"])
    assert by_type["350504"]["elderly_station"].count == 1
    counts = {
        r.code: r.facilities_count
        for r in annotate_rollup(Region.objects.filter(code__in=["350504", "350504001002"]), ["facilities"])
    }
    assert counts == {"350504": 4, "350504001002": 1}


def test_checklist_by_hand(
    world: World,
    facilities: dict[str, Facility],
    client_for: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    Region.objects.filter(pk=world.tree.community_c.pk).update(centroid_lat=24.99, centroid_lon=118.70)
    world.tree.community_c.refresh_from_db()
    with django_assert_max_num_queries(6):
        a, b, c_, d = checklist_for(world.tree.communities)
    item = {i.number: i for i in a.items}
    assert (
        item[1].reason
        == "社区综合服务站建筑面积 620㎡，低于 800㎡（万福社区党群服务中心）；合计每百户 62000.0㎡（1 户）"
    )
    assert item[5].verdict == "met" and item[5].reason == "万福卫生站，建筑面积 150㎡"
    assert (
        item[11].verdict == "not_met" and item[11].reason == "未登记任何公交站点"
    )  # the building has coordinates
    assert {i.number: i for i in b.items}[1].verdict == "met"
    c_items = {i.number: i for i in c_.items}
    assert c_items[5].reason.startswith(
        "仅有村卫生室（双溪村卫生室，80㎡），无社区卫生服务站；最近的社区卫生服务站在"
    )
    assert a.met == 1 and b.met == 1 and d.met == 0
    ChecklistAttestation.objects.create(
        region=world.tree.community_a,
        item=20,
        met=True,
        attested_on="2026-01-05",
        attested_by_name="王书记",
        evidence="居民公约",
    )
    assert {i.number: i for i in checklist_for([world.tree.community_a])[0].items}[20].verdict == "met"

    w = client_for(world.accounts.community_worker)
    r = w.get("/facilities/checklist/")
    assert r.status_code == 302 and r["Location"] == "/facilities/checklist/350504001001/"
    page = w.get(r["Location"]).content.decode()
    assert "2 / 20" in page and "低于 800㎡" in page
    r = w.post(
        "/facilities/checklist/350504001001/",
        {"item": "18", "met": "1", "evidence": "街道党工委会议纪要", "attested_on": "2026-01-06"},
    )
    assert r.status_code == 302
    assert "3 / 20" in w.get("/facilities/checklist/350504001001/").content.decode()
    api = w.get("/api/facilities/checklist/350504001001").json()
    assert api["met"] == 3 and "低于 800㎡（万福社区党群服务中心）" in api["items"][0]["reason"]
    assert w.get("/api/facilities/checklist/350504001002").status_code == 404

    s = client_for(world.accounts.street_coordinator)
    assert s.get("/facilities/checklist/")["Location"] == "/facilities/checklist/350504001/rollup/"
    page = s.get("/facilities/checklist/350504001/rollup/").content.decode()
    assert (
        "万福社区居委会" in page
        and "桥南社区居委会" in page
        and "双溪" not in page
        and "最常缺的项目" in page
    )
    roll = client_for(world.accounts.district_admin).get("/api/facilities/checklist/350504/rollup").json()
    assert len(roll["communities"]) == 4
    assert roll["most_missing"][0]["communities"] == 4
    assert s.get("/facilities/checklist/350504100/rollup/").status_code == 404
    assert json.dumps(roll, ensure_ascii=False).count("后溪") == 1


def test_admin(world: World, facilities: dict[str, Facility], client_for: Callable[[User], Client]) -> None:
    root = world.accounts.system_admin
    root.is_staff = root.is_superuser = True
    root.save()
    admin = client_for(root)
    assert admin.get("/admin/facilities/facilitytype/").status_code == 200
    assert admin.get("/admin/facilities/facility/").status_code == 200


def test_district_rollup_by_street_and_grid_worker(
    world: World, facilities: dict[str, Facility], client_for: Callable[[User], Client]
) -> None:
    page = (
        client_for(world.accounts.district_admin).get("/facilities/checklist/350504/rollup/").content.decode()
    )
    assert 'id="streets"' in page and "万安街道" in page and "罗溪镇" in page
    assert (
        page.count('/rollup/">') == 2 and page.count('href="/facilities/checklist/35050') == 6
    )  # 2 streets, 4 communities
    g = client_for(world.accounts.grid_worker)
    r = g.get("/facilities/")
    assert r.status_code == 200 and "完整社区" not in r.content.decode().split("</nav>")[0]
    assert "万福社区党群服务中心" not in r.content.decode()  # it sits in the community, not in grid A1
    form = client_for(world.accounts.community_worker).get("/facilities/new/").content.decode()
    assert '<option value="洛江区民政局">' in form  # an operator of an ancestor region may be named
