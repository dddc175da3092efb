"""Pages of the indicators module: dashboard, indicator detail, value entry and approval, task
ledger, plans and targets, and the annual report download.

Input goes through the forms of ``forms.py``; writes call the services (the API calls the same ones)
and a refusal is added to the form, its code kept, and shown as a message.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from linli.core.errors import error_code
from linli.core.models import AuthedHttpRequest
from linli.core.roles import REGISTRY_READERS, require_role
from linli.core.scope import region_in_scope
from linli.core.tabular import Column, template_header, template_notes, xlsx_bytes
from linli.indicators import forms, report, selectors, services
from linli.indicators.engine import rules
from linli.indicators.models import (
    Attribute,
    Comparison,
    DataElement,
    ElementKind,
    Indicator,
    Plan,
    PlanAdoption,
    Target,
)
from linli.regions.models import Level, Region

STATUS_CLASS = {rules.MET: "ok", rules.NOT_MET: "bad", rules.NO_DATA: "none"}

# Figures another page measures differently under a like name: what this one counts, in one line.
MEASURED_ELSEWHERE = {
    code: "只看社区（村）有没有运营中的综合服务设施，不看居民走多远；生活圈页的“覆盖率”是步行可达的居民比例"
    for code in ("csc_coverage", "urban_csc_coverage", "rural_csc_coverage")
}
_ELEMENT_CODE = re.compile(r"[a-z][a-z0-9_]*")


def _definition(indicator: Indicator, names: dict[str, str]) -> str:
    """定义: the indicator's formula in its data elements' names (its description when it has one)."""
    if indicator.description:
        return indicator.description

    def named(formula: str) -> str:
        return _ELEMENT_CODE.sub(lambda m: names.get(m.group(0), m.group(0)), formula).replace("*", "×")

    text = named(indicator.numerator)
    if indicator.denominator:
        text += f" ÷ {named(indicator.denominator)}"
    if indicator.factor != 1:
        text += f" × {indicator.factor.normalize():f}"
    return text


def _require(request: AuthedHttpRequest) -> None:
    require_role(request.user, REGISTRY_READERS, "本账号不能查看规划指标")


def _region(request: AuthedHttpRequest, code: str = "") -> Region:
    """The region asked for (``code``), inside the account's scope; without one the account's own."""
    user = request.user
    if not code:
        region = selectors.default_region(user)
        if region is None:
            raise Http404("尚未导入区划")
        return region
    region = selectors.region_visible(user, code)
    if region is None:
        raise Http404("区划不存在或不在本账号的数据范围内")
    return region


def _place(
    request: AuthedHttpRequest, form_class: type[forms.PlaceFilter] = forms.PlaceFilter
) -> tuple[forms.PlaceFilter, Region, int]:
    """The GET filter of a page, its region resolved and its year defaulted: (form, region, year)."""
    f = form_class(request.GET)
    return f, _region(request, f.value("region", "")), f.year_or_now


def _refused(
    request: AuthedHttpRequest, form: django_forms.Form, exc: ValidationError | PermissionDenied
) -> None:
    """Put a service's refusal on ``form`` (its code kept) and show its message, as before."""
    error = (
        exc
        if isinstance(exc, ValidationError)
        else ValidationError(getattr(exc, "message", str(exc)), code=error_code(exc))
    )
    form.add_error(None, error)
    messages.error(request, "；".join(error.messages))


def _invalid(request: AuthedHttpRequest, form: django_forms.Form) -> None:
    """Show the form's own errors as one message (the pages show errors as messages)."""
    messages.error(request, "；".join(str(m) for errors in form.errors.values() for m in errors))


def _fmt(v: Decimal | None, d: int) -> str:
    return "—" if v is None else f"{v:,.{d}f}"


def _crumbs(region: Region, user: Any) -> list[Region]:
    return [a for a in region.ancestors() if user.is_superuser or region_in_scope(user, a)]


