"""What every import shares: the outcome, the rollback of a dry run or a rejected file, the record,
and the uploaded file kept privately between a dry run and its import.

An import reads and checks every row inside one transaction and raises ``Rollback`` when the file
has errors or the run is a dry run, so that either every row lands or none does. ``import_finish``
then writes the ``ImportRun`` (which keeps the error report for download) and, when rows landed,
the audit record.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone

from linli.core.models import AuditAction, ImportRun, User
from linli.core.services import audit_record
from linli.core.tabular import ErrorReport


@dataclass
class ImportOutcome:
    run: ImportRun
    report: ErrorReport
    by_region: dict[str, int] = field(default_factory=dict)


class Rollback(Exception):
    """Raised inside an import's transaction to undo it (a dry run, or a file with errors)."""


KEEP_FILES = dt.timedelta(days=1)  # an uploaded file waits this long for its import, then goes


def _import_dir() -> Path:
    """Where uploaded files wait between dry run and import: under the private VAR_DIR, never served."""
    path = Path(settings.VAR_DIR) / "private" / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_file_keep(*, run: ImportRun, upload: IO[bytes], filename: str) -> None:
    """Keep the uploaded file for ``run`` (its dry run, then its import), under a random name."""
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    name = f"{uuid.uuid4().hex}{suffix}"
    upload.seek(0)
    with (_import_dir() / name).open("wb") as out:
        for chunk in iter(lambda: upload.read(1 << 20), b""):
            out.write(chunk)
    upload.seek(0)
    run.stored_file = name
    ImportRun.objects.filter(pk=run.pk).update(stored_file=name)


def import_file_open(run: ImportRun) -> IO[bytes] | None:
    """The kept file of ``run``; None once it is gone (imported, or older than a day)."""
    if not run.stored_file:
        return None
    path = _import_dir() / Path(run.stored_file).name
    if not path.is_file():
        return None
    return path.open("rb")


def import_file_drop(run: ImportRun) -> None:
    """Remove the kept file of ``run`` (after its import, or when it cannot be imported)."""
    if run.stored_file:
        (_import_dir() / Path(run.stored_file).name).unlink(missing_ok=True)
        (_import_dir() / f"{Path(run.stored_file).name}.progress").unlink(missing_ok=True)
    run.stored_file = ""
    ImportRun.objects.filter(pk=run.pk).update(stored_file="")


def import_files_purge(now: dt.datetime | None = None) -> int:
    """Remove kept files older than a day, and forget them on their runs; returns how many went."""
    limit = (now or timezone.now()) - KEEP_FILES
    stale = ImportRun.objects.filter(started_at__lt=limit).exclude(stored_file="")
    gone = 0
    for run in stale.exclude(status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING]):
        import_file_drop(run)
        gone += 1
    return gone


def import_progress(run: ImportRun, rows_done: int) -> None:
    """Record how far a running import has come. Written beside the kept file, not in the database:
    the import's own transaction is open meanwhile, and no reader may wait for it."""
    if run.stored_file:
        (_import_dir() / f"{Path(run.stored_file).name}.progress").write_text(str(rows_done))


def import_progress_read(run: ImportRun) -> int:
    """Rows done so far: the running import's progress note, else the run's own count."""
    if run.pending and run.stored_file:
        try:
            return int((_import_dir() / f"{Path(run.stored_file).name}.progress").read_text() or 0)
        except (OSError, ValueError):
            return run.rows_done
    return run.rows_done


def import_finish(
    *,
    kind: str,
    label: str,
    filename: str,
    by: User,
    dry_run: bool,
    report: ErrorReport,
    rows: int,
    created: int,
    by_region: dict[str, int],
    started: dt.datetime,
    t0: float,
    run: ImportRun | None = None,
    changed: int = 0,
    summary: dict[str, Any] | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> ImportOutcome:
    """Record the run (rejected, checked or done) and audit what landed.

    ``run`` is the record made when the file was received (queued); without it a new one is made.
    ``summary`` adds to the run's summary (the rows and their outcome); ``audit_detail`` to the audit.
    """
    status = (
        ImportRun.Status.REJECTED
        if report
        else (ImportRun.Status.CHECKED if dry_run else ImportRun.Status.DONE)
    )
    done = status == ImportRun.Status.DONE
    values: dict[str, Any] = {
        "kind": kind,
        "filename": filename[:200],
        "actor": by,
        "region_code": by.region_code,
        "dry_run": dry_run,
        "status": status,
        "rows": rows,
        "rows_done": rows,
        "created": created if done else 0,
        "changed": changed if done else 0,
        "errors_total": report.total,
        "error_rows": len(report.rows_with_errors),
        "errors": report.as_dicts()[:2000],
        "summary": {
            "by_region": by_region,
            "would_create": created if dry_run and not report else 0,
            "would_change": changed if dry_run and not report else 0,
            **(summary or {}),
        },
        "seconds": round(time.perf_counter() - t0, 3),
    }
    if run is None:
        run = ImportRun.objects.create(started_at=started, **values)
    else:
        for key, value in values.items():
            setattr(run, key, value)
        run.save()
    if done:
        audit_record(
            actor=by,
            action=AuditAction.IMPORT,
            subject=run,
            subject_label=f"{label} 导入 {filename}",
            region_code=run.region_code,
            row_count=created + changed,
            detail={"import_run": run.pk, "created": created, "changed": changed, **(audit_detail or {})},
        )
    return ImportOutcome(run=run, report=report, by_region=by_region)
