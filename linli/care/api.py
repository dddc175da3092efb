"""关爱巡访与政策找人 API (/api/care): the worker's visits and their record, the month's visit rate,
政策找人 alerts, referrals and the care rules. Reads are scoped (out of scope reads like absent: 404);
writes go through ``linli.care.services``; a lost race (a visit recorded twice, an alert decided
twice) answers 409 with its code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from linli.care import selectors, services
from linli.care.models import CareRule
from linli.core.api import ERRORS, ConflictOut, acting_user, conflict_response
from linli.core.errors import Conflict, Forbidden, invalid
from linli.core.roles import REGISTRY_READERS, effective_role

router = Router(tags=["关爱巡访与政策找人"])


def answers_conflict(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(endpoint)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        except Conflict as exc:
            return conflict_response(exc)

    return wrapped


def _staff(request: HttpRequest) -> Any:
    user = acting_user(request)
    if effective_role(user) not in REGISTRY_READERS:
        raise Forbidden("关爱巡访接口供网格员和社区工作人员使用", code="care.not_permitted")
    return user


class VisitOut(Schema):
    id: int
    person_masked: str
    group: str = Field(alias="rule.name")
    region: str = Field(alias="region.name")
    period_start: dt.date
    due_on: dt.date
    status: str
    visited_at: dt.datetime | None
    checklist: list[str] = Field(alias="rule.checklist")

    @staticmethod
    def resolve_person_masked(obj: Any) -> str:
        name = obj.file.person.name
        return name[:1] + "*" * (len(name) - 1)


@router.get("/visits", response={200: list[VisitOut], **ERRORS}, summary="我的待巡访和逾期巡访")
def visits_mine(request: HttpRequest) -> Any:
    return list(selectors.my_visits(_staff(request), timezone.localdate())[:500])


class VisitIn(Schema):
    visited_at: dt.datetime | None = Field(None, description="到访时间，缺省为现在；不能晚于现在")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    answers: dict[str, str] = Field(default_factory=dict, description="巡访清单项 → 正常 / 需关注")
    note: str = Field("", max_length=500)
    next_visit_on: dt.date | None = None
    need_category: str = Field("", max_length=40, description="发现需求时：需求类别编码")
    need_description: str = Field("", max_length=500)


@router.post(
    "/visits/{int:visit_id}", response={200: VisitOut, **ERRORS, 409: ConflictOut}, summary="记录一次巡访"
)
@answers_conflict
def visit_record(request: HttpRequest, visit_id: int, payload: VisitIn) -> Any:
    user = _staff(request)
    v = selectors.visits_for(user).filter(pk=visit_id).first()
    if v is None:
        raise Http404
    return services.visit_record(actor=user, visit=v, **payload.dict())


class RateOut(Schema):
    key: str
    name: str
    owed: int
    visited: int
    overdue: int
    rate: float | None


@router.get("/rates", response={200: list[RateOut], **ERRORS}, summary="月探访率（按人群或下级区划）")
def rates(request: HttpRequest, month: dt.date | None = None, by: str = "rule") -> Any:
    user = _staff(request)
    if by not in ("rule", "region"):
        raise Http404
    root = user.region_code or "35"
    n = {2: 4, 4: 6, 6: 9, 9: 12, 12: 15}.get(len(root), 15)
    return selectors.visit_rates(root, (month or timezone.localdate()).replace(day=1), by=by, n=n)


class AlertOut(Schema):
    id: int
    person_masked: str
    policy: str = Field(alias="rule.policy_label")
    reason: str
    status: str
    raised_on: dt.date
    application_id: int | None

    @staticmethod
    def resolve_person_masked(obj: Any) -> str:
        name = obj.file.person.name
        return name[:1] + "*" * (len(name) - 1)


@router.get("/alerts", response={200: list[AlertOut], **ERRORS}, summary="政策找人：待核实的预警")
def alerts(request: HttpRequest) -> Any:
    return list(selectors.open_alerts(_staff(request))[:500])


class DecisionIn(Schema):
    decision: str = Field(description="confirm（发起一窗申请）或 dismiss（排除）")
    reason: str = Field("", max_length=200)


@router.post(
    "/alerts/{int:alert_id}", response={200: AlertOut, **ERRORS, 409: ConflictOut}, summary="核实预警"
)
@answers_conflict
def alert_decide(request: HttpRequest, alert_id: int, payload: DecisionIn) -> Any:
    user = _staff(request)
    a = selectors.alerts_for(user).filter(pk=alert_id).first()
    if a is None:
        raise Http404
    if payload.decision == "confirm":
        return services.alert_confirm(actor=user, alert=a)
    if payload.decision == "dismiss":
        return services.alert_dismiss(actor=user, alert=a, reason=payload.reason)
    raise invalid("decision", "处理应为 confirm 或 dismiss", "care.alert_decision")


class ReferralIn(Schema):
    kind: str = Field(description="case / need / application / social_case")
    target: str = Field("", max_length=40, description="诉求类别、需求类别或一窗事项的编码")
    summary: str = Field(max_length=300)
    visit_id: int | None = None


class ReferralOut(Schema):
    id: int
    kind: str
    target_id: int
    summary: str
    outcome: str


@router.post(
    "/files/{int:file_id}/referrals", response={201: ReferralOut, **ERRORS, 409: ConflictOut}, summary="转介"
)
@answers_conflict
def referral_create(request: HttpRequest, file_id: int, payload: ReferralIn) -> Any:
    user = _staff(request)
    f = selectors.files_for(user).filter(pk=file_id).first()
    if f is None:
        raise Http404
    visit = None
    if payload.visit_id is not None:
        visit = selectors.visits_for(user).filter(pk=payload.visit_id).first()
        if visit is None:
            raise Http404
    r = services.referral_create(
        actor=user, file=f, kind=payload.kind, target=payload.target, summary=payload.summary, visit=visit
    )
    return Status(201, r)


class RuleOut(Schema):
    id: int
    code: str
    name: str
    description: str
    condition: dict[str, Any]
    frequency: str
    visitor: str
    checklist: list[str]
    policy_item: str
    policy_label: str
    active: bool
    members: int = Field(description="在册人数：本账号数据范围内目前在册的人数")


@router.get("/rules", response={200: list[RuleOut], **ERRORS}, summary="关爱人群规则")
def rules(request: HttpRequest) -> Any:
    return _with_members(list(CareRule.objects.all()), _staff(request))


def _with_members(rules: list[CareRule], user: Any) -> list[CareRule]:
    """The rules with their 在册人数 in ``user``'s scope (``members`` of ``RuleOut``)."""
    members = selectors.rule_members(user)
    for rule in rules:
        rule.members = members.get(rule.pk, 0)  # type: ignore[attr-defined]
    return rules


