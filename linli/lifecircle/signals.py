"""When a facility changes, recompute the access of its computation root after the commit.

A receiver, not a call from ``facilities.services``: the facilities app sits below the life circle
and may not call it, and facilities also change outside its services (the admin, the demo, deletes).
Network imports schedule their recomputation explicitly (``services.network_import``).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from linli.facilities.models import Facility
from linli.lifecircle.services import compute_root
from linli.lifecircle.tasks import schedule_recompute


@receiver([post_save, post_delete], sender=Facility)
def facility_changed(sender: type[Facility], instance: Facility, **kwargs: Any) -> None:
    if kwargs.get("raw") or not instance.region_id:
        return
    schedule_recompute(compute_root(instance.region).code)
