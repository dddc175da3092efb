"""Pages and API are two doors to the same services: same resulting facility, same error code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from linli.core.models import User
from linli.facilities.models import Facility
from linli.testing.factories import World

# The same facility as the page's form texts and as the API's JSON.
FORM = {
    "name": "万福长者食堂",
    "type": "elder_canteen",
    "region_code": "350504001001",
    "address": "万福路 8 号",
    "building_area": "120",
    "activity_area": "90",
    "lat": "24.96",
    "lon": "118.67",
    "coord_system": "gcj02",
    "operator_name": "",
    "status": "open",
    "opened_on": "2021-06-01",
    "hours_1": "10:30-13:00, 16:30-18:30",
    "hours_2": "10:30-13:00",
}
JSON: dict[str, Any] = {
    "name": "万福长者食堂",
    "type": "elder_canteen",
    "region_code": "350504001001",
    "address": "万福路 8 号",
    "building_area": 120,
    "activity_area": 90,
    "lat": 24.96,
    "lon": 118.67,
    "coord_system": "gcj02",
    "status": "open",
    "opened_on": "2021-06-01",
    "opening_hours": {"1": [["10:30", "13:00"], ["16:30", "18:30"]], "2": [["10:30", "13:00"]]},
}
STATE = (
    "name",
    "type_id",
    "region_id",
    "address",
    "building_area",
    "activity_area",
    "office_area",
    "lat",
    "lon",
    "opening_hours",
    "hours_per_week",
    "short_days",
    "status",
    "opened_on",
)


def state(f: Facility) -> dict[str, Any]:
    f.refresh_from_db()
    return {k: getattr(f, k) for k in STATE}


def page_error_code(response: Any, field: str) -> str:
    return response.context["form"].errors.as_data()[field][0].code


def test_create_and_update_through_either_door_give_the_same_facility(
    world: World, client_for: Callable[[User], Client], token_client_for: Callable[[User], Client]
) -> None:
    page, api = client_for(world.accounts.community_worker), token_client_for(world.accounts.community_worker)
    r = page.post("/facilities/new/", FORM)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    by_page = Facility.objects.get(name="万福长者食堂")
    r = api.post("/api/facilities", {**JSON, "name": "万福长者食堂二"}, content_type="application/json")
    assert r.status_code == 201, r.content
    by_api = Facility.objects.get(pk=r.json()["id"])
    assert state(by_page) == {**state(by_api), "name": "万福长者食堂"}
    assert by_page.short_days == 2 and by_page.lat != 24.96  # converted from GCJ-02 on both doors

    r = page.post(
        f"/facilities/{by_page.pk}/edit/", {**FORM, "building_area": "150", "coord_system": "wgs84"}
    )
    assert r.status_code == 302
    body = {**JSON, "name": "万福长者食堂二", "building_area": 150, "coord_system": "wgs84"}
    r = api.put(f"/api/facilities/{by_api.pk}", body, content_type="application/json")
    assert r.status_code == 200, r.content
    assert state(by_page) == {**state(by_api), "name": "万福长者食堂"}
    assert by_page.lat == 24.96 and str(by_page.building_area) == "150.00"

    r = page.post(f"/facilities/{by_page.pk}/", {"status": "suspended", "note": "装修"})
    assert r.status_code == 302
    r = api.post(
        f"/api/facilities/{by_api.pk}/status",
        {"status": "suspended", "note": "装修"},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert state(by_page)["status"] == state(by_api)["status"] == "suspended"


def test_a_refused_write_gives_the_same_code_on_either_door(
    world: World, client_for: Callable[[User], Client], token_client_for: Callable[[User], Client]
) -> None:
    page, api = client_for(world.accounts.community_worker), token_client_for(world.accounts.community_worker)
    cases: list[tuple[dict[str, str], dict[str, Any], str | None, str]] = [
        ({"activity_area": "200"}, {"activity_area": 200}, "building_area", "facility.areas_exceed_building"),
        (
            {"region_code": "350504001002"},
            {"region_code": "350504001002"},
            "region_code",
            "facility.region_unknown",
        ),
        ({"name": ""}, {"name": ""}, "name", "facility.required"),
        (
            {"hours_2": "18:00-09:00"},
            {"opening_hours": {"2": [["18:00", "09:00"]]}},
            None,
            "facility.bad_hours",
        ),
    ]
    for form_change, json_change, field, code in cases:
        r = page.post("/facilities/new/", {**FORM, **form_change})
        assert r.status_code == 200
        on_page = page_error_code(r, field or "hours_2")
        r = api.post("/api/facilities", {**JSON, **json_change}, content_type="application/json")
        assert r.status_code == 422, r.content
        assert on_page == r.json()["code"] == code
    assert not Facility.objects.exists()


def test_attestation_refused_on_the_page_carries_the_service_code(
    world: World, client_for: Callable[[User], Client]
) -> None:
    page = client_for(world.accounts.community_worker)
    r = page.post(
        "/facilities/checklist/350504001001/", {"item": "1", "met": "1", "evidence": "面积够了够了"}
    )
    assert r.status_code == 200
    assert page_error_code(r, "item") == "facility.attestation_item_automatic"
