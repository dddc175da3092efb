"""What 志愿服务 adds to the home page's 待办: participants whose hours wait for the organiser's
confirmation (one item per activity), and for a resident the activities they signed up for today."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from linli.core import home
from linli.core.roles import Role, effective_role
from linli.volunteers import selectors
from linli.volunteers.models import SignupStatus
from linli.volunteers.services import STAFF_ROLES

CONFIRM_WITHIN = dt.timedelta(days=3)  # hours unconfirmed three days after the activity are overdue


def confirm_items(user: Any) -> list[home.TodoItem]:
    """Hours to confirm are the organiser's work: staff get their own level's activities (a community's
    for its worker, a street's for the street), not every activity below them; a team leader gets the team's."""
    mine = selectors.to_confirm(user)
    if effective_role(user) not in (Role.RESIDENT, Role.SYSTEM_ADMIN):
        mine = mine.filter(activity__region_id=user.region_id)
    rows = (
        mine.values("activity_id", "activity__title")
        .annotate(n=Count("pk"), ended=Max("activity__ends_at"))
        .order_by("ended")[: home.TODO_PER_SOURCE]
    )
    now = timezone.now()
    return [
        home.TodoItem(
            title=f"确认服务时长：{r['activity__title']}",
            url=reverse("volunteers:activity", args=[r["activity_id"]]),
            urgency=home.OVERDUE if r["ended"] + CONFIRM_WITHIN < now else home.WAITING,
            due=r["ended"] + CONFIRM_WITHIN,
            detail=f"{r['n']} 位志愿者已签到，待确认时长",
            state="待确认",
            kind="志愿服务",
            count=r["n"],
        )
        for r in rows
    ]


def signup_items(user: Any) -> list[home.TodoItem]:
    """A resident's signups of activities starting within a day: go and sign in."""
    v = selectors.my_volunteer(user)
    if v is None:
        return []
    now = timezone.now()
    rows = (
        selectors.my_signups(v)
        .filter(
            status=SignupStatus.SIGNED_UP,
            activity__ends_at__gte=now,
            activity__starts_at__lte=now + dt.timedelta(days=1),
        )
        .order_by("activity__starts_at")[: home.TODO_PER_SOURCE]
    )
    return [
        home.TodoItem(
            title=s.activity.title,
            url=reverse("volunteers:activity", args=[s.activity_id]),
            urgency=home.DUE_SOON,
            due=s.activity.starts_at,
            detail=f"{timezone.localtime(s.activity.starts_at):%H:%M} · {s.activity.place} · 岗位：{s.position.name}",
            state="已签到" if s.signed_in_at else "待签到",
            kind="志愿活动",
        )
        for s in rows
    ]


def star_items(user: Any) -> list[home.TodoItem]:
    """星级达成: a resident who reached a star level is told so until they have seen it."""
    v = selectors.my_volunteer(user)
    if v is None:
        return []
    new = selectors.unseen_stars(v)
    if not new:
        return []
    return [
        home.TodoItem(
            title=f"恭喜您成为{selectors.star_status(v).name}志愿者",
            url=reverse("volunteers:mine"),
            urgency=home.WAITING,
            detail=f"累计志愿服务 {selectors.star_status(v).hours} 小时",
            state="新达到",
            kind="志愿服务",
        )
    ]


def party_team_items(user: Any) -> list[home.TodoItem]:
    """A community without its 党员志愿服务队: the community worker (or the street, for its communities)
    is asked to form one."""
    missing = list(selectors.communities_without_party_team(user).values_list("name", flat=True)[:50])
    if not missing:
        return []
    if len(missing) == 1:
        title, detail = f"组建{missing[0]}党员志愿服务队", "按规划，每个村（社区）至少有一支党员志愿服务队"
    else:
        shown = "、".join(missing[:3]) + ("等" if len(missing) > 3 else "")
        title, detail = f"{len(missing)} 个村（社区）尚未组建党员志愿服务队", shown
    return [
        home.TodoItem(
            title=title,
            url=reverse("volunteers:teams"),
            urgency=home.WAITING,
            detail=detail,
            state="待组建",
            kind="志愿服务",
            count=len(missing) if len(missing) > 1 else None,
        )
    ]


def register() -> None:
    home.register_todo(
        "volunteers.confirm", frozenset(STAFF_ROLES) - {Role.GRID_WORKER} | {Role.RESIDENT}, confirm_items
    )
    home.register_todo("volunteers.signups", frozenset({Role.RESIDENT}), signup_items)
    home.register_todo("volunteers.stars", frozenset({Role.RESIDENT}), star_items)
    home.register_todo(
        "volunteers.party_team",
        frozenset({Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR}),
        party_team_items,
    )
