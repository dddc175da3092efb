"""/api/lifecircle: GeoJSON layers for the map, coverage per type, the isochrone and siting.

Refused input (``services.LifeCircleError``, coded ``lifecircle.…``) is answered by the API's
ValidationError handler: 422 ``{"code", "detail", "errors"}``, as the pages show it on their form.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from linli.core.api import ERRORS, OneOf, acting_user
from linli.core.paging import MAX_PAGE
from linli.facilities.models import Facility, FacilityStatus, FacilityType
from linli.lifecircle import selectors as sel
from linli.lifecircle.services import isochrone, siting_run
from linli.regions.models import Region

router = Router(tags=["生活圈"])

MAX_LIMIT = 2000  # facilities per page of the map layer
MAX_OFFSET = MAX_PAGE * 200  # as far as the page-number lists reach, inside a 64-bit OFFSET


def _region(request: HttpRequest, code: str | None) -> Region:
    return sel.visible_region(acting_user(request), code)


def _type(code: str) -> FacilityType:
    return get_object_or_404(FacilityType, code=code)


def _fc(features: list[dict[str, Any]], **props: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features, "properties": props}


@router.get("/buildings", response={200: dict, **ERRORS}, summary="楼栋步行时间（GeoJSON 点）")
def buildings(request: HttpRequest, type: str, region: str = "") -> dict[str, Any]:
    r = _region(request, region)
    t = _type(type)
    pts = sel.access_points(r, acting_user(request), t)
    feats = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p["building__lon"], p["building__lat"]]},
            "properties": {
                "id": p["building_id"],
                "name": p["building__name"],
                "minutes": p["minutes"],
                "within": p["within"],
                "threshold": p["threshold_min"],
                "snap_m": p["snap_m"],
                "method": p["method"],
            },
        }
        for p in pts
    ]
    return _fc(feats, type=t.code, straight=any(p["method"] == "straight" for p in pts))


class FacilityQuery(Schema):
    type: str = Field("", description="设施类型编码；留空为全部类型")
    region: str = Field("", description="区划代码；街道、社区给出其所在区县的设施。留空为本账号的区划")
    status: Annotated[str, OneOf(FacilityStatus.values, description="状态，如 vacant（闲置用房）")] = ""
    bbox: str = Field(
        "", description="只要这个范围内的设施：最小经度,最小纬度,最大经度,最大纬度（WGS-84），地图给出视野"
    )
    limit: int = Field(500, ge=1, le=MAX_LIMIT, description=f"最多返回多少处，最多 {MAX_LIMIT}")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过前多少处（按设施编号排序）")

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, v: str) -> str:
        if v:
            parse_bbox(v)
        return v


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``minlng,minlat,maxlng,maxlat`` as four numbers in range, min before max (else ValueError)."""
    try:
        box = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise ValueError("应为 最小经度,最小纬度,最大经度,最大纬度 四个数") from None
    if len(box) != 4 or not all(math.isfinite(x) for x in box):
        raise ValueError("应为 最小经度,最小纬度,最大经度,最大纬度 四个数")
    min_lon, min_lat, max_lon, max_lat = box
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError("经度应在 -180～180、纬度在 -90～90 之间，且最小值不大于最大值")
    return min_lon, min_lat, max_lon, max_lat


class FacilityPageOut(Schema):
    limit: int
    offset: int
    next_offset: int | None = Field(description="还有更多时，下一页的 offset；已是最后一页为 null")


class FacilityCollectionOut(Schema):
    type: str = Field("FeatureCollection")
    features: list[dict[str, Any]] = Field(
        description="GeoJSON 点：id、name、type（类型名称）、status、status_label"
    )
    properties: FacilityPageOut


@router.get(
    "/facilities",
    response={200: FacilityCollectionOut, **ERRORS},
    summary="设施位置（GeoJSON 点，分页，可按地图视野筛选）",
)
def facilities(request: HttpRequest, q: Query[FacilityQuery]) -> dict[str, Any]:
    r = _region(request, q.region)
    t = _type(q.type) if q.type else None
    rows = sel.facilities_of(
        r,
        acting_user(request),
        t,
        status=q.status,
        bbox=parse_bbox(q.bbox) if q.bbox else None,
        limit=q.limit + 1,  # one more says whether there is a next page
        offset=q.offset,
    )
    more = len(rows) > q.limit
    feats = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
            "properties": {
                "id": f.pk,
                "name": f.name,
                "type": f.type.name,
                "status": f.status,
                "status_label": f.get_status_display(),
            },
        }
        for f in rows[: q.limit]
    ]
    return {
        "type": "FeatureCollection",
        "features": feats,
        "properties": {
            "limit": q.limit,
            "offset": q.offset,
            "next_offset": q.offset + q.limit if more else None,
        },
    }


@router.get("/communities", response={200: dict, **ERRORS}, summary="社区边界与覆盖率（GeoJSON 面）")
def communities(request: HttpRequest, type: str, region: str = "") -> dict[str, Any]:
    r = _region(request, region)
    t = _type(type)
    feats = [
        {
            "type": "Feature",
            "geometry": row["region"].boundary,
            "properties": {
                "code": row["region"].code,
                "name": row["region"].name,
                "share": row["share"],
                "population": row["population"],
            },
        }
        for row in sel.community_shares(r, acting_user(request), t)
    ]
    return _fc(feats)


@router.get("/coverage", response={200: dict, **ERRORS}, summary="区域内各类设施的生活圈覆盖率")
def coverage(request: HttpRequest, region: str = "") -> dict[str, Any]:
    r = _region(request, region)
    return {"region": r.code, "types": sel.coverage_by_region(r)}


@router.get(
    "/isochrone/{facility_id}", response={200: dict, **ERRORS}, summary="设施的 5/10/15 分钟等时圈（路段）"
)
def isochrone_api(request: HttpRequest, facility_id: int) -> dict[str, Any]:
    sel.require_reader(acting_user(request))
    f = get_object_or_404(Facility.objects.select_related("region"), pk=facility_id)
    return isochrone(f)


class SitingIn(Schema):
    region: str = ""
    type: str
    problem: str = "covering"
    k: int = 3
    group: str = ""
    candidates: str = "vacant"


@router.post("/siting", response={200: dict, **ERRORS}, summary="选址测算（最大覆盖 / p-中位）")
def siting(request: HttpRequest, payload: SitingIn) -> dict[str, Any]:
    user = acting_user(request)
    sel.require_planner(user)
    r = _region(request, payload.region)
    t = _type(payload.type)
    run = siting_run(
        actor=user,
        region=r,
        type=t,
        problem=payload.problem,
        k=payload.k,
        group=payload.group,
        candidates=payload.candidates,
    )
    return {"id": run.pk, **run.result}
