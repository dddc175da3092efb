"""Writes of the services module: each one function, keyword-only, atomic, scope-checked.

Bookings never overbook: a place is taken by one conditional UPDATE
(``booked = booked + 1 WHERE booked < capacity``), which the database applies atomically on
SQLite and PostgreSQL alike, before anything else is written; the CHECK constraint
``booked <= capacity`` stands behind it. A resource's share of needs is taken the same way.

Every other rule that two people acting at once could break is a constraint of the database (one
active booking per person and slot, one open need per person and text, one resource of a name per
provider, unique application numbers and item codes); the writer that loses gets a ``Conflict``
with a stable code, never a server error. Application numbers are reserved, never counted
(``application_number_next``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from linli.core.errors import Conflict
from linli.core.models import AuditAction, User
from linli.core.roles import REGISTRY_WRITERS, Role
from linli.core.scope import OutOfScope, require_object_in_scope, require_region_in_scope
from linli.core.services import audit_record
from linli.registry.models import DERIVED_AGE_TAGS, Person, PersonTag
from linli.services.engine import schedule
from linli.services.models import (
    ACTIVE_BOOKING,
    PROJECT_STAGES,
    Application,
    ApplicationCounter,
    ApplicationStatus,
    ApplicationStep,
    Booking,
    BookingStatus,
    ExcludedTask,
    FundingSource,
    Need,
    NeedSource,
    NeedStatus,
    Period,
    Project,
    ProjectEvent,
    ProjectStage,
    Resource,
    ResourceStatus,
    Service,
    ServiceItem,
    ServiceStatus,
    Slot,
    SlotStatus,
    TaxonomyTerm,
    Urgency,
)

STAFF_ROLES = REGISTRY_WRITERS | {Role.STREET_COORDINATOR}


def is_staff(user: User) -> bool:
    return bool(user.is_superuser or user.role in STAFF_ROLES)


def require_staff(user: User) -> None:
    if not is_staff(user):
        raise PermissionDenied("本账号不能管理服务清单")


# --- eligibility -------------------------------------------------------------------------------------


def person_groups(person: Person, day: dt.date | None = None) -> list[str]:
    """The person's target groups on ``day``: registry tag kinds and the derived age groups."""
    day = day or timezone.localdate()
    kinds = sorted(set(PersonTag.objects.valid_on(day).filter(person=person).values_list("kind", flat=True)))
    age = person.age_on(day)
    return [key for key, _label, minimum in DERIVED_AGE_TAGS if age >= minimum] + kinds


def eligibility(service: Service, *, region_code: str, groups: Iterable[str], age: int | None) -> str:
    """ "" when a resident of ``region_code`` with ``groups`` and ``age`` may use ``service``, else why not."""
    if not region_code.startswith(service.region.code):
        return f"仅限{service.region.name}居民"
    wanted = set(service.eligible_tags or [])
    if wanted and not wanted & set(groups):
        return "仅限" + "、".join(tag_label(t) for t in sorted(wanted))
    if age is not None and service.min_age is not None and age < service.min_age:
        return f"仅限 {service.min_age} 周岁以上"
    if age is not None and service.max_age is not None and age > service.max_age:
        return f"仅限 {service.max_age} 周岁以下"
    return ""


def tag_label(key: str) -> str:
    from linli.registry.models import TagKind

    derived = {k: label for k, label, _ in DERIVED_AGE_TAGS}
    if key in derived:
        return derived[key]
    try:
        return str(TagKind(key).label)
    except ValueError:
        return key


def check_not_excluded(text: str, *, field: str = "name") -> None:
    """Refuse a task or certificate that the 社区工作负面清单 / 证明事项清单 keeps away from communities."""
    for item in ExcludedTask.objects.all():
        words = [item.name, *item.keywords]
        if any(w and w in text for w in words):
            raise ValidationError(
                {
                    field: f"“{text}”属于{item.get_kind_display().split('（')[0]}负面清单中的“{item.name}”，"
                    f"不能作为社区事项受理；应由{item.handled_by or '相关部门'}办理（依据：{item.basis}）。"
                }
            )


