"""Bad input is a 400/422 naming the parameter, never a 500 — on every door.

- NUL (PostgreSQL cannot store it: a 500 before) and lone surrogates in a search, a filter, a text
  field, a JSON body, a form, an Open311 parameter or a path: 400 naming the parameter, in the
  door's own format (``linli.core.middleware``);
- an overlong query parameter (SQLite refuses LIKE patterns over 50 000 bytes: a 500 before): 400;
- ``page=99999999999999999999`` and friends (an OFFSET past 64 bits: a 500 before): 422 naming
  ``page`` on every paginated API operation, a GeoReport 400 on Open311, the last page on pages;
- an API path no operation serves, a malformed id included: JSON 404 with ``code: not_found``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client

from linli.api import api
from linli.core.middleware import MAX_PARAM_LENGTH
from linli.core.paging import MAX_PAGE
from linli.testing.factories import issue_token

pytestmark = pytest.mark.django_db

NUL = "\x00"


def _json(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def _assert_api_refused(response: Any, field: str, code: str = "input.invalid_character") -> None:
    assert response.status_code == 400, response.content[:300]
    body = _json(response)
    assert body["code"] == code
    assert list(body["errors"]) == [field]
    assert f"参数 {field} " in body["detail"]


# --- NUL and other poison ------------------------------------------------------------------------

API_SEARCHES = [
    ("/api/persons", "q"),
    ("/api/persons", "region"),
    ("/api/persons/export", "q"),
    ("/api/households", "q"),
    ("/api/buildings", "region"),
    ("/api/organisations", "q"),
    ("/api/regions", "q"),
    ("/api/regions", "parent"),
    ("/api/facilities", "q"),
    ("/api/facilities", "region"),
    ("/api/facilities/geojson", "region"),
    ("/api/cases/", "q"),
    ("/api/cases/", "region"),
    ("/api/cases/routing/suggest", "text"),
    ("/api/services/services", "q"),
    ("/api/audit-log", "actor"),
    ("/api/audit-log", "subject_type"),
    ("/api/lifecircle/coverage", "region"),
    ("/api/indicators/attainment", "region"),
]


VALID = {"region": "350504", "parent": "350504", "subject_type": "registry.person"}


@pytest.mark.parametrize(("url", "param"), API_SEARCHES, ids=[f"{u}?{p}" for u, p in API_SEARCHES])
def test_nul_in_an_api_search_or_filter_is_a_400_naming_it(world, client_for, url, param):
    client = client_for(world.accounts.system_admin)
    value = VALID.get(param, "林芳")  # two characters: a request's search asks for two at least
    assert client.get(url, {param: value}).status_code == 200  # the door exists and takes the parameter
    _assert_api_refused(client.get(url, {param: f"{value}{NUL}"}), param)


@pytest.mark.parametrize("role", ["system_admin", "grid_worker"])
def test_nul_refused_the_same_for_token_and_narrow_scope(world, token_client_for, role):
    client = token_client_for(getattr(world.accounts, role))
    _assert_api_refused(client.get("/api/persons", {"q": NUL}), "q")


def test_nul_in_a_parameter_name_is_refused_and_not_echoed(world, client_for):
    response = client_for(world.accounts.system_admin).get("/api/persons?a%00b=1")
    assert response.status_code == 400
    body = _json(response)
    assert body["code"] == "input.invalid_character"
    assert NUL not in json.dumps(body, ensure_ascii=False) and "\\u0000" not in response.content.decode()


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        (
            "/api/cases/",
            {"category": "sanitation.complaint", "description": f"垃圾{NUL}堆放", "address": "万福社区"},
            "description",
        ),
        (
            "/api/persons",
            {"name": f"张{NUL}三", "sex": "男", "birth_date": "1980-01-01", "region_code": "350504001001001"},
            "name",
        ),
        ("/api/persons", {"name": "张三", "note": "\ud800", "region_code": "350504001001001"}, "note"),
        ("/api/tokens", {"name": f"系统{NUL}"}, "name"),
    ],
    ids=["case-description-nul", "person-name-nul", "person-note-lone-surrogate", "token-name-nul"],
)
def test_poison_in_a_json_body_is_a_400_naming_the_field(world, client_for, url, payload, field):
    client = client_for(world.accounts.system_admin)
    body = json.dumps(payload)  # ensure_ascii: NUL and the surrogate travel as \\u escapes
    response = client.post(url, body, content_type="application/json")
    _assert_api_refused(response, field)


def test_poison_in_a_utf16_json_body_is_refused_too(world, client_for):
    body = json.dumps({"name": f"系统{NUL}"}).encode("utf-16")
    response = client_for(world.accounts.system_admin).post("/api/tokens", body, "application/json")
    _assert_api_refused(response, "name")


def test_poison_in_a_nested_json_field_names_its_path(world, client_for):
    client = client_for(world.accounts.system_admin)
    response = client.post(
        "/api/lifecircle/siting",
        json.dumps({"facility_type": "x", "extra": [{"k": NUL}]}),
        "application/json",
    )
    _assert_api_refused(response, "extra.0.k")


def test_nul_in_an_api_path_parameter_is_a_400_naming_it(world, client_for):
    client = client_for(world.accounts.system_admin)
    _assert_api_refused(client.get("/api/regions/35%00"), "code")
    _assert_api_refused(client.get("/api/no/such%00thing"), "path")
    response = Client().get("/open311/v2/requests/a%00b.json")
    assert response.status_code == 400 and "path" in _json(response)[0]["description"]


PAGES_WITH_SEARCH = [
    ("/registry/persons/", "q"),
    ("/registry/households/", "q"),
    ("/registry/buildings/", "q"),
    ("/registry/organisations/", "q"),
    ("/cases/", "q"),
    ("/cases/", "region"),
    ("/services/manage/", "q"),
    ("/services/needs/", "status"),
    ("/facilities/", "q"),
    ("/audit-log/", "actor"),
    ("/regions/", "q"),
]


@pytest.mark.parametrize(("url", "param"), PAGES_WITH_SEARCH, ids=[f"{u}?{p}" for u, p in PAGES_WITH_SEARCH])
def test_nul_in_a_page_search_is_a_chinese_400_page(world, client_for, url, param):
    client = client_for(world.accounts.system_admin)
    assert client.get(url, {param: "林"}).status_code == 200
    response = client.get(url, {param: f"林{NUL}"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert f"参数 {param} 含有不允许的字符" in text
    assert NUL not in text


def test_nul_in_the_resident_service_search_is_a_400_page(world, client_for):
    client = client_for(world.accounts.resident)
    assert client.get("/services/", {"q": "理发"}).status_code == 200
    response = client.get("/services/", {"q": f"理发{NUL}"})
    assert response.status_code == 400
    assert "参数 q 含有不允许的字符" in response.content.decode()


def test_nul_in_a_page_form_and_in_a_page_path_is_a_400(world, client_for):
    response = Client().post("/login/", {"username": f"admin{NUL}", "password": "x"})
    assert response.status_code == 400
    assert "参数 username 含有不允许的字符" in response.content.decode()
    client = client_for(world.accounts.system_admin)
    response = client.get("/regions/35%00/")
    assert response.status_code == 400
    assert "参数 code 含有不允许的字符" in response.content.decode()


@pytest.fixture
def open311_key(world) -> str:
    return issue_token(world.accounts.community_worker, "12345 热线平台")


@pytest.mark.parametrize(
    "param", ["service_code", "service_request_id", "status", "start_date", "jurisdiction_id"]
)
def test_nul_in_an_open311_filter_is_a_georeport_400(world, param):
    response = Client().get("/open311/v2/requests.json", {param: f"a{NUL}"})
    assert response.status_code == 400
    [error] = _json(response)
    assert error["code"] == 400
    assert param in error["description"] and "含有不允许的字符" in error["description"]
    xml = Client().get("/open311/v2/requests.xml", {param: f"a{NUL}"})
    assert xml.status_code == 400 and xml["Content-Type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.find("error/code").text == "400"


def test_nul_in_an_open311_post_description_is_a_georeport_400(world, open311_key):
    body = {
        "api_key": open311_key,
        "service_code": "sanitation.complaint",
        "lat": "24.96",
        "long": "118.67",
        "description": f"路边{NUL}垃圾",
    }
    response = Client().post("/open311/v2/requests.json", body)
    assert response.status_code == 400
    [error] = _json(response)
    assert error["code"] == 400 and "description" in error["description"]
    from linli.cases.models import Case

    assert not Case.objects.exists()


# --- absurd lengths ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/persons", "/api/regions", "/api/households", "/api/organisations"])
def test_an_overlong_api_search_is_a_400_naming_it(world, client_for, url):
    client = client_for(world.accounts.system_admin)
    assert client.get(url, {"q": "x" * MAX_PARAM_LENGTH}).status_code == 200
    _assert_api_refused(client.get(url, {"q": "x" * 60_000}), "q", code="input.too_long")


def test_an_overlong_page_search_is_a_400_page(world, client_for):
    response = client_for(world.accounts.system_admin).get("/registry/persons/", {"q": "x" * 60_000})
    assert response.status_code == 400
    assert "参数 q 过长" in response.content.decode()


def test_too_many_query_fields_is_a_json_400_on_the_api(world, client_for):
    query = "&".join(f"f{i}=1" for i in range(1100))
    response = client_for(world.accounts.system_admin).get(f"/api/persons?{query}")
    assert response.status_code == 400
    body = _json(response)
    assert body["code"] == "input.too_many_fields" and body["errors"] == {"__all__": ["参数过多"]}


def test_a_body_that_is_not_json_is_a_400_with_a_code(world, client_for):
    response = client_for(world.accounts.system_admin).post(
        "/api/persons", b"PK\x03\x04", content_type="application/json"
    )
    assert response.status_code == 400
    assert _json(response)["code"] == "input.malformed"


# --- pagination ----------------------------------------------------------------------------------


# Query parameters an operation needs to answer 200 for the system administrator (no region of its own).
REQUIRED = {"/api/audit/four-no-miss/": {"region": "350504"}}


def _paginated_operations() -> list[str]:
    """Every GET operation of the API taking ``page`` (path parameters filled with a valid sample)."""
    urls = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        op = operations.get("get")
        if not op or not any(p["name"] == "page" for p in op.get("parameters", [])):
            continue
        for p in op["parameters"]:
            if p["in"] == "path":
                enum = [v for v in p["schema"].get("enum", []) if v]
                path = path.replace("{" + p["name"] + "}", enum[0] if enum else "no_household")
        urls.append(path)
    return urls


PAGINATED = _paginated_operations()
BAD_PAGES = ["99999999999999999999", "9223372036854775807", str(MAX_PAGE + 1), "0", "-1", "abc", "1.5"]


def test_the_paginated_operations_are_found():
    assert len(PAGINATED) >= 15
    assert {"/api/persons", "/api/cases/", "/api/services/services", "/api/facilities"} <= set(PAGINATED)
    assert len(PAGINATED) == len(set(PAGINATED))


@pytest.mark.parametrize("url", PAGINATED)
def test_every_paginated_api_operation_refuses_a_bad_page_naming_it(world, client_for, url):
    client = client_for(world.accounts.system_admin)
    needed = next((q for prefix, q in REQUIRED.items() if url.startswith(prefix)), {})
    assert client.get(url, needed).status_code == 200
    for page in BAD_PAGES:
        response = client.get(url, {**needed, "page": page})
        assert response.status_code == 422, (page, response.content[:200])
        assert "page" in _json(response)["errors"], page
    for size in ["10000000000000000000000", "0", "-5"]:
        response = client.get(url, {**needed, "page_size": size})
        assert response.status_code == 422 and "page_size" in _json(response)["errors"], size
    past_the_end = _json(client.get(url, {**needed, "page": MAX_PAGE, "page_size": 200}))
    assert past_the_end["items"] == [] and past_the_end["page"] == MAX_PAGE


PAGINATED_PAGES = [
    "/registry/persons/",
    "/registry/households/",
    "/registry/buildings/",
    "/registry/organisations/",
    "/registry/staff/",
    "/registry/audit/?check=no_household",
    "/cases/",
    "/services/manage/",
    "/services/needs/",
    "/services/resources/",
    "/services/window/",
    "/facilities/",
    "/audit-log/",
]


@pytest.mark.parametrize("url", PAGINATED_PAGES)
def test_every_paginated_page_shows_the_last_page_for_a_page_out_of_range(world, client_for, url):
    client = client_for(world.accounts.system_admin)
    sep = "&" if "?" in url else "?"
    for page in ["99999999999999999999", "-1", "abc", "0", "1e9"]:
        response = client.get(f"{url}{sep}page={page}")
        assert response.status_code == 200, (page, response.status_code)


def test_the_pager_keeps_the_other_parameters_encoded(world, client_for):
    from linli.testing.factories import PersonFactory

    for i in range(35):
        PersonFactory.create(name=f"翻页{i}", region=world.tree.grid_a1)
    response = client_for(world.accounts.system_admin).get("/registry/persons/", {"q": "翻页", "x&y": "a b"})
    text = response.content.decode()
    assert "第 1 / 2 页" in text
    assert "q=%E7%BF%BB%E9%A1%B5" in text and "x%26y=a+b" in text and "page=2" in text


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "abc", str(MAX_PAGE + 1)])
def test_open311_refuses_a_bad_page_in_its_own_format(world, page):
    response = Client().get("/open311/v2/requests.json", {"page": page})
    assert response.status_code == 400
    [error] = _json(response)
    assert error["code"] == 400 and "page" in error["description"]


def test_open311_refuses_an_absurd_page_size(world):
    response = Client().get("/open311/v2/requests.json", {"page_size": "10000000000000000000000"})
    assert response.status_code == 400
    assert "page_size" in _json(response)[0]["description"]


# --- API 404 is JSON -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/persons/abc"),
        ("get", "/api/persons/-1"),
        ("get", "/api/facilities/1.5"),
        ("get", "/api/no/such/thing"),
        ("get", "/api/persons/1/nothing"),
        ("post", "/api/no-such-operation"),
        ("delete", "/api/persons/abc"),
    ],
)
def test_an_unknown_api_path_is_a_json_404(world, client_for, method, url):
    client = client_for(world.accounts.community_worker, enforce_csrf_checks=True)
    response = getattr(client, method)(url)
    assert response.status_code == 404
    assert _json(response) == {"detail": "不存在，或不在本账号的数据范围内", "code": "not_found"}


HUGE = "99999999999999999999"  # past 64 bits: no database integer holds it


@pytest.mark.parametrize(
    "url",
    [
        f"/api/persons/{HUGE}",
        f"/api/facilities/{HUGE}",
        f"/api/imports/{HUGE}",
        f"/api/services/services/{HUGE}/slots",
        f"/registry/persons/{HUGE}/",
        f"/facilities/{HUGE}/",
        f"/services/{HUGE}/",
        f"/services/window/{HUGE}/",
    ],
)
def test_an_id_past_64_bits_is_absent_not_a_500(world, client_for, url):
    response = client_for(world.accounts.system_admin).get(url)
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert _json(response)["code"] == "not_found"


def test_an_unknown_api_path_reads_like_an_absent_object(world, client_for):
    client = client_for(world.accounts.community_worker)
    absent = client.get("/api/persons/99999999")
    out_of_scope = client.get(f"/api/persons/{world.people.in_c.pk}")
    unknown = client.get("/api/persons/abc")
    assert absent.status_code == out_of_scope.status_code == unknown.status_code == 404
    assert _json(absent) == _json(out_of_scope) == _json(unknown)


@pytest.mark.parametrize(
    ("method", "url", "allow"), [("post", "/api/imports/5", "GET"), ("delete", "/api/me", "GET")]
)
def test_a_path_served_with_another_method_is_a_json_405(world, client_for, method, url, allow):
    response = getattr(client_for(world.accounts.district_admin), method)(url)
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert _json(response) == {"detail": f"此路径只支持 {allow} 请求", "code": "method_not_allowed"}


def test_an_api_path_lacking_its_slash_is_still_redirected(world, client_for):
    response = client_for(world.accounts.community_worker).get("/api/cases?q=x")
    assert response.status_code == 301
    assert response["Location"] == "/api/cases/?q=x"


@pytest.mark.parametrize(("fmt", "ctype"), [("json", "application/json"), ("xml", "text/xml")])
def test_an_unknown_open311_path_answers_in_its_format(world, fmt, ctype):
    response = Client().get(f"/open311/v2/requests/bad!id.{fmt}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(ctype)


def test_a_server_error_on_the_api_is_json(world, client_for, monkeypatch):
    import linli.core.api

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(linli.core.api, "acting_user", broken)
    client = client_for(world.accounts.community_worker)
    client.raise_request_exception = False
    response = client.get("/api/me")
    assert response.status_code == 500
    assert _json(response)["code"] == "server_error"


# --- documented ---------------------------------------------------------------------------------


def test_every_operation_documents_400_and_the_error_code():
    document = api.get_openapi_schema()
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            assert "400" in op["responses"] or 400 in op["responses"], (method, path)
    error = document["components"]["schemas"]["ErrorOut"]
    assert "code" in error["properties"] and error["required"] == [
        "detail",
        "code",
    ]  # every error has its code
