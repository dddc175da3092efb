"""三项清单与随约服务 API (/api/services): directory, slots, bookings, needs, resources, projects,
matching and one-window applications. Reads are scoped; writes go through ``linli.services.services``.

A write that loses a uniqueness or capacity rule (the slot just filled, the same booking or need
twice, a need someone else has just matched) answers 409 ``{"code", "detail", "errors"}`` with a
stable ``code``. A person named by ``person_id`` who does not exist and one outside the account's
scope get the same 422 naming ``person_id``.
"""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.api import ERRORS, ConflictOut, ObjectId, OneOf, Pagination, acting_user, conflict_response
from linli.core.errors import Conflict
from linli.core.paging import latest_first
from linli.core.roles import Role, effective_role
from linli.core.scope import scoped
from linli.regions.models import Region
from linli.registry.models import Person
from linli.services import selectors, services
from linli.services.engine import matching
from linli.services.models import (
    Application,
    Booking,
    Need,
    NeedSource,
    NeedStatus,
    Period,
    Project,
    Resource,
    Service,
    ServiceItem,
    ServiceKind,
    TaxonomyTerm,
    Urgency,
)

router = Router(tags=["服务清单与预约"])


def answers_conflict(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A write endpoint whose service's ``Conflict`` (the loser of a uniqueness or capacity rule) is
    answered 409 with its code; every other coded error goes to the API's handlers (422, 403)."""

    @wraps(endpoint)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        except Conflict as exc:
            return conflict_response(exc)

    return wrapped


class ServiceOut(Schema):
    id: int
    uuid: UUID
    name: str
    kind: str
    category: str = Field(alias="category.code", description="分类编码")
    category_name: str = Field(alias="category.name")
    region_code: str = Field(alias="region.code")
    provider: str = Field("", alias="provider.name")
    place: str
    lat: float | None = Field(None, alias="point.0", description="服务地点纬度（无则取设施的）")
    lon: float | None = Field(None, alias="point.1", description="服务地点经度（无则取设施的）")
    opening_hours: dict[str, list[list[str]]]
    capacity: int
    slot_minutes: int
    bookable: bool
    eligible_tags: list[str]
    min_age: int | None
    max_age: int | None
    fee_kind: str
    fee_amount: float | None
    status: str
    satisfaction: float | None = Field(description="满意率（好评占比），无评价时为空")
    rating_count: int
    distance_m: float | None = Field(None, description="离居民住处的距离（米），仅居民")
    why_not: str = Field("", description="居民不符合条件的原因；空为可预约")


class ServiceFilterIn(Schema):
    q: str = ""
    category: str = ""
    kind: Annotated[str, OneOf(ServiceKind.values, description="服务类型")] = ""


@router.get("/taxonomy", response={200: list[dict[str, Any]], **ERRORS}, summary="服务分类")
def taxonomy(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": t.code,
            "name": t.name,
            "parent": t.parent.code if t.parent else "",
            "description": t.description,
        }
        for t in TaxonomyTerm.objects.select_related("parent")
    ]


@router.get(
    "/services", response={200: list[ServiceOut], **ERRORS}, summary="服务清单（居民：可预约且按距离排序）"
)
@paginate(Pagination)
def service_list(request: HttpRequest, filters: Query[ServiceFilterIn]) -> Any:
    user = acting_user(request)
    if user.role == Role.RESIDENT:
        if user.person is None:
            raise PermissionDenied("本账号尚未关联居民档案")
        out = []
        for e in selectors.resident_directory(
            user.person, q=filters.q, category=filters.category, kind=filters.kind, limit=500
        ):
            e.service.distance_m = e.distance  # type: ignore[attr-defined]
            e.service.why_not = e.why_not  # type: ignore[attr-defined]
            out.append(e.service)
        return out
    if not services.is_staff(user):
        raise PermissionDenied("本账号不能查看服务清单")
    return selectors.service_list(user, q=filters.q, category=filters.category, kind=filters.kind)


