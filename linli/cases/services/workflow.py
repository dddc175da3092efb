"""The workflow actions of 诉求办理, each one service: accept, dispatch/reassign, summon, return, start,
extension, escalate, remind, merge; and ``transition``, through which every one of them goes.

``transition`` asks the state machine (``engine.workflow``) whether the action is allowed, and one
``UPDATE … WHERE id = … AND version = …`` applies it. When two people act on one request at once,
the second update matches no row and ``Conflict`` (``case.conflict``) is raised: nothing is written,
and the page keeps what was typed. Reply, rating, reopening and closing are in ``outcome``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from linli.cases import selectors
from linli.cases.engine import timing
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, CaseEvent, Category
from linli.cases.services import measures
from linli.cases.services.caches import calendar
from linli.cases.services.notify import notify, notify_coordinator, notify_handler, notify_unit
from linli.cases.services.validation import clean_text
from linli.core.errors import Conflict, Forbidden, invalid
from linli.core.models import User
from linli.regions.models import Region
from linli.registry.models import Organisation, OrganisationKind

SYSTEM_NAME = "系统"
STALE = "case.conflict"  # the 409 code of a request someone else changed first


def stale(case: Case) -> Conflict:
    """409: someone else changed the request first (optimistic concurrency); names its state now."""
    fresh = Case.objects.get(pk=case.pk)
    return Conflict(
        "version",
        f"诉求 {fresh.number} 刚刚已被其他人处理（当前状态：{fresh.status_label}），本次操作未保存。"
        "您填写的内容仍保留在页面上，请核对最新情况后再提交。",
        code=STALE,
    )


def name_of(user: User | None) -> str:
    return (user.display_name or user.username) if user is not None else SYSTEM_NAME


def deadlines(category: Category, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(response due, resolution due) for a request of ``category`` received at ``start``."""
    rule = category.time_limit
    holidays, workdays = calendar()
    local = timezone.localtime(start)
    response = local + dt.timedelta(hours=rule.response_hours)
    resolve = timing.deadline(
        local,
        hours=rule.resolve_hours,
        days=rule.resolve_days,
        working_days=rule.working_days,
        holidays=holidays,
        workdays=workdays,
    )
    return response, resolve


def precondition_check(case: Case, action: str) -> None:
    """Refuse ``action`` when a rule beyond the state table forbids it (``engine.workflow.precondition``)."""
    refused = wf.precondition(action, selectors.case_facts(case))
    if refused is not None:
        raise invalid(refused.field, str(refused), refused.code)


def _require(user: User | None, case: Case, action: str) -> None:
    a = wf.ACTIONS[action]
    if user is None:
        if wf.SYSTEM not in a.actors:
            raise Forbidden(f"{a.label}需要由工作人员操作", code="case.staff_only")
        return
    if not (selectors.actor_roles(user, case) & a.actors):
        who = {"dispatcher": "协调单位", "handler": "承办单位", "reporter": "反映人"}
        need = "或".join(who[x] for x in sorted(a.actors) if x in who)
        raise Forbidden(f"本账号不能对诉求 {case.number} {a.label}（需由{need}操作）", code="case.not_actor")


def transition(
    case: Case,
    *,
    by: User | None,
    action: str,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    unit: str = "",
    rating: str = "",
    now: dt.datetime | None = None,
    actor: str = "",
) -> Case:
    """Apply ``action`` if the state machine allows it and nobody changed the request meanwhile."""
    _require(by, case, action)
    try:
        target = wf.next_state(case.status, action, rating=rating, reopens=case.reopen_count)
    except wf.TransitionError as exc:
        raise invalid(exc.field, str(exc), exc.code) from exc
    a = wf.ACTIONS[action]
    if a.needs_note and not note.strip():
        raise invalid("note", f"{a.label}请填写说明", "case.note_required")
    now = now or timezone.now()
    version = case.version if expected_version is None else expected_version
    fields = {"status": target, "updated_at": now, **(changes or {})}
    if case.responded_at is None and action != "merge" and by is not None:
        fields.setdefault("responded_at", now)
    event = CaseEvent(
        at=now,
        actor=by,
        actor_name=actor or name_of(by),
        action=action,
        from_status=case.status,
        to_status=target,
        unit=unit,
        note=note.strip(),
    )
    return versioned_write(case, version=version, fields=fields, event=event)


# what the measures count a request by (``services.measures``): a write touching one moves the summary
MEASURED_FIELDS = frozenset(
    {
        "status",
        "region",
        "region_id",
        "category",
        "category_id",
        "handler_org",
        "handler_org_id",
        "handler_region",
        "handler_region_id",
        "coordinator",
        "coordinator_id",
        "responded_at",
        "response_due",
        "replied_at",
        "resolve_due",
        "resolved",
        "rating",
    }
)