# --- the directory ------------------------------------------------------------------------------------

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
    "weekly_hours",
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
        schedule.normalise(service.weekly_hours or {})
    except schedule.ScheduleError as exc:
        raise ValidationError({exc.field: str(exc)}) from exc
    if service.bookable and service.status == ServiceStatus.ACTIVE:
        try:
            schedule.require_hours(service.weekly_hours or {})
        except schedule.ScheduleError as exc:
            raise ValidationError({"weekly_hours": str(exc)}) from exc
    if service.fee_kind != "free" and service.fee_amount is None:
        raise ValidationError({"fee_amount": "低偿或收费服务请填写收费金额"})
    if service.fee_kind == "free":
        service.fee_amount = None
    if (service.lat is None) != (service.lon is None):
        raise ValidationError({"lat": "经纬度须同时填写"})
    service.full_clean(exclude=["uuid", "provider", "facility", "category", "region"])


def service_save(*, actor: User, service: Service | None = None, **data: Any) -> Service:
    """Create (``service`` None) or update a service of the directory."""
    require_staff(actor)
    unknown = set(data) - set(SERVICE_FIELDS)
    if unknown:
        raise ValidationError({k: "未知字段" for k in unknown})
    obj = service or Service()
    for key, value in data.items():
        setattr(obj, key, value)
    if getattr(obj, "region_id", None) is None:
        raise ValidationError({"region": "请选择服务区域"})
    require_region_in_scope(actor, obj.region)
    if service is not None:
        require_object_in_scope(actor, service)
    _clean_service(obj)
    with transaction.atomic():
        obj.save()
    return obj


def slots_generate(*, service: Service, start: dt.date, days: int = 14, actor: User | None = None) -> int:
    """Create the slots of ``service`` for ``days`` days from ``start`` (existing ones are kept); returns how many new."""
    if actor is not None:
        require_staff(actor)
        require_object_in_scope(actor, service)
    if days < 1 or days > 92:
        raise ValidationError({"days": "生成天数应在 1–92 之间"})
    try:
        periods = list(
            schedule.slots(service.weekly_hours, service.exceptions, start, days, service.slot_minutes)
        )
    except schedule.ScheduleError as exc:
        raise ValidationError({exc.field: str(exc)}) from exc
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


# --- bookings -----------------------------------------------------------------------------------------


def _booking_person(actor: User, person: Person | None) -> Person:
    if person is None:
        if actor.role == Role.RESIDENT and actor.person_id:
            assert actor.person is not None
            return actor.person
        raise ValidationError({"person": "请选择预约的居民"})
    if actor.role == Role.RESIDENT:
        if not actor.person_id or (
            person.pk != actor.person_id
            and (
                actor.person is None
                or not actor.person.household_id
                or person.household_id != actor.person.household_id
            )
        ):
            raise OutOfScope("居民只能为本人或同户家人预约")
    else:
        require_staff(actor)
        require_object_in_scope(actor, person)
    return person


def _take_place(slot_id: int) -> None:
    """Take one place of the slot atomically, or raise the reason none is free (nothing written)."""
    now = timezone.now()
    took = Slot.objects.filter(
        pk=slot_id, booked__lt=F("capacity"), starts_at__gt=now, status=SlotStatus.OPEN
    ).update(booked=F("booked") + 1)
    if took:
        return
    slot = Slot.objects.filter(pk=slot_id).select_related("service").first()
    if slot is None:
        raise ValidationError({"slot": "预约时段不存在"})
    if slot.starts_at <= now:
        raise ValidationError({"slot": f"时段 {slot} 已经开始或已过去，不能预约"})
    if slot.status != SlotStatus.OPEN:
        raise ValidationError({"slot": f"时段 {slot} 已停约"})
    raise Conflict("slot", f"时段 {slot} 已约满（共 {slot.capacity} 个名额）", code="booking.slot_full")


