"""Seams through which higher modules take part in routing a request, without 诉求办理 knowing them.

Registered from the other modules' ``AppConfig.ready`` (cases may not import them):

- ``register_assignee_resolver``: asked, when a request placed in a grid is registered, who in that
  grid should receive it on that day (the workforce module answers with the grid's 专职网格员 by
  his post in the grid's team). The first resolver that names someone wins; the request is still
  owned by the community (首问负责) — the person named is told, and the request's record says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from linli.regions.models import Region


@dataclass(frozen=True)
class Assignee:
    """Who receives a request: an account, his name and the post he holds (“网格员”)."""

    user_id: int
    name: str
    post: str


class AssigneeResolver(Protocol):
    """The account that receives a request placed in ``grid`` on ``on``, or None."""

    def __call__(self, *, grid: Region, on: dt.date) -> Assignee | None: ...


RESOLVERS: list[AssigneeResolver] = []


def register_assignee_resolver(resolver: AssigneeResolver) -> None:
    if resolver not in RESOLVERS:
        RESOLVERS.append(resolver)


def assignee_for(*, grid: Region | None, on: dt.date) -> Assignee | None:
    """The first registered resolver's answer for ``grid`` on ``on`` (None without a grid or an answer)."""
    if grid is None:
        return None
    for resolver in RESOLVERS:
        found = resolver(grid=grid, on=on)
        if found is not None:
            return found
    return None
