"""Pages of the care module: the worker's visits on the phone, the community's visit rate and overdue
visits, care files, 政策找人 alerts, referrals and the district's rules.

Every write reads its input through a form of ``linli.care.forms`` and calls one service; a refusal
is put on the form with the service's code and shown at the top of the page."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.care import selectors, services
from linli.care.forms import (
    MANUAL_OUTCOMES,
    AlertDecisionForm,
    FileForm,
    PostAssignForm,
    PostEndForm,
    ReferralCloseForm,
    ReferralForm,
    RuleForm,
    VisitForm,
)
from linli.care.models import (
    POST_CHOICES,
    AlertStatus,
    CareRule,
    Frequency,
    Referral,
    ReferralKind,
    Visit,
    Visitor,
    VisitStatus,
)
from linli.core.forms import add_service_error
from linli.core.models import AuthedHttpRequest
from linli.core.paging import CountedPaginator, bounded_count, latest_first
from linli.core.roles import REGISTRY_READERS, Role, effective_role
from linli.core.scope import scoped
from linli.services.models import Application, TaxonomyTerm

ABSENT = "不存在或不在本账号的数据范围内"


def nav_section(user: Any, role: str) -> list[tuple[str, str]]:
    if role == Role.GRID_WORKER:
        return [("care:index", "关爱巡访")]
    if role not in REGISTRY_READERS:
        return []
    out = [
        ("care:index", "关爱巡访"),
        ("care:overview", "探访率"),
        ("care:files", "关爱档案"),
        ("care:posts", "关爱岗位"),
    ]
    if role in services.RULE_EDITORS:
        out.append(("care:rules", "关爱人群规则"))
    return out


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if effective_role(request.user) not in REGISTRY_READERS:
            raise PermissionDenied("本页面供网格员和社区工作人员使用")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def mask(name: str) -> str:
    """王秀英 → 王**: names in lists are masked; the full name is on the visit or file page."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def _refused(
    request: AuthedHttpRequest, form: forms.BaseForm, exc: ValidationError | PermissionDenied | None
) -> None:
    if exc is not None:
        add_service_error(form, exc)  # type: ignore[arg-type]
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}：{e}" if label else str(e))


def _write(request: AuthedHttpRequest, form: forms.BaseForm, write: Callable[[], Any], done: str) -> bool:
    if not form.is_valid():
        _refused(request, form, None)
        return False
    try:
        write()
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, form, exc)
        return False
    messages.success(request, done)
    return True


def _month(value: str | None) -> dt.date:
    today = timezone.localdate()
    try:
        y, m = (int(x) for x in (value or "").split("-"))
        return dt.date(y, m, 1)
    except ValueError:
        return today.replace(day=1)


def _home_of(person: Any) -> str:
    """Where the person lives, no finer than the building in lists."""
    hh = person.household
    if hh is not None and hh.building is not None:
        return hh.building.name
    return person.region.name


@staff_only
def index(request: AuthedHttpRequest) -> HttpResponse:
    """我的巡访: the visits due and overdue assigned to the account, and the 政策找人 alerts to check."""
    user = request.user
    today = timezone.localdate()
    visits = list(
        selectors.my_visits(user, today).select_related(
            "file__person__household__building", "file__person__region"
        )[:200]
    )
    rows = [
        {
            "visit": v,
            "name": mask(v.file.person.name),
            "age": v.file.person.age_on(today),
            "home": _home_of(v.file.person),
            "overdue": v.status == VisitStatus.OVERDUE or v.due_on < today,
        }
        for v in visits
    ]
    alerts = list(selectors.open_alerts(user)[:50])
    done_now = 0
    if not rows:  # "all done" only when something was his to do this period
        done_now = (
            selectors.visits_for(user)
            .filter(assigned_to=user, status=VisitStatus.DONE, period_start__lte=today, due_on__gte=today)
            .count()
        )
    return render(
        request,
        "care/index.html",
        {
            "title": "关爱巡访",
            "rows": rows,
            "done_now": done_now,
            "staff": effective_role(user) != Role.GRID_WORKER,
            "alerts": [(a, mask(a.file.person.name)) for a in alerts],
            "today": today,
        },
    )