def _service_for(user: Any, pk: int) -> Service:
    s = Service.objects.select_related("region", "category", "provider", "facility").filter(pk=pk).first()
    if s is None:
        raise Http404
    if user.role == Role.RESIDENT:
        if user.person is None or not user.person.region.code.startswith(s.region.code):
            raise Http404
    elif not services.is_staff(user) or not (
        effective_role(user) == Role.SYSTEM_ADMIN
        or (
            user.region_code
            and (s.region.code.startswith(user.region_code) or user.region_code.startswith(s.region.code))
        )
    ):
        raise Http404
    return s


class BookingForOut(Schema):
    person_id: int
    label: str = Field(description="居民认得的称呼：本人（姓名）或 姓名（父母，68 岁）")
    why_not: str = Field(description="不符合服务对象的原因；空为可以为其预约")


@router.get(
    "/services/{int:service_id}/for",
    response={200: list[BookingForOut], **ERRORS},
    summary="为谁预约：居民本人与同户家人，各自是否符合服务对象",
)
def booking_for(request: HttpRequest, service_id: int) -> Any:
    user = acting_user(request)
    if user.role != Role.RESIDENT or user.person is None:
        raise PermissionDenied("仅供已关联居民档案的居民使用")
    s = _service_for(user, service_id)
    return [
        {"person_id": c.person.pk, "label": c.label, "why_not": c.why_not}
        for c in selectors.booking_choices(user.person, s)
    ]


class SlotOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    booked: int
    left: int


@router.get(
    "/services/{int:service_id}/slots",
    response={200: list[SlotOut], **ERRORS},
    summary="可预约时段（两周内）",
)
def slot_list(request: HttpRequest, service_id: int) -> Any:
    return selectors.open_slots(_service_for(acting_user(request), service_id))


class GenerateIn(Schema):
    start: dt.date | None = None
    days: int = Field(14, ge=1, le=92)


@router.post(
    "/services/{int:service_id}/slots", response={200: dict[str, int], **ERRORS}, summary="按服务时间生成时段"
)
def slot_generate(request: HttpRequest, service_id: int, payload: GenerateIn) -> dict[str, int]:
    user = acting_user(request)
    s = scoped(Service.objects.all(), user).filter(pk=service_id).first()
    if s is None:
        raise Http404
    return {
        "created": services.slots_generate(
            service=s, start=payload.start or timezone.localdate(), days=payload.days, actor=user
        )
    }


class BookingOut(Schema):
    id: int
    service_id: int
    service_name: str = Field(alias="service.name")
    slot_id: int
    starts_at: dt.datetime = Field(alias="slot.starts_at")
    ends_at: dt.datetime = Field(alias="slot.ends_at")
    person_name: str = Field(alias="person.name")
    status: str
    status_label: str = Field(alias="get_status_display")
    rating: int | None
    reminded_at: dt.datetime | None


class BookingIn(Schema):
    slot: int
    person_id: int | None = Field(
        None,
        description="为谁预约：工作人员代约时的居民编号；居民可填同户家人的编号，为本人预约留空"
        "（户外的人与不存在的人一样答 422 person.not_found）",
    )
    note: str = ""


def _by_code(model: Any, field: str, code: str, message: str, error_code: str) -> Any:
    """The row of ``model`` with this ``code``, or a 422 naming ``field`` with ``error_code``."""
    found = model.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({field: ValidationError(message, code=error_code)})
    return found


def _person(user: Any, pk: int | None) -> Person | None:
    return None if pk is None else selectors.person_by_id(user, pk)


@router.get(
    "/bookings",
    response={200: list[BookingOut], **ERRORS},
    summary="预约（居民：本人及同户；工作人员：辖区）",
)
@paginate(Pagination)
def booking_list(request: HttpRequest) -> QuerySet[Booking]:
    user = acting_user(request)
    return selectors.my_bookings(user).order_by(latest_first(user, "slot__starts_at"), "-id")


