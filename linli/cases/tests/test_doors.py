"""Pages and API are two doors to the same services: the same action gives the same result through
either, and a refused one the same error code (page: the form's error; API: ``code``)."""

from __future__ import annotations

from typing import Any

import pytest

from linli.cases import services
from linli.cases.engine import workflow as wf
from linli.cases.models import Case

from .conftest import CasesWorld, grid_center
from .test_services import report as _report


def _page_code(response: Any, field: str) -> str:
    return str(response.context["form"].errors.as_data()[field][0].code)


@pytest.fixture
def doors(cw: CasesWorld, client_for, token_client_for) -> tuple[Any, Any]:
    worker = cw.world.accounts.community_worker
    return client_for(worker), token_client_for(worker)


def _state(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    last = case.events.order_by("-at", "-id").first()
    assert last is not None
    return (
        case.status,
        case.version,
        case.handler_org_id,
        case.handler_region_id,
        last.action,
        last.unit,
        last.actor_id,
    )


def test_accept_and_dispatch_give_the_same_result_through_page_and_api(cw: CasesWorld, doors) -> None:
    page, api = doors
    by_page, by_api = _report(cw), _report(cw)
    r = page.post(f"/cases/{by_page.number}/act/", {"action": "accept", "version": by_page.version})
    assert r.status_code == 302
    r = api.post(
        f"/api/cases/{by_api.number}/actions",
        {"action": "accept", "version": by_api.version},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == wf.ACCEPTED
    assert _state(by_page) == _state(by_api)
    assert by_page.status == wf.ACCEPTED

    r = page.post(
        f"/cases/{by_page.number}/act/",
        {
            "action": "dispatch",
            "version": by_page.version,
            "unit": f"org:{cw.chengguan.pk}",
            "note": "请处理",
        },
    )
    assert r.status_code == 302
    r = api.post(
        f"/api/cases/{by_api.number}/actions",
        {"action": "dispatch", "version": by_api.version, "unit_org": cw.chengguan.pk, "note": "请处理"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == wf.DISPATCHED
    assert _state(by_page) == _state(by_api)
    assert by_page.handler_org_id == cw.chengguan.pk


REFUSALS: dict[str, Any] = {
    # accepted already: the state machine refuses a second 受理
    "state": lambda cw: ({"action": "accept"}, {"action": "accept"}, "action", "case.transition_not_allowed"),
    # a unit no one knows
    "unknown unit": lambda cw: (
        {"action": "dispatch", "unit": "region:999999999999"},
        {"action": "dispatch", "unit_region": "999999999999"},
        "unit",
        "case.unit_unknown",
    ),
    # a community that does not cover the request's place
    "unit elsewhere": lambda cw: (
        {"action": "dispatch", "unit": f"region:{cw.world.tree.community_b.code}"},
        {"action": "dispatch", "unit_region": cw.world.tree.community_b.code},
        "unit",
        "case.unit_out_of_area",
    ),
    # 上报 needs a reason
    "no reason": lambda cw: ({"action": "escalate"}, {"action": "escalate"}, "note", "case.note_required"),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_a_refused_action_gives_the_same_code_through_page_and_api(cw: CasesWorld, doors, refusal) -> None:
    page, api = doors
    page_data, api_data, field, code = REFUSALS[refusal](cw)
    case = _report(cw)
    services.case_accept(case=case, by=cw.world.accounts.community_worker)
    before = _state(case)
    r = page.post(f"/cases/{case.number}/act/", {**page_data, "version": case.version})
    assert r.status_code == 422
    assert _page_code(r, field) == code
    a = api.post(
        f"/api/cases/{case.number}/actions",
        {**api_data, "version": case.version},
        content_type="application/json",
    )
    assert a.status_code == 422 and a.json()["code"] == code and field in a.json()["errors"]
    assert _state(case) == before  # nothing written through either door


def test_a_stale_version_is_the_same_conflict_through_page_and_api(cw: CasesWorld, doors) -> None:
    page, api = doors
    case = _report(cw)
    old = case.version
    services.case_accept(case=case, by=cw.world.accounts.community_worker)
    r = page.post(f"/cases/{case.number}/act/", {"action": "escalate", "version": old, "note": "上报"})
    assert r.status_code == 409 and _page_code(r, "version") == "case.conflict"
    a = api.post(
        f"/api/cases/{case.number}/actions",
        {"action": "escalate", "version": old, "note": "上报"},
        content_type="application/json",
    )
    assert a.status_code == 409 and a.json()["code"] == "case.conflict"


def test_a_refused_intake_gives_the_same_code_through_page_and_api(cw: CasesWorld, doors) -> None:
    page, api = doors
    lat, lon = grid_center(0)
    form = {"category": "sanitation.complaint", "description": "<b>垃圾</b>", "channel": "hotline"}
    r = page.post("/cases/intake/", {**form, "lat": lat, "lon": lon})
    assert r.status_code == 422 and _page_code(r, "description") == "case.text_html"
    a = api.post("/api/cases/", {**form, "lat": lat, "lon": lon}, content_type="application/json")
    assert a.status_code == 422 and a.json()["code"] == "case.text_html"
    assert not Case.objects.exists()


def test_the_page_offers_exactly_the_actions_the_services_allow(cw: CasesWorld, client_for) -> None:
    """The page leaves out what the service would refuse (批准延期 with no extension asked), and
    offers it once the precondition holds."""
    a = cw.world.accounts
    case = _report(cw)
    services.case_accept(case=case, by=a.community_worker)
    services.case_dispatch(case=case, by=a.community_worker, organisation=cw.chengguan)
    services.case_start(case=case, by=cw.dept_user)
    body = client_for(a.community_worker).get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="remind"' in body and 'data-action="approve_extension"' not in body
    r = client_for(a.community_worker).post(
        f"/cases/{case.number}/act/", {"action": "approve_extension", "version": case.version}
    )
    assert r.status_code == 422 and _page_code(r, "action") == "case.no_extension_requested"
    services.case_request_extension(case=case, by=cw.dept_user, days=3, reason="材料未到")
    body = client_for(a.community_worker).get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="approve_extension"' in body
