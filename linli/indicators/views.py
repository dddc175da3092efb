"""Pages of the indicators module: dashboard, indicator detail, value entry and approval, task
ledger, plans and targets, and the annual report download."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from linli.core.models import AuthedHttpRequest
from linli.core.roles import REGISTRY_READERS
from linli.core.scope import OutOfScope, region_in_scope, scoped
from linli.core.tabular import template_header, template_notes, xlsx_bytes
from linli.indicators import api as indicators_api
from linli.indicators import selectors, services
from linli.indicators.engine import rules
from linli.indicators.models import (
    Attribute,
    Comparison,
    DataElement,
    DataValue,
    ElementKind,
    Indicator,
    Plan,
    PlanAdoption,
    Target,
)
from linli.regions.models import Level, Region

STATUS_CLASS = {rules.MET: "ok", rules.NOT_MET: "bad", rules.NO_DATA: "none"}


def _require(request: AuthedHttpRequest) -> None:
    u = request.user
    if not (u.is_superuser or u.role in REGISTRY_READERS):
        raise PermissionDenied("本账号不能查看规划指标")


def _region(request: AuthedHttpRequest) -> Region:
    """The region asked for (``?region=``), inside the account's scope; default the account's own."""
    code = request.GET.get("region") or request.POST.get("region") or ""
    user = request.user
    if not code:
        if user.region_id and user.region is not None:
            return user.region
        region = Region.objects.current().filter(level=Level.DISTRICT).order_by("code").first()
        region = region or Region.objects.current().order_by("level", "code").first()
        if region is None:
            raise Http404("尚未导入区划")
        return region
    region = Region.objects.current().filter(code=code).first()
    if region is None or not (user.is_superuser or region_in_scope(user, region)):
        raise Http404("区划不存在或不在本账号的数据范围内")
    return region


def _year(request: AuthedHttpRequest) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


def _fmt(v: Decimal | None, d: int) -> str:
    return "—" if v is None else f"{v:,.{d}f}"


def _crumbs(region: Region, user: Any) -> list[Region]:
    return [a for a in region.ancestors() if user.is_superuser or region_in_scope(user, a)]


@login_required
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    region, year = _region(request), _year(request)
    rows = selectors.attainment(region, year)
    table = []
    for a in rows:
        d = a.indicator.decimals
        table.append(
            {
                "a": a,
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
    chosen = request.GET.get("indicator") or (rows[0].indicator.code if rows else "")
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
    region, year = _region(request), _year(request)
    rows = [a for a in selectors.attainment(region, year) if a.indicator.code == code]
    a = rows[0] if rows else None
    compiled, errors = selectors.compiled_indicators([ind])
    trend: list[tuple[int, Any]] = a.trend if a else []
    if a is None and compiled:
        vals, _ = selectors.evaluate(compiled, region.code, [len(region.code)], year)
        value = vals.get(region.code, {}).get(code)
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


def _entry_regions(user: Any) -> list[Region]:
    """Regions the account reports for: its own region and everything below down to communities."""
    if user.is_superuser and not user.region_id:
        return list(
            Region.objects.current()
            .filter(level__lte=Level.COMMUNITY, level__gte=Level.DISTRICT)
            .order_by("code")[:500]
        )
    if not user.region_id:
        return []
    return list(
        Region.objects.current()
        .subtree(user.region_code)
        .filter(level__lte=Level.COMMUNITY)
        .order_by("code")[:500]
    )


@login_required
def values(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    user = request.user
    year = _year(request)
    if request.method == "POST":
        return _value_post(request)
    visible = selectors.values_visible(user).filter(current=True, year=year).exclude(source="snapshot")
    element = request.GET.get("element", "")
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
            "regions": _entry_regions(user),
            "values": visible.order_by("region__code", "element__code", "period")[:300],
            "queue": [v for v, ok in queue if ok],
            "element": element,
            "months": range(1, 13),
            "level_names": {lvl.value: lvl.label for lvl in Level},
        },
    )


def _value_post(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    action = request.POST.get("action", "submit")
    back = f"{request.path}?year={request.POST.get('year') or _year(request)}"
    try:
        if action == "submit":
            element = DataElement.objects.filter(code=request.POST.get("element", "")).first()
            if element is None:
                raise ValidationError("数据元：请选择")
            region = Region.objects.current().filter(code=request.POST.get("region", "")).first()
            if region is None:
                raise ValidationError("区划：请选择")
            try:
                year = int(request.POST.get("year", ""))
                period = int(request.POST.get("period") or 0)
            except ValueError:
                raise ValidationError("年度：应为整数") from None
            value = services.parse_value(request.POST.get("value", ""))
            services.value_submit(
                element=element, region=region, year=year, period=period, value=value, by=user
            )
            messages.success(
                request, f"已提交：{region.name} {year} 年“{element.name}” {value}，等待上级审核"
            )
        elif action in ("approve", "reject"):
            v = _scoped_value(request, request.POST.get("value_id"))
            services.value_review(
                value=v, approve=action == "approve", note=request.POST.get("note", ""), by=user
            )
            messages.success(
                request, f"{v.region.name}“{v.element.name}”已{'审核通过' if action == 'approve' else '退回'}"
            )
        elif action == "correct":
            v = _scoped_value(request, request.POST.get("value_id"))
            new = services.value_correct(
                value=v,
                new_value=services.parse_value(request.POST.get("value", "")),
                reason=request.POST.get("reason", ""),
                by=user,
            )
            messages.success(request, f"已提交更正（第 {new.version} 版），等待上级审核")
    except OutOfScope as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(back)


def _scoped_value(request: AuthedHttpRequest, pk: Any) -> DataValue:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise ValidationError("未指定填报值") from None
    v = scoped(DataValue.objects.select_related("element", "region"), request.user).filter(pk=pk).first()
    if v is None:
        raise ValidationError("填报值不存在或不在本账号的数据范围内")
    return v


@login_required
def value_history(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _require(request)
    v = scoped(DataValue.objects.select_related("element", "region"), request.user).filter(pk=pk).first()
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
    if request.method == "POST" and request.FILES.get("file"):
        f = cast(UploadedFile, request.FILES["file"])
        n, report = services.values_import(raw=cast(IO[bytes], f), filename=f.name or "", by=request.user)
        if report:
            return render(
                request,
                "indicators/import_errors.html",
                {"title": "导入失败", "report": report, "back": "indicators:values"},
            )
        messages.success(request, f"已导入 {n} 条填报值，等待上级审核")
        return redirect("indicators:values")
    body = xlsx_bytes(
        template_header(services.VALUE_COLUMNS),
        [],
        sheet="填报值",
        notes=template_notes(services.VALUE_COLUMNS),
    )
    response = HttpResponse(body, content_type=indicators_api.REPORT_TYPES["xlsx"])
    response["Content-Disposition"] = 'attachment; filename="indicator-values-template.xlsx"'
    return response


# --- tasks -------------------------------------------------------------------------------------


@login_required
def tasks(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    today = timezone.localdate()
    qs = selectors.tasks_visible(request.user)
    show = request.GET.get("show", "")
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
    if request.method == "POST":
        try:
            percent = int(request.POST.get("percent") or -1)
            services.task_progress_report(
                task=task,
                by=request.user,
                unit_name=request.POST.get("unit_name", ""),
                text=request.POST.get("text", ""),
                percent=percent,
                evidence=request.FILES.get("evidence"),
            )
            messages.success(request, "进展已报送")
            return redirect("indicators:task", pk=task.pk)
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
    return render(
        request,
        "indicators/task.html",
        {
            "title": f"任务 {task.number}",
            "task": task,
            "reports": task.reports.all(),
            "today": timezone.localdate(),
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
    if request.method == "POST" and request.FILES.get("file"):
        plan = get_object_or_404(Plan, code=request.POST.get("plan", ""))
        region = _region(request)
        f = cast(UploadedFile, request.FILES["file"])
        try:
            n, report = services.tasks_import(
                plan=plan, region=region, raw=cast(IO[bytes], f), filename=f.name or "", by=request.user
            )
        except OutOfScope as exc:
            messages.error(request, exc.message)
            return redirect("indicators:tasks")
        if report:
            return render(
                request,
                "indicators/import_errors.html",
                {"title": "导入失败", "report": report, "back": "indicators:tasks"},
            )
        messages.success(request, f"已导入 {n} 项任务")
        return redirect("indicators:tasks")
    body = xlsx_bytes(
        template_header(services.TASK_COLUMNS),
        [],
        sheet="任务清单",
        notes=template_notes(services.TASK_COLUMNS),
    )
    response = HttpResponse(body, content_type=indicators_api.REPORT_TYPES["xlsx"])
    response["Content-Disposition"] = 'attachment; filename="plan-tasks-template.xlsx"'
    return response


# --- plans and targets ---------------------------------------------------------------------------


@login_required
def plans(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    region = _region(request)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "adopt":
                plan = get_object_or_404(Plan, code=request.POST.get("plan", ""))
                services.plan_adopt(plan=plan, region=region, by=request.user)
                messages.success(request, f"{region.name}已采用“{plan.name}”")
            else:
                ind = get_object_or_404(Indicator, code=request.POST.get("indicator", ""))
                services.target_set(
                    region=region,
                    indicator=ind,
                    target_value=services.parse_value(request.POST.get("target_value", ""), "目标值"),
                    comparison=request.POST.get("comparison", ""),
                    target_year=int(request.POST.get("target_year") or 2025),
                    attribute=request.POST.get("attribute", ""),
                    by=request.user,
                )
                messages.success(request, f"已设定{region.name}“{ind.name}”的本级目标")
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
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


@login_required
def report_download(request: AuthedHttpRequest) -> HttpResponse:
    _require(request)
    region, year = _region(request), _year(request)
    fmt = request.GET.get("format", "pdf")
    try:
        return indicators_api.report_response(region, year, fmt)
    except Exception as exc:  # HttpError carries the Chinese reason
        from ninja.errors import HttpError

        if isinstance(exc, HttpError):
            messages.error(request, str(exc))
            return redirect(f"{_dashboard_url()}?region={region.code}&year={year}")
        raise


def _dashboard_url() -> str:
    from django.urls import reverse

    return reverse("indicators:dashboard")
