"""诉求办理 in the JSON API (/api/cases): intake from other systems, lists, actions, measures, routing."""

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.cases import selectors, services
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, Category, Channel
from linli.core.api import ERRORS, ConflictOut, ObjectId, OneOf, Pagination, acting_user, conflict_response
from linli.core.errors import Conflict

router = Router(tags=["诉求办理"])


class CategoryOut(Schema):
    code: str
    name: str
    kind: str
    subject: str
    time_limit: str = Field(alias="time_limit.name")


class CaseOut(Schema):
    number: str
    category: str = Field(alias="category.code")
    category_name: str = Field(alias="category.name")
    channel: str
    status: str
    status_label: str
    version: int
    description: str = Field(description="诉求内容（原文，不公开）")
    public_description: str = Field(
        alias="published_description", description="公开内容（公开接口显示：电话、证件号、姓名、房号已隐去）"
    )
    region: str = Field(alias="region.code")
    region_name: str = Field(alias="region.name")
    grid: str | None = Field(None, alias="grid.code")
    lat: float | None
    lon: float | None
    address: str
    handler: str = Field(alias="handler_label")
    reporter: str = Field(alias="reporter_display", description="反映人（脱敏）")
    received_at: dt.datetime
    response_due: dt.datetime
    resolve_due: dt.datetime
    overdue: bool
    reply: str
    rating: str
    priority: bool = Field(
        alias="priority_flag",
        description="应急优先：在应急响应期间、响应区域内提出的诉求（列表排在最前）",
    )


class CaseIn(Schema):
    category: str = Field(description="诉求分类编码，如 property.complaint")
    description: str = Field(min_length=1, max_length=4000)
    channel: Annotated[
        str, OneOf([Channel.API, Channel.HOTLINE, Channel.WALK_IN, Channel.PATROL], blank=False)
    ] = Channel.API
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    address: str = Field("", max_length=200)
    reporter_name: str = Field("", max_length=64)
    reporter_phone: str = Field("", max_length=20)
    anonymous: bool = False
    media_url: str = Field("", max_length=500, description="照片等材料的链接（仅限 http/https）")
    grid: str = Field(
        "", max_length=15, description="所在网格的区划代码：未给经纬度、楼栋或可识别的地址时，诉求记在该网格"
    )


class PublicTextIn(Schema):
    text: str = Field(
        min_length=1, max_length=4000, description="公开显示的诉求内容（保存时仍会隐去电话、证件号等）"
    )
    version: int = Field(description="读取时的版本号（乐观并发控制）")


class ActionIn(Schema):
    """One workflow action: the keyword arguments of ``services.case_act`` (the page's form sends the same)."""

    action: Annotated[str, OneOf(list(wf.ACTIONS), blank=False)]
    version: int = Field(description="读取时的版本号（乐观并发控制）")
    note: str = Field("", max_length=2000)
    unit_region: str = Field("", description="派单给社区/街道：区划代码")
    unit_org: int | None = Field(None, description="派单给部门：组织编号")
    orgs: list[ObjectId] = Field(
        default_factory=list, description="吹哨召集的协同部门（牵头部门用 unit_org）"
    )
    rating: Annotated[str, OneOf(list(wf.RATING_LABELS))] = ""
    resolved: bool = True
    days: int = 0
    into: str = Field("", description="并入的诉求编号")


class CaseFilter(Schema):
    queue: Annotated[str, OneOf(list(selectors.QUEUES), blank=False)] = "all"
    status: Annotated[str, OneOf(list(wf.STATE_LABELS))] = ""
    category: str = ""
    subject: str = ""  # 事项: the topic of the category, as the pages filter
    channel: str = ""
    region: str = ""
    # empty, or two characters at least, as the pages ask: a request's text has no index for one (陈
    # read every open request of the city, 0.7 s at 广州)
    q: str = Field("", pattern=r"^(|.{2,})$", description="搜索词（至少两个字）")


class MeasureOut(Schema):
    label: str
    total: int
    response_rate: float | None
    on_time_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None


class SuggestOut(Schema):
    categories: list[dict[str, Any]]
    units: list[dict[str, Any]]


@router.get("/categories", response={200: list[CategoryOut], **ERRORS}, summary="诉求分类目录")
def category_list(request: HttpRequest) -> QuerySet[Category]:
    return Category.objects.filter(active=True).select_related("time_limit")


@router.get("/", response={200: list[CaseOut], **ERRORS}, summary="诉求列表")
@paginate(Pagination)
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> QuerySet[Case]:
    user = acting_user(request)
    qs = selectors.queue(user, filters.queue)
    return selectors.with_related(selectors.filter_cases(qs, filters.dict())).order_by(
        F("priority_flag").desc(), "-received_at", "-id"
    )


def _get(request: HttpRequest, number: str) -> Case:
    return get_object_or_404(
        selectors.with_related(selectors.visible_cases(acting_user(request))), number=number
    )


@router.get("/{number}", response={200: CaseOut, **ERRORS}, summary="诉求详情")
def case_detail(request: HttpRequest, number: str) -> Case:
    return _get(request, number)


@router.post("/", response={201: CaseOut, **ERRORS}, summary="登记诉求")
def case_create(request: HttpRequest, payload: CaseIn) -> Status[Case]:
    user = acting_user(request)
    case = services.case_create(by=user, **payload.dict())
    return Status(201, selectors.with_related(Case.objects.filter(pk=case.pk)).get())


@router.post("/{number}/actions", response={200: CaseOut, 409: ConflictOut, **ERRORS}, summary="办理操作")
def case_action(request: HttpRequest, number: str, payload: ActionIn) -> Any:
    user = acting_user(request)
    case = _get(request, number)
    try:
        services.case_act(case=case, by=user, **payload.dict())
    except Conflict as exc:
        return conflict_response(exc)
    return selectors.with_related(Case.objects.filter(pk=case.pk)).get()


@router.post(
    "/{number}/public-text",
    response={200: CaseOut, 409: ConflictOut, **ERRORS},
    summary="修改诉求的公开内容",
    description="公开接口（Open311）显示的内容；诉求原文不变。修改记入办理记录与审计日志。",
)
def case_public_text(request: HttpRequest, number: str, payload: PublicTextIn) -> Any:
    user = acting_user(request)
    case = _get(request, number)
    try:
        services.case_public_text_edit(case=case, text=payload.text, by=user, version=payload.version)
    except Conflict as exc:
        return conflict_response(exc)
    return selectors.with_related(Case.objects.filter(pk=case.pk)).get()


@router.get(
    "/measures/{group}",
    response={200: list[MeasureOut], **ERRORS},
    summary="响应率、按期办结率、解决率、满意率",
)
def measure_table(
    request: HttpRequest, group: str, start: dt.date | None = None, end: dt.date | None = None
) -> list[selectors.MeasureRow]:
    if group not in selectors.GROUPS:
        message = "应为 " + "、".join(selectors.GROUPS)
        raise ValidationError({"group": ValidationError(message, code="case.group_unknown")})
    return selectors.measures(acting_user(request), group, start=start, end=end)


@router.get(
    "/routing/suggest", response={200: SuggestOut, **ERRORS}, summary="派单助手：由文本推荐分类与承办单位"
)
def routing_suggest(request: HttpRequest, text: str) -> dict[str, Any]:
    s = services.routing_suggest(text)
    return {
        "categories": [{"code": c.code, "name": c.name, "confidence": round(p, 4)} for c, p in s.categories],
        "units": [{"key": k, "name": n, "confidence": round(p, 4)} for k, n, p in s.units],
    }
