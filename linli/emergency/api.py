"""平战结合 API (/api/emergency): warnings (enter/issue, import CAP 1.2, public CAP export and Atom
feed of the warnings in force), responses (declare, step, end; timeline and who is not yet reached),
the responder's check list, shelter check-in, supply movements. Reads are scoped; writes go through
``linli.emergency.services`` — the same calls as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from linli.core.api import ERRORS, ConflictOut, acting_user, conflict_response
from linli.core.errors import Conflict, invalid
from linli.emergency import selectors, services
from linli.emergency.engine import cap
from linli.emergency.feeds import WarningFeed, cap_path
from linli.emergency.models import LEVELS, CheckStatus, Event, Warning
from linli.regions.models import Region

router = Router(tags=["平战结合（应急）"])


def _regions(codes: list[str]) -> list[Region]:
    found = {r.code: r for r in Region.objects.current().filter(code__in=codes).defer("boundary")}
    for c in codes:
        if c not in found:
            raise invalid("regions", f"没有这个区划：{c}", "emergency.region_unknown")
    return [found[c] for c in codes]


class WarningIn(Schema):
    hazard: str
    severity: str
    urgency: str
    certainty: str
    headline: str = Field(max_length=160)
    description: str = Field(max_length=4000)
    instruction: str = Field("", max_length=2000)
    onset: dt.datetime | None = None
    expires: dt.datetime
    regions: list[str] = Field(default_factory=list, max_length=500)
    polygon: list[tuple[float, float]] | None = Field(None, max_length=1000)
    issue: bool = False


class WarningOut(Schema):
    number: str
    identifier: str
    source: str
    hazard: str
    severity: str
    urgency: str
    certainty: str
    headline: str
    description: str
    instruction: str
    onset: dt.datetime
    expires: dt.datetime
    status: str
    area_desc: str
    regions: list[str]
    cap_url: str

    @staticmethod
    def resolve_regions(obj: Warning) -> list[str]:
        return [r.code for r in obj.regions.all()]

    @staticmethod
    def resolve_cap_url(obj: Warning) -> str:
        return cap_path(obj.number)


class WarningCapIn(Schema):
    xml: str = Field(max_length=1024 * 1024)
    regions: list[str] = Field(default_factory=list, max_length=500)


@router.get("/warnings", response={200: list[WarningOut], **ERRORS}, summary="预警列表（本账号范围）")
def warning_list(request: HttpRequest, active: bool = False) -> Any:
    qs = selectors.visible_warnings(acting_user(request)).prefetch_related("regions")
    if active:
        qs = qs.filter(status="active", expires__gt=timezone.now())
    return list(qs.order_by("-sent")[:200])


@router.post("/warnings", response={201: WarningOut, **ERRORS}, summary="登记或发布预警")
def warning_create(request: HttpRequest, payload: WarningIn) -> Any:
    user = acting_user(request)
    data = payload.dict()
    data["regions"] = _regions(data["regions"])
    return Status(201, services.warning_create(by=user, **data))


@router.post(
    "/warnings/cap", response={201: WarningOut, 409: ConflictOut, **ERRORS}, summary="导入 CAP 1.2 预警"
)
def warning_import(request: HttpRequest, payload: WarningCapIn) -> Any:
    user = acting_user(request)
    try:
        w = services.warning_import_cap(by=user, xml=payload.xml.encode(), regions=_regions(payload.regions))
    except Conflict as exc:
        return conflict_response(exc)
    return Status(201, w)


@router.get(
    "/warnings/{number}.cap",
    response={200: None, **ERRORS},
    auth=None,
    summary="预警的 CAP 1.2 报文（公开，不含个人信息）",
)
def warning_cap(request: HttpRequest, number: str) -> HttpResponse:
    w = selectors.public_warning(number)
    if w is None:
        raise Http404
    body = cap.render(selectors.warning_to_cap(w))
    return HttpResponse(body, content_type="application/cap+xml; charset=utf-8")


@router.get(
    "/warnings.atom",
    response={200: None, **ERRORS},
    auth=None,
    summary="生效预警的 Atom 订阅（公开，每条链接 CAP 报文）",
)
def warning_feed(request: HttpRequest) -> HttpResponse:
    return WarningFeed()(request)


class EmergencyDeclareIn(Schema):
    hazard: str = ""
    title: str = Field("", max_length=120)
    level: str
    regions: list[str] = Field(default_factory=list, max_length=500)
    polygon: list[tuple[float, float]] | None = Field(None, max_length=1000)
    warning: str = ""
    reason: str = Field(max_length=300)


class EmergencyStepIn(Schema):
    level: str = Field(description="Ⅰ–Ⅳ 为 I、II、III、IV；结束响应为 end")
    reason: str = Field(max_length=300)


class EmergencyReachOut(Schema):
    code: str
    name: str
    total: int
    pending: int
    safe: int
    sheltered: int
    needs_help: int
    unassigned: int


class EmergencyEventOut(Schema):
    number: str
    hazard: str
    title: str
    level: str
    status: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    regions: list[str]

    @staticmethod
    def resolve_regions(obj: Event) -> list[str]:
        return [r.code for r in obj.regions.all()]


class EmergencyTimelineOut(Schema):
    at: dt.datetime
    kind: str
    kind_label: str
    text: str
    by: str


def _event(request: HttpRequest, number: str) -> Event:
    found = selectors.visible_events(acting_user(request)).filter(number=number).first()
    if found is None:
        raise Http404
    return found


@router.post(
    "/events", response={201: EmergencyEventOut, **ERRORS}, summary="启动应急响应（生成任务与重点人员名单）"
)
def event_declare(request: HttpRequest, payload: EmergencyDeclareIn) -> Any:
    user = acting_user(request)
    if payload.level not in LEVELS:
        raise invalid("level", "响应级别应为 I、II、III、IV 之一", "emergency.level_invalid")
    w = selectors.visible_warnings(user).filter(number=payload.warning).first() if payload.warning else None
    if payload.warning and w is None:
        raise invalid("warning", "没有这条预警", "emergency.warning_unknown")
    ev = services.response_declare(
        actor=user,
        level=payload.level,
        regions=_regions(payload.regions),
        area=payload.polygon,
        reason=payload.reason,
        hazard=payload.hazard,
        title=payload.title,
        warning=w,
    )
    return Status(201, ev)


@router.post(
    "/events/{number}/level",
    response={200: EmergencyEventOut, 409: ConflictOut, **ERRORS},
    summary="调整或结束响应",
)
def event_step(request: HttpRequest, number: str, payload: EmergencyStepIn) -> Any:
    user = acting_user(request)
    ev = _event(request, number)
    try:
        if payload.level == "end":
            return services.response_end(actor=user, event=ev, reason=payload.reason)
        return services.response_step(actor=user, event=ev, level=payload.level, reason=payload.reason)
    except Conflict as exc:
        return conflict_response(exc)


@router.get("/events/{number}", response={200: EmergencyEventOut, **ERRORS}, summary="应急事件")
def event_detail(request: HttpRequest, number: str) -> Any:
    return _event(request, number)


@router.get(
    "/events/{number}/timeline", response={200: list[EmergencyTimelineOut], **ERRORS}, summary="事件时间线"
)
def event_timeline(request: HttpRequest, number: str) -> Any:
    return selectors.timeline(_event(request, number), acting_user(request))


@router.get(
    "/events/{number}/reach",
    response={200: list[EmergencyReachOut], **ERRORS},
    summary="各社区核查进度（未联系上的人数）",
)
def event_reach(request: HttpRequest, number: str) -> Any:
    return selectors.reach(_event(request, number), acting_user(request))


class EmergencyCheckOut(Schema):
    id: int
    event: str
    person_name: str
    building: str
    categories: list[str]
    status: str
    case_number: str

    @staticmethod
    def resolve_event(obj: Any) -> str:
        return str(obj.event.number)

    @staticmethod
    def resolve_person_name(obj: Any) -> str:
        return str(obj.person.name)

    @staticmethod
    def resolve_building(obj: Any) -> str:
        return obj.building.name if obj.building is not None else ""

    @staticmethod
    def resolve_categories(obj: Any) -> list[str]:
        return selectors.category_labels(obj.categories)


class EmergencyCheckIn(Schema):
    status: str = Field(description="safe 平安 / sheltered 已转移安置 / needs_help 需要帮助")
    shelter: int | None = Field(None, description="安置场所（设施 id）")
    note: str = Field("", max_length=300)


@router.get(
    "/checks", response={200: list[EmergencyCheckOut], **ERRORS}, summary="分配给本账号的重点人员核查"
)
def check_list(request: HttpRequest) -> Any:
    return list(selectors.my_checks(acting_user(request))[:1000])


@router.post(
    "/checks/{item_id}", response={200: EmergencyCheckOut, 409: ConflictOut, **ERRORS}, summary="登记核查结果"
)
def check_mark(request: HttpRequest, item_id: int, payload: EmergencyCheckIn) -> Any:
    from linli.facilities.models import Facility  # noqa: PLC0415 — a lookup of the chosen shelter

    user = acting_user(request)
    item = selectors.check_item(user, item_id)
    if item is None:
        raise Http404
    if payload.status not in CheckStatus.values:
        raise invalid("status", "请选择平安、已转移安置或需要帮助", "emergency.check_status_invalid")
    shelter = None
    if payload.shelter is not None:
        shelter = Facility.objects.filter(pk=payload.shelter, type__code="shelter").first()
        if shelter is None:
            raise invalid("shelter", "没有这个避难场所", "emergency.shelter_required")
    try:
        return services.check_mark(
            by=user, item=item, status=payload.status, shelter=shelter, note=payload.note
        )
    except Conflict as exc:
        return conflict_response(exc)


class EmergencyCheckinIn(Schema):
    name: str = Field(max_length=64)
    id_number: str = Field(max_length=18)
    household: bool = False


class EmergencyShelterOut(Schema):
    id: int
    name: str
    capacity: int
    occupancy: int
    is_open: bool

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.facility.name)


@router.get(
    "/shelters", response={200: list[EmergencyShelterOut], **ERRORS}, summary="避难场所（容量与在场人数）"
)
def shelter_list(request: HttpRequest) -> Any:
    return list(selectors.shelters(acting_user(request))[:500])


@router.post(
    "/shelters/{shelter_id}/checkin",
    response={200: EmergencyShelterOut, 409: ConflictOut, **ERRORS},
    summary="登记入住（按姓名和身份证号查人）",
)
def shelter_checkin(request: HttpRequest, shelter_id: int, payload: EmergencyCheckinIn) -> Any:
    user = acting_user(request)
    s = selectors.shelter_of(user, shelter_id)
    if s is None:
        raise Http404
    person = selectors.person_lookup(user, payload.name, payload.id_number)
    if person is None:
        raise invalid("id_number", "姓名与身份证号对不上在册人员", "emergency.person_not_found")
    try:
        if payload.household and person.household_id:
            services.shelter_checkin(by=user, shelter=s, household=person.household)
        else:
            services.shelter_checkin(by=user, shelter=s, persons=[person])
    except Conflict as exc:
        return conflict_response(exc)
    s.refresh_from_db()
    return s


class EmergencyIssueIn(Schema):
    quantity: int
    shelter: int | None = None
    household: str = ""


class EmergencySupplyOut(Schema):
    id: int
    name: str
    unit: str
    quantity: int
    expires_on: dt.date | None


@router.post(
    "/supplies/{supply_id}/issue",
    response={200: EmergencySupplyOut, 409: ConflictOut, **ERRORS},
    summary="发放物资（库存不能为负）",
)
def supply_issue(request: HttpRequest, supply_id: int, payload: EmergencyIssueIn) -> Any:
    from linli.registry.models import Household  # noqa: PLC0415 — a lookup of the household named

    user = acting_user(request)
    supply = selectors.supplies(user).filter(pk=supply_id).first()
    if supply is None:
        raise Http404
    shelter = selectors.shelters(user).filter(pk=payload.shelter).first() if payload.shelter else None
    if payload.shelter and shelter is None:
        raise invalid("shelter", "没有这个避难场所", "emergency.shelter_required")
    household = Household.objects.filter(code=payload.household).first() if payload.household else None
    if payload.household and household is None:
        raise invalid("household", "没有这个户编号", "emergency.household_unknown")
    try:
        services.supply_issue(
            by=user, supply=supply, quantity=payload.quantity, shelter=shelter, household=household
        )
    except Conflict as exc:
        return conflict_response(exc)
    supply.refresh_from_db()
    return supply