@login_required
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    f, region, year = _place(request, forms.DashboardFilter)
    rows = selectors.attainment(region, year)
    element_names = dict(DataElement.objects.values_list("code", "name"))
    table = []
    for a in rows:
        d = a.indicator.decimals
        table.append(
            {
                "a": a,
                "definition": _definition(a.indicator, element_names),
                "elsewhere": MEASURED_ELSEWHERE.get(a.indicator.code, ""),
                "value": _fmt(a.value.value, d),
                "target": f"{a.target.get_comparison_display()}{_fmt(a.target.target_value, d)}"
                if a.target
                else "",
                "gap": _fmt(a.gap, d),
                "progress": None if a.progress is None else max(0, min(100, int(a.progress * 100))),
                "cls": STATUS_CLASS[a.status],
                "laggards": a.laggards[:3],
            }
        )
    counts = {s: sum(1 for a in rows if a.status == s) for s in (rules.MET, rules.NOT_MET, rules.NO_DATA)}
    chosen = f.value("indicator", "") or (rows[0].indicator.code if rows else "")
    chosen_ind = Indicator.objects.filter(code=chosen).first()
    children = selectors.children_attainment(region, year, chosen_ind) if chosen_ind else []
    features = [
        {"type": "Feature", "properties": {"name": c["name"], "code": c["code"]}, "geometry": c["boundary"]}
        for c in children
        if c["boundary"]
    ]
    chart = {
        "indicators": [
            {
                "name": a.indicator.name,
                "ratio": _ratio(a),
                "status": a.status,
                "value": float(a.value.value) if a.value.value is not None else None,
                "target": float(a.target.target_value) if a.target else None,
            }
            for a in rows
        ],
        "children": [{k: c[k] for k in ("name", "code", "value", "status", "gap_reason")} for c in children],
        "geo": {"type": "FeatureCollection", "features": features},
        "indicator": chosen_ind.name if chosen_ind else "",
        "definition": _definition(chosen_ind, element_names) if chosen_ind else "",
        "elsewhere": MEASURED_ELSEWHERE.get(chosen, ""),
        "unit": chosen_ind.unit if chosen_ind else "",
        "target": float(t.target_value)
        if chosen_ind and (t := selectors.targets_for(region).get(chosen))
        else None,
    }
    return render(
        request,
        "indicators/dashboard.html",
        {
            "title": "规划指标监测",
            "region": region,
            "year": year,
            "years": selectors.data_years(),
            "rows": table,
            "counts": counts,
            "chart": chart,
            "chosen": chosen,
            "crumbs": _crumbs(region, request.user),
            "computed_at": rows[0].computed_at if rows else None,
            "children_regions": Region.objects.current().filter(parent=region).order_by("code"),
            "adoptions": PlanAdoption.objects.filter(
                region__code__in=region.ancestors_codes() + [region.code]
            ).select_related("plan", "region"),
        },
    )


def _ratio(a: selectors.Attainment) -> float | None:
    v, t = a.value.value, a.target.target_value if a.target else None
    if v is None or not t:
        return None
    if a.target and a.target.comparison == Comparison.LE:
        return float(t / v * 100) if v else None
    return round(float(v / t * 100), 1)


