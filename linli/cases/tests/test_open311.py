"""Open311 GeoReport v2 conformance: every resource, both formats, the error cases."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from linli.cases import services
from linli.cases.engine.redact import coarsen
from linli.cases.models import Case, Channel
from linli.core.models import ApiToken
from linli.testing.factories import issue_token

from .conftest import CasesWorld, grid_center

BASE = "/open311/v2"


@pytest.fixture
def key(cw: CasesWorld) -> str:
    return issue_token(cw.world.accounts.community_worker, "12345 热线平台")


def get(path: str, **params):  # type: ignore[no-untyped-def]
    return Client().get(f"{BASE}/{path}", params)


def as_json(r):  # type: ignore[no-untyped-def]
    assert r["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(r.content)


def as_xml(r):  # type: ignore[no-untyped-def]
    assert r["Content-Type"] == "text/xml; charset=utf-8"
    assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(r.content)


def post(key: str, fmt: str = "json", **data):  # type: ignore[no-untyped-def]
    lat, lon = grid_center(0)
    body = {
        "api_key": key,
        "service_code": "sanitation.complaint",
        "lat": str(lat),
        "long": str(lon),
        "description": "路边垃圾堆放",
    }
    body.update(data)
    body = {k: v for k, v in body.items() if v is not None}
    return Client().post(f"{BASE}/requests.{fmt}", body)


def test_discovery_both_formats(cw: CasesWorld) -> None:
    j = as_json(get("discovery.json"))
    assert j["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in j["endpoints"][0]["formats"]
    x = as_xml(get("discovery.xml"))
    assert x.tag == "discovery"
    assert x.find("endpoints/endpoint/specification").text == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in x.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_list_and_definition(cw: CasesWorld) -> None:
    services_json = as_json(get("services.json"))
    codes = {s["service_code"] for s in services_json}
    assert {"sanitation.complaint", "water.help"} <= codes
    water = next(s for s in services_json if s["service_code"] == "water.help")
    assert water["metadata"] is True and water["type"] == "realtime" and water["group"] == "供水"
    x = as_xml(get("services.xml"))
    assert x.tag == "services" and x.find("service/service_code") is not None
    assert x.find("service/metadata").text in ("true", "false")
    d = as_json(get("services/water.help.json"))
    assert d["service_code"] == "water.help"
    scope = d["attributes"][0]
    assert scope["code"] == "scope" and scope["datatype"] == "singlevaluelist" and scope["required"] is True
    assert {"key": "building", "name": "整栋楼"} in scope["values"]
    xd = as_xml(get("services/water.help.xml"))
    assert xd.tag == "service_definition"
    assert xd.find("attributes/attribute/values/value/key").text == "home"
    assert xd.find("attributes/attribute/required").text == "true"


def test_unknown_service_and_resource_are_404_in_the_standard_form(cw: CasesWorld) -> None:
    r = get("services/nope.json")
    assert r.status_code == 404 and as_json(r) == [{"code": 404, "description": r.json()[0]["description"]}]
    r = get("services/nope.xml")
    x = as_xml(r)
    assert r.status_code == 404 and x.tag == "errors" and x.find("error/code").text == "404"
    assert get("nothing-here.json").status_code == 404
    assert as_xml(get("nothing-here.xml")).find("error/description").text
    assert get("services.json", jurisdiction_id="999999").status_code == 404


def test_post_request_creates_a_case_and_get_returns_it(cw: CasesWorld, key: str) -> None:
    r = post(key, first_name="三", last_name="张", phone="13912345678", media_url="https://example.org/p.jpg")
    assert r.status_code == 200, r.content
    body = as_json(r)
    assert len(body) == 1 and isinstance(body[0]["service_request_id"], str) and "token" not in body[0]
    case = Case.objects.get(number=body[0]["service_request_id"])
    assert case.channel == Channel.OPEN311 and case.region == cw.world.tree.community_a
    assert case.reporter_name.reveal() == "张三"
    one = as_json(get(f"requests/{case.number}.json"))
    assert len(one) == 1
    row = one[0]
    assert row["service_request_id"] == case.number and row["status"] == "open"
    assert row["service_code"] == "sanitation.complaint" and row["agency_responsible"] == "万福社区居委会"
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        parsed = dt.datetime.fromisoformat(row[field])
        assert parsed.tzinfo is not None and row[field].endswith("+08:00")
    assert row["media_url"] == "https://example.org/p.jpg"
    assert "张三" not in json.dumps(row, ensure_ascii=False) and "13912345678" not in json.dumps(row)
    x = as_xml(get(f"requests/{case.number}.xml"))
    assert x.tag == "service_requests" and x.find("request/service_request_id").text == case.number
    assert x.find("request/status").text == "open"
    # the token resource
    tok = as_json(get(f"tokens/{case.open311_token}.json"))
    assert tok == [{"service_request_id": case.number, "token": case.open311_token}]
    assert as_xml(get(f"tokens/{case.open311_token}.xml")).find("request/token").text == case.open311_token
    assert get("tokens/unknown.json").status_code == 404
    assert get("requests/20990101-000001.json").status_code == 404


def test_post_in_xml_and_with_required_attributes(cw: CasesWorld, key: str) -> None:
    r = post(key, fmt="xml", service_code="water.help", **{"attribute[scope]": "building"})
    x = as_xml(r)
    number = x.find("request/service_request_id").text
    assert Case.objects.get(number=number).attributes == {"scope": "building"}
    r = post(key, service_code="water.help")
    assert r.status_code == 400 and "attribute[scope]" in r.json()[0]["description"]
    r = post(key, service_code="water.help", **{"attribute[scope]": "galaxy"})
    assert r.status_code == 400


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "ll_wrong"}, 403, "api_key"),
        ({"service_code": "nope"}, 404, "service_code"),
        ({"service_code": ""}, 400, "service_code"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"long": None}, 400, "lat and long"),
        ({"lat": "abc"}, 400, "lat"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"description": "<b>hi</b>"}, 400, "HTML"),
        ({"lat": "40.0", "long": "116.0"}, 400, "不在本系统"),
        ({"media_url": "javascript:alert(document.cookie)"}, 400, "media_url"),
        ({"media_url": "data:text/html,<script>alert(1)</script>"}, 400, "media_url"),
        ({"media_url": "ftp://example.org/p.jpg"}, 400, "media_url"),
        ({"media_url": "https://example.org/" + "p" * 500 + ".jpg"}, 400, "media_url"),
        ({"media_url": "https://exa mple.org/p.jpg"}, 400, "media_url"),
    ],
)
def test_post_errors(cw: CasesWorld, key: str, data, status, words) -> None:
    r = post(key, **data)
    assert r.status_code == status
    err = as_json(r)
    assert err[0]["code"] == status and words in err[0]["description"]
    assert Case.objects.count() == 0
    x = as_xml(post(key, fmt="xml", **data))
    assert x.tag == "errors" and x.find("error/code").text == str(status)


def test_revoked_key_is_refused_once_the_short_key_cache_expires(
    cw: CasesWorld, key: str, monkeypatch
) -> None:
    from linli.cases.open311 import views

    assert post(key).status_code == 200
    ApiToken.objects.update(revoked=True)
    monkeypatch.setattr(views, "KEY_CACHE_SECONDS", 0.0)
    views._keys.clear()
    assert post(key).status_code == 403
    assert post(key).status_code == 403


def _cases(cw: CasesWorld, n: int) -> list[Case]:
    out = []
    for i in range(n):
        lat, lon = grid_center(i % 2)
        out.append(
            services.case_create(
                by=cw.world.accounts.community_worker,
                category="sanitation.complaint" if i % 2 == 0 else "property.complaint",
                description=f"第{i}件",
                channel=Channel.HOTLINE,
                lat=lat,
                lon=lon,
            )
        )
    return out


def test_get_requests_filters_and_paging(cw: CasesWorld) -> None:
    cases = _cases(cw, 5)
    old = cases[0]
    Case.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=200))
    services.case_reply(case=cases[1], by=cw.world.accounts.community_worker, reply="已答复", resolved=True)
    services.case_close(case=Case.objects.get(pk=cases[1].pk), by=cw.world.accounts.community_worker)
    rows = as_json(get("requests.json"))
    assert len(rows) == 4  # default: the last 90 days
    assert all(isinstance(r["service_request_id"], str) for r in rows)
    assert {r["status"] for r in as_json(get("requests.json", status="closed"))} == {"closed"}
    assert len(as_json(get("requests.json", status="open"))) == 3
    assert {r["service_code"] for r in as_json(get("requests.json", service_code="property.complaint"))} == {
        "property.complaint"
    }
    assert len(as_json(get("requests.json", service_code="property.complaint,sanitation.complaint"))) == 4
    # service_request_id overrides every other filter (even the date window)
    ids = f"{old.number},{cases[2].number}"
    assert {
        r["service_request_id"]
        for r in as_json(get("requests.json", service_request_id=ids, status="closed"))
    } == {old.number, cases[2].number}
    start = (timezone.now() - dt.timedelta(days=210)).isoformat()
    end = (timezone.now() - dt.timedelta(days=150)).isoformat()
    assert [
        r["service_request_id"] for r in as_json(get("requests.json", start_date=start, end_date=end))
    ] == [old.number]
    page1 = as_json(get("requests.json", page_size="3"))
    page2 = as_json(get("requests.json", page_size="3", page="2"))
    assert len(page1) == 3 and len(page2) == 1
    assert not {r["service_request_id"] for r in page1} & {r["service_request_id"] for r in page2}
    ext = as_json(get("requests.json", extensions="true", page_size="1"))
    assert "notes" in ext[0] and ext[0]["notes"][0]["type"] == "登记"
    x = as_xml(get("requests.xml", status="closed"))
    assert [e.text for e in x.findall("request/status")] == ["closed"]
    assert get("requests.json", status="").status_code == 200  # sent empty counts as absent


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
        {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
        {"status": "pending"},
        {"page": "0"},
        {"page_size": "5000"},
        {"page": "x"},
    ],
)
def test_get_requests_bad_parameters_are_400(cw: CasesWorld, params) -> None:
    r = get("requests.json", **params)
    assert r.status_code == 400 and as_json(r)[0]["code"] == 400
    assert as_xml(get("requests.xml", **params)).find("error/code").text == "400"


def test_requests_about_personal_circumstances_are_not_published(cw: CasesWorld, key: str) -> None:
    r = post(key, service_code="social_assistance.help", description="家庭困难想申请临时救助")
    assert r.status_code == 200
    number = r.json()[0]["service_request_id"]
    assert number not in {row["service_request_id"] for row in get("requests.json").json()}
    assert get(f"requests/{number}.json").status_code == 404
    assert get("requests.json", service_request_id=number).json() == []
    lat, lon = grid_center(0)
    public = post(key).json()[0]["service_request_id"]
    row = get(f"requests/{public}.json").json()[0]
    assert (row["lat"], row["long"]) == coarsen(lat, lon)
