"""Import pages (templates, upload, dry run, error report); exports are in ``views/exports.py``."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from linli.core.imports import import_progress_read
from linli.core.models import AuthedHttpRequest, ImportRun
from linli.core.scope import scoped
from linli.core.services import EXPORT_PERMISSION, REVEAL_PERMISSION
from linli.core.tabular import csv_lines, template_header, template_notes, xlsx_bytes
from linli.registry import services
from linli.registry.forms import (
    ImportForm,
    KindFilterForm,
    RunFilterForm,
)
from linli.registry.views.common import require_importer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment[R: (HttpResponse, StreamingHttpResponse)](resp: R, filename: str) -> R:
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(filename)}"
    return resp


@login_required
def import_page(request: AuthedHttpRequest) -> HttpResponse:
    """导入: choose a file and a mode, see the dry run's rows, confirm without choosing the file again."""
    require_importer(request)
    kind = (
        KindFilterForm(request.POST).values()["kind"] or KindFilterForm(request.GET).values()["kind"]
    ) or "persons"
    if kind not in services.IMPORTERS:
        raise Http404("未知的导入类型")
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, str(next(iter(form.errors.values()))[0]))
        else:
            upload = form.cleaned_data["file"]
            try:
                run = services.import_receive(
                    kind=kind,
                    mode=form.cleaned_data["mode"],
                    upload=upload,
                    filename=upload.name or "",
                    by=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                return redirect(f"{reverse('registry:import')}?kind={kind}&run={run.pk}#outcome")
    shown = _own_run(request, RunFilterForm(request.GET).values()["run"])
    runs = scoped(ImportRun.objects.select_related("actor"), request.user)[:15]
    return render(
        request,
        "registry/import.html",
        {
            "title": "导入导出",
            "kind": kind,
            "kinds": [(k, v[0]) for k, v in services.IMPORTERS.items()],
            "columns": services.IMPORTERS[kind][1],
            **_outcome_context(shown),
            "runs": runs,
            "can_export": request.user.has_perm(EXPORT_PERMISSION),
            "can_reveal": request.user.has_perm(REVEAL_PERMISSION),
        },
    )


def _own_run(request: AuthedHttpRequest, pk: int | None) -> ImportRun | None:
    """A run of this account (its rows name persons: shown only to who uploaded the file)."""
    if pk is None:
        return None
    return ImportRun.objects.select_related("actor").filter(pk=pk, actor=request.user).first()


def _outcome_context(run: ImportRun | None) -> dict[str, Any]:
    if run is None:
        return {"run": None}
    summary = run.summary or {}
    rows = summary.get("rows_listed", [])
    if run.status == ImportRun.Status.REJECTED:  # what must be fixed first, then what would have landed
        rows = sorted(rows, key=lambda r: (r["outcome"] != "refused", r["row"]))
    counts = summary.get("counts") or {
        "created": run.created or summary.get("would_create", 0),
        "refused": run.error_rows,
    }
    return {
        "run": run,
        "rows_done": import_progress_read(run),
        "counts": [
            (k, services.OUTCOME_LABELS[k], n)
            for k, n in counts.items()
            if n and k in services.OUTCOME_LABELS
        ],
        "listed": [dict(r, outcome_label=services.OUTCOME_LABELS.get(r["outcome"], "")) for r in rows[:1000]],
        "has_unchanged": any(r["outcome"] == "unchanged" for r in rows[:1000]),
        "unchanged_count": sum(1 for r in rows[:1000] if r["outcome"] == "unchanged"),
        "listed_more": max(run.rows - 1000, 0) if len(rows) > 1000 else 0,
    }


@login_required
def import_progress(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The outcome block of a run, polled by the page (htmx) while the run is queued or running."""
    require_importer(request)
    run = _own_run(request, pk)
    if run is None:
        raise Http404("导入记录不存在")
    return render(request, "registry/_import_outcome.html", _outcome_context(run))


@login_required
@require_POST
def import_confirm(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """确认导入: import the file the dry run checked, kept on the server."""
    require_importer(request)
    run = _own_run(request, pk)
    if run is None:
        raise Http404("导入记录不存在")
    try:
        done = services.import_commit(run=run, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(f"{reverse('registry:import')}?kind={run.kind}&run={run.pk}#outcome")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('registry:import')}?kind={run.kind}")
    return redirect(f"{reverse('registry:import')}?kind={run.kind}&run={done.pk}#outcome")


@login_required
def import_template(request: AuthedHttpRequest, kind: str, fmt: str) -> HttpResponse:
    require_importer(request)
    if kind not in services.IMPORTERS or fmt not in ("xlsx", "csv"):
        raise Http404("未知的模板")
    label, columns, _ = services.IMPORTERS[kind]
    header, example = template_header(columns), [[c.example for c in columns]]
    text = [i for i, c in enumerate(columns) if c.sensitive or c.key.endswith("code")]  # typed as text
    if fmt == "csv":
        return _attachment(
            HttpResponse(b"".join(csv_lines(header, example)), content_type="text/csv; charset=utf-8"),
            f"{label}导入模板.csv",
        )
    body = xlsx_bytes(
        header, example, sheet=label.split("/")[0], notes=template_notes(columns), text_columns=text
    )
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
    stem = run.filename.rsplit(".", 1)[0] if "." in run.filename else run.filename
    return _attachment(HttpResponse(body, content_type=XLSX), f"{stem or '导入'}-错误.xlsx")