@login_required
def indicator_detail(request: AuthedHttpRequest, code: str) -> HttpResponse:
    _require(request)
    ind = get_object_or_404(Indicator, code=code)
    _f, region, year = _place(request)
    rows = selectors.attainment(region, year, only=code)
    a = rows[0] if rows else None
    compiled, errors = selectors.compiled_indicators([ind])
    trend: list[tuple[int, Any]] = a.trend if a else []
    computed_at = a.computed_at if a else None
    if a is None and compiled:
        vals, table = selectors.evaluate(compiled, region.code, [len(region.code)], year)
        value = vals.get(region.code, {}).get(code)
        computed_at = table.computed_at
    else:
        value = a.value if a else None
    children = selectors.children_attainment(region, year, ind)
    elements = (
        DataElement.objects.filter(code__in=compiled[0].elements) if compiled else DataElement.objects.none()
    )
    return render(
        request,
        "indicators/indicator.html",
        {
            "title": ind.name,
            "ind": ind,
            "region": region,
            "year": year,
            "years": selectors.data_years(),
            "a": a,
            "value": value,
            "value_text": _fmt(value.value if value else None, ind.decimals),
            "formula_text": formula_text(ind),
            "errors": errors.get(code, ""),
            "computed_at": computed_at,
            "children": children,
            "elements": elements,
            "crumbs": _crumbs(region, request.user),
            "chart": {
                "years": [y for y, _ in trend],
                "values": [float(round(v, ind.decimals)) if v is not None else None for _, v in trend],
                "target": float(a.target.target_value) if a and a.target else None,
                "children": [
                    {"name": c["name"], "value": c["value"], "status": c["status"]} for c in children
                ],
                "unit": ind.unit,
            },
        },
    )


def formula_text(ind: Indicator) -> str:
    """The formula with element names instead of codes: （有综合服务设施的社区数）÷（城乡社区（村）数）× 100."""
    names = dict(DataElement.objects.values_list("code", "name"))

    def named(text: str) -> str:
        return re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: names.get(m.group(0), m.group(0)), text)

    text = f"（{named(ind.numerator)}）"
    if ind.denominator.strip():
        text += f" ÷ （{named(ind.denominator)}）"
    return text + f" × {ind.factor.normalize():f}"


# --- values: entry, correction, approval ---------------------------------------------------------


@login_required
def values(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    user = request.user
    f = forms.ValuesFilter(request.GET)
    year = f.year_or_now
    form: django_forms.Form | None = None
    if request.method == "POST":
        done, form = _value_post(request, year)
        if done is not None:
            return done
    visible = selectors.values_visible(user).filter(current=True, year=year).exclude(source="snapshot")
    element = f.value("element", "")
    if element:
        visible = visible.filter(element__code=element)
    queue = [
        (v, services.can_review(user, v)) for v in selectors.approval_queue(user).filter(year=year)[:200]
    ]
    return render(
        request,
        "indicators/values.html",
        {
            "title": "指标填报与审核",
            "year": year,
            "years": sorted(set(selectors.data_years()) | {year}),
            "elements": DataElement.objects.filter(
                kind=ElementKind.REPORTED,
                entry_level__gte=user.region.level if user.region_id and user.region else 1,
            ).order_by("-entry_level", "code"),
            "regions": selectors.entry_regions(user),
            "values": visible.order_by("region__code", "element__code", "period")[:300],
            "queue": [v for v, ok in queue if ok],
            "element": element,
            "months": range(1, 13),
            "level_names": {lvl.value: lvl.label for lvl in Level},
            "form": form,
        },
    )


def _value_post(
    request: AuthedHttpRequest, year: int
) -> tuple[HttpResponse | None, django_forms.Form | None]:
    """One action of the values page (submit, approve, reject, correct): back to the page on success
    (PRG), or the bound form carrying the refusal for the page to render again."""
    choice = forms.ActionChoice(request.POST)
    action = choice.value("action", "submit")
    form_class = forms.VALUE_ACTIONS.get(action)
    back = redirect(f"{request.path}?year={choice.value('year', year)}")
    if form_class is None:
        return back, None
    form = form_class(request.POST)
    if not form.is_valid():
        _invalid(request, form)
        return None, form
    data, user = form.cleaned_data, request.user
    try:
        if action == "submit":
            services.value_submit(**data, by=user)  # the form's fields are the service's arguments
            messages.success(
                request,
                f"已提交：{data['region'].name} {data['year']} 年“{data['element'].name}” {data['value']}，等待上级审核",
            )
            return back, None
        v = selectors.value_visible(user, data["value_id"])
        if v is None:
            raise ValidationError("填报值不存在或不在本账号的数据范围内", code="indicator.value_not_found")
        if action == "correct":
            new = services.value_correct(value=v, new_value=data["value"], reason=data["reason"], by=user)
            messages.success(request, f"已提交更正（第 {new.version} 版），等待上级审核")
        else:
            services.value_review(value=v, approve=action == "approve", note=data["note"], by=user)
            messages.success(
                request, f"{v.region.name}“{v.element.name}”已{'审核通过' if action == 'approve' else '退回'}"
            )
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, form, exc)
        return None, form
    return back, None


