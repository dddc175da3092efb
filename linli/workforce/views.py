"""Pages of the workforce module: the grid worker's patrol (phone), coverage, teams, grid tasks, the
duty catalogue with its checks, and the workforce figures. Writes go through ``services``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from linli.cases.services import active_categories
from linli.core.errors import error_code, invalid
from linli.core.forms import add_service_error
from linli.core.models import AuthedHttpRequest
from linli.core.nearby import items_near
from linli.core.paging import MappedRows
from linli.core.roles import Role, effective_role, require_role
from linli.core.scope import account_subtrees_q, region_in_scope, scoped
from linli.regions.models import Level, Region
from linli.registry.models import Building, Staff
from linli.services.models import ExcludedTask  # the negative list is the services module's, read not copied
from linli.workforce import selectors, services
from linli.workforce.forms import (
    CandidateFilter,
    CandidateForm,
    CandidateLeaveForm,
    CheckForm,
    DayForm,
    DecideForm,
    EventForm,
    FixForm,
    GradeForm,
    IncomeForm,
    MemberEditForm,
    MemberForm,
    NoteForm,
    PointQuery,
    PointsForm,
    StartForm,
    TaskForm,
    answers_form,
)
from linli.workforce.models import (
    CandidateStatus,
    Duty,
    GridTask,
    LogKind,
    PatrolLog,
    Proof,
    TaskItem,
    TaskStatus,
    TeamMember,
    TeamPost,
)

SUPERVISORS = selectors.SUPERVISORS
TASK_READERS = SUPERVISORS | {Role.GRID_WORKER, Role.DEPARTMENT_HANDLER}


def nav(user: Any, role: str) -> list[tuple[str, str]]:
    if role == Role.GRID_WORKER:
        return [("workforce:patrol", "网格巡查"), ("workforce:tasks", "网格任务")]
    if role == Role.DEPARTMENT_HANDLER:
        return [("workforce:tasks", "网格任务"), ("workforce:duties", "社区职责清单")]
    if role in SUPERVISORS:
        items = [
            ("workforce:coverage", "巡查覆盖"),
            ("workforce:teams", "网格团队"),
            ("workforce:tasks", "网格任务"),
            ("workforce:duties", "社区职责清单"),
        ]
        if role != Role.COMMUNITY_WORKER:
            items.append(("workforce:figures", "社区工作者队伍"))
        items.append(("workforce:candidates", "后备人才库"))
        return items
    return []


def _json_error(exc: ValidationError | PermissionDenied, status: int = 400) -> JsonResponse:
    detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return JsonResponse({"code": error_code(exc), "detail": detail}, status=status)


def _categories() -> list[Any]:
    return sorted(active_categories().values(), key=lambda c: c.code)[:80]


# --- patrol (phone) ------------------------------------------------------------------------------


@login_required
def patrol(request: AuthedHttpRequest) -> HttpResponse:
    """网格巡查: start (with consent and the phone's position), then the running patrol's page."""
    require_role(request.user, {Role.GRID_WORKER}, "只有网格员可以巡查")
    form = StartForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.patrol_start(by=request.user, lat=d["lat"], lon=d["lon"], consent=d["consent"])
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
            status = 400 if isinstance(exc, ValidationError) else 403
        else:
            messages.success(request, "巡查已开始，本页会按时记录您的位置")
            return redirect("workforce:patrol")
    active = selectors.active_patrol(request.user)
    ctx: dict[str, Any] = {
        "title": "网格巡查",
        "form": form,
        "active": active,
        "retention": services.RETENTION_DAYS,
        "interval": settings.LINLI_WORKFORCE_TRACK_SECONDS,
    }
    if active is not None:
        ctx["logs"] = list(PatrolLog.objects.filter(patrol=active).order_by("-at")[:20])
        ctx["categories"] = _categories()
        ctx["tasks"] = _task_counts(request.user)
    else:
        today = timezone.localdate()
        ctx["today"] = list(selectors.visible_patrols(request.user).filter(day=today))
        need, _ = selectors.rule_for(request.user.region) if request.user.region else (2, [])
        ctx["need"] = need
    return render(request, "workforce/patrol.html", ctx, status=status)


def _task_counts(user: Any) -> list[tuple[GridTask, int]]:
    counts: dict[int, list[Any]] = {}
    for it in selectors.my_open_items(user)[:2000]:
        counts.setdefault(it.task_id, [it.task, 0])[1] += 1
    return [(t, n) for t, n in counts.values()]


def _active_or_404(request: AuthedHttpRequest) -> Any:
    active = selectors.active_patrol(request.user)
    if active is None:
        raise Http404("没有正在进行的巡查")
    return active


@login_required
@require_POST
def patrol_points(request: AuthedHttpRequest) -> JsonResponse:
    """The page's positions (JSON list in ``points``); answers how many were flagged."""
    active = selectors.active_patrol(request.user)
    if active is None:
        return JsonResponse({"code": "patrol.ended", "detail": "没有正在进行的巡查"}, status=409)
    form = PointsForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"code": "patrol.position_invalid", "detail": "位置数据格式不正确"}, status=400)
    try:
        flagged = services.patrol_points_add(
            patrol=active, by=request.user, points=form.cleaned_data["points"]
        )
    except (ValidationError, PermissionDenied) as exc:
        return _json_error(exc, 400 if isinstance(exc, ValidationError) else 403)
    active.refresh_from_db()
    return JsonResponse({"points": active.points, "flagged": flagged, "flagged_total": active.flagged})


