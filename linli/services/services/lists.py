"""The three lists: residents' needs, community resources, service projects, and the matching that
links a need to a service (a booking), a resource (a share of it) or a project.

One open need per person and text and one resource of a name per provider and community are
constraints of the database; a resource's share is taken by one conditional UPDATE. The loser of any
of them gets a ``Conflict`` with a stable code (``need.duplicate``, ``resource.duplicate``,
``resource.full``, ``need.already_matched``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from linli.core.errors import Conflict, invalid
from linli.core.models import AuditAction, User
from linli.core.roles import Role
from linli.core.scope import require_object_in_scope, require_region_in_scope
from linli.core.services import audit_record
from linli.registry.models import Person
from linli.services.engine import schedule
from linli.services.models import (
    PROJECT_STAGES,
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
    Slot,
    SlotStatus,
    TaxonomyTerm,
    Urgency,
)
from linli.services.services.bookings import booking_create
from linli.services.services.common import (
    clean_model,
    hours_error,
    out_of_scope,
    person_groups,
    require_staff,
)


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
        raise invalid("description", "请填写需求内容（至少 2 个字）", "need.description_required")
    if source not in NeedSource.values:
        raise invalid("source", "来源应为居民申请、走访发现、问卷调查或工作人员录入", "need.source_invalid")
    if urgency not in Urgency.values:
        raise invalid("urgency", "紧急程度不正确", "need.urgency_invalid")
    if preferred_period not in Period.values:
        raise invalid("preferred_period", "希望的时段不正确", "need.period_invalid")
    days = sorted(set(preferred_days or []))
    if any(d not in range(1, 8) for d in days):
        raise invalid("preferred_days", "星期应为 1–7", "need.days_invalid")
    groups: list[str] = []
    if actor.role == Role.RESIDENT:
        if person is None and actor.person is not None:
            person = actor.person
        if person is None or person.pk != actor.person_id:
            raise out_of_scope("居民只能为本人登记需求", "need.not_own")
        source = NeedSource.REQUEST
    else:
        require_staff(actor)
    if person is not None:
        if actor.role != Role.RESIDENT:
            require_object_in_scope(actor, person)
        region = person.region
        groups = person_groups(person)
    if region is None:
        raise invalid("region", "请选择居民或所属社区", "need.region_required")
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
        raise invalid("region", "请选择所属社区", "resource.region_required")
    require_region_in_scope(actor, resource.region)
    try:
        resource.opening_hours = schedule.normalise(resource.opening_hours or {})
    except schedule.ScheduleError as exc:
        raise hours_error(exc) from exc
    clean_model(resource, exclude=["organisation", "category", "region"], thing="resource")
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
        raise invalid("region", "请选择所属区域", "project.region_required")
    require_region_in_scope(actor, project.region)
    if project.funding_source not in FundingSource.values:
        raise invalid(
            "funding_source", "资金来源应为政府购买服务、公益创投、社区基金或慈善", "project.funding_invalid"
        )
    if project.budget is None or Decimal(project.budget) < 0:
        raise invalid("budget", "预算不能为负数", "project.budget_negative")
    clean_model(project, exclude=["implementer", "category", "region"], thing="project")
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
        raise invalid("stage", "项目已完成绩效评估", "project.finished")
    nxt = PROJECT_STAGES[i + 1]
    if nxt == ProjectStage.EVALUATED:
        if score is None or not 0 <= score <= 100:
            raise invalid("score", "绩效评估请填写 0–100 的得分", "project.score_required")
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
        raise invalid("target", "请选择一项服务、资源或项目", "match.target_required")
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        if locked.status != NeedStatus.OPEN:  # another confirmation got here first
            raise _already_matched(locked)
        if service is not None:
            if locked.person is None:
                raise invalid("need", "群体需求请对接资源或项目", "match.group_need_to_service")
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
                    raise invalid(
                        "target", f"“{service.name}”近期没有空余名额，请先生成时段", "match.no_free_slot"
                    )
                slot_id = free
            locked.booking = booking_create(
                actor=actor, slot_id=slot_id, person=locked.person, note="需求对接"
            )
            locked.matched_service = service
        elif resource is not None:
            require_object_in_scope(actor, resource)
            if resource.status != ResourceStatus.AVAILABLE:
                raise invalid(
                    "target",
                    f"资源“{resource.name}”{resource.get_status_display()}",
                    "match.resource_unavailable",
                )
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
