"""The indicators part of the JSON API (``/api/indicators``): data elements, indicators, plans,
attainment, reported values with their approval, plan tasks and the annual report.

Indicator values are aggregates, not personal data; the region asked for must still lie inside
the account's scope (404 otherwise). Reported values are read through ``scoped``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from linli.core.api import ERRORS, acting_user
from linli.indicators import report, selectors, services
from linli.indicators.models import DataElement, DataValue, Indicator, Plan
from linli.regions.models import Region

router = Router(tags=["indicators"])


def region_for(request: HttpRequest, code: str) -> Region:
    region = selectors.region_visible(acting_user(request), code)
    if region is None:
        raise Http404("区划不存在或不在本账号的数据范围内")
    return region


class ElementOut(Schema):
    code: str
    name: str
    unit: str
    kind: str
    entry_level: int
    hierarchy_agg: str
    time_agg: str
    monthly: bool
    description: str


class IndicatorOut(Schema):
    code: str
    name: str
    numerator: str
    denominator: str
    factor: Decimal
    unit: str


class TargetOut(Schema):
    indicator: str
    indicator_name: str
    comparison: str
    target_value: Decimal
    target_year: int
    baseline_year: int | None
    baseline_value: Decimal | None
    attribute: str
    source_section: str


class PlanOut(Schema):
    code: str
    name: str
    seed: str
    issuer_code: str
    source: str
    note: str
    targets: list[TargetOut]


@router.get("/elements", response={200: list[ElementOut], **ERRORS})
def element_list(request: HttpRequest) -> Any:
    return DataElement.objects.all()


@router.get("/indicators", response={200: list[IndicatorOut], **ERRORS})
def indicator_list(request: HttpRequest) -> Any:
    return Indicator.objects.all()


def _target_out(t: Any) -> dict[str, Any]:
    return {
        "indicator": t.indicator.code,
        "indicator_name": t.indicator.name,
        "comparison": t.get_comparison_display(),
        "target_value": t.target_value,
        "target_year": t.target_year,
        "baseline_year": t.baseline_year,
        "baseline_value": t.baseline_value,
        "attribute": t.get_attribute_display(),
        "source_section": t.source_section,
    }


@router.get("/plans", response={200: list[PlanOut], **ERRORS})
def plan_list(request: HttpRequest) -> Any:
    return [
        {
            "code": p.code,
            "name": p.name,
            "seed": p.seed,
            "issuer_code": p.issuer_code,
            "source": p.source,
            "note": p.note,
            "targets": [_target_out(t) for t in p.targets.select_related("indicator")],
        }
        for p in Plan.objects.order_by("seed", "code").prefetch_related("targets")
    ]


class AttainmentQuery(Schema):
    region: str
    year: int | None = None


class LaggardOut(Schema):
    code: str
    name: str
    value: float | None


class AttainmentOut(Schema):
    indicator: str
    name: str
    unit: str
    value: float | None
    target: TargetOut | None
    status: str
    gap: float | None
    gap_reason: str
    missing: list[str]
    progress: float | None
    laggards: list[LaggardOut]
    trend: list[dict[str, Any]]


@router.get("/attainment", response={200: list[AttainmentOut], **ERRORS})
def attainment(request: HttpRequest, q: Query[AttainmentQuery]) -> Any:
    region = region_for(request, q.region)
    year = q.year or timezone.localdate().year
    out = []
    for a in selectors.attainment(region, year):
        out.append(
            {
                "indicator": a.indicator.code,
                "name": a.indicator.name,
                "unit": a.indicator.unit,
                "value": float(a.value.value) if a.value.value is not None else None,
                "target": _target_out(a.target) if a.target else None,
                "status": a.status,
                "gap": float(a.gap) if a.gap is not None else None,
                "gap_reason": a.value.gap_reason,
                "missing": a.value.missing,
                "progress": float(a.progress) if a.progress is not None else None,
                "laggards": [
                    {"code": r.code, "name": r.name, "value": float(v.value) if v.value is not None else None}
                    for r, v, _ in a.laggards
                ],
                "trend": [{"year": y, "value": float(v) if v is not None else None} for y, v in a.trend],
            }
        )
    return out


class ValueIn(Schema):
    element: str
    region: str
    year: int
    period: int = 0
    value: Decimal


class CorrectionIn(Schema):
    value: Decimal
    reason: str


class ReviewIn(Schema):
    approve: bool
    note: str = ""


class ValueOut(Schema):
    id: int
    element: str
    region: str
    year: int
    period: int
    value: Decimal
    status: str
    version: int
    current: bool
    reason: str
    replaces_id: int | None


def _value_out(v: DataValue) -> dict[str, Any]:
    return {
        "id": v.pk,
        "element": v.element.code,
        "region": v.region.code,
        "year": v.year,
        "period": v.period,
        "value": v.value,
        "status": v.status,
        "version": v.version,
        "current": v.current,
        "reason": v.reason,
        "replaces_id": v.replaces_id,
    }


class ValueQuery(Schema):
    year: int | None = None
    element: str = ""
    pending: bool = False


@router.get("/values", response={200: list[ValueOut], **ERRORS})
def value_list(request: HttpRequest, q: Query[ValueQuery]) -> Any:
    user = acting_user(request)
    qs = selectors.approval_queue(user) if q.pending else selectors.values_visible(user).filter(current=True)
    if q.year:
        qs = qs.filter(year=q.year)
    if q.element:
        qs = qs.filter(element__code=q.element)
    return [_value_out(v) for v in qs[:1000]]


@router.post("/values", response={201: ValueOut, **ERRORS})
def value_create(request: HttpRequest, payload: ValueIn) -> Any:
    user = acting_user(request)
    element = get_object_or_404(DataElement, code=payload.element)
    region = Region.objects.current().filter(code=payload.region).first()
    if region is None:
        raise ValidationError(f"区划代码：未找到 {payload.region}", code="indicator.region_unknown")
    v = services.value_submit(
        element=element,
        region=region,
        year=payload.year,
        period=payload.period,
        value=payload.value,
        by=user,
        source="api",
    )
    return Status(201, _value_out(v))


def _value(request: HttpRequest, value_id: int) -> DataValue:
    v = selectors.value_visible(acting_user(request), value_id)
    if v is None:
        raise Http404("填报值不存在或不在本账号的数据范围内")
    return v


@router.post("/values/{value_id}/correct", response={201: ValueOut, **ERRORS})
def value_correct(request: HttpRequest, value_id: int, payload: CorrectionIn) -> Any:
    v = services.value_correct(
        value=_value(request, value_id),
        new_value=payload.value,
        reason=payload.reason,
        by=acting_user(request),
        source="api",
    )
    return Status(201, _value_out(v))


@router.post("/values/{value_id}/review", response={200: ValueOut, **ERRORS})
def value_review(request: HttpRequest, value_id: int, payload: ReviewIn) -> Any:
    v = services.value_review(
        value=_value(request, value_id), approve=payload.approve, note=payload.note, by=acting_user(request)
    )
    return _value_out(v)


class TaskOut(Schema):
    id: int
    plan: str
    region: str
    number: int
    section: str
    title: str
    text: str
    lead_units: str
    supporting_units: str
    deadline: dt.date | None
    status: str
    percent: int
    overdue: bool
    indicators: list[str]


@router.get("/tasks", response={200: list[TaskOut], **ERRORS})
def task_list(request: HttpRequest) -> Any:
    today = timezone.localdate()
    return [
        {
            "id": t.pk,
            "plan": t.plan.code,
            "region": t.region.code,
            "number": t.number,
            "section": t.section,
            "title": t.title,
            "text": t.text,
            "lead_units": t.lead_units,
            "supporting_units": t.supporting_units,
            "deadline": t.deadline,
            "status": t.status,
            "percent": t.percent,
            "overdue": t.is_overdue(today),
            "indicators": [i.code for i in t.indicators.all()],
        }
        for t in selectors.tasks_visible(acting_user(request))
    ]


class ReportQuery(Schema):
    region: str
    year: int
    format: str = "json"


@router.get("/report", response={200: None, **ERRORS})
def report_download(request: HttpRequest, q: Query[ReportQuery]) -> HttpResponse:
    """The annual report as a download; a ``report.ReportError`` (no data, no font, unknown format)
    goes to the API's handler: 422 with its code."""
    return report.render(region=region_for(request, q.region), year=q.year, fmt=q.format).http_response()
