"""Computed data elements (系统计算的数据元): the seam through which each module contributes its figures.

A ``ComputedSource`` computes one or more data elements for every region of one level below a
root in one GROUP BY query over region code prefixes: the statistical code is hierarchical, so
``Substr(code, 1, n)`` is the ancestor at the level of length ``n``, and ``[root, root + ';')`` is
the root's subtree, served by the index on ``code``.

Each module declares its sources in its own ``<app>/indicators.py``, registering at import::

    from linli.core.data_elements import ComputedSource, register
    register(ComputedSource(
        key="lifecircle.coverage",
        elements={"households_in_15min": ("15分钟生活圈覆盖户数", "户")},
        finest=12,
        compute=my_grouped_counts,   # (n, root_code) -> {code prefix: {element code: Decimal}}
    ))

The indicators module imports those modules when it starts (``autodiscover_modules("indicators")``)
and creates a matching ``DataElement`` row (kind ``computed``) for every registered element. Every
computed element is additive (hierarchy aggregation ``sum``): the sum over the units below is the
unit's value. The kernel knows no module: it only holds the registry and the generic grouping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Substr

Grouped = dict[str, dict[str, Decimal]]


@dataclass(frozen=True)
class ComputedSource:
    key: str
    elements: dict[str, tuple[str, str]]  # code → (中文名称, 单位)
    finest: int  # longest code prefix the source can group by (15 grid, 12 community, 9 street)
    compute: Callable[[int, str], Grouped] = field(compare=False)
    # code → the one-line definition the element's description carries (what exactly is counted)
    definitions: dict[str, str] = field(default_factory=dict, compare=False)


SOURCES: dict[str, ComputedSource] = {}


def register(source: ComputedSource) -> None:
    """Add (or replace, by key) a source; called when a module's ``indicators.py`` is imported."""
    SOURCES[source.key] = source


def source_of(element_code: str) -> ComputedSource | None:
    for s in SOURCES.values():
        if element_code in s.elements:
            return s
    return None


def code_range(path: str, root: str) -> Q:
    """The rows whose region code (at ``path``) lies in the subtree of ``root``."""
    return Q(**{f"{path}__gte": root, f"{path}__lt": root + ";"})


def grouped(qs: QuerySet[Any], path: str, n: int, root: str, **aggregates: Any) -> Grouped:
    """``aggregates`` of the rows of ``qs`` inside ``root``, grouped by the first ``n`` characters of
    the region code at ``path``: one GROUP BY query."""
    rows = (
        qs.filter(code_range(path, root))
        .annotate(_p=Substr(path, 1, n))
        .values("_p")
        .annotate(**aggregates)
        .order_by()
    )
    out: Grouped = {}
    for row in rows:
        prefix = row.pop("_p")
        out[prefix] = {k: Decimal(v or 0) for k, v in row.items()}
    return out
