"""Writes of 诉求办理 — the one public surface of the package; import from here.

By concern:

- ``intake``       受理登记: ``case_create`` from every channel;
- ``workflow``     the workflow actions and ``transition``, the optimistic-concurrency step they share;
- ``outcome``      答复, 好差评, 复核后重办, 办结;
- ``act``          ``case_act``: one action from a door's flat input (pages and API alike);
- ``disclosure``   the reporter's details revealed (audited), the public text rewritten;
- ``sweep``        时限巡查: overdue, reminders, escalation;
- ``routing``      the dispatch assistant and the dispatch catalogue;
- ``notify``       in-app notifications and the pluggable SMS sender;
- ``numbering``    request numbers and the one path that inserts a new request;
- ``measures``     the monthly summary of the measures: the nightly roll, the delta of an action;
- ``location``     community and grid of a point, a building or an address;
- ``validation``   checks of typed text, phones, links and photos;
- ``caches``       every per-process cache, and ``caches_clear``.

Every refusal is a coded error (``linli.core.errors``): a ``ValidationError`` whose messages carry
``case.<reason>`` codes, ``Forbidden`` (403) or ``Conflict`` (409, ``case.conflict``).
"""

from linli.cases.services.act import case_act
from linli.cases.services.caches import active_categories, caches_clear, calendar
from linli.cases.services.disclosure import case_public_text_edit, reporter_reveal
from linli.cases.services.intake import STAFF_CHANNELS, case_create
from linli.cases.services.location import locate, locate_point
from linli.cases.services.measures import case_measures_roll
from linli.cases.services.notify import LogSender, SmsSender, notifications_read, sms_sender
from linli.cases.services.numbering import case_insert, number_sequence_advance
from linli.cases.services.outcome import case_close, case_rate, case_reopen, case_reply
from linli.cases.services.routing import (
    ASSISTANT_NAME,
    Suggestion,
    dispatch_rule_for,
    routing_suggest,
    routing_train,
    rule_target,
    rule_unit_label,
    tokens,
    unit_key,
    unit_label,
)
from linli.cases.services.sweep import SweepResult, cases_sweep
from linli.cases.services.validation import (
    MAX_PHOTO_BYTES,
    MAX_PHOTO_SIDE,
    MAX_PHOTOS,
    MAX_TEXT,
    MAX_URL,
    clean_media_url,
    clean_phone,
    clean_text,
    photo_reencode,
    photos_prepare,
)
from linli.cases.services.workflow import (
    SYSTEM_NAME,
    case_accept,
    case_approve_extension,
    case_dispatch,
    case_escalate,
    case_merge,
    case_reassign,
    case_remind,
    case_request_extension,
    case_return,
    case_start,
    case_summon,
    deadlines,
)
from linli.core.errors import Conflict

__all__ = [
    "ASSISTANT_NAME",
    "MAX_PHOTOS",
    "MAX_PHOTO_BYTES",
    "MAX_PHOTO_SIDE",
    "MAX_TEXT",
    "MAX_URL",
    "STAFF_CHANNELS",
    "SYSTEM_NAME",
    "Conflict",
    "LogSender",
    "SmsSender",
    "Suggestion",
    "SweepResult",
    "active_categories",
    "caches_clear",
    "calendar",
    "case_accept",
    "case_act",
    "case_approve_extension",
    "case_close",
    "case_create",
    "case_dispatch",
    "case_escalate",
    "case_insert",
    "case_measures_roll",
    "case_merge",
    "case_public_text_edit",
    "case_rate",
    "case_reassign",
    "case_remind",
    "case_reopen",
    "case_reply",
    "case_request_extension",
    "case_return",
    "case_start",
    "case_summon",
    "cases_sweep",
    "clean_media_url",
    "clean_phone",
    "clean_text",
    "deadlines",
    "dispatch_rule_for",
    "locate",
    "locate_point",
    "notifications_read",
    "number_sequence_advance",
    "photo_reencode",
    "photos_prepare",
    "reporter_reveal",
    "routing_suggest",
    "routing_train",
    "rule_target",
    "rule_unit_label",
    "sms_sender",
    "tokens",
    "unit_key",
    "unit_label",
]
