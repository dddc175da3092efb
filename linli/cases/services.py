"""Writes of 诉求办理: intake, every workflow action, rating, merge, the sweep, routing and notifications.

Every action goes through ``_transition``: the state machine (``engine.workflow``) decides whether it
is allowed, and one ``UPDATE … WHERE id = … AND version = …`` applies it. When two people act on one
request at once, the second update matches no row and ``Conflict`` is raised: nothing is written,
and the page keeps what was typed.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from linli.cases.engine import classifier, redact, timing
from linli.cases.engine import workflow as wf
from linli.cases.models import (
    PUBLIC_TEXT_ACTION,
    Case,
    CaseCounter,
    CaseEvent,
    CasePhoto,
    Category,
    Channel,
    DispatchRule,
    Holiday,
    Notification,
    RoutingModel,
)
from linli.core import images
from linli.core.images import image_reencode
from linli.core.models import AuditAction, User
from linli.core.roles import Role
from linli.core.services import audit_record
from linli.regions.models import Level, Region
from linli.registry.models import Building, Organisation, OrganisationKind, Person

log = logging.getLogger("linli.cases")

MAX_TEXT = 4000
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_SIDE = images.MAX_SIDE  # stored photos are scaled down to this longest side
MAX_URL = 500
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
STAFF_DISPATCHERS = {Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
SYSTEM_NAME = "系统"
ASSISTANT_NAME = "智能派单助手"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def duplicate_radius_m() -> float:
    return float(_setting("LINLI_CASES_DUPLICATE_RADIUS_M", 150))


def duplicate_window() -> dt.timedelta:
    return dt.timedelta(hours=float(_setting("LINLI_CASES_DUPLICATE_HOURS", 72)))


def autodispatch_threshold() -> float:
    return float(_setting("LINLI_CASES_AUTODISPATCH_THRESHOLD", 0.85))


class Conflict(Exception):
    """Someone else changed the request first (optimistic concurrency)."""

    def __init__(self, case: Case):
        super().__init__(
            f"诉求 {case.number} 刚刚已被其他人处理（当前状态：{case.status_label}），本次操作未保存。"
            "您填写的内容仍保留在页面上，请核对最新情况后再提交。"
        )


# --- small caches (per process, short-lived) -----------------------------------------------------


class _Timed:
    def __init__(self, ttl: float):
        self.ttl, self.at, self.value = ttl, 0.0, None

    def get(self, load):  # type: ignore[no-untyped-def]
        now = time.monotonic()
        if self.value is None or now - self.at > self.ttl:
            self.value, self.at = load(), now
        return self.value

    def clear(self) -> None:
        self.value = None


_calendar = _Timed(60)
_areas = _Timed(300)
_routing = _Timed(60)


_catalogue = _Timed(60)


def active_categories() -> dict[str, Category]:
    """The active categories by code, with their time limits (cached a minute per process)."""
    return _catalogue.get(  # type: ignore[no-any-return]
        lambda: {c.code: c for c in Category.objects.filter(active=True).select_related("time_limit")}
    )


def caches_clear() -> None:
    """Forget the cached calendar, region geometry and routing model (after editing them)."""
    for c in (_calendar, _areas, _routing, _catalogue):
        c.clear()


def calendar() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(public holidays, weekend days worked) from the holiday table."""

    def load() -> tuple[frozenset[dt.date], frozenset[dt.date]]:
        rows = list(Holiday.objects.values_list("date", "is_workday"))
        return frozenset(d for d, w in rows if not w), frozenset(d for d, w in rows if w)

    return _calendar.get(load)  # type: ignore[no-any-return]


