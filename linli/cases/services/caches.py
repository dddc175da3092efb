"""The per-process caches of 诉求办理, all declared here: what rarely changes and every intake reads.

- ``CATEGORIES`` the active request categories by code, with their time limits (a minute);
- ``CALENDAR`` the public holidays and the weekend days worked (a minute);
- ``AREAS`` the prepared outlines of grids and communities that locate a point (five minutes);
- ``ROUTING`` the latest routing model of the dispatch assistant (a minute);
- ``memo`` functions: values that hold for the life of the process (the SMS sender's class, the SQL
  text of the one-statement intake).

The timed ones are short-lived so that an edit in the admin shows without a restart. ``caches_clear``
forgets them all at once: tests call it after changing the catalogue, the calendar, region outlines,
the routing model or a setting a ``memo`` function read.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from typing import Any

from linli.cases.models import Category, Holiday


class TimedCache[T]:
    """One value kept for ``ttl`` seconds, loaded by the caller's function when missing or stale."""

    def __init__(self, ttl: float) -> None:
        self.ttl, self.at = ttl, 0.0
        self.value: T | None = None

    def get(self, load: Callable[[], T]) -> T:
        now = time.monotonic()
        if self.value is None or now - self.at > self.ttl:
            self.value, self.at = load(), now
        return self.value

    def clear(self) -> None:
        self.value = None


CATEGORIES: TimedCache[dict[str, Category]] = TimedCache(60)
CALENDAR: TimedCache[tuple[frozenset[dt.date], frozenset[dt.date]]] = TimedCache(60)
AREAS: TimedCache[list[Any]] = TimedCache(300)
ROUTING: TimedCache[Any] = TimedCache(60)
_memos: list[Any] = []


def memo[F: Callable[..., Any]](fn: F) -> F:
    """``functools.cache`` whose values ``caches_clear`` forgets too."""
    cached = functools.cache(fn)
    _memos.append(cached)
    return cached  # type: ignore[return-value]


def caches_clear() -> None:
    """Forget every cached value (after editing the catalogue, calendar, outlines, routing model)."""
    for c in (CATEGORIES, CALENDAR, AREAS, ROUTING):
        c.clear()
    for m in _memos:
        m.cache_clear()


def active_categories() -> dict[str, Category]:
    """The active categories by code, with their time limits."""
    return CATEGORIES.get(
        lambda: {c.code: c for c in Category.objects.filter(active=True).select_related("time_limit")}
    )


def calendar() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(public holidays, weekend days worked) from the holiday table."""

    def load() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
        rows = list(Holiday.objects.values_list("date", "is_workday"))
        return frozenset(d for d, w in rows if not w), frozenset(d for d, w in rows if w)

    return CALENDAR.get(load)
