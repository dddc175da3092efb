"""优先标记: requests that go to the front of the queues while something is going on in their area.

A higher module (the emergency module, during a response) registers a provider with
``register_priority(name, windows)``; ``windows()`` returns the ``PriorityWindow``s in force now —
a region (its subtree), the moment from which requests raised there are flagged, and a label.
The requests module annotates its lists with ``flag_expression`` and sorts flagged rows first; the
kernel knows neither side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Q, Value, When
from django.db.models.expressions import Expression

from linli.core.scope import subtree_q


@dataclass(frozen=True)
class PriorityWindow:
    region_code: str  # the flagged area: this region's subtree
    since: dt.datetime  # requests raised from this moment
    until: dt.datetime | None  # … up to this one (None: still in force)
    label: str  # what the flag says (应急: 台风Ⅲ级响应)


PROVIDERS: dict[str, Callable[[], list[PriorityWindow]]] = {}


def register_priority(name: str, windows: Callable[[], list[PriorityWindow]]) -> None:
    PROVIDERS[name] = windows


def windows() -> list[PriorityWindow]:
    return [w for provider in PROVIDERS.values() for w in provider()]


def flag_q(code_path: str, time_path: str, found: list[PriorityWindow] | None = None) -> Q | None:
    """Rows (region code at ``code_path``, raised at ``time_path``) inside a window; None: no window."""
    q: Q | None = None
    for w in windows() if found is None else found:
        one = subtree_q(w.region_code, code_path) & Q(**{f"{time_path}__gte": w.since})
        if w.until is not None:
            one &= Q(**{f"{time_path}__lt": w.until})
        q = one if q is None else q | one
    return q


def flag_expression(code_path: str, time_path: str) -> Expression:
    """A boolean annotation: True for the rows inside a window in force (a constant False otherwise)."""
    q = flag_q(code_path, time_path)
    if q is None:
        return Value(False, output_field=BooleanField())
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())