def versioned_write(case: Case, *, version: int, fields: dict[str, Any], event: CaseEvent) -> Case:
    """Write ``fields`` and ``event`` if the request is still at ``version`` (else ``stale``); one
    conditional ``UPDATE`` decides, so the answer holds under concurrency. Joins the caller's
    transaction, if any."""
    with transaction.atomic():
        counted = measures.tracked(case) if MEASURED_FIELDS & fields.keys() else None
        updated = Case.objects.filter(pk=case.pk, version=version).update(version=F("version") + 1, **fields)
        if not updated:
            raise stale(case)
        measures.tracked_apply(counted, [case.pk])  # the monthly summary moves with the request
        event.case = case
        event.save(force_insert=True)
    for k, v in fields.items():
        setattr(case, k, v)
    case.version = version + 1
    return case


def unit_check(case: Case, *, region: Region | None, organisation: Organisation | None) -> str:
    """The name of the unit the request may be given to: one region over its place, or a department."""
    if (region is None) == (organisation is None):
        raise invalid("unit", "请选择一个承办单位（社区/街道或部门）", "case.unit_required")
    if region is not None:
        if not (
            case.region.code.startswith(region.code) and region.code.startswith(case.coordinator.code[:6])
        ):
            raise invalid(
                "unit",
                f"{region.name}不管辖该诉求所在的{case.region.name}，不能派给它",
                "case.unit_out_of_area",
            )
        return region.name
    assert organisation is not None
    if not organisation.active or organisation.kind != OrganisationKind.DEPARTMENT:
        raise invalid("unit", f"{organisation.name}不是在册的职能部门", "case.unit_not_department")
    if not case.region.code.startswith(organisation.region.code):
        raise invalid(
            "unit", f"{organisation.name}不管辖{case.region.name}，不能派给它", "case.unit_out_of_area"
        )
    return organisation.name


# --- the actions ---------------------------------------------------------------------------------


def case_accept(
    *,
    case: Case,
    by: User | None,
    version: int | None = None,
    now: dt.datetime | None = None,
    actor_name: str = "",
) -> Case:
    """受理 (首问负责): the coordinating unit takes ownership."""
    now = now or timezone.now()
    return transition(
        case,
        by=by,
        action="accept",
        expected_version=version,
        changes={"accepted_at": now},
        unit=case.coordinator.name,
        now=now,
        actor=actor_name,
    )


def case_dispatch(
    *,
    case: Case,
    by: User | None,
    region: Region | None = None,
    organisation: Organisation | None = None,
    version: int | None = None,
    note: str = "",
    action: str = "dispatch",
    now: dt.datetime | None = None,
    actor_name: str = "",
) -> Case:
    """派单 / 改派: give the request to a community, street or department within the region."""
    label = unit_check(case, region=region, organisation=organisation)
    now = now or timezone.now()
    case = transition(
        case,
        by=by,
        action=action,
        expected_version=version,
        changes={"handler_region": region, "handler_org": organisation, "dispatched_at": now},
        note=note,
        unit=label,
        now=now,
        actor=actor_name,
    )
    notify_unit(
        case,
        f"新派单：{case.number}",
        f"{case.category}：{case.description[:60]}",
        region=region,
        organisation=organisation,
    )
    return case


def case_reassign(**kwargs: Any) -> Case:
    return case_dispatch(action="reassign", **kwargs)


def case_summon(
    *, case: Case, by: User, organisations: Sequence[Organisation], version: int | None = None, note: str = ""
) -> Case:
    """吹哨: a street (or above) summons one or more departments to the request; the first leads."""
    precondition_check(case, "summon")
    if not organisations:
        raise invalid("unit", "请至少选择一个部门", "case.summon_no_department")
    labels = [unit_check(case, region=None, organisation=o) for o in organisations]
    with transaction.atomic():
        case = transition(
            case,
            by=by,
            action="summon",
            expected_version=version,
            changes={
                "handler_org": organisations[0],
                "handler_region": None,
                "dispatched_at": timezone.now(),
            },
            note=note,
            unit="、".join(labels),
        )
        case.summoned.add(*organisations)
        for o in organisations:
            notify_unit(
                case, f"吹哨报到：{case.number}", f"{case.coordinator.name}召集，请到场处置", organisation=o
            )
    return case


