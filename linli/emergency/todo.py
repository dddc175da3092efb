"""What the emergency module adds to the home pages: the warnings in force for the account's place
(every role, residents in plain words), and 待办 — the persons of a response's check list not yet
reached (their responder), the response tasks (their assignee), communities without a 灾害信息员
(street and district)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from linli.core import home
from linli.core.roles import Role, effective_role
from linli.emergency import selectors
from linli.emergency.models import CheckStatus

PANEL_ROLES: frozenset[str] = frozenset(Role.values)
CHECK_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.RESIDENT})
TASK_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.RESIDENT})
OFFICER_ROLES = frozenset({Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.COMMUNITY_WORKER})


def warnings_panel(user: Any, page: home.PageContext) -> home.PageContext | None:
    if effective_role(user) == Role.RESIDENT:
        code = selectors.resident_community_code(user)
    else:
        code = user.region_code if user.region_code and len(user.region_code) >= 12 else ""
    found = selectors.active_warnings_for(code) if code else []
    if not found and effective_role(user) != Role.RESIDENT and user.region_code:
        found = [
            w
            for w in selectors.visible_warnings(user).filter(status="active", expires__gt=timezone.now())[:3]
        ]
    if not found:
        return None
    return {"emergency_warnings": found, "emergency_resident": effective_role(user) == Role.RESIDENT}


def check_items(user: Any) -> list[home.TodoItem]:
    rows = list(
        selectors.my_checks(user)
        .filter(status=CheckStatus.PENDING)
        .values_list("event_id", "event__title")[:5000]
    )
    if not rows:
        return []
    by_event: dict[int, tuple[str, int]] = {}
    for eid, title in rows:
        by_event[eid] = (title, by_event.get(eid, (title, 0))[1] + 1)
    url = reverse("emergency:checks")
    return [
        home.TodoItem(
            title=f"{title}：还有 {n} 名重点人员未核查",
            url=f"{url}?event={eid}",
            urgency=home.OVERDUE,
            detail="请逐一联系，登记平安、已转移或需要帮助",
            state="待核查",
            kind="应急",
            count=n,
            list_url=url,
        )
        for eid, (title, n) in by_event.items()
    ]


def task_items(user: Any) -> list[home.TodoItem]:
    now = timezone.now()
    out = []
    for t in selectors.my_tasks(user)[: home.TODO_PER_SOURCE]:
        out.append(
            home.TodoItem(
                title=f"{t.title}（{t.event.title}）",
                url=reverse("emergency:task", args=[t.pk]),
                urgency=home.OVERDUE if t.due_at <= now else home.DUE_SOON,
                detail=f"{t.region.name} · {t.assignee_label}",
                due=t.due_at,
                kind="应急",
                list_url=reverse("emergency:tasks"),
            )
        )
    return out


def officer_items(user: Any) -> list[home.TodoItem]:
    if not user.region_code:
        return []
    missing = selectors.missing_officers(user)
    if not missing:
        return []
    names = "、".join(r.name for r in missing[:3]) + ("等" if len(missing) > 3 else "")
    url = reverse("emergency:organisation")
    return [
        home.TodoItem(
            title=f"{len(missing)} 个社区/村缺灾害信息员",
            url=url,
            urgency=home.WAITING,
            detail=f"{names}：每个社区至少 1 名",
            state="待配备",
            kind="应急",
            count=len(missing),
            list_url=url,
        )
    ]
