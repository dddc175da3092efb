"""Long work in the background: the kernel's side of an export run (``ExportRun``).

An app starts a run with ``export_run_start`` (inside the request, counted and audited there), and
enqueues its own task on commit; the task rebuilds the rows and hands them to ``export_run_write``,
which writes the file (CSV streamed line by line, xlsx in openpyxl's write-only mode), records the
rows written as it goes, and keeps the file privately (under ``MEDIA_ROOT/exports/``, which no URL
serves). ``export_run_for`` gives a run to the account that asked for it and to nobody else;
``export_runs_purge`` deletes the files older than ``EXPORT_KEPT``.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from linli.core.models import ExportRun, User
from linli.core.tabular import csv_lines, xlsx_bytes

log = logging.getLogger(__name__)

EXPORT_KEPT = dt.timedelta(days=1)  # a file is downloadable this long after it was made, then deleted
PROGRESS_SECONDS = 0.5  # the rows written are recorded at most this often (and every PROGRESS_ROWS)
PROGRESS_ROWS = 5000
FAILED_MESSAGE = "导出失败，请重新导出；仍然失败请联系系统管理员"

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_run_start(
    *,
    kind: str,
    label: str,
    by: User,
    region_code: str,
    params: dict[str, Any],
    total: int,
    filename: str,
) -> ExportRun:
    """Record an export run asked for by ``by`` (queued); the caller enqueues its task on commit."""
    with transaction.atomic():
        return ExportRun.objects.create(
            kind=kind,
            label=label[:100],
            actor=by,
            region_code=region_code,
            params=params,
            rows_total=total,
            filename=filename[:200],
        )


def export_run_progress(*, run: ExportRun, done: int) -> None:
    """Record how many rows ``run`` has written (one UPDATE, committed at once outside a transaction)."""
    run.rows_done = done
    ExportRun.objects.filter(pk=run.pk).update(rows_done=done)


def counted(
    rows: Iterable[list[Any]],
    *,
    run: ExportRun,
    every_rows: int | None = None,
    every_s: float | None = None,
) -> Iterator[list[Any]]:
    """Pass ``rows`` through, recording the count on ``run`` every ``every_rows`` rows or ``every_s``
    seconds (by default ``PROGRESS_ROWS`` and ``PROGRESS_SECONDS``)."""
    every_rows, every_s = every_rows or PROGRESS_ROWS, every_s or PROGRESS_SECONDS
    done, recorded, last = 0, 0, time.monotonic()
    for row in rows:
        yield row
        done += 1
        if done - recorded >= every_rows or (time.monotonic() - last >= every_s):
            export_run_progress(run=run, done=done)
            recorded, last = done, time.monotonic()
    export_run_progress(run=run, done=done)


def export_run_write(
    *,
    run: ExportRun,
    header: list[str],
    rows: Iterable[list[Any]],
    fmt: str,
    sheet: str = "数据",
    every_rows: int | None = None,
) -> ExportRun:
    """Write ``rows`` to ``run``'s file with progress, and mark it done (or failed, re-raising the error).

    Every cell goes through ``linli.core.tabular`` (formula characters neutralised).
    """
    ExportRun.objects.filter(pk=run.pk).update(status=ExportRun.Status.RUNNING, rows_done=0, error="")
    run.status = ExportRun.Status.RUNNING
    try:
        with tempfile.TemporaryFile() as out:
            lines = counted(rows, run=run, every_rows=every_rows)
            if fmt == "csv":
                for line in csv_lines(header, lines):
                    out.write(line)
            else:
                out.write(xlsx_bytes(header, lines, sheet=sheet))
            out.seek(0)
            with transaction.atomic():
                run.file.save(run.filename, File(out), save=False)
                run.status, run.finished_at = ExportRun.Status.DONE, timezone.now()
                run.save(update_fields=["file", "status", "finished_at", "rows_done"])
    except Exception:
        log.exception("导出任务 %s 失败", run.pk)
        export_run_fail(run=run, error=FAILED_MESSAGE)
        raise
    return run


def export_run_fail(*, run: ExportRun, error: str) -> ExportRun:
    """Mark ``run`` failed with a message its owner can read."""
    run.status, run.error, run.finished_at = ExportRun.Status.FAILED, error[:500], timezone.now()
    ExportRun.objects.filter(pk=run.pk).update(
        status=run.status, error=run.error, finished_at=run.finished_at
    )
    return run


def export_run_for(*, user: User, pk: int) -> ExportRun:
    """The run ``pk`` if ``user`` asked for it; anyone else's reads as absent (``ExportRun.DoesNotExist``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise ExportRun.DoesNotExist("导出任务不存在")
    return ExportRun.objects.get(pk=pk, actor=user)


def export_runs_of(*, user: User, now: dt.datetime | None = None) -> list[ExportRun]:
    """The runs ``user`` asked for within ``EXPORT_KEPT``, newest first (a short list for their page)."""
    since = (now or timezone.now()) - EXPORT_KEPT
    return list(ExportRun.objects.filter(actor=user, created_at__gte=since)[:10])


def export_file_ready(run: ExportRun, *, now: dt.datetime | None = None) -> bool:
    """Whether ``run``'s file may be downloaded: done, still kept, and present."""
    if run.status != ExportRun.Status.DONE or not run.file or run.finished_at is None:
        return False
    return run.finished_at > (now or timezone.now()) - EXPORT_KEPT


def export_runs_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of runs finished more than ``EXPORT_KEPT`` ago (the records stay); the count."""
    cutoff = (now or timezone.now()) - EXPORT_KEPT
    purged = 0
    for run in ExportRun.objects.filter(finished_at__lt=cutoff).exclude(file=""):
        try:
            run.file.delete(save=False)
        except OSError:  # already gone: the record is cleared all the same
            log.warning("导出文件已不存在：%s", run.file.name)
        ExportRun.objects.filter(pk=run.pk).update(file="")
        purged += 1
    return purged
