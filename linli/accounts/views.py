"""Pages of 账号管理 (district and street administrators over their subtree; community workers for
residents' link requests; residents for their own link), and the schedule page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.accounts import services
from linli.accounts.forms import (
    AccountChangeForm,
    AccountImportForm,
    AccountOpenForm,
    AccountSearchForm,
    PersonLinkDecideForm,
    PersonLinkRequestForm,
    ReasonForm,
)
from linli.accounts.models import StatusChange
from linli.accounts.selectors import (
    accounts_managed,
    accounts_search,
    is_manager,
    manager_code,
    person_link_of,
    person_links_to_check,
    staff_for_account,
    staff_without_account,
)
from linli.core import schedule
from linli.core.errors import Forbidden
from linli.core.models import AuthedHttpRequest, User
from linli.core.roles import Role, effective_role
from linli.core.scope import OutOfScope
from linli.core.selectors import is_system_admin, locked_accounts
from linli.core.services import account_unlock as core_unlock
from linli.core.tabular import template_header, template_notes, xlsx_bytes
from linli.regions.models import Level, Region
from linli.registry.models import Staff, StaffKind

LINK_CHECKERS = {Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
SCHEDULE_READERS = {Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}


def nav_section(user: Any, role: str) -> list[tuple[str, str]]:
    entries = []
    if role in {Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}:
        entries.append(("accounts:list", "账号管理"))
    if role in LINK_CHECKERS:
        entries.append(("accounts:links", "居民账号关联"))
    if role in SCHEDULE_READERS:
        entries.append(("accounts:schedule", "定时任务"))
    if role == Role.RESIDENT and not getattr(user, "person_id", None):
        entries.append(("accounts:link_mine", "关联本人档案"))
    return entries


def _manager(request: AuthedHttpRequest) -> User:
    if not is_manager(request.user):
        raise Forbidden("只有区/市管理员、街道/乡镇协调员和系统管理员可以开通和调整账号")
    return request.user


def _errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _regions(by: User, staff: Staff | None = None) -> list[Region]:
    """The regions offered for binding: a staff member's grids, community, street and district (those in
    ``by``'s subtree), or every street, community and grid of the subtree."""
    code = manager_code(by)
    if staff is not None:
        codes = [g.code for g in staff.grids.all()] + [staff.region.code]
        codes += [staff.region.code[:9], staff.region.code[:6]]
        found = Region.objects.current().filter(code__in=codes, code__startswith=code)
        return sorted(found, key=lambda r: (-len(r.code), r.code))
    qs = Region.objects.current().filter(code__startswith=code)
    return list(qs.filter(level__gte=Level.DISTRICT).order_by("code")[:3000])