def deadlines(category: Category, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(response due, resolution due) for a request of ``category`` received at ``start``."""
    rule = category.time_limit
    holidays, workdays = calendar()
    local = timezone.localtime(start)
    response = local + dt.timedelta(hours=rule.response_hours)
    resolve = timing.deadline(
        local,
        hours=rule.resolve_hours,
        days=rule.resolve_days,
        working_days=rule.working_days,
        holidays=holidays,
        workdays=workdays,
    )
    return response, resolve


# --- location ------------------------------------------------------------------------------------


@dataclass
class _Area:
    region: Region
    level: int
    shape: Any


def _load_areas() -> list[_Area]:
    from shapely import prepared
    from shapely.geometry import shape

    out = []
    rows = (
        Region.objects.current()
        .filter(level__in=[Level.COMMUNITY, Level.GRID], boundary__isnull=False)
        .select_related("parent")
        .defer("boundary", "parent__boundary")
    )
    shapes = dict(rows.values_list("pk", "boundary"))
    for region in rows:
        boundary = shapes.get(region.pk)
        try:
            geom = shape(boundary.get("geometry", boundary) if isinstance(boundary, dict) else boundary)
        except Exception:  # a broken boundary must not stop intake elsewhere
            continue
        out.append(_Area(region, region.level, prepared.prep(geom)))
    out.sort(key=lambda a: -a.level)  # grids first
    return out


def locate_point(lat: float, lon: float) -> tuple[Region, Region | None]:
    """(community, grid) containing the point, by the boundaries of grids and communities."""
    from shapely.geometry import Point

    p = Point(lon, lat)
    for area in _areas.get(_load_areas):
        if area.shape.contains(p):
            region = area.region  # cached with its parent: no query per request
            if region.level == Level.GRID and region.parent is not None:
                return region.parent, region
            return region, None
    raise ValidationError({"location": "该位置不在本系统任何社区/网格范围内，请在地图上重新选点"})


def locate(
    *, lat: float | None, lon: float | None, address: str = "", building_id: int | None = None
) -> tuple[Region, Region | None, float | None, float | None]:
    """(community, grid, lat, lon) from a map point, a building or an address."""
    if lat is not None and lon is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationError({"location": "经纬度超出范围"})
        community, grid = locate_point(lat, lon)
        return community, grid, lat, lon
    b = None
    if building_id:
        b = Building.objects.select_related("region", "region__parent").filter(pk=building_id).first()
    elif address.strip():
        a = address.strip()
        b = (
            Building.objects.select_related("region", "region__parent")
            .filter(Q(address=a) | Q(name=a))
            .order_by("pk")
            .first()
        )
    if b is None:
        if address.strip() or building_id:
            raise ValidationError({"location": "无法根据地址确定所在社区，请在地图上选点"})
        raise ValidationError({"location": "请提供位置：在地图上选点或填写地址"})
    region = b.region
    if region.level == Level.GRID and region.parent is not None:
        return region.parent, region, b.lat, b.lon
    return region, None, b.lat, b.lon


# --- validation ----------------------------------------------------------------------------------


def clean_text(value: str, field: str, label: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}最长 {limit} 个字（现 {len(value)} 个字）"})
    if HTML_TAG.search(value):
        raise ValidationError({field: f"{label}不能包含 HTML 标签（如 <script>），请只填写文字"})
    return value


def photo_reencode(data: bytes, label: str) -> ContentFile:
    """A request photo, re-encoded without metadata (see ``linli.core.images``)."""
    return image_reencode(data, field="photos", label=label)


def photos_prepare(photos: Sequence[UploadedFile]) -> list[ContentFile]:
    """Check and re-encode the uploaded photos (before any transaction: decoding takes a while)."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"最多上传 {MAX_PHOTOS} 张照片"})
    out = []
    for f in photos:
        if (f.size or 0) > MAX_PHOTO_BYTES:
            raise ValidationError({"photos": f"照片“{f.name}”超过 5 MB"})
        data = f.read(MAX_PHOTO_BYTES + 1)
        f.seek(0)
        if len(data) > MAX_PHOTO_BYTES:
            raise ValidationError({"photos": f"照片“{f.name}”超过 5 MB"})
        out.append(photo_reencode(data, f.name or "照片"))
    return out


def clean_media_url(value: str) -> str:
    """A link to a request's media: http(s) only, at most MAX_URL characters (no javascript:, data: …)."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > MAX_URL:
        raise ValidationError({"media_url": f"media_url 最长 {MAX_URL} 个字符（现 {len(value)} 个）"})
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError as exc:
        raise ValidationError({"media_url": "media_url 应为以 http:// 或 https:// 开头的有效链接"}) from exc
    return value


def clean_phone(value: str) -> str:
    value = re.sub(r"[\s-]", "", value or "")
    if value and not re.fullmatch(r"1\d{10}|0\d{9,11}", value):
        raise ValidationError({"phone": "联系电话应为 11 位手机号或带区号的固定电话"})
    return value


# --- numbers -------------------------------------------------------------------------------------


NUMBER_SEQUENCE = "cases_case_number_seq"


def next_number(day: dt.date) -> str:
    """The next human number of ``day``, e.g. 20261122-000123.

    On PostgreSQL the serial comes from a sequence, which every intake can draw from at once (a
    counter row would make all intakes of a city queue behind one row lock), so it keeps counting
    across days; elsewhere (SQLite, which writes one at a time anyway) a per-day counter restarts at 1.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval('{NUMBER_SEQUENCE}')")
            (value,) = cursor.fetchone()
        return f"{day:%Y%m%d}-{value % 1_000_000:06d}"
    table = CaseCounter._meta.db_table
    with connection.cursor() as cursor:  # one statement: increment and read under the row lock
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last", [day])
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                CaseCounter.objects.create(day=day, last=1)
                return f"{day:%Y%m%d}-{1:06d}"
        except IntegrityError:
            return next_number(day)
    return f"{day:%Y%m%d}-{row[0]:06d}"


def number_sequence_advance() -> None:
    """PostgreSQL: move the number sequence past the per-day counters (after bulk-loaded requests)."""
    if connection.vendor != "postgresql":
        return
    table = CaseCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval('{NUMBER_SEQUENCE}', GREATEST((SELECT COALESCE(max(last), 0) FROM {table}) + 1, "
            f"(SELECT last_value FROM {NUMBER_SEQUENCE})))"
        )


# --- intake --------------------------------------------------------------------------------------


STAFF_CHANNELS = {Channel.HOTLINE, Channel.WALK_IN, Channel.PATROL}


def case_create(
    *,
    by: User | None,
    category: Category | str,
    description: str,
    channel: str,
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    building_id: int | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    photos: Sequence[UploadedFile] = (),
    attributes: dict[str, Any] | None = None,
    media_url: str = "",
    now: dt.datetime | None = None,
    open311_token: bool = False,
) -> Case:
    """Register a request (受理登记). Staff intake (hotline, walk-in, patrol) is accepted at once by the
    account's own unit (首问负责); a resident's or another system's request waits to be accepted.

    The public text is made here, for every channel: the description with phone, ID numbers, the
    reporter's names and room numbers masked (``engine.redact``)."""
    if channel not in Channel.values:
        raise ValidationError({"channel": "未知的来源渠道"})
    if isinstance(category, str):
        found = active_categories().get(category)
        if found is None:
            raise ValidationError({"category": f"未知的诉求分类：{category}"})
        category = found
    elif not category.active:
        raise ValidationError({"category": "该诉求分类已停用"})
    description = clean_text(description, "description", "诉求内容")
    address = clean_text(address, "address", "地址", required=False, limit=200)
    reporter_name = clean_text(reporter_name, "reporter_name", "姓名", required=False, limit=64)
    reporter_phone = clean_phone(reporter_phone)
    media_url = clean_media_url(media_url)
    if channel in STAFF_CHANNELS and (by is None or by.role not in STAFF_DISPATCHERS | {Role.GRID_WORKER}):
        raise PermissionDenied("只有工作人员可以代为登记热线、来访和巡查诉求")
    prepared = photos_prepare(photos)
    community, grid, lat, lon = locate(lat=lat, lon=lon, address=address, building_id=building_id)
    now = now or timezone.now()
    response_due, resolve_due = deadlines(category, now)
    person = by.person if by is not None and by.role == Role.RESIDENT else None
    if by is not None and by.role == Role.RESIDENT and not anonymous:
        reporter_name = reporter_name or (person.name if person else by.display_name)
        if not reporter_phone and person is not None and person.phone:
            reporter_phone = person.phone.reveal()
    names = _resident_names(by, person, reporter_name)  # before an anonymous report drops the name
    if anonymous:
        reporter_name, reporter_phone = "", reporter_phone  # the phone is kept only for the return visit
    # 首问负责: staff intake is owned by the account's own unit if it covers the place.
    owner = community
    staff = by is not None and by.role in STAFF_DISPATCHERS and channel in STAFF_CHANNELS
    if staff and by is not None and by.region is not None and community.code.startswith(by.region.code):
        owner = by.region if by.region.level <= Level.COMMUNITY else community
    day = timezone.localdate(now)
    case = Case(
        number="",
        category=category,
        channel=channel,
        description=description,
        public_description=redact.mask_text(description, names),
        attributes={**(attributes or {}), **({"media_url": media_url} if media_url else {})},
        status=wf.ACCEPTED if staff else wf.RECEIVED,
        region=community,
        grid=grid,
        lat=lat,
        lon=lon,
        address=address,
        reporter=by if by is not None and by.role == Role.RESIDENT else None,
        reporter_person=person,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        anonymous=anonymous,
        created_by=by,
        owner_region=owner,
        coordinator=owner,
        escalation_level=owner.level,
        received_at=now,
        accepted_at=now if staff else None,
        responded_at=now if staff else None,
        updated_at=now,
        response_due=response_due,
        resolve_due=resolve_due,
        open311_token=secrets.token_hex(8) if open311_token else "",
    )
    event = CaseEvent(
        at=now,
        actor=by,
        actor_name=_name(by),
        action="create",
        to_status=case.status,
        unit=owner.name,
        note=f"{Channel(channel).label}登记" + ("，首问负责受理" if staff else ""),
    )
    simple = not photos and not case.reporter_id and not _would_auto_dispatch(case)
    if simple and connection.vendor == "postgresql":
        _insert_one_statement(case, event, day)  # counter, request and event: one round trip
        return case
    # The day's counter row is the one row every intake writes: increment it in its own short
    # transaction, so concurrent intakes do not queue behind each other's inserts and commits.
    # A failed intake leaves a gap in the day's numbers, never a duplicate.
    case.number = next_number(day)
    with transaction.atomic():
        case.save(force_insert=True)
        event.case = case
        event.save(force_insert=True)
        for f in prepared:
            CasePhoto.objects.create(case=case, image=f)
        if case.reporter_id:
            _notify(
                [case.reporter_id], case, f"已收到您的诉求 {case.number}", "我们会尽快受理，请留意办理进度。"
            )
        _auto_dispatch(case, now)
    return case


def _resident_names(by: User | None, person: Person | None, reporter_name: str) -> list[str]:
    """Names that belong to the person reporting: typed, on their record, on their account, and of
    their household's members (residents write "我母亲陈秀英…")."""
    names = [reporter_name]
    if by is not None and by.role == Role.RESIDENT:
        names.append(by.display_name)
        if person is not None:
            names.append(person.name)
            if person.household_id:
                names += Person.objects.filter(household_id=person.household_id).values_list(
                    "name", flat=True
                )
    return [n for n in names if n]


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    obj = getattr(value, "obj", value)  # psycopg's Json/Jsonb adapters hold the object
    return obj


def _row(obj: Any, *, skip: str) -> dict[str, Any]:
    """A new row as {column: value}, prepared as ``save`` prepares it (encrypted fields encrypted)."""
    return {
        f.column: _json_value(f.get_db_prep_save(f.pre_save(obj, True), connection))
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.attname != skip
    }


@cache
def _one_statement_sql() -> str:
    """Number, request and first event in one statement; each row travels as one JSON parameter
    (a few parameters keep the driver's parsed-query cache, 50 do not)."""
    table, events = Case._meta.db_table, CaseEvent._meta.db_table
    q = connection.ops.quote_name
    case_cols = [
        str(f.column) for f in Case._meta.concrete_fields if not f.primary_key and f.attname != "number"
    ]
    event_cols = [
        str(f.column) for f in CaseEvent._meta.concrete_fields if not f.primary_key and f.attname != "case_id"
    ]
    return (
        f"WITH c AS (INSERT INTO {table} (number, {', '.join(q(c) for c in case_cols)}) "
        f"SELECT %s || lpad((nextval('{NUMBER_SEQUENCE}') %% 1000000)::text, 6, '0'), "
        f"{', '.join('r.' + q(c) for c in case_cols)} FROM json_populate_record(NULL::{table}, %s::json) r "
        f"RETURNING id, number) "
        f"INSERT INTO {events} (case_id, {', '.join(q(c) for c in event_cols)}) "
        f"SELECT c.id, {', '.join('e.' + q(c) for c in event_cols)} "
        f"FROM c, json_populate_record(NULL::{events}, %s::json) e RETURNING case_id, (SELECT number FROM c)"
    )


def _insert_one_statement(case: Case, event: CaseEvent, day: dt.date) -> None:
    """PostgreSQL: take a number, insert the request and its first event in one statement (atomic by itself)."""
    import json

    case_row = json.dumps(_row(case, skip="number"), ensure_ascii=False)
    event_row = json.dumps(_row(event, skip="case_id"), ensure_ascii=False)
    with connection.cursor() as cursor:
        cursor.execute(_one_statement_sql(), [f"{day:%Y%m%d}-", case_row, event_row])
        case.pk, case.number = cursor.fetchone()
    case._state.adding = False
    case._state.db = connection.alias


def _name(user: User | None) -> str:
    return (user.display_name or user.username) if user is not None else SYSTEM_NAME


# --- who may act ---------------------------------------------------------------------------------


def actor_roles(user: User, case: Case) -> set[str]:
    """The parts ``user`` plays for ``case``: dispatcher (coordinating unit or above), handler, reporter."""
    roles: set[str] = set()
    if not user.is_authenticated or not user.is_active:
        return roles
    if user.is_superuser or user.role == Role.SYSTEM_ADMIN:
        return {wf.DISPATCHER, wf.HANDLER}
    code = user.region_code
    if user.role in STAFF_DISPATCHERS and code and case.coordinator.code.startswith(code):
        roles.add(wf.DISPATCHER)
    if (
        user.role == Role.DEPARTMENT_HANDLER
        and user.organisation_id
        and (
            user.organisation_id == case.handler_org_id
            or case.summoned.filter(pk=user.organisation_id).exists()
        )
    ):
        roles.add(wf.HANDLER)
    if (
        user.role in STAFF_DISPATCHERS
        and code
        and case.handler_region_id
        and case.handler_region is not None
        and case.handler_region.code.startswith(code)
    ):
        roles.add(wf.HANDLER)
    if case.reporter_id and case.reporter_id == user.pk:
        roles.add(wf.REPORTER)
    return roles


def _require(user: User | None, case: Case, action: str) -> None:
    a = wf.ACTIONS[action]
    if user is None:
        if wf.SYSTEM not in a.actors:
            raise PermissionDenied(f"{a.label}需要由工作人员操作")
        return
    if not (actor_roles(user, case) & a.actors):
        who = {"dispatcher": "协调单位", "handler": "承办单位", "reporter": "反映人"}
        need = "或".join(who[x] for x in sorted(a.actors) if x in who)
        raise PermissionDenied(f"本账号不能对诉求 {case.number} {a.label}（需由{need}操作）")


def _transition(
    case: Case,
    *,
    by: User | None,
    action: str,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    unit: str = "",
    rating: str = "",
    now: dt.datetime | None = None,
    actor_name: str = "",
) -> Case:
    """Apply ``action`` if the state machine allows it and nobody changed the request meanwhile."""
    _require(by, case, action)
    try:
        target = wf.next_state(case.status, action, rating=rating, reopens=case.reopen_count)
    except wf.TransitionError as exc:
        raise ValidationError({"action": str(exc)}) from exc
    a = wf.ACTIONS[action]
    if a.needs_note and not note.strip():
        raise ValidationError({"note": f"{a.label}请填写说明"})
    now = now or timezone.now()
    version = case.version if expected_version is None else expected_version
    fields = {"status": target, "updated_at": now, **(changes or {})}
    if case.responded_at is None and action != "merge" and by is not None:
        fields.setdefault("responded_at", now)
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=version).update(version=F("version") + 1, **fields)
        if not updated:
            fresh = Case.objects.get(pk=case.pk)
            raise Conflict(fresh)
        CaseEvent.objects.create(
            case=case,
            at=now,
            actor=by,
            actor_name=actor_name or _name(by),
            action=action,
            from_status=case.status,
            to_status=target,
            unit=unit,
            note=note.strip(),
        )
    for k, v in fields.items():
        setattr(case, k, v)
    case.version = version + 1
    return case


# --- the actions ---------------------------------------------------------------------------------


def case_accept(
    *, case: Case, by: User | None, version: int | None = None, now: dt.datetime | None = None
) -> Case:
    """受理 (首问负责): the coordinating unit takes ownership."""
    now = now or timezone.now()
    return _transition(
        case,
        by=by,
        action="accept",
        expected_version=version,
        changes={"accepted_at": now},
        unit=case.coordinator.name,
        now=now,
    )


def _check_unit(case: Case, *, region: Region | None, organisation: Organisation | None) -> str:
    if (region is None) == (organisation is None):
        raise ValidationError({"unit": "请选择一个承办单位（社区/街道或部门）"})
    if region is not None:
        if not (
            case.region.code.startswith(region.code) and region.code.startswith(case.coordinator.code[:6])
        ):
            raise ValidationError({"unit": f"{region.name}不管辖该诉求所在的{case.region.name}，不能派给它"})
        return region.name
    assert organisation is not None
    if not organisation.active or organisation.kind != OrganisationKind.DEPARTMENT:
        raise ValidationError({"unit": f"{organisation.name}不是在册的职能部门"})
    if not case.region.code.startswith(organisation.region.code):
        raise ValidationError({"unit": f"{organisation.name}不管辖{case.region.name}，不能派给它"})
    return organisation.name


def _handler_accounts(region: Region | None, organisation: Organisation | None) -> list[int]:
    if organisation is not None:
        qs = User.objects.filter(organisation=organisation, role=Role.DEPARTMENT_HANDLER, is_active=True)
    elif region is not None:
        qs = User.objects.filter(
            region=region, role__in=STAFF_DISPATCHERS - {Role.SYSTEM_ADMIN}, is_active=True
        )
    else:
        return []
    return list(qs.values_list("pk", flat=True))


def case_dispatch(
    *,
    case: Case,
    by: User | None,
    region: Region | None = None,
    organisation: Organisation | None = None,
    version: int | None = None,
    note: str = "",
    action: str = "dispatch",
    now: dt.datetime | None = None,
    actor_name: str = "",
) -> Case:
    """派单 / 改派: give the request to a community, street or department within the region."""
    label = _check_unit(case, region=region, organisation=organisation)
    now = now or timezone.now()
    case = _transition(
        case,
        by=by,
        action=action,
        expected_version=version,
        changes={"handler_region": region, "handler_org": organisation, "dispatched_at": now},
        note=note,
        unit=label,
        now=now,
        actor_name=actor_name,
    )
    _notify(
        _handler_accounts(region, organisation),
        case,
        f"新派单：{case.number}",
        f"{case.category}：{case.description[:60]}",
    )
    return case


def case_reassign(**kwargs: Any) -> Case:
    return case_dispatch(action="reassign", **kwargs)


def case_summon(
    *, case: Case, by: User, organisations: Sequence[Organisation], version: int | None = None, note: str = ""
) -> Case:
    """吹哨: a street (or above) summons one or more departments to the request; the first leads."""
    if case.coordinator.level > Level.STREET:
        raise ValidationError({"unit": "吹哨召集部门需先上报到街道/乡镇"})
    if not organisations:
        raise ValidationError({"unit": "请至少选择一个部门"})
    labels = [_check_unit(case, region=None, organisation=o) for o in organisations]
    with transaction.atomic():
        case = _transition(
            case,
            by=by,
            action="summon",
            expected_version=version,
            changes={
                "handler_org": organisations[0],
                "handler_region": None,
                "dispatched_at": timezone.now(),
            },
            note=note,
            unit="、".join(labels),
        )
        case.summoned.add(*organisations)
        for o in organisations:
            _notify(
                _handler_accounts(None, o),
                case,
                f"吹哨报到：{case.number}",
                f"{case.coordinator.name}召集，请到场处置",
            )
    return case


def case_return(*, case: Case, by: User, reason: str, version: int | None = None) -> Case:
    """退单: the handler sends it back to the coordinating unit with a reason."""
    reason = clean_text(reason, "note", "退单理由")
    unit = case.handler_label
    case = _transition(
        case,
        by=by,
        action="return",
        expected_version=version,
        changes={"handler_region": None, "handler_org": None},
        note=reason,
        unit=unit,
    )
    case.summoned.clear()
    _notify(
        _handler_accounts(case.coordinator, None), case, f"退单：{case.number}", f"{unit}退回：{reason[:80]}"
    )
    return case


def case_start(*, case: Case, by: User, version: int | None = None) -> Case:
    """签收办理 (部门报到)."""
    return _transition(case, by=by, action="start", expected_version=version, unit=case.handler_label)


def case_request_extension(
    *, case: Case, by: User, days: int, reason: str, version: int | None = None
) -> Case:
    if case.extension_requested:
        raise ValidationError({"days": "已有待批准的延期申请"})
    if not 1 <= days <= 30:
        raise ValidationError({"days": "延期天数应在 1 到 30 天之间"})
    return _transition(
        case,
        by=by,
        action="request_extension",
        expected_version=version,
        changes={"extension_requested": True, "extension_days": days},
        note=f"申请延期 {days} 天：{reason}" if reason.strip() else "",
        unit=case.handler_label,
    )


def case_approve_extension(*, case: Case, by: User, version: int | None = None) -> Case:
    if not case.extension_requested:
        raise ValidationError({"action": "没有待批准的延期申请"})
    holidays, workdays = calendar()
    due = timing.add_working_days(
        timezone.localtime(case.resolve_due), case.extension_days, holidays, workdays
    )
    return _transition(
        case,
        by=by,
        action="approve_extension",
        expected_version=version,
        changes={"extension_requested": False, "resolve_due": due, "overdue": False},
        note=f"延期 {case.extension_days} 个工作日，新期限 {timezone.localtime(due):%Y-%m-%d %H:%M}",
    )


def case_escalate(
    *, case: Case, by: User | None, reason: str, version: int | None = None, now: dt.datetime | None = None
) -> Case:
    """上报 (吹哨): community → street → district → city; the upper unit coordinates from now on."""
    parent = case.coordinator.parent
    if parent is None or case.coordinator.level <= Level.CITY:
        raise ValidationError({"action": "已是最高协调层级（市），不能再上报"})
    case = _transition(
        case,
        by=by,
        action="escalate",
        expected_version=version,
        changes={
            "coordinator": parent,
            "escalation_level": parent.level,
            "handler_region": None,
            "handler_org": None,
        },
        note=reason,
        unit=parent.name,
        now=now,
    )
    _notify(_handler_accounts(parent, None), case, f"上报协调：{case.number}", f"{reason[:80]}")
    return case


def case_reply(*, case: Case, by: User, reply: str, resolved: bool, version: int | None = None) -> Case:
    """答复: the handler (or the coordinator directly, e.g. a question answered at intake) answers."""
    reply = clean_text(reply, "reply", "答复内容")
    now = timezone.now()
    with transaction.atomic():
        case = _transition(
            case,
            by=by,
            action="reply",
            expected_version=version,
            changes={"reply": reply, "resolved": resolved, "replied_at": now},
            note=reply,
            unit=case.handler_label,
            now=now,
        )
        merged = list(case.merged.all())
        if merged:  # 并单: the merged requests share the outcome
            Case.objects.filter(pk__in=[m.pk for m in merged]).update(
                reply=reply, resolved=resolved, replied_at=now, updated_at=now, version=F("version") + 1
            )
        reporters = [c.reporter_id for c in [case, *merged] if c.reporter_id]
        _notify(reporters, case, f"您的诉求已答复：{case.number}", reply[:120] + "（请评价办理结果）")
    return case


def case_rate(*, case: Case, by: User, rating: str, comment: str = "", version: int | None = None) -> Case:
    """好差评: 满意 / 基本满意 close the request; 不满意 waits for review (may reopen once)."""
    comment = clean_text(comment, "comment", "评价意见", required=False, limit=500)
    now = timezone.now()
    changes: dict[str, Any] = {"rating": rating, "rating_comment": comment, "rated_at": now}
    if rating != wf.UNSATISFIED:
        changes["closed_at"] = now
    by_phone = by.pk != case.reporter_id
    case = _transition(
        case,
        by=by,
        action="rate",
        expected_version=version,
        changes=changes,
        rating=rating,
        note=("电话回访：" if by_phone else "")
        + f"{wf.RATING_LABELS.get(rating, rating)}"
        + (f"，{comment}" if comment else ""),
    )
    if rating == wf.UNSATISFIED:
        _notify(
            _handler_accounts(case.coordinator, None), case, f"不满意待复核：{case.number}", comment[:100]
        )
    else:
        _close_merged(case, now)
    return case


def case_reopen(*, case: Case, by: User, note: str, version: int | None = None) -> Case:
    """复核后重办 (once): back to the handler with a new resolution deadline."""
    now = timezone.now()
    _, due = deadlines(case.category, now)
    case = _transition(
        case,
        by=by,
        action="reopen",
        expected_version=version,
        changes={
            "reopen_count": case.reopen_count + 1,
            "resolve_due": due,
            "overdue": False,
            "reminded_at": None,
            "rating": "",
            "replied_at": None,
        },
        note=note,
        unit=case.handler_label,
        now=now,
    )
    _notify(
        _handler_accounts(case.handler_region, case.handler_org), case, f"重办：{case.number}", note[:100]
    )
    if case.reporter_id:
        _notify([case.reporter_id], case, f"您的诉求已重新办理：{case.number}", note[:100])
    return case


def case_close(*, case: Case, by: User | None, note: str = "", version: int | None = None) -> Case:
    now = timezone.now()
    case = _transition(
        case, by=by, action="close", expected_version=version, changes={"closed_at": now}, note=note
    )
    _close_merged(case, now)
    return case


def _close_merged(case: Case, now: dt.datetime) -> None:
    merged = list(case.merged.all())
    if merged:
        Case.objects.filter(pk__in=[m.pk for m in merged]).update(closed_at=now, updated_at=now)
        _notify(
            [m.reporter_id for m in merged if m.reporter_id],
            case,
            f"诉求已办结：{case.number}",
            "与您反映的问题一并办结。",
        )


def case_merge(*, case: Case, into: Case, by: User, version: int | None = None) -> Case:
    """并单: ``case`` joins ``into`` (same category, open, nearby); they share one outcome."""
    if into.pk == case.pk:
        raise ValidationError({"into": "不能并入自身"})
    if into.category_id != case.category_id:
        raise ValidationError({"into": "只能并入同一分类的诉求"})
    if not into.is_open or into.merged_into_id:
        raise ValidationError({"into": f"诉求 {into.number} 已办结或已被并单，不能并入"})
    case = _transition(
        case,
        by=by,
        action="merge",
        expected_version=version,
        changes={"merged_into": into},
        note=f"并入 {into.number}",
        unit=into.number,
    )
    # Not the number: whoever sees ``into`` may not see ``case`` (the page lists the merged requests
    # each viewer may see).
    CaseEvent.objects.create(
        case=into,
        actor=by,
        actor_name=_name(by),
        action="merge",
        note="有 1 件同类诉求并入本件，结果一并告知",
    )
    if case.reporter_id:
        _notify(
            [case.reporter_id],
            case,
            f"您的诉求已并单：{case.number}",
            f"与诉求 {into.number} 一并办理，结果会同时告知您。",
        )
    return case


def case_remind(
    *, case: Case, by: User | None, note: str = "", version: int | None = None, now: dt.datetime | None = None
) -> Case:
    """催办."""
    now = now or timezone.now()
    case = _transition(
        case,
        by=by,
        action="remind",
        expected_version=version,
        changes={"reminded_at": now},
        note=note or "请抓紧办理",
        unit=case.handler_label,
        now=now,
    )
    _notify(
        _handler_accounts(case.handler_region, case.handler_org),
        case,
        f"催办：{case.number}",
        f"办结期限 {timezone.localtime(case.resolve_due):%m-%d %H:%M}",
    )
    return case


REVEAL_FIELDS = ("reporter_name", "reporter_phone")


def can_reveal(user: User, case: Case, field: str) -> bool:
    """Whether ``user`` may see the reporter's full ``field``: staff acting on the request (coordinating
    or handling it) with the reveal permission, never for an anonymous report, and only a value that
    was given. The page shows the button exactly when this holds; ``reporter_reveal`` refuses otherwise."""
    from linli.core.services import REVEAL_PERMISSION

    return (
        field in REVEAL_FIELDS
        and not case.anonymous
        and bool(getattr(case, field))
        and user.has_perm(REVEAL_PERMISSION)
        and bool(actor_roles(user, case) & {wf.DISPATCHER, wf.HANDLER})
    )


def reporter_reveal(*, case: Case, by: User, field: str, reason: str) -> str:
    """The reporter's full name or phone, for staff with the reveal permission, audited."""
    if field not in REVEAL_FIELDS:
        raise ValidationError({"field": "只能查看反映人姓名或电话"})
    if case.anonymous:
        raise PermissionDenied("该诉求为匿名反映，不能查看反映人信息")
    if not can_reveal(by, case, field):
        raise PermissionDenied("本账号没有查看反映人联系方式的权限")
    if len((reason or "").strip()) < 2:
        raise ValidationError({"reason": "请填写查看事由（至少 2 个字）"})
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditAction.REVEAL,
            subject=case,
            field=field.removeprefix("reporter_"),
            reason=reason.strip(),
        )
    return getattr(case, field).reveal()  # type: ignore[no-any-return]


