"""How a request ends: 答复 (reply), 好差评 (rating), 复核后重办 (reopen once) and 办结 (close).

Requests merged into one (并单) share its outcome: they are answered and closed with it, and their
reporters are told.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from linli.cases.engine import workflow as wf
from linli.cases.models import Case
from linli.cases.services.notify import notify, notify_coordinator, notify_handler
from linli.cases.services.validation import clean_text
from linli.cases.services.workflow import deadlines, transition
from linli.core.models import User


def case_reply(*, case: Case, by: User, reply: str, resolved: bool, version: int | None = None) -> Case:
    """答复: the handler (or the coordinator directly, e.g. a question answered at intake) answers."""
    reply = clean_text(reply, "reply", "答复内容")
    now = timezone.now()
    with transaction.atomic():
        case = transition(
            case,
            by=by,
            action="reply",
            expected_version=version,
            changes={"reply": reply, "resolved": resolved, "replied_at": now},
            note=reply,
            unit=case.handler_label,
            now=now,
        )
        merged = list(case.merged.all())
        if merged:  # 并单: the merged requests share the outcome
            Case.objects.filter(pk__in=[m.pk for m in merged]).update(
                reply=reply, resolved=resolved, replied_at=now, updated_at=now, version=F("version") + 1
            )
        reporters = [c.reporter_id for c in [case, *merged] if c.reporter_id]
        notify(reporters, case, f"您的诉求已答复：{case.number}", reply[:120] + "（请评价办理结果）")
    return case


def case_rate(*, case: Case, by: User, rating: str, comment: str = "", version: int | None = None) -> Case:
    """好差评: 满意 / 基本满意 close the request; 不满意 waits for review (may reopen once)."""
    comment = clean_text(comment, "comment", "评价意见", required=False, limit=500)
    now = timezone.now()
    changes: dict[str, Any] = {"rating": rating, "rating_comment": comment, "rated_at": now}
    if rating != wf.UNSATISFIED:
        changes["closed_at"] = now
    by_phone = by.pk != case.reporter_id
    case = transition(
        case,
        by=by,
        action="rate",
        expected_version=version,
        changes=changes,
        rating=rating,
        note=("电话回访：" if by_phone else "")
        + f"{wf.RATING_LABELS.get(rating, rating)}"
        + (f"，{comment}" if comment else ""),
    )
    if rating == wf.UNSATISFIED:
        notify_coordinator(case, f"不满意待复核：{case.number}", comment[:100])
    else:
        _close_merged(case, now)
    return case


def case_reopen(*, case: Case, by: User, note: str, version: int | None = None) -> Case:
    """复核后重办 (once): back to the handler with a new resolution deadline."""
    now = timezone.now()
    _, due = deadlines(case.category, now)
    case = transition(
        case,
        by=by,
        action="reopen",
        expected_version=version,
        changes={
            "reopen_count": case.reopen_count + 1,
            "resolve_due": due,
            "overdue": False,
            "reminded_at": None,
            "rating": "",
            "replied_at": None,
        },
        note=note,
        unit=case.handler_label,
        now=now,
    )
    notify_handler(case, f"重办：{case.number}", note[:100])
    if case.reporter_id:
        notify([case.reporter_id], case, f"您的诉求已重新办理：{case.number}", note[:100])
    return case


def case_close(*, case: Case, by: User | None, note: str = "", version: int | None = None) -> Case:
    """办结: the coordinating unit (or the sweep) closes a request answered or reviewed."""
    now = timezone.now()
    case = transition(
        case, by=by, action="close", expected_version=version, changes={"closed_at": now}, note=note
    )
    _close_merged(case, now)
    return case


def _close_merged(case: Case, now: dt.datetime) -> None:
    merged = list(case.merged.all())
    if merged:
        Case.objects.filter(pk__in=[m.pk for m in merged]).update(closed_at=now, updated_at=now)
        notify(
            [m.reporter_id for m in merged if m.reporter_id],
            case,
            f"诉求已办结：{case.number}",
            "与您反映的问题一并办结。",
        )
