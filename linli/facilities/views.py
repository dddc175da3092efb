"""Pages of the facilities module: list, map, detail and form, import/export, the 完整居住社区 checklist.

Input goes through ``linli.facilities.forms``; writes go through the same services as the API, and a
refused write lands on the form with its code (``add_service_error``).
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from linli.core.forms import add_service_error
from linli.core.models import AuthedHttpRequest, ImportRun
from linli.core.roles import REGISTRY_READERS, require_role
from linli.core.scope import region_in_scope, scoped
from linli.core.tabular import csv_lines, template_header, template_notes, xlsx_bytes
from linli.facilities import selectors, services
from linli.facilities.engine import checklist as engine
from linli.facilities.engine import hours as hours_engine
from linli.facilities.forms import (
    AttestationForm,
    FacilityFilterForm,
    FacilityForm,
    FacilityImportForm,
    FacilityStatusForm,
    form_messages,
)
from linli.facilities.models import Facility, FacilityCategory, FacilityStatus, FacilityType
from linli.regions.models import Level, Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CATEGORY_COLOURS = {
    "comprehensive": "#c0392b",
    "elderly": "#e67e22",
    "health": "#27ae60",
    "children": "#f1c40f",
    "culture_sports": "#8e44ad",
    "social": "#16a085",
    "safety": "#2c3e50",
    "legal": "#7f8c8d",
    "commerce": "#2980b9",
    "municipal": "#95a5a6",
    "space": "#2ecc71",
    "property": "#d35400",
}


def _require_reader(request: AuthedHttpRequest) -> None:
    require_role(request.user, REGISTRY_READERS, "本账号不能查看服务设施")


def _attachment(resp: HttpResponse, filename: str) -> HttpResponse:
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(filename)}"
    return resp


def _home_region(request: AuthedHttpRequest) -> Region | None:
    u = request.user
    if u.region_id:
        return u.region
    return Region.objects.current().filter(level=Level.DISTRICT).order_by("code").first()


def _visible_region(request: AuthedHttpRequest, code: str) -> Region:
    region = Region.objects.current().filter(code=code).first()
    if region is None or not region_in_scope(request.user, region):
        raise Http404("区划不存在或不在本账号的数据范围内")
    return region


def _types() -> list[tuple[str, list[FacilityType]]]:
    by: dict[str, list[FacilityType]] = {}
    for t in FacilityType.objects.filter(active=True):
        by.setdefault(t.category, []).append(t)
    return [(label, by.get(value, [])) for value, label in FacilityCategory.choices if by.get(value)]


@login_required
def facility_list(request: AuthedHttpRequest) -> HttpResponse:
    _require_reader(request)
    form = FacilityFilterForm(request.GET)
    f = form.to_filter()
    page = Paginator(selectors.facility_list(user=request.user, filters=f), 30).get_page(
        form.cleaned_data["page"]
    )
    return render(
        request,
        "facilities/list.html",
        {
            "title": "服务设施",
            "form": form,
            "page": page,
            "f": f,
            "query": f.as_query(),
            "types": _types(),
            "categories": FacilityCategory.choices,
            "statuses": FacilityStatus.choices,
            "can_edit": services.can_edit(request.user),
        },
    )


@login_required
def facility_map(request: AuthedHttpRequest) -> HttpResponse:
    _require_reader(request)
    form = FacilityFilterForm(request.GET)
    f = form.to_filter()
    region = _visible_region(request, f.region) if f.region else _home_region(request)
    if region is None:
        raise Http404("没有可显示的区划")
    params = {
        k: v
        for k, v in {
            "region": region.code,
            "category": f.category,
            "status": f.status,
            "type": f.type,
        }.items()
        if v
    }
    return render(
        request,
        "facilities/map.html",
        {
            "title": "设施地图",
            "form": form,
            "region": region,
            "f": f,
            "geojson_url": reverse("api:facility_geojson") + "?" + urllib.parse.urlencode(params),
            "legend": [(value, label, CATEGORY_COLOURS[value]) for value, label in FacilityCategory.choices],
            "colours": CATEGORY_COLOURS,
            "categories": FacilityCategory.choices,
            "statuses": FacilityStatus.choices,
        },
    )


def _week_rows(f: Facility) -> list[dict[str, Any]]:
    summary = hours_engine.summarise(f.opening_hours or {})
    return [
        {
            "label": label,
            "text": hours_engine.day_text(f.opening_hours or {}, d) or "不开放",
            "hours": summary.daily[d],
            "short": d in summary.short_days,
        }
        for d, label in hours_engine.WEEKDAYS.items()
    ]


@login_required
def facility_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    f = selectors.facility_list(user=request.user).filter(pk=pk).first()
    if f is None:
        raise Http404("设施不存在或不在本账号的数据范围内")
    form = FacilityStatusForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.facility_set_status(by=request.user, facility=f, **form.cleaned_data)
            messages.success(request, "状态已更新")
            return redirect("facilities:detail", pk=f.pk)
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc, field="status")
            messages.error(request, form_messages(form))
    return render(
        request,
        "facilities/detail.html",
        {
            "title": f.name,
            "form": form,
            "f": f,
            "week": _week_rows(f),
            "statuses": FacilityStatus.choices,
            "can_edit": services.can_edit(request.user),
            "colour": CATEGORY_COLOURS.get(f.type.category, "#1f5f8b"),
        },
    )


def _form_regions(request: AuthedHttpRequest) -> list[Region]:
    qs = scoped(Region.objects.current().filter(level__in=[Level.STREET, Level.COMMUNITY]), request.user)
    return list(qs.order_by("code").only("code", "name", "level"))


@login_required
def facility_edit(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    _require_reader(request)
    services.require_editor(request.user)
    f = None
    if pk is not None:
        f = selectors.facility_list(user=request.user).filter(pk=pk).first()
        if f is None:
            raise Http404("设施不存在或不在本账号的数据范围内")
    if request.method == "POST":
        form = FacilityForm(request.POST)
        if form.is_valid():
            try:
                if f is None:
                    f = services.facility_create(by=request.user, data=form.cleaned_data)
                    messages.success(request, f"已登记设施 {f.name}（{f.code}）")
                else:
                    f = services.facility_update(by=request.user, facility=f, data=form.cleaned_data)
                    messages.success(request, "已保存")
                return redirect("facilities:detail", pk=f.pk)
            except (ValidationError, PermissionDenied) as exc:
                add_service_error(form, exc, field="region_code")
    elif f is not None:
        form = FacilityForm(initial=services.facility_as_data(f))
    else:
        form = FacilityForm(initial=_new_facility_initial(request))
    data = {k: form[k].value() or "" for k in form.fields}
    regions = _form_regions(request)
    centre = next((r for r in regions if r.code == data.get("region_code")), None)
    return render(
        request,
        "facilities/form.html",
        {
            "title": "修改设施" if pk else "登记设施",
            "f": f,
            "form": form,
            "data": data,
            "errors": form.errors,
            "labels": services.LABELS,
            "types": _types(),
            "regions": regions,
            "statuses": FacilityStatus.choices,
            "coord_systems": services.COORD_SYSTEMS.items(),
            "weekdays": [
                (d, label, f"hours_{d}", data.get(f"hours_{d}", ""))
                for d, label in hours_engine.WEEKDAYS.items()
            ],
            "centre": centre,
            "boundary_url": reverse("api:facility_geojson")
            + f"?region={urllib.parse.quote(data.get('region_code') or '')}",
            "colours": CATEGORY_COLOURS,
            "operators": selectors.operator_names(user=request.user),
        },
    )


def _new_facility_initial(request: AuthedHttpRequest) -> dict[str, Any]:
    """A new facility's form: what the link gave (``?region_code=…&lat=…``), else the account's own
    street or community and WGS-84."""
    given = FacilityForm(request.GET)
    initial = {k: v for k, v in given.cleaned_data.items() if v} if given.is_valid() else {}
    own = request.user.region if request.user.region_id else None
    if not initial.get("region_code") and own is not None and own.level in (Level.STREET, Level.COMMUNITY):
        initial["region_code"] = own.code
    initial.setdefault("coord_system", "wgs84")
    return initial


# --- import and export ---------------------------------------------------------------------------


@login_required
def import_page(request: AuthedHttpRequest) -> HttpResponse:
    _require_reader(request)
    if not services.can_edit(request.user):
        raise PermissionDenied("本账号的角色不能导入服务设施")
    outcome = None
    form = (
        FacilityImportForm(request.POST, request.FILES) if request.method == "POST" else FacilityImportForm()
    )
    if form.is_bound:
        if form.is_valid():
            upload = form.cleaned_data["file"]
            outcome = services.facilities_import(
                raw=upload, filename=upload.name or "", by=request.user, dry_run=form.cleaned_data["dry_run"]
            )
        else:
            messages.error(request, form_messages(form))
    runs = scoped(ImportRun.objects.filter(kind="facilities").select_related("actor"), request.user)[:10]
    return render(
        request,
        "facilities/import.html",
        {
            "title": "服务设施导入导出",
            "form": form,
            "columns": services.COLUMNS,
            "outcome": outcome,
            "runs": runs,
        },
    )


@login_required
def import_template(request: AuthedHttpRequest, fmt: str) -> HttpResponse:
    _require_reader(request)
    header, example = template_header(services.COLUMNS), [[c.example for c in services.COLUMNS]]
    if fmt == "csv":
        body = b"".join(csv_lines(header, example))
        return _attachment(HttpResponse(body, content_type="text/csv; charset=utf-8"), "服务设施导入模板.csv")
    if fmt != "xlsx":
        raise Http404("未知的模板格式")
    notes = template_notes(services.COLUMNS) + [
        "设施类型：" + "、".join(FacilityType.objects.filter(active=True).values_list("name", flat=True))
    ]
    return _attachment(
        HttpResponse(xlsx_bytes(header, example, sheet="服务设施", notes=notes), content_type=XLSX),
        "服务设施导入模板.xlsx",
    )


@login_required
def import_errors(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    run = scoped(ImportRun.objects.filter(kind="facilities"), request.user).filter(pk=pk).first()
    if run is None:
        raise Http404("导入记录不存在")
    rows = [[e["row"], e["column"], e["message"], e["value"]] for e in run.errors]
    body = xlsx_bytes(["行号", "列", "问题", "内容"], rows, sheet="错误报告")
    return _attachment(HttpResponse(body, content_type=XLSX), f"错误报告-{run.filename}.xlsx")


@login_required
def export(request: AuthedHttpRequest) -> HttpResponse:
    """Facilities in scope with the list's filters, in the import template's columns (no personal data)."""
    _require_reader(request)
    form = FacilityFilterForm(request.GET)
    qs = selectors.facility_list(user=request.user, filters=form.to_filter())
    header = [c.header for c in services.COLUMNS]
    rows = services.export_rows(qs.iterator(chunk_size=2000))
    stamp = dt.date.today().isoformat()
    if form.cleaned_data["format"] == "csv":
        body = b"".join(csv_lines(header, rows))
        return _attachment(
            HttpResponse(body, content_type="text/csv; charset=utf-8"), f"服务设施-{stamp}.csv"
        )
    return _attachment(
        HttpResponse(xlsx_bytes(header, rows, sheet="服务设施"), content_type=XLSX), f"服务设施-{stamp}.xlsx"
    )


# --- the checklist -------------------------------------------------------------------------------


@login_required
def checklist_home(request: AuthedHttpRequest) -> HttpResponse:
    _require_reader(request)
    region = _home_region(request)
    if region is None:
        raise Http404("没有可显示的区划")
    if region.level >= Level.COMMUNITY:
        return redirect("facilities:checklist", code=region.code[:12])
    return redirect("facilities:rollup", code=region.code)


@login_required
def checklist(request: AuthedHttpRequest, code: str) -> HttpResponse:
    _require_reader(request)
    region = _visible_region(request, code)
    if region.level != Level.COMMUNITY:
        return redirect("facilities:rollup", code=region.code)
    form = AttestationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.attestation_record(
                by=request.user,
                region=region,
                item=d["item"],
                met=d["met"],
                evidence=d["evidence"],
                on=d["attested_on"],
            )
            messages.success(request, "已记录人工确认")
            return redirect("facilities:checklist", code=region.code)
        except (ValidationError, PermissionDenied) as exc:
            add_service_error(form, exc, field="item")
    if form.errors:
        messages.error(request, form_messages(form))
    result = selectors.checklist_for([region])[0]
    sections: list[tuple[str, list[engine.ItemResult]]] = []
    for item in result.items:
        if not sections or sections[-1][0] != item.section:
            sections.append((item.section, []))
        sections[-1][1].append(item)
    parent = region.parent if region.parent_id else None
    return render(
        request,
        "facilities/checklist.html",
        {
            "title": f"{region.name} 完整居住社区",
            "form": form,
            "region": region,
            "parent": parent if parent is not None and region_in_scope(request.user, parent) else None,
            "result": result,
            "sections": sections,
            "history": selectors.attestation_history(region)[:20],
            "manual_items": [(i.number, i.title) for i in engine.ITEMS if i.rule is None],
            "can_edit": services.can_edit(request.user),
            "today": dt.date.today().isoformat(),
        },
    )


@login_required
def rollup(request: AuthedHttpRequest, code: str) -> HttpResponse:
    _require_reader(request)
    region = _visible_region(request, code)
    if region.level == Level.COMMUNITY:
        return redirect("facilities:checklist", code=region.code)
    if region.level > Level.COMMUNITY:
        return redirect("facilities:checklist", code=region.code[:12])
    communities = selectors.communities_under(region)
    results = selectors.checklist_for(communities)
    streets = {
        r.code: r.name for r in Region.objects.current().subtree(region.code).filter(level=Level.STREET)
    }
    by_street: dict[str, list[engine.ChecklistResult]] = {}
    for r in results:
        by_street.setdefault(r.code[:9], []).append(r)
    street_rows = [
        {
            "code": code,
            "name": streets.get(code, code),
            "communities": len(rs),
            "average": round(sum(r.met for r in rs) / len(rs), 1),
            "top": engine.most_missing(rs, top=3),
        }
        for code, rs in sorted(by_street.items())
    ]
    results.sort(key=lambda r: (r.met, r.code))
    rows = [
        {"r": r, "street": streets.get(r.code[:9], ""), "pct": round(100 * r.met / r.total)} for r in results
    ]
    return render(
        request,
        "facilities/rollup.html",
        {
            "title": f"{region.name} 完整居住社区",
            "region": region,
            "rows": rows,
            "missing": engine.most_missing(results, top=8),
            "street_rows": street_rows if region.level < Level.STREET else [],
            "communities": len(results),
            "average": round(sum(r.met for r in results) / len(results), 1) if results else None,
            "items": engine.ITEMS,
        },
    )
