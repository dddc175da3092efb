"""Pages of 诉求办理: the resident's phone pages, one-window intake, queues, the request page, map, measures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_POST

from linli.cases import resident, selectors, services
from linli.cases.engine import workflow as wf
from linli.cases.forms import (
    CaseActionForm,
    CaseFilterForm,
    CaseIntakeForm,
    MeasureFilterForm,
    PublicTextForm,
    RevealForm,
    SuggestForm,
)
from linli.cases.models import Case, Category, Channel, Kind, Notification
from linli.core.errors import Conflict
from linli.core.forms import add_service_error
from linli.core.models import AuthedHttpRequest
from linli.core.paging import CountedPaginator, bounded_count
from linli.core.roles import Role, effective_role, require_role

# Staff who use the one-window intake and see the whole history of a request.
STAFF = frozenset(
    {
        Role.COMMUNITY_WORKER,
        Role.STREET_COORDINATOR,
        Role.DISTRICT_ADMIN,
        Role.SYSTEM_ADMIN,
        Role.GRID_WORKER,
    }
)


class BadgedLabel(str):
    """A menu label with a count beside it (base.html shows ``label.badge`` when it is not 0)."""

    badge: int = 0

    def __new__(cls, text: str, badge: int) -> BadgedLabel:
        label = super().__new__(cls, text)
        label.badge = badge
        return label


def nav_section(user: Any, role: str) -> list[tuple[str, str]]:
    if role == Role.RESIDENT:  # 消息 with the count of unread notifications: one indexed count per page
        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
        return [
            ("cases:report", "我要反映"),
            ("cases:mine", "我的诉求"),
            ("cases:notifications", BadgedLabel("消息", unread)),
        ]
    if role == Role.DEPARTMENT_HANDLER:
        return [("cases:queue", "诉求办理"), ("cases:measures", "诉求统计")]
    if (
        role == Role.GRID_WORKER
    ):  # he reports what he finds on patrol and follows it; the measures are the units'
        return [("cases:queue", "诉求办理"), ("cases:patrol", "上报事件")]
    if role in STAFF:
        return [("cases:queue", "诉求办理"), ("cases:intake", "来电来访登记"), ("cases:measures", "诉求统计")]
    return []


def _categories() -> list[tuple[str, list[Category]]]:
    groups: dict[str, list[Category]] = {}
    for c in Category.objects.filter(active=True).select_related("time_limit").order_by("subject", "kind"):
        groups.setdefault(c.subject, []).append(c)
    return list(groups.items())


def _intake(
    request: AuthedHttpRequest,
    *,
    channel: str,
    template: str,
    title: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    user = request.user
    ctx: dict[str, Any] = {
        **(extra or {}),
        "title": title,
        "groups": _categories(),
        "center": selectors.map_center(user),
        "areas_json": selectors.map_areas(user),
        "data": request.POST
        if request.method == "POST"
        else ({"channel": Channel.PATROL} if effective_role(user) == Role.GRID_WORKER else {}),
        "channels": [(c, Channel(c).label) for c in (Channel.HOTLINE, Channel.WALK_IN, Channel.PATROL)],
    }
    if request.method != "POST":
        return render(request, template, ctx)
    form = CaseIntakeForm(request.POST, request.FILES)
    ctx["form"] = form
    status = 422
    if form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_create(
                by=user,
                category=d["category"],
                description=d["description"],
                channel=(d["channel"] or channel) if channel != Channel.APP else Channel.APP,
                lat=d["lat"],
                lon=d["lon"],
                address=d["address"],
                building_id=d["building"],
                reporter_name=d["reporter_name"],
                reporter_phone=d["reporter_phone"],
                anonymous=d["anonymous"],
                photos=d["photos"],
                grid=d["grid"] if channel == Channel.PATROL else "",
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        except PermissionDenied as exc:
            add_service_error(form, exc)
            status = 403
        else:
            messages.success(
                request,
                f"已登记诉求 {case.number}，办结期限 {timezone.localtime(case.resolve_due):%Y-%m-%d %H:%M}",
            )
            return redirect("cases:detail", case.number)
    ctx["errors"] = form.errors
    return render(request, template, ctx, status=status)


@login_required
def report(request: AuthedHttpRequest) -> HttpResponse:
    """我要反映: the resident's phone page. The category by topic (a grouped list without scripts), a
    category suggested from the text, the place by the phone's position, an address search or the map."""
    return _intake(
        request,
        channel=Channel.APP,
        template="cases/report.html",
        title="我要反映",
        extra={"topics": resident.topics()},
    )