@staff_only
def visit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The visit on the phone: who, why they are owed it, the checklist, photos, a need, the next date."""
    found = (
        selectors.visits_for(request.user)
        .select_related("file__person__household__building")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("巡访" + ABSENT)
    form = VisitForm(request.POST or None, request.FILES or None, checklist=list(found.rule.checklist))
    if request.method == "POST":
        ok = _write(
            request,
            form,
            lambda: services.visit_record(
                actor=request.user, visit=found, photos=request.FILES.getlist("photos"), **form.values()
            ),
            "巡访已记录",
        )
        if ok:
            return redirect("care:index")
    person = found.file.person
    today = timezone.localdate()
    # a missed visit of a period that has ended cannot be recorded late: point to this period's one
    current = None
    if found.status != VisitStatus.DONE and found.due_on < today:
        current = (
            selectors.visits_for(request.user)
            .filter(file_id=found.file_id, period_start__lte=today, due_on__gte=today)
            .exclude(status=VisitStatus.DONE)
            .first()
        )
    reasons = list(found.file.memberships.filter(until__isnull=True).select_related("rule"))
    last = (
        found.file.visits.filter(status=VisitStatus.DONE).exclude(pk=found.pk).order_by("-visited_at").first()
    )
    return render(
        request,
        "care/visit.html",
        {
            "title": f"巡访 {person.name}",
            "v": found,
            "period_over": found.status != VisitStatus.DONE and found.due_on < today,
            "current": current,
            "person": person,
            "age": person.age_on(timezone.localdate()),
            "home": _home_of(person),
            "reasons": reasons,
            "last": last,
            "form": form,
            "checks": [(f"check_{n}", item) for n, item in enumerate(found.rule.checklist)],
            "terms": TaxonomyTerm.objects.filter(parent__isnull=False).order_by("code")[:40],
        },
    )


# the level one below the account's region: a city's districts, a district's streets … a community's grids
LOWER_LEVEL = {2: 4, 4: 6, 6: 9, 9: 12, 12: 15}


@staff_only
def overview(request: AuthedHttpRequest) -> HttpResponse:
    """探访率: the month's visit rate per grid (or community) and care group, overdue visits, group counts,
    referrals by outcome — for the account's region."""
    user = request.user
    month = _month(request.GET.get("month"))
    root = user.region_code or "35"
    n = LOWER_LEVEL.get(len(root), 15)
    by_region = selectors.visit_rates(root, month, by="region", n=n)
    by_rule = selectors.visit_rates(root, month)
    total_owed = sum(r.owed for r in by_rule)
    total_done = sum(r.visited for r in by_rule)
    missed = scoped(Visit.objects.filter(status=VisitStatus.OVERDUE), user)
    overdue_total = selectors.overdue_count(user)
    overdue = list(  # the latest 30 (a street's whole list would be pages long on a phone)
        missed.select_related("file__person", "rule", "region", "assigned_to", "staff").order_by(
            latest_first(user, "due_on"), "-id"
        )[:30]
    )
    refs = (
        scoped(Referral.objects.all(), user)
        .values("kind", "outcome")
        .annotate(n=Count("pk"))
        .order_by("kind", "outcome")
    )
    outcome_words = dict(Referral._meta.get_field("outcome").choices or [])
    kind_words = dict(ReferralKind.choices)
    months = [timezone.localdate().replace(day=1)]
    for _ in range(23):  # two years back, month by month
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    return render(
        request,
        "care/overview.html",
        {
            "title": "特殊困难群体探访率",
            "month": month,
            "in_progress": month == timezone.localdate().replace(day=1),
            "months": months,
            "by_region": by_region,
            "by_rule": by_rule,
            "total": (
                total_owed,
                total_done,
                None if not total_owed else round(100.0 * total_done / total_owed, 1),
            ),
            "overdue": [(v, mask(v.file.person.name)) for v in overdue],
            "overdue_total": overdue_total,
            "groups": selectors.group_counts(root),
            "vacant": selectors.vacant_posts(root),
            "referrals": [
                (kind_words.get(r["kind"], ""), outcome_words.get(r["outcome"], "办理中"), r["n"])
                for r in refs
            ],
            "level_word": {4: "市", 6: "区县", 9: "街道/乡镇", 12: "社区/村", 15: "网格"}.get(n, "网格"),
        },
    )