@login_required
@require_POST
def patrol_end(request: AuthedHttpRequest) -> HttpResponse:
    active = _active_or_404(request)
    p = services.patrol_end(patrol=active, by=request.user)
    messages.success(
        request,
        f"巡查已结束：网格内 {p.minutes_in_grid:.0f} 分钟、{p.distance_in_grid_m / 1000:.2f} 公里，经过 {p.buildings_passed} 栋楼"
        + (f"；{p.flagged} 个位置跳变过大，未计入" if p.flagged else ""),
    )
    return redirect("workforce:patrol")


@login_required
@require_POST
def patrol_event(request: AuthedHttpRequest) -> HttpResponse:
    """One tap: what was seen becomes a request of the requests module."""
    active = _active_or_404(request)
    form = EventForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            case = services.patrol_event_report(
                patrol=active,
                by=request.user,
                category=d["category"] or "",
                description=d["description"] or "",
                lat=d["lat"],
                lon=d["lon"],
                photos=request.FILES.getlist("photos"),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"已上报诉求 {case.number}，社区已受理")
    return redirect("workforce:patrol")


@login_required
@require_POST
def patrol_note(request: AuthedHttpRequest) -> HttpResponse:
    active = _active_or_404(request)
    form = NoteForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.patrol_note_add(
                patrol=active, by=request.user, text=d["text"] or "", lat=d["lat"], lon=d["lon"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已记下")
    return redirect("workforce:patrol")


@login_required
@require_GET
def patrol_nearby(request: AuthedHttpRequest) -> JsonResponse:
    """What waits near the worker (``core.nearby``): buildings to correct, visits due …"""
    form = PointQuery(request.GET)
    if not form.is_valid():
        return JsonResponse({"code": "patrol.position_invalid", "detail": "位置不正确"}, status=400)
    found = items_near(
        request.user, effective_role(request.user), form.cleaned_data["lon"], form.cleaned_data["lat"]
    )
    return JsonResponse(
        {
            "items": [
                {
                    "title": i.title,
                    "url": i.url,
                    "distance_m": i.distance_m,
                    "kind": i.kind,
                    "detail": i.detail,
                }
                for i in found
            ]
        }
    )


@login_required
def building_fix(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """楼栋信息当场更正: what is wrong with a building, logged on the patrol for the registry's keeper
    (the registry has no building-edit service yet)."""
    b = scoped(Building.objects.select_related("region"), request.user).filter(pk=pk).first()
    if b is None:
        raise Http404("楼栋不存在或不在本账号的数据范围内")
    active = selectors.active_patrol(request.user)
    form = FixForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if active is None:
            form.add_error(None, "请在巡查中更正楼栋信息")
        else:
            try:
                services.patrol_note_add(
                    patrol=active,
                    by=request.user,
                    text=f"{b.name}：{form.cleaned_data['text']}",
                    kind=LogKind.BUILDING,
                    ref=b.code,
                )
            except ValidationError as exc:
                add_service_error(form, exc, field="text")
            else:
                messages.success(request, f"已记下“{b.name}”的更正，社区核实后更新基础数据")
                return redirect("workforce:patrol")
    return render(
        request,
        "workforce/building_fix.html",
        {"title": f"更正：{b.name}", "b": b, "form": form, "active": active},
    )


# --- coverage and tracks -------------------------------------------------------------------------------


def _root(request: AuthedHttpRequest, code: str) -> Region:
    user = request.user
    if code:
        found = Region.objects.current().filter(code=code).defer("boundary").first()
        if found is None or not region_in_scope(user, found):
            raise Http404("区划不存在或不在本账号的数据范围内")
        return found
    if user.region is not None:
        return user.region
    top = (
        Region.objects.current().defer("boundary").order_by("level", "code").first()
    )  # a system administrator
    if top is None:
        raise Http404("还没有区划")
    return top


PER_PAGE = 50
LEVEL_WORDS = {9: "街道（乡镇）", 12: "社区（村）"}


@login_required
def coverage(request: AuthedHttpRequest) -> HttpResponse:
    """巡查覆盖: the streets (or communities) under the root summed up first, then its grids a page at a
    time — patrols against the rule, time and distance in the grid, buildings passed."""
    require_role(request.user, SUPERVISORS, "本账号不能查看巡查覆盖")
    f = DayForm(request.GET)
    d = f.cleaned_data if f.is_valid() else {}
    day = d.get("day") or timezone.localdate()
    root = _root(request, d.get("region") or "")
    gaps = request.GET.get("gaps") == "1"
    n = selectors.child_length(root)
    groups = selectors.coverage_rollup(request.user, root, day, n)
    grids = sum(g.grids for g in groups)
    met = sum(g.ok for g in groups)
    page = Paginator(
        MappedRows(
            selectors.coverage_grids(request.user, root, day, gaps=gaps),
            lambda gs: selectors.coverage_of(gs, day),
        ),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    patrols = list(
        selectors.visible_patrols(request.user)
        .filter(day=day, grid__in=[r.grid for r in rows])
        .order_by("grid__code", "started_at")[:300]
    )
    return render(
        request,
        "workforce/coverage.html",
        {
            "title": "巡查覆盖",
            "root": root,
            "day": day,
            "prev": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1) if day < timezone.localdate() else None,
            "rows": rows,
            "page": page,
            "grids": grids,
            "gaps": gaps,
            "met": met,
            "unmet": grids - met,
            "is_today": day == timezone.localdate(),
            "patrols": patrols,
            "communities": groups if n < 15 else [],
            "level_word": LEVEL_WORDS.get(n, ""),
        },
    )


@login_required
def patrol_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One patrol with its track: the worker's own, or a supervisor's view (audited)."""
    p = selectors.visible_patrols(request.user).filter(pk=pk).first()
    if p is None:
        raise Http404("巡查不存在或不在本账号的数据范围内")
    points = services.track_read(patrol=p, by=request.user, request=request)
    logs = list(PatrolLog.objects.filter(patrol=p))
    return render(
        request,
        "workforce/patrol_detail.html",
        {"title": "巡查记录", "p": p, "points": points, "logs": logs, "own": p.worker_id == request.user.pk},
    )


# --- teams --------------------------------------------------------------------------------------


@login_required
def teams(request: AuthedHttpRequest) -> HttpResponse:
    """网格团队: each grid's team by post, with the grids lacking a grid worker or a required post."""
    require_role(request.user, SUPERVISORS, "本账号不能查看网格团队")
    f = DayForm(request.GET)
    root = _root(request, f.cleaned_data.get("region", "") if f.is_valid() else "")
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        grid = Region.objects.current().filter(code=d["grid"], level=Level.GRID).first()
        staff = (
            scoped(Staff.objects.select_related("region"), request.user).filter(pk=d["staff"]).first()
            if d["staff"]
            else None
        )
        try:
            if grid is None:
                raise ValidationError({"grid": [ValidationError("网格不存在", code="team.grid_unknown")]})
            services.team_member_add(
                by=request.user,
                grid=grid,
                post=d["post"],
                staff=staff,
                name=d["name"] or "",
                unit=d["unit"] or "",
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已加入网格团队")
            return redirect(f"{reverse('workforce:teams')}?region={root.code}")
    gaps = request.GET.get("gaps") == "1"
    n = selectors.child_length(root)
    groups = selectors.team_rollup(request.user, root, n)
    grids = sum(g.grids for g in groups)
    incomplete = grids - sum(g.ok for g in groups)
    page = Paginator(
        MappedRows(
            selectors.team_grids(request.user, root, gaps=gaps), lambda gs: selectors.teams_of(gs, root)
        ),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    return render(
        request,
        "workforce/teams.html",
        {
            "title": "网格团队",
            "root": root,
            "rows": rows,
            "page": page,
            "grids": grids,
            "gaps": gaps,
            "incomplete_n": incomplete,
            "communities": groups if n < 15 else [],
            "level_word": LEVEL_WORDS.get(n, ""),
            "no_worker": sum(g.no_worker for g in groups),
            "incomplete": incomplete,
            "form": form,
            "posts": TeamPost.choices,
            "editor": effective_role(request.user) in services.TEAM_EDITORS,
        },
    )


@login_required
def team_member(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One member: change the post or end the membership on a date (kept as history)."""
    require_role(request.user, SUPERVISORS, "本账号不能查看网格团队")
    member = get_object_or_404(
        scoped(TeamMember.objects.select_related("grid", "staff", "person"), request.user), pk=pk
    )
    editor = effective_role(request.user) in services.TEAM_EDITORS
    form = MemberEditForm(request.POST or None)
    if request.method == "POST" and editor and form.is_valid():
        d = form.cleaned_data
        try:
            if d["action"] == "end":
                services.team_member_end(by=request.user, member=member, on=d["on"])
                messages.success(request, "已登记离任，记录保留在团队历史中")
            else:
                services.team_member_change(by=request.user, member=member, post=d["post"] or "", on=d["on"])
                messages.success(request, "岗位已调整")
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
        else:
            return redirect(f"{reverse('workforce:teams')}?region={member.grid.code}")
    history = TeamMember.objects.filter(grid=member.grid).order_by("-since", "-pk")
    if member.staff_id:
        history = history.filter(staff_id=member.staff_id)
    elif member.person_id:
        history = history.filter(person_id=member.person_id)
    else:
        history = history.filter(name=member.name, staff__isnull=True, person__isnull=True)
    return render(
        request,
        "workforce/team_member.html",
        {
            "title": "团队成员",
            "member": member,
            "form": form,
            "posts": TeamPost.choices,
            "editor": editor and member.until is None,
            "history": history[:50],
        },
    )


# --- grid tasks ------------------------------------------------------------------------------------


@login_required
def tasks(request: AuthedHttpRequest) -> HttpResponse:
    role = require_role(request.user, TASK_READERS, "本账号不能查看网格任务")
    if role == Role.GRID_WORKER:
        return render(
            request, "workforce/tasks_mine.html", {"title": "网格任务", "tasks": _task_counts(request.user)}
        )
    rows = list(selectors.visible_tasks(request.user)[:200])
    return render(
        request,
        "workforce/tasks.html",
        {"title": "网格任务", "rows": rows, "sender": role in services.TASK_SENDERS},
    )


@login_required
def task_new(request: AuthedHttpRequest) -> HttpResponse:
    """A department or street sends a task to grids; the duty catalogue decides its 准入."""
    require_role(request.user, services.TASK_SENDERS, "只有职能部门和街道可以派发网格任务")
    form = TaskForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            region = Region.objects.current().filter(code=d["region"]).first()
            duty = Duty.objects.filter(pk=d["duty"]).first() if d["duty"] else None
            try:
                if region is None:
                    raise ValidationError(
                        {"region": [ValidationError("下发范围不存在", code="gridtask.region_invalid")]}
                    )
                task = services.grid_task_create(
                    by=request.user,
                    title=d["title"] or "",
                    kind=d["kind"],
                    region=region,
                    deadline=d["deadline"],
                    fields=d["fields_text"],
                    per=d["per"],
                    content=d["content"] or "",
                    duty=duty,
                    funding=d["funding"] or "",
                )
            except (ValidationError, PermissionDenied) as exc:
                add_service_error(form, exc)
                status = 400
            else:
                if task.status == TaskStatus.PENDING:
                    messages.warning(request, f"任务 {task.number} {task.reason}")
                else:
                    messages.success(request, f"任务 {task.number} 已下发：{task.reason}")
                return redirect("workforce:task", task.number)
        else:
            status = 400
    regions = _task_regions(request.user)
    duties = list(Duty.objects.filter(active=True).order_by("kind", "name"))
    return render(
        request,
        "workforce/task_new.html",
        {"title": "派发网格任务", "form": form, "regions": regions, "duties": duties},
        status=status,
    )


def _task_regions(user: Any) -> list[Region]:
    code = user.region_code or ""
    qs = Region.objects.current().filter(level__in=[Level.STREET, Level.COMMUNITY]).defer("boundary")
    if effective_role(user) != Role.SYSTEM_ADMIN:
        qs = qs.filter(code__startswith=code[:6] if effective_role(user) == Role.DEPARTMENT_HANDLER else code)
    return list(qs.order_by("code")[:300])


@login_required
def task_detail(request: AuthedHttpRequest, number: str) -> HttpResponse:
    """A task with its 准入 decision and its progress rolled up per street, community and grid."""
    require_role(request.user, TASK_READERS, "本账号不能查看网格任务")
    task = selectors.visible_tasks(request.user).filter(number=number).first()
    if task is None:
        raise Http404("任务不存在或不在本账号的数据范围内")
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grid_task_decide(
                task=task,
                by=request.user,
                approve=form.cleaned_data["approve"] == "yes",
                note=form.cleaned_data["note"] or "",
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已审核")
            return redirect("workforce:task", task.number)
    root = (
        request.user.region_code
        if effective_role(request.user) not in (Role.SYSTEM_ADMIN, Role.DEPARTMENT_HANDLER)
        else ""
    )
    names = dict(
        Region.objects.current().filter(code__startswith=task.region.code[:9]).values_list("code", "name")
    )
    levels = []
    for n, label in ((9, "街道"), (12, "社区"), (15, "网格")):
        prog = selectors.task_progress(task, n, root or "")
        levels.append(
            (label, [(names.get(c, c), d, t, round(100 * d / t) if t else 0) for c, (d, t) in prog.items()])
        )
    done = sum(d for _, d, _, _ in levels[0][1])
    total = sum(t for _, _, t, _ in levels[0][1])
    can_decide = task.status == TaskStatus.PENDING and effective_role(request.user) in (
        Role.STREET_COORDINATOR,
        Role.SYSTEM_ADMIN,
    )
    return render(
        request,
        "workforce/task_detail.html",
        {
            "title": task.title,
            "task": task,
            "levels": levels,
            "done": done,
            "total": total,
            "form": form,
            "can_decide": can_decide,
        },
    )


@login_required
def task_do(request: AuthedHttpRequest, number: str) -> HttpResponse:
    """The grid worker's phone page of a task: the buildings (households) of his grid still to report."""
    require_role(request.user, {Role.GRID_WORKER}, "只有网格员填报网格任务")
    task = selectors.visible_tasks(request.user).filter(number=number, status=TaskStatus.ISSUED).first()
    if task is None:
        raise Http404("任务不存在或不在本账号的数据范围内")
    form = answers_form(task.fields, request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        item = selectors.my_open_items(request.user).filter(task=task, pk=form.cleaned_data["item"]).first()
        if item is None:
            messages.error(request, "这一项已填报或不在您的网格内")
            return redirect("workforce:task_do", task.number)
        try:
            services.task_item_complete(
                item=item,
                by=request.user,
                answers=form.cleaned_data,
                patrol=selectors.active_patrol(request.user),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc)
            status = 400
        else:
            messages.success(request, f"已填报：{item.building.name}")
            return redirect("workforce:task_do", task.number)
    items = list(selectors.my_open_items(request.user).filter(task=task)[:50])
    done = (
        TaskItem.objects.filter(task=task, done_at__isnull=False)
        .filter(account_subtrees_q(request.user, "grid__code"))
        .count()
    )
    return render(
        request,
        "workforce/task_do.html",
        {
            "title": task.title,
            "task": task,
            "items": items,
            "form": form,
            "done": done,
            "fields": task.fields,
        },
        status=status,
    )


# --- duty catalogue --------------------------------------------------------------------------------


@login_required
def duties(request: AuthedHttpRequest) -> HttpResponse:
    """社区职责清单: statutory duties, 协助事项 with their funding, the negative list (the services
    module's), the 证明事项; a check of a task's or a proof's words against them."""
    require_role(request.user, SUPERVISORS | {Role.DEPARTMENT_HANDLER}, "本账号不能查看社区职责清单")
    region = request.user.region or Region.objects.current().filter(level=Level.DISTRICT).first()
    task_form = CheckForm(request.GET if "task" in request.GET else None, prefix="task")
    proof_form = CheckForm(request.GET if "proof" in request.GET else None, prefix="proof")
    task_result = proof_result = None
    if region is not None and task_form.is_bound and task_form.is_valid() and task_form.cleaned_data["text"]:
        task_result = services.task_admission(region=region, title=task_form.cleaned_data["text"])
    if region is not None and proof_form.is_bound and proof_form.is_valid():
        try:
            p = services.proof_check(region=region, text=proof_form.cleaned_data["text"] or "")
            proof_result = ("ok", f"社区可以出具：{p.name}")
        except ValidationError as exc:
            proof_result = ("no", "；".join(exc.messages))
    return render(
        request,
        "workforce/duties.html",
        {
            "title": "社区职责清单",
            "duties": list(Duty.objects.filter(active=True).order_by("kind", "name")),
            "excluded": list(ExcludedTask.objects.order_by("kind", "name")),
            "proofs": list(Proof.objects.order_by("name")),
            "task_form": task_form,
            "proof_form": proof_form,
            "task_result": task_result,
            "proof_result": proof_result,
        },
    )


# --- workforce figures -------------------------------------------------------------------------------


@login_required
def figures(request: AuthedHttpRequest) -> HttpResponse:
    """社区工作者队伍: ratios per community against the targets, certificates, training by the rotation
    rule of each post, grades and pay against last year's income, the 后备人才库."""
    require_role(request.user, SUPERVISORS - {Role.COMMUNITY_WORKER}, "本账号不能查看队伍统计")
    root = _root(request, "")
    today = timezone.localdate()
    page = Paginator(MappedRows(selectors.communities_of(root), selectors.figures_of), PER_PAGE).get_page(
        request.GET.get("page")
    )
    training = selectors.training_rows(root, today)
    graded, below, income = selectors.grades_below_income(root, today.year)
    grade_rows = selectors.grade_summary(root, income)
    return render(
        request,
        "workforce/figures.html",
        {
            "title": "社区工作者队伍",
            "root": root,
            "figs": list(page.object_list),
            "page": page,
            "overdue": [t for t in training if t.state == "overdue"][:50],
            "due": sum(1 for t in training if t.state == "due"),
            "overdue_n": sum(1 for t in training if t.state == "overdue"),
            "trained_ok": sum(1 for t in training if t.state == "ok"),
            "graded": graded,
            "below": below,
            "income": income,
            "grade_rows": grade_rows,
            "candidates": list(selectors.candidates_under(root).filter(status=CandidateStatus.POOL)[:100]),
        },
    )


# --- entry forms of the workforce figures: grades, the income baseline, the 后备人才库 ------------------


def _posted(
    request: AuthedHttpRequest, form: Any, write: Callable[[dict[str, Any]], str], to: str
) -> HttpResponse | None:
    """A POSTed ``form`` handed to ``write`` (the service call; it answers the success message): the
    redirect to ``to`` once written, else None with the refusal put on the form (shown again, 400)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        message = write(form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        add_service_error(form, exc)
        return None
    messages.success(request, message)
    return redirect(to)


GRADE_EDITORS = frozenset({Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})
INCOME_EDITORS = frozenset({Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})


@login_required
def grades(request: AuthedHttpRequest) -> HttpResponse:
    """定岗定级: the community workers under the account with their post, grade and pay; each one's
    link opens the form that sets them."""
    require_role(request.user, GRADE_EDITORS, "岗位等级由街道或区级确定")
    root = _root(request, request.GET.get("region", "")[:15])
    today = timezone.localdate()
    qs = selectors.graded_staff(root)
    income = selectors.income_for(root, today.year - 1)
    return render(
        request,
        "workforce/grades.html",
        {
            "title": "定岗定级",
            "root": root,
            "page": Paginator(qs, 30).get_page(request.GET.get("page")),
            "income": income,
            "communities": selectors.communities_under(root),
        },
    )


@login_required
def grade_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One community worker's post and grade in 三岗十八级 and his annual pay."""
    require_role(request.user, GRADE_EDITORS, "岗位等级由街道或区级确定")
    staff = get_object_or_404(selectors.graded_staff(_root(request, "")), pk=pk)
    current = getattr(staff, "grade", None)
    initial = (
        {"post": current.post, "grade": current.grade, "annual_pay": current.annual_pay} if current else {}
    )
    form = GradeForm(request.POST or None, initial=initial)

    def write(d: dict[str, Any]) -> str:
        services.staff_grade_set(
            by=request.user, staff=staff, post=d["post"], grade=d["grade"], annual_pay=d["annual_pay"]
        )
        return f"已保存 {staff.name} 的岗位等级"

    done = _posted(request, form, write, f"{reverse('workforce:grades')}?region={staff.region.code}")
    if done is not None:
        return done
    income = selectors.income_for(staff.region, timezone.localdate().year - 1)
    return render(
        request,
        "workforce/grade_edit.html",
        {"title": f"定岗定级：{staff.name}", "staff": staff, "form": form, "income": income},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def income(request: AuthedHttpRequest) -> HttpResponse:
    """上年度城镇居民人均可支配收入: the district enters it per year; community workers' pay is read
    against it (报酬不低于上年度当地城镇居民可支配收入)."""
    require_role(request.user, SUPERVISORS - {Role.COMMUNITY_WORKER}, "本账号不能查看队伍统计")
    region = request.user.region or Region.objects.current().filter(level=Level.DISTRICT).first()
    if region is None:
        raise Http404("还没有区划")
    editor = effective_role(request.user) in INCOME_EDITORS
    year = timezone.localdate().year - 1
    form = IncomeForm(request.POST or None, initial={"year": year})
    if request.method == "POST" and not editor:
        raise PermissionDenied("城镇居民人均可支配收入由区级填报")

    def write(d: dict[str, Any]) -> str:
        services.income_set(by=request.user, region=region, year=d["year"], income=d["income"])
        return f"已保存 {d['year']} 年的城镇居民人均可支配收入"

    done = _posted(request, form, write, reverse("workforce:income"))
    if done is not None:
        return done
    return render(
        request,
        "workforce/income.html",
        {
            "title": "城镇居民人均可支配收入",
            "region": region,
            "form": form,
            "editor": editor,
            "rows": selectors.income_rows(region),
            "year": year,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def candidates(request: AuthedHttpRequest) -> HttpResponse:
    """后备人才库: the candidates of the account's communities — add one, mark one placed (已任用)
    or withdrawn (已退出); those who left stay as history."""
    require_role(request.user, services.TEAM_EDITORS, "只有社区及以上工作人员可以维护后备人才库")
    root = _root(request, "")
    communities = selectors.communities_under(root)
    flt = CandidateFilter(request.GET)
    chosen = (flt.cleaned_data.get("status") if flt.is_valid() else "") or "pool"
    form = CandidateForm(request.POST or None, initial={"region": communities[0].code if communities else ""})

    def write(d: dict[str, Any]) -> str:
        region = next((c for c in communities if c.code == d["region"]), None)
        if region is None:
            raise invalid("region", "请选择后备人才所在的社区（村）", "candidate.region_invalid")
        services.candidate_add(
            by=request.user,
            region=region,
            name=d["name"] or "",
            birth_year=d["birth_year"],
            education=d["education"],
            current_work=d["current_work"],
            intended_post=d["intended_post"],
        )
        return f"已将 {d['name']} 登记入后备人才库"

    done = _posted(request, form, write, reverse("workforce:candidates"))
    if done is not None:
        return done
    qs = selectors.candidates_under(root)
    if chosen != "all":
        qs = qs.filter(status=chosen)
    return render(
        request,
        "workforce/candidates.html",
        {
            "title": "后备人才库",
            "root": root,
            "form": form,
            "flt": flt,
            "chosen": chosen,
            "communities": communities,
            "counts": selectors.candidate_counts(root),
            "page": Paginator(qs, 30).get_page(flt.cleaned_data.get("page") if flt.is_valid() else None),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def candidate_leave(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Mark a candidate placed or withdrawn (the page of that one form, shown again on an error)."""
    require_role(request.user, services.TEAM_EDITORS, "只有社区及以上工作人员可以维护后备人才库")
    candidate = get_object_or_404(selectors.candidates_under(_root(request, "")), pk=pk)
    form = CandidateLeaveForm(request.POST or None)

    def write(d: dict[str, Any]) -> str:
        services.candidate_leave(
            by=request.user, candidate=candidate, status=d["status"], outcome=d["outcome"], on=d["on"]
        )
        return f"{candidate.name}：{candidate.get_status_display()}"

    done = _posted(request, form, write, reverse("workforce:candidates"))
    if done is not None:
        return done
    return render(
        request,
        "workforce/candidate_leave.html",
        {"title": f"后备人才出库：{candidate.name}", "candidate": candidate, "form": form},
        status=400 if request.method == "POST" else 200,
    )