@login_required
@require_GET
def report_suggest(request: AuthedHttpRequest) -> HttpResponse:
    """htmx: "可能是：…（点此选择）" for the description being typed on 我要反映; never applied by itself."""
    form = SuggestForm(request.GET)
    text = form.cleaned_data.get("description", "") if form.is_valid() else ""
    found = resident.suggest_categories(text)
    return render(request, "cases/_report_suggest.html", {"found": [(c, c.subject) for c in found]})


@login_required
def intake(request: AuthedHttpRequest) -> HttpResponse:
    """一窗受理: staff register a hotline, walk-in or patrol request."""
    require_role(request.user, STAFF, "只有工作人员可以使用一窗受理")
    return _intake(request, channel=Channel.HOTLINE, template="cases/intake.html", title="一窗受理")


@login_required
def patrol(request: AuthedHttpRequest) -> HttpResponse:
    """上报事件: a grid worker reports what he finds on patrol from his phone — his grid filled in, a photo,
    his position from the phone; no map tap is needed."""
    require_role(request.user, STAFF, "只有工作人员可以上报巡查事件")
    grids = selectors.patrol_grids(request.user)
    return _intake(
        request,
        channel=Channel.PATROL,
        template="cases/patrol.html",
        title="上报事件",
        extra={"grids": grids, "default_grid": grids[0].code if grids else ""},
    )


@login_required
def mine(request: AuthedHttpRequest) -> HttpResponse:
    found = selectors.with_related(selectors.visible_cases(request.user).filter(reporter=request.user))
    rows = [(c, resident.plain_status(c)) for c in found[:100]]
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "cases/mine.html", {"title": "我的诉求", "rows": rows, "unread": unread})


