"""Region tree browser and region detail pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from linli.core.models import AuthedHttpRequest
from linli.core.roles import IMPORTERS, REGION_ADMINS, REGISTRY_READERS
from linli.core.scope import OutOfScope, scoped
from linli.regions.models import Level, Region, UrbanRural
from linli.regions.rollup import annotate_rollup
from linli.regions.services import grids_import, region_set_urban_rural


def _require_reader(request: AuthedHttpRequest) -> None:
    u = request.user
    if not (u.is_superuser or u.role in REGISTRY_READERS):
        raise PermissionDenied("本账号不能浏览区划网格")


def _visible(request: AuthedHttpRequest, code: str) -> Region:
    """A current region inside the account's subtree (or one of its ancestors, for the breadcrumb)."""
    region = scoped(Region.objects.current(), request.user).filter(code=code).first()
    if region is None:
        raise Http404("区域不存在或不在本账号的数据范围内")
    return region


def _root_for(request: AuthedHttpRequest) -> Region | None:
    if request.user.region_id:
        return request.user.region
    return Region.objects.current().order_by("level", "code").first()


@login_required
def tree(request: AuthedHttpRequest) -> HttpResponse:
    _require_reader(request)
    root = _root_for(request)
    if root is None:
        return render(request, "regions/tree.html", {"title": "区划网格", "root": None})
    root = annotate_rollup(Region.objects.filter(pk=root.pk)).get()
    return render(
        request, "regions/tree.html", {"title": "区划网格", "root": root, "children": _children(root)}
    )


def _children(region: Region) -> list[Region]:
    return list(annotate_rollup(Region.objects.current().filter(parent=region).order_by("code")))


@login_required
def children(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """htmx partial: the next level of the tree with its rolled-up counts (one query)."""
    _require_reader(request)
    region = _visible(request, code)
    return render(
        request,
        "regions/_tree_rows.html",
        {"children": _children(region), "depth": int(request.GET.get("depth", "1")) + 1},
    )


@login_required
def detail(request: AuthedHttpRequest, code: str) -> HttpResponse:
    _require_reader(request)
    region = _visible(request, code)
    region = annotate_rollup(Region.objects.filter(pk=region.pk)).get()
    kids = _children(region)
    user = request.user
    ctx = {
        "title": region.name,
        "region": region,
        "children": kids,
        "ancestors": region.ancestors(),
        "chart": {
            "names": [c.name for c in kids],
            "population": [getattr(c, "population_count", 0) for c in kids],
            "households": [getattr(c, "households_count", 0) for c in kids],
        },
        "can_override": (user.is_superuser or user.role in REGION_ADMINS) and region.level == Level.COMMUNITY,
        "can_import_grids": (user.is_superuser or user.role in IMPORTERS) and region.level <= Level.COMMUNITY,
        "urban_rural_choices": UrbanRural.choices,
        "show_map": region.level >= Level.STREET,
    }
    return render(request, "regions/detail.html", ctx)


@login_required
def geojson(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Boundaries of the region's children and its buildings (coordinates only, no personal data)."""
    from django.http import JsonResponse

    from linli.registry.models import Building

    _require_reader(request)
    region = _visible(request, code)
    feats = []
    for r in (
        Region.objects.current()
        .filter(parent=region, boundary__isnull=False)
        .only("code", "name", "boundary")
    ):
        feats.append(
            {
                "type": "Feature",
                "geometry": r.boundary,
                "properties": {"kind": "region", "code": r.code, "name": r.name},
            }
        )
    if region.boundary and not feats:
        feats.append(
            {
                "type": "Feature",
                "geometry": region.boundary,
                "properties": {"kind": "region", "code": region.code, "name": region.name},
            }
        )
    if region.level >= Level.COMMUNITY:
        qs = scoped(
            Building.objects.filter(region__code__startswith=region.code, lat__isnull=False), request.user
        )
        for b in qs.exclude(kind__in=["estate", "natural_village"]).only("pk", "name", "lat", "lon")[:5000]:
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [b.lon, b.lat]},
                    "properties": {"kind": "building", "id": b.pk, "name": b.name},
                }
            )
    return JsonResponse(
        {"type": "FeatureCollection", "features": feats}, json_dumps_params={"ensure_ascii": False}
    )


@login_required
@require_POST
def set_urban_rural(request: AuthedHttpRequest, code: str) -> HttpResponse:
    region = _visible(request, code)
    try:
        region_set_urban_rural(region=region, value=request.POST.get("value", ""), by=request.user)
        messages.success(request, f"已将{region.name}的城乡分类改为{UrbanRural(region.urban_rural).label}")
    except (ValueError, OutOfScope, ValidationError) as exc:
        messages.error(request, str(getattr(exc, "message", exc)))
    return redirect("regions:detail", code=code)


@login_required
def grid_import(request: AuthedHttpRequest, code: str) -> HttpResponse:
    region = _visible(request, code)
    user = request.user
    if not (user.is_superuser or user.role in IMPORTERS):
        raise PermissionDenied("本账号不能导入网格")
    ctx: dict = {"title": "导入网格", "region": region}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择文件")
        else:
            try:
                result = grids_import(
                    raw=upload,
                    filename=upload.name or "",
                    by=user,
                    dry_run=request.POST.get("dry_run") == "1",
                )
                ctx["result"] = result
            except OutOfScope as exc:
                messages.error(request, exc.message)
    return render(request, "regions/grid_import.html", ctx)


def template_download(request: AuthedHttpRequest) -> HttpResponse:
    from linli.core.tabular import template_header, template_notes, xlsx_bytes
    from linli.regions.services import GRID_COLUMNS

    body = xlsx_bytes(
        template_header(GRID_COLUMNS),
        [[c.example for c in GRID_COLUMNS]],
        sheet="网格",
        notes=template_notes(GRID_COLUMNS),
    )
    resp = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E7%BD%91%E6%A0%BC%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return resp
