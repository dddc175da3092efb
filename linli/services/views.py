"""Pages of the services module: the resident's phone pages and the staff's desktop pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.models import AuthedHttpRequest
from linli.core.roles import Role
from linli.core.scope import scoped
from linli.regions.models import Region
from linli.registry.models import DERIVED_AGE_TAGS, Organisation, Person, TagKind
from linli.services import selectors, services
from linli.services.engine import matching, schedule
from linli.services.models import (
    ACTIVE_BOOKING,
    ApplicationStatus,
    Booking,
    ExcludedTask,
    FeeKind,
    FundingSource,
    NeedSource,
    NeedStatus,
    OfferedBy,
    Period,
    ResourceKind,
    Service,
    ServiceItem,
    ServiceKind,
    ServiceStatus,
    Slot,
    TaxonomyTerm,
    Urgency,
)


def nav(user: Any, role: str) -> list[tuple[str, str]]:
    if role == Role.RESIDENT:
        return [
            ("services:directory", "预约服务"),
            ("services:my_bookings", "我的预约"),
            ("services:window_mine", "办事"),
        ]
    if role in services.STAFF_ROLES:
        return [
            ("services:manage", "服务清单"),
            ("services:needs", "需求与对接"),
            ("services:window", "一窗受理"),
        ]
    return []


def _errors(request: AuthedHttpRequest, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, ValidationError):
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.error(request, str(exc) or "本账号无权进行此操作")


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not services.is_staff(request.user):
            raise PermissionDenied("本页面供社区工作人员使用")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _me(request: AuthedHttpRequest) -> Person:
    if request.user.role != Role.RESIDENT or request.user.person is None:
        raise PermissionDenied("本页面供已关联居民档案的居民使用")
    return request.user.person


TAG_CHOICES = [(k, label) for k, label, _ in DERIVED_AGE_TAGS] + [(t.value, str(t.label)) for t in TagKind]


# --- resident pages -------------------------------------------------------------------------------------


@login_required
def directory(request: AuthedHttpRequest) -> HttpResponse:
    if services.is_staff(request.user):
        return redirect("services:manage")
    me = _me(request)
    q, category = request.GET.get("q", "").strip(), request.GET.get("category", "")
    show_all = request.GET.get("all") == "1"
    entries = selectors.resident_directory(me, q=q, category=category, show_all=show_all)
    top = TaxonomyTerm.objects.filter(parent__isnull=True)
    return render(
        request,
        "services/directory.html",
        {
            "title": "预约服务",
            "entries": entries,
            "q": q,
            "category": category,
            "terms": top,
            "show_all": show_all,
            "home": selectors.home_point(me),
            "me": me,
        },
    )


SERVICE_ABSENT = "服务不存在或不在本账号的数据范围内"


@login_required
def detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    s = Service.objects.select_related("category", "region", "provider", "facility").filter(pk=pk).first()
    if s is None:
        raise Http404(SERVICE_ABSENT)
    why_not = ""
    if request.user.role == Role.RESIDENT:
        me = _me(request)
        if not me.region.code.startswith(s.region.code):
            raise Http404(SERVICE_ABSENT)
        why_not = services.eligibility(
            s, region_code=me.region.code, groups=services.person_groups(me), age=me.age
        )
    elif not services.is_staff(request.user):
        raise PermissionDenied()
    slots = selectors.open_slots(s)
    days: dict[dt.date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(timezone.localtime(slot.starts_at).date(), []).append(slot)
    return render(
        request,
        "services/detail.html",
        {
            "title": s.name,
            "s": s,
            "why_not": why_not,
            "days": days,
            "hours": schedule.describe(s.weekly_hours),
            "groups": [services.tag_label(t) for t in s.eligible_tags or []],
        },
    )


@login_required
@require_POST
def book(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    me = _me(request)
    try:
        slot_id = int(request.POST.get("slot", ""))
    except ValueError:
        messages.error(request, "请选择预约时段")
        return redirect("services:detail", pk=pk)
    try:
        b = services.booking_create(
            actor=request.user, slot_id=slot_id, person=me, note=request.POST.get("note", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
        return redirect("services:detail", pk=pk)
    messages.success(request, f"预约成功：{b.service.name}，{b.slot}。请按时到场，如不能前往请提前取消。")
    return redirect("services:my_bookings")


@login_required
def my_bookings(request: AuthedHttpRequest) -> HttpResponse:
    _me(request)
    rows = list(selectors.my_bookings(request.user).order_by("-slot__starts_at")[:50])
    now = timezone.now()
    for b in rows:
        can_change = b.status in ACTIVE_BOOKING and b.slot.starts_at > now
        b.can_change = can_change  # type: ignore[attr-defined]
        others = [s for s in selectors.open_slots(b.service) if s.pk != b.slot_id and s.left > 0][:12]
        b.others = others if can_change else []  # type: ignore[attr-defined]
    return render(
        request,
        "services/my_bookings.html",
        {"title": "我的预约", "rows": rows, "now": now},
    )


def _my_booking(request: AuthedHttpRequest, pk: int) -> Booking:
    b = selectors.my_bookings(request.user).filter(pk=pk).first()
    if b is None:
        raise Http404("预约不存在")
    return b


@login_required
@require_POST
def booking_action(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    b = _my_booking(request, pk)
    try:
        if action == "cancel":
            services.booking_cancel(actor=request.user, booking=b, reason=request.POST.get("reason", ""))
            messages.success(request, "已取消预约，名额已释放")
        elif action == "reschedule":
            new = services.booking_reschedule(
                actor=request.user, booking=b, slot_id=int(request.POST.get("slot") or 0)
            )
            messages.success(request, f"已改约到 {new.slot}")
        elif action == "rate":
            services.booking_rate(
                actor=request.user,
                booking=b,
                stars=int(request.POST.get("stars") or 0),
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, "感谢您的评价")
        else:
            raise Http404()
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    except ValueError:
        messages.error(request, "请选择新的时段或评价星级")
    return redirect("services:my_bookings")


@login_required
def window_mine(request: AuthedHttpRequest) -> HttpResponse:
    me = _me(request)
    if request.method == "POST":
        item_id = request.POST.get("item", "")
        item = ServiceItem.objects.filter(pk=int(item_id), active=True).first() if item_id.isdigit() else None
        if item is None:
            raise Http404("事项不存在或已停用")
        try:
            app = services.application_submit(
                actor=request.user,
                item=item,
                person=me,
                provided=request.POST.getlist("materials"),
                note=request.POST.get("note", ""),
            )
            messages.success(
                request, f"已提交：{app.number}。请携带材料原件到社区服务窗口核验，办理进度可在此查看。"
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("services:window_mine")
    apps = selectors.application_list(request.user).prefetch_related("steps")
    return render(
        request,
        "services/window_mine.html",
        {"title": "办事", "items": ServiceItem.objects.filter(active=True), "apps": apps},
    )


# --- staff: directory -----------------------------------------------------------------------------------


@staff_only
def manage(request: AuthedHttpRequest) -> HttpResponse:
    g = request.GET
    qs = selectors.service_list(
        request.user,
        q=g.get("q", "").strip(),
        category=g.get("category", ""),
        kind=g.get("kind", ""),
        status=g.get("status", ""),
    )
    page = Paginator(qs, 30).get_page(g.get("page"))
    return render(
        request,
        "services/manage.html",
        {
            "title": "服务清单",
            "page": page,
            "g": g,
            "terms": TaxonomyTerm.objects.all(),
            "kinds": ServiceKind.choices,
            "statuses": ServiceStatus.choices,
            "total": qs.count(),
            "tab": "services",
        },
    )


def _parse_hours(post: Any) -> dict[str, list[list[str]]]:
    weekly: dict[str, list[list[str]]] = {}
    for d in range(1, 8):
        text = (
            (post.get(f"hours_{d}") or "")
            .replace("，", ",")
            .replace("－", "-")
            .replace("—", "-")
            .replace("–", "-")
        )
        intervals = []
        for part in [p.strip() for p in text.split(",") if p.strip()]:
            if "-" not in part:
                raise ValidationError(
                    {"weekly_hours": f"周{schedule.WEEKDAYS[d - 1]}的“{part}”应写成 08:30-11:30"}
                )
            a, b = part.split("-", 1)
            intervals.append([a.strip(), b.strip()])
        if intervals:
            weekly[str(d)] = intervals
    return weekly


def _opt_int(value: str, field: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ValidationError({field: "应为整数"}) from exc


def _organisation(request: AuthedHttpRequest, value: str, field: str) -> Organisation | None:
    """The organisation chosen in ``field`` (None when none is): absent and out of scope read alike."""
    pk = _opt_int(value, field)
    if pk is None:
        return None
    org = scoped(Organisation.objects.all(), request.user).filter(pk=pk).first()
    if org is None:
        raise ValidationError({field: f"单位 {pk} {selectors.ABSENT}"})
    return org


def _opt_float(value: str, field: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise ValidationError({field: "应为数字"}) from exc


@staff_only
def service_edit(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    obj = None
    if pk is not None:
        obj = scoped(Service.objects.all(), request.user).filter(pk=pk).first()
        if obj is None:
            raise Http404(SERVICE_ABSENT)
    orgs = scoped(Organisation.objects.filter(active=True), request.user).order_by("name")[:300]
    regions = scoped(Region.objects.current().filter(level__lte=5), request.user).order_by("code")[:300]
    if request.method == "POST":
        p = request.POST
        try:
            region = scoped(Region.objects.current(), request.user).filter(code=p.get("region", "")).first()
            category = TaxonomyTerm.objects.filter(code=p.get("category", "")).first()
            if category is None:
                raise ValidationError({"category": "请选择服务分类"})
            provider = _organisation(request, p.get("provider", ""), "provider")
            fee = p.get("fee_amount", "").strip()
            try:
                fee_amount = Decimal(fee) if fee else None
            except InvalidOperation as exc:
                raise ValidationError({"fee_amount": "收费金额应为数字"}) from exc
            s = services.service_save(
                actor=request.user,
                service=obj,
                name=p.get("name", "").strip(),
                description=p.get("description", "").strip(),
                kind=p.get("kind", ""),
                category=category,
                provider=provider,
                region=region,
                address=p.get("address", "").strip(),
                lat=_opt_float(p.get("lat", ""), "lat"),
                lon=_opt_float(p.get("lon", ""), "lon"),
                weekly_hours=_parse_hours(p),
                slot_minutes=_opt_int(p.get("slot_minutes", ""), "slot_minutes") or 60,
                capacity=_opt_int(p.get("capacity", ""), "capacity") or 1,
                bookable=p.get("bookable") == "1",
                eligible_tags=p.getlist("eligible_tags"),
                min_age=_opt_int(p.get("min_age", ""), "min_age"),
                max_age=_opt_int(p.get("max_age", ""), "max_age"),
                fee_kind=p.get("fee_kind", FeeKind.FREE),
                fee_amount=fee_amount,
                fee_note=p.get("fee_note", "").strip(),
                contact_name=p.get("contact_name", "").strip(),
                contact_phone=p.get("contact_phone", "").strip(),
                status=p.get("status", ServiceStatus.ACTIVE),
            )
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        else:
            messages.success(request, f"已保存“{s.name}”")
            return redirect("services:service_admin", pk=s.pk)
    hours = {d: "" for d in range(1, 8)}
    if obj is not None:
        for d, intervals in (obj.weekly_hours or {}).items():
            hours[int(d)] = ", ".join(f"{a}-{b}" for a, b in intervals)
    if request.method == "POST":
        hours = {d: request.POST.get(f"hours_{d}", "") for d in range(1, 8)}
    return render(
        request,
        "services/service_form.html",
        {
            "title": "编辑服务" if obj else "新增服务",
            "obj": obj,
            "orgs": orgs,
            "regions": regions,
            "terms": TaxonomyTerm.objects.all(),
            "kinds": ServiceKind.choices,
            "fees": FeeKind.choices,
            "statuses": ServiceStatus.choices,
            "tags": TAG_CHOICES,
            "hours": [(d, schedule.WEEKDAYS[d - 1], hours[d]) for d in range(1, 8)],
            "p": request.POST if request.method == "POST" else None,
            "tab": "services",
        },
    )


@staff_only
def service_admin(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    s = (
        scoped(Service.objects.select_related("category", "region", "provider", "facility"), request.user)
        .filter(pk=pk)
        .first()
    )
    if s is None:
        raise Http404(SERVICE_ABSENT)
    if request.method == "POST" and request.POST.get("action") == "slots":
        try:
            n = services.slots_generate(
                service=s,
                start=timezone.localdate(),
                days=_opt_int(request.POST.get("days", ""), "days") or 14,
                actor=request.user,
            )
            messages.success(request, f"已生成 {n} 个新时段")
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("services:service_admin", pk=pk)
    now = timezone.now()
    slots = list(
        Slot.objects.filter(
            service=s, starts_at__gte=now - dt.timedelta(days=7), starts_at__lte=now + dt.timedelta(days=14)
        ).order_by("starts_at")
    )
    bookings = selectors.booking_list(request.user, service=s).filter(slot__in=slots)
    by_slot: dict[int, list[Booking]] = {}
    for b in bookings:
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
            "hours": schedule.describe(s.weekly_hours) if s.weekly_hours else "未设开放时间",
            "groups": [services.tag_label(t) for t in s.eligible_tags or []],
            "now": now,
            "tab": "services",
        },
    )


@staff_only
@require_POST
def staff_booking(request: AuthedHttpRequest, pk: int, action: str) -> HttpResponse:
    b = selectors.booking_list(request.user).filter(pk=pk).first()
    if b is None:
        raise Http404("预约不存在或不在本账号的数据范围内")
    try:
        if action == "confirm":
            services.booking_confirm(actor=request.user, booking=b)
            messages.success(request, f"已确认 {b.person.name} 的预约")
        elif action in ("serve", "no_show"):
            services.booking_serve(
                actor=request.user,
                booking=b,
                record=request.POST.get("record", ""),
                attended=action == "serve",
            )
            messages.success(request, f"已登记 {b.person.name} 的服务情况")
        elif action == "cancel":
            services.booking_cancel(actor=request.user, booking=b, reason="工作人员取消")
            messages.success(request, "已取消")
        else:
            raise Http404()
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return redirect("services:service_admin", pk=b.service_id)


# --- staff: needs, resources, projects, matching ---------------------------------------------------------


@staff_only
def needs(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        p = request.POST
        try:
            category = TaxonomyTerm.objects.filter(code=p.get("category", "")).first()
            if category is None:
                raise ValidationError({"category": "请选择需求类别"})
            person = selectors.person_find(request.user, p.get("person", ""))
            region = (
                None
                if person
                else scoped(Region.objects.current(), request.user).filter(code=p.get("region", "")).first()
            )
            services.need_create(
                actor=request.user,
                person=person,
                region=region,
                category=category,
                description=p.get("description", ""),
                source=p.get("source", NeedSource.STAFF),
                urgency=p.get("urgency", Urgency.LOW),
                preferred_days=[int(d) for d in p.getlist("days") if d.isdigit()],
                preferred_period=p.get("period", Period.ANY),
            )
            messages.success(request, "已登记需求")
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("services:needs")
    g = request.GET
    qs = selectors.need_list(request.user, status=g.get("status", ""), category=g.get("category", ""))
    page = Paginator(qs, 30).get_page(g.get("page"))
    return render(
        request,
        "services/needs.html",
        {
            "title": "居民需求清单",
            "page": page,
            "g": g,
            "summary": selectors.need_summary(request.user, status=g.get("status", "")),
            "terms": TaxonomyTerm.objects.all(),
            "statuses": NeedStatus.choices,
            "sources": NeedSource.choices,
            "urgencies": Urgency.choices,
            "periods": Period.choices,
            "weekdays": list(enumerate(schedule.WEEKDAYS, 1)),
            "regions": scoped(Region.objects.current().filter(level__gte=4), request.user).order_by("code")[
                :200
            ],
            "tab": "needs",
        },
    )


@staff_only
def resources(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        p = request.POST
        try:
            region = scoped(Region.objects.current(), request.user).filter(code=p.get("region", "")).first()
            services.resource_create(
                actor=request.user,
                name=p.get("name", "").strip(),
                kind=p.get("kind", ""),
                offered_by=p.get("offered_by", ""),
                provider_name=p.get("provider_name", "").strip(),
                region=region,
                category=TaxonomyTerm.objects.filter(code=p.get("category", "")).first(),
                description=p.get("description", "").strip(),
                conditions=p.get("conditions", "").strip(),
                capacity=_opt_int(p.get("capacity", ""), "capacity") or 1,
                weekly_hours=_parse_hours(p),
            )
            messages.success(request, "已登记资源")
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("services:resources")
    qs = selectors.resource_list(request.user, kind=request.GET.get("kind", ""))
    return render(
        request,
        "services/resources.html",
        {
            "title": "社区资源清单",
            "page": Paginator(qs, 30).get_page(request.GET.get("page")),
            "kinds": ResourceKind.choices,
            "offered": OfferedBy.choices,
            "terms": TaxonomyTerm.objects.all(),
            "g": request.GET,
            "regions": scoped(
                Region.objects.current().filter(level__gte=4, level__lte=5), request.user
            ).order_by("code")[:200],
            "weekdays": list(enumerate(schedule.WEEKDAYS, 1)),
            "tab": "resources",
        },
    )


@staff_only
def projects(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("action") == "advance":
                project_id = _opt_int(p.get("project", ""), "project") or 0
                project = selectors.project_list(request.user).filter(pk=project_id).first()
                if project is None:
                    raise Http404()
                services.project_advance(
                    actor=request.user,
                    project=project,
                    note=p.get("note", ""),
                    score=_opt_int(p.get("score", ""), "score"),
                )
                messages.success(request, f"“{project.name}”进入{project.get_stage_display()}阶段")
            else:
                region = (
                    scoped(Region.objects.current(), request.user).filter(code=p.get("region", "")).first()
                )
                budget = p.get("budget", "0").strip() or "0"
                try:
                    budget_d = Decimal(budget)
                except InvalidOperation as exc:
                    raise ValidationError({"budget": "预算应为数字"}) from exc
                need_ids = [int(x) for x in p.getlist("needs") if x.isdigit()]
                services.project_create(
                    actor=request.user,
                    name=p.get("name", "").strip(),
                    description=p.get("description", "").strip(),
                    region=region,
                    category=TaxonomyTerm.objects.filter(code=p.get("category", "")).first(),
                    funding_source=p.get("funding_source", ""),
                    budget=budget_d,
                    implementer=_organisation(request, p.get("implementer", ""), "implementer"),
                    outputs=p.get("outputs", "").strip(),
                    needs=selectors.need_list(request.user).filter(pk__in=need_ids),
                )
                messages.success(request, "已立项")
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("services:projects")
    return render(
        request,
        "services/projects.html",
        {
            "title": "服务项目清单",
            "rows": selectors.project_list(request.user)[:100],
            "fundings": FundingSource.choices,
            "terms": TaxonomyTerm.objects.all(),
            "orgs": scoped(Organisation.objects.filter(active=True), request.user).order_by("name")[:300],
            "regions": scoped(
                Region.objects.current().filter(level__gte=3, level__lte=5), request.user
            ).order_by("code")[:200],
            "open_needs": selectors.need_list(request.user, status=NeedStatus.OPEN)[:50],
            "tab": "projects",
        },
    )


@staff_only
def matching_page(request: AuthedHttpRequest) -> HttpResponse:
    batch_needs = list(
        selectors.need_list(request.user, status=NeedStatus.OPEN, category=request.GET.get("category", ""))
        .select_related("person__household__building", "person__region")
        .annotate(rank=Case(When(urgency="high", then=0), When(urgency="normal", then=1), default=2))
        .order_by("rank", "created_at")[:40]
    )
    batch = selectors.match_batch(request.user, batch_needs)
    na, pa = batch.arrays
    result = (
        matching.assign_optimal(batch.scores, na.urgency, pa.capacity)
        if batch_needs and batch.providers
        else None
    )
    greedy = matching.assign_greedy(batch.scores, na.urgency, pa.capacity) if result else None
    chosen = dict(result.pairs) if result else {}
    rows = []
    for i, need in enumerate(batch_needs):
        suggestions = []
        for j, score in matching.rank(na, pa, i, k=3) if batch.providers else []:
            suggestions.append(
                {
                    "provider": batch.providers[j],
                    "key": pa.ids[j],
                    "score": round(score, 1),
                    "parts": matching.explain(na, pa, i, j),
                    "chosen": chosen.get(i) == j,
                    "is_service": isinstance(batch.providers[j], Service),
                }
            )
        assigned = chosen.get(i)
        if assigned is not None and not any(s["chosen"] for s in suggestions):
            j = assigned
            suggestions.append(
                {
                    "provider": batch.providers[j],
                    "key": pa.ids[j],
                    "score": round(float(batch.scores[i, j]), 1),
                    "parts": matching.explain(na, pa, i, j),
                    "chosen": True,
                    "is_service": isinstance(batch.providers[j], Service),
                }
            )
        rows.append({"need": need, "suggestions": suggestions})
    return render(
        request,
        "services/matching.html",
        {
            "title": "需求对接",
            "rows": rows,
            "result": result,
            "greedy": greedy,
            "terms": TaxonomyTerm.objects.all(),
            "g": request.GET,
            "tab": "matching",
        },
    )


@staff_only
@require_POST
def match_confirm(request: AuthedHttpRequest) -> HttpResponse:
    """Confirm one suggestion (``pair`` = "<need>:<s|r><id>") or every checked one of the batch."""
    done, failed = 0, 0
    for pair in request.POST.getlist("pair"):
        need_id, _, key = pair.partition(":")
        need = selectors.need_list(request.user).filter(pk=int(need_id) if need_id.isdigit() else 0).first()
        if need is None or len(key) < 2 or not key[1:].isdigit():
            failed += 1
            continue
        try:
            if key[0] == "s":
                service = Service.objects.filter(pk=int(key[1:])).first()
                services.match_confirm(actor=request.user, need=need, service=service, note="按匹配建议对接")
            else:
                resource = selectors.resource_list(request.user).filter(pk=int(key[1:])).first()
                if resource is None:
                    raise ValidationError({"target": "资源不存在"})
                services.match_confirm(
                    actor=request.user, need=need, resource=resource, note="按匹配建议对接"
                )
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            failed += 1
            _errors(request, exc)
    if done:
        messages.success(request, f"已确认对接 {done} 项需求" + (f"，{failed} 项未能对接" if failed else ""))
    return redirect("services:matching")


# --- staff: one window ----------------------------------------------------------------------------------


@staff_only
def window(request: AuthedHttpRequest) -> HttpResponse:
    p = request.POST
    if request.method == "POST" and p.get("action") == "check":
        text = p.get("task", "").strip()
        try:
            services.check_not_excluded(text, field="task")
            messages.success(request, f"“{text}”不在社区工作负面清单内")
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("services:window")
    if request.method == "POST" and p.get("action") == "intake":
        try:
            person = selectors.person_find(request.user, p.get("person", ""))
            item = ServiceItem.objects.filter(
                pk=_opt_int(p.get("item", ""), "item") or 0, active=True
            ).first()
            if item is None:
                raise ValidationError({"item": "请选择事项"})
            app = services.application_submit(
                actor=request.user,
                item=item,
                person=person,
                provided=p.getlist("materials"),
                note=p.get("note", ""),
            )
            messages.success(request, f"已登记办件 {app.number}")
            return redirect("services:application", pk=app.pk)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("services:window")
    status = request.GET.get("status", "")
    apps = selectors.application_list(request.user, status=status)
    return render(
        request,
        "services/window.html",
        {
            "title": "一窗受理",
            "apps": Paginator(apps, 30).get_page(request.GET.get("page")),
            "items": ServiceItem.objects.filter(active=True),
            "excluded": ExcludedTask.objects.all(),
            "statuses": ApplicationStatus.choices,
            "status": status,
            "tab": "window",
        },
    )


@staff_only
def application(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_list(request.user).filter(pk=pk).prefetch_related("steps").first()
    if app is None:
        raise Http404("办件不存在或不在本账号的数据范围内")
    if request.method == "POST":
        try:
            app = services.application_act(
                actor=request.user,
                application=app,
                action=request.POST.get("action", ""),
                note=request.POST.get("note", ""),
                provided=request.POST.getlist("materials") if request.POST.get("with_materials") else None,
            )
            messages.success(request, f"办件 {app.number}：{app.get_status_display()}")
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
        return redirect("services:application", pk=pk)
    return render(
        request,
        "services/application.html",
        {
            "title": f"办件 {app.number}",
            "app": app,
            "materials": [(m, app.materials.get(m, False)) for m in app.item.materials],
            "tab": "window",
        },
    )
