"""What 议事协商 adds to the home page's 待办 (``linli.core.home.register_todo``): residents' topics that
have reached their community's support threshold and wait to be taken up (community staff), the
resolutions past their deadline for the responsible person (overdue first), residents' opinions on the
board waiting for an answer, and the phone votes a
resident is entitled to and has not cast."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from linli.core import home
from linli.core.roles import Role, effective_role
from linli.core.scope import scoped
from linli.deliberation import selectors
from linli.deliberation.models import Comment, Resolution, ResolutionStatus, TopicStatus

ROLES: frozenset[str] = frozenset(Role.values) - {Role.DEPARTMENT_HANDLER}
SOON = dt.timedelta(days=7)
STAFF = {Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))


def items(user: Any) -> list[home.TodoItem]:
    role = effective_role(user)
    out: list[home.TodoItem] = []
    now = timezone.now()
    if role == Role.RESIDENT:
        person = selectors.resident_person(user)
        if person is not None:
            for v in selectors.open_votes_for(person)[: home.TODO_PER_SOURCE]:
                out.append(
                    home.TodoItem(
                        title=f"请投票：{v.question}",
                        url=reverse("deliberation:resident_topic", args=[v.topic.number]) + f"#vote{v.pk}",
                        detail=v.topic.title,
                        due=v.closes_at,
                        urgency=home.DUE_SOON if v.closes_at and v.closes_at - now < SOON else home.WAITING,
                        state="待投票",
                        kind="议事",
                    )
                )
        return out
    if role in STAFF:
        # taking a topic up and answering the board are the work of the level the topic or board belongs
        # to (the community's for its worker, the street's for the street), not of every level above
        waiting = selectors.topics_visible(user).filter(
            status=TopicStatus.COLLECTING, threshold_reached_at__isnull=False, region_id=user.region_id
        )[: home.TODO_PER_SOURCE]
        for t in waiting:
            out.append(
                home.TodoItem(
                    title=t.title,
                    url=reverse("deliberation:topic", args=[t.number]),
                    detail=f"{t.region.name} · {t.supports} 人附议，已达到受理门槛",
                    urgency=home.DUE_SOON,
                    state="待受理议题",
                    kind="议事",
                    list_url=reverse("deliberation:topics"),
                )
            )
        # residents' opinions on the board waiting for the community's answer (objections first)
        unanswered = (
            scoped(Comment.objects.filter(reply="", notice__region_id=user.region_id), user)
            .select_related("notice")
            .order_by("-objection", "at")[: home.TODO_PER_SOURCE]
        )
        for c in unanswered:
            out.append(
                home.TodoItem(
                    title=f"答复居民{'异议' if c.objection else '意见'}：{c.notice.title}",
                    url=reverse("deliberation:board_admin") + f"#comment-{c.pk}",
                    detail=c.text[:60],
                    urgency=home.DUE_SOON if c.objection else home.WAITING,
                    state="待答复",
                    kind="议事",
                    list_url=reverse("deliberation:board_admin"),
                )
            )
    mine = Resolution.objects.filter(responsible=user, status=ResolutionStatus.EXECUTING).select_related(
        "topic"
    )
    for r in mine.order_by("due")[: home.TODO_PER_SOURCE]:
        due = _end_of(r.due)
        urgency = home.OVERDUE if due < now else home.DUE_SOON if due - now < SOON else home.WAITING
        out.append(
            home.TodoItem(
                title=f"落实决议：{r.topic.title}",
                url=reverse("deliberation:topic", args=[r.topic.number]) + f"#r{r.pk}",
                detail=f"进度 {r.percent}% · 时限 {r.due:%Y-%m-%d}",
                due=due,
                urgency=urgency,
                state="决议执行中",
                kind="议事",
            )
        )
    return out
