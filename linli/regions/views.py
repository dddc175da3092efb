"""Region tree browser and region detail pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from linli.core.models import AuthedHttpRequest
from linli.core.roles import IMPORTERS, REGION_ADMINS, REGISTRY_READERS, require_role
from linli.core.scope import OutOfScope, scoped
from linli.core.tabular import TableError, template_header, template_notes, xlsx_bytes
from linli.regions.forms import BoundariesForm, GridImportForm, TreeLevelForm, UrbanRuralForm
from linli.regions.hooks import MAP_LAYERS, region_links
from linli.regions.models import Level, Region, UrbanRural
from linli.regions.rollup import annotate_rollup
from linli.regions.services import GRID_COLUMNS, grids_import, region_set_urban_rural

READER_ONLY = "本账号不能浏览区划网格"


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
    require_role(request.user, REGISTRY_READERS, READER_ONLY)
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
    require_role(request.user, REGISTRY_READERS, READER_ONLY)
    region = _visible(request, code)
    depth = TreeLevelForm(request.GET).next_depth()
    return render(request, "regions/_tree_rows.html", {"children": _children(region), "depth": depth})


@login_required
def detail(request: AuthedHttpRequest, code: str) -> HttpResponse:
    role = require_role(request.user, REGISTRY_READERS, READER_ONLY)
    region = _visible(request, code)
    region = annotate_rollup(Region.objects.filter(pk=region.pk)).get()
    kids = _children(region)
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
        "can_override": role in REGION_ADMINS and region.level == Level.COMMUNITY,
        "can_import_grids": role in IMPORTERS and region.level <= Level.COMMUNITY,
        "urban_rural_choices": UrbanRural.choices,
        "region_links": region_links(region),
        "show_map": region.level >= Level.DISTRICT,
    }
    return render(request, "regions/detail.html", ctx)


@login_required
def geojson(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The points other modules draw on the region's map (the registry's buildings: coordinates and
    names only, no personal data); the outlines come from ``boundaries``, as on every map."""
    require_role(request.user, REGISTRY_READERS, READER_ONLY)
    region = _visible(request, code)
    feats = [f for layer in MAP_LAYERS for f in layer(region, request.user)]
    return JsonResponse(
        {"type": "FeatureCollection", "features": feats}, json_dumps_params={"ensure_ascii": False}
    )


def _boundary_feature(region: Region) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": region.boundary,
        "properties": {
            "kind": "region",
            "code": region.code,
            "name": region.name,
            "level": region.level,
            "synthetic": region.boundary_sketched,
        },
    }


@login_required
def boundaries(request: AuthedHttpRequest) -> HttpResponse:
    """The outlines every map draws under its own layers: the children of ``?region=`` (default the
    account's region, or the district for an account bound to none) with their names, and the region's
    own outline (``"self": true``). A region out of the account's scope is absent (404)."""
    form = BoundariesForm(request.GET)
    code = form.cleaned_data["region"] if form.is_valid() else ""
    region = _boundaries_region(request, code)
    if region is None:
        raise Http404("区域不存在或不在本账号的数据范围内")
    fields = ("code", "name", "level", "boundary", "boundary_source")
    kids = Region.objects.current().filter(parent=region, boundary__isnull=False).only(*fields)
    feats = [_boundary_feature(r) for r in kids]
    if region.boundary:
        own = _boundary_feature(region)
        own["properties"]["self"] = True
        feats.append(own)
    return JsonResponse(
        {"type": "FeatureCollection", "features": feats}, json_dumps_params={"ensure_ascii": False}
    )


def _boundaries_region(request: AuthedHttpRequest, code: str) -> Region | None:
    visible = scoped(Region.objects.current(), request.user)
    if code:
        return visible.filter(code=code).first()
    if request.user.region_id:
        return visible.filter(pk=request.user.region_id).first()
    return visible.filter(level__lte=Level.DISTRICT).order_by("-level", "code").first()


@login_required
@require_POST
def set_urban_rural(request: AuthedHttpRequest, code: str) -> HttpResponse:
    region = _visible(request, code)
    form = UrbanRuralForm(request.POST)
    if form.is_valid():
        try:
            region_set_urban_rural(region=region, value=form.cleaned_data["value"], by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)  # the service names the field ("value")
        except OutOfScope as exc:
            form.add_error(None, ValidationError(exc.message, code=exc.code))
    if form.errors:
        messages.error(request, "；".join(str(m) for errors in form.errors.values() for m in errors))
    else:
        messages.success(request, f"已将{region.name}的城乡分类改为{UrbanRural(region.urban_rural).label}")
    return redirect("regions:detail", code=code)


@login_required
def grid_import(request: AuthedHttpRequest, code: str) -> HttpResponse:
    region = _visible(request, code)
    user = request.user
    require_role(user, IMPORTERS, "本账号不能导入网格")
    form = GridImportForm(request.POST, request.FILES) if request.method == "POST" else GridImportForm()
    ctx: dict[str, Any] = {"title": "导入网格", "region": region, "form": form}
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            ctx["result"] = grids_import(
                raw=upload, filename=upload.name or "", by=user, dry_run=form.cleaned_data["dry_run"]
            )
        except OutOfScope as exc:
            form.add_error(None, ValidationError(exc.message, code=exc.code))
            messages.error(request, exc.message)
        except TableError as exc:
            form.add_error("file", ValidationError(str(exc), code=TableError.code))
            messages.error(request, str(exc))
    elif form.is_bound:
        messages.error(request, "请选择文件")
    return render(request, "regions/grid_import.html", ctx)


def template_download(request: AuthedHttpRequest) -> HttpResponse:
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
