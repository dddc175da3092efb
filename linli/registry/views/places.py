"""Households, buildings, organisations and staff pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from linli.core.models import AuthedHttpRequest
from linli.core.roles import REGISTRY_READERS, Role
from linli.core.scope import OutOfScope, scoped
from linli.regions.models import Level, Region
from linli.registry import services
from linli.registry.models import Building, BuildingKind, Household, OrganisationKind, Person, StaffKind
from linli.registry.selectors import building_list, household_list, organisation_list, staff_list
from linli.registry.views.common import can_write, require_reader


@login_required
def households(request: AuthedHttpRequest) -> HttpResponse:
    require_reader(request)
    q, region = request.GET.get("q", "").strip(), request.GET.get("region", "").strip()
    page = Paginator(household_list(user=request.user, q=q, region=region), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "registry/households.html",
        {"title": "户", "page": page, "q": q, "region": region, "can_write": can_write(request)},
    )


@login_required
def household(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    require_reader(request)
    h = (
        scoped(Household.objects.select_related("region", "region__parent", "building"), request.user)
        .filter(pk=pk)
        .first()
    )
    if h is None:
        raise Http404("户不存在或不在本账号的数据范围内")
    members = scoped(Person.objects.filter(household=h).select_related("region"), request.user)
    return render(
        request,
        "registry/household.html",
        {"title": h.address or h.code, "h": h, "members": members, "can_write": can_write(request)},
    )


@login_required
def household_new(request: AuthedHttpRequest) -> HttpResponse:
    require_reader(request)
    if not can_write(request):
        raise PermissionDenied("本账号不能修改基础数据")
    keys = ("code", "region_code", "building_code", "unit", "room", "address")
    data = {k: request.POST.get(k, request.GET.get(k, "")) for k in keys}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            h = services.household_create(by=request.user, data=data)
            messages.success(request, f"已登记户 {h.code}")
            return redirect("registry:household", pk=h.pk)
        except ValidationError as exc:
            errors = exc.message_dict
        except OutOfScope as exc:
            errors = {"region_code": [exc.message]}
    return render(
        request,
        "registry/household_form.html",
        {"title": "登记户", "data": data, "errors": errors, "labels": services.HOUSEHOLD_LABELS},
    )


@login_required
def buildings(request: AuthedHttpRequest) -> HttpResponse:
    require_reader(request)
    q, region, kind = (request.GET.get(k, "").strip() for k in ("q", "region", "kind"))
    page = Paginator(building_list(user=request.user, q=q, region=region, kind=kind), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "registry/buildings.html",
        {
            "title": "楼栋",
            "page": page,
            "q": q,
            "region": region,
            "kind": kind,
            "kinds": BuildingKind.choices,
        },
    )


@login_required
def building(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    require_reader(request)
    b = scoped(Building.objects.select_related("region", "parent"), request.user).filter(pk=pk).first()
    if b is None:
        raise Http404("楼栋不存在或不在本账号的数据范围内")
    hhs = household_list(user=request.user).filter(building=b)
    children = scoped(Building.objects.filter(parent=b), request.user)
    return render(
        request, "registry/building.html", {"title": b.name, "b": b, "households": hhs, "children": children}
    )


@login_required
def organisations(request: AuthedHttpRequest) -> HttpResponse:
    u = request.user
    if not (u.is_superuser or u.role in REGISTRY_READERS or u.role == Role.DEPARTMENT_HANDLER):
        raise PermissionDenied("本账号不能查看组织名录")
    q, kind = request.GET.get("q", "").strip(), request.GET.get("kind", "")
    page = Paginator(organisation_list(user=u, q=q, kind=kind), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/organisations.html",
        {"title": "组织", "page": page, "q": q, "kind": kind, "kinds": OrganisationKind.choices},
    )


@login_required
def staff(request: AuthedHttpRequest) -> HttpResponse:
    require_reader(request)
    kind, region = request.GET.get("kind", ""), request.GET.get("region", "").strip()
    qs = staff_list(user=request.user, kind=kind, region=region).prefetch_related("trainings")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    regions = scoped(Region.objects.current().filter(level__in=[Level.STREET, Level.COMMUNITY]), request.user)
    return render(
        request,
        "registry/staff.html",
        {
            "title": "工作人员",
            "page": page,
            "kind": kind,
            "region": region,
            "kinds": StaffKind.choices,
            "regions": regions.order_by("code"),
        },
    )
