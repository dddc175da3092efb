"""Counts that roll up a region subtree (population, households, grids, buildings, facilities…).

Each module registers what it counts with ``register``; ``annotate_rollup`` adds one correlated
sub-query per counter (as ``<key>_count``) to a Region queryset, so a whole level of the tree with all its counts is
one SQL statement.

A counter counts its rows, or (``total``) sums a column of them: a module that keeps a summary per
region (the registry's ``RegionCount``: a few rows per grid instead of millions of persons) registers
the summary rows and their count column, and the tree sums a few thousand rows at the city's level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Concat


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    queryset: Callable[[], models.QuerySet]  # rows to count (lazy, so apps load first)
    region_path: str  # path from a row to its Region, e.g. "region"; "" when rows are regions
    total: str = ""  # a column to sum instead of counting the rows (rows that are summaries)


COUNTERS: dict[str, Counter] = {}


def register(counter: Counter) -> None:
    COUNTERS[counter.key] = counter


def _count_in_subtree(counter: Counter) -> Subquery:
    code = f"{counter.region_path}__code" if counter.region_path else "code"
    rows = (
        counter.queryset()
        .filter(Q(**{f"{code}__gte": OuterRef("code"), f"{code}__lt": Concat(OuterRef("code"), Value(";"))}))
        .order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(n=Sum(counter.total) if counter.total else Count("pk"))
        .values("n")
    )
    return Subquery(rows, output_field=models.IntegerField())


def rollup_attr(key: str) -> str:
    """The attribute ``annotate_rollup`` sets for counter ``key``: ``households`` → ``households_count``.

    Not the bare key: ``Region.households`` and ``Region.buildings`` are reverse relations, which an
    annotation may not shadow (Django refuses the name, and an instance cannot hold the value).
    """
    return f"{key}_count"


def annotate_rollup(regions: models.QuerySet, keys: list[str] | None = None) -> models.QuerySet:
    """Add ``<key>_count`` (int) for every registered counter, counted over each region's whole subtree."""
    return regions.annotate(
        **{
            rollup_attr(k): Coalesce(_count_in_subtree(c), 0)
            for k, c in COUNTERS.items()
            if keys is None or k in keys
        }
    )