def case_public_text_edit(*, case: Case, text: str, by: User, version: int | None = None) -> Case:
    """修改公开内容: staff acting on the request rewrite what the public feed shows of it. The private
    description is kept as typed; the new text is masked like the automatic one (a phone number or a
    name slipped in stays hidden); the change is a (non-public) request event and an audit record."""
    if not (actor_roles(by, case) & {wf.DISPATCHER, wf.HANDLER}):
        raise PermissionDenied("只有协调或承办该诉求的工作人员可以修改公开内容")
    names = case.known_names + _resident_names(case.reporter, case.reporter_person, "")
    public = redact.mask_text(clean_text(text, "text", "公开内容"), names)
    before = case.published_description
    version = case.version if version is None else version
    now = timezone.now()
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=version).update(
            public_description=public, updated_at=now, version=F("version") + 1
        )
        if not updated:
            raise Conflict(Case.objects.get(pk=case.pk))
        CaseEvent.objects.create(
            case=case,
            at=now,
            actor=by,
            actor_name=_name(by),
            action=PUBLIC_TEXT_ACTION,
            note="修改公开显示的诉求内容",
            public=False,
        )
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            subject=case,
            field="public_description",
            detail={"before": before, "after": public},
        )
    case.public_description, case.updated_at, case.version = public, now, version + 1
    return case


