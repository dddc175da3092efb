"""一窗受理: the catalogue of items, applications taken in (online or at the desk) under a reserved
number, and their steps (受理 → 审批 → 办结, or 退回 / 不予受理).

Application numbers are reserved, never counted (``application_number_next``); the unique number is
a constraint of the database, so a clash is retried, then refused with ``window.number_taken``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from linli.core.errors import Conflict, Forbidden, invalid
from linli.core.models import AuditAction, User
from linli.core.roles import Role, effective_role
from linli.core.scope import require_object_in_scope
from linli.core.services import audit_record
from linli.registry.models import Person
from linli.services.models import (
    Application,
    ApplicationCounter,
    ApplicationStatus,
    ApplicationStep,
    ServiceItem,
)
from linli.services.services.common import (
    check_not_excluded,
    clean_model,
    out_of_scope,
    require_staff,
)


def service_item_create(*, actor: User, **data: Any) -> ServiceItem:
    """Add an item to the community's catalogue; items on the negative list are refused."""
    if effective_role(actor) not in (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN):
        raise Forbidden("事项目录由区级管理员维护", code="window.catalogue_district_only")
    check_not_excluded(str(data.get("name", "")))
    item = ServiceItem(**data)
    clean_model(item, thing="window_item")
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
            raise out_of_scope("居民只能为本人申请", "window.not_own")
    else:
        require_staff(actor)
        if person is None:
            raise invalid("person", "请选择申请人", "window.person_required")
        require_object_in_scope(actor, person)
    if not item.active:
        raise invalid("item", f"“{item.name}”已停用", "window.item_inactive")
    provided = set(provided)
    unknown = provided - set(item.materials)
    if unknown:
        raise invalid(
            "materials", "不是本事项的材料：" + "、".join(sorted(unknown)), "window.material_unknown"
        )
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
                raise invalid(
                    "action",
                    f"办件当前为“{app.get_status_display()}”，不能进行此操作",
                    "window.action_not_allowed",
                )
            if action == "accept":
                missing = [m for m in app.item.materials if not app.materials.get(m)]
                if missing:
                    raise invalid(
                        "materials",
                        "材料不齐，不能受理：缺 " + "、".join(missing),
                        "window.materials_missing",
                    )
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
                raise invalid("action", "办件已办结，不能退回", "window.finished")
            if len(note.strip()) < 2:
                raise invalid("note", "退回或不予受理请写明理由", "window.reason_required")
            _step(
                app,
                actor,
                ApplicationStatus.RETURNED if action == "return" else ApplicationStatus.REFUSED,
                note,
            )
        else:
            raise invalid("action", "未知操作", "window.action_unknown")
        app.save()
    return app


def _add_workdays(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        if day.isoweekday() <= 5:
            n -= 1
    return day