def booking_create(*, actor: User, slot_id: int, person: Person | None = None, note: str = "") -> Booking:
    """Book one place of a slot for ``person`` (the resident themself by default)."""
    person = _booking_person(actor, person)
    with transaction.atomic():
        try:
            _take_place(slot_id)  # first: the write lock is taken before any read (no lock upgrade on SQLite)
        except Conflict:  # full: say so, unless the place this person asks for is already theirs
            if Booking.objects.filter(slot_id=slot_id, person=person, status__in=ACTIVE_BOOKING).exists():
                raise Conflict("slot", f"{person.name}已预约了这个时段", code="booking.duplicate") from None
            raise
        slot = Slot.objects.select_related("service", "service__region").get(pk=slot_id)
        service = slot.service
        if service.status != ServiceStatus.ACTIVE or not service.bookable:
            raise ValidationError({"slot": f"“{service.name}”目前不接受预约"})
        reason = eligibility(
            service, region_code=person.region.code, groups=person_groups(person), age=person.age
        )
        if reason:
            raise ValidationError({"person": f"{person.name}不符合“{service.name}”的服务对象：{reason}"})
        try:  # the partial unique constraint refuses a second active booking of the same slot
            booking = Booking.objects.create(
                slot=slot, service=service, person=person, booked_by=actor, note=note[:200]
            )
        except IntegrityError as exc:  # the whole transaction (and the place taken) is rolled back
            raise Conflict("slot", f"{person.name}已预约了这个时段", code="booking.duplicate") from exc
    return booking


def _require_booking_access(actor: User, booking: Booking) -> None:
    if actor.role == Role.RESIDENT:
        _booking_person(actor, booking.person)
    else:
        require_staff(actor)
        require_object_in_scope(actor, booking)


def _release(booking: Booking) -> None:
    Slot.objects.filter(pk=booking.slot_id, booked__gt=0).update(booked=F("booked") - 1)


def booking_cancel(*, actor: User, booking: Booking, reason: str = "") -> Booking:
    _require_booking_access(actor, booking)
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status not in ACTIVE_BOOKING:
            raise ValidationError({"status": f"预约{locked.get_status_display()}，不能取消"})
        locked.status, locked.cancelled_at = BookingStatus.CANCELLED, timezone.now()
        if reason:
            locked.note = reason[:200]
        locked.save(update_fields=["status", "cancelled_at", "note"])
        _release(locked)
    return locked


def booking_reschedule(*, actor: User, booking: Booking, slot_id: int) -> Booking:
    """Move a booking to another slot of the same service: the new place is taken before the old is freed."""
    _require_booking_access(actor, booking)
    if booking.status not in ACTIVE_BOOKING:
        raise ValidationError({"status": f"预约{booking.get_status_display()}，不能改约"})
    target = Slot.objects.filter(pk=slot_id).first()
    if target is None or target.service_id != booking.service_id:
        raise ValidationError({"slot": "只能改约同一服务的其他时段"})
    if target.pk == booking.slot_id:
        raise ValidationError({"slot": "新时段与原时段相同"})
    with transaction.atomic():
        new = booking_create(actor=actor, slot_id=slot_id, person=booking.person, note=booking.note)
        booking_cancel(actor=actor, booking=booking, reason=f"改约至 {target}")
    return new


def booking_confirm(*, actor: User, booking: Booking) -> Booking:
    """Confirm a booking: one conditional UPDATE, so a cancel or a second confirm at the same moment loses."""
    require_staff(actor)
    require_object_in_scope(actor, booking)
    now = timezone.now()
    done = Booking.objects.filter(pk=booking.pk, status=BookingStatus.BOOKED).update(
        status=BookingStatus.CONFIRMED, confirmed_at=now
    )
    booking.refresh_from_db(fields=["status", "confirmed_at"])
    if not done:
        raise ValidationError({"status": f"预约{booking.get_status_display()}，不能确认"})
    return booking


def booking_serve(*, actor: User, booking: Booking, record: str, attended: bool = True) -> Booking:
    """Record the service given (or that the resident did not come).

    The status moves by one conditional UPDATE from an active status, so a cancellation at the same
    moment either happens first (and serving is refused) or is refused itself.
    """
    require_staff(actor)
    require_object_in_scope(actor, booking)
    if attended and len(record.strip()) < 2:
        raise ValidationError({"record": "请填写服务记录（至少 2 个字）"})
    with transaction.atomic():
        done = Booking.objects.filter(pk=booking.pk, status__in=ACTIVE_BOOKING).update(
            status=BookingStatus.SERVED if attended else BookingStatus.NO_SHOW,
            served_at=timezone.now(),
            service_record=record.strip()[:500],
        )
        booking.refresh_from_db(fields=["status", "served_at", "service_record"])
        if not done:
            raise ValidationError({"status": f"预约{booking.get_status_display()}，不能登记服务"})
        Need.objects.filter(booking=booking, status=NeedStatus.MATCHED).update(status=NeedStatus.SERVED)
    return booking