# --- notifications -------------------------------------------------------------------------------


class SmsSender(Protocol):
    """What a deployment plugs in to send text messages (setting ``LINLI_CASES_SMS_SENDER``)."""

    def send(self, phone: str, text: str) -> None: ...


class LogSender:
    """The default: write the message to the log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], text)


@cache
def _sender_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def sms_sender() -> SmsSender:
    return _sender_class(_setting("LINLI_CASES_SMS_SENDER", "linli.cases.services.LogSender"))()  # type: ignore[no-any-return]


def _notify(user_ids: Iterable[int | None], case: Case | None, title: str, body: str = "") -> None:
    ids = sorted({u for u in user_ids if u})
    if ids:
        Notification.objects.bulk_create(
            [Notification(user_id=u, case=case, title=title[:100], body=body[:500]) for u in ids]
        )
    if case is not None and case.reporter_id in ids and case.reporter_phone:
        phone, text = case.reporter_phone.reveal(), f"【邻里】{title}"
        transaction.on_commit(lambda: sms_sender().send(phone, text))


def notifications_read(*, user: User, ids: Sequence[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


# --- the sweep -----------------------------------------------------------------------------------


@dataclass
class SweepResult:
    overdue: int = 0
    reminded: int = 0
    escalated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"超期": self.overdue, "催办": self.reminded, "上报": self.escalated}


def cases_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Mark overdue requests, remind handlers before the deadline and escalate overdue requests still
    coordinated by a community. Safe to run twice: each step changes only rows not yet changed."""
    now = now or timezone.now()
    result = SweepResult()
    working = [wf.ACCEPTED, wf.DISPATCHED, wf.IN_PROGRESS, wf.RETURNED]
    late = list(
        Case.objects.filter(status__in=working, resolve_due__lt=now, overdue=False)
        .select_related("coordinator", "handler_region", "handler_org", "category")
        .order_by("pk")[:2000]
    )
    for case in late:
        with transaction.atomic():
            if Case.objects.filter(pk=case.pk, version=case.version).update(
                overdue=True, version=F("version") + 1
            ):
                CaseEvent.objects.create(
                    case=case,
                    at=now,
                    actor_name=SYSTEM_NAME,
                    action="overdue",
                    note="已超过办结期限",
                    public=False,
                )
                case.version += 1
                case.overdue = True
                result.overdue += 1
                _notify(
                    _handler_accounts(case.coordinator, None),
                    case,
                    f"超期：{case.number}",
                    case.handler_label,
                )
        if (
            case.overdue
            and case.coordinator.level >= Level.COMMUNITY
            and case.status in (wf.ACCEPTED, wf.RETURNED, wf.DISPATCHED, wf.IN_PROGRESS)
        ):
            try:
                case_escalate(case=case, by=None, reason="超期未办结，系统自动上报街道", now=now)
                result.escalated += 1
            except (Conflict, ValidationError):
                pass
    soon = Case.objects.filter(
        status__in=[wf.DISPATCHED, wf.IN_PROGRESS],
        resolve_due__gte=now,
        reminded_at__isnull=True,
        overdue=False,
    ).select_related("category__time_limit", "handler_region", "handler_org", "coordinator")
    for case in soon.order_by("pk")[:5000]:
        if case.resolve_due - dt.timedelta(hours=case.category.time_limit.remind_before_hours) <= now:
            try:
                case_remind(case=case, by=None, note="临近办结期限，系统催办", now=now)
                result.reminded += 1
            except Conflict:
                pass
    return result


