"""When facilities change (networks: see ``services.network_import``), recompute the affected district's access after the commit.

Changes within one transaction are gathered so that a batch of saves enqueues one task per region.
"""

from __future__ import annotations

import logging
import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from linli.facilities.models import Facility

log = logging.getLogger(__name__)
_pending = threading.local()


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
    from linli.lifecircle.tasks import recompute_task

    codes = getattr(_pending, "codes", None) or set()
    _pending.codes = set()
    for code in sorted(codes):
        try:
            recompute_task.enqueue(code)
        except Exception:  # never let a queue problem break the facility's own save
            log.exception("生活圈重算任务入队失败：%s", code)


@receiver([post_save, post_delete], sender=Facility)
def facility_changed(sender, instance: Facility, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    from linli.lifecircle.models import RoadNetwork as RN

    region_code = getattr(instance.region, "code", "") if instance.region_id else ""
    if not region_code:
        return
    codes = [region_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(region_code)]
    net = RN.objects.filter(active=True, region__code__in=codes).order_by("-region__level").first()
    schedule_recompute(net.region.code if net else region_code[:6])
