"""服务设施 API (/api/facilities): list and detail (scoped), create/update/status, GeoJSON, the checklist."""

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.api import ERRORS, OneOf, Pagination, acting_user
from linli.core.scope import region_in_scope
from linli.facilities import selectors, services
from linli.facilities.engine import hours as hours_engine
from linli.facilities.engine.checklist import most_missing
from linli.facilities.models import Facility, FacilityCategory, FacilityStatus, FacilityType
from linli.regions.models import Level, Region

router = Router(tags=["服务设施"])


class TypeOut(Schema):
    code: str
    name: str
    category: str
    category_label: str = Field(alias="get_category_display")
    description: str


class FacilityOut(Schema):
    id: int
    code: str
    name: str
    type: str = Field(alias="type.code", description="类型编码")
    type_name: str = Field(alias="type.name")
    category: str = Field(alias="type.category")
    region_code: str = Field(alias="region.code")
    region_name: str = Field(alias="region.name")
    address: str
    lat: float | None = Field(description="纬度（WGS-84）")
    lon: float | None = Field(description="经度（WGS-84）")
    building_area: float | None
    activity_area: float | None
    office_area: float | None
    commercial_area: float | None
    land_area: float | None
    opening_hours: dict[str, list[list[str]]] = Field(description="ISO 星期（1=周一）→ 开放时段")
    hours_per_week: float | None
    short_days: int = Field(description="开放但不足 8 小时的天数")
    operator_name: str
    operator_id: int | None
    status: str
    status_label: str = Field(alias="get_status_display")
    opened_on: dt.date | None
    source: str


class FacilityFilterIn(Schema):
    q: str = Field("", description="名称、地址包含，或编码开头")
    type: str = Field("", description="类型编码")
    category: Annotated[str, OneOf(FacilityCategory.values, description="类别")] = ""
    status: Annotated[str, OneOf(FacilityStatus.values, description="状态")] = ""
    region: str = Field("", description="区划代码：该区划整个下辖范围")
    short_days: bool = Field(False, description="只看有开放不足 8 小时的日子的设施")

    def to_filter(self) -> selectors.FacilityFilter:
        return selectors.FacilityFilter(**self.dict())


@router.get("/types", response={200: list[TypeOut], **ERRORS}, summary="设施类型目录")
def type_list(request: HttpRequest) -> QuerySet[FacilityType]:
    return FacilityType.objects.filter(active=True)


@router.get("", response={200: list[FacilityOut], **ERRORS}, summary="设施列表")
@paginate(Pagination)
def facility_list_view(request: HttpRequest, filters: Query[FacilityFilterIn]) -> QuerySet[Facility]:
    return selectors.facility_list(user=acting_user(request), filters=filters.to_filter())


class GeoFilterIn(Schema):
    region: str = Field(description="区划代码")
    type: str = ""
    category: Annotated[str, OneOf(FacilityCategory.values, description="类别")] = ""
    status: Annotated[str, OneOf(FacilityStatus.values, description="状态")] = ""
    boundaries: bool = Field(True, description="同时给出社区/村边界")


@router.get(
    "/geojson",
    response={200: dict[str, Any], **ERRORS},
    summary="区划内设施（GeoJSON）",
    url_name="facility_geojson",
)
def facility_geojson(request: HttpRequest, filters: Query[GeoFilterIn]) -> dict[str, Any]:
    user = acting_user(request)
    region = Region.objects.current().filter(code=filters.region).first()
    if region is None or not region_in_scope(user, region):
        raise Http404
    f = selectors.FacilityFilter(type=filters.type, category=filters.category, status=filters.status)
    return selectors.facilities_geojson(user=user, region=region, filters=f, boundaries=filters.boundaries)


@router.get("/{int:facility_id}", response={200: FacilityOut, **ERRORS}, summary="设施详情")
def facility_get(request: HttpRequest, facility_id: int) -> Facility:
    return selectors.facility_get(user=acting_user(request), pk=facility_id)


