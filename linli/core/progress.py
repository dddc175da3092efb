"""Where a record of one module stands, as another module that referred to it shows it (a care
referral to a request, a need or a one-window application): read through the owning module's
selectors, never its tables."""

from __future__ import annotations

from typing import NamedTuple


class Progress(NamedTuple):
    """进展: ``label`` names the record (诉求 LJ…, 办件 YC…), ``state`` its state in words; ``final``
    when it is closed for good, ``resolved`` its outcome then (True, False, or None when the handler
    did not say), ``result`` the handler's words (the reply, the result)."""

    label: str
    state: str
    final: bool
    resolved: bool | None = None
    result: str = ""