@router.post(
    "/bookings", response={201: BookingOut, **ERRORS, 409: ConflictOut}, summary="预约一个时段（不会超约）"
)
@answers_conflict
def booking_create(request: HttpRequest, payload: BookingIn) -> Any:
    user = acting_user(request)
    person = _person(user, payload.person_id)
    b = services.booking_create(actor=user, slot_id=payload.slot, person=person, note=payload.note)
    return Status(201, Booking.objects.select_related("slot", "service", "person").get(pk=b.pk))


def _booking(user: Any, pk: int) -> Booking:
    b = selectors.my_bookings(user).filter(pk=pk).first()
    if b is None:
        raise Http404
    return b


class BookingActIn(Schema):
    action: Annotated[
        str, OneOf(["cancel", "reschedule", "confirm", "serve", "no_show", "rate"], blank=False)
    ]
    slot: int | None = Field(None, description="改约的新时段")
    record: str = Field("", description="服务记录")
    stars: int | None = Field(None, ge=1, le=5)
    comment: str = ""


@router.post(
    "/bookings/{int:booking_id}",
    response={200: BookingOut, **ERRORS, 409: ConflictOut},
    summary="取消、改约、确认、登记服务、评价",
)
@answers_conflict
def booking_act(request: HttpRequest, booking_id: int, payload: BookingActIn) -> Any:
    user = acting_user(request)
    b = _booking_act(user, _booking(user, booking_id), payload)
    return Booking.objects.select_related("slot", "service", "person").get(pk=b.pk)


def _booking_act(user: Any, b: Booking, payload: BookingActIn) -> Booking:
    a = payload.action
    if a == "cancel":
        b = services.booking_cancel(actor=user, booking=b)
    elif a == "reschedule":
        if payload.slot is None:
            raise ValidationError({"slot": ValidationError("请选择新时段", code="booking.slot_required")})
        b = services.booking_reschedule(actor=user, booking=b, slot_id=payload.slot)
    elif a == "confirm":
        b = services.booking_confirm(actor=user, booking=b)
    elif a in ("serve", "no_show"):
        b = services.booking_serve(actor=user, booking=b, record=payload.record, attended=a == "serve")
    else:
        if payload.stars is None:
            raise ValidationError({"stars": ValidationError("请选择 1–5 星", code="booking.stars_required")})
        b = services.booking_rate(actor=user, booking=b, stars=payload.stars, comment=payload.comment)
    return b


class NeedOut(Schema):
    id: int
    person_name: str = Field("", alias="person.name", description="居民姓名；群体需求为空")
    region_code: str = Field(alias="region.code")
    source: str
    category: str = Field(alias="category.code")
    description: str
    urgency: str
    preferred_days: list[int]
    preferred_period: str
    groups: list[str]
    status: str
    created_at: dt.datetime


class NeedIn(Schema):
    person_id: int | None = None
    region_code: str = Field("", description="群体需求的社区代码（无居民时必填）")
    category: str = Field(description="分类编码")
    description: str
    source: Annotated[str, OneOf(NeedSource.values, blank=False)] = "staff"
    urgency: Annotated[str, OneOf(Urgency.values, blank=False)] = "low"
    preferred_days: list[int] = Field(default_factory=list)
    preferred_period: Annotated[str, OneOf(Period.values, blank=False)] = "any"


@router.get("/needs", response={200: list[NeedOut], **ERRORS}, summary="居民需求清单")
@paginate(Pagination)
def need_list(request: HttpRequest, status: Annotated[str, OneOf(NeedStatus.values)] = "") -> QuerySet[Need]:
    user = acting_user(request)
    if user.role != Role.RESIDENT and not services.is_staff(user):
        raise PermissionDenied("本账号不能查看需求清单")
    return selectors.need_list(user, status=status)


@router.get(
    "/needs/summary", response={200: dict[str, Any], **ERRORS}, summary="需求汇总：社区 × 类别、人群 × 类别"
)
def need_summary(request: HttpRequest) -> dict[str, Any]:
    user = acting_user(request)
    services.require_staff(user)
    return selectors.need_summary(user)


