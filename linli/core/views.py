"""Sign-in, the home page of each role, and the audit log."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from linli.core.models import AuditAction, AuditLog, AuthedHttpRequest
from linli.core.roles import AUDITORS, REGISTRY_READERS, Role
from linli.core.scope import scoped


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