def booking_rate(*, actor: User, booking: Booking, stars: int, comment: str = "") -> Booking:
    """好差评: the resident rates a service given; the service's satisfaction figure follows."""
    if actor.role != Role.RESIDENT:
        raise PermissionDenied("评价由接受服务的居民本人填写")
    _booking_person(actor, booking.person)
    if not 1 <= stars <= 5:
        raise ValidationError({"stars": "评价应为 1–5 星"})
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status != BookingStatus.SERVED:
            raise ValidationError({"stars": "服务完成后才能评价"})
        if locked.rating is not None:
            raise Conflict("stars", "已经评价过了", code="booking.already_rated")
        locked.rating, locked.rating_comment, locked.rated_at = stars, comment.strip()[:300], timezone.now()
        locked.save(update_fields=["rating", "rating_comment", "rated_at"])
        Service.objects.filter(pk=locked.service_id).update(
            rating_count=F("rating_count") + 1, rating_good=F("rating_good") + (1 if stars >= 4 else 0)
        )
    return locked


def bookings_remind(*, now: dt.datetime | None = None, hours: int = 24) -> list[int]:
    """Mark (and return) the active bookings starting within ``hours`` that have not been reminded.

    The message itself goes out through the resident's channel (SMS gateway, WeChat) where one is
    configured; here the reminder is recorded and shown on the resident's bookings page.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Booking.objects.filter(
                status__in=ACTIVE_BOOKING,
                reminded_at__isnull=True,
                slot__starts_at__gt=now,
                slot__starts_at__lte=now + dt.timedelta(hours=hours),
            ).values_list("pk", flat=True)
        )
        Booking.objects.filter(pk__in=due).update(reminded_at=now)
    return due


@task()
def bookings_remind_task() -> int:
    """Background task (safe to retry: already reminded bookings are skipped)."""
    return len(bookings_remind())


# --- needs, resources, projects -----------------------------------------------------------------------


def need_create(
    *,
    actor: User,
    category: TaxonomyTerm,
    description: str,
    source: str = NeedSource.STAFF,
    person: Person | None = None,
    region: Any = None,
    urgency: str = Urgency.LOW,
    preferred_days: list[int] | None = None,
    preferred_period: str = Period.ANY,
    source_label: str = "",
) -> Need:
    """Record a need of a resident (or of a group in a region). Outside the account's scope → refused."""
    description = (description or "").strip()
    if len(description) < 2:
        raise ValidationError({"description": "请填写需求内容（至少 2 个字）"})
    if source not in NeedSource.values:
        raise ValidationError({"source": "来源应为居民申请、走访发现、问卷调查或工作人员录入"})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": "紧急程度不正确"})
    if preferred_period not in Period.values:
        raise ValidationError({"preferred_period": "希望的时段不正确"})
    days = sorted(set(preferred_days or []))
    if any(d not in range(1, 8) for d in days):
        raise ValidationError({"preferred_days": "星期应为 1–7"})
    groups: list[str] = []
    if actor.role == Role.RESIDENT:
        if person is None and actor.person is not None:
            person = actor.person
        if person is None or person.pk != actor.person_id:
            raise OutOfScope("居民只能为本人登记需求")
        source = NeedSource.REQUEST
    else:
        require_staff(actor)
    if person is not None:
        if actor.role != Role.RESIDENT:
            require_object_in_scope(actor, person)
        region = person.region
        groups = person_groups(person)
    if region is None:
        raise ValidationError({"region": "请选择居民或所属社区"})
    if actor.role != Role.RESIDENT:
        require_region_in_scope(actor, region)
    with transaction.atomic():
        try:  # the partial unique constraints refuse the same open need twice (a double submission)
            with transaction.atomic():
                need = Need.objects.create(
                    person=person,
                    region=region,
                    source=source,
                    category=category,
                    description=description[:500],
                    urgency=urgency,
                    preferred_days=days,
                    preferred_period=preferred_period,
                    groups=groups,
                    recorded_by=actor,
                    source_label=source_label,
                )
        except IntegrityError as exc:
            who = person.name if person is not None else region.name
            raise Conflict(
                "description",
                f"{who}已登记过相同的{category.name}需求“{description[:20]}”，尚未对接，请勿重复登记",
                code="need.duplicate",
            ) from exc
        if person is not None:
            audit_record(
                actor=actor, action=AuditAction.CREATE, subject=need, subject_label=f"{person.name}的需求"
            )
    return need


