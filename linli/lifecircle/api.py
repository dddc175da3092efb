"""/api/lifecircle: GeoJSON layers for the map, coverage per type, the isochrone and siting.

Refused input (``services.LifeCircleError``, coded ``lifecircle.…``) is answered by the API's
ValidationError handler: 422 ``{"code", "detail", "errors"}``, as the pages show it on their form.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from linli.core.api import ERRORS, acting_user
from linli.facilities.models import Facility, FacilityType
from linli.lifecircle import selectors as sel
from linli.lifecircle.services import isochrone, siting_run
from linli.regions.models import Region

router = Router(tags=["生活圈"])


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


@router.get("/facilities", response={200: dict, **ERRORS}, summary="设施位置（GeoJSON 点）")
def facilities(request: HttpRequest, type: str = "", region: str = "") -> dict[str, Any]:
    r = _region(request, region)
    t = _type(type) if type else None
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
        for f in sel.facilities_of(r, acting_user(request), t)
    ]
    return _fc(feats)


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
