"""Households, buildings, organisations and staff pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from linli.core.forms import add_service_error
from linli.core.models import AuthedHttpRequest
from linli.core.paging import CountedPaginator
from linli.core.roles import REGISTRY_READERS, Role, require_role
from linli.core.scope import scoped
from linli.regions.models import Level, Region
from linli.registry import services
from linli.registry.forms import HouseholdForm, KindFilterForm, ListFilterForm
from linli.registry.models import Building, BuildingKind, Household, OrganisationKind, Person, StaffKind
from linli.registry.selectors import (
    building_list,
    household_list,
    household_list_count,
    organisation_list,
    staff_list,
)
from linli.registry.selectors import household_search as selectors_household_search
from linli.registry.views.common import can_write, require_reader, require_writer


@login_required
def households(request: AuthedHttpRequest) -> HttpResponse:
    require_reader(request)
    f = ListFilterForm(request.GET).values()
    counted = household_list_count(user=request.user, q=f["q"], region=f["region"])
    rows = household_list(user=request.user, q=f["q"], region=f["region"])
    page = CountedPaginator(rows, 30, count=counted.n, more=counted.more).get_page(f["page"])
    return render(
        request,
        "registry/households.html",
        {"title": "户", "page": page, "q": f["q"], "region": f["region"], "can_write": can_write(request)},
    )


@login_required
def household_search(request: AuthedHttpRequest) -> HttpResponse:
    """htmx: the households matching a search text, for the person form's household picker."""
    require_reader(request)
    q = ListFilterForm(request.GET).values()["q"]
    hits = selectors_household_search(user=request.user, q=q)
    return render(request, "registry/_household_hits.html", {"hits": hits, "q": q})


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
    """登记户: the same service as ``POST /api/households``; its refusals land on the form's fields."""
    require_writer(request)
    if request.method == "POST":
        form = HouseholdForm(request.POST)
        if form.is_valid():
            try:
                h = services.household_create(by=request.user, data=form.cleaned_data)
                messages.success(request, f"已登记户 {h.code}")
                return redirect("registry:household", pk=h.pk)
            except (ValidationError, PermissionDenied) as exc:
                add_service_error(form, exc, field="region_code")
        data = {k: form.data.get(k, "") for k in form.fields}
    else:  # opened from a building's or a region's page: its codes filled in, nothing refused yet
        form = HouseholdForm(request.GET)
        data = form.cleaned_data if form.is_valid() else {}
    return render(
        request,
        "registry/household_form.html",
        {
            "title": "登记户",
            "form": form,
            "data": data,
            "errors": form.errors,
            "labels": services.HOUSEHOLD_LABELS,
        },
    )


@login_required
def buildings(request: AuthedHttpRequest) -> HttpResponse:
    require_reader(request)
    f = KindFilterForm(request.GET).values()
    qs = building_list(user=request.user, q=f["q"], region=f["region"], kind=f["kind"])
    return render(
        request,
        "registry/buildings.html",
        {
            "title": "楼栋",
            "page": Paginator(qs, 30).get_page(f["page"]),
            "q": f["q"],
            "region": f["region"],
            "kind": f["kind"],
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
    require_role(request.user, REGISTRY_READERS | {Role.DEPARTMENT_HANDLER}, "本账号不能查看组织名录")
    f = KindFilterForm(request.GET).values()
    qs = organisation_list(user=request.user, q=f["q"], kind=f["kind"])
    return render(
        request,
        "registry/organisations.html",
        {
            "title": "组织",
            "page": Paginator(qs, 30).get_page(f["page"]),
            "q": f["q"],
            "kind": f["kind"],
            "kinds": OrganisationKind.choices,
        },
    )


@login_required
def staff(request: AuthedHttpRequest) -> HttpResponse:
    require_reader(request)
    f = KindFilterForm(request.GET).values()
    qs = staff_list(user=request.user, kind=f["kind"], region=f["region"]).prefetch_related("trainings")
    regions = scoped(Region.objects.current().filter(level__in=[Level.STREET, Level.COMMUNITY]), request.user)
    return render(
        request,
        "registry/staff.html",
        {
            "title": "工作人员",
            "page": Paginator(qs, 30).get_page(f["page"]),
            "kind": f["kind"],
            "region": f["region"],
            "kinds": StaffKind.choices,
            "regions": regions.order_by("code").values_list("code", "name", "level"),  # no Region objects
        },
    )
