"""The staff's pages of the three lists: needs, resources, projects, and the matching of a batch."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from linli.core.candidates import Candidate
from linli.core.models import AuthedHttpRequest
from linli.core.scope import scoped
from linli.regions.models import Region
from linli.registry.models import Organisation
from linli.services import selectors, services
from linli.services.engine import matching, schedule
from linli.services.forms import (
    MatchConfirmForm,
    MatchingFilterForm,
    NeedFilterForm,
    NeedForm,
    ProjectAdvanceForm,
    ProjectForm,
    ResourceFilterForm,
    ResourceForm,
)
from linli.services.models import (
    FundingSource,
    NeedSource,
    NeedStatus,
    OfferedBy,
    Period,
    ResourceKind,
    Service,
    TaxonomyTerm,
    Urgency,
)
from linli.services.views.common import form_write, refused, staff_only

WEEKDAYS = list(enumerate(schedule.WEEKDAYS, 1))


def _regions(request: AuthedHttpRequest, lowest: int, highest: int = 6) -> Any:
    """The current regions of the account's scope between two levels, for a form's select."""
    qs = Region.objects.current().filter(level__gte=lowest, level__lte=highest)
    return scoped(qs, request.user).order_by("code")[:200]


@staff_only
def needs(request: AuthedHttpRequest) -> HttpResponse:
    form = NeedForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound:
        ok, _ = form_write(
            request,
            form,
            lambda: services.need_create(actor=request.user, **form.values()),
            lambda _: "已登记需求",
        )
        if ok:
            return redirect("services:needs")
    g = NeedFilterForm(request.GET).values()
    qs = selectors.need_list(request.user, status=g["status"], category=g["category"])
    return render(
        request,
        "services/needs.html",
        {
            "title": "居民需求清单",
            "page": Paginator(qs, 30).get_page(g["page"]),
            "g": g,
            "form": form,
            "summary": selectors.need_summary(request.user, status=g["status"]),
            "terms": TaxonomyTerm.objects.all(),
            "statuses": NeedStatus.choices,
            "sources": NeedSource.choices,
            "urgencies": Urgency.choices,
            "periods": Period.choices,
            "weekdays": WEEKDAYS,
            "regions": _regions(request, 4),
            "tab": "needs",
        },
    )


@staff_only
def resources(request: AuthedHttpRequest) -> HttpResponse:
    form = ResourceForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound:
        ok, _ = form_write(
            request,
            form,
            lambda: services.resource_create(actor=request.user, **form.values()),
            lambda _: "已登记资源",
        )
        if ok:
            return redirect("services:resources")
    g = ResourceFilterForm(request.GET).values()
    qs = selectors.resource_list(request.user, kind=g["kind"])
    return render(
        request,
        "services/resources.html",
        {
            "title": "社区资源清单",
            "page": Paginator(qs, 30).get_page(g["page"]),
            "form": form,
            "kinds": ResourceKind.choices,
            "offered": OfferedBy.choices,
            "terms": TaxonomyTerm.objects.all(),
            "g": g,
            "regions": _regions(request, 4, 5),
            "weekdays": WEEKDAYS,
            "tab": "resources",
        },
    )


def _project_write(request: AuthedHttpRequest) -> Any:
    """Write the posted project form (立项, or 下一阶段 of one project); returned with any errors on it."""
    advance = ProjectAdvanceForm(request.POST)
    valid = advance.is_valid()
    if advance.cleaned_data.get("action") == "advance":
        if not valid:
            refused(request, advance)
            return advance
        d = advance.cleaned_data
        project = selectors.project_list(request.user).filter(pk=d["project"] or 0).first()
        if project is None:
            raise Http404()
        try:
            services.project_advance(actor=request.user, project=project, note=d["note"], score=d["score"])
        except (ValidationError, PermissionDenied) as exc:
            refused(request, advance, exc)
        else:
            messages.success(request, f"“{project.name}”进入{project.get_stage_display()}阶段")
        return advance
    form = ProjectForm(request.POST, user=request.user)
    form_write(
        request,
        form,
        lambda: services.project_create(actor=request.user, **form.values()),
        lambda _: "已立项",
    )
    return form


@staff_only
def projects(request: AuthedHttpRequest) -> HttpResponse:
    form: Any = None
    if request.method == "POST":
        form = _project_write(request)
        if not form.errors:
            return redirect("services:projects")
    return render(
        request,
        "services/projects.html",
        {
            "title": "服务项目清单",
            "rows": selectors.project_list(request.user)[:100],
            "form": form,
            "fundings": FundingSource.choices,
            "terms": TaxonomyTerm.objects.all(),
            "orgs": scoped(Organisation.objects.filter(active=True), request.user).order_by("name")[:300],
            "regions": _regions(request, 3, 5),
            "open_needs": selectors.need_list(request.user, status=NeedStatus.OPEN)[:50],
            "tab": "projects",
        },
    )


def _suggestion(batch: selectors.Batch, i: int, j: int, score: float, chosen: bool) -> dict[str, Any]:
    na, pa = batch.arrays
    return {
        "provider": batch.providers[j],
        "key": pa.ids[j],
        "score": round(score, 1),
        "parts": matching.explain(na, pa, i, j),
        "chosen": chosen,
        "is_service": isinstance(batch.providers[j], Service),
        "candidate": batch.providers[j] if isinstance(batch.providers[j], Candidate) else None,
    }


@staff_only
def matching_page(request: AuthedHttpRequest) -> HttpResponse:
    g = MatchingFilterForm(request.GET).values()
    batch_needs = list(
        selectors.need_list(request.user, status=NeedStatus.OPEN, category=g["category"])
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
        ranked = matching.rank(na, pa, i, k=3) if batch.providers else []
        suggestions = [_suggestion(batch, i, j, score, chosen.get(i) == j) for j, score in ranked]
        assigned = chosen.get(i)
        if assigned is not None and not any(s["chosen"] for s in suggestions):
            suggestions.append(_suggestion(batch, i, assigned, float(batch.scores[i, assigned]), True))
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
            "g": g,
            "tab": "matching",
        },
    )


@staff_only
@require_POST
def match_confirm(request: AuthedHttpRequest) -> HttpResponse:
    """Confirm one suggestion (``pair`` = "<need>:<s|r><id>") or every checked one of the batch."""
    form = MatchConfirmForm(request.POST)
    done, failed = 0, 0
    for need_id, kind, pk in form.pairs():
        need = selectors.need_list(request.user).filter(pk=need_id).first()
        if need is None:
            failed += 1
            continue
        try:
            if kind not in "sr":  # a candidate of another module (core.candidates): taken up on its page
                raise ValidationError(
                    {
                        "pair": ValidationError(
                            "志愿者候选请点“发起志愿活动”对接", code="match.provider_invalid"
                        )
                    }
                )
            if kind == "s":
                service = Service.objects.filter(pk=pk).first()
                services.match_confirm(actor=request.user, need=need, service=service, note="按匹配建议对接")
            else:
                resource = selectors.resource_list(request.user).filter(pk=pk).first()
                if resource is None:
                    raise ValidationError(
                        {"target": ValidationError("资源不存在", code="match.resource_missing")}
                    )
                services.match_confirm(
                    actor=request.user, need=need, resource=resource, note="按匹配建议对接"
                )
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            failed += 1
            refused(request, MatchConfirmForm(request.POST), exc)  # this refusal's messages only
    failed += form.malformed
    if done:
        messages.success(request, f"已确认对接 {done} 项需求" + (f"，{failed} 项未能对接" if failed else ""))
    return redirect("services:matching")
