"""The staff's directory pages: the list of services, a service's form, its slots and bookings."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.models import AuthedHttpRequest
from linli.core.scope import scoped
from linli.facilities.engine import hours
from linli.regions.models import Region
from linli.registry.models import Organisation
from linli.services import selectors, services
from linli.services.engine import schedule
from linli.services.forms import (
    TAG_CHOICES,
    ServiceFilterForm,
    ServiceForm,
    SlotsForm,
    StaffBookingForm,
    WeekHoursField,
)
from linli.services.models import Booking, FeeKind, Service, ServiceKind, ServiceStatus, Slot, TaxonomyTerm
from linli.services.views.common import SERVICE_ABSENT, form_write, refused, staff_only


@staff_only
def manage(request: AuthedHttpRequest) -> HttpResponse:
    g = ServiceFilterForm(request.GET).values()
    qs = selectors.service_list(
        request.user, q=g["q"], category=g["category"], kind=g["kind"], status=g["status"]
    )
    return render(
        request,
        "services/manage.html",
        {
            "title": "服务清单",
            "page": Paginator(qs, 30).get_page(g["page"]),
            "g": g,
            "terms": TaxonomyTerm.objects.all(),
            "kinds": ServiceKind.choices,
            "statuses": ServiceStatus.choices,
            "total": qs.count(),
            "tab": "services",
        },
    )


@staff_only
def service_edit(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    obj = None
    if pk is not None:
        obj = scoped(Service.objects.all(), request.user).filter(pk=pk).first()
        if obj is None:
            raise Http404(SERVICE_ABSENT)
    form = ServiceForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={"hours": obj.opening_hours if obj else {}},
    )
    if request.method == "POST":
        ok, s = form_write(
            request,
            form,
            lambda: services.service_save(actor=request.user, service=obj, **form.values()),
            lambda s: f"已保存“{s.name}”",
        )
        if ok:
            return redirect("services:service_admin", pk=s.pk)
    texts = WeekHoursField().texts(form["hours"].value())
    return render(
        request,
        "services/service_form.html",
        {
            "title": "编辑服务" if obj else "新增服务",
            "obj": obj,
            "form": form,
            "orgs": scoped(Organisation.objects.filter(active=True), request.user).order_by("name")[:300],
            "regions": scoped(Region.objects.current().filter(level__lte=5), request.user).order_by("code")[
                :300
            ],
            "terms": TaxonomyTerm.objects.all(),
            "kinds": ServiceKind.choices,
            "fees": FeeKind.choices,
            "statuses": ServiceStatus.choices,
            "tags": TAG_CHOICES,
            "hours": [(d, schedule.WEEKDAYS[d - 1], texts[d]) for d in hours.WEEKDAYS],
            "p": form.data if form.is_bound else None,
            "tab": "services",
        },
    )


def _service_admin_page(request: AuthedHttpRequest, s: Service, form: object = None) -> HttpResponse:
    now = timezone.now()
    slots = list(
        Slot.objects.filter(
            service=s, starts_at__gte=now - dt.timedelta(days=7), starts_at__lte=now + dt.timedelta(days=14)
        ).order_by("starts_at")
    )
    by_slot: dict[int, list[Booking]] = {}
    for b in selectors.booking_list(request.user, service=s).filter(slot__in=slots):
        by_slot.setdefault(b.slot_id, []).append(b)
    rows = [
        (slot, by_slot.get(slot.pk, [])) for slot in slots if by_slot.get(slot.pk) or slot.starts_at > now
    ]
    return render(
        request,
        "services/service_admin.html",
        {
            "title": s.name,
            "s": s,
            "rows": rows[:80],
            "hours": schedule.describe(s.opening_hours),
            "groups": [services.tag_label(t) for t in s.eligible_tags or []],
            "now": now,
            "form": form,
            "tab": "services",
        },
    )


def _scoped_service(request: AuthedHttpRequest, pk: int) -> Service:
    s = (
        scoped(Service.objects.select_related("category", "region", "provider", "facility"), request.user)
        .filter(pk=pk)
        .first()
    )
    if s is None:
        raise Http404(SERVICE_ABSENT)
    return s


@staff_only
def service_admin(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    s = _scoped_service(request, pk)
    form = SlotsForm(request.POST if request.method == "POST" else None)
    valid = form.is_valid()
    if form.is_bound and form.cleaned_data.get("action") == "slots":
        if valid:
            try:
                n = services.slots_generate(
                    service=s,
                    start=timezone.localdate(),
                    days=form.cleaned_data["days"] or 14,
                    actor=request.user,
                )
            except (ValidationError, PermissionDenied) as exc:
                refused(request, form, exc)
            else:
                messages.success(request, f"已生成 {n} 个新时段")
                return redirect("services:service_admin", pk=pk)
        else:
            refused(request, form)
        return _service_admin_page(request, s, form)
    return _service_admin_page(request, s)


@staff_only
@require_POST
def staff_booking(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    b = selectors.booking_list(request.user).filter(pk=pk).first()
    if b is None:
        raise Http404("预约不存在或不在本账号的数据范围内")
    if action not in ("confirm", "serve", "no_show", "cancel"):
        raise Http404()
    form = StaffBookingForm(request.POST)
    form.is_valid()  # one free-text field: always valid
    try:
        if action == "confirm":
            services.booking_confirm(actor=request.user, booking=b)
            messages.success(request, f"已确认 {b.person.name} 的预约")
        elif action in ("serve", "no_show"):
            services.booking_serve(
                actor=request.user, booking=b, record=form.cleaned_data["record"], attended=action == "serve"
            )
            messages.success(request, f"已登记 {b.person.name} 的服务情况")
        else:
            services.booking_cancel(actor=request.user, booking=b, reason="工作人员取消")
            messages.success(request, "已取消")
    except (ValidationError, PermissionDenied) as exc:
        refused(request, form, exc)
        return _service_admin_page(request, _scoped_service(request, b.service_id), form)
    return redirect("services:service_admin", pk=b.service_id)
