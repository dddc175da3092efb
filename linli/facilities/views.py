"""Pages of the facilities module: list, map, detail and form, import/export, the 完整居住社区 checklist."""

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

from linli.core.models import AuthedHttpRequest, ImportRun
from linli.core.roles import REGISTRY_READERS
from linli.core.scope import OutOfScope, region_in_scope, scoped
from linli.core.tabular import csv_lines, template_header, template_notes, xlsx_bytes
from linli.facilities import selectors, services
from linli.facilities.engine import checklist as engine
from linli.facilities.engine import hours as hours_engine
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
    u = request.user
    if not (u.is_superuser or u.role in REGISTRY_READERS):
        raise PermissionDenied("本账号不能查看服务设施")


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
    f = selectors.FacilityFilter.from_params(request.GET)
    page = Paginator(selectors.facility_list(user=request.user, filters=f), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "facilities/list.html",
        {
            "title": "服务设施",
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
    code = request.GET.get("region", "").strip()
    region = _visible_region(request, code) if code else _home_region(request)
    if region is None:
        raise Http404("没有可显示的区划")
    f = selectors.FacilityFilter.from_params(request.GET)
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
    if request.method == "POST":
        try:
            services.facility_set_status(
                by=request.user,
                facility=f,
                status=request.POST.get("status", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, "状态已更新")
            return redirect("facilities:detail", pk=f.pk)
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, exc.message if isinstance(exc, OutOfScope) else "；".join(exc.messages))
    return render(
        request,
        "facilities/detail.html",
        {
            "title": f.name,
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
    if not services.can_edit(request.user):
        raise PermissionDenied("本账号的角色不能登记或修改服务设施")
    f = None
    if pk is not None:
        f = selectors.facility_list(user=request.user).filter(pk=pk).first()
        if f is None:
            raise Http404("设施不存在或不在本账号的数据范围内")
    keys = list(services.LABELS)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in keys if k != "opening_hours"}
        try:
            if f is None:
                f = services.facility_create(by=request.user, data=data)
                messages.success(request, f"已登记设施 {f.name}（{f.code}）")
            else:
                f = services.facility_update(by=request.user, facility=f, data=data)
                messages.success(request, "已保存")
            return redirect("facilities:detail", pk=f.pk)
        except ValidationError as exc:
            errors = exc.message_dict
        except OutOfScope as exc:
            errors = {"region_code": [exc.message]}
    elif f is not None:
        data = services.facility_as_data(f)
    else:
        u = request.user
        default_region = (
            u.region.code
            if u.region_id and u.region and u.region.level in (Level.STREET, Level.COMMUNITY)
            else ""
        )
        data = {k: request.GET.get(k, "") for k in keys}
        data["region_code"] = data["region_code"] or default_region
        data["coord_system"] = data["coord_system"] or "wgs84"
    regions = _form_regions(request)
    centre = next((r for r in regions if r.code == data.get("region_code")), None)
    return render(
        request,
        "facilities/form.html",
        {
            "title": "修改设施" if pk else "登记设施",
            "f": f,
            "data": data,
            "errors": errors,
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
            "operators": _operator_names(request),
        },
    )


def _operator_names(request: AuthedHttpRequest) -> list[str]:
    """Organisations the account may name as operator: those of its subtree and of its ancestors."""
    from django.db.models import Q

    from linli.registry.models import Organisation

    u = request.user
    qs = Organisation.objects.filter(active=True)
    if not (u.is_superuser or u.role == "system_admin"):
        region = u.region
        if region is None:
            return []
        qs = qs.filter(Q(region__code__startswith=region.code) | Q(region__code__in=region.ancestors_codes()))
    return list(qs.order_by("name").values_list("name", flat=True).distinct()[:500])


# --- import and export ---------------------------------------------------------------------------


@login_required
def import_page(request: AuthedHttpRequest) -> HttpResponse:
    _require_reader(request)
    if not services.can_edit(request.user):
        raise PermissionDenied("本账号的角色不能导入服务设施")
    outcome = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要上传的文件")
        elif not (upload.name or "").lower().endswith((".xlsx", ".csv")):
            messages.error(request, "只支持 .xlsx 和 .csv 文件")
        else:
            outcome = services.facilities_import(
                raw=upload,
                filename=upload.name or "",
                by=request.user,
                dry_run=request.POST.get("dry_run") == "1",
            )
    runs = scoped(ImportRun.objects.filter(kind="facilities").select_related("actor"), request.user)[:10]
    return render(
        request,
        "facilities/import.html",
        {"title": "服务设施导入导出", "columns": services.COLUMNS, "outcome": outcome, "runs": runs},
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
    f = selectors.FacilityFilter.from_params(request.GET)
    qs = selectors.facility_list(user=request.user, filters=f)
    header = [c.header for c in services.COLUMNS]
    rows = services.export_rows(qs.iterator(chunk_size=2000))
    stamp = dt.date.today().isoformat()
    if request.GET.get("format") == "csv":
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
    if request.method == "POST":
        try:
            on = request.POST.get("attested_on") or ""
            services.attestation_record(
                by=request.user,
                region=region,
                item=int(request.POST.get("item") or 0),
                met=request.POST.get("met") == "1",
                evidence=request.POST.get("evidence", ""),
                on=dt.date.fromisoformat(on) if on else None,
            )
            messages.success(request, "已记录人工确认")
            return redirect("facilities:checklist", code=region.code)
        except ValueError:
            messages.error(request, "确认日期格式应为 YYYY-MM-DD")
        except (ValidationError, OutOfScope) as exc:
            messages.error(request, exc.message if isinstance(exc, OutOfScope) else "；".join(exc.messages))
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
