"""Pages of the emergency module: the overview with readiness, peacetime organisation (灾害信息员,
最小应急单元, 预案), warnings (enter, issue, import CAP; a resident's plain page), responses (declare,
step, the one-page timeline with who is not yet reached), the responder's check list (phone), tasks,
shelters (check-in by registry lookup, who is where, nearest by walking), supplies and drills.
Writes go through ``services``; reads through ``selectors``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.forms import add_service_error
from linli.core.models import AuthedHttpRequest
from linli.core.paging import MappedRows
from linli.core.roles import Role, effective_role, require_role
from linli.core.scope import region_in_scope
from linli.emergency import forms as f
from linli.emergency import selectors, services
from linli.emergency.models import (
    LEVELS,
    ActionTask,
    CheckStatus,
    EventStatus,
    Hazard,
    MovementKind,
    ResponseLevel,
    SupplyMovement,
    TaskStatus,
    Warning,
    WarningStatus,
)
from linli.facilities.models import Facility
from linli.regions.models import Level, Region
from linli.registry.models import Building, Household, Staff

STAFF = services.STAFF
KEEPERS = services.KEEPERS
ISSUERS = services.ISSUERS
Errors = (ValidationError, PermissionDenied)
MISSING_SHOWN = 60  # communities named on the overview as lacking a 灾害信息员; the rest are counted
MEMBER_LISTS = {"grid_team": "网格团队", "volunteer": "志愿者", "resident": "本社区居民"}


def nav(user: Any, role: str) -> list[tuple[str, str]]:
    if role == Role.RESIDENT:
        return [("emergency:mine", "预警信息")]
    if role == Role.GRID_WORKER:
        return [
            ("emergency:checks", "应急核查"),
            ("emergency:tasks", "应急任务"),
            ("emergency:shelters", "避难场所"),
        ]
    if role in KEEPERS:
        return [
            ("emergency:index", "应急总览"),
            ("emergency:warnings", "预警"),
            ("emergency:organisation", "应急组织"),
            ("emergency:shelters", "避难场所"),
            ("emergency:supplies", "应急物资"),
            ("emergency:drills", "应急演练"),
        ]
    return []


def _staff(request: AuthedHttpRequest, roles: frozenset[str] = STAFF) -> None:
    require_role(request.user, roles, "本页面供工作人员使用")


def _regions(request: AuthedHttpRequest, codes: list[str]) -> list[Region]:
    """The chosen regions; an unknown code is bad input (scope is the service's to check, naming the field)."""
    found = {r.code: r for r in Region.objects.current().filter(code__in=codes).defer("boundary")}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError(
            {"regions": ValidationError(f"没有这个区划：{missing[0]}", code="emergency.region_unknown")}
        )
    return [found[c] for c in codes]


def _choices(request: AuthedHttpRequest) -> list[Region]:
    return list(selectors.communities(request.user)[:400])


def _submit(
    request: AuthedHttpRequest,
    form: Any,
    write: Callable[[dict[str, Any]], tuple[str, str]],
    field: str | None = None,
) -> HttpResponse | None:
    """The one way a page writes: a POSTed, valid ``form``'s data handed to ``write`` (it calls the
    service and answers the success message and where to go next) — the redirect there; or ``None``,
    the service's refusal put on the form (on ``field`` when it names none) for the page to show
    again, with ``_status`` 400."""
    posted = request.method == "POST" and form.is_bound and form.is_valid()
    try:
        done = write(dict(form.cleaned_data)) if posted else None
    except Errors as exc:
        add_service_error(form, exc, field=field)
        done = None
    if done is None:
        return None
    if done[0]:
        messages.success(request, done[0])
    return redirect(done[1])


def _status(request: AuthedHttpRequest) -> int:
    """200, or 400 when the page is shown again after a POST (a refusal, a form error)."""
    return 400 if request.method == "POST" else 200


def _unknown(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# --- overview ---------------------------------------------------------------------------------------


@login_required
def index(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request, KEEPERS)
    user = request.user
    events = list(selectors.visible_events(user).filter(status=EventStatus.ACTIVE)[:20])
    warnings = list(
        selectors.visible_warnings(user).filter(status=WarningStatus.ACTIVE, expires__gt=timezone.now())[:20]
    )
    page = Paginator(MappedRows(selectors.communities(user), selectors.readiness_of), 50).get_page(
        request.GET.get("page")
    )
    missing = selectors.without_officer(user)
    past = list(selectors.visible_events(user).filter(status=EventStatus.ENDED)[:10])
    today = timezone.localdate()
    stock = selectors.supplies(user).filter(quantity__gt=0)
    batches = (stock.count(), stock.exclude(expires_on__lt=today).count())
    return render(
        request,
        "emergency/index.html",
        {
            "title": "平战结合 · 应急总览",
            "events": events,
            "past": past,
            "warnings": warnings,
            "rows": list(page.object_list),
            "page": page,
            "missing": list(missing[:MISSING_SHOWN]),
            "missing_n": missing.count(),
            "batches": batches,
            "can_issue": effective_role(user) in ISSUERS,
        },
    )


# --- peacetime organisation ---------------------------------------------------------------------------


@login_required
def organisation(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request, KEEPERS)
    user = request.user
    officer_form = f.OfficerForm(request.POST if request.POST.get("form") == "officer" else None)
    unit_form = f.UnitForm(request.POST if request.POST.get("form") == "unit" else None)

    def officer(d: dict[str, Any]) -> tuple[str, str]:
        region = _regions(request, [d["region"]])[0]
        staff = Staff.objects.filter(pk=d["staff"]).select_related("region").first() if d["staff"] else None
        o = services.info_officer_add(by=user, region=region, staff=staff, name=d["name"] or "")
        return f"已指定 {o.name} 为 {region.name} 的灾害信息员", reverse("emergency:organisation")

    def unit(d: dict[str, Any]) -> tuple[str, str]:
        building = Building.objects.select_related("region").filter(code=d["building"]).first()
        if building is None:
            raise _unknown("building", "没有这个小区/楼栋编码", "emergency.building_unknown")
        u = services.unit_create(
            by=user,
            building=building,
            name=d["name"] or f"{building.name}应急单元",
            leader_name=d["leader_name"] or "",
        )
        return f"已组建 {u.name}，请从名单中选择单元长和成员", reverse("emergency:unit", args=[u.pk])

    done = _submit(request, officer_form, officer) or _submit(request, unit_form, unit)
    if done is not None:
        return done
    status = _status(request)
    comms = _choices(request)
    people = (
        Staff.objects.filter(active=True, region__in=[c.pk for c in comms])
        .select_related("region")
        .order_by("region__code", "name")[:300]
    )
    missing = selectors.without_officer(user)
    return render(
        request,
        "emergency/organisation.html",
        {
            "title": "应急组织",
            "officers": selectors.officers(user).order_by("region__code")[:400],
            "missing": list(missing[:MISSING_SHOWN]),
            "missing_n": missing.count(),
            "units": selectors.units(user).order_by("region__code", "name")[:400],
            "communities": comms,
            "staff": people,
            "officer_form": officer_form,
            "unit_form": unit_form,
        },
        status=status,
    )


@login_required
def unit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One 最小应急单元: its leader and members, each chosen from the community's grid teams, its
    volunteers or its residents (search by name), or typed by name when in none of the lists."""
    _staff(request, KEEPERS)
    user = request.user
    u = selectors.units(user).filter(pk=pk).first()
    if u is None:
        raise Http404("应急单元不存在，或不在本账号的数据范围内")
    here = reverse("emergency:unit", args=[u.pk])
    add = f.MemberForm(request.POST if request.POST.get("form") == "member" else None)
    change = f.MemberChangeForm(request.POST if request.POST.get("form") == "change" else None)

    def join(d: dict[str, Any]) -> tuple[str, str]:
        record = selectors.unit_record(u, d["source"], d["record"])
        m = services.unit_member_add(
            by=user, unit=u, source=d["source"], record=record, name=d["name"], duty=d["duty"]
        )
        if d["leader"]:
            services.unit_leader_set(by=user, member=m)
            return f"{m.name} 已任单元长", here
        return f"{m.name} 已加入", here

    def alter(d: dict[str, Any]) -> tuple[str, str]:
        m = u.members.filter(pk=d["member"]).first()
        if m is None:
            raise _unknown("member", "没有这名成员", "emergency.member_invalid")
        if d["change"] == "remove":
            services.unit_member_remove(by=user, member=m)
            return f"{m.name} 已移出", here
        services.unit_leader_set(by=user, member=m)
        return f"{m.name} 已任单元长", here

    done = _submit(request, add, join, field="record") or _submit(request, change, alter, field="member")
    if done is not None:
        return done
    q = request.GET.get("q", "").strip()[:20]
    return render(
        request,
        "emergency/unit.html",
        {
            "title": u.name,
            "u": u,
            "members": u.members.select_related("account").order_by("-leader", "id"),
            "q": q,
            "found": [(MEMBER_LISTS[k], rows) for k, rows in selectors.unit_candidates(user, u, q).items()]
            if q
            else None,
            "add": add,
            "change": change,
        },
        status=_status(request),
    )


@login_required
def plans(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request, KEEPERS)
    user = request.user
    rows = list(selectors.stored_plans(user).order_by("region__code", "hazard")[:200])
    form = f.PlanForm(request.POST or None)

    def save(d: dict[str, Any]) -> tuple[str, str]:
        target = _regions(request, [d["region"]])[0]
        document = {"title": d["title"], "levels": d["actions"]}
        services.plan_save(by=user, region=target, hazard=d["hazard"], document=document)
        return "预案已保存", f"{reverse('emergency:plans')}?region={target.code}&hazard={d['hazard']}"

    done = _submit(request, form, save)
    if done is not None:
        return done
    status = _status(request)
    region: Region | None = (
        user.region if user.region and user.region.level in (Level.STREET, Level.COMMUNITY) else None
    )
    code = request.GET.get("region", "")
    if code:
        region = Region.objects.current().filter(code=code).first()
        if region is None or not region_in_scope(user, region):
            raise Http404("区划不存在或不在本账号的数据范围内")
    hazard = request.GET.get("hazard", "typhoon")
    if hazard not in Hazard.values:
        hazard = "typhoon"
    shown = services.plan_for(region, hazard) if region is not None else services.default_plan(hazard)
    lines = "\n".join(
        f"{lv} | {selectors.ROLE_LABEL.get(a.who, a.who)} | {a.due_minutes} | {a.title_zh} | {a.description}"
        for lv in LEVELS
        for a in shown.levels.get(lv, [])
    )
    return render(
        request,
        "emergency/plans.html",
        {
            "title": "应急预案",
            "rows": rows,
            "region": region,
            "hazard": hazard,
            "hazards": Hazard.choices,
            "shown": shown,
            "levels": [(lv, shown.levels.get(lv, [])) for lv in LEVELS],
            "lines": lines,
            "form": form,
            "labels": selectors.ROLE_LABEL,
            "editable": region is not None and region.level in (Level.STREET, Level.COMMUNITY),
        },
        status=status,
    )


# --- warnings ---------------------------------------------------------------------------------------


@login_required
def warnings(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request)
    rows = selectors.visible_warnings(request.user).order_by("-sent")[:100]
    return render(
        request,
        "emergency/warnings.html",
        {
            "title": "预警",
            "rows": rows,
            "can_issue": effective_role(request.user) in ISSUERS,
            "can_enter": effective_role(request.user) in KEEPERS,
            "now": timezone.now(),
        },
    )


@login_required
def warning_new(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request, KEEPERS)
    user = request.user
    form = f.WarningForm(request.POST or None)

    def create(d: dict[str, Any]) -> tuple[str, str]:
        chosen = _regions(request, f.split_codes(d.pop("regions")))
        w = services.warning_create(by=user, regions=chosen, **d)
        done = "已发布到" if w.status == WarningStatus.ACTIVE else "已登记（未发布），涉及"
        return f"预警 {w.number} {done} {w.regions.count()} 个社区/村", reverse(
            "emergency:warning", args=[w.number]
        )

    done = _submit(request, form, create)
    if done is not None:
        return done
    status = _status(request)
    return render(
        request,
        "emergency/warning_new.html",
        {
            "title": "登记/发布预警",
            "form": form,
            "communities": _choices(request),
            "can_issue": effective_role(user) in ISSUERS,
        },
        status=status,
    )


@login_required
def warning_import(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request, KEEPERS)
    form = f.CapImportForm(request.POST or None, request.FILES or None)

    def load(d: dict[str, Any]) -> tuple[str, str]:
        chosen = _regions(request, f.split_codes(d["regions"]))
        w = services.warning_import_cap(by=request.user, xml=d["payload"], regions=chosen)
        return f"已导入 CAP 预警 {w.number}", reverse("emergency:warning", args=[w.number])

    done = _submit(request, form, load, field="xml")
    if done is not None:
        return done
    status = _status(request)
    return render(
        request,
        "emergency/warning_import.html",
        {"title": "导入 CAP 预警", "form": form, "communities": _choices(request)},
        status=status,
    )


def _one(qs: Any, number: str, what: str) -> Any:
    """The row of ``number`` in what the account sees; out of scope reads like absent."""
    found = qs.filter(number=number).first()
    if found is None:
        raise Http404(f"{what}不存在，或不在本账号的数据范围内")
    return found


def _warning(request: AuthedHttpRequest, number: str) -> Warning:
    return _one(selectors.visible_warnings(request.user), number, "预警")  # type: ignore[no-any-return]


@login_required
def warning(request: AuthedHttpRequest, number: str) -> HttpResponse:
    _staff(request)
    w = _warning(request, number)
    form = f.CancelForm(request.POST or None)

    def cancel(d: dict[str, Any]) -> tuple[str, str]:
        services.warning_cancel(by=request.user, warning=w, reason=d["reason"])
        return "预警已解除", reverse("emergency:warning", args=[w.number])

    done = _submit(request, form, cancel, field="reason")
    if done is not None:
        return done
    status = _status(request)
    return render(
        request,
        "emergency/warning.html",
        {
            "title": f"预警 {w.number}",
            "w": w,
            "regions": w.regions.order_by("code"),
            "form": form,
            "events": w.events.all(),
            "can_issue": effective_role(request.user) in ISSUERS,
            "map_data": {"polygons": [{"points": w.polygon, "label": w.headline}]},
        },
        status=status,
    )


@login_required
def mine(request: AuthedHttpRequest) -> HttpResponse:
    """The resident's page: the warnings in force where they live, in plain words, and the nearest shelter."""
    user = request.user
    code = (
        selectors.resident_community_code(user)
        if effective_role(user) == Role.RESIDENT
        else (user.region_code or "")[:12]
    )
    found = selectors.active_warnings_for(code) if code else []
    near: list[selectors.NearShelter] = []
    person = getattr(user, "person", None)
    if person is not None and person.household_id and person.household.building_id:
        near = selectors.nearest_shelters(person.household.building, limit=2, open_only=False)
    map_data = {
        "polygons": [{"points": w.polygon, "label": w.headline} for w in found if w.polygon],
        "shelters": [
            {"name": n.shelter.facility.name, "lat": n.shelter.facility.lat, "lon": n.shelter.facility.lon}
            for n in near
            if n.shelter.facility.lat is not None
        ],
    }
    return render(
        request,
        "emergency/mine.html",
        {"title": "预警信息", "warnings": found, "near": near, "map_data": map_data},
    )


# --- responses --------------------------------------------------------------------------------------


@login_required
def event_new(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request, ISSUERS)
    user = request.user
    initial: dict[str, Any] = {}
    linked = None
    if request.GET.get("warning"):
        linked = _warning(request, request.GET["warning"])
        initial = {
            "hazard": linked.hazard,
            "warning": linked.number,
            "title": f"{linked.event}应急响应",
            "regions": ",".join(r.code for r in linked.regions.all()),
        }
    form = f.DeclareForm(request.POST or None, initial=initial)

    def declare(d: dict[str, Any]) -> tuple[str, str]:
        ev = services.response_declare(
            actor=user,
            level=d["level"],
            regions=_regions(request, f.split_codes(d["regions"])),
            area=d["polygon"],
            reason=d["reason"],
            hazard=d["hazard"],
            title=d["title"],
            warning=_warning(request, d["warning"]) if d["warning"] else None,
        )
        return f"已启动 {ev.get_level_display()}响应", reverse("emergency:event", args=[ev.number])

    done = _submit(request, form, declare, field="level")
    if done is not None:
        return done
    status = _status(request)
    return render(
        request,
        "emergency/event_new.html",
        {
            "title": "启动应急响应",
            "form": form,
            "communities": _choices(request),
            "linked": linked,
            "levels": ResponseLevel.choices,
            "district": effective_role(user) in services.DISTRICT,
        },
        status=status,
    )


def _event(request: AuthedHttpRequest, number: str) -> Any:
    return _one(selectors.visible_events(request.user), number, "事件")


@login_required
def event(request: AuthedHttpRequest, number: str) -> HttpResponse:
    _staff(request)
    user = request.user
    ev = _event(request, number)
    step_form = f.StepForm(request.POST if request.POST.get("form") == "step" else None)
    report_form = f.ReportForm(request.POST if request.POST.get("form") == "report" else None)
    here = reverse("emergency:event", args=[ev.number])

    def step(d: dict[str, Any]) -> tuple[str, str]:
        if d["level"] == "end":
            services.response_end(actor=user, event=ev, reason=d["reason"])
            return "响应已结束", here
        services.response_step(actor=user, event=ev, level=d["level"], reason=d["reason"])
        return "响应级别已调整", here

    def report(d: dict[str, Any]) -> tuple[str, str]:
        services.event_report(by=user, event=ev, text=d["text"])
        return "情况已记入时间线", here

    done = _submit(request, step_form, step) or _submit(request, report_form, report)
    if done is not None:
        return done
    status = _status(request)
    community = request.GET.get("community", "")
    reach = selectors.reach(ev, user)
    totals = selectors.Reach("", "合计")
    for r in reach:
        for k in ("total", "pending", "safe", "sheltered", "needs_help", "unassigned"):
            setattr(totals, k, getattr(totals, k) + getattr(r, k))
    pending = list(selectors.not_reached(ev, user, community, 100))
    for c in pending:
        c.labels = selectors.category_labels(c.categories)  # type: ignore[attr-defined]
    tasks = ActionTask.objects.filter(event=ev).select_related("region").order_by("status", "due_at")
    if effective_role(user) in (Role.GRID_WORKER, Role.COMMUNITY_WORKER):
        tasks = tasks.filter(region__code__startswith=(user.region_code or "#")[:12])
    return render(
        request,
        "emergency/event.html",
        {
            "title": f"{ev.title}",
            "ev": ev,
            "timeline": selectors.timeline(ev, user),
            "reach": reach,
            "totals": totals,
            "pending": pending,
            "community": community,
            "tasks": tasks[:300],
            "steps": ev.steps.select_related("by"),
            "step_form": step_form,
            "report_form": report_form,
            "levels": [c for c in ResponseLevel.choices if c[0] != ev.level],
            "can_step": effective_role(user) in ISSUERS and ev.status == EventStatus.ACTIVE,
            "now": timezone.now(),
        },
        status=status,
    )


# --- the responder's check list (phone) ---------------------------------------------------------------


@login_required
def checks(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    rows = list(selectors.my_checks(user)[:500])
    todo = [r for r in rows if r.status == CheckStatus.PENDING]
    done = [r for r in rows if r.status != CheckStatus.PENDING]
    for r in rows:
        r.labels = selectors.category_labels(r.categories)  # type: ignore[attr-defined]
    return render(
        request,
        "emergency/checks.html",
        {"title": "重点人员核查", "todo": todo, "done": done[:100], "total": len(rows)},
    )


@login_required
def check(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = selectors.check_item(user, pk)
    if item is None:
        raise Http404("不存在，或不在本账号的数据范围内")
    form = f.CheckForm(request.POST or None)

    def mark(d: dict[str, Any]) -> tuple[str, str]:
        shelter = (
            Facility.objects.filter(pk=d["shelter"], type__code="shelter").first() if d["shelter"] else None
        )
        done = services.check_mark(by=user, item=item, status=d["status"], shelter=shelter, note=d["note"])
        extra = f"，已转为求助诉求 {done.case_number}" if done.case_number else ""
        return f"{item.person.name}：{dict(CheckStatus.choices)[done.status]}{extra}", reverse(
            "emergency:checks"
        )

    done = _submit(request, form, mark, field="status")
    if done is not None:
        return done
    status = _status(request)
    near = selectors.nearest_shelters(item.building, limit=3) if item.building is not None else []
    own = item.assignee_id == user.pk
    phone = item.person.phone.reveal() if own and item.person.phone else ""
    return render(
        request,
        "emergency/check.html",
        {
            "title": "核查",
            "item": item,
            "labels": selectors.category_labels(item.categories),
            "form": form,
            "near": near,
            "phone": phone,
            "own": own,
            "statuses": [c for c in CheckStatus.choices if c[0] != CheckStatus.PENDING],
        },
        status=status,
    )


# --- tasks ------------------------------------------------------------------------------------------


@login_required
def tasks(request: AuthedHttpRequest) -> HttpResponse:
    rows = selectors.my_tasks(request.user)[:200]
    return render(request, "emergency/tasks.html", {"title": "应急任务", "rows": rows, "now": timezone.now()})


@login_required
def task(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    t = ActionTask.objects.select_related("event", "region").filter(pk=pk).first()
    if t is None or not (services.task_holder(user, t) or region_in_scope(user, t.region)):
        raise Http404("任务不存在，或不在本账号的数据范围内")
    form = f.TaskDoneForm(request.POST or None)

    def finish(d: dict[str, Any]) -> tuple[str, str]:
        services.task_done(by=user, task=t, note=d["note"])
        return "任务已完成", reverse("emergency:tasks")

    done = _submit(request, form, finish, field="note")
    if done is not None:
        return done
    status = _status(request)
    return render(
        request,
        "emergency/task.html",
        {"title": t.title, "t": t, "form": form, "open": t.status == TaskStatus.OPEN, "now": timezone.now()},
        status=status,
    )


# --- shelters ---------------------------------------------------------------------------------------


@login_required
def shelters(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request)
    user = request.user
    setup = f.ShelterSetupForm(request.POST if request.POST.get("form") == "setup" else None)
    search = f.SearchForm(request.GET if "id_digits" in request.GET else None)
    nearest = f.NearestForm(request.GET if "building" in request.GET else None)

    def register(d: dict[str, Any]) -> tuple[str, str]:
        facility = Facility.objects.select_related("region", "type").filter(pk=d["facility"]).first()
        if facility is None:
            raise _unknown("facility", "没有这个设施", "emergency.not_shelter")
        services.shelter_setup(by=user, facility=facility, capacity=d["capacity"], is_open=d["is_open"])
        return f"{facility.name} 已登记为避难场所", reverse("emergency:shelters")

    done = _submit(request, setup, register)
    if done is not None:
        return done
    status = _status(request)
    found = (
        selectors.stay_search(user, **search.cleaned_data) if search.is_bound and search.is_valid() else None
    )
    near = None
    if nearest.is_bound and nearest.is_valid():
        b = Building.objects.select_related("region").filter(code=nearest.cleaned_data["building"]).first()
        if b is None or not region_in_scope(user, b.region):
            nearest.add_error("building", "没有这个楼栋编码，或不在本账号的管辖范围内")
        else:
            near = (b, selectors.nearest_shelters(b, limit=5))
    return render(
        request,
        "emergency/shelters.html",
        {
            "title": "避难场所",
            "rows": selectors.shelters(user)[:300],
            "unset": selectors.shelter_facilities_unset(user)[:200]
            if effective_role(user) in KEEPERS
            else [],
            "setup": setup,
            "search": search,
            "found": found,
            "nearest": nearest,
            "near": near,
        },
        status=status,
    )


@login_required
def shelter(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    user = request.user
    s = selectors.shelter_of(user, pk)
    if s is None:
        raise Http404("避难场所不存在，或不在本账号的数据范围内")
    form = f.CheckinForm(request.POST if request.POST.get("form") == "checkin" else None)

    def checkin(d: dict[str, Any]) -> tuple[str, str]:
        person = selectors.person_lookup(user, d["name"], d["id_number"])
        if person is None:
            raise _unknown("id_number", "姓名与身份证号对不上在册人员", "emergency.person_not_found")
        if d["household"] and person.household_id:
            stays = services.shelter_checkin(by=user, shelter=s, household=person.household)
        else:
            stays = services.shelter_checkin(by=user, shelter=s, persons=[person])
        return f"已登记入住 {len(stays)} 人", reverse("emergency:shelter", args=[s.pk])

    done = _submit(request, form, checkin, field="name")
    if done is not None:
        return done
    status = _status(request)
    s.refresh_from_db()
    return render(
        request,
        "emergency/shelter.html",
        {"title": s.facility.name, "s": s, "stays": selectors.stays(s)[:500], "form": form},
        status=status,
    )


@login_required
@require_POST
def stay_out(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    from linli.emergency.models import ShelterStay  # noqa: PLC0415

    stay = ShelterStay.objects.select_related("shelter__facility__region").filter(pk=pk).first()
    if stay is None or not region_in_scope(request.user, stay.shelter.facility.region):
        raise Http404("不存在")
    try:
        services.shelter_checkout(by=request.user, stay=stay)
        messages.success(request, "已办理离开")
    except Errors as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    return redirect("emergency:shelter", pk=stay.shelter_id)


# --- supplies ---------------------------------------------------------------------------------------


@login_required
def supplies(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request, KEEPERS)
    user = request.user
    which = request.POST.get("form", "")
    store_form = f.StoreForm(request.POST if which == "store" else None)
    receive = f.ReceiveForm(request.POST if which == "receive" else None)
    issue = f.IssueForm(request.POST if which == "issue" else None)
    here = reverse("emergency:supplies")

    def add_store(d: dict[str, Any]) -> tuple[str, str]:
        region = _regions(request, [d["region"]])[0]
        services.store_create(by=user, region=region, name=d["name"], address=d["address"])
        return "储备点已登记", here

    def take_in(d: dict[str, Any]) -> tuple[str, str]:
        store = selectors.stores(user).filter(pk=d.pop("store")).first()
        if store is None:
            raise _unknown("store", "没有这个储备点", "emergency.store_unknown")
        services.supply_receive(by=user, store=store, **d)
        return "已入库", here

    def hand_out(d: dict[str, Any]) -> tuple[str, str]:
        supply = selectors.supplies(user).filter(pk=d["supply"]).first()
        if supply is None:
            raise _unknown("supply", "没有这种物资", "emergency.supply_unknown")
        if d["returned"]:
            services.supply_return(by=user, supply=supply, quantity=d["quantity"])
            return "已登记归还", here
        shelter = selectors.shelters(user).filter(pk=d["shelter"]).first() if d["shelter"] else None
        household = Household.objects.filter(code=d["household"]).first() if d["household"] else None
        if d["household"] and household is None:
            raise _unknown("household", "没有这个户编号", "emergency.household_unknown")
        services.supply_issue(
            by=user, supply=supply, quantity=d["quantity"], shelter=shelter, household=household
        )
        return "已发放", here

    done = _submit(request, store_form, add_store) or _submit(request, receive, take_in)
    done = done or _submit(request, issue, hand_out)
    if done is not None:
        return done
    status = _status(request)
    today = timezone.localdate()
    rows = list(selectors.supplies(user).order_by("store__name", "name", "expires_on")[:500])
    moves = SupplyMovement.objects.filter(supply__in=[r.pk for r in rows]).select_related(
        "supply", "shelter__facility", "household"
    )[:50]
    return render(
        request,
        "emergency/supplies.html",
        {
            "title": "应急物资",
            "stores": list(selectors.stores(user)[:200]),
            "rows": rows,
            "moves": moves,
            "today": today,
            "shelters": selectors.shelters(user)[:200],
            "communities": _choices(request),
            "store_form": store_form,
            "receive": receive,
            "issue": issue,
            "kinds": dict(MovementKind.choices),
        },
        status=status,
    )


# --- drills -----------------------------------------------------------------------------------------


@login_required
def drills(request: AuthedHttpRequest) -> HttpResponse:
    _staff(request, KEEPERS)
    user = request.user
    form = f.DrillForm(request.POST or None)

    def record(d: dict[str, Any]) -> tuple[str, str]:
        region = _regions(request, [d.pop("region")])[0]
        services.drill_record(by=user, region=region, **d)
        return "演练已登记", reverse("emergency:drills")

    done = _submit(request, form, record)
    if done is not None:
        return done
    status = _status(request)
    return render(
        request,
        "emergency/drills.html",
        {
            "title": "应急演练",
            "rows": selectors.drills(user)[:200],
            "form": form,
            "communities": _choices(request),
            "hazards": Hazard.choices,
        },
        status=status,
    )
