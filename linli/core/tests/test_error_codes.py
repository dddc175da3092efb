"""Every error code a service can raise is documented (``linli/error_codes.py``, shown in the
OpenAPI document), and every documented code is still raised somewhere (issue 12: errors with codes)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from linli.error_codes import CODES, KERNEL

PACKAGE = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")
FAMILIES = {code.split(".")[0] for code in CODES}
# Strings of a code's shape that are not error codes: model labels, schema aliases, JSON keys.
NOT_CODES = re.compile(
    r"^(registry|services|lifecircle|regions|facilities|cases|indicators)\.[a-z_]+$"
    r"|^care\.(alert|carefile|members|overdue|referral|referrals|socialcase|visit|visits)$"
    r"|^emergency\.(checkitem|shelterstay|checks|tasks|officers|warnings|events|readiness)$"
    r"|\.(code|name|label|json|starts_at|ends_at)$"
)


def _literals() -> dict[str, str]:
    """Every string constant of a code's shape in the package's source (not tests, not migrations)."""
    found: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if {"tests", "tests_browser", "migrations"} & set(rel.parts) or rel.name == "error_codes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
                found.setdefault(node.value, rel.as_posix())
    return found


def test_every_raised_code_is_documented() -> None:
    literals = _literals()
    raised = {
        code: where
        for code, where in literals.items()
        if code.split(".")[0] in FAMILIES | {"input", "image", "account"} and not NOT_CODES.search(code)
    }
    assert {code: where for code, where in raised.items() if code not in CODES} == {}


def test_every_documented_code_is_raised_somewhere() -> None:
    literals = _literals()
    assert sorted(code for code in CODES if code not in literals) == []


def test_codes_have_a_meaning_and_the_openapi_document_lists_them(client) -> None:
    assert all(CODES.values()) and all(KERNEL.values())
    description = client.get("/api/openapi.json").json()["info"]["description"]
    for code in [*KERNEL, *CODES]:
        assert f"`{code}`" in description
