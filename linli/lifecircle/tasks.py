"""Background recomputation of access and coverage (Django's tasks framework), started after the commit.

``schedule_recompute`` gathers the regions changed within one transaction so that a batch of saves
enqueues one task per region (network imports: ``services.network_import``; settings and the
standard: ``signals``). ``schedule_access_update`` gathers the positions where open facilities came
or went (``signals``): one incremental update per root after the commit, unless the root is
recomputed in full anyway, was never computed, or so many facilities changed at once (a bulk edit)
that the full recompute is the cheaper. ``lifecircle_nightly_task`` recomputes every computed root.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import transaction
from django.tasks import task

from linli.lifecircle.models import ComputeRun
from linli.regions.models import Region

log = logging.getLogger(__name__)
_pending = threading.local()

# more changed facilities than this in one root at once (a bulk edit, an import): recompute the root
INCREMENTAL_MAX_CHANGES = 50


@task()
def recompute_task(region_code: str) -> dict:
    # services start this task (network_import), so the task loads them only when it runs
    from linli.lifecircle.services import recompute

    region = Region.objects.current().filter(code=region_code).first()
    if region is None:
        return {"skipped": region_code}
    run = recompute(region)
    return {"region": run.region.code, "buildings": run.buildings, "seconds": round(run.seconds, 2)}


@task()
def access_update_task(region_code: str, changes: list[list[Any]]) -> dict:
    """Incremental update of ``region_code``: ``changes`` are [type id, lat, lon] of the positions where
    an open facility came or went."""
    from linli.lifecircle.services import access_update  # services import this module: load them late

    region = Region.objects.current().filter(code=region_code).first()
    if region is None:
        return {"skipped": region_code}
    by_type: dict[int, list[tuple[float, float]]] = {}
    for type_id, lat, lon in changes:
        by_type.setdefault(int(type_id), []).append((float(lat), float(lon)))
    run = access_update(region, by_type)
    return {
        "region": run.region.code,
        "incremental": run.incremental,
        "buildings": run.buildings,
        "seconds": round(run.seconds, 2),
    }


def lifecircle_nightly() -> dict[str, Any]:
    """The full recompute of every root computed so far (what incremental updates cannot see: new or
    moved buildings, residents who moved, a birthday that changes a target group)."""
    from linli.lifecircle.services import (  # services import this module
        population_of,
        recompute,
        recomputed_roots,
    )

    done = {}
    roots = recomputed_roots()
    # the residents of every building of every root in one pass over the registry, not one per root
    population = population_of([r.code for r in roots]) if roots else None
    for region in roots:
        run = recompute(region, population=population)
        done[region.code] = {"buildings": run.buildings, "seconds": round(run.seconds, 1)}
    return done


@task()
def lifecircle_nightly_task() -> dict[str, Any]:
    return lifecircle_nightly()


def _state() -> tuple[set[str], dict[str, list[list[Any]]]]:
    if getattr(_pending, "codes", None) is None:
        _pending.codes = set()
    if getattr(_pending, "changes", None) is None:
        _pending.changes = {}
    return _pending.codes, _pending.changes


def schedule_recompute(region_code: str) -> None:
    """Recompute ``region_code`` after the commit; a batch of changes gives one task per region.

    Every change registers its own (cheap) callback, so a rolled-back transaction leaves nothing
    stuck; the first callback after a commit enqueues everything pending, the others find nothing.
    """
    codes, _ = _state()
    codes.add(region_code)
    transaction.on_commit(_flush)


def schedule_access_update(region_code: str, type_id: int, lat: float, lon: float) -> None:
    """Update the access of ``region_code`` around (lat, lon) for ``type_id`` after the commit."""
    _, changes = _state()
    changes.setdefault(region_code, []).append([type_id, lat, lon])
    transaction.on_commit(_flush)


def _flush() -> None:
    codes, changes = _state()
    _pending.codes, _pending.changes = set(), {}
    if changes:
        computed = set(
            ComputeRun.objects.filter(region__code__in=list(changes), incremental=False).values_list(
                "region__code", flat=True
            )
        )
        for code, points in changes.items():
            if code not in computed or len(points) > INCREMENTAL_MAX_CHANGES:
                codes.add(code)
    for code in sorted(codes):
        try:
            recompute_task.enqueue(code)
        except Exception:  # never let a queue problem break the facility's own save
            log.exception("生活圈重算任务入队失败：%s", code)
    for code in sorted(set(changes) - codes):
        try:
            access_update_task.enqueue(code, changes[code])
        except Exception:
            log.exception("生活圈增量更新任务入队失败：%s", code)
