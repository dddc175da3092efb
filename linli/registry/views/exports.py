"""Exports of personal data as pages: the export itself (at once when small, a background run with a
progress page when large), the run's progress (polled by htmx) and its file, for its owner only."""

from __future__ import annotations

import urllib.parse

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from linli.core.jobs import CONTENT_TYPES, EXPORT_KEPT, export_file_ready, export_run_for, export_runs_of
from linli.core.models import AuthedHttpRequest, ExportRun
from linli.core.tabular import csv_lines, xlsx_bytes
from linli.registry import services
from linli.registry.forms import ExportForm, ListFilterForm, PersonFilterForm
from linli.registry.views.common import is_htmx, require_reader

RUN_MISSING = "导出任务不存在"


def _attachment[R: (HttpResponse, StreamingHttpResponse, FileResponse)](resp: R, filename: str) -> R:
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(filename)}"
    resp["Cache-Control"] = "private, no-store"
    return resp


@login_required
@require_POST  # audited and full of personal data: a form with the CSRF token, never a link
def export(request: AuthedHttpRequest, kind: str) -> HttpResponse | StreamingHttpResponse:
    """Export persons/households/buildings in scope (with the list's filters). Always audited; above
    ``LINLI_EXPORT_BACKGROUND_ROWS`` rows it runs in the background and the progress page opens."""
    require_reader(request)
    if kind not in services.EXPORT_LABELS:
        raise Http404("未知的导出类型")
    asked = ExportForm(request.POST)
    asked.is_valid()
    fmt, full, reason = asked.cleaned_data["format"], asked.cleaned_data["full"], asked.cleaned_data["reason"]
    filters = (
        PersonFilterForm(request.POST).to_filter()
        if kind == "persons"
        else {k: v for k, v in ListFilterForm(request.POST).values().items() if k in ("q", "region")}
    )
    try:
        plan = services.export_begin(
            by=request.user, kind=kind, fmt=fmt, full=full, reason=reason, filters=filters
        )
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        return redirect(request.META.get("HTTP_REFERER") or "registry:import")
    if plan.run is not None:
        return redirect("registry:export_run", plan.run.pk)
    assert plan.rows is not None
    if fmt == "csv":
        resp = StreamingHttpResponse(csv_lines(plan.header, plan.rows), content_type=CONTENT_TYPES["csv"])
        return _attachment(resp, plan.filename)
    body = xlsx_bytes(plan.header, plan.rows, sheet=plan.label)
    return _attachment(HttpResponse(body, content_type=CONTENT_TYPES["xlsx"]), plan.filename)


@login_required
@require_GET
def export_run(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """One export run of the account: its progress (the fragment alone for htmx's polling), then the link."""
    try:
        run = export_run_for(user=request.user, pk=pk)
    except ExportRun.DoesNotExist as exc:
        raise Http404(RUN_MISSING) from exc
    context = {
        "run": run,
        "ready": export_file_ready(run),
        "kept_hours": int(EXPORT_KEPT.total_seconds() // 3600),
    }
    if is_htmx(request):
        return render(request, "registry/_export_progress.html", context)
    others = [r for r in export_runs_of(user=request.user) if r.pk != run.pk]
    return render(request, "registry/export_run.html", {**context, "title": run.label, "others": others})


@login_required
@require_GET
def export_file(request: AuthedHttpRequest, pk: int) -> FileResponse:
    """The file of a finished run, to the account that asked for it; anyone else gets a 404."""
    try:
        run = export_run_for(user=request.user, pk=pk)
    except ExportRun.DoesNotExist as exc:
        raise Http404(RUN_MISSING) from exc
    if not export_file_ready(run):
        raise Http404("文件尚未生成或已过期（保留一天），请重新导出")
    try:
        body = run.file.open("rb")
    except OSError as exc:
        raise Http404("文件已过期，请重新导出") from exc
    fmt = run.filename.rsplit(".", 1)[-1]
    return _attachment(
        FileResponse(body, content_type=CONTENT_TYPES.get(fmt, "application/octet-stream")), run.filename
    )


@login_required
@require_GET
def export_runs(request: AuthedHttpRequest) -> HttpResponse:
    """我的导出: the account's own export runs of the last day, each opening its progress and file."""
    require_reader(request)
    runs = export_runs_of(user=request.user)
    return render(
        request,
        "registry/export_runs.html",
        {"title": "我的导出", "runs": runs, "kept_hours": int(EXPORT_KEPT.total_seconds() // 3600)},
    )
