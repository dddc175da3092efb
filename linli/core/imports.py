"""What every import shares: the outcome, the rollback of a dry run or a rejected file, and the record.

An import reads and checks every row inside one transaction and raises ``Rollback`` when the file
has errors or the run is a dry run, so that either every row lands or none does. ``import_finish``
then writes the ``ImportRun`` (which keeps the error report for download) and, when rows landed,
the audit record.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

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
) -> ImportOutcome:
    """Record the run (rejected, checked or done) and audit what landed."""
    status = (
        ImportRun.Status.REJECTED
        if report
        else (ImportRun.Status.CHECKED if dry_run else ImportRun.Status.DONE)
    )
    run = ImportRun.objects.create(
        kind=kind,
        filename=filename[:200],
        actor=by,
        region_code=by.region_code,
        dry_run=dry_run,
        status=status,
        rows=rows,
        created=created if status == ImportRun.Status.DONE else 0,
        errors_total=report.total,
        error_rows=len(report.rows_with_errors),
        errors=report.as_dicts()[:2000],
        summary={"by_region": by_region, "would_create": created if dry_run and not report else 0},
        started_at=started,
        seconds=round(time.perf_counter() - t0, 3),
    )
    if status == ImportRun.Status.DONE:
        audit_record(
            actor=by,
            action=AuditAction.IMPORT,
            subject=run,
            subject_label=f"{label} 导入 {filename}",
            region_code=run.region_code,
            row_count=created,
            detail={"import_run": run.pk},
        )
    return ImportOutcome(run=run, report=report, by_region=by_region)
