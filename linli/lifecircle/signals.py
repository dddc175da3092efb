"""When a facility changes, bring the access of its computation root up to date after the commit.

Receivers, not calls from ``facilities.services``: the facilities app sits below the life circle and
may not call it, and facilities also change outside its services (the admin, the demo, deletes).
The stored row is read before a save (``pre_save``) so that the old position is known: only where an
open facility came or went (opened, closed, moved, retyped, deleted) is access recomputed, for the
buildings around those positions (``tasks.schedule_access_update``); a save that changes none of
type, status, position or region (a new phone number) recomputes nothing.

A change of the walking speed, the detour factor, the rural circle or the standard's circle of a type
changes every threshold: it recomputes every computed root in full. Network imports schedule their
recomputation explicitly (``services.network_import``).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from linli.facilities.models import Facility, FacilityStatus
from linli.lifecircle.models import CircleStandard, LifeCircleSettings
from linli.lifecircle.services import compute_root, recomputed_roots
from linli.lifecircle.tasks import schedule_access_update, schedule_recompute
from linli.regions.models import Region

_FIELDS = ("type_id", "status", "lat", "lon", "region_id")
Point = tuple[int, int, float, float]  # region id, type id, lat, lon of an open facility


def _open_point(
    type_id: int, status: str, lat: float | None, lon: float | None, region_id: int | None
) -> Point | None:
    if status != FacilityStatus.OPEN or lat is None or lon is None or not region_id:
        return None
    return (region_id, type_id, float(lat), float(lon))


def _point(instance: Facility) -> Point | None:
    return _open_point(*(getattr(instance, f) for f in _FIELDS))


@receiver(pre_save, sender=Facility)
def facility_before(sender: type[Facility], instance: Facility, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.pk is None:
        return
    row = Facility.objects.filter(pk=instance.pk).values_list(*_FIELDS).first()
    instance._lifecircle_before = _open_point(*row) if row else None  # type: ignore[attr-defined]


def _schedule(points: list[Point]) -> None:
    regions = {r.pk: r for r in Region.objects.filter(pk__in={p[0] for p in points})}
    for region_id, type_id, lat, lon in points:
        if region_id in regions:
            schedule_access_update(compute_root(regions[region_id]).code, type_id, lat, lon)


@receiver(post_save, sender=Facility)
def facility_saved(sender: type[Facility], instance: Facility, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    before = None if kwargs.get("created") else getattr(instance, "_lifecircle_before", None)
    after = _point(instance)
    if before != after:
        _schedule([p for p in (before, after) if p is not None])


@receiver(post_delete, sender=Facility)
def facility_deleted(sender: type[Facility], instance: Facility, **kwargs: Any) -> None:
    point = _point(instance)
    if point is not None:
        _schedule([point])


@receiver([post_save, post_delete], sender=LifeCircleSettings)
@receiver([post_save, post_delete], sender=CircleStandard)
def thresholds_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or kwargs.get("created") and sender is LifeCircleSettings:
        return
    for region in recomputed_roots():
        schedule_recompute(region.code)
