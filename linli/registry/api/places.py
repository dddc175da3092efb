"""Households (户) and buildings (楼栋/小区/自然村) in the registry's API: list, detail, register."""

from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.api import ERRORS, OneOf, Pagination, acting_user
from linli.registry.api._common import Masked, Name, Out, RegionCode, Text, as_label
from linli.registry.models import Building, BuildingKind, Household
from linli.registry.selectors import building_list, household_detail, household_list
from linli.registry.services import building_create, household_create

router = Router()


class MemberOut(Out):
    id: int
    name: str
    sex: str
    age: int
    relation: str
    relation_label: str = Field(alias="get_relation_display")
    id_number: Masked = Field(description="公民身份号码（脱敏）")
    phone: Masked = Field(description="联系电话（脱敏）")
    status: str


class HouseholdOut(Out):
    id: int
    code: str
    region_code: str = Field(alias="region.code")
    region_name: str = Field(alias="region.name")
    building_code: str | None = Field(None, alias="building.code")
    building_name: str | None = Field(None, alias="building.name")
    unit: str
    room: str
    address: str
    members_count: int = Field(description="在册人数")


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut] = Field(alias="member_list")


class HouseholdFilter(Schema):
    q: str = Field("", description="户编号或地址包含")
    region: RegionCode = Field("", description="区划代码：该区划整个下辖范围")


@router.get("/households", response={200: list[HouseholdOut], **ERRORS}, summary="户列表")
@paginate(Pagination)
def household_list_view(request: HttpRequest, filters: Query[HouseholdFilter]) -> QuerySet[Household]:
    return household_list(user=acting_user(request), q=filters.q, region=filters.region)


@router.get(
    "/households/{int:household_id}", response={200: HouseholdDetailOut, **ERRORS}, summary="户详情（含成员）"
)
def household_get(request: HttpRequest, household_id: int) -> Household:
    return household_detail(user=acting_user(request), pk=household_id)


class HouseholdIn(Schema):
    code: str = Field(description="户编号，全局唯一")
    region_code: str = Field(description="15 位网格编码或 12 位社区/村代码")
    building_code: str = Field("", description="已登记的楼栋编码（本账号数据范围内、同一社区/村）")
    unit: Text = ""
    room: Text = ""
    address: Text = ""


@router.post("/households", response={201: HouseholdDetailOut, **ERRORS}, summary="登记户")
def household_create_view(request: HttpRequest, payload: HouseholdIn) -> Status[Household]:
    user = acting_user(request)
    hh = household_create(by=user, data=payload.dict())
    return Status(201, household_detail(user=user, pk=hh.pk))


class BuildingOut(Out):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    region_code: str = Field(alias="region.code")
    region_name: str = Field(alias="region.name")
    parent_code: str | None = Field(None, alias="parent.code")
    address: str
    lat: float | None
    lon: float | None
    floors: int | None
    households_count: int


class BuildingFilter(Schema):
    q: str = Field("", description="编码、名称或地址包含")
    region: RegionCode = Field("", description="区划代码：该区划整个下辖范围")
    kind: Annotated[str, OneOf(BuildingKind.values, description="类型")] = ""


@router.get("/buildings", response={200: list[BuildingOut], **ERRORS}, summary="楼栋/小区/自然村列表")
@paginate(Pagination)
def building_list_view(request: HttpRequest, filters: Query[BuildingFilter]) -> QuerySet[Building]:
    return building_list(user=acting_user(request), q=filters.q, region=filters.region, kind=filters.kind)


@router.get("/buildings/{int:building_id}", response={200: BuildingOut, **ERRORS}, summary="楼栋详情")
def building_get(request: HttpRequest, building_id: int) -> Building:
    return building_list(user=acting_user(request)).get(pk=building_id)


class BuildingIn(Schema):
    code: str = Field(description="编码，全局唯一")
    name: Name = Field(description="名称")
    kind: str = Field(
        "", description="小区/楼栋/自然村/自建房（或 estate/building/natural_village/house），默认楼栋"
    )
    region_code: str = Field(description="15 位网格编码或 12 位社区/村代码")
    parent_code: str = Field("", description="所属小区/自然村的编码（本账号数据范围内）")
    address: Text = ""
    lat: float | None = Field(None, description="纬度（WGS-84）")
    lon: float | None = Field(None, description="经度（WGS-84）")
    floors: int | None = None


@router.post("/buildings", response={201: BuildingOut, **ERRORS}, summary="登记楼栋/小区/自然村")
def building_create_view(request: HttpRequest, payload: BuildingIn) -> Status[Building]:
    user = acting_user(request)
    data = {k: ("" if v is None else str(v)) for k, v in payload.dict().items()}
    data["kind"] = as_label(data["kind"], BuildingKind) or ""
    b = building_create(by=user, data=data)
    return Status(201, building_list(user=user).get(pk=b.pk))
