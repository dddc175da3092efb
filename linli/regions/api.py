"""The regions part of the JSON API: the hierarchy with rolled-up counts, urban/rural class, grid import.

Regions are not personal data, but an account only sees the regions of its subtree (through
``linli.core.scope``) and the ancestors of its own region (for breadcrumbs); a system
administrator sees all. Anything else is a 404, as if it did not exist.
"""

import datetime as dt
from typing import IO, Annotated, Any, cast

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate

from linli.core.api import ERRORS, OneOf, Pagination, acting_user
from linli.core.models import User
from linli.core.scope import require_region_in_scope, scope_q
from linli.regions.models import Region, RegionQuerySet, UrbanRural, subtree_q
from linli.regions.rollup import annotate_rollup
from linli.regions.schemas import RegionRef
from linli.regions.services import grids_import, region_set_urban_rural  # shared with other modules' schemas

router = Router(tags=["区划与网格"])

ROLLUP_KEYS = ["population", "households", "buildings", "grids"]


def regions_visible(user: User) -> RegionQuerySet:
    """Current regions ``user`` may see: its scope's subtree plus its own region and that region's ancestors."""
    qs = Region.objects.current()
    q = scope_q(user, Region)
    if q is None:
        return qs
    if user.region is not None:
        q |= Q(code__in=[*user.region.ancestors_codes(), user.region.code])
    return qs.filter(q)


def region_visible(user: User, code: str) -> Region:
    """The current region ``code`` if ``user`` may see it; Region.DoesNotExist (a 404) otherwise."""
    return regions_visible(user).get(code=code)


class RegionOut(RegionRef):
    parent_code: str | None
    urban_rural: str
    urban_rural_label: str
    urban_rural_manual: bool
    centroid_lat: float | None
    centroid_lon: float | None


class RegionDetailOut(RegionOut):
    ancestors: list[RegionRef] = Field(alias="ancestor_list")
    full_name: str
    boundary: dict[str, Any] | None
    valid_from: dt.date
    source: str


class RegionRollupOut(RegionOut):
    """A region with counts over its whole subtree (``annotate_rollup`` sets ``<key>_count``)."""

    population: int = Field(alias="population_count", description="在册人口（整个下辖范围）")
    households: int = Field(alias="households_count", description="户数")
    buildings: int = Field(alias="buildings_count", description="楼栋/小区/自然村数")
    grids: int = Field(alias="grids_count", description="网格数")


class RegionFilter(Schema):
    parent: str = Field("", description="上级区划代码")
    level: int | None = Field(
        None, ge=1, le=6, description="层级：1 省 2 市 3 区县 4 街道/乡镇 5 社区/村 6 网格"
    )
    q: str = Field("", description="名称包含，或代码开头")


@router.get("", response={200: list[RegionOut], **ERRORS}, summary="区划列表")
@paginate(Pagination)
def region_list(request: HttpRequest, filters: Query[RegionFilter]) -> RegionQuerySet:
    qs = regions_visible(acting_user(request))
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(Q(name__contains=filters.q) | subtree_q(filters.q))
    return qs.order_by("code")


@router.get("/{code}", response={200: RegionDetailOut, **ERRORS}, summary="区划详情（含上级路径）")
def region_detail(request: HttpRequest, code: str) -> Region:
    return region_visible(acting_user(request), code)


@router.get(
    "/{code}/children",
    response={200: list[RegionRollupOut], **ERRORS},
    summary="下级区划及汇总数",
    description="人口、户、楼栋、网格数按整个下辖范围累计；全部下级及其计数是一条 SQL 查询。",
)
def region_children(request: HttpRequest, code: str) -> QuerySet[Region]:
    user = acting_user(request)
    region = region_visible(user, code)
    return annotate_rollup(regions_visible(user).filter(parent=region).order_by("code"), ROLLUP_KEYS)


class UrbanRuralIn(Schema):
    value: Annotated[
        str, OneOf(UrbanRural.values, blank=False, description="urban 城镇社区 / rural 农村（行政村）")
    ]


@router.patch("/{code}/urban-rural", response={200: RegionOut, **ERRORS}, summary="设置社区/村的城乡分类")
def region_urban_rural(request: HttpRequest, code: str, payload: UrbanRuralIn) -> Region:
    user = acting_user(request)
    return region_set_urban_rural(region=region_visible(user, code), value=payload.value, by=user)


class RowErrorOut(Schema):
    row: int
    column: str
    message: str
    value: str


class GridImportOut(Schema):
    status: str = Field(description="done 已导入 / checked 预检通过（未写入）/ rejected 有错误，未导入")
    dry_run: bool
    created: int
    updated: int
    workers: int
    errors_total: int
    errors: list[RowErrorOut]


@router.post(
    "/{code}/grids/import",
    response={200: GridImportOut, **ERRORS},
    summary="导入网格（.xlsx/.csv/.geojson）",
    description="整批导入：任何一行有错，一行也不写入，返回全部错误。dry_run 只检查不写入。",
)
def region_grids_import(
    request: HttpRequest, code: str, file: File[UploadedFile], dry_run: Form[bool] = False
) -> dict[str, Any]:
    user = acting_user(request)
    region = region_visible(user, code)
    require_region_in_scope(user, region)
    result = grids_import(raw=cast(IO[bytes], file.file), filename=file.name or "", by=user, dry_run=dry_run)
    report = result.errors
    status = "rejected" if report else ("checked" if dry_run else "done")
    return {
        "status": status,
        "dry_run": dry_run,
        "created": result.created,
        "updated": result.updated,
        "workers": result.workers,
        "errors_total": report.total if report is not None else 0,
        "errors": report.as_dicts()[:200] if report is not None else [],
    }