@staff_only
def files(request: AuthedHttpRequest) -> HttpResponse:
    qs = selectors.files_for(request.user).select_related("person__household__building")
    rule = request.GET.get("rule") or ""
    state = request.GET.get("state") or "open"
    if rule:
        qs = qs.filter(memberships__rule__code=rule, memberships__until__isnull=True)
    qs = qs.filter(closed_on__isnull=True) if state == "open" else qs.filter(closed_on__isnull=False)
    n, more = bounded_count(qs.values("pk"))  # a city's million files are not counted for a pager
    page = CountedPaginator(qs.order_by("region__code", "id"), 30, count=n, more=more).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [(f, mask(f.person.name), f.person.age_on(today), _home_of(f.person)) for f in page]
    return render(
        request,
        "care/files.html",
        {
            "title": "关爱档案",
            "page": page,
            "rows": rows,
            "rules": CareRule.objects.filter(active=True),
            "g": {"rule": rule, "state": state},
        },
    )


@staff_only
def file_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.files_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("关爱档案" + ABSENT)
    form = (
        FileForm(request.POST or None, instance=found)
        if request.method == "POST"
        else FileForm(instance=found)
    )
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in services.FILE_TEXT}

        def save() -> Any:
            d = form.cleaned_data
            found.refresh_from_db()
            return services.file_update(
                actor=request.user,
                file=found,
                need_level=d.get("need_level") or "",
                assessed_on=d.get("assessed_on"),
                **{k: d.get(k, values[k]) or "" for k in services.FILE_TEXT},
            )

        if _write(request, form, save, "档案已更新"):
            return redirect("care:file", pk=pk)
    else:
        services.file_viewed(actor=request.user, file=found)
    return render(
        request,
        "care/file.html",
        {
            "title": f"{found.person.name}的关爱档案",
            "f": found,
            "person": found.person,
            "age": found.person.age_on(timezone.localdate()),
            "form": form,
            "memberships": found.memberships.select_related("rule").order_by("-since"),
            "visits": found.visits.select_related("rule", "assigned_to").order_by("-period_start")[:24],
            "referrals": selectors.referral_states(found.referrals.order_by("-created_at")),
            "alerts": found.alerts.select_related("rule"),
            "targets": selectors.referral_targets(found),
            "outcomes": MANUAL_OUTCOMES,
        },
    )