@login_required
def queue(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    form = CaseFilterForm(request.GET)
    params = form.filters()
    name = form.cleaned_data.get("queue") or ("todo" if effective_role(user) != Role.SYSTEM_ADMIN else "open")
    qs = selectors.with_related(selectors.filter_cases(selectors.queue(user, name), params)).order_by(
        F("priority_flag").desc(),
        "resolve_due" if name in ("todo", "open", "overdue") else "-received_at",
        "-id",
    )
    n, more = bounded_count(qs.values("pk"))  # a city's year of requests is not counted for a pager
    page = CountedPaginator(qs, 30, count=n, more=more).get_page(form.cleaned_data.get("page"))
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    return render(
        request,
        "cases/queue.html",
        {
            "title": "诉求办理",
            "form": form,
            "page": page,
            "queues": selectors.QUEUES.items(),
            "queue": name,
            "params": params,
            "statuses": wf.STATE_LABELS.items(),
            "kinds": Kind.choices,
            "channels": Channel.choices,
            "groups": _categories(),
            "topics": selectors.topics(),
            "places": selectors.filter_regions(user),
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
    request: AuthedHttpRequest, case: Case, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    """The request page; ``form``: the action or public-text form just refused, with its errors."""
    user = request.user
    roles = selectors.actor_roles(user, case)
    actions = [a.name for a in selectors.case_actions_available(case, user, roles=roles)]
    acting = bool(roles & {wf.DISPATCHER, wf.HANDLER})
    staff = acting or effective_role(user) in STAFF | {Role.DEPARTMENT_HANDLER}
    events = case.events.all() if staff else case.events.none()  # the reporter reads ``steps`` instead
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
        "form": form,
        "errors": form.errors if form is not None else {},
        "data": form.data if form is not None else {},
        "photos": case.photos.only("pk", "case_id"),
        "summoned": case.summoned.all(),
        "merged": selectors.merged_visible(user, case),
        "merged_into_visible": merged_into_visible,
        "ratings": wf.RATING_LABELS.items(),
        "can_reveal_name": selectors.can_reveal(user, case, "reporter_name"),
        "can_reveal_phone": selectors.can_reveal(user, case, "reporter_phone"),
        "can_edit_public": acting,
        "status_label": case.status_label if staff else resident.plain_status(case),
        "steps": [] if staff else resident.timeline(case),
        "contact": None if staff else resident.contact(case),
    }
    if staff and {"dispatch", "reassign", "summon"} & set(actions):
        ctx["units"] = selectors.unit_regions(case)
        ctx["departments"] = selectors.departments(case)
        ctx["suggestion"] = services.routing_suggest(case.description, case)
    if staff and "merge" in actions:
        ctx["duplicates"] = selectors.duplicates_of(case, user)
    return render(request, "cases/detail.html", ctx, status=status)


def _write[F: forms.Form](
    request: AuthedHttpRequest, number: str, form_class: type[F], write: Callable[[Case, F], str]
) -> HttpResponse | None:
    """A write from the request page: ``form_class`` reads the input, ``write(case, form)`` calls the
    service and says what was done. None once done (the caller redirects); else the page again with
    the refusal on the form: 409 (showing the request as it is now) when someone else changed it
    first, 422 otherwise."""
    case = _case_for(request, number)
    form = form_class(request.POST)
    if not form.is_valid():
        return _detail(request, case, form=form, status=422)
    try:
        done = write(case, form)
    except ValidationError as exc:
        add_service_error(form, exc)
        if isinstance(exc, Conflict):
            return _detail(request, _case_for(request, number), form=form, status=409)
        return _detail(request, case, form=form, status=422)
    messages.success(request, done)
    return None


@login_required
@require_POST
def act(request: AuthedHttpRequest, number: str) -> HttpResponse:
    """One workflow action (``services.case_act``)."""

    def write(case: Case, form: CaseActionForm) -> str:
        data = form.action_input(version=case.version)
        services.case_act(case=case, by=request.user, **data)
        return f"已{wf.ACTIONS[data['action']].label}"

    refused = _write(request, number, CaseActionForm, write)
    if refused is not None:
        return refused
    if not selectors.visible_cases(request.user).filter(number=number).exists():
        return redirect("cases:queue")  # e.g. a department that returned it no longer holds it
    return redirect("cases:detail", number)


@login_required
@require_POST
def reveal(request: AuthedHttpRequest, number: str, field: str) -> HttpResponse:
    case = _case_for(request, number)
    form = RevealForm(request.POST)
    form.is_valid()
    try:
        value = services.reporter_reveal(
            case=case, by=request.user, field=field, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as exc:
        add_service_error(form, exc)
        text = " ".join(str(m) for ms in form.errors.values() for m in ms)
        return HttpResponse(f'<span class="errorlist">{escape(text)}</span>', status=422)
    return HttpResponse(
        f'<b class="revealed">{escape(value)}</b> <span class="muted">（已记入审计日志）</span>'
    )


@login_required
@require_POST
def public_text(request: AuthedHttpRequest, number: str) -> HttpResponse:
    """修改公开内容 (staff acting on the request): what the public feed shows instead of the typed text."""

    def write(case: Case, form: PublicTextForm) -> str:
        d = form.cleaned_data
        services.case_public_text_edit(case=case, text=d["text"], by=request.user, version=d["version"])
        return "已保存公开内容"

    return _write(request, number, PublicTextForm, write) or redirect("cases:detail", number)


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
    form = SuggestForm(request.GET)
    text = form.cleaned_data.get("description", "") if form.is_valid() else ""
    s = services.routing_suggest(text) if len(text.strip()) >= 4 else None
    return render(request, "cases/_suggest.html", {"s": s})


@login_required
def case_map(request: AuthedHttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET)
    params = {
        k: v
        for k, v in form.filters().items()
        if k in ("status", "kind", "subject", "category", "region", "start", "end")
    }
    points = selectors.heat_points(request.user, params)
    return render(
        request,
        "cases/map.html",
        {
            "title": "诉求分布",
            "form": form,
            "points_json": points,
            "areas_json": selectors.map_areas(request.user),
            "count": len(points),
            "center": selectors.map_center(request.user),
            "params": params,
            "kinds": Kind.choices,
            "topics": selectors.topics(),
            "places": selectors.filter_regions(request.user),
            "statuses": wf.STATE_LABELS.items(),
        },
    )


@login_required
def measures(request: AuthedHttpRequest) -> HttpResponse:
    form = MeasureFilterForm(request.GET)
    start, end = form.period(timezone.localdate())
    if form.errors:
        messages.error(request, "日期格式应为 YYYY-MM-DD，已改用近12个月")
    group = form.cleaned_data.get("group") or "unit"
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
            "form": form,
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
    """消息: the account's notifications, newest first; opening the page marks them read (the ones new
    on this visit stay marked 新 until the next)."""
    if request.method == "POST":
        services.notifications_read(user=request.user)
        return redirect("cases:notifications")
    rows = list(Notification.objects.filter(user=request.user).select_related("case")[:100])
    fresh = {n.pk for n in rows if n.read_at is None}
    if fresh:
        services.notifications_read(user=request.user, ids=sorted(fresh))
    return render(request, "cases/notifications.html", {"title": "消息", "rows": rows, "fresh": fresh})


@login_required
def points(request: AuthedHttpRequest) -> JsonResponse:
    return JsonResponse({"points": selectors.heat_points(request.user, {})})