class FacilityIn(Schema):
    code: str = Field("", description="编码，留空自动生成")
    name: str
    type: str = Field(description="类型编码或名称")
    region_code: str = Field(description="所在区划代码（街道 9 位、社区/村 12 位、网格 15 位）")
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    coord_system: Annotated[
        str, OneOf(["wgs84", "gcj02", "bd09"], description="输入坐标的坐标系，存储时转为 WGS-84")
    ] = "wgs84"
    building_area: float | None = None
    activity_area: float | None = None
    office_area: float | None = None
    commercial_area: float | None = None
    land_area: float | None = None
    opening_hours: dict[str, list[list[str]]] = Field(
        default_factory=dict, description='如 {"1": [["08:00", "12:00"]]}'
    )
    operator_name: str = ""
    status: Annotated[str, OneOf(FacilityStatus.values, description="状态")] = "open"
    opened_on: dt.date | None = None


def _data(payload: FacilityIn) -> dict[str, Any]:
    data: dict[str, Any] = {
        k: ("" if v is None else str(v)) for k, v in payload.dict().items() if k != "opening_hours"
    }
    data["opening_hours"] = payload.opening_hours
    if not payload.opening_hours:
        for d in hours_engine.WEEKDAYS:
            data[f"hours_{d}"] = ""
    return data


@router.post("", response={201: FacilityOut, **ERRORS}, summary="登记设施")
def facility_create_view(request: HttpRequest, payload: FacilityIn) -> Status[Facility]:
    user = acting_user(request)
    f = services.facility_create(by=user, data=_data(payload))
    return Status(201, selectors.facility_get(user=user, pk=f.pk))


@router.put("/{int:facility_id}", response={200: FacilityOut, **ERRORS}, summary="修改设施（整体替换）")
def facility_update_view(request: HttpRequest, facility_id: int, payload: FacilityIn) -> Facility:
    user = acting_user(request)
    f = selectors.facility_get(user=user, pk=facility_id)
    services.facility_update(by=user, facility=f, data=_data(payload))
    return selectors.facility_get(user=user, pk=facility_id)


class FacilityStatusIn(Schema):
    status: Annotated[str, OneOf(FacilityStatus.values, blank=False, description="新状态")]
    note: str = ""


@router.post("/{int:facility_id}/status", response={200: FacilityOut, **ERRORS}, summary="变更设施状态")
def facility_status_view(request: HttpRequest, facility_id: int, payload: FacilityStatusIn) -> Facility:
    user = acting_user(request)
    f = selectors.facility_get(user=user, pk=facility_id)
    services.facility_set_status(by=user, facility=f, status=payload.status, note=payload.note)
    return selectors.facility_get(user=user, pk=facility_id)


class ChecklistItemOut(Schema):
    number: int
    section: str
    title: str
    requirement: str
    verdict: str = Field(description="met 达标 / not_met 未达标 / unknown 无法从数据判断")
    verdict_label: str
    reason: str
    manual: bool = Field(description="须人工确认的条目")


class ChecklistOut(Schema):
    code: str
    name: str
    met: int
    not_met: int
    unknown: int
    total: int
    items: list[ChecklistItemOut]


@router.get(
    "/checklist/{code}", response={200: ChecklistOut, **ERRORS}, summary="完整居住社区 20 项（社区/村）"
)
def checklist_view(request: HttpRequest, code: str) -> Any:
    user = acting_user(request)
    region = Region.objects.current().filter(code=code, level=Level.COMMUNITY).first()
    if region is None or not region_in_scope(user, region):
        raise Http404
    return selectors.checklist_for([region])[0]


class RollupRowOut(Schema):
    code: str
    name: str
    met: int
    not_met: int
    unknown: int


class RollupOut(Schema):
    code: str
    name: str
    communities: list[RollupRowOut]
    most_missing: list[dict[str, Any]]


@router.get(
    "/checklist/{code}/rollup", response={200: RollupOut, **ERRORS}, summary="完整居住社区汇总（街道/区）"
)
def checklist_rollup_view(request: HttpRequest, code: str) -> dict[str, Any]:
    user = acting_user(request)
    region = Region.objects.current().filter(code=code, level__lte=Level.COMMUNITY).first()
    if region is None or not region_in_scope(user, region):
        raise Http404
    results = selectors.checklist_for(selectors.communities_under(region))
    return {
        "code": region.code,
        "name": region.name,
        "communities": [
            {"code": r.code, "name": r.name, "met": r.met, "not_met": r.not_met, "unknown": r.unknown}
            for r in results
        ],
        "most_missing": [
            {"item": n, "title": t, "communities": c} for n, t, c in most_missing(results, top=20)
        ],
    }
