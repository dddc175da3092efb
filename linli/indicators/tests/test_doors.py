"""Pages and API are two doors onto the same services: the same write gives the same state, the same
refusal the same code (page: the form's error; API: ``code`` of the JSON answer)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse

from linli.indicators.models import DataValue, ValueStatus

pytestmark = pytest.mark.django_db
YEAR = 2025


def _page_submit(client, region, value, element="registered_volunteers"):
    return client.post(
        reverse("indicators:values"),
        {"action": "submit", "element": element, "region": region.code, "year": YEAR, "value": value},
    )


def _api_submit(client, region, value, element="registered_volunteers"):
    return client.post(
        "/api/indicators/values",
        {"element": element, "region": region.code, "year": YEAR, "value": value},
        content_type="application/json",
    )


def _page_code(response, field=NON_FIELD_ERRORS) -> str:
    assert response.status_code == 200, response.status_code  # the page shown again with its form
    return response.context["form"].errors.as_data()[field][0].code


def _state(v: DataValue) -> tuple:
    v.refresh_from_db()
    return (v.element.code, v.year, v.period, v.value, v.status, v.version, v.current, v.entered_by_id)


def test_value_report_and_its_approval_through_both_doors(tree, users, client_for):
    worker, street = client_for(users["community_a"]), client_for(users["street"])
    r = _page_submit(worker, tree.community_a, "150")
    assert r.status_code == 302
    by_page = DataValue.objects.get(region=tree.community_a)
    r = _api_submit(worker, tree.community_c, "150")  # another community of the worker's street
    assert r.status_code == 403 and r.json()["code"] == "indicator.out_of_scope"
    a_worker_c = client_for(users["community_c"])
    r = _api_submit(a_worker_c, tree.community_c, "150")
    assert r.status_code == 201, r.content
    by_api = DataValue.objects.get(pk=r.json()["id"])
    # the same state but for the region and the one who entered it
    assert _state(by_page)[:-1] == _state(by_api)[:-1]
    assert _state(by_page)[4] == ValueStatus.SUBMITTED and _state(by_page)[3] == Decimal(150)

    r = street.post(reverse("indicators:values"), {"action": "approve", "value_id": by_page.pk, "year": YEAR})
    assert r.status_code == 302
    r = client_for(users["town"]).post(
        f"/api/indicators/values/{by_api.pk}/review", {"approve": True}, content_type="application/json"
    )
    # community C lies under the town, not the street: the town approves it
    assert r.status_code == 200 and r.json()["status"] == "approved", r.content
    for v, who in ((by_page, users["street"]), (by_api, users["town"])):
        v.refresh_from_db()
        assert (v.status, v.reviewed_by, v.locked) == (ValueStatus.APPROVED, who, True)


def test_refused_value_gives_the_same_code_at_both_doors(tree, users, client_for):
    worker = client_for(users["community_a"])
    page = _page_submit(worker, tree.community_a, "-1", element="community_floor_area")
    api = _api_submit(worker, tree.community_a, "-1", element="community_floor_area")
    assert api.status_code == 422
    assert _page_code(page) == api.json()["code"] == "indicator.negative_value"
    assert "不能为负数" in page.content.decode()  # the message is shown as before
    assert not DataValue.objects.exists()

    # a value submitted, then a second submission of it: refused as "already reported" at both doors
    assert _page_submit(worker, tree.community_a, "10").status_code == 302
    page = _page_submit(worker, tree.community_a, "11")
    api = _api_submit(worker, tree.community_a, "11")
    assert _page_code(page) == api.json()["code"] == "indicator.value_exists"


def test_refused_review_gives_the_same_code_at_both_doors(tree, users, client_for):
    _page_submit(client_for(users["community_a"]), tree.community_a, "150")
    v = DataValue.objects.get()
    district = client_for(users["district"])  # a district reviews its streets' values, not communities'
    page = district.post(reverse("indicators:values"), {"action": "approve", "value_id": v.pk, "year": YEAR})
    api = district.post(
        f"/api/indicators/values/{v.pk}/review", {"approve": True}, content_type="application/json"
    )
    assert api.status_code == 403
    assert _page_code(page) == api.json()["code"] == "indicator.review_not_allowed"
    street = client_for(users["street"])
    page = street.post(reverse("indicators:values"), {"action": "reject", "value_id": v.pk, "year": YEAR})
    api = street.post(
        f"/api/indicators/values/{v.pk}/review", {"approve": False}, content_type="application/json"
    )
    assert api.status_code == 422
    assert _page_code(page) == api.json()["code"] == "indicator.note_required"
    v.refresh_from_db()
    assert v.status == ValueStatus.SUBMITTED  # nothing changed by the refusals


def test_report_refusal_gives_the_same_code_and_message(tree, users, client_for):
    """No plan adopted: the report is refused by the same rule at both doors."""
    c = client_for(users["district"])
    api = c.get("/api/indicators/report", {"region": tree.district.code, "year": YEAR, "format": "json"})
    assert api.status_code == 422 and api.json()["code"] == "indicator.report_no_targets"
    page = c.get(reverse("indicators:report"), {"year": YEAR, "format": "json"}, follow=True)
    assert api.json()["detail"] in page.content.decode()
    bad = c.get("/api/indicators/report", {"region": tree.district.code, "year": YEAR, "format": "doc"})
    assert bad.status_code == 422 and bad.json()["code"] == "indicator.report_format"
