"""Background recomputation of access and coverage (Django's tasks framework), started after the commit.

``schedule_recompute`` gathers the regions changed within one transaction so that a batch of saves
enqueues one task per region (network imports: ``services.network_import``; facility changes:
``signals``).
"""

from __future__ import annotations

import logging
import threading

from django.db import transaction
from django.tasks import task

from linli.regions.models import Region

log = logging.getLogger(__name__)
_pending = threading.local()


@task()
def recompute_task(region_code: str) -> dict:
    # services start this task (network_import), so the task loads them only when it runs
    from linli.lifecircle.services import recompute

    region = Region.objects.current().filter(code=region_code).first()
    if region is None:
        return {"skipped": region_code}
    run = recompute(region)
    return {"region": run.region.code, "buildings": run.buildings, "seconds": round(run.seconds, 2)}


def schedule_recompute(region_code: str) -> None:
    """Recompute ``region_code`` after the commit; a batch of changes gives one task per region.

    Every change registers its own (cheap) callback, so a rolled-back transaction leaves nothing
    stuck; the first callback after a commit enqueues everything pending, the others find nothing.
    """
    codes: set[str] | None = getattr(_pending, "codes", None)
    if codes is None:
        codes = _pending.codes = set()
    codes.add(region_code)
    transaction.on_commit(_flush)


def _flush() -> None:
    codes = getattr(_pending, "codes", None) or set()
    _pending.codes = set()
    for code in sorted(codes):
        try:
            recompute_task.enqueue(code)
        except Exception:  # never let a queue problem break the facility's own save
            log.exception("生活圈重算任务入队失败：%s", code)