def need_close(*, actor: User, need: Need, note: str = "") -> Need:
    """Close a need; the share of a resource it held is given back."""
    require_staff(actor)
    require_object_in_scope(actor, need)
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        if locked.status == NeedStatus.CLOSED:
            return locked
        held = (
            locked.matched_resource_id if locked.status in (NeedStatus.MATCHED, NeedStatus.SERVED) else None
        )
        locked.status, locked.match_note = NeedStatus.CLOSED, note[:300]
        locked.save(update_fields=["status", "match_note"])
        if held is not None:
            Resource.objects.filter(pk=held, matched__gt=0).update(matched=F("matched") - 1)
    return locked


def resource_create(*, actor: User, **data: Any) -> Resource:
    require_staff(actor)
    resource = Resource(**data)
    if not resource.region_id:
        raise ValidationError({"region": "请选择所属社区"})
    require_region_in_scope(actor, resource.region)
    try:
        schedule.normalise(resource.weekly_hours or {})
    except schedule.ScheduleError as exc:
        raise ValidationError({"weekly_hours": str(exc)}) from exc
    resource.full_clean(exclude=["organisation", "category", "region"])
    try:  # the partial unique constraint: one resource of a name per provider and community
        with transaction.atomic():
            resource.save()
    except IntegrityError as exc:
        raise Conflict(
            "name",
            f"{resource.provider_name}已在{resource.region.name}登记过资源“{resource.name}”（未撤回）",
            code="resource.duplicate",
        ) from exc
    return resource


def project_create(
    *,
    actor: User,
    needs: Iterable[Need] = (),
    resources: Iterable[Resource] = (),
    **data: Any,
) -> Project:
    require_staff(actor)
    project = Project(**data)
    if not project.region_id:
        raise ValidationError({"region": "请选择所属区域"})
    require_region_in_scope(actor, project.region)
    if project.funding_source not in FundingSource.values:
        raise ValidationError({"funding_source": "资金来源应为政府购买服务、公益创投、社区基金或慈善"})
    if project.budget is None or Decimal(project.budget) < 0:
        raise ValidationError({"budget": "预算不能为负数"})
    project.full_clean(exclude=["implementer", "category", "region"])
    needs, resources = list(needs), list(resources)
    for obj in [*needs, *resources]:
        require_object_in_scope(actor, obj)
    with transaction.atomic():
        project.save()
        project.needs.set(needs)
        project.resources.set(resources)
        Need.objects.filter(pk__in=[n.pk for n in needs], status=NeedStatus.OPEN).update(
            status=NeedStatus.MATCHED, match_note=f"纳入项目：{project.name}"[:300]
        )
        ProjectEvent.objects.create(project=project, stage=project.stage, note="立项", by=actor)
    return project


def project_advance(*, actor: User, project: Project, note: str = "", score: int | None = None) -> Project:
    """Move a project to its next stage (立项→预算→信息发布→项目管理→绩效评估)."""
    require_staff(actor)
    require_object_in_scope(actor, project)
    i = PROJECT_STAGES.index(project.stage)
    if i + 1 >= len(PROJECT_STAGES):
        raise ValidationError({"stage": "项目已完成绩效评估"})
    nxt = PROJECT_STAGES[i + 1]
    if nxt == ProjectStage.EVALUATED:
        if score is None or not 0 <= score <= 100:
            raise ValidationError({"score": "绩效评估请填写 0–100 的得分"})
        project.evaluation_score, project.evaluation = score, note[:500]
    with transaction.atomic():
        project.stage = nxt
        project.save()
        ProjectEvent.objects.create(project=project, stage=nxt, note=note[:300], by=actor)
    return project


def _already_matched(need: Need) -> Conflict:
    return Conflict("need", f"需求{need.get_status_display()}，不能再对接", code="need.already_matched")


