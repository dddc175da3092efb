"""Sign-in, the home page of each role, the audit log, and the account pages (own password, and for
administrators: password resets and login lockouts)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.forms import AccountSearchForm, PasswordChangeForm, UnlockForm
from linli.core.models import AuditAction, AuditLog, AuthedHttpRequest
from linli.core.roles import AUDITORS, REGION_ADMINS, REGISTRY_READERS, Role
from linli.core.scope import scoped
from linli.core.selectors import accounts_manageable, is_system_admin, locked_accounts
from linli.core.services import account_unlock, password_change, password_reset


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    from linli.regions.models import Region
    from linli.regions.rollup import annotate_rollup
    from linli.registry.models import Person, PersonStatus, PersonTag, TagKind
    from linli.registry.selectors import person_tags_display, years_ago

    user = request.user
    role = Role.SYSTEM_ADMIN if user.is_superuser else user.role
    ctx: dict = {"title": "首页", "role": role}
    if role == Role.RESIDENT:
        me = user.person
        ctx["me"] = me
        if me is not None:
            ctx["my_tags"] = person_tags_display(me)
            ctx["members"] = (
                scoped(Person.objects.filter(household_id=me.household_id).exclude(pk=me.pk), user)
                if me.household_id
                else []
            )
        return render(request, "core/home_resident.html", ctx)
    region = user.region or Region.objects.current().filter(level__lte=3).order_by("-level").first()
    if region is not None:
        ctx["region"] = annotate_rollup(Region.objects.filter(pk=region.pk)).get()
        children = annotate_rollup(
            Region.objects.current().filter(parent=region), ["population", "households", "grids"]
        )
        ctx["children"] = list(children)
    if role in REGISTRY_READERS and region is not None:
        today = timezone.localdate()
        persons = scoped(Person.objects.filter(status=PersonStatus.ACTIVE), user)
        ctx["people"] = persons.aggregate(
            elderly60=Count("pk", filter=Q(birth_date__lte=years_ago(today, 60))),
            elderly80=Count("pk", filter=Q(birth_date__lte=years_ago(today, 80))),
            children=Count("pk", filter=Q(birth_date__gt=years_ago(today, 18))),
            floating=Count("pk", filter=Q(residence_type="floating")),
        )
        care = [
            TagKind.LIVING_ALONE,
            TagKind.DISABLED,
            TagKind.DIBAO,
            TagKind.TEKUN,
            TagKind.LEFT_BEHIND_CHILD,
            TagKind.VETERAN,
        ]
        tag_counts = dict(
            scoped(PersonTag.objects.valid_on(today).filter(kind__in=care, person__status="active"), user)
            .values_list("kind")
            .annotate(n=Count("pk"))
        )
        ctx["care"] = [(k, TagKind(k).label, tag_counts.get(k, 0)) for k in care]
    ctx["can_audit"] = role in AUDITORS
    template = "core/home_department.html" if role == Role.DEPARTMENT_HANDLER else "core/home_staff.html"
    return render(request, template, ctx)


@login_required
def audit_log(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_superuser or user.role in AUDITORS):
        raise PermissionDenied("只有区/市管理员和系统管理员可以查看审计日志")
    qs = scoped(AuditLog.objects.all(), user)
    g = request.GET
    if g.get("action"):
        qs = qs.filter(action=g["action"])
    if g.get("actor"):
        qs = qs.filter(actor_name__contains=g["actor"].strip())
    if g.get("subject"):
        qs = qs.filter(subject_label__contains=g["subject"].strip())
    for key, lookup in (("from", "at__date__gte"), ("to", "at__date__lte")):
        try:
            if g.get(key):
                qs = qs.filter(**{lookup: dt.date.fromisoformat(g[key])})
        except ValueError:
            pass
    page = Paginator(qs, 50).get_page(g.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {
            "title": "审计日志",
            "page": page,
            "actions": AuditAction.choices,
            "f": g,
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


def _require_account_admin(request: AuthedHttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or user.role in REGION_ADMINS):
        raise PermissionDenied("只有区/市管理员和系统管理员可以管理账号")


@login_required
def account_admin(request: AuthedHttpRequest) -> HttpResponse:
    """账号管理: the accounts this administrator manages (password reset) and, for system administrators,
    the names whose sign-in is locked."""
    _require_account_admin(request)
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
    if not is_system_admin(request.user):
        raise PermissionDenied("只有系统管理员可以解除登录锁定")
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
