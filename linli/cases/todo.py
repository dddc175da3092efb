"""What 诉求办理 adds to the home page's 待办 (``linli.core.home.register_todo``): the requests of the
account's 待我处理 queue (``selectors.queue(user, "todo")``, so the home page and the list agree), each
with how urgent it is and what it waits for, linking to the request page."""

from __future__ import annotations

import datetime as dt
import operator
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from linli.cases import selectors
from linli.cases.engine import workflow as wf
from linli.cases.models import Case
from linli.core import home
from linli.core.roles import Role

ROLES: frozenset[str] = frozenset(Role.values) - {Role.RESIDENT}
SOON = dt.timedelta(hours=24)
TITLE_CHARS = 36
ELSEWHERE_SHOWN = 3  # requests behind time in other units shown one by one; more make one item


def waits_for(case: Case, user: Any) -> str:
    """What the request waits for, in the words of the account's part in it."""
    code = user.region_code or ""
    if case.status == wf.RECEIVED:
        return "待受理"
    if case.status == wf.RETURNED:
        return "被退回，待重新派单"
    if case.status == wf.ACCEPTED:
        escalated = case.owner_region_id is not None and case.coordinator_id != case.owner_region_id
        if escalated:
            return (
                "上报至本级，待协调"
                if case.coordinator.code == code
                else f"已上报{case.coordinator.name}协调"
            )
        return "待派单"
    if case.status == wf.DISPATCHED:
        mine = (user.organisation_id and case.handler_org_id == user.organisation_id) or (
            case.handler_region_id and case.handler_region is not None and case.handler_region.code == code
        )
        return "待签收" if mine else "已派单，待承办单位签收"
    if case.status == wf.IN_PROGRESS:
        return "办理中"
    if case.status == wf.REPLIED:
        return "已答复，待回访"
    if case.status == wf.REVIEW:
        return "居民不满意，待复核"
    return case.status_label


def urgency(case: Case, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """(rank, the deadline it is ranked by): the response deadline before acceptance, then the
    resolution deadline until answered; answered requests only wait."""
    if case.status == wf.RECEIVED:
        due = case.response_due
    elif case.status in (wf.ACCEPTED, wf.DISPATCHED, wf.IN_PROGRESS, wf.RETURNED):
        due = case.resolve_due
        if case.overdue:
            return home.OVERDUE, due
    else:
        return home.WAITING, None
    if due <= now:
        return home.OVERDUE, due
    if due <= now + SOON:
        return home.DUE_SOON, due
    return home.WAITING, due


def own_q(arms: list[Q] | None) -> Q | None:
    """The requests that wait on the account's own unit (not only behind time somewhere in its region),
    as a condition on the requests, from its ``selectors.own_arms`` (by the unit's ids); None: all of
    its queue."""
    if arms is None:
        return None
    return reduce(operator.or_, arms) if arms else Q(pk__in=[])


def _first_ids(user: Any, arms: list[Q] | None) -> QuerySet[Case]:
    """The account's 待我处理 (its first ``TODO_PER_SOURCE`` by deadline, once ordered). Coordinating
    staff's queue is an OR of clauses (``selectors.todo_arms``): each is read on its own by deadline, as
    far as the page shows, and the earliest of them taken — each read follows the open requests' index
    and stops early, where the OR of them would gather every open request of the region to sort it.
    ``arms``: the account's ``selectors.todo_arms``."""
    if arms is None:
        return selectors.queue(user, "todo")
    visible = selectors.visible_cases(user)
    keys: set[tuple[dt.datetime, int]] = set()
    for arm in arms:
        keys.update(
            visible.filter(arm)
            .order_by("resolve_due", "id")
            .values_list("resolve_due", "id")[: home.TODO_PER_SOURCE]
        )
    return Case.objects.filter(pk__in=[pk for _, pk in sorted(keys)[: home.TODO_PER_SOURCE]])


def case_items(user: Any) -> list[home.TodoItem]:
    """The account's own requests one by one; those behind time elsewhere in its region (which it
    chases but others handle) one by one when few, else as one item leading to the overdue list.

    The queue's first ``TODO_PER_SOURCE`` are sorted into its own and elsewhere by one condition
    (``own_q``) and the elsewhere ones summed from a few columns: only the requests shown one by one
    are read whole (a district's 200 as objects, with their six related rows, took 40 ms)."""
    now = timezone.now()
    own = selectors.own_arms(user)  # the unit's clauses, read once for the queue and the split
    ids = list(
        _first_ids(user, selectors.with_late(own))
        .order_by("resolve_due", "id")
        .values_list("pk", flat=True)[: home.TODO_PER_SOURCE]
    )
    mine = own_q(own)
    own_ids = (
        set(ids) if mine is None else set(Case.objects.filter(mine, pk__in=ids).values_list("pk", flat=True))
    )
    elsewhere = [pk for pk in ids if pk not in own_ids]
    shown = ids
    queue_url = f"{reverse('cases:queue')}?queue=todo"
    items = []
    if len(elsewhere) > ELSEWHERE_SHOWN:
        behind = list(
            Case.objects.filter(pk__in=elsewhere).values_list(
                "status",
                "resolve_due",
                "response_due",
                "handler_org__name",
                "handler_region__name",
                "coordinator__name",
            )
        )
        oldest = min(due if status != wf.RECEIVED else response for status, due, response, *_ in behind)
        units = len({Case.label_of(org, region, coordinator) for *_, org, region, coordinator in behind})
        items.append(
            home.TodoItem(
                title=f"{len(elsewhere)} 件诉求超时未办，请督办",
                url=f"{reverse('cases:queue')}?queue=overdue",
                urgency=home.OVERDUE,
                detail=f"区域内 {units} 个承办单位 · 超期最久的排在最前",
                due=oldest,
                kind="诉求",
                count=len(elsewhere),
                list_url=queue_url,
            )
        )
        shown = [pk for pk in ids if pk in own_ids]
    rows = (
        selectors.with_related(Case.objects.filter(pk__in=shown))
        .select_related("owner_region")
        .defer(
            *(f"{r}__boundary" for r in ("region", "grid", "coordinator", "handler_region", "owner_region"))
        )
        .order_by("resolve_due", "id")
        if shown
        else []
    )
    for case in rows:
        rank, due = urgency(case, now)
        text = " ".join(case.description.split())
        state = waits_for(case, user)
        items.append(
            home.TodoItem(
                title=text[:TITLE_CHARS] + ("…" if len(text) > TITLE_CHARS else ""),
                url=reverse("cases:detail", args=[case.number]),
                urgency=rank,
                detail=" · ".join(
                    p
                    for p in (
                        case.number,
                        case.category.name,
                        case.region.name,
                        state if rank != home.WAITING else "",
                        f"承办：{case.handler_label}" if case.status in selectors.HANDLER_WAITS else "",
                    )
                    if p
                ),
                due=due,
                state=state,
                kind="诉求",
                list_url=queue_url,
            )
        )
    return items