class RuleIn(Schema):
    name: str = Field(max_length=40)
    description: str = Field("", max_length=300)
    condition: dict[str, Any]
    frequency: str = ""
    visitor: str = "grid_worker"
    checklist: list[str] = Field(default_factory=list)
    policy_item: str = Field("", max_length=40)
    policy_label: str = Field("", max_length=40)
    active: bool = True


@router.put(
    "/rules/{int:rule_id}", response={200: RuleOut, **ERRORS, 409: ConflictOut}, summary="修改规则（区级）"
)
@answers_conflict
def rule_update(request: HttpRequest, rule_id: int, payload: RuleIn) -> Any:
    user = _staff(request)
    rule = CareRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    return _with_members([services.rule_save(actor=user, rule=rule, **payload.dict())], user)[0]


class PostOut(Schema):
    id: int
    community: str = Field(alias="region.code")
    community_name: str = Field(alias="region.name")
    post: str
    post_label: str
    user_id: int
    user_name: str
    since: dt.date
    until: dt.date | None
    active: bool
    end_reason: str

    @staticmethod
    def resolve_post_label(obj: Any) -> str:
        return str(obj.get_post_display())

    @staticmethod
    def resolve_user_name(obj: Any) -> str:
        return str(obj.user)


class CommunityPostsOut(Schema):
    community: str
    community_name: str
    missing: list[str] = Field(description="缺的必设岗位（儿童主任、社会救助协理员）")
    posts: list[PostOut] = Field(description="任职记录，现任与已离岗的都在")


