"""Pages of the life circle: the map (walking time, gaps, siting), the coverage table, the isochrone.

Input goes through ``linli.lifecircle.forms``; the siting run is the same service the API calls, and
its refusal lands on the form with its code.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from linli.core.models import AuthedHttpRequest
from linli.core.scope import region_in_scope
from linli.core.tabular import csv_lines, xlsx_bytes
from linli.facilities.models import Facility, FacilityType
from linli.lifecircle import selectors as sel
from linli.lifecircle.forms import ExportForm, RegionTypeForm, SitingForm
from linli.lifecircle.models import LifeCircleSettings, Problem, TargetGroup
from linli.lifecircle.services import SITING_HEADER, LifeCircleError, siting_run
from linli.lifecircle.services import siting_export as siting_export_rows
from linli.regions.models import Level, Region


def _region(request: AuthedHttpRequest, code: str) -> Region:
    try:
        return sel.visible_region(request.user, code)
    except Region.DoesNotExist as exc:
        raise Http404(str(exc)) from exc


def _type(code: str) -> FacilityType:
    try:
        return sel.active_type(code)
    except FacilityType.DoesNotExist:
        raise Http404("设施类型不存在") from None


def _query(request: AuthedHttpRequest) -> tuple[Region, str]:
    form = RegionTypeForm(request.GET)
    form.is_valid()  # every field is optional text
    return _region(request, form.cleaned_data["region"]), form.cleaned_data["type"]


@login_required
def map_page(request: AuthedHttpRequest) -> HttpResponse:
    region, type_code = _query(request)
    t = _type(type_code)
    net = sel.active_network(region)
    gaps, gap_count = sel.gap_communities(region, request.user, t)
    return render(
        request,
        "lifecircle/map.html",
        {
            "title": "生活圈",
            "region": region,
            "type": t,
            "types": sel.active_types(),
            "network": net,
            "run": sel.latest_run(region),
            "gaps": gaps,
            "gaps_more": gap_count - len(gaps),
            "gap_buildings": sel.gap_buildings(region, request.user, t),
            "cfg": LifeCircleSettings.get(),
            "problems": Problem.choices,
            "groups": TargetGroup.choices,
            "can_site": sel.can_plan(request.user),
        },
    )


@login_required
@require_POST
def siting(request: AuthedHttpRequest) -> HttpResponse:
    sel.require_planner(request.user)
    form = SitingForm(request.POST)
    form.is_valid()  # every field is optional text; the service checks the values
    d = form.cleaned_data
    region = _region(request, d["region"])
    t = _type(d["type"])
    error = ""
    run = None
    try:
        run = siting_run(
            actor=request.user,
            region=region,
            type=t,
            problem=d["problem"],
            k=d["k"],
            group=d["group"],
            candidates=d["candidates"],
        )
    except LifeCircleError as exc:
        form.add_error(None, exc)
        error = str(exc.message)
    return render(
        request,
        "lifecircle/_siting.html",
        {"form": form, "run": run, "error": error, "type": t, "cfg": LifeCircleSettings.get()},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def siting_export(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The sites of one siting run, named, as xlsx or csv (audited); another area's run reads as absent."""
    sel.require_planner(request.user)
    run = sel.visible_siting_run(request.user, pk)
    if run is None:
        raise Http404("选址测算不存在或不在本账号的数据范围内")
    form = ExportForm(request.GET)
    fmt = form.cleaned_data["format"] if form.is_valid() else "xlsx"
    rows = siting_export_rows(actor=request.user, run=run, fmt=fmt)
    name = f"选址测算-{run.region.name}-{run.type.name}-{dt.date.today().isoformat()}"
    if fmt == "csv":
        resp = HttpResponse(b"".join(csv_lines(SITING_HEADER, rows)), content_type="text/csv; charset=utf-8")
    else:
        resp = HttpResponse(xlsx_bytes(SITING_HEADER, rows, sheet="选址结果"), content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(name)}.{fmt}"
    return resp


COVERAGE_PAGE_SIZE = 50


@login_required
def coverage(request: AuthedHttpRequest) -> HttpResponse:
    """A city or district by its districts/streets (one roll-up of the stored coverage); a street or
    community by its communities, paged."""
    form = RegionTypeForm(request.GET)
    form.is_valid()  # every field is optional text
    region = _region(request, form.cleaned_data["region"])
    areas, page = None, None
    if region.level < Level.STREET:
        areas, types, summary = sel.coverage_rollup(region)
        for area in areas:
            area.cells = [area.shares.get(t.code) for t in types]  # type: ignore[attr-defined]
            area.rule_cells = [area.met.get(s["rule"].code, 0) for s in summary]  # type: ignore[attr-defined]
    else:
        rows, types, summary = sel.community_table(region, request.user)
        page = Paginator(rows, COVERAGE_PAGE_SIZE).get_page(form.cleaned_data["page"])
        for row in page:
            row.cells = [row.shares.get(t.code) for t in types]  # type: ignore[attr-defined]
    return render(
        request,
        "lifecircle/coverage.html",
        {
            "title": "生活圈覆盖",
            "region": region,
            "crumbs": [a for a in region.ancestors() if region_in_scope(request.user, a)],
            "areas": areas,
            "child_label": Level(region.level + 1).label if areas is not None else "",
            "page": page,
            "types": types,
            "summary": summary,
            "run": sel.latest_run(region),
            "network": sel.active_network(region),
            "cfg": LifeCircleSettings.get(),
        },
    )


@login_required
def isochrone(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    sel.require_reader(request.user)
    f = get_object_or_404(Facility.objects.select_related("type", "region"), pk=pk)
    return render(
        request,
        "lifecircle/isochrone.html",
        {
            "title": f"等时圈 · {f.name}",
            "facility": f,
            "network": sel.active_network(f.region),
            "cfg": LifeCircleSettings.get(),
        },
    )