def match_confirm(
    *,
    actor: User,
    need: Need,
    service: Service | None = None,
    resource: Resource | None = None,
    project: Project | None = None,
    slot_id: int | None = None,
    note: str = "",
) -> Need:
    """Staff confirm a suggestion: a service becomes a booking (earliest free slot unless given),
    a resource or a project becomes a link. All or nothing."""
    require_staff(actor)
    require_object_in_scope(actor, need)
    if need.status != NeedStatus.OPEN:
        raise _already_matched(need)
    if sum(x is not None for x in (service, resource, project)) != 1:
        raise ValidationError({"target": "请选择一项服务、资源或项目"})
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        if locked.status != NeedStatus.OPEN:  # another confirmation got here first
            raise _already_matched(locked)
        if service is not None:
            if locked.person is None:
                raise ValidationError({"need": "群体需求请对接资源或项目"})
            if slot_id is None:
                free = (
                    Slot.objects.filter(
                        service=service,
                        status=SlotStatus.OPEN,
                        starts_at__gt=timezone.now(),
                        booked__lt=F("capacity"),
                    )
                    .order_by("starts_at")
                    .values_list("pk", flat=True)
                    .first()
                )
                if free is None:
                    raise ValidationError({"target": f"“{service.name}”近期没有空余名额，请先生成时段"})
                slot_id = free
            locked.booking = booking_create(
                actor=actor, slot_id=slot_id, person=locked.person, note="需求对接"
            )
            locked.matched_service = service
        elif resource is not None:
            require_object_in_scope(actor, resource)
            if resource.status != ResourceStatus.AVAILABLE:
                raise ValidationError({"target": f"资源“{resource.name}”{resource.get_status_display()}"})
            took = Resource.objects.filter(pk=resource.pk, matched__lt=F("capacity")).update(
                matched=F("matched") + 1
            )  # one conditional update: a share is taken or not, whoever else is matching at once
            if not took:
                raise Conflict("target", f"资源“{resource.name}”可对接的需求已满", code="resource.full")
            locked.matched_resource = resource
        else:
            assert project is not None
            require_object_in_scope(actor, project)
            project.needs.add(locked)
        locked.status, locked.match_note = NeedStatus.MATCHED, note[:300]
        locked.save()
    return locked


# --- one window -----------------------------------------------------------------------------------------


def service_item_create(*, actor: User, **data: Any) -> ServiceItem:
    """Add an item to the community's catalogue; items on the negative list are refused."""
    if not (actor.is_superuser or actor.role in (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN)):
        raise PermissionDenied("事项目录由区级管理员维护")
    check_not_excluded(str(data.get("name", "")))
    item = ServiceItem(**data)
    item.full_clean()
    try:  # code and name are unique in the database: a second administrator at once loses here
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        raise Conflict(
            "code", f"事项编码“{item.code}”或名称“{item.name}”已存在", code="window.item_taken"
        ) from exc
    return item


APPLICATION_NUMBER_SEQUENCE = "services_application_number_seq"
APPLICATION_NUMBER_TRIES = 5


