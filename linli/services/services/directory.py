"""The service directory's writes: a service saved, its booking slots generated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from linli.core.errors import invalid
from linli.core.models import User
from linli.core.scope import require_object_in_scope, require_region_in_scope
from linli.services.engine import schedule
from linli.services.models import Booking, Service, ServiceStatus, Slot
from linli.services.services.common import clean_model, hours_error, require_staff

SERVICE_FIELDS = [
    "name",
    "description",
    "kind",
    "category",
    "provider",
    "region",
    "facility",
    "address",
    "lat",
    "lon",
    "opening_hours",
    "exceptions",
    "slot_minutes",
    "capacity",
    "bookable",
    "eligible_tags",
    "min_age",
    "max_age",
    "fee_kind",
    "fee_amount",
    "fee_note",
    "contact_name",
    "contact_phone",
    "status",
    "source",
]


def _clean_service(service: Service) -> None:
    try:
        service.opening_hours = schedule.normalise(service.opening_hours or {})
        if service.bookable and service.status == ServiceStatus.ACTIVE:
            schedule.require_hours(service.opening_hours)
    except schedule.ScheduleError as exc:
        raise hours_error(exc) from exc
    if service.fee_kind != "free" and service.fee_amount is None:
        raise invalid("fee_amount", "低偿或收费服务请填写收费金额", "service.fee_required")
    if service.fee_kind == "free":
        service.fee_amount = None
    if (service.lat is None) != (service.lon is None):
        raise invalid("lat", "经纬度须同时填写", "service.point_incomplete")
    clean_model(service, exclude=["uuid", "provider", "facility", "category", "region"], thing="service")


def service_save(*, actor: User, service: Service | None = None, **data: Any) -> Service:
    """Create (``service`` None) or update a service of the directory."""
    require_staff(actor)
    unknown = set(data) - set(SERVICE_FIELDS)
    if unknown:
        raise ValidationError({k: ValidationError("未知字段", code="service.unknown_field") for k in unknown})
    obj = service or Service()
    for key, value in data.items():
        setattr(obj, key, value)
    if getattr(obj, "region_id", None) is None:
        raise invalid("region", "请选择服务区域", "service.region_required")
    require_region_in_scope(actor, obj.region)
    if service is not None:
        require_object_in_scope(actor, service)
    _clean_service(obj)
    with transaction.atomic():
        obj.save()
        if service is not None:  # a service moved to another region: its bookings' kept code follows
            Booking.objects.filter(service=obj).exclude(provider_code=obj.region.code).update(
                provider_code=obj.region.code
            )
    return obj


def slots_generate(*, service: Service, start: dt.date, days: int = 14, actor: User | None = None) -> int:
    """Create the slots of ``service`` for ``days`` days from ``start`` (existing ones are kept); returns how many new."""
    if actor is not None:
        require_staff(actor)
        require_object_in_scope(actor, service)
    if days < 1 or days > 92:
        raise invalid("days", "生成天数应在 1–92 之间", "service.days_invalid")
    try:
        periods = list(
            schedule.slots(service.opening_hours, service.exceptions, start, days, service.slot_minutes)
        )
    except schedule.ScheduleError as exc:
        raise hours_error(exc) from exc
    now = timezone.now()
    tz = timezone.get_current_timezone()
    rows = [
        Slot(
            service=service,
            starts_at=timezone.make_aware(s, tz),
            ends_at=timezone.make_aware(e, tz),
            capacity=service.capacity,
        )
        for s, e in periods
    ]
    rows = [r for r in rows if r.starts_at > now]
    with transaction.atomic():
        before = Slot.objects.filter(service=service).count()
        Slot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        return Slot.objects.filter(service=service).count() - before