@staff_only
@require_POST
def refer(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.files_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("关爱档案" + ABSENT)
    form = ReferralForm(request.POST, targets=selectors.referral_targets(found))
    _write(
        request,
        form,
        lambda: services.referral_create(
            actor=request.user,
            file=found,
            kind=form.values()["kind"],
            target=form.values()["target"],
            summary=form.values()["summary"],
        ),
        "已转介",
    )
    return redirect("care:file", pk=pk)


@staff_only
@require_POST
def referral_close(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    found = scoped(Referral.objects.all(), request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("转介" + ABSENT)
    form = ReferralCloseForm(request.POST)
    _write(
        request,
        form,
        lambda: services.referral_close(actor=request.user, referral=found, **form.cleaned_data),
        "转介已办结",
    )
    return redirect("care:file", pk=found.file_id)


@staff_only
def alert(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """政策找人: the alert with its reason; confirm (the one-window application starts) or dismiss."""
    found = selectors.alerts_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("预警" + ABSENT)
    form = AlertDecisionForm(request.POST or None)
    if request.method == "POST":

        def decide() -> Any:
            if form.cleaned_data["decision"] == "confirm":
                return services.alert_confirm(actor=request.user, alert=found)
            return services.alert_dismiss(actor=request.user, alert=found, reason=form.cleaned_data["reason"])

        done = "已发起一窗受理申请" if request.POST.get("decision") == "confirm" else "预警已排除"
        if _write(request, form, decide, done):
            return redirect("care:alert", pk=pk)
    found.refresh_from_db()
    application = None
    if found.application_id:
        application = Application.objects.filter(pk=found.application_id).first()
    return render(
        request,
        "care/alert.html",
        {
            "title": f"可能符合{found.rule.policy_label}",
            "a": found,
            "person": found.file.person,
            "age": found.file.person.age_on(timezone.localdate()),
            "application": application,
            "open": found.status == AlertStatus.OPEN,
        },
    )


@staff_only
def rules(request: AuthedHttpRequest) -> HttpResponse:
    members = selectors.rule_members(request.user)
    return render(
        request,
        "care/rules.html",
        {
            "title": "关爱人群规则",
            "rules": [(rule, members.get(rule.pk, 0)) for rule in CareRule.objects.order_by("sort")],
            "editor": effective_role(request.user) in services.RULE_EDITORS,
        },
    )


@staff_only
def rule_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    rule = CareRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404("规则不存在")
    initial = {
        "name": rule.name,
        "description": rule.description,
        "condition": json.dumps(rule.condition, ensure_ascii=False, indent=1),
        "frequency": rule.frequency,
        "visitor": rule.visitor,
        "checklist": "\n".join(rule.checklist),
        "policy_item": rule.policy_item,
        "policy_label": rule.policy_label,
        "active": rule.active,
    }
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and _write(
        request,
        form,
        lambda: services.rule_save(actor=request.user, rule=rule, **form.values()),
        "规则已保存，今晚重新评估",
    ):
        return redirect("care:rules")
    return render(
        request,
        "care/rule_form.html",
        {
            "title": f"编辑规则：{rule.name}",
            "rule": rule,
            "form": form,
            "frequencies": Frequency.choices,
            "visitors": Visitor.choices,
            "tags": sorted(selectors.TAGS.items()),
        },
    )


@staff_only
def posts(request: AuthedHttpRequest) -> HttpResponse:
    """关爱岗位: each community's 儿童主任, 社会救助协理员 and social worker, the communities missing one
    flagged, the history of designations; community and street staff designate and end them."""
    user = request.user
    root = user.region_code or "35"
    vacant_only = request.GET.get("vacant") == "1"
    regions = selectors.communities_under(root)
    if vacant_only:
        regions = selectors.vacant_communities(root)
    page = Paginator(regions, 12).get_page(request.GET.get("page"))
    boards = selectors.community_posts(list(page))
    editor = effective_role(user) in services.POST_MANAGERS
    candidates = {
        street: list(selectors.post_candidates(street)) for street in {b.region.code[:9] for b in boards}
    }
    return render(
        request,
        "care/posts.html",
        {
            "title": "关爱岗位",
            "page": page,
            "boards": [(b, candidates[b.region.code[:9]]) for b in boards],
            "vacant": selectors.vacant_posts(root),
            "vacant_only": vacant_only,
            "editor": editor,
            "post_choices": POST_CHOICES,
            "today": timezone.localdate(),
            "g": {"vacant": "1" if vacant_only else ""},
        },
    )


@staff_only
@require_POST
def post_assign(request: AuthedHttpRequest, code: str) -> HttpResponse:
    region = selectors.community_for(request.user, code)
    if region is None:
        raise Http404("社区" + ABSENT)
    form = PostAssignForm(request.POST, candidates=selectors.post_candidates(region.code))
    _write(
        request,
        form,
        lambda: services.care_worker_assign(actor=request.user, region=region, **form.cleaned_data),
        "岗位已指定",
    )
    return redirect(f"{reverse('care:posts')}#c{region.code}")


@staff_only
@require_POST
def post_end(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.post_for(request.user, pk)
    if found is None:
        raise Http404("岗位" + ABSENT)
    form = PostEndForm(request.POST)
    _write(
        request,
        form,
        lambda: services.care_worker_end(actor=request.user, worker=found, **form.cleaned_data),
        "已办理离岗",
    )
    return redirect(f"{reverse('care:posts')}#c{found.region.code}")
