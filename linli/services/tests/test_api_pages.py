"""The JSON API (/api/services) and the pages, through their doors: scope, bad input, the happy paths."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client

from linli.core.models import User
from linli.services import services
from linli.services.models import Booking, Need, Service, Slot
from linli.testing.factories import World


def test_resident_api_directory_booking_and_errors(
    world: World,
    meal: Service,
    make_service: Callable[..., Service],
    tomorrow: dt.date,
    client_for: Callable[[User], Client],
) -> None:
    make_service(world.tree.community_b, name="桥南助餐")  # another community: never listed for this resident
    make_service(world.tree.community_a, name="儿童托管", category="childcare", max_age=12)
    services.slots_generate(service=meal, start=tomorrow, days=2)
    c = client_for(world.accounts.resident)
    items = c.get("/api/services/services").json()["items"]
    assert [i["name"] for i in items if not i["why_not"]] == ["长者助餐"]
    assert items[0]["distance_m"] is not None and items[0]["distance_m"] < 300
    slots = c.get(f"/api/services/services/{meal.pk}/slots").json()
    r = c.post("/api/services/bookings", {"slot": slots[0]["id"]}, content_type="application/json")
    assert r.status_code == 201, r.json()
    assert r.json()["person_name"] == "林建国"
    r2 = c.post("/api/services/bookings", {"slot": slots[0]["id"]}, content_type="application/json")
    assert (
        r2.status_code == 409 and "已预约" in r2.json()["detail"] and r2.json()["code"] == "booking.duplicate"
    )
    r3 = c.post("/api/services/bookings", {"slot": "x"}, content_type="application/json")
    assert r3.status_code == 422 and "slot" in r3.json()["errors"]
    bid = r.json()["id"]
    assert (
        c.post(f"/api/services/bookings/{bid}", {"action": "cancel"}, content_type="application/json").json()[
            "status"
        ]
        == "cancelled"
    )
    assert Slot.objects.get(pk=slots[0]["id"]).booked == 0
    assert c.get("/api/services/needs/summary").status_code == 403


def test_staff_api_needs_scope_matching_and_window(
    world: World, meal: Service, tomorrow: dt.date, client_for: Callable[[User], Client]
) -> None:
    services.slots_generate(service=meal, start=tomorrow, days=2)
    c = client_for(world.accounts.community_worker)
    body = {"person_id": world.people.in_b.pk, "category": "health", "description": "随访"}
    r = c.post("/api/services/needs", body, content_type="application/json")  # a person of community B
    assert r.status_code == 422 and "数据范围" in r.json()["detail"] and not Need.objects.exists()
    assert list(r.json()["errors"]) == ["person_id"]
    r = c.post(
        "/api/services/needs",
        {**body, "person_id": world.people.head.pk, "category": "elderly_meal"},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = c.post(
        "/api/services/needs",
        {**body, "person_id": world.people.head.pk, "urgency": "asap"},
        content_type="application/json",
    )
    assert r.status_code == 422 and "urgency" in r.json()["errors"]
    need_id = Need.objects.get().pk
    m = c.post("/api/services/matching", {"need_ids": [need_id]}, content_type="application/json").json()
    assert (
        m["rows"][0]["assigned"] == f"s{meal.pk}" and m["rows"][0]["suggestions"][0]["parts"][0][0] == "类别"
    )
    r = c.post(
        "/api/services/matching/confirm",
        {"need_id": need_id, "provider": f"s{meal.pk}"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "matched" and Booking.objects.count() == 1
    assert client_for(world.accounts.community_worker_b).get("/api/services/needs").json()["count"] == 0
    a = c.post(
        "/api/services/applications",
        {
            "item": "elderly_card",
            "person_id": world.people.head.pk,
            "materials": ["居民身份证", "近期免冠证件照"],
        },
        content_type="application/json",
    )
    assert a.status_code == 201
    for action in ("accept", "approve", "complete"):
        r = c.post(
            f"/api/services/applications/{a.json()['id']}",
            {"action": action},
            content_type="application/json",
        )
        assert r.status_code == 200, r.json()
    assert r.json()["status"] == "done" and len(r.json()["steps"]) == 4


def test_pages_render_for_each_role(
    world: World, meal: Service, tomorrow: dt.date, client_for: Callable[[User], Client]
) -> None:
    services.slots_generate(service=meal, start=tomorrow, days=2)
    r = client_for(world.accounts.resident)
    page = r.get("/services/").content.decode()
    assert "长者助餐" in page and "距您家" in page
    assert "确认预约" in r.get(f"/services/{meal.pk}/").content.decode()
    assert r.get("/services/my/").status_code == 200 and r.get("/services/apply/").status_code == 200
    assert r.get("/services/manage/").status_code == 403
    w = client_for(world.accounts.community_worker)
    for path in [
        "/services/manage/",
        f"/services/manage/{meal.pk}/",
        "/services/manage/new/",
        "/services/needs/",
        "/services/resources/",
        "/services/projects/",
        "/services/matching/",
        "/services/window/",
    ]:
        assert w.get(path).status_code == 200, path
    assert (
        client_for(world.accounts.community_worker_b).get(f"/services/manage/{meal.pk}/").status_code == 404
    )
    # creating a service with zero hours from the form: a clear error, nothing saved
    resp = w.post(
        "/services/manage/new/",
        {
            "name": "空时段服务",
            "kind": "public",
            "category": "health",
            "region": world.tree.community_a.code,
            "capacity": "2",
            "bookable": "1",
            "fee_kind": "free",
            "status": "active",
        },
        follow=True,
    )
    assert "0 小时" in resp.content.decode() and not Service.objects.filter(name="空时段服务").exists()
    resp = w.post("/services/window/", {"action": "check", "task": "出具无犯罪记录证明"}, follow=True)
    assert "负面清单" in resp.content.decode()


def test_list_endpoints_query_count_does_not_grow(
    world: World, make_service: Callable[..., Service], client_for: Callable[[User], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(world.accounts.district_admin)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(path).status_code == 200
        return len(ctx.captured_queries)

    make_service(world.tree.community_a)
    counts = {
        p: count(p) for p in ("/api/services/services", "/api/services/needs", "/api/services/projects")
    }
    for i in range(5):
        make_service(world.tree.community_b, name=f"服务{i}", category="repair")
        services.need_create(
            actor=world.accounts.district_admin,
            person=world.people.in_b,
            category=make_service(world.tree.community_b).category,
            description=f"需求{i}",
        )
    assert {p: count(p) for p in counts} == counts