# --- routing -------------------------------------------------------------------------------------


@cache
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def tokens(text: str) -> list[str]:
    return classifier.clean(_jieba().lcut(text))


def unit_key(case: Case) -> str | None:
    if case.handler_org_id:
        return f"org:{case.handler_org_id}"
    if case.handler_region_id and case.handler_region is not None:
        return f"level:{case.handler_region.level}"
    return None


def routing_train(*, limit: int = 20000) -> RoutingModel:
    """Retrain the assistant from how past requests were classified and dispatched."""
    rows = (
        Case.objects.exclude(handler_org__isnull=True, handler_region__isnull=True)
        .exclude(status=wf.MERGED)
        .select_related("category", "handler_region")
        .only("description", "category__code", "handler_org_id", "handler_region__level")
        .order_by("-received_at")[:limit]
    )
    cats, units = [], []
    for c in rows:
        t = tokens(c.description)
        cats.append((t, c.category.code))
        key = unit_key(c)
        if key:
            units.append((t, f"{c.category.code}|{key}"))
    model = RoutingModel.objects.create(
        samples=len(cats), category_model=classifier.train(cats), unit_model=classifier.train(units)
    )
    _routing.clear()
    return model


def _current_model() -> RoutingModel | None:
    def load() -> Any:
        return RoutingModel.objects.order_by("-trained_at", "-id").first() or False

    found = _routing.get(load)
    return found or None


