"""Schemathesis against the API's own OpenAPI document: every operation of ``/api/openapi.json``
gets generated requests — valid and invalid, NUL bytes, lone surrogates and huge numbers included —
and every answer must be no server error, carry a documented status code and content type, and
match the body schema documented for that status.

Two accounts, each with a bearer token:

- broad scope, the system administrator: schemathesis' coverage phase (the boundary values of every
  parameter and field, deterministic) and then ``EXAMPLES`` generated requests, valid and invalid;
- narrow scope, the grid worker of grid A1: ``EXAMPLES`` generated requests, valid and invalid.

Each operation is its own test in its own transaction, so no operation is excluded: a write (a
revoked token, a changed person) is rolled back before the next operation runs. Generation is
derandomized, so a run is reproducible; ``LINLI_SCHEMATHESIS_EXAMPLES`` explores with more.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from ninja import Schema
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from linli.testing.factories import issue_token

EXAMPLES = int(os.environ.get("LINLI_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


HANDLER = get_wsgi_application()


def app(environ, start_response):
    """Django's WSGI handler, keeping the test's database connection open as Django's test client does
    (a request's start and end close a connection left in a transaction, and the test's is one)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = HANDLER(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return [body]


def _schema(*, coverage: bool) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    loaded.config.generation.update(max_examples=EXAMPLES, deterministic=True)
    loaded.config.phases.update(
        phases=["examples", "coverage", "fuzzing"] if coverage else ["examples", "fuzzing"]
    )
    # Valid boundary values only; invalid ones come from fuzzing (a bounded number per operation).
    loaded.config.phases.coverage.generation.update(modes=[GenerationMode.POSITIVE])
    loaded.config.phases.coverage.unexpected_methods = set()
    return loaded


broad = _schema(coverage=True)
narrow = _schema(coverage=False)

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def tokens(world) -> dict[str, str]:
    return {
        "broad": issue_token(world.accounts.system_admin),
        "narrow": issue_token(world.accounts.grid_worker),
    }


def test_the_document_has_every_operation():
    assert broad.statistic.operations.total >= 80
    assert narrow.statistic.operations.total == broad.statistic.operations.total


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        found += [sub, *_subclasses(sub)]
    return found


def _shape(schema: Any) -> Any:
    """A JSON schema without its words (title, description): what a client can send or receive."""
    if isinstance(schema, dict):
        return {k: _shape(v) for k, v in schema.items() if k not in ("title", "description")}
    if isinstance(schema, list):
        return [_shape(v) for v in schema]
    return schema


def test_no_two_schemas_share_a_name_with_different_shapes():
    """The OpenAPI document names each schema once: two apps' ``ItemOut`` or ``StatusIn`` would
    document one operation with the other's body (the checklist's items were documented as the
    service items' until this test)."""
    import linli.api  # noqa: F401  (every router's schemas are defined)

    shapes: dict[str, dict[str, Any]] = {}
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("linli.") and cls.__module__.endswith(".api"):
            shapes.setdefault(cls.__name__, {})[cls.__module__] = _shape(cls.model_json_schema())
    clashes = {
        name: sorted(by_module)
        for name, by_module in shapes.items()
        if len({json.dumps(v, sort_keys=True) for v in by_module.values()}) > 1
    }
    assert clashes == {}


@pytest.mark.django_db
@broad.parametrize()
@SETTINGS
def test_api_as_system_admin(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens['broad']}"}, checks=CHECKS)


@pytest.mark.django_db
@narrow.parametrize()
@SETTINGS
def test_api_as_grid_worker(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens['narrow']}"}, checks=CHECKS)