@router.post(
    "/needs",
    response={201: NeedOut, **ERRORS, 409: ConflictOut},
    summary="登记需求（居民不存在或不在本账号范围内：422，同一需求未对接时重复登记：409）",
)
@answers_conflict
def need_create(request: HttpRequest, payload: NeedIn) -> Any:
    user = acting_user(request)
    category = _by_code(
        TaxonomyTerm, "category", payload.category, f"没有分类“{payload.category}”", "need.category_unknown"
    )
    person = _person(user, payload.person_id)
    region = (
        Region.objects.current().filter(code=payload.region_code).first() if payload.region_code else None
    )
    if payload.region_code and region is None:
        raise ValidationError(
            {"region_code": ValidationError(f"区划 {payload.region_code} 不存在", code="need.region_unknown")}
        )
    n = services.need_create(
        actor=user,
        person=person,
        region=region,
        category=category,
        description=payload.description,
        source=payload.source,
        urgency=payload.urgency,
        preferred_days=payload.preferred_days,
        preferred_period=payload.preferred_period,
    )
    return Status(201, Need.objects.select_related("person", "region", "category").get(pk=n.pk))


class ResourceOut(Schema):
    id: int
    name: str
    kind: str
    offered_by: str
    provider_name: str
    region_code: str = Field(alias="region.code")
    category: str | None = Field(None, alias="category.code")
    capacity: int
    conditions: str
    opening_hours: dict[str, list[list[str]]]
    status: str


@router.get("/resources", response={200: list[ResourceOut], **ERRORS}, summary="社区资源清单")
@paginate(Pagination)
def resource_list(request: HttpRequest) -> QuerySet[Resource]:
    user = acting_user(request)
    services.require_staff(user)
    return selectors.resource_list(user)


class ProjectOut(Schema):
    id: int
    name: str
    region_code: str = Field(alias="region.code")
    funding_source: str
    budget: float
    stage: str
    need_count: int
    resource_count: int
    evaluation_score: int | None


@router.get("/projects", response={200: list[ProjectOut], **ERRORS}, summary="服务项目清单")
@paginate(Pagination)
def project_list(request: HttpRequest) -> QuerySet[Project]:
    user = acting_user(request)
    services.require_staff(user)
    return selectors.project_list(user)


class MatchIn(Schema):
    need_ids: list[ObjectId] = Field(description="一批待对接需求的编号（最多 200）", max_length=200)


class SuggestionOut(Schema):
    provider: str = Field(description="s<服务编号> 或 r<资源编号>")
    name: str
    score: float
    parts: list[tuple[str, float, str]] = Field(description="（部分，得分，说明）")


class MatchRowOut(Schema):
    need_id: int
    suggestions: list[SuggestionOut]
    assigned: str | None = Field(description="最优方案选中的提供方")


class MatchOut(Schema):
    rows: list[MatchRowOut]
    total: float
    greedy_total: float


@router.post(
    "/matching", response={200: MatchOut, **ERRORS}, summary="为一批需求排序候选并求最优分配（含解释）"
)
def match(request: HttpRequest, payload: MatchIn) -> dict[str, Any]:
    user = acting_user(request)
    services.require_staff(user)
    needs = list(
        selectors.need_list(user, status=NeedStatus.OPEN)
        .filter(pk__in=payload.need_ids)
        .select_related("person__household__building", "person__region")
    )
    batch = selectors.match_batch(user, needs)
    na, pa = batch.arrays
    if not needs or not batch.providers:
        return {
            "rows": [{"need_id": n.pk, "suggestions": [], "assigned": None} for n in needs],
            "total": 0.0,
            "greedy_total": 0.0,
        }
    best = matching.assign_optimal(batch.scores, na.urgency, pa.capacity)
    greedy = matching.assign_greedy(batch.scores, na.urgency, pa.capacity)
    chosen = dict(best.pairs)
    rows = []
    for i, n in enumerate(needs):
        sugg = [
            {
                "provider": pa.ids[j],
                "name": pa.labels[j],
                "score": round(s, 2),
                "parts": matching.explain(na, pa, i, j),
            }
            for j, s in matching.rank(na, pa, i, k=5)
        ]
        rows.append(
            {"need_id": n.pk, "suggestions": sugg, "assigned": pa.ids[chosen[i]] if i in chosen else None}
        )
    return {"rows": rows, "total": best.total, "greedy_total": greedy.total}


