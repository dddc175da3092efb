"""The resident's phone pages: the directory, a service's page and booking, my bookings, 办事."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.errors import Forbidden
from linli.core.models import AuthedHttpRequest
from linli.core.roles import Role, effective_role
from linli.registry.models import Person
from linli.services import selectors, services
from linli.services.engine import schedule
from linli.services.forms import ApplyForm, BookForm, BookingActionForm, DirectoryFilterForm
from linli.services.models import ACTIVE_BOOKING, Booking, Service, ServiceItem, Slot
from linli.services.views.common import SERVICE_ABSENT, me, refused


@login_required
def directory(request: AuthedHttpRequest) -> HttpResponse:
    if services.is_staff(request.user):
        return redirect("services:manage")
    person = me(request)
    f = DirectoryFilterForm(request.GET).values()
    q, category, show_all = f["q"], f["category"], bool(f["all"])
    found = selectors.directory_search(person, q=q, category=category, show_all=show_all)
    return render(
        request,
        "services/directory.html",
        {
            "title": "预约服务",
            "entries": found.entries,
            "not_eligible": found.not_eligible if q or category else [],
            "q": q,
            "category": category,
            "terms": found.terms,
            "suggestions": found.suggestions,
            "show_all": show_all,
            "home": selectors.home_point(person),
            "me": person,
        },
    )


def _detail_page(request: AuthedHttpRequest, pk: int, form: BookForm | None = None) -> HttpResponse:
    s = Service.objects.select_related("category", "region", "provider", "facility").filter(pk=pk).first()
    if s is None:
        raise Http404(SERVICE_ABSENT)
    why_not, choices = "", []
    if effective_role(request.user) == Role.RESIDENT:
        person = me(request)
        if not person.region.code.startswith(s.region.code):
            raise Http404(SERVICE_ABSENT)
        choices = selectors.booking_choices(person, s)
        # the page offers booking when the service is for the resident or for one of their household
        if all(c.why_not for c in choices):
            why_not = choices[0].why_not
    elif not services.is_staff(request.user):
        raise Forbidden(code="services.staff_only")
    days: dict[dt.date, list[Slot]] = {}
    for slot in selectors.open_slots(s):
        days.setdefault(timezone.localtime(slot.starts_at).date(), []).append(slot)
    chosen = form.data.get("person_id") if form is not None and form.is_bound else None
    default = next((c.person.pk for c in choices if not c.why_not), None)
    return render(
        request,
        "services/detail.html",
        {
            "title": s.name,
            "s": s,
            "why_not": why_not,
            "choices": choices,
            "chosen": int(chosen) if chosen and str(chosen).isdigit() else default,
            "days": days,
            "hours": schedule.describe(s.opening_hours),
            "groups": [services.tag_label(t) for t in s.eligible_tags or []],
            "form": form or BookForm(user=request.user),
        },
    )


@login_required
def detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


@login_required
@require_POST
def book(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = me(request)
    form = BookForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            b = services.booking_create(
                actor=request.user,
                slot_id=form.cleaned_data["slot"],
                person=form.cleaned_data["person_id"] or person,
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            refused(request, form, exc)
        else:
            who = "" if b.person_id == person.pk else f"（为{b.person.name}预约）"
            messages.success(
                request, f"预约成功：{b.service.name}{who}，{b.slot}。请按时到场，如不能前往请提前取消。"
            )
            return redirect("services:my_bookings")
    else:
        refused(request, form)
    return _detail_page(request, pk, form)


def _my_bookings_page(request: AuthedHttpRequest, form: BookingActionForm | None = None) -> HttpResponse:
    person = me(request)
    rows = list(selectors.my_bookings(request.user).order_by("-slot__starts_at")[:50])
    now = timezone.now()
    for b in rows:
        b.for_whom = _for_whom(person, b)  # type: ignore[attr-defined]
        can_change = b.status in ACTIVE_BOOKING and b.slot.starts_at > now
        b.can_change = can_change  # type: ignore[attr-defined]
        others = [s for s in selectors.open_slots(b.service) if s.pk != b.slot_id and s.left > 0][:12]
        b.others = others if can_change else []  # type: ignore[attr-defined]
    return render(
        request,
        "services/my_bookings.html",
        {"title": "我的预约", "rows": rows, "now": now, "form": form or BookingActionForm()},
    )


def _for_whom(person: Person, b: Booking) -> str:
    """为谁: "本人", or the family member's name and what they are to the resident."""
    if b.person_id == person.pk:
        return "本人"
    kin = selectors.kin_label(person, b.person)
    return f"{b.person.name}（{kin}）" if kin else b.person.name


@login_required
def my_bookings(request: AuthedHttpRequest) -> HttpResponse:
    return _my_bookings_page(request)


def _my_booking(request: AuthedHttpRequest, pk: int) -> Booking:
    b = selectors.my_bookings(request.user).filter(pk=pk).first()
    if b is None:
        raise Http404("预约不存在")
    return b


@login_required
def booking_action(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    """The resident's cancel (after a confirmation page), reschedule and rating of one booking."""
    b = _my_booking(request, pk)
    if action not in ("cancel", "reschedule", "rate"):
        raise Http404()
    if request.method != "POST":
        if action != "cancel":
            return HttpResponseNotAllowed(["POST"])
        return _cancel_confirm_page(request, b)
    form = BookingActionForm(request.POST)
    if not form.is_valid():
        refused(request, form)
        return _my_bookings_page(request, form)
    d = form.cleaned_data
    if action == "cancel" and not d["confirm"]:  # a cancel is done from the confirmation page only
        return _cancel_confirm_page(request, b)
    try:
        if action == "cancel":
            services.booking_cancel(actor=request.user, booking=b, reason=d["reason"])
            messages.success(request, "已取消预约，名额已释放")
        elif action == "reschedule":
            new = services.booking_reschedule(actor=request.user, booking=b, slot_id=d["slot"] or 0)
            messages.success(request, f"已改约到 {new.slot}")
        else:
            services.booking_rate(actor=request.user, booking=b, stars=d["stars"] or 0, comment=d["comment"])
            messages.success(request, "感谢您的评价")
    except (ValidationError, PermissionDenied) as exc:
        refused(request, form, exc)
        return _my_bookings_page(request, form)
    return redirect("services:my_bookings")


def _cancel_confirm_page(request: AuthedHttpRequest, b: Booking) -> HttpResponse:
    person = me(request)
    return render(
        request,
        "services/cancel_confirm.html",
        {
            "title": "取消预约",
            "b": b,
            "for_whom": _for_whom(person, b),
            "active": b.status in ACTIVE_BOOKING and b.slot.starts_at > timezone.now(),
        },
    )


@login_required
def window_mine(request: AuthedHttpRequest) -> HttpResponse:
    person = me(request)
    form = ApplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid() or form.cleaned_data["item"] is None:
            if form.errors:
                refused(request, form)
            else:
                raise Http404("事项不存在或已停用")
        else:
            d = form.cleaned_data
            try:
                app = services.application_submit(
                    actor=request.user, item=d["item"], person=person, provided=d["materials"], note=d["note"]
                )
            except (ValidationError, PermissionDenied) as exc:
                refused(request, form, exc)
            else:
                messages.success(
                    request, f"已提交：{app.number}。请携带材料原件到社区服务窗口核验，办理进度可在此查看。"
                )
                return redirect("services:window_mine")
    apps = selectors.application_list(request.user).prefetch_related("steps")
    return render(
        request,
        "services/window_mine.html",
        {"title": "办事", "items": ServiceItem.objects.filter(active=True), "apps": apps, "form": form},
    )
