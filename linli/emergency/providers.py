"""预警发布渠道: how a published warning reaches phones (SMS) and loudspeakers (应急广播) beyond the app.

A provider is any class with ``send(message: Broadcast) -> int`` (how many recipients it reached or
queued). The setting ``LINLI_EMERGENCY_PROVIDER`` names the class by dotted path; the default,
``LoggingProvider``, writes one log line per warning (logger ``linli.emergency``) and reaches nobody —
a deployment plugs in its carrier's SMS gateway or its county's broadcast platform (IP 广播) by
writing a class with the same method. ``send`` runs after the warning's transaction commits; a
failing provider is logged and never undoes the warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("linli.emergency")

DEFAULT_PROVIDER = "linli.emergency.providers.LoggingProvider"


@dataclass(frozen=True)
class Broadcast:
    """What is sent: the warning's number and plain-language text, and where (region codes)."""

    number: str
    headline: str
    text: str  # short plain Chinese: what, where, until when, what to do
    region_codes: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # staff to reach by SMS (full numbers)


class Provider(Protocol):
    def send(self, message: Broadcast) -> int: ...


class LoggingProvider:
    """Writes the message to the log: for development and for deployments without a gateway yet."""

    def send(self, message: Broadcast) -> int:
        log.info(
            "warning %s to %d regions, %d phones: %s",
            message.number,
            len(message.region_codes),
            len(message.phones),
            message.headline,
        )
        return 0


def provider() -> Provider:
    path = settings.LINLI_EMERGENCY_PROVIDER or DEFAULT_PROVIDER
    cls = import_string(path)
    return cls()  # type: ignore[no-any-return]


def send_safely(message: Broadcast) -> int:
    try:
        return provider().send(message)
    except Exception:  # a gateway's failure must not undo or hide the warning in the app
        log.exception("warning %s: provider failed", message.number)
        return 0
