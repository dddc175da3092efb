"""Seams through which higher modules act on what the registry records, without it knowing them.

Registered from the other modules' ``AppConfig.ready`` (the registry may not import them):

- ``register_departure``: called inside the transaction of a 迁出 or 死亡 with the person and the
  date; the services module cancels the person's bookings from that date.
"""

from __future__ import annotations

import datetime as dt
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
