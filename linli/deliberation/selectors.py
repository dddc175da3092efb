"""Reads of the deliberation module: what each account sees, a topic's position in its procedure, the
owners' roll of a building, the board of a community (public: no personal data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from linli.core.roles import REGISTRY_READERS, Role, effective_role
from linli.core.scope import subtree_q
from linli.deliberation.engine import procedure as pr
from linli.deliberation.engine import rules
from linli.deliberation.models import (
    Attendance,
    CommunitySetting,
    Meeting,
    Notice,
    OwnerShare,
    Participation,
    ProcedureStep,
    Resolution,
    ResolutionStatus,
    Topic,
    TopicStep,
    Vote,
)
from linli.regions.models import Level, Region
from linli.registry.models import Building, Person

COMMUNITY_CODE = 12
DEFAULT_THRESHOLD = 10


def community_of(person: Person) -> str:
    """The 12-digit code of the community (village) a person is registered in."""
    return person.region.code[:COMMUNITY_CODE]


def is_staff(user: Any) -> bool:
    return effective_role(user) in REGISTRY_READERS


def resident_person(user: Any) -> Person | None:
    """The resident account's own person in the registry (as the requests module finds it), None else."""
    if not getattr(user, "is_authenticated", False) or effective_role(user) != Role.RESIDENT:
        return None
    return user.person if user.person_id else None


def topics_visible(user: Any) -> QuerySet[Topic]:
    """Staff: the topics of their region subtree; a resident: those of his own community."""
    qs = Topic.objects.select_related("region", "procedure", "building")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    role = effective_role(user)
    if role == Role.SYSTEM_ADMIN:
        return qs
    if role == Role.RESIDENT:
        person = resident_person(user)
        return qs.filter(region__code=community_of(person)) if person else qs.none()
    if role in REGISTRY_READERS and user.region_id:
        return qs.filter(subtree_q(user.region_code, "region__code"))
    return qs.none()


def topic_for(user: Any, number: str) -> Topic | None:
    return topics_visible(user).filter(number=number).first()


def settings_for(region: Region) -> tuple[int, int]:
    """(support threshold, proxy limit) of a community: its own setting, else the defaults."""
    s = CommunitySetting.objects.filter(region=region).first()
    if s is None:
        return DEFAULT_THRESHOLD, rules.DEFAULT_PROXY_LIMIT
    return s.support_threshold, s.proxy_limit


@dataclass(frozen=True)
class StepView:
    step: ProcedureStep
    done: TopicStep | None
    current: bool


def topic_position(topic: Topic) -> list[StepView]:
    """Every step of the topic's procedure, with the record of those done and the next one marked."""
    if topic.procedure_id is None:
        return []
    steps = list(ProcedureStep.objects.filter(procedure_id=topic.procedure_id).order_by("order"))
    done = {t.step_id: t for t in TopicStep.objects.filter(topic=topic).select_related("meeting")}
    _n, nxt = pr.position(
        [pr.StepDef(s.order, s.name, s.required) for s in steps], [s.order for s in steps if s.pk in done]
    )
    return [StepView(s, done.get(s.pk), nxt is not None and s.order == nxt.order) for s in steps]


def next_step(topic: Topic) -> ProcedureStep | None:
    for v in topic_position(topic):
        if v.current:
            return v.step
    return None


def present_count(meeting: Meeting) -> int:
    """实到: members present in person or by proxy."""
    return Attendance.objects.filter(meeting=meeting).count()


def quorum_verdict(meeting: Meeting) -> rules.Verdict:
    return rules.QUORUMS[meeting.quorum].check(members=meeting.members, present=present_count(meeting))


def owner_roll(building: Building) -> list[tuple[int, Decimal]]:
    """(owner person id, summed exclusive area) of the building (or of every building of an estate)."""
    rows = (
        OwnerShare.objects.filter(Q(building=building) | Q(building__parent=building))
        .values("owner_id")
        .annotate(area=Sum("area"))
        .order_by("owner_id")
    )
    return [(r["owner_id"], r["area"]) for r in rows]


def has_voted(vote: Vote, person: Person) -> bool:
    return Participation.objects.filter(vote=vote, person=person).exists()


def open_votes_for(person: Person) -> QuerySet[Vote]:
    """Phone votes open to the person: he is on the roll and has not voted yet."""
    return (
        Vote.objects.filter(status="open", phone=True, roll__person=person)
        .exclude(participations__person=person)
        .select_related("topic")
    )


def overdue_resolutions(user: Any, today: dt.date | None = None) -> QuerySet[Resolution]:
    today = today or timezone.localdate()
    return Resolution.objects.filter(
        responsible=user, status=ResolutionStatus.EXECUTING, due__lt=today
    ).select_related("topic")


def board(region: Region, *, today: dt.date | None = None, current_only: bool = False) -> QuerySet[Notice]:
    """The community's board: notices already posted (newest first), with their count of comments."""
    today = today or timezone.localdate()
    qs = Notice.objects.filter(region=region, posted_on__lte=today).annotate(
        n_comments=Count("comments"), n_objections=Count("comments", filter=Q(comments__objection=True))
    )
    return qs.order_by("-posted_on", "-id")


def execution_figures(code: str) -> dict[str, int]:
    """Resolutions made and executed in the subtree of ``code`` (the 执行率 of the community page)."""
    qs = Resolution.objects.filter(subtree_q(code, "topic__region__code"))
    made = qs.count()
    done = qs.filter(status=ResolutionStatus.EXECUTED).count()
    return {"made": made, "executed": done}


def communities_below(user: Any) -> QuerySet[Region]:
    qs = Region.objects.current().filter(level=Level.COMMUNITY)
    if effective_role(user) == Role.SYSTEM_ADMIN:
        return qs.order_by("code")
    return qs.filter(subtree_q(user.region_code)).order_by("code") if user.region_id else qs.none()


def person_named(region: Region, name: str) -> tuple[Person | None, str]:
    """The one registered person of that name in the community; (None, why) when none or several."""
    name = name.strip()
    rows = list(
        Person.objects.filter(subtree_q(region.code, "region__code"), name=name).exclude(status="deceased")[
            :2
        ]
    )
    if not rows:
        return None, f"本社区（村）没有登记名为“{name}”的居民"
    if len(rows) > 1:
        return None, f"本社区（村）有多位“{name}”，请到基础数据核对后再登记"
    return rows[0], ""
