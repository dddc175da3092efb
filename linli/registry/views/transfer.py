"""Import pages (templates, upload, dry run, error report); exports are in ``views/exports.py``."""

from __future__ import annotations

import urllib.parse

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from linli.core.models import AuthedHttpRequest, ImportRun
from linli.core.scope import scoped
from linli.core.services import EXPORT_PERMISSION, REVEAL_PERMISSION
from linli.core.tabular import csv_lines, template_header, template_notes, xlsx_bytes
from linli.registry import services
from linli.registry.forms import ImportForm, KindFilterForm
from linli.registry.views.common import require_importer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment[R: (HttpResponse, StreamingHttpResponse)](resp: R, filename: str) -> R:
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(filename)}"
    return resp


@login_required
def import_page(request: AuthedHttpRequest) -> HttpResponse:
    require_importer(request)
    kind = (
        KindFilterForm(request.POST).values()["kind"] or KindFilterForm(request.GET).values()["kind"]
    ) or "persons"
    if kind not in services.IMPORTERS:
        raise Http404("未知的导入类型")
    outcome = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, str(form.errors["file"][0]))
        else:
            upload, (_, _, importer) = form.cleaned_data["file"], services.IMPORTERS[kind]
            try:
                outcome = importer(
                    raw=upload,
                    filename=upload.name or "",
                    by=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
    runs = scoped(ImportRun.objects.select_related("actor"), request.user)[:15]
    return render(
        request,
        "registry/import.html",
        {
            "title": "导入导出",
            "kind": kind,
            "kinds": [(k, v[0]) for k, v in services.IMPORTERS.items()],
            "columns": services.IMPORTERS[kind][1],
            "outcome": outcome,
            "runs": runs,
            "can_export": request.user.has_perm(EXPORT_PERMISSION),
            "can_reveal": request.user.has_perm(REVEAL_PERMISSION),
        },
    )


@login_required
def import_template(request: AuthedHttpRequest, kind: str, fmt: str) -> HttpResponse:
    require_importer(request)
    if kind not in services.IMPORTERS or fmt not in ("xlsx", "csv"):
        raise Http404("未知的模板")
    label, columns, _ = services.IMPORTERS[kind]
    header, example = template_header(columns), [[c.example for c in columns]]
    if fmt == "csv":
        return _attachment(
            HttpResponse(b"".join(csv_lines(header, example)), content_type="text/csv; charset=utf-8"),
            f"{label}导入模板.csv",
        )
    body = xlsx_bytes(header, example, sheet=label.split("/")[0], notes=template_notes(columns))
    return _attachment(HttpResponse(body, content_type=XLSX), f"{label}导入模板.xlsx")


@login_required
def import_errors(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The error report of one import run, as .xlsx (row, column, problem, value)."""
    require_importer(request)
    run = scoped(ImportRun.objects.all(), request.user).filter(pk=pk).first()
    if run is None:
        raise Http404("导入记录不存在")
    rows = [[e["row"], e["column"], e["message"], e["value"]] for e in run.errors]
    if run.errors_total > len(run.errors):
        rows.append(["", "", f"共 {run.errors_total} 处错误，此处列出前 {len(run.errors)} 处", ""])
    body = xlsx_bytes(["行号", "列", "问题", "内容"], rows, sheet="错误报告")
    return _attachment(HttpResponse(body, content_type=XLSX), f"错误报告-{run.filename}.xlsx")
