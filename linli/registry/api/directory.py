"""Organisations and staff (组织名录、工作人员) in the registry's API: the lists."""

from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from linli.core.api import ERRORS, OneOf, Pagination, acting_user
from linli.registry.api._common import Masked, Out, RegionCode
from linli.registry.models import Organisation, OrganisationKind, Staff, StaffKind
from linli.registry.selectors import organisation_list, staff_list

router = Router()


class OrganisationOut(Out):
    id: int
    name: str
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    credit_code: str
    region_code: str = Field(alias="region.code")
    region_name: str = Field(alias="region.name")
    address: str
    contact_name: str
    contact_phone: str = Field(description="办公电话")
    active: bool


class OrganisationFilter(Schema):
    q: str = Field("", description="名称包含")
    kind: Annotated[str, OneOf(OrganisationKind.values, description="类型")] = ""


@router.get("/organisations", response={200: list[OrganisationOut], **ERRORS}, summary="组织列表")
@paginate(Pagination)
def organisation_list_view(
    request: HttpRequest, filters: Query[OrganisationFilter]
) -> QuerySet[Organisation]:
    return organisation_list(user=acting_user(request), q=filters.q, kind=filters.kind)


class StaffOut(Out):
    id: int
    name: str
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    post: str
    region_code: str = Field(alias="region.code")
    region_name: str = Field(alias="region.name")
    organisation: str | None = Field(None, alias="organisation.name")
    grids: list[str] = Field(alias="grid_codes", description="负责网格的编码")
    phone: Masked = Field(description="联系电话（脱敏）")
    certificate_level: str
    active: bool


class StaffFilter(Schema):
    kind: Annotated[str, OneOf(StaffKind.values, description="类别")] = ""
    region: RegionCode = Field("", description="区划代码：该区划整个下辖范围")


@router.get("/staff", response={200: list[StaffOut], **ERRORS}, summary="工作人员列表")
@paginate(Pagination)
def staff_list_view(request: HttpRequest, filters: Query[StaffFilter]) -> QuerySet[Staff]:
    return staff_list(user=acting_user(request), kind=filters.kind, region=filters.region)
