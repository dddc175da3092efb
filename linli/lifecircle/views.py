"""Pages of the life circle: the map (walking time, gaps, siting), the coverage table, the isochrone."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from linli.core.models import AuthedHttpRequest
from linli.core.roles import Role
from linli.facilities.models import Facility, FacilityType
from linli.lifecircle import selectors as sel
from linli.lifecircle.models import LifeCircleSettings, Problem, TargetGroup
from linli.lifecircle.services import LifeCircleError, siting_run
from linli.regions.models import Region


def nav(user: Any, role: str) -> list[tuple[str, str]]:
    if role in (Role.DISTRICT_ADMIN, Role.STREET_COORDINATOR, Role.SYSTEM_ADMIN, Role.COMMUNITY_WORKER):
        return [("lifecircle:map", "生活圈"), ("lifecircle:coverage", "生活圈覆盖")]
    return []


def _region(request: AuthedHttpRequest) -> Region:
    try:
        return sel.visible_region(request.user, request.GET.get("region") or request.POST.get("region"))
    except Region.DoesNotExist as exc:
        raise Http404(str(exc)) from exc


def _type(code: str | None) -> FacilityType:
    t = (
        FacilityType.objects.filter(code=code or "elderly_station", active=True)
        .select_related("circle")
        .first()
    )
    if t is None:
        raise Http404("设施类型不存在")
    return t


@login_required
def map_page(request: AuthedHttpRequest) -> HttpResponse:
    region = _region(request)
    t = _type(request.GET.get("type"))
    net = sel.active_network(region)
    return render(
        request,
        "lifecircle/map.html",
        {
            "title": "生活圈",
            "region": region,
            "type": t,
            "types": FacilityType.objects.filter(active=True).order_by("sort"),
            "network": net,
            "run": sel.latest_run(region),
            "gaps": sel.gap_communities(region, request.user, t),
            "gap_buildings": sel.gap_buildings(region, request.user, t),
            "cfg": LifeCircleSettings.get(),
            "problems": Problem.choices,
            "groups": TargetGroup.choices,
            "can_site": request.user.is_superuser or request.user.role in sel.PLANNERS,
        },
    )


@login_required
@require_POST
def siting(request: AuthedHttpRequest) -> HttpResponse:
    sel.require_planner(request.user)
    region = _region(request)
    t = _type(request.POST.get("type"))
    error = ""
    run = None
    try:
        k = int(request.POST.get("k") or 0)
    except ValueError:
        k = 0
    try:
        run = siting_run(
            actor=request.user,
            region=region,
            type=t,
            problem=request.POST.get("problem", "covering"),
            k=k,
            group=request.POST.get("group", ""),
            candidates=request.POST.get("candidates", "vacant"),
        )
    except LifeCircleError as exc:
        error = exc.message
    return render(request, "lifecircle/_siting.html", {"run": run, "error": error, "type": t})


@login_required
def coverage(request: AuthedHttpRequest) -> HttpResponse:
    region = _region(request)
    rows, types, summary = sel.community_table(region, request.user)
    for row in rows:
        row.cells = [row.shares.get(t.code) for t in types]  # type: ignore[attr-defined]
    return render(
        request,
        "lifecircle/coverage.html",
        {
            "title": "生活圈覆盖",
            "region": region,
            "rows": rows,
            "types": types,
            "summary": summary,
            "run": sel.latest_run(region),
            "network": sel.active_network(region),
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