@login_required
def value_history(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _require(request)
    v = selectors.value_visible(request.user, pk)
    if v is None:
        raise Http404("填报值不存在或不在本账号的数据范围内")
    return render(
        request,
        "indicators/history.html",
        {"title": "填报历史", "v": v, "history": selectors.value_history(v)},
    )


@login_required
def values_import(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    form = forms.ValuesImportForm(request.POST, request.FILES)
    if request.method == "POST" and form.is_valid():
        f = cast(UploadedFile, form.cleaned_data["file"])
        n, errors = services.values_import(raw=cast(IO[bytes], f), filename=f.name or "", by=request.user)
        if errors:
            return _import_errors(request, errors, "indicators:values")
        messages.success(request, f"已导入 {n} 条填报值，等待上级审核")
        return redirect("indicators:values")
    return _template_download(services.VALUE_COLUMNS, "填报值", "indicator-values-template.xlsx")


def _import_errors(request: AuthedHttpRequest, errors: Any, back: str) -> HttpResponse:
    return render(
        request, "indicators/import_errors.html", {"title": "导入失败", "report": errors, "back": back}
    )


def _template_download(columns: list[Column], sheet: str, filename: str) -> HttpResponse:
    """An empty import template: the header row and a sheet of notes on each column."""
    body = xlsx_bytes(template_header(columns), [], sheet=sheet, notes=template_notes(columns))
    response = HttpResponse(body, content_type=report.REPORT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- tasks -------------------------------------------------------------------------------------


@login_required
def tasks(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    today = timezone.localdate()
    qs = selectors.tasks_visible(request.user)
    f = forms.TasksFilter(request.GET)
    show = f.cleaned_data.get("show", "") if f.is_valid() else ""
    if show == "overdue":
        qs = qs.filter(selectors.overdue_q(today))
    rows = list(qs)
    return render(
        request,
        "indicators/tasks.html",
        {
            "title": "任务清单及工作台账",
            "tasks": rows,
            "today": today,
            "show": show,
            "overdue": sum(1 for t in rows if t.is_overdue(today)),
            "plans": Plan.objects.order_by("seed", "code"),
        },
    )


@login_required
def task_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _require(request)
    task = selectors.tasks_visible(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404("任务不存在或不在本账号的数据范围内")
    form = forms.TaskProgressForm()
    if request.method == "POST":
        form = forms.TaskProgressForm(request.POST, request.FILES)
        if not form.is_valid():
            _invalid(request, form)
        else:
            try:
                services.task_progress_report(task=task, by=request.user, **form.cleaned_data)
                messages.success(request, "进展已报送")
                return redirect("indicators:task", pk=task.pk)
            except (ValidationError, PermissionDenied) as exc:
                _refused(request, form, exc)
    return render(
        request,
        "indicators/task.html",
        {
            "title": f"任务 {task.number}",
            "task": task,
            "reports": task.reports.all(),
            "today": timezone.localdate(),
            "form": form,
        },
    )


EVIDENCE_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def task_evidence(request: AuthedHttpRequest, pk: int, report_pk: int) -> FileResponse:
    """A progress report's evidence file, to those who can see the task (never a public media URL).

    Images show in the page; every other type downloads as an attachment, so a PDF's or an office
    file's active content never runs in this site's origin."""
    _require(request)
    task = selectors.tasks_visible(request.user).filter(pk=pk).first()
    report = task.reports.filter(pk=report_pk).exclude(evidence="").first() if task else None
    if report is None:
        raise Http404("材料不存在或不在本账号的数据范围内")
    ext = Path(report.evidence.name or "").suffix.lower()
    try:
        handle = report.evidence.open("rb")
    except FileNotFoundError:
        raise Http404("材料不存在或不在本账号的数据范围内") from None
    image = ext in (".png", ".jpg", ".jpeg")
    response = FileResponse(
        handle,
        as_attachment=not image,
        filename=report.evidence_name or f"佐证材料{ext}",
        content_type=EVIDENCE_CONTENT_TYPES.get(ext, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def tasks_import(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    form = forms.TasksImportForm(request.POST, request.FILES)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = get_object_or_404(Plan, code=data["plan"])
        region = _region(request, forms.PlaceFilter(request.GET).value("region", "") or data["region"])
        f = cast(UploadedFile, data["file"])
        try:
            n, errors = services.tasks_import(
                plan=plan, region=region, raw=cast(IO[bytes], f), filename=f.name or "", by=request.user
            )
        except PermissionDenied as exc:
            _refused(request, form, exc)
            return redirect("indicators:tasks")
        if errors:
            return _import_errors(request, errors, "indicators:tasks")
        messages.success(request, f"已导入 {n} 项任务")
        return redirect("indicators:tasks")
    return _template_download(services.TASK_COLUMNS, "任务清单", "plan-tasks-template.xlsx")


# --- plans and targets ---------------------------------------------------------------------------


@login_required
def plans(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    code = forms.PlaceFilter(request.GET).value("region", "")
    if request.method != "POST":
        region = _region(request, code)
    else:
        adopt = forms.ActionChoice(request.POST).value("action") == "adopt"
        form = forms.PlanAdoptForm(request.POST) if adopt else forms.TargetForm(request.POST)
        valid = form.is_valid()
        region = _region(request, code or form.cleaned_data.get("region", ""))
        if not valid:
            _invalid(request, form)
        else:
            _plans_post(request, form, region)
        return redirect(f"{request.path}?region={region.code}")
    return render(
        request,
        "indicators/plans.html",
        {
            "title": "规划与目标",
            "region": region,
            "plans": Plan.objects.order_by("seed", "code").prefetch_related("targets__indicator"),
            "adopted": set(PlanAdoption.objects.filter(region=region).values_list("plan__code", flat=True)),
            "own": Target.objects.filter(region=region, plan__isnull=True).select_related("indicator"),
            "indicators": Indicator.objects.all(),
            "comparisons": Comparison.choices,
            "attributes": Attribute.choices,
        },
    )


def _plans_post(request: AuthedHttpRequest, form: django_forms.Form, region: Region) -> None:
    """Adopt a plan, or set one of the region's own targets (``form`` says which)."""
    data = form.cleaned_data
    try:
        if isinstance(form, forms.PlanAdoptForm):
            plan = get_object_or_404(Plan, code=data["plan"])
            services.plan_adopt(plan=plan, region=region, by=request.user)
            messages.success(request, f"{region.name}已采用“{plan.name}”")
            return
        ind = get_object_or_404(Indicator, code=data["indicator"])
        services.target_set(
            region=region,
            indicator=ind,
            target_value=data["target_value"],
            comparison=data["comparison"],
            target_year=data["target_year"],
            attribute=data["attribute"],
            by=request.user,
        )
        messages.success(request, f"已设定{region.name}“{ind.name}”的本级目标")
    except (ValidationError, PermissionDenied) as exc:
        _refused(request, form, exc)


@login_required
def report_download(request: AuthedHttpRequest) -> HttpResponse:
    """The annual report (the API's ``/report`` gives the same file); a refusal is a message on the
    dashboard."""
    _require(request)
    f, region, year = _place(request, forms.ReportFilter)
    try:
        return report.render(region=region, year=year, fmt=f.value("format", "pdf")).http_response()
    except report.ReportError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(f"{reverse('indicators:dashboard')}?region={region.code}&year={year}")
