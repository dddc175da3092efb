"""Pages of 诉求办理: the resident's phone pages, one-window intake, queues, the request page, map, measures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_POST

from linli.cases import selectors, services
from linli.cases.actions import perform
from linli.cases.engine import workflow as wf
from linli.cases.forms import PublicTextForm
from linli.cases.models import Case, Category, Channel, Kind, Notification
from linli.core.models import AuthedHttpRequest
from linli.core.roles import Role
from linli.regions.models import Level, Region
from linli.registry.models import Organisation, OrganisationKind

STAFF = {
    Role.COMMUNITY_WORKER,
    Role.STREET_COORDINATOR,
    Role.DISTRICT_ADMIN,
    Role.SYSTEM_ADMIN,
    Role.GRID_WORKER,
}
INTAKE = {
    Role.COMMUNITY_WORKER,
    Role.STREET_COORDINATOR,
    Role.DISTRICT_ADMIN,
    Role.SYSTEM_ADMIN,
    Role.GRID_WORKER,
}


def nav_section(user: Any, role: str) -> list[tuple[str, str]]:
    if role == Role.RESIDENT:
        return [("cases:report", "我要反映"), ("cases:mine", "我的诉求")]
    if role == Role.DEPARTMENT_HANDLER:
        return [("cases:queue", "诉求办理"), ("cases:measures", "诉求统计")]
    if role in STAFF:
        return [("cases:queue", "诉求办理"), ("cases:intake", "来电来访登记"), ("cases:measures", "诉求统计")]
    return []


def _role(user: Any) -> str:
    return Role.SYSTEM_ADMIN if user.is_superuser else str(user.role)


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def _categories() -> list[tuple[str, list[Category]]]:
    groups: dict[str, list[Category]] = {}
    for c in Category.objects.filter(active=True).select_related("time_limit").order_by("subject", "kind"):
        groups.setdefault(c.subject, []).append(c)
    return list(groups.items())


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _map_center(user: Any) -> tuple[float, float]:
    """The centre of the account's region (or of the first place inside it that has one)."""
    qs = Region.objects.current().filter(centroid_lat__isnull=False)
    code = user.region_code
    if code:
        inside = qs.filter(code__gte=code, code__lt=code + ";").order_by("level", "code").first()
        if inside is not None:
            return inside.centroid_lat or 25.05, inside.centroid_lon or 118.67
        above = (
            qs.filter(code__in=[code[:n] for n in (2, 4, 6, 9) if n < len(code)]).order_by("-level").first()
        )
        if above is not None:
            return above.centroid_lat or 25.05, above.centroid_lon or 118.67
    first = qs.order_by("level", "code").first()
    return (first.centroid_lat or 25.05, first.centroid_lon or 118.67) if first else (25.05, 118.67)


def _areas(user: Any) -> dict[str, Any] | None:
    """Grid (or community) outlines around the account's place, for the map pick."""
    code = user.region_code[:12] if user.region_code else ""
    qs = Region.objects.current().filter(code__gte=code, code__lt=code + ";", boundary__isnull=False)
    fine = len(code) >= 12 and qs.filter(level=Level.GRID).exists()
    level = Level.GRID if fine or not qs.filter(level=Level.COMMUNITY).exists() else Level.COMMUNITY
    feats = [
        {"type": "Feature", "geometry": b.get("geometry", b), "properties": {"name": n}}
        for n, b in qs.filter(level=level).values_list("name", "boundary")[:300]
        if isinstance(b, dict)
    ]
    return {"type": "FeatureCollection", "features": feats} if feats else None