@dataclass
class Suggestion:
    categories: list[tuple[Category, float]]
    units: list[tuple[str, str, float]]  # (key, label, probability)
    catalogue: str  # the dispatch catalogue's answer for the request's category and place


def unit_label(key: str, case: Case | None = None) -> str:
    kind, _, value = key.partition(":")
    if kind == "org":
        org = Organisation.objects.filter(pk=int(value)).first()
        return org.name if org else key
    level = int(value)
    if case is not None:
        for r in [case.grid, case.region, case.region.parent]:
            if r is not None and r.level == level:
                return r.name
    return Level(level).label


def routing_suggest(text: str, case: Case | None = None) -> Suggestion:
    model = _current_model()
    toks = tokens(text) if model else []
    cats: list[tuple[Category, float]] = []
    units: list[tuple[str, str, float]] = []
    if model is not None:
        ranked = classifier.predict(model.category_model, toks)
        by_code = Category.objects.in_bulk([c for c, _ in ranked], field_name="code")
        cats = [(by_code[c], p) for c, p in ranked if c in by_code]
        code = case.category.code if case is not None else (ranked[0][0] if ranked else "")
        scores: dict[str, float] = {}
        for label, p in classifier.predict(model.unit_model, toks, top=50):
            cat, _, key = label.partition("|")
            if not code or cat == code:
                scores[key] = scores.get(key, 0.0) + p
        z = sum(scores.values()) or 1.0
        units = [
            (k, unit_label(k, case), p / z) for k, p in sorted(scores.items(), key=lambda kv: -kv[1])[:3]
        ]
    catalogue = ""
    if case is not None:
        rule = dispatch_rule_for(case.category, case.region)
        if rule is not None:
            catalogue = rule_unit_label(rule, case)
    return Suggestion(cats, units, catalogue)