class ConfirmIn(Schema):
    need_id: int
    provider: str = Field(description="s<服务编号> 或 r<资源编号> 或 p<项目编号>")


@router.post(
    "/matching/confirm",
    response={200: NeedOut, **ERRORS, 409: ConflictOut},
    summary="确认对接：服务生成预约，资源/项目建立关联",
)
@answers_conflict
def match_confirm(request: HttpRequest, payload: ConfirmIn) -> Any:
    user = acting_user(request)
    need = selectors.need_list(user).filter(pk=payload.need_id).first()
    if need is None:
        raise Http404
    kind, key = payload.provider[:1], payload.provider[1:]
    if kind not in "srp" or not key.isdigit():
        raise ValidationError(
            {"provider": ValidationError("应为 s/r/p 加编号", code="match.provider_invalid")}
        )
    target: dict[str, Any] = {}
    if kind == "s":
        target["service"] = Service.objects.filter(pk=int(key)).first()
    elif kind == "r":
        target["resource"] = selectors.resource_list(user).filter(pk=int(key)).first()
    else:
        target["project"] = selectors.project_list(user).filter(pk=int(key)).first()
    if next(iter(target.values())) is None:
        raise Http404
    services.match_confirm(actor=user, need=need, **target)
    return Need.objects.select_related("person", "region", "category").get(pk=need.pk)


class ItemOut(Schema):
    id: int
    code: str
    name: str
    department: str
    level: str
    materials: list[str]
    time_limit_days: int
    promised_days: int | None
    fully_online: bool
    fee: str


@router.get("/items", response={200: list[ItemOut], **ERRORS}, summary="一窗受理事项目录")
def item_list(request: HttpRequest) -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(active=True)


class StepOut(Schema):
    status: str
    note: str
    at: str = Field(alias="at.isoformat")
    by: str = Field(alias="by_name")


class ApplicationOut(Schema):
    id: int
    number: str
    item: str = Field(alias="item.name")
    person_name: str = Field(alias="person.name")
    status: str
    status_label: str = Field(alias="get_status_display")
    materials: dict[str, bool]
    due_on: dt.date | None
    steps: list[StepOut]


class ApplicationIn(Schema):
    item: str = Field(description="事项编码")
    person_id: int | None = None
    materials: list[str] = Field(default_factory=list, description="已提供的材料")
    note: str = ""


@router.get("/applications", response={200: list[ApplicationOut], **ERRORS}, summary="办件")
@paginate(Pagination)
def application_list(request: HttpRequest) -> QuerySet[Application]:
    return selectors.application_list(acting_user(request)).prefetch_related("steps")


@router.post(
    "/applications",
    response={201: ApplicationOut, **ERRORS, 409: ConflictOut},
    summary="申请（居民网上提交或窗口代为登记）；办件编号由序列分配，并发提交互不冲突",
)
@answers_conflict
def application_create(request: HttpRequest, payload: ApplicationIn) -> Any:
    user = acting_user(request)
    item = _by_code(ServiceItem, "item", payload.item, f"没有事项“{payload.item}”", "window.item_unknown")
    person = _person(user, payload.person_id)
    app = services.application_submit(
        actor=user, item=item, person=person, provided=payload.materials, note=payload.note
    )
    return Status(201, app)


class ActIn(Schema):
    action: Annotated[str, OneOf(["accept", "approve", "complete", "return", "refuse"], blank=False)]
    note: str = ""
    materials: list[str] | None = None


@router.post(
    "/applications/{int:application_id}",
    response={200: ApplicationOut, **ERRORS},
    summary="前台受理、后台审批、办结、退回",
)
def application_act(request: HttpRequest, application_id: int, payload: ActIn) -> Application:
    user = acting_user(request)
    app = selectors.application_list(user).filter(pk=application_id).first()
    if app is None:
        raise Http404
    return services.application_act(
        actor=user, application=app, action=payload.action, note=payload.note, provided=payload.materials
    )