@login_required
def account_list(request: AuthedHttpRequest) -> HttpResponse:
    by = _manager(request)
    form = AccountSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = accounts_search(
        by=by, q=filters.get("q", ""), role=filters.get("role", ""), status=filters.get("status", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    locked = locked_accounts()
    managed = set(
        accounts_managed(by)
        .filter(username__in=[a.username for a in locked])
        .values_list("username", flat=True)
    )
    # a system administrator also sees names no page of theirs manages (other administrators, unknown names)
    shown = [a for a in locked if a.username in managed or is_system_admin(by)]
    return render(
        request,
        "accounts/list.html",
        {
            "title": "账号管理",
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "locked": {a.username for a in locked},
            "locked_shown": shown,
        },
    )


@login_required
@require_POST
def locked_unlock(request: AuthedHttpRequest) -> HttpResponse:
    """解除锁定 from the list: an account ``by`` manages, or (system administrators) any locked name."""
    by = _manager(request)
    username = request.POST.get("username", "")[:150]
    target = accounts_managed(by).filter(username=username).first()
    try:
        if target is not None:
            services.account_unlock(by=by, user=target)
        elif is_system_admin(by):
            core_unlock(username=username, by=by, request=request)
        else:
            raise Http404("账号不存在，或不在本账号的管理范围内")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已解除账号 {username} 的登录锁定")
    return redirect("accounts:list")


@login_required
def staff_pick(request: AuthedHttpRequest) -> HttpResponse:
    by = _manager(request)
    q = request.GET.get("q", "")[:64]
    page = Paginator(staff_without_account(by=by, q=q), 50).get_page(request.GET.get("page"))
    return render(
        request, "accounts/staff_pick.html", {"title": "从工作人员名册开通账号", "page": page, "q": q}
    )


def _default_role(staff: Staff) -> str:
    return str(services.STAFF_ROLE.get(StaffKind(staff.kind), Role.COMMUNITY_WORKER))


@login_required
def account_open(request: AuthedHttpRequest, staff_pk: int) -> HttpResponse:
    by = _manager(request)
    staff = staff_for_account(by=by, pk=staff_pk)
    if staff is None:
        raise Http404("工作人员不存在，或已开通账号")
    regions = _regions(by, staff)
    initial = {
        "role": _default_role(staff),
        "region": regions[0].code if regions else "",
        "organisation": staff.organisation_id,
    }
    form = AccountOpenForm(request.POST or None, by=by, regions=regions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            opened = services.account_open_for_staff(
                by=by,
                staff=staff,
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                region=form.cleaned_data["region"],
                more_regions=form.cleaned_data.get("more_regions", []),
                organisation=form.cleaned_data["organisation"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            return _password_page(request, opened.user, opened.password, opened_now=True)
    return render(request, "accounts/open.html", {"title": "开通账号", "form": form, "staff": staff})


def _password_page(
    request: AuthedHttpRequest, user: User, password: str, *, opened_now: bool
) -> HttpResponse:
    response = render(
        request,
        "accounts/password_once.html",
        {
            "title": "账号已开通" if opened_now else "密码已重置",
            "target": user,
            "password": password,
            "opened_now": opened_now,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _account(request: AuthedHttpRequest, pk: int) -> User:
    return get_object_or_404(accounts_managed(request.user), pk=pk)


@login_required
def account_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    by = _manager(request)
    target = _account(request, pk)
    regions = _regions(by, getattr(getattr(target, "staff_link", None), "staff", None)) or _regions(by)
    held = list(
        Region.objects.filter(
            pk__in=[target.region_id, *target.extra_regions.values_list("region_id", flat=True)]
        )
    )
    regions = [r for r in held if r not in regions] + regions
    change = AccountChangeForm(
        request.POST if request.POST.get("action") == "change" else None,
        by=by,
        regions=regions,
        initial={
            "role": target.role,
            "region": target.region_code,
            "more_regions": list(target.more_region_codes or []),
            "organisation": target.organisation_id,
        },
    )
    reason = ReasonForm(request.POST if request.POST.get("action") == "status" else None)
    if request.method == "POST" and request.POST.get("action") == "change" and change.is_valid():
        try:
            services.account_change(
                by=by,
                user=target,
                role=change.cleaned_data["role"],
                region=change.cleaned_data["region"],
                more_regions=change.cleaned_data.get("more_regions", []),
                organisation=change.cleaned_data["organisation"],
            )
        except ValidationError as exc:
            _errors(change, exc)
        else:
            messages.success(request, "角色和范围已修改")
            return redirect("accounts:detail", pk=target.pk)
    if request.method == "POST" and request.POST.get("action") == "status" and reason.is_valid():
        write = services.account_reactivate if not target.is_active else services.account_deactivate
        try:
            write(by=by, user=target, reason=reason.cleaned_data["reason"])
        except ValidationError as exc:
            _errors(reason, exc)
        else:
            messages.success(request, "账号已" + ("启用" if not target.is_active else "停用"))
            return redirect("accounts:detail", pk=target.pk)
    return render(
        request,
        "accounts/detail.html",
        {
            "title": f"账号 {target.username}",
            "target": target,
            "change": change,
            "reason": reason,
            "history": StatusChange.objects.filter(user=target).select_related("by")[:20],
            "locked": target.username in {a.username for a in locked_accounts()},
            "staff": getattr(getattr(target, "staff_link", None), "staff", None),
            "more": sorted((r for r in held if r.pk != target.region_id), key=lambda r: r.code),
        },
    )


@login_required
@require_POST
def account_reset(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    by = _manager(request)
    target = _account(request, pk)
    return _password_page(
        request, target, services.account_password_reset(by=by, user=target), opened_now=False
    )


@login_required
@require_POST
def account_unlock(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    by = _manager(request)
    target = _account(request, pk)
    try:
        services.account_unlock(by=by, user=target)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已解除账号 {target.username} 的登录锁定")
    return redirect("accounts:detail", pk=target.pk)


@login_required
def account_import(request: AuthedHttpRequest) -> HttpResponse:
    by = _manager(request)
    form = AccountImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = services.accounts_import(
            by=by, upload=upload, filename=upload.name, dry_run=form.cleaned_data["dry_run"]
        )
    response = render(
        request, "accounts/import.html", {"title": "批量开通账号", "form": form, "result": result}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account_import_template(request: AuthedHttpRequest) -> HttpResponse:
    _manager(request)
    example = [[c.example for c in services.IMPORT_COLUMNS]]
    body = xlsx_bytes(
        template_header(services.IMPORT_COLUMNS), example, notes=template_notes(services.IMPORT_COLUMNS)
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E8%B4%A6%E5%8F%B7%E6%B8%85%E5%8D%95%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


# --- residents' links -------------------------------------------------------------------------------


@login_required
def person_links(request: AuthedHttpRequest) -> HttpResponse:
    if effective_role(request.user) not in LINK_CHECKERS:
        raise Forbidden("本账号不能核对居民账号关联")
    links = list(person_links_to_check(by=request.user)[:200])
    return render(
        request,
        "accounts/links.html",
        {"title": "居民账号关联", "links": links, "form": PersonLinkDecideForm()},
    )


@login_required
@require_POST
def person_link_decide(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(person_links_to_check(by=request.user), pk=pk)
    form = PersonLinkDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择核对结果")
        return redirect("accounts:links")
    try:
        services.person_link_decide(
            by=request.user, link=link, confirm=form.cleaned_data["confirm"], note=form.cleaned_data["note"]
        )
    except (ValidationError, OutOfScope) as exc:
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "已关联" if form.cleaned_data["confirm"] else "已退回申请")
    return redirect("accounts:links")


@login_required
def person_link_mine(request: AuthedHttpRequest) -> HttpResponse:
    if effective_role(request.user) != Role.RESIDENT:
        raise Forbidden("本页面供居民使用")
    form = PersonLinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_link_request(
                user=request.user, name=form.cleaned_data["name"], id_number=form.cleaned_data["id_number"]
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "申请已提交，请带身份证到社区服务站核对")
            return redirect("accounts:link_mine")
    return render(
        request,
        "accounts/link_mine.html",
        {"title": "关联本人档案", "form": form, "link": person_link_of(request.user)},
    )


# --- the schedule -----------------------------------------------------------------------------------


@login_required
def schedule_page(request: AuthedHttpRequest) -> HttpResponse:
    if effective_role(request.user) not in SCHEDULE_READERS:
        raise Forbidden("只有区/市管理员和系统管理员可以查看定时任务")
    return render(
        request,
        "accounts/schedule.html",
        {
            "title": "定时任务",
            "states": schedule.job_states(),
            "worker_alive": schedule.worker_alive(),
            "list_url": reverse("accounts:list"),
        },
    )