def application_number_next(day: dt.date) -> str:
    """The next 办件编号 of ``day``: "YC", the date and a five-digit serial (YC2026112200042).

    Reserved, never counted: on PostgreSQL the serial comes from a sequence, which every intake
    draws from at once without waiting (it keeps counting across days and wraps after 99 999: the
    date and the serial together stay unique for any day with fewer applications than that);
    elsewhere (SQLite, which writes one transaction at a time) the day's counter row is incremented
    and read in one statement, restarting at 1 each day. A failed intake leaves a gap, never a twin.
    """
    base = f"YC{day:%Y%m%d}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval('{APPLICATION_NUMBER_SEQUENCE}')")
            (value,) = cursor.fetchone()
        return f"{base}{(value - 1) % 99_999 + 1:05d}"
    table = connection.ops.quote_name(ApplicationCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last", [day.isoformat()])
        row = cursor.fetchone()
    if row is not None:
        return f"{base}{row[0]:05d}"
    given = Application.objects.filter(number__regex=rf"^{base}[0-9]{{5}}$").values_list("number", flat=True)
    first = max((int(n[len(base) :]) for n in given), default=0) + 1  # after numbers given without a counter
    try:
        with transaction.atomic():
            ApplicationCounter.objects.create(day=day, last=first)
    except IntegrityError:  # another intake created the day's row just now: take the next from it
        return application_number_next(day)
    return f"{base}{first:05d}"


def _application_insert(app: Application) -> None:
    """Insert ``app`` under a freshly reserved number; should the number be taken after all (a
    sequence reset, numbers loaded by hand), reserve the next one, a few times, then give up clearly."""
    day = timezone.localtime(app.created_at).date()
    for _ in range(APPLICATION_NUMBER_TRIES):
        app.number = application_number_next(day)
        try:
            with transaction.atomic():
                app.save(force_insert=True)
            return
        except IntegrityError:
            if not Application.objects.filter(number=app.number).exists():
                raise
            app.pk = None
    raise Conflict("number", "办件编号已被占用，请稍后重试", code="window.number_taken")


def _step(app: Application, actor: User, status: str, note: str) -> None:
    app.status = status
    ApplicationStep.objects.create(
        application=app, status=status, note=note[:300], by=actor, by_name=str(actor)
    )


def application_submit(
    *,
    actor: User,
    item: ServiceItem,
    person: Person | None = None,
    provided: Iterable[str] = (),
    note: str = "",
) -> Application:
    """A resident (online) or the front desk (on their behalf) opens an application with its checklist."""
    check_not_excluded(note, field="note") if note else None
    if actor.role == Role.RESIDENT:
        if person is None:
            person = actor.person
        if person is None or person.pk != actor.person_id:
            raise OutOfScope("居民只能为本人申请")
    else:
        require_staff(actor)
        if person is None:
            raise ValidationError({"person": "请选择申请人"})
        require_object_in_scope(actor, person)
    if not item.active:
        raise ValidationError({"item": f"“{item.name}”已停用"})
    provided = set(provided)
    unknown = provided - set(item.materials)
    if unknown:
        raise ValidationError({"materials": "不是本事项的材料：" + "、".join(sorted(unknown))})
    community = person.region if len(person.region.code) <= 12 else person.region.parent
    with transaction.atomic():
        app = Application(
            item=item,
            person=person,
            region=community or person.region,
            materials={m: m in provided for m in item.materials},
            note=note[:300],
            submitted_by=actor,
        )
        _application_insert(app)
        _step(
            app, actor, ApplicationStatus.SUBMITTED, "网上提交" if actor.role == Role.RESIDENT else "窗口登记"
        )
        app.save(update_fields=["status"])
        audit_record(
            actor=actor, action=AuditAction.CREATE, subject=app, subject_label=f"{person.name}·{item.name}"
        )
    return app


NEXT = {
    "accept": (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED),
    "approve": (ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVING),
    "complete": (ApplicationStatus.APPROVING, ApplicationStatus.DONE),
}


def application_act(
    *,
    actor: User,
    application: Application,
    action: str,
    note: str = "",
    provided: Iterable[str] | None = None,
) -> Application:
    """前台受理 (accept: needs every material) → 后台审批 (approve) → 办结 (complete); or return/refuse."""
    require_staff(actor)
    require_object_in_scope(actor, application)
    with transaction.atomic():
        app = Application.objects.select_for_update().select_related("item").get(pk=application.pk)
        if provided is not None:
            provided = set(provided)
            app.materials = {m: m in provided for m in app.item.materials}
        if action in NEXT:
            before, after = NEXT[action]
            allowed = [before] + ([ApplicationStatus.RETURNED] if action == "accept" else [])
            if app.status not in allowed:
                raise ValidationError({"action": f"办件当前为“{app.get_status_display()}”，不能进行此操作"})
            if action == "accept":
                missing = [m for m in app.item.materials if not app.materials.get(m)]
                if missing:
                    raise ValidationError({"materials": "材料不齐，不能受理：缺 " + "、".join(missing)})
                app.accepted_at = timezone.now()
                app.due_on = _add_workdays(timezone.localdate(), app.item.time_limit_days)
            if action == "complete":
                app.done_at, app.result = timezone.now(), (note or "准予办理")[:300]
            _step(
                app,
                actor,
                after,
                note or {"accept": "材料齐全，予以受理", "approve": "转后台审批", "complete": "办结"}[action],
            )
        elif action in ("return", "refuse"):
            if app.status in (ApplicationStatus.DONE, ApplicationStatus.REFUSED):
                raise ValidationError({"action": "办件已办结，不能退回"})
            if len(note.strip()) < 2:
                raise ValidationError({"note": "退回或不予受理请写明理由"})
            _step(
                app,
                actor,
                ApplicationStatus.RETURNED if action == "return" else ApplicationStatus.REFUSED,
                note,
            )
        else:
            raise ValidationError({"action": "未知操作"})
        app.save()
    return app


def _add_workdays(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        if day.isoweekday() <= 5:
            n -= 1
    return day
