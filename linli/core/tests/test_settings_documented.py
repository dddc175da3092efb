"""Every setting the code reads from the environment is read in ``linli/settings.py`` and named in
the README's configuration table (issue 12: one settings module, documented)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "linli"


def _environment_names(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "setdefault")
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "environ"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if {"tests", "tests_browser", "migrations"} & set(rel.parts):
            continue
        # the test run's own switches (read by the pytest plugin before the settings exist)
        names = _environment_names(path) - {"DJANGO_SETTINGS_MODULE", "LINLI_TESTING", "LINLI_DB_TESTS_ONLY"}
        if names and rel.as_posix() != "linli/settings.py":
            readers[rel.as_posix()] = sorted(names)
    assert readers == {}


def test_every_setting_is_in_the_readme_table() -> None:
    names = _environment_names(PACKAGE / "settings.py")
    table = set(re.findall(r"^\| `([A-Z_]+)` \|", (ROOT / "README.md").read_text(encoding="utf-8"), re.M))
    assert names, "settings.py reads no environment variable?"
    assert sorted(names - table) == []


def test_no_module_reads_a_setting_with_a_default_of_its_own() -> None:
    """``getattr(settings, "X", default)`` hides a setting from the settings module."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if {"tests", "tests_browser", "migrations"} & set(rel.parts):
            continue
        if re.search(r"getattr\(\s*settings\s*,", path.read_text(encoding="utf-8")):
            found.append(rel.as_posix())
    assert found == []
