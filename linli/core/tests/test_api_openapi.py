"""The OpenAPI document and the code agree (as Zulip tests it): every route served is documented,
every documented operation is served by the view it names, and every operation documents its
authentication and error responses."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, resolve

from linli.api import api

pytestmark = pytest.mark.django_db

PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
SESSION_ONLY = {("POST", "/api/tokens")}  # a token may not issue tokens
# anyone may check a 志愿服务证明's code (the answer carries a masked name only)
PUBLIC = {
    ("GET", "/api/volunteers/proofs/verify/{code}"),
    ("GET", "/api/emergency/warnings/{number}.cap"),  # CAP 1.2 for other warning systems
    ("GET", "/api/emergency/warnings.atom"),
}


def _path_view(callback):  # the ninja PathView a URL pattern's view function closes over
    for cell in getattr(callback, "__closure__", None) or ():
        if type(cell.cell_contents).__name__ == "PathView":
            return cell.cell_contents
    return None


def _served() -> dict[tuple[str, str], str]:
    """(METHOD, /api/path/{param}) → view function name, from the URL patterns Django routes."""
    patterns, _, _ = api.urls
    served: dict[tuple[str, str], str] = {}
    for pattern in patterns:
        assert isinstance(pattern, URLPattern)
        view = _path_view(pattern.callback)
        if view is None:  # openapi.json and the docs page
            continue
        path = "/api/" + PARAM.sub(r"{\1}", str(pattern.pattern))
        for operation in view.operations:
            for method in operation.methods:
                served[(method, path)] = operation.view_func.__name__
    return served


@pytest.fixture(scope="module")
def document() -> dict:
    """The document as served (JSON: status codes are strings)."""
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_json_is_served_without_login(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "邻里 Linli API"
    assert Client().get("/api/docs").status_code == 200


def test_every_route_is_documented_and_every_documented_operation_is_routed(document):
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    served = _served()
    assert set(served) == documented
    assert len(documented) >= 30


def _sample(param: dict) -> str:
    schema = param.get("schema", {})
    if "enum" in schema:
        return str(next(v for v in schema["enum"] if v))
    return "7" if schema.get("type") == "integer" else "350504001001"


def test_each_documented_path_reaches_the_view_documented_for_it(document):
    """No route shadows another (e.g. POST /imports/{kind} catching GET /imports/{id})."""
    served = _served()
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            url = path
            for param in op.get("parameters", []):
                if param["in"] == "path":
                    url = url.replace("{" + param["name"] + "}", _sample(param))
            match = resolve(url)
            view = _path_view(match.func)
            assert view is not None, url
            names = {o.view_func.__name__ for o in view.operations if method.upper() in o.methods}
            assert names == {served[(method.upper(), path)]}, f"{method.upper()} {url} reaches {names}"


def test_every_operation_documents_auth_errors_and_a_summary(document):
    schemes = document["components"]["securitySchemes"]
    bearer = next(k for k, v in schemes.items() if v.get("scheme") == "bearer")
    session = next(k for k, v in schemes.items() if v.get("in") == "cookie")
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            key = (method.upper(), path)
            if key in PUBLIC:
                assert "security" not in op, key
                assert op.get("summary") and {"404", "422"} <= set(op["responses"]), key
                continue
            names = {name for requirement in op["security"] for name in requirement}
            assert names == ({session} if key in SESSION_ONLY else {bearer, session}), key
            assert op.get("summary"), key
            for status in ("400", "401", "403", "404", "405", "422"):
                assert status in op["responses"], (key, status)


def test_error_responses_have_the_documented_shape(world, client_for):
    client = client_for(world.accounts.community_worker)
    not_found = client.get("/api/persons/999999")
    assert not_found.status_code == 404
    assert not_found.json() == {"detail": "不存在，或不在本账号的数据范围内", "code": "not_found"}
    invalid = client.get("/api/persons?page_size=201")
    assert invalid.status_code == 422
    assert set(invalid.json()) == {"detail", "code", "errors"}
    assert invalid.json()["code"] == "input.invalid"
    assert invalid.json()["errors"] == {"page_size": ["不能大于 200"]}
    forbidden = client_for(world.accounts.street_coordinator).get("/api/persons/export")
    assert forbidden.status_code == 403
    assert set(forbidden.json()) == {"detail", "code"}
