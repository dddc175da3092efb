"""Sign-in, the home page of each role, the audit log, and the account pages (own password, and for
administrators: password resets and login lockouts)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.core import context, demo_steps
from linli.core.forms import AccountSearchForm, AuditLogFilterForm, PasswordChangeForm, UnlockForm
from linli.core.home import home_context, page_for, server_timing
from linli.core.models import AuditAction, AuthedHttpRequest
from linli.core.roles import AUDITORS, REGION_ADMINS, Role, effective_role, require_role
from linli.core.selectors import accounts_manageable, audit_entries, is_system_admin, locked_accounts
from linli.core.services import account_unlock, password_change, password_reset

SYSTEM_ADMINS = frozenset({Role.SYSTEM_ADMIN})


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # a demo database lists its accounts here: the terminal's copy scrolls away under the server log
        context["demo_accounts"] = demo_steps.accounts() if demo_steps.present() else []
        return context


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    """首页: the page of the account's kind, filled by the modules' panels (``linli.core.home``)."""
    role = effective_role(request.user)
    ctx = home_context(request.user, role, {"title": "首页", "role": role})
    response = render(request, page_for(role), ctx)
    if role != Role.RESIDENT:  # where a slow home page spends its time (the city bench prints it)
        response["Server-Timing"] = server_timing(ctx["timings"])
    return response


@login_required
def audit_log(request: AuthedHttpRequest) -> HttpResponse:
    require_role(request.user, AUDITORS, "只有区/市管理员和系统管理员可以查看审计日志")
    form = AuditLogFilterForm(request.GET)
    page = Paginator(audit_entries(by=request.user, **form.filters()), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {
            "title": "审计日志",
            "page": page,
            "actions": AuditAction.choices,
            "f": form.data,
            "total": page.paginator.count,
        },
    )


# --- accounts --------------------------------------------------------------------------------------


@login_required
def account_password(request: AuthedHttpRequest) -> HttpResponse:
    """修改密码: every signed-in account changes its own password (and must, after a reset)."""
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(user=user, new_password=form.cleaned_data["new_password1"], request=request)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            update_session_auth_hash(request, user)  # this session stays signed in
            messages.success(request, "密码已修改")
            return redirect("home")
    return render(
        request,
        "core/account_password.html",
        {"title": "修改密码", "form": form, "forced": user.must_change_password},
    )


@login_required
def account_admin(request: AuthedHttpRequest) -> HttpResponse:
    """账号管理: the accounts this administrator manages (password reset) and, for system administrators,
    the names whose sign-in is locked."""
    if context.ACCOUNT_ADMIN:  # the accounts module's pages took this one over
        query = request.GET.urlencode()
        return redirect(reverse(context.ACCOUNT_ADMIN["list"]) + (f"?{query}" if query else ""))
    require_role(request.user, REGION_ADMINS, "只有区/市管理员和系统管理员可以管理账号")
    form = AccountSearchForm(request.GET or None)
    qs = accounts_manageable(request.user).select_related("region", "organisation")
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"].strip()
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    page = Paginator(qs.order_by("username"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/account_admin.html",
        {
            "title": "账号管理",
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "locked": locked_accounts() if is_system_admin(request.user) else None,
        },
    )


@login_required
@require_POST
def account_reset(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Reset an account's password; the one-time password is shown on this response only."""
    if context.ACCOUNT_ADMIN:  # nothing is reset here any more: the account's page does it
        return redirect(context.ACCOUNT_ADMIN["detail"], pk=pk)
    target = get_object_or_404(accounts_manageable(request.user), pk=pk)
    password = password_reset(user=target, by=request.user, request=request)
    response = render(
        request,
        "core/account_reset_done.html",
        {"title": "密码已重置", "target": target, "password": password},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def account_unlock_view(request: AuthedHttpRequest) -> HttpResponse:
    """解除锁定 (system administrators)."""
    if context.ACCOUNT_ADMIN:
        return redirect(context.ACCOUNT_ADMIN["list"])
    require_role(request.user, SYSTEM_ADMINS, "只有系统管理员可以解除登录锁定")
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请指定要解除锁定的账号")
        return redirect("account_admin")
    username = form.cleaned_data["username"]
    try:
        account_unlock(username=username, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已解除账号 {username} 的登录锁定")
    return redirect("account_admin")