def case_return(*, case: Case, by: User, reason: str, version: int | None = None) -> Case:
    """退单: the handler sends it back to the coordinating unit with a reason."""
    reason = clean_text(reason, "note", "退单理由")
    unit = case.handler_label
    case = transition(
        case,
        by=by,
        action="return",
        expected_version=version,
        changes={"handler_region": None, "handler_org": None},
        note=reason,
        unit=unit,
    )
    case.summoned.clear()
    notify_coordinator(case, f"退单：{case.number}", f"{unit}退回：{reason[:80]}")
    return case


def case_start(*, case: Case, by: User, version: int | None = None) -> Case:
    """签收办理 (部门报到)."""
    return transition(case, by=by, action="start", expected_version=version, unit=case.handler_label)


def case_request_extension(
    *, case: Case, by: User, days: int, reason: str, version: int | None = None
) -> Case:
    """申请延期: the handler asks the coordinating unit for ``days`` more working days."""
    precondition_check(case, "request_extension")
    if not 1 <= days <= 30:
        raise invalid("days", "延期天数应在 1 到 30 天之间", "case.extension_days")
    return transition(
        case,
        by=by,
        action="request_extension",
        expected_version=version,
        changes={"extension_requested": True, "extension_days": days},
        note=f"申请延期 {days} 天：{reason}" if reason.strip() else "",
        unit=case.handler_label,
    )


def case_approve_extension(*, case: Case, by: User, version: int | None = None) -> Case:
    """批准延期: the resolution deadline moves by the working days asked for."""
    precondition_check(case, "approve_extension")
    holidays, workdays = calendar()
    due = timing.add_working_days(
        timezone.localtime(case.resolve_due), case.extension_days, holidays, workdays
    )
    return transition(
        case,
        by=by,
        action="approve_extension",
        expected_version=version,
        changes={"extension_requested": False, "resolve_due": due, "overdue": False},
        note=f"延期 {case.extension_days} 个工作日，新期限 {timezone.localtime(due):%Y-%m-%d %H:%M}",
    )


def case_escalate(
    *, case: Case, by: User | None, reason: str, version: int | None = None, now: dt.datetime | None = None
) -> Case:
    """上报 (吹哨): community → street → district → city; the upper unit coordinates from now on."""
    precondition_check(case, "escalate")
    parent = case.coordinator.parent
    assert parent is not None  # the precondition refuses a coordinator without one
    case = transition(
        case,
        by=by,
        action="escalate",
        expected_version=version,
        changes={
            "coordinator": parent,
            "escalation_level": parent.level,
            "handler_region": None,
            "handler_org": None,
        },
        note=reason,
        unit=parent.name,
        now=now,
    )
    notify_unit(case, f"上报协调：{case.number}", f"{reason[:80]}", region=parent)
    return case


def case_merge(*, case: Case, into: Case, by: User, version: int | None = None) -> Case:
    """并单: ``case`` joins ``into`` (same category, open, nearby); they share one outcome."""
    if into.pk == case.pk:
        raise invalid("into", "不能并入自身", "case.merge_self")
    if into.category_id != case.category_id:
        raise invalid("into", "只能并入同一分类的诉求", "case.merge_other_category")
    if not into.is_open or into.merged_into_id:
        raise invalid("into", f"诉求 {into.number} 已办结或已被并单，不能并入", "case.merge_target_closed")
    case = transition(
        case,
        by=by,
        action="merge",
        expected_version=version,
        changes={"merged_into": into},
        note=f"并入 {into.number}",
        unit=into.number,
    )
    # Not the number: whoever sees ``into`` may not see ``case`` (the page lists the merged requests
    # each viewer may see).
    CaseEvent.objects.create(
        case=into,
        actor=by,
        actor_name=name_of(by),
        action="merge",
        note="有 1 件同类诉求并入本件，结果一并告知",
    )
    if case.reporter_id:
        notify(
            [case.reporter_id],
            case,
            f"您的诉求已并单：{case.number}",
            f"与诉求 {into.number} 一并办理，结果会同时告知您。",
        )
    return case


def case_remind(
    *, case: Case, by: User | None, note: str = "", version: int | None = None, now: dt.datetime | None = None
) -> Case:
    """催办."""
    now = now or timezone.now()
    case = transition(
        case,
        by=by,
        action="remind",
        expected_version=version,
        changes={"reminded_at": now},
        note=note or "请抓紧办理",
        unit=case.handler_label,
        now=now,
    )
    notify_handler(
        case, f"催办：{case.number}", f"办结期限 {timezone.localtime(case.resolve_due):%m-%d %H:%M}"
    )
    return case
