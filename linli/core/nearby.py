"""附近: what is waiting near a point, for a worker out in their grid.

A worker on patrol (or anyone on a phone page that knows where they stand) asks ``items_near(user,
lon, lat)``; the modules answer through the sources they register from their ``AppConfig.ready``::

    from linli.core.nearby import NearbyItem, register_nearby
    register_nearby("care.visits", roles, visits_due_near)
    # visits_due_near(user, lon, lat, radius_m) -> list[NearbyItem]

Each source reads through its module's own selectors, so what it offers has the scope of its pages
(out of scope reads like absent). An item says what it is (``title``, a ``detail`` line without
more personal data than the worker's own lists show), where it is done (``url``), how far it is
(``distance_m``, whole metres) and its ``kind`` (走访, 楼栋 …). ``items_near`` merges the sources of
the account's role, nearest first, and keeps the first ``limit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RADIUS_M = 300  # what "near" means on foot: a few minutes' walk
NEARBY_SHOWN = 10


@dataclass(frozen=True)
class NearbyItem:
    title: str
    url: str
    distance_m: int
    kind: str
    detail: str = ""


@dataclass(frozen=True)
class NearbySource:
    name: str  # "<app>.<what>", unique
    roles: frozenset[str]
    items: Callable[[Any, float, float, int], list[NearbyItem]]  # (user, lon, lat, radius_m)


NEARBY_SOURCES: dict[str, NearbySource] = {}


def register_nearby(
    name: str, roles: frozenset[str], items: Callable[[Any, float, float, int], list[NearbyItem]]
) -> None:
    NEARBY_SOURCES[name] = NearbySource(name, roles, items)


def items_near(
    user: Any, role: str, lon: float, lat: float, *, radius_m: int = RADIUS_M, limit: int = NEARBY_SHOWN
) -> list[NearbyItem]:
    """What the sources serving ``role`` offer within ``radius_m`` of (lon, lat), nearest first."""
    found: list[NearbyItem] = []
    for source in sorted(NEARBY_SOURCES.values(), key=lambda s: s.name):
        if role in source.roles:
            found += source.items(user, lon, lat, radius_m)
    found.sort(key=lambda i: (i.distance_m, i.kind, i.title))
    return found[:limit]
