"""议事协商 API (/api/deliberation): topics (raise, support, read with their position in the procedure),
phone ballots, the count, and a community's board. Reads are scoped like the pages (staff: their region
subtree; a resident: his own community); writes go through ``linli.deliberation.services``.

A second support or a second ballot answers 409 with its code (``topic.supported``,
``vote.already_voted``); a step out of order, a count that does not add up, a meeting without quorum:
422 with the code of the rule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from linli.core.api import ERRORS, ConflictOut, OneOf, acting_user, conflict_response
from linli.core.errors import Conflict
from linli.deliberation import selectors, services
from linli.deliberation.models import Notice, Topic, TopicScope, Vote
from linli.regions.models import Level, Region

router = Router(tags=["议事协商与村（居）务公开"])


class TopicStepOut(Schema):
    order: int
    name: str
    done_at: dt.datetime | None
    current: bool


class TopicOut(Schema):
    number: str
    title: str
    description: str
    region_code: str = Field(..., alias="region.code")
    scope: str
    source: str
    status: str
    supports: int
    threshold: int
    procedure: str | None = Field(None, alias="procedure.code")
    created_at: dt.datetime


class TopicDetailOut(TopicOut):
    steps: list[TopicStepOut]

    @staticmethod
    def resolve_steps(obj: Topic) -> list[dict[str, Any]]:
        return [
            {
                "order": v.step.order,
                "name": v.step.name,
                "done_at": v.done.at if v.done else None,
                "current": v.current,
            }
            for v in selectors.topic_position(obj)
        ]


class TopicIn(Schema):
    title: Annotated[str, Field(max_length=80)]
    description: Annotated[str, Field(max_length=2000)]
    scope: Annotated[str, OneOf(TopicScope.values, blank=False)] = TopicScope.COMMUNITY
    region_code: Annotated[str, Field(max_length=15)] = ""


class BallotIn(Schema):
    choice: Annotated[str, OneOf(["yes", "no", "abstain"], blank=False)]


class VoteOut(Schema):
    id: int
    question: str
    rule: str
    status: str
    members: int
    total_area: Decimal
    yes: int
    no: int
    abstain: int
    invalid: int
    yes_area: Decimal
    cast_area: Decimal
    passed: bool | None
    explanation: str


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    posted_on: dt.date
    until: dt.date
    days: int


def _topic(request: HttpRequest, number: str) -> Topic:
    t = selectors.topic_for(acting_user(request), number)
    if t is None:
        raise Http404("没有找到该议题")
    return t


@router.get("/topics", response={200: list[TopicOut], **ERRORS}, summary="议题列表")
def topic_list(request: HttpRequest, status: str = "") -> Any:
    qs = selectors.topics_visible(acting_user(request))
    if status:
        qs = qs.filter(status=status)
    return list(qs[:200])


@router.get("/topics/{number}", response={200: TopicDetailOut, **ERRORS}, summary="议题详情与议事进度")
def topic_detail(request: HttpRequest, number: str) -> Topic:
    return _topic(request, number)


@router.post("/topics", response={201: TopicOut, **ERRORS}, summary="提出议题")
def topic_create(request: HttpRequest, payload: TopicIn) -> Any:
    user = acting_user(request)
    region = None
    if payload.region_code:
        region = Region.objects.current().filter(code=payload.region_code, level=Level.COMMUNITY).first()
        if region is None:
            raise services.invalid("region_code", "没有该社区（村）", "topic.region_required")
    t = services.topic_raise(
        by=user, title=payload.title, description=payload.description, scope=payload.scope, region=region
    )
    return Status(201, t)


@router.post(
    "/topics/{number}/supports", response={200: TopicOut, 409: ConflictOut, **ERRORS}, summary="附议议题"
)
def topic_support(request: HttpRequest, number: str) -> Any:
    t = _topic(request, number)
    try:
        return services.topic_support(topic=t, by=acting_user(request))
    except Conflict as exc:
        return conflict_response(exc)


def _vote(request: HttpRequest, vote_id: int) -> Vote:
    v = Vote.objects.select_related("topic").filter(pk=vote_id).first()
    if v is None or selectors.topic_for(acting_user(request), v.topic.number) is None:
        raise Http404("没有找到该表决")
    return v


@router.get("/votes/{vote_id}", response={200: VoteOut, **ERRORS}, summary="表决与计票结果")
def vote_detail(request: HttpRequest, vote_id: int) -> Vote:
    return _vote(request, vote_id)


@router.post(
    "/votes/{vote_id}/ballots",
    response={201: None, 409: ConflictOut, **ERRORS},
    summary="手机投票（居民本人）",
)
def ballot_cast(request: HttpRequest, vote_id: int, payload: BallotIn) -> Any:
    v = _vote(request, vote_id)
    try:
        services.ballot_cast(vote=v, by=acting_user(request), choice=payload.choice)
    except Conflict as exc:
        return conflict_response(exc)
    return Status(201, None)


@router.post("/votes/{vote_id}/count", response={200: VoteOut, **ERRORS}, summary="结束投票并计票")
def vote_count(request: HttpRequest, vote_id: int) -> Vote:
    return services.vote_count(vote=_vote(request, vote_id), by=acting_user(request))


@router.get("/boards/{code}", response={200: list[NoticeOut], **ERRORS}, summary="社区（村）公开栏")
def board(request: HttpRequest, code: str) -> list[Notice]:
    region = Region.objects.current().filter(code=code, level=Level.COMMUNITY).first()
    if region is None:
        raise Http404("没有该社区（村）")
    return list(selectors.board(region)[:100])
