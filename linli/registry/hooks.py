"""Seams through which higher modules act on what the registry records, without it knowing them.

Registered from the other modules' ``AppConfig.ready`` (the registry may not import them):

- ``register_departure``: called inside the transaction of a 迁出 or 死亡 with the person and the
  date; the services module cancels the person's bookings from that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from linli.registry.models import Person


class Departure(Protocol):
    """Ends what a module holds for ``person`` from ``on`` (the person left the register); returns a count."""

    def __call__(self, *, person: Person, on: dt.date, by: Any) -> int: ...


DEPARTURES: list[Departure] = []


def register_departure(departure: Departure) -> None:
    if departure not in DEPARTURES:
        DEPARTURES.append(departure)


def departures() -> list[Departure]:
    return list(DEPARTURES)


# - ``register_change``: called inside the transaction of a change of persons' tags, status, birth date
#   or household with the persons and households concerned; the care module re-evaluates them after
#   the commit (政策找人). Their members are concerned too (someone now lives alone).


class Change(Protocol):
    def __call__(self, *, person_ids: list[int], household_ids: list[int], by: Any) -> None: ...


CHANGES: list[Change] = []


def register_change(change: Change) -> None:
    if change not in CHANGES:
        CHANGES.append(change)


def changed(*, person_ids: list[int], household_ids: Sequence[int | None] = (), by: Any = None) -> None:
    """Tell the registered modules that these persons (and households) changed."""
    households = [h for h in household_ids if h]
    for change in CHANGES:
        change(person_ids=list(person_ids), household_ids=households, by=by)
