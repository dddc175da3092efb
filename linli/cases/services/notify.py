"""Notifications of 诉求办理: in-app messages, and a text message to the reporter through a pluggable sender."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Sequence
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from linli.cases import selectors
from linli.cases.models import Case, Notification
from linli.cases.services.caches import memo
from linli.core.models import User
from linli.regions.models import Region
from linli.registry.models import Organisation

log = logging.getLogger("linli.cases")


class SmsSender(Protocol):
    """What a deployment plugs in to send text messages (setting ``LINLI_CASES_SMS_SENDER``)."""

    def send(self, phone: str, text: str) -> None: ...


class LogSender:
    """The default: write the message to the log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], text)


@memo
def _sender_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def sms_sender() -> SmsSender:
    return _sender_class(settings.LINLI_CASES_SMS_SENDER)()  # type: ignore[no-any-return]


def notify(user_ids: Iterable[int | None], case: Case | None, title: str, body: str = "") -> None:
    """Tell the accounts ``user_ids`` (in the app; the reporter also by text message, once committed)."""
    ids = sorted({u for u in user_ids if u})
    if ids:
        Notification.objects.bulk_create(
            [Notification(user_id=u, case=case, title=title[:100], body=body[:500]) for u in ids]
        )
    if case is not None and case.reporter_id in ids and case.reporter_phone:
        phone, text = case.reporter_phone.reveal(), f"【邻里】{title}"
        transaction.on_commit(lambda: sms_sender().send(phone, text))


def notify_unit(
    case: Case,
    title: str,
    body: str = "",
    *,
    region: Region | None = None,
    organisation: Organisation | None = None,
) -> None:
    """Tell a unit: a department's handlers, or a region's coordinating staff."""
    notify(selectors.handler_accounts(region, organisation), case, title, body)


def notify_coordinator(case: Case, title: str, body: str = "") -> None:
    """Tell the staff of the unit coordinating ``case``."""
    notify_unit(case, title, body, region=case.coordinator)


def notify_handler(case: Case, title: str, body: str = "") -> None:
    """Tell the unit handling ``case``."""
    notify_unit(case, title, body, region=case.handler_region, organisation=case.handler_org)


def notifications_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