@router.get("/posts", response={200: list[CommunityPostsOut], **ERRORS}, summary="关爱岗位（按社区）")
def posts(request: HttpRequest, community: str = "") -> Any:
    user = _staff(request)
    regions = selectors.communities_under(user.region_code or "35")
    if community:
        regions = regions.filter(code=community)
    return [
        {
            "community": b.region.code,
            "community_name": b.region.name,
            "missing": b.missing,
            "posts": b.history,
        }
        for b in selectors.community_posts(list(regions[:500]))
    ]


class PostIn(Schema):
    community: str = Field(max_length=12, description="社区（村）的 12 位统计用区划代码")
    post: str = Field(description="child_director / assistance_assistant / social_worker")
    user_id: int
    since: dt.date | None = Field(None, description="任职日期，缺省为今天")


@router.post("/posts", response={201: PostOut, **ERRORS, 409: ConflictOut}, summary="指定关爱岗位")
@answers_conflict
def post_assign(request: HttpRequest, payload: PostIn) -> Any:
    user = _staff(request)
    region = selectors.community_for(user, payload.community)
    if region is None:
        raise Http404
    holder = selectors.post_candidates(region.code).filter(pk=payload.user_id).first()
    if holder is None:
        raise invalid(
            "user_id", "应指定本街道（乡镇）在岗的网格员或社区工作人员账号", "care.post_user_invalid"
        )
    w = services.care_worker_assign(
        actor=user, region=region, post=payload.post, user=holder, since=payload.since
    )
    return Status(201, w)


class PostEndIn(Schema):
    until: dt.date | None = Field(None, description="离岗日期，缺省为今天")
    reason: str = Field("", max_length=100)


@router.post(
    "/posts/{int:post_id}/end", response={200: PostOut, **ERRORS, 409: ConflictOut}, summary="办理离岗"
)
@answers_conflict
def post_end(request: HttpRequest, post_id: int, payload: PostEndIn) -> Any:
    user = _staff(request)
    w = selectors.post_for(user, post_id)
    if w is None:
        raise Http404
    return services.care_worker_end(actor=user, worker=w, until=payload.until, reason=payload.reason)


class ReferralTargetOut(Schema):
    kind: str
    group: str
    target: str = Field(description="诉求类别、需求类别、一窗事项的编码，或社工账号编号；空为由社工站分派")
    name: str


@router.get(
    "/files/{int:file_id}/referral-targets",
    response={200: list[ReferralTargetOut], **ERRORS},
    summary="转介去向（诉求类别、需求类别、一窗事项、社工）",
)
def referral_targets(request: HttpRequest, file_id: int) -> Any:
    f = selectors.files_for(_staff(request)).filter(pk=file_id).first()
    if f is None:
        raise Http404
    out = []
    for group, options in selectors.referral_targets(f):
        for value, name in options:
            kind, _, target = value.partition(":")
            out.append({"kind": kind, "group": group, "target": target, "name": name})
    return out


class ReferralStateOut(Schema):
    id: int
    kind: str
    target_id: int
    target: str = Field(description="去向的记录，如“诉求 LJ…”“高龄津贴 办件 YC…”")
    summary: str
    target_state: str = Field(description="去向记录当前的状态")
    closed: bool = Field(description="转介已结束，或去向已办结")
    outcome: str = Field(description="结果编码；去向已办结而转介尚未同步时为其结果")
    outcome_note: str


@router.get(
    "/files/{int:file_id}/referrals",
    response={200: list[ReferralStateOut], **ERRORS},
    summary="档案的转介及去向的当前状态",
)
def referrals_of_file(request: HttpRequest, file_id: int) -> Any:
    f = selectors.files_for(_staff(request)).filter(pk=file_id).first()
    if f is None:
        raise Http404
    return [
        {
            "id": x.referral.pk,
            "kind": x.referral.kind,
            "target_id": x.referral.target_id,
            "target": x.target,
            "summary": x.referral.summary,
            "target_state": x.state,
            "closed": not x.open,
            "outcome": x.outcome,
            "outcome_note": x.note,
        }
        for x in selectors.referral_states(f.referrals.order_by("-created_at"))
    ]
