"""Synthetic 诉求 for the 洛江 demo (filled in below)."""

from __future__ import annotations

from typing import Any


def demo_cases_loaded() -> bool:
    from linli.cases.models import Case

    return Case.objects.filter(source="demo").exists()


def demo_cases_load(**kwargs: Any) -> dict[str, int]:
    return {}