def _intake(request: AuthedHttpRequest, *, channel: str, template: str, title: str) -> HttpResponse:
    user = request.user
    ctx: dict[str, Any] = {
        "title": title,
        "groups": _categories(),
        "center": _map_center(user),
        "areas_json": _areas(user),
        "data": request.POST
        if request.method == "POST"
        else ({"channel": Channel.PATROL} if _role(user) == Role.GRID_WORKER else {}),
        "channels": [(c, Channel(c).label) for c in (Channel.HOTLINE, Channel.WALK_IN, Channel.PATROL)],
    }
    if request.method == "POST":
        p = request.POST
        try:
            case = services.case_create(
                by=user,
                category=p.get("category", ""),
                description=p.get("description", ""),
                channel=p.get("channel", channel) if channel != Channel.APP else Channel.APP,
                lat=_float(p.get("lat")),
                lon=_float(p.get("lon")),
                address=p.get("address", ""),
                reporter_name=p.get("reporter_name", ""),
                reporter_phone=p.get("reporter_phone", ""),
                anonymous=p.get("anonymous") == "on",
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            ctx["errors"] = _errors(exc)
            return render(request, template, ctx, status=422)
        except PermissionDenied as exc:
            ctx["errors"] = {"__all__": [str(exc)]}
            return render(request, template, ctx, status=403)
        messages.success(
            request,
            f"已登记诉求 {case.number}，办结期限 {timezone.localtime(case.resolve_due):%Y-%m-%d %H:%M}",
        )
        return redirect("cases:detail", case.number)
    return render(request, template, ctx)


@login_required
def report(request: AuthedHttpRequest) -> HttpResponse:
    """我要反映: the resident's phone page."""
    return _intake(request, channel=Channel.APP, template="cases/report.html", title="我要反映")


@login_required
def intake(request: AuthedHttpRequest) -> HttpResponse:
    """一窗受理: staff register a hotline, walk-in or patrol request."""
    if _role(request.user) not in INTAKE:
        raise PermissionDenied("只有工作人员可以使用一窗受理")
    return _intake(request, channel=Channel.HOTLINE, template="cases/intake.html", title="一窗受理")


@login_required
def mine(request: AuthedHttpRequest) -> HttpResponse:
    rows = selectors.with_related(selectors.visible_cases(request.user).filter(reporter=request.user))
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "cases/mine.html", {"title": "我的诉求", "rows": rows[:100], "unread": unread})