def dispatch_rule_for(category: Category, region: Region) -> DispatchRule | None:
    codes = [region.code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(region.code)]
    return (
        DispatchRule.objects.select_related("organisation", "unit_region")
        .filter(category=category, region__code__in=codes)
        .order_by("-region__level")
        .first()
    )


def rule_target(rule: DispatchRule, case: Case) -> tuple[Region | None, Organisation | None]:
    if rule.organisation_id:
        return None, rule.organisation
    if rule.unit_region_id:
        return rule.unit_region, None
    region: Region | None = case.region
    while region is not None and region.level > rule.unit_level:
        region = region.parent
    return region, None


def rule_unit_label(rule: DispatchRule, case: Case) -> str:
    region, org = rule_target(rule, case)
    return org.name if org is not None else (region.name if region is not None else "")


def _would_auto_dispatch(case: Case) -> bool:
    model = _current_model()
    if model is None or not model.unit_model:
        return False
    s = routing_suggest(case.description, case)
    return bool(s.units) and s.units[0][2] >= autodispatch_threshold()


def _auto_dispatch(case: Case, now: dt.datetime) -> None:
    """Accept and dispatch by the assistant when it is confident enough, never below the threshold."""
    model = _current_model()
    if model is None or not model.unit_model:
        return
    s = routing_suggest(case.description, case)
    if not s.units or s.units[0][2] < autodispatch_threshold():
        return
    key = s.units[0][0]
    kind, _, value = key.partition(":")
    region: Region | None = None
    org: Organisation | None = None
    if kind == "org":
        org = Organisation.objects.filter(pk=int(value)).first()
    else:
        region = next(
            (
                r
                for r in [case.grid, case.region, case.region.parent]
                if r is not None and r.level == int(value)
            ),
            None,
        )
    if region is None and org is None:
        return
    try:
        _check_unit(case, region=region, organisation=org)
    except ValidationError:
        return
    note = f"置信度 {s.units[0][2]:.0%}（阈值 {autodispatch_threshold():.0%}）"
    if case.status == wf.RECEIVED:
        _transition(
            case,
            by=None,
            action="accept",
            expected_version=None,
            changes={"accepted_at": now},
            unit=case.coordinator.name,
            now=now,
            actor_name=ASSISTANT_NAME,
        )
    case_dispatch(
        case=case, by=None, region=region, organisation=org, note=note, now=now, actor_name=ASSISTANT_NAME
    )
