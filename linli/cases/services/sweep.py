"""The sweep (时限巡查): mark overdue requests, remind handlers before the deadline, escalate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from linli.cases.engine import workflow as wf
from linli.cases.models import Case, CaseEvent, TimeLimit
from linli.cases.services.notify import notify_coordinator
from linli.cases.services.workflow import SYSTEM_NAME, case_escalate, case_remind
from linli.core.errors import Conflict
from linli.regions.models import Level


@dataclass
class SweepResult:
    overdue: int = 0
    reminded: int = 0
    escalated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"超期": self.overdue, "催办": self.reminded, "上报": self.escalated}


def cases_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Mark overdue requests, remind handlers before the deadline and escalate overdue requests still
    coordinated by a community. Safe to run twice: each step changes only rows not yet changed."""
    now = now or timezone.now()
    result = SweepResult()
    working = wf.SWEPT_WORKING
    # each read is a range of a partial index (``case_sweep_late``, ``case_sweep_remind``): only the
    # working requests not yet flagged, earliest deadline first, not the city's year of requests
    late = list(
        Case.objects.filter(status__in=working, resolve_due__lt=now, overdue=False)
        .select_related("coordinator", "handler_region", "handler_org", "category")
        .order_by("resolve_due", "pk")[:2000]
    )
    for case in late:
        with transaction.atomic():
            if Case.objects.filter(pk=case.pk, version=case.version).update(
                overdue=True, version=F("version") + 1
            ):
                CaseEvent.objects.create(
                    case=case,
                    at=now,
                    actor_name=SYSTEM_NAME,
                    action="overdue",
                    note="已超过办结期限",
                    public=False,
                )
                case.version += 1
                case.overdue = True
                result.overdue += 1
                notify_coordinator(case, f"超期：{case.number}", case.handler_label)
        if case.overdue and case.coordinator.level >= Level.COMMUNITY and case.status in working:
            try:
                case_escalate(case=case, by=None, reason="超期未办结，系统自动上报街道", now=now)
                result.escalated += 1
            except ValidationError:  # a Conflict too: someone acted on it meanwhile
                pass
    ahead = TimeLimit.objects.aggregate(h=Max("remind_before_hours"))["h"] or 0
    soon = Case.objects.filter(
        status__in=wf.SWEPT_REMINDED,
        resolve_due__gte=now,
        resolve_due__lte=now + dt.timedelta(hours=ahead),  # no category reminds earlier than this
        reminded_at__isnull=True,
        overdue=False,
    ).select_related("category__time_limit", "handler_region", "handler_org", "coordinator")
    for case in soon.order_by("resolve_due", "pk")[:5000]:
        if case.resolve_due - dt.timedelta(hours=case.category.time_limit.remind_before_hours) <= now:
            try:
                case_remind(case=case, by=None, note="临近办结期限，系统催办", now=now)
                result.reminded += 1
            except Conflict:
                pass
    return result
