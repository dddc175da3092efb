"""Pages and API are two doors to the same siting service: same result, same error code."""

from __future__ import annotations

from typing import Any

from linli.lifecircle.models import SitingRun
from linli.lifecircle.services import recompute
from linli.lifecircle.tests.test_app import _place

SAME = ("sites", "population", "covered_before", "covered_after", "gained", "candidates", "demand")


def test_siting_through_either_door_gives_the_same_run(
    world: Any, client_for: Any, token_client_for: Any
) -> None:
    district, es, _blds = _place(world)
    recompute(district)
    admin = world.accounts.district_admin
    params = {"type": "elderly_station", "problem": "median", "k": 1, "group": "all", "candidates": "vacant"}
    page = client_for(admin).post("/lifecircle/siting/", {**params, "region": district.code})
    assert page.status_code == 200 and "新增覆盖" in page.content.decode()
    api = token_client_for(admin).post(
        "/api/lifecircle/siting", {**params, "region": district.code}, content_type="application/json"
    )
    assert api.status_code == 200, api.content
    by_page, by_api = SitingRun.objects.order_by("pk")
    assert api.json()["id"] == by_api.pk
    assert {k: by_page.result[k] for k in SAME} == {k: by_api.result[k] for k in SAME}
    assert (by_page.region, by_page.type, by_page.problem, by_page.k, by_page.created_by) == (
        by_api.region,
        by_api.type,
        by_api.problem,
        by_api.k,
        by_api.created_by,
    )
    assert by_page.result["sites"][0]["label"] == "闲置用房二"


def test_a_refused_siting_gives_the_same_code_on_either_door(
    world: Any, client_for: Any, token_client_for: Any
) -> None:
    district, es, _blds = _place(world)
    admin = world.accounts.district_admin
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"k": 0}, "k", "lifecircle.k_out_of_range"),
        ({"problem": "nearest"}, "problem", "lifecircle.unknown_problem"),
        ({"group": "pets"}, "group", "lifecircle.unknown_group"),
    ]
    for change, field, code in cases:
        params = {"type": "elderly_station", "k": 1, "candidates": "vacant", **change}
        page = client_for(admin).post("/lifecircle/siting/", params)
        assert page.status_code == 200
        on_page = page.context["form"].errors.as_data()[field][0].code
        api = token_client_for(admin).post("/api/lifecircle/siting", params, content_type="application/json")
        assert api.status_code == 422, api.content
        assert on_page == api.json()["code"] == code
        assert field in api.json()["errors"]
    assert not SitingRun.objects.exists()