@login_required
def queue(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    name = request.GET.get("queue") or ("todo" if _role(user) != Role.SYSTEM_ADMIN else "open")
    if name not in selectors.QUEUES:
        name = "todo"
    params = {
        k: request.GET.get(k, "")
        for k in ("status", "category", "kind", "channel", "region", "q", "start", "end")
    }
    qs = selectors.with_related(selectors.filter_cases(selectors.queue(user, name), params)).order_by(
        "resolve_due" if name in ("todo", "open", "overdue") else "-received_at", "-id"
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return render(
        request,
        "cases/queue.html",
        {
            "title": "诉求办理",
            "page": page,
            "queues": selectors.QUEUES.items(),
            "queue": name,
            "params": params,
            "statuses": wf.STATE_LABELS.items(),
            "kinds": Kind.choices,
            "channels": Channel.choices,
            "groups": _categories(),
            "now": timezone.now(),
            "unread": unread,
        },
    )


def _case_for(request: AuthedHttpRequest, number: str) -> Case:
    found = (
        (
            selectors.with_related(selectors.visible_cases(request.user)).select_related(
                "category__time_limit", "owner_region", "merged_into", "region__parent"
            )
        )
        .filter(number=number)
        .first()
    )
    if found is None:
        raise Http404("该诉求不存在，或不在本账号的查看范围内")
    return found


@login_required
def detail(request: AuthedHttpRequest, number: str) -> HttpResponse:
    case = _case_for(request, number)
    return _detail(request, case)


def _detail(
    request: AuthedHttpRequest,
    case: Case,
    *,
    errors: dict[str, list[str]] | None = None,
    data: Any = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    roles = services.actor_roles(user, case)
    actions = [a.name for a in wf.allowed_actions(case.status, roles)]
    if "approve_extension" in actions and not case.extension_requested:
        actions.remove("approve_extension")
    if "request_extension" in actions and case.extension_requested:
        actions.remove("request_extension")
    if "summon" in actions and case.coordinator.level > Level.STREET:
        actions.remove("summon")
    if "reopen" in actions and case.reopen_count >= wf.MAX_REOPENS:
        actions.remove("reopen")
    acting = bool(roles & {wf.DISPATCHER, wf.HANDLER})
    staff = acting or _role(user) in STAFF | {Role.DEPARTMENT_HANDLER}
    events = case.events.all() if staff else case.events.filter(public=True, action__in=wf.PUBLIC_ACTIONS)
    merged_into_visible = (
        case.merged_into_id is not None
        and selectors.visible_cases(user).filter(pk=case.merged_into_id).exists()
    )
    ctx: dict[str, Any] = {
        "title": f"诉求 {case.number}",
        "case": case,
        "events": events.select_related(None),
        "actions": [(a, wf.ACTIONS[a].label) for a in actions],
        "staff": staff,
        "reporter_role": wf.REPORTER in roles,
        "errors": errors or {},
        "data": data or {},
        "photos": case.photos.only("pk", "case_id"),
        "summoned": case.summoned.all(),
        "merged": selectors.merged_visible(user, case),
        "merged_into_visible": merged_into_visible,
        "ratings": wf.RATING_LABELS.items(),
        "can_reveal_name": services.can_reveal(user, case, "reporter_name"),
        "can_reveal_phone": services.can_reveal(user, case, "reporter_phone"),
        "can_edit_public": acting,
    }
    if staff and {"dispatch", "reassign", "summon"} & set(actions):
        ctx["units"] = _unit_choices(case)
        ctx["departments"] = Organisation.objects.filter(
            kind=OrganisationKind.DEPARTMENT, active=True, region__code__in=case.region.ancestors_codes()
        ).order_by("name")
        suggestion = services.routing_suggest(case.description, case)
        ctx["suggestion"] = suggestion
    if staff and "merge" in actions:
        ctx["duplicates"] = selectors.duplicates_of(case, user)
    return render(request, "cases/detail.html", ctx, status=status)


def _unit_choices(case: Case) -> list[Region]:
    codes = [
        c for c in case.region.ancestors_codes() if len(c) >= 9 and c.startswith(case.coordinator.code[:6])
    ] + [case.region.code]
    return list(Region.objects.current().filter(code__in=codes).order_by("-level"))


@login_required
@require_POST
def act(request: AuthedHttpRequest, number: str) -> HttpResponse:
    case = _case_for(request, number)
    p = request.POST
    data = {
        "action": p.get("action", ""),
        "version": p.get("version") or case.version,
        "note": p.get("note", ""),
        "rating": p.get("rating", ""),
        "resolved": p.get("resolved", "1") == "1",
        "days": p.get("days") or 0,
        "into": p.get("into", ""),
        "orgs": [int(x) for x in p.getlist("orgs") if x.isdigit()],
    }
    unit = p.get("unit", "")
    if unit.startswith("org:"):
        data["unit_org"] = int(unit[4:])
    elif unit.startswith("region:"):
        data["unit_region"] = unit[7:]
    try:
        perform(case, request.user, data)
    except services.Conflict as exc:
        fresh = _case_for(request, number)
        return _detail(request, fresh, errors={"__all__": [str(exc)]}, data=p, status=409)
    except ValidationError as exc:
        return _detail(request, case, errors=_errors(exc), data=p, status=422)
    label = wf.ACTIONS[data["action"]].label if data["action"] in wf.ACTIONS else "操作"
    messages.success(request, f"已{label}")
    if not selectors.visible_cases(request.user).filter(number=number).exists():
        return redirect("cases:queue")  # e.g. a department that returned it no longer holds it
    return redirect("cases:detail", number)


@login_required
@require_POST
def reveal(request: AuthedHttpRequest, number: str, field: str) -> HttpResponse:
    case = _case_for(request, number)
    try:
        value = services.reporter_reveal(
            case=case, by=request.user, field=field, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        return HttpResponse(
            f'<span class="errorlist">{escape(" ".join(m for ms in _errors(exc).values() for m in ms))}</span>',
            status=422,
        )
    return HttpResponse(
        f'<b class="revealed">{escape(value)}</b> <span class="muted">（已记入审计日志）</span>'
    )


@login_required
@require_POST
def public_text(request: AuthedHttpRequest, number: str) -> HttpResponse:
    """修改公开内容 (staff acting on the request): what the public feed shows instead of the typed text."""
    case = _case_for(request, number)
    form = PublicTextForm(request.POST)
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        return _detail(request, case, errors=errors, data=request.POST, status=422)
    try:
        services.case_public_text_edit(
            case=case, text=form.cleaned_data["text"], by=request.user, version=form.cleaned_data["version"]
        )
    except services.Conflict as exc:
        fresh = _case_for(request, number)
        return _detail(request, fresh, errors={"__all__": [str(exc)]}, data=request.POST, status=409)
    except ValidationError as exc:
        return _detail(request, case, errors=_errors(exc), data=request.POST, status=422)
    messages.success(request, "已保存公开内容")
    return redirect("cases:detail", number)


PHOTO_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}
PHOTO_MISSING = "该照片不存在，或不在本账号的查看范围内"


@login_required
@require_GET
def photo(request: AuthedHttpRequest, number: str, photo_id: int) -> FileResponse:
    """A request's photo, for whoever may see the request (the reporter, staff in scope, the handling
    department). A photo out of scope, missing, or of a type never stored answers the same 404."""
    found = selectors.photo_for(request.user, number, photo_id)
    ext = found.image.name.rsplit(".", 1)[-1].lower() if found is not None and found.image.name else ""
    if found is None or ext not in PHOTO_TYPES:
        raise Http404(PHOTO_MISSING)
    try:
        body = found.image.open("rb")
    except OSError as exc:
        raise Http404(PHOTO_MISSING) from exc
    response = FileResponse(body, content_type=PHOTO_TYPES[ext])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{number}-{found.pk}.{ext}"'
    patch_cache_control(response, private=True, max_age=3600)
    patch_vary_headers(response, ["Cookie"])
    return response


@login_required
def suggest(request: AuthedHttpRequest) -> HttpResponse:
    """htmx: the assistant's suggestions for the text being typed at intake."""
    text = request.GET.get("description", "")
    s = services.routing_suggest(text) if len(text.strip()) >= 4 else None
    return render(request, "cases/_suggest.html", {"s": s})


@login_required
def case_map(request: AuthedHttpRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "") for k in ("status", "kind", "category", "start", "end")}
    points = selectors.heat_points(request.user, params)
    return render(
        request,
        "cases/map.html",
        {
            "title": "诉求分布",
            "points_json": points,
            "areas_json": _areas(request.user),
            "count": len(points),
            "center": _map_center(request.user),
            "params": params,
            "kinds": Kind.choices,
            "statuses": wf.STATE_LABELS.items(),
        },
    )


@login_required
def measures(request: AuthedHttpRequest) -> HttpResponse:
    group = request.GET.get("group") or "unit"
    if group not in selectors.GROUPS:
        group = "unit"
    today = timezone.localdate()
    try:
        start = (
            dt.date.fromisoformat(request.GET["start"])
            if request.GET.get("start")
            else today - dt.timedelta(days=365)
        )
        end = dt.date.fromisoformat(request.GET["end"]) if request.GET.get("end") else today
    except ValueError:
        start, end = today - dt.timedelta(days=365), today
        messages.error(request, "日期格式应为 YYYY-MM-DD，已改用近一年")
    rows = selectors.measures(request.user, group, start=start, end=end)
    total = selectors.measures_total(rows)
    chart = {
        "labels": [r.label for r in rows[:20]],
        "series": {
            "响应率": [r.response_rate for r in rows[:20]],
            "按期办结率": [r.on_time_rate for r in rows[:20]],
            "解决率": [r.resolution_rate for r in rows[:20]],
            "满意率": [r.satisfaction_rate for r in rows[:20]],
        },
    }
    return render(
        request,
        "cases/measures.html",
        {
            "title": "诉求统计",
            "rows": rows,
            "total": total,
            "group": group,
            "groups": [(k, v[1]) for k, v in selectors.GROUPS.items()],
            "start": start,
            "end": end,
            "chart_json": chart,
            "definitions": selectors.MEASURE_DEFINITIONS.items(),
        },
    )


@login_required
def notifications(request: AuthedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_read(user=request.user)
        return redirect("cases:notifications")
    rows = Notification.objects.filter(user=request.user).select_related("case")[:100]
    return render(request, "cases/notifications.html", {"title": "通知", "rows": rows})


@login_required
def points(request: AuthedHttpRequest) -> JsonResponse:
    return JsonResponse({"points": selectors.heat_points(request.user, {})})
