"""平战结合 writes: every change of the emergency module, one keyword-only function each, atomic.

Pages and the API call the same functions. Authority: a community keeps its own peacetime records,
enters warnings it receives, works its check list and shelters; a street issues warnings for and
declares levels Ⅲ–Ⅳ over its communities; the district issues anywhere in it and alone declares
levels Ⅰ–Ⅱ (the plans' rule: the higher levels are the district's). Capacity and stock rules are
database rules reached by one conditional UPDATE each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from linli.core.errors import Conflict, Forbidden, invalid
from linli.core.models import User
from linli.core.roles import Role, effective_role
from linli.core.scope import region_in_scope, subtree_q
from linli.emergency import providers
from linli.emergency.engine import cap, plans, vulnerable
from linli.emergency.models import (
    LEVELS,
    ActionTask,
    CheckItem,
    CheckStatus,
    Counter,
    Drill,
    EmergencyUnit,
    Event,
    EventLog,
    EventStatus,
    Hazard,
    InfoOfficer,
    LevelStep,
    LogKind,
    MemberSource,
    MovementKind,
    Plan,
    Shelter,
    ShelterStay,
    Supply,
    SupplyMovement,
    SupplyStore,
    TaskStatus,
    UnitMember,
    Warning,
    WarningSource,
    WarningStatus,
)
from linli.facilities.models import Facility
from linli.regions.models import Level, Region
from linli.registry.models import Building, Household, Person, PersonStatus, Staff

STAFF = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
KEEPERS = frozenset({Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})
ISSUERS = frozenset({Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})
DISTRICT = frozenset({Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})
HIGH_LEVELS = frozenset({"I", "II"})
SENDER = "linli"  # the CAP sender of warnings issued here: "<SENDER>@<region code>"


def _require(user: User, roles: frozenset[str], message: str, code: str = "emergency.not_allowed") -> str:
    role = effective_role(user)
    if role not in roles:
        raise Forbidden(message, code=code)
    return role


def _in_scope(user: User, region: Region, field: str = "region") -> None:
    """Out of scope is refused as bad input naming the field (the account chose a place it does not own)."""
    if not region_in_scope(user, region):
        raise invalid(field, f"{region.name} 不在本账号的管辖范围内", "emergency.area_out_of_scope")


def _serial(kind: str, prefix: str) -> str:
    """YJ20261202-0007: a counter row per kind and day, advanced by one conditional UPDATE."""
    day = timezone.localdate()
    Counter.objects.get_or_create(kind=kind, day=day)
    Counter.objects.filter(kind=kind, day=day).update(last=F("last") + 1)
    last = Counter.objects.get(kind=kind, day=day).last
    return f"{prefix}{day:%Y%m%d}-{last:04d}"


def _name(user: User | None) -> str:
    if user is None:
        return "系统"
    return user.display_name or user.get_username()


def _log(event: Event, kind: str, text: str, by: User | None = None, at: dt.datetime | None = None) -> None:
    EventLog.objects.create(
        event=event, kind=kind, text=text[:300], by_name=_name(by), at=at or timezone.now()
    )


def _communities(regions: Iterable[Region]) -> list[Region]:
    """The communities a set of regions covers (a street stands for its communities)."""
    out: dict[str, Region] = {}
    for r in regions:
        if r.level == Level.COMMUNITY:
            out[r.code] = r
        elif r.level < Level.COMMUNITY:
            for c in Region.objects.current().filter(subtree_q(r.code), level=Level.COMMUNITY):
                out[c.code] = c
        elif r.parent_id is not None:  # a grid: its community
            parent = Region.objects.get(pk=r.parent_id)
            out[parent.code] = parent
    return sorted(out.values(), key=lambda c: c.code)


def _point_in(poly: Sequence[tuple[float, float]], lat: float, lon: float) -> bool:
    inside = False
    n = len(poly)
    for i in range(n):
        (a_lat, a_lon), (b_lat, b_lon) = poly[i], poly[(i + 1) % n]
        if (a_lon > lon) != (b_lon > lon):
            cross = a_lat + (lon - a_lon) * (b_lat - a_lat) / (b_lon - a_lon)
            if lat < cross:
                inside = not inside
    return inside


def communities_in_polygon(user: User, polygon: Sequence[tuple[float, float]]) -> list[Region]:
    """The communities in the account's scope with a building (or, lacking buildings, a centre) inside."""
    lats = [p[0] for p in polygon]
    lons = [p[1] for p in polygon]
    box = Q(lat__gte=min(lats), lat__lte=max(lats), lon__gte=min(lons), lon__lte=max(lons))
    base = Building.objects.filter(box)
    if effective_role(user) != Role.SYSTEM_ADMIN:
        base = base.filter(subtree_q(user.region_code, "region__code"))
    codes = {
        code[:12]
        for lat, lon, code in base.values_list("lat", "lon", "region__code").iterator()
        if lat is not None and lon is not None and _point_in(polygon, lat, lon)
    }
    return list(Region.objects.current().filter(code__in=codes, level=Level.COMMUNITY).order_by("code"))


def _polygon(polygon: Any, field: str = "polygon") -> list[tuple[float, float]]:
    try:
        pts = [(float(a), float(b)) for a, b in polygon]
    except (TypeError, ValueError) as exc:
        raise invalid(field, "多边形应为“纬度,经度”点的列表", "emergency.polygon_invalid") from exc
    if pts and pts[0] == pts[-1]:
        pts = pts[:-1]
    if len(pts) < 3:
        raise invalid(field, "多边形至少需要 3 个不同的点", "emergency.polygon_invalid")
    if any(not (-90 <= a <= 90 and -180 <= b <= 180) for a, b in pts):
        raise invalid(field, "坐标超出范围（纬度 −90～90，经度 −180～180）", "emergency.polygon_invalid")
    return pts


def _area(
    user: User, regions: Sequence[Region] | None, polygon: Any, field: str = "regions"
) -> tuple[list[Region], list[tuple[float, float]]]:
    """The communities of a chosen area, each checked in the account's scope; the polygon cleaned."""
    pts = _polygon(polygon, "polygon") if polygon else []
    chosen = list(regions or [])
    for r in chosen:
        _in_scope(user, r, field)
    communities = _communities(chosen)
    if pts:
        found = communities_in_polygon(user, pts)
        if not found and not communities:
            raise invalid("polygon", "多边形内没有本账号管辖范围内的楼栋", "emergency.area_out_of_scope")
        communities = sorted({c.code: c for c in [*communities, *found]}.values(), key=lambda c: c.code)
    if not communities:
        raise invalid(field, "请选择影响的社区/村或画出范围", "emergency.area_required")
    return communities, pts


# --- peacetime: 灾害信息员, 最小应急单元, 应急预案 -----------------------------------------------------


def _community(user: User, region: Region, field: str = "region") -> Region:
    if region.level != Level.COMMUNITY:
        raise invalid(field, "请选择社区/村", "emergency.community_required")
    _in_scope(user, region, field)
    return region


def info_officer_add(*, by: User, region: Region, staff: Staff | None = None, name: str = "") -> InfoOfficer:
    """Name a community's 灾害信息员: a staff member of the registry (preferably) or a person by name."""
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以指定灾害信息员")
    _community(by, region)
    if staff is not None and not region_in_scope(by, staff.region):
        raise invalid("staff", "该工作人员不在本账号的管辖范围内", "emergency.area_out_of_scope")
    name = (staff.name if staff is not None else name).strip()
    if not name:
        raise invalid("name", "请选择工作人员或填写姓名", "emergency.name_required")
    account = User.objects.filter(
        display_name=name, region__code__startswith=region.code, is_active=True
    ).first()
    try:
        with transaction.atomic():
            return InfoOfficer.objects.create(region=region, staff=staff, name=name[:64], account=account)
    except IntegrityError as exc:
        raise Conflict("staff", "此人已是本社区的灾害信息员", code="emergency.officer_exists") from exc


def info_officer_end(*, by: User, officer: InfoOfficer) -> InfoOfficer:
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以调整灾害信息员")
    _in_scope(by, officer.region)
    officer.until = timezone.localdate()
    officer.save(update_fields=["until"])
    return officer


@transaction.atomic
def unit_create(
    *,
    by: User,
    building: Building,
    name: str,
    leader_name: str,
    leader: User | None = None,
    members: Sequence[dict[str, Any]] = (),
) -> EmergencyUnit:
    """Set up a 最小应急单元 for an estate or building: leader and members (grid team, volunteers,
    residents: each ``{"source", "name", "duty", "person"?, "account"?}``)."""
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以组建应急单元")
    community = Region.objects.current().filter(code=building.region.code[:12]).first()
    if community is None:
        raise invalid("building", "楼栋不属于任何社区/村", "emergency.community_required")
    _in_scope(by, community, "building")
    name, leader_name = name.strip(), leader_name.strip()
    if not name:
        raise invalid("name", "请填写单元名称", "emergency.name_required")
    if not leader_name and leader is not None:
        leader_name = _name(leader)
    leader_name = leader_name or "（待定）"  # chosen afterwards from the lists (``unit_leader_set``)
    if EmergencyUnit.objects.filter(building=building, active=True).exists():
        raise Conflict("building", "该小区/楼栋已有最小应急单元", code="emergency.unit_exists")
    unit = EmergencyUnit.objects.create(
        region=community, building=building, name=name[:80], leader=leader, leader_name=leader_name[:64]
    )
    for i, m in enumerate(members):
        if m.get("source") not in MemberSource.values or not str(m.get("name", "")).strip():
            raise invalid(
                f"members[{i}]", "成员须有来源（网格团队/志愿者/居民）和姓名", "emergency.member_invalid"
            )
        UnitMember.objects.create(
            unit=unit,
            source=m["source"],
            name=str(m["name"]).strip()[:64],
            duty=str(m.get("duty", ""))[:60],
            person=m.get("person"),
            account=m.get("account"),
        )
    return unit


def _member_account(source: str, record: Any) -> User | None:
    """The account that gets a member's tasks: the grid team member's own, else the account of the
    person (a volunteer's, a resident's) when one is linked to them."""
    if source == MemberSource.GRID_TEAM and record.account_id:
        return User.objects.filter(pk=record.account_id, is_active=True).first()
    person_id = getattr(record, "person_id", None) if source != MemberSource.RESIDENT else record.pk
    if person_id is None:
        return None
    return User.objects.filter(person_id=person_id, is_active=True).order_by("id").first()


def unit_member_add(
    *, by: User, unit: EmergencyUnit, source: str, record: Any = None, name: str = "", duty: str = ""
) -> UnitMember:
    """Add a member to a 最小应急单元, chosen from a list — ``record`` a grid team member (workforce), a
    volunteer or a registry person of the unit's community, kept as a link with the account that gets
    the unit's tasks — or, ``source`` ``unlisted``, typed by name (someone in none of the lists)."""
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以调整应急单元")
    _in_scope(by, unit.region, "unit")
    if source not in MemberSource.values:
        raise invalid("source", "请从网格团队、志愿者或居民中选择成员", "emergency.member_invalid")
    code = unit.region.code
    links: dict[str, Any] = {}
    if source == MemberSource.UNLISTED:
        name = name.strip()
        if not name:
            raise invalid("name", "请填写名册外人员的姓名", "emergency.name_required")
    else:
        place: dict[str, Callable[[Any], str]] = {
            MemberSource.GRID_TEAM: lambda r: r.grid.code,
            MemberSource.VOLUNTEER: lambda r: r.region.code,
            MemberSource.RESIDENT: lambda r: r.region.code,
        }
        if record is None or not place[source](record).startswith(code):
            raise invalid("record", "请从本社区的名单中选择成员", "emergency.member_invalid")
        names: dict[str, Callable[[Any], str]] = {
            MemberSource.GRID_TEAM: lambda r: r.label,
            MemberSource.VOLUNTEER: lambda r: r.person.name,
            MemberSource.RESIDENT: lambda r: r.name,
        }
        name = names[source](record)
        links = {
            "team_member": record if source == MemberSource.GRID_TEAM else None,
            "volunteer": record if source == MemberSource.VOLUNTEER else None,
            "person": record.person if source == MemberSource.VOLUNTEER else None,
            "account": _member_account(source, record),
        }
        if source == MemberSource.RESIDENT:
            links["person"] = record
        elif source == MemberSource.GRID_TEAM:
            links["person"] = record.person
    with transaction.atomic():
        m = UnitMember.objects.create(
            unit=unit, source=source, name=name[:64], duty=duty.strip()[:60], **links
        )
    return m


def unit_member_remove(*, by: User, member: UnitMember) -> None:
    """Take a member out of their unit (the unit keeps no leader when it was the leader)."""
    unit = member.unit
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以调整应急单元")
    _in_scope(by, unit.region, "unit")
    with transaction.atomic():
        if member.leader:
            EmergencyUnit.objects.filter(pk=unit.pk).update(leader=None, leader_name="（待定）")
        member.delete()


def unit_leader_set(*, by: User, member: UnitMember) -> EmergencyUnit:
    """Make a member the unit's 单元长: the unit's tasks go to their account (none for someone unlisted)."""
    unit = member.unit
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以调整应急单元")
    _in_scope(by, unit.region, "unit")
    with transaction.atomic():
        UnitMember.objects.filter(unit=unit, leader=True).update(leader=False)
        UnitMember.objects.filter(pk=member.pk).update(leader=True)
        EmergencyUnit.objects.filter(pk=unit.pk).update(leader=member.account, leader_name=member.name[:64])
    unit.refresh_from_db()
    return unit


def plan_for(region: Region, hazard: str) -> plans.Plan:
    """The plan in force for a community: its own, else its street's, else the default plan."""
    codes = [region.code, *reversed(region.ancestors_codes())]
    stored = {
        p.region.code: p
        for p in Plan.objects.filter(region__code__in=codes, hazard=hazard).select_related("region")
    }
    for code in codes:
        if code in stored:
            return plans.validate_plan(stored[code].document)
    return default_plan(hazard)


def default_plan(hazard: str) -> plans.Plan:
    """The engine's default plan of a hazard (a hazard without one: a plan with no actions)."""
    return plans.DEFAULT_PLANS.get(hazard) or plans.Plan(hazard=hazard, title="未编制预案", levels={})


def plan_save(*, by: User, region: Region, hazard: str, document: dict[str, Any]) -> Plan:
    """Keep a community's or street's plan for a hazard (validated: levels Ⅰ–Ⅳ, their actions)."""
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以修订应急预案")
    if region.level not in (Level.STREET, Level.COMMUNITY):
        raise invalid("region", "预案按社区/村或街道/乡镇编制", "emergency.plan_region")
    _in_scope(by, region)
    if hazard not in Hazard.values:
        raise invalid("hazard", "请选择灾种", "emergency.hazard_unknown")
    if isinstance(document, dict):  # an edit keeps its actions' keys: running responses find tasks by them
        document = {**document, "levels": plans.carry_keys(plan_for(region, hazard), document.get("levels"))}
    try:
        plan = plans.validate_plan({**document, "hazard": hazard})
    except plans.PlanError as exc:
        raise invalid(f"document.{exc.field}", exc.message, "emergency.plan_invalid") from exc
    with transaction.atomic():
        row, _ = Plan.objects.update_or_create(
            region=region,
            hazard=hazard,
            defaults={
                "title": plan.title[:120],
                "document": plans.plan_as_dict(plan),
                "updated_at": timezone.now(),
                "updated_by": by,
            },
        )
    return row


# --- warnings -------------------------------------------------------------------------------------


def _plain_text(w: Warning) -> str:
    until = timezone.localtime(w.expires)
    text = f"【{w.get_severity_display()}预警】{w.headline}。{w.area_desc}，有效至 {until:%m月%d日%H:%M}。"
    if w.instruction:
        text += w.instruction
    return text[:500]


def _publish(w: Warning, communities: Sequence[Region]) -> None:
    codes = [c.code for c in communities]
    phones = []
    for s in Staff.objects.filter(active=True).filter(
        Q(region__code__in=codes)
        | Q(pk__in=InfoOfficer.objects.filter(region__code__in=codes).values("staff_id"))
    )[:500]:
        if s.phone:
            phones.append(s.phone.reveal())
    message = providers.Broadcast(w.number, w.headline, _plain_text(w), codes, phones)
    transaction.on_commit(lambda: providers.send_safely(message))


def _window(
    onset: dt.datetime | None, expires: dt.datetime | None, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    onset = onset or now
    if expires is None:
        raise invalid("expires", "请填写截止时间", "emergency.window_invalid")
    if timezone.is_naive(onset) or timezone.is_naive(expires):
        raise invalid("expires", "时间须带时区", "emergency.window_invalid")
    if expires <= onset:
        raise invalid("expires", "截止时间须晚于起始时间", "emergency.window_invalid")
    return onset, expires


def warning_create(
    *,
    by: User,
    hazard: str,
    severity: str,
    urgency: str,
    certainty: str,
    headline: str,
    description: str,
    instruction: str = "",
    onset: dt.datetime | None = None,
    expires: dt.datetime | None = None,
    regions: Sequence[Region] = (),
    polygon: Any = None,
    issue: bool = False,
    event: str = "",
    sender: str = "",
    sender_name: str = "",
    identifier: str = "",
    sent: dt.datetime | None = None,
    cap_xml: str = "",
    area_desc: str = "",
) -> Warning:
    """Record a warning received (``issue`` False: entered from a message the community got) or issue
    one (street and district), for communities in the account's scope or a polygon, and publish it."""
    role = _require(by, KEEPERS, "只有社区、街道和区的工作人员可以登记预警")
    if issue and role not in ISSUERS:
        raise Forbidden("只有街道和区可以发布预警", code="emergency.not_issuer")
    if hazard not in Hazard.values:
        raise invalid("hazard", "请选择灾种", "emergency.hazard_unknown")
    for field, value, allowed in (
        ("severity", severity, set(cap.SEVERITIES)),
        ("urgency", urgency, set(cap.URGENCIES)),
        ("certainty", certainty, set(cap.CERTAINTIES)),
    ):
        if value not in allowed:
            raise invalid(field, "请选择有效的取值", "emergency.value_invalid")
    headline, description = headline.strip(), description.strip()
    if not headline:
        raise invalid("headline", "请填写预警标题", "emergency.headline_required")
    if not description:
        raise invalid("description", "请填写预警内容", "emergency.description_required")
    now = timezone.now()
    onset, expires = _window(onset, expires, now)
    if expires <= now and not cap_xml:
        raise invalid("expires", "截止时间已过", "emergency.window_invalid")
    communities, pts = _area(by, regions, polygon)
    if by.region is None and effective_role(by) != Role.SYSTEM_ADMIN:
        raise Forbidden("本账号没有所辖区域", code="emergency.not_allowed")
    home = by.region or communities[0]
    with transaction.atomic():
        number = _serial("warning", "YJ")
        w = Warning.objects.create(
            number=number,
            identifier=identifier or f"{SENDER}-{home.code}-{number}",
            sender=sender or f"{SENDER}@{home.code}.linli",
            sender_name=sender_name or home.name,
            source=WarningSource.CAP
            if cap_xml
            else (WarningSource.ISSUED if issue else WarningSource.ENTERED),
            hazard=hazard,
            event=(event or Hazard(hazard).label)[:120],
            severity=severity,
            urgency=urgency,
            certainty=certainty,
            headline=headline[:160],
            description=description,
            instruction=instruction.strip(),
            sent=sent or now,
            onset=onset,
            expires=expires,
            status=WarningStatus.ACTIVE if expires > now else WarningStatus.EXPIRED,
            region=home,
            area_desc=(
                area_desc
                or "、".join(c.name for c in communities[:8]) + ("等" if len(communities) > 8 else "")
            )[:300],
            polygon=[list(p) for p in pts],
            cap_xml=cap_xml,
            created_by=by,
        )
        w.regions.set(communities)
        for e in Event.objects.filter(status=EventStatus.ACTIVE, regions__in=communities).distinct():
            _log(e, LogKind.WARNING, f"收到预警 {w.number}：{w.headline}", by)
        if w.status == WarningStatus.ACTIVE:
            _publish(w, communities)
    return w


def _hazard_of(event: str) -> str:
    return plans.hazard_of(event) or str(Hazard.OTHER)


GEOCODE = "GB/T 2260"


def warning_import_cap(*, by: User, xml: bytes, regions: Sequence[Region] = ()) -> Warning:
    """Import a CAP 1.2 message: validated against the schema and the standard's rules (refused with
    the element that fails); its area is its GB/T 2260 geocodes and polygons (or ``regions`` chosen),
    each in the account's scope. The original message is kept; export gives every field back."""
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以导入预警")
    try:
        alert = cap.parse(xml)
    except cap.CapError as exc:
        raise invalid("cap", f"CAP 报文无效：{exc}", "emergency.cap_invalid") from exc
    if not alert.infos:
        raise invalid("cap", "CAP 报文没有 info 段", "emergency.cap_invalid")
    if Warning.objects.filter(identifier=alert.identifier).exists():
        raise Conflict("cap", f"该预警（{alert.identifier}）已导入", code="emergency.cap_duplicate")
    info = alert.infos[0]
    chosen = list(regions)
    polygon: list[tuple[float, float]] = []
    for area in info.areas:
        for name, value in area.geocodes:
            if name == GEOCODE:
                found = Region.objects.current().filter(code=value).first()
                if found is None:
                    raise invalid("cap", f"CAP 报文的区划代码 {value} 不存在", "emergency.cap_region_unknown")
                chosen.append(found)
        if area.polygons and not polygon:
            polygon = list(area.polygons[0])
    if not chosen and not polygon:
        raise invalid(
            "regions", "CAP 报文没有本系统能识别的范围，请选择影响的社区/村", "emergency.area_required"
        )
    now = timezone.now()
    return warning_create(
        by=by,
        hazard=_hazard_of(info.event),
        severity=info.severity,
        urgency=info.urgency,
        certainty=info.certainty,
        headline=info.headline or info.event,
        description=info.description or info.headline or info.event,
        instruction=info.instruction or "",
        onset=info.onset or info.effective or alert.sent,
        expires=info.expires or (now + dt.timedelta(hours=24)),
        regions=chosen,
        polygon=polygon or None,
        event=info.event,
        sender=alert.sender,
        sender_name=info.sender_name or "",
        identifier=alert.identifier,
        sent=alert.sent,
        cap_xml=xml.decode("utf-8", "replace"),
        area_desc="；".join(a.area_desc for a in info.areas if a.area_desc),
    )


def warning_cancel(*, by: User, warning: Warning, reason: str) -> Warning:
    """解除预警: the warning stops showing; who and why goes on the timelines."""
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以解除预警")
    _in_scope(by, warning.region)
    reason = reason.strip()
    if not reason:
        raise invalid("reason", "请填写解除理由", "emergency.reason_required")
    with transaction.atomic():
        n = Warning.objects.filter(pk=warning.pk, status=WarningStatus.ACTIVE).update(
            status=WarningStatus.CANCELLED
        )
        if n == 0:
            raise Conflict("warning", "该预警已不在生效中", code="emergency.warning_not_active")
        for e in Event.objects.filter(
            status=EventStatus.ACTIVE, regions__in=warning.regions.all()
        ).distinct():
            _log(e, LogKind.WARNING, f"解除预警 {warning.number}：{reason}", by)
    warning.refresh_from_db()
    return warning


def warnings_expire(*, now: dt.datetime | None = None) -> int:
    """Mark the warnings past their time window expired (the periodic job ``warnings_expire``)."""
    now = now or timezone.now()
    return Warning.objects.filter(status=WarningStatus.ACTIVE, expires__lte=now).update(
        status=WarningStatus.EXPIRED
    )


# --- tiered response ------------------------------------------------------------------------------


def _require_authority(actor: User, communities: Sequence[Region], level: str) -> None:
    """Street: levels Ⅲ–Ⅳ over its own communities; district: any level within it (Ⅰ–Ⅱ are its alone)."""
    role = effective_role(actor)
    if role not in ISSUERS:
        raise Forbidden("只有街道和区可以启动或调整应急响应", code="emergency.no_authority")
    if level in HIGH_LEVELS and role not in DISTRICT:
        raise Forbidden("Ⅰ级、Ⅱ级响应由区级决定", code="emergency.no_authority")
    for c in communities:
        if not region_in_scope(actor, c):
            raise Forbidden(f"{c.name} 不在本账号的管辖范围内", code="emergency.no_authority")


def _accounts(region_code: str, roles: Sequence[str], exact: bool = True) -> list[User]:
    qs = User.objects.filter(is_active=True, role__in=roles)
    qs = qs.filter(region__code=region_code) if exact else qs.filter(subtree_q(region_code, "region__code"))
    return list(qs.order_by("id")[:50])


def _assignees(
    who: str, community: Region, actor: User
) -> list[tuple[User | None, str, EmergencyUnit | None]]:
    """The named people an action of ``who`` goes to in a community: (account, label, unit)."""
    if who == "grid_team":
        found = _accounts(community.code, [Role.GRID_WORKER], exact=False)
        return [(u, f"网格员 {_name(u)}（{u.region.name if u.region else ''}）", None) for u in found] or [
            (None, f"{community.name} 网格团队（未开通账号）", None)
        ]
    if who == "unit":
        units = list(
            EmergencyUnit.objects.filter(region=community, active=True).select_related("building")[:50]
        )
        return [(u.leader, f"{u.name} 单元长 {u.leader_name}", u) for u in units] or [
            (None, f"{community.name} 最小应急单元（未组建）", None)
        ]
    if who == "info_officer":
        officers = list(InfoOfficer.objects.filter(region=community, until__isnull=True)[:5])
        return [(o.account, f"灾害信息员 {o.name}", None) for o in officers] or [
            (None, f"{community.name} 灾害信息员（缺）", None)
        ]
    if who in ("volunteers", "community_staff"):
        found = _accounts(community.code, [Role.COMMUNITY_WORKER])
        label = "志愿者队伍（社区调度）" if who == "volunteers" else "社区工作人员"
        return [(u, f"{label} {_name(u)}", None) for u in found[:1]] or [
            (None, f"{community.name} {label}", None)
        ]
    street = _accounts(community.code[:9], [Role.STREET_COORDINATOR])
    if street:
        return [(street[0], f"街道 {_name(street[0])}", None)]
    return [(actor, f"{_name(actor)}", None)]


def _start_tasks(
    event: Event, step: LevelStep, actions: Sequence[plans.Action], community: Region, actor: User
) -> int:
    rows = []
    for a in actions:
        for account, label, unit in _assignees(a.who, community, actor):
            rows.append(
                ActionTask(
                    event=event,
                    step=step,
                    region=community,
                    action_key=a.key,
                    level=step.new_level,
                    title=a.title_zh[:120],
                    description=(a.description or "")[:500],
                    who=a.who,
                    assignee=account,
                    assignee_label=label[:120],
                    unit=unit,
                    due_at=step.at + dt.timedelta(minutes=a.due_minutes),
                )
            )
    ActionTask.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _step(
    event: Event, communities: Sequence[Region], old: str, new: str, reason: str, actor: User
) -> LevelStep:
    step = LevelStep.objects.create(event=event, old_level=old, new_level=new, reason=reason, by=actor)
    started = cancelled = 0
    for c in communities:
        plan = plan_for(c, event.hazard)
        start, stop = plans.actions_on_step(plan, old or None, new or None)
        if stop:
            cancelled += ActionTask.objects.filter(
                event=event, region=c, status=TaskStatus.OPEN, action_key__in=[a.key for a in stop]
            ).update(status=TaskStatus.CANCELLED, note=f"响应调整为{new or '结束'}，任务取消")
        started += _start_tasks(event, step, start, c, actor)
    if not new:
        cancelled += ActionTask.objects.filter(event=event, status=TaskStatus.OPEN).update(
            status=TaskStatus.CANCELLED, note="响应结束，任务取消"
        )
    kind = plans.step_kind(old or None, new or None)
    was, now_ = LEVEL_WORDS.get(old, ""), LEVEL_WORDS.get(new, "")
    what = {
        "declare": f"启动{now_}响应",
        "raise": f"由{was}提升为{now_}响应",
        "lower": f"由{was}降低为{now_}响应",
        "end": f"结束响应（原{was}）",
    }[kind]
    text = f"{_name(actor)} {what}。理由：{reason}"
    if started or cancelled:
        text += f"（新任务 {started} 项，取消 {cancelled} 项）"
    _log(event, LogKind.DECISION, text, actor, at=step.at)
    return step


def _level(level: str, field: str = "level") -> str:
    if level not in LEVELS:
        raise invalid(field, "响应级别应为 Ⅰ、Ⅱ、Ⅲ、Ⅳ 级之一", "emergency.level_invalid")
    return level


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise invalid("reason", "请填写决定的理由", "emergency.reason_required")
    return reason[:300]


def response_declare(
    *,
    actor: User,
    event: Event | None = None,
    level: str,
    regions: Sequence[Region] | None = None,
    area: Any = None,
    reason: str,
    hazard: str = "",
    title: str = "",
    warning: Warning | None = None,
) -> Event:
    """Declare a response level over an area (communities, or a polygon ``area``) — a new event, or,
    given an active ``event``, a step of its level. The plan's actions for the level become tasks
    with deadlines for named people; the vulnerable-person list is built and assigned."""
    level = _level(level)
    reason = _reason(reason)
    if event is not None:
        return response_step(actor=actor, event=event, level=level, reason=reason)
    if hazard not in Hazard.values:
        raise invalid("hazard", "请选择灾种", "emergency.hazard_unknown")
    if effective_role(actor) not in ISSUERS:
        raise Forbidden("只有街道和区可以启动应急响应", code="emergency.no_authority")
    communities, _pts = _area(actor, regions, area)
    _require_authority(actor, communities, level)
    home = actor.region or communities[0]
    with transaction.atomic():
        number = _serial("event", "XY")
        ev = Event.objects.create(
            number=number,
            hazard=hazard,
            title=(title.strip() or f"{Hazard(hazard).label}{LEVEL_WORDS.get(level, '')}应急响应")[:120],
            region=home,
            level=level,
            warning=warning,
        )
        ev.regions.set(communities)
        if warning is not None:
            _log(
                ev, LogKind.WARNING, f"依据预警 {warning.number}：{warning.headline}", actor, at=warning.sent
            )
        _step(ev, communities, "", level, reason, actor)
        made = checklist_build(ev)
        _log(ev, LogKind.CHECK, f"生成重点人员核查名单 {made} 人，已分配到网格员和单元长", actor)
    return ev


LEVEL_WORDS = {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", "IV": "Ⅳ级"}


def response_step(*, actor: User, event: Event, level: str, reason: str) -> Event:
    """Raise or lower an active response (recorded with who and why)."""
    level = _level(level)
    reason = _reason(reason)
    communities = list(event.regions.all())
    _require_authority(actor, communities, level)
    if event.level in HIGH_LEVELS:  # stepping down from Ⅰ–Ⅱ is the district's decision too
        _require_authority(actor, communities, event.level)
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status != EventStatus.ACTIVE:
            raise Conflict("level", "该响应已结束", code="emergency.event_ended")
        if locked.level == level:
            raise invalid("level", "响应已是该级别", "emergency.level_unchanged")
        _step(locked, communities, locked.level, level, reason, actor)
        Event.objects.filter(pk=event.pk).update(level=level)
    event.refresh_from_db()
    return event


def response_end(*, actor: User, event: Event, reason: str) -> Event:
    """End a response: its open tasks are cancelled; who and why is recorded."""
    reason = _reason(reason)
    communities = list(event.regions.all())
    _require_authority(actor, communities, event.level or "IV")
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.status != EventStatus.ACTIVE:
            raise Conflict("level", "该响应已结束", code="emergency.event_ended")
        _step(locked, communities, locked.level, "", reason, actor)
        Event.objects.filter(pk=event.pk).update(status=EventStatus.ENDED, level="", ended_at=timezone.now())
    event.refresh_from_db()
    return event


def task_holder(user: User, task: ActionTask) -> bool:
    """The task is the account's: assigned to it, or a task of a 最小应急单元 it is a member of."""
    return task.assignee_id == user.pk or (
        task.unit_id is not None and UnitMember.objects.filter(unit_id=task.unit_id, account=user).exists()
    )


def task_done(*, by: User, task: ActionTask, note: str = "") -> ActionTask:
    """A task of the response reported done by its assignee (or staff of its community)."""
    if not task_holder(by, task) and not region_in_scope(by, task.region):
        raise Forbidden("只有任务责任人或本社区工作人员可以办结任务", code="emergency.not_assignee")
    with transaction.atomic():
        n = ActionTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, done_at=timezone.now(), note=note.strip()[:300]
        )
        if n == 0:
            raise Conflict("task", "该任务已办结或已取消", code="emergency.task_closed")
        _log(task.event, LogKind.ACTION, f"{task.region.name}：{task.title} 已完成（{_name(by)}）", by)
    task.refresh_from_db()
    return task


def event_report(*, by: User, event: Event, text: str) -> EventLog:
    """A report on the event's timeline (灾情报告 from an information officer, a grid worker …)."""
    _require(by, STAFF, "只有工作人员可以报告灾情")
    code = by.region_code or ""
    near = (
        any(c.code.startswith(code) or code.startswith(c.code) for c in event.regions.all())
        if code
        else False
    )
    if effective_role(by) != Role.SYSTEM_ADMIN and not near:  # in the area, or the community of a grid in it
        raise Forbidden("该事件不在本账号的管辖范围内", code="emergency.not_allowed")
    text = text.strip()
    if not text:
        raise invalid("text", "请填写报告内容", "emergency.text_required")
    with transaction.atomic():
        entry = EventLog.objects.create(event=event, kind=LogKind.REPORT, text=text[:300], by_name=_name(by))
    return entry


# --- the vulnerable-person list -------------------------------------------------------------------


def _category_sql(today: dt.date) -> list[tuple[str, int, str, list[Any]]]:
    """(category key, priority, SQL condition over person ``p``, params) for each category of
    ``engine.vulnerable`` — its fields compiled as they are read person by person there (an age window
    as birth dates, and any of its tags, care groups or living alone), the same definition the
    benchmark's floor query compiles."""
    from linli.care.models import CareFile, CareMembership, CareRule  # noqa: PLC0415 — table names only
    from linli.registry.models import PersonTag  # noqa: PLC0415 — table names only

    tag_t, person_t = PersonTag._meta.db_table, Person._meta.db_table
    file_t, mem_t, rule_t = CareFile._meta.db_table, CareMembership._meta.db_table, CareRule._meta.db_table
    out = []
    for c in vulnerable.CATEGORIES:
        anyof: list[str] = []
        params: list[Any] = []
        if c.tags:
            anyof.append(
                f"EXISTS (SELECT 1 FROM {tag_t} t WHERE t.person_id = p.id AND t.kind IN "
                f"({', '.join(['%s'] * len(c.tags))}) AND t.valid_from <= %s AND (t.valid_to IS NULL OR t.valid_to >= %s))"
            )
            params += [*c.tags, today, today]
        if c.care_groups:
            anyof.append(
                f"EXISTS (SELECT 1 FROM {file_t} f JOIN {mem_t} m ON m.file_id = f.id "
                f"JOIN {rule_t} r ON r.id = m.rule_id WHERE f.person_id = p.id AND f.closed_on IS NULL "
                f"AND m.until IS NULL AND r.code IN ({', '.join(['%s'] * len(c.care_groups))}))"
            )
            params += list(c.care_groups)
        if c.alone:
            anyof.append(
                f"(p.household_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {person_t} o WHERE "
                f"o.household_id = p.household_id AND o.id <> p.id AND o.status = %s AND NOT o.legacy_duplicate))"
            )
            params.append(PersonStatus.ACTIVE)
        parts = ["(" + " OR ".join(anyof) + ")"] if anyof else []
        after, on_or_before = vulnerable.birth_window(c, today)
        if after is not None:
            parts.append("p.birth_date > %s")
            params.append(after)
        if on_or_before is not None:
            parts.append("p.birth_date <= %s")
            params.append(on_or_before)
        if parts:
            out.append((c.key, c.priority, "(" + " AND ".join(parts) + ")", params))
    return out


def _candidate_sql(today: dt.date) -> tuple[str, list[Any]]:
    """One condition over person ``p`` true when the person is in any category — the categories folded
    into one EXISTS over tags, one over care groups and one living-alone test (each branch with its
    category's age window), as the benchmark's floor is written: the per-category flags are then
    computed only for the persons it lets through, not for everyone in the area."""
    from linli.care.models import CareFile, CareMembership, CareRule  # noqa: PLC0415 — table names only
    from linli.registry.models import PersonTag  # noqa: PLC0415 — table names only

    tag_t, person_t = PersonTag._meta.db_table, Person._meta.db_table
    file_t, mem_t, rule_t = CareFile._meta.db_table, CareMembership._meta.db_table, CareRule._meta.db_table
    bare: list[tuple[str, list[Any]]] = []
    by_tag: list[tuple[str, list[Any]]] = []
    by_group: list[tuple[str, list[Any]]] = []
    alone: list[tuple[str, list[Any]]] = []
    for c in vulnerable.CATEGORIES:
        after, on_or_before = vulnerable.birth_window(c, today)
        age = ["p.birth_date > %s"] * (after is not None) + ["p.birth_date <= %s"] * (
            on_or_before is not None
        )
        age_params: list[Any] = [d for d in (after, on_or_before) if d is not None]
        age_sql = " AND ".join(age) or "1 = 1"
        if c.tags:
            ph = ", ".join(["%s"] * len(c.tags))
            by_tag.append((f"(t.kind IN ({ph}) AND {age_sql})", [*c.tags, *age_params]))
        if c.care_groups:
            ph = ", ".join(["%s"] * len(c.care_groups))
            by_group.append((f"(r.code IN ({ph}) AND {age_sql})", [*c.care_groups, *age_params]))
        if c.alone:
            alone.append((f"({age_sql})", age_params))
        if not (c.tags or c.care_groups or c.alone):
            bare.append((f"({age_sql})", age_params))

    def any_of(terms: list[tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
        return "(" + " OR ".join(t for t, _ in terms) + ")", [p for _, ps in terms for p in ps]

    parts: list[tuple[str, list[Any]]] = list(bare)
    if by_tag:
        cond, ps = any_of(by_tag)
        parts.append(
            (
                f"EXISTS (SELECT 1 FROM {tag_t} t WHERE t.person_id = p.id AND t.valid_from <= %s "
                f"AND (t.valid_to IS NULL OR t.valid_to >= %s) AND {cond})",
                [today, today, *ps],
            )
        )
    if by_group:
        cond, ps = any_of(by_group)
        parts.append(
            (
                f"EXISTS (SELECT 1 FROM {file_t} f JOIN {mem_t} m ON m.file_id = f.id JOIN {rule_t} r "
                f"ON r.id = m.rule_id WHERE f.person_id = p.id AND f.closed_on IS NULL AND m.until IS NULL "
                f"AND {cond})",
                ps,
            )
        )
    if alone:
        cond, ps = any_of(alone)
        parts.append(
            (
                f"({cond} AND p.household_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {person_t} o "
                f"WHERE o.household_id = p.household_id AND o.id <> p.id AND o.status = %s "
                f"AND NOT o.legacy_duplicate))",
                [*ps, PersonStatus.ACTIVE],
            )
        )
    return any_of(parts) if parts else ("(1 = 0)", [])


def _responder_rows(communities: Sequence[Region]) -> list[tuple[int, int, int, int]]:
    """(grid id, k, account id, n): the grid workers of each grid, numbered for a balanced share."""
    by_grid: dict[int, list[int]] = {}
    qs = User.objects.filter(is_active=True, role=Role.GRID_WORKER, region__level=Level.GRID)
    q = Q(pk__in=[])
    for c in communities:
        q |= subtree_q(c.code, "region__code")
    for uid, rid in qs.filter(q).order_by("region_id", "id").values_list("id", "region_id"):
        by_grid.setdefault(rid, []).append(uid)
    return [(rid, k, uid, len(uids)) for rid, uids in by_grid.items() for k, uid in enumerate(uids)]


def checklist_build(event: Event) -> int:
    """Build the event's vulnerable-person list and assign it, set-based: one INSERT … SELECT over the
    persons of the area (the categories of ``engine.vulnerable``, highest priority first), the grid
    worker of the person's grid joined from a small table of (grid, k, account, n) so a grid's people
    are shared evenly among its workers; then one UPDATE gives the rest to the leader of the person's
    最小应急单元 (the building's, or its estate's), and what is left to the community's own workers.
    Returns the rows made (persons already listed are kept)."""
    communities = list(event.regions.all())
    if not communities:
        return 0
    today = timezone.localdate()
    cats = _category_sql(today)
    if not cats:
        return 0
    t = CheckItem._meta.db_table
    person_t, region_t = Person._meta.db_table, Region._meta.db_table
    house_t, unit_t, building_t = (
        Household._meta.db_table,
        EmergencyUnit._meta.db_table,
        Building._meta.db_table,
    )
    # the persons by their region key (the index on registry_person.region_id), not by a range join on
    # region codes that made the planner read the whole person table
    area_q = Q(pk__in=[])
    for c in communities:
        area_q |= subtree_q(c.code, "code")
    area_ids = list(Region.objects.filter(area_q).values_list("pk", flat=True))
    area = f"p.region_id IN ({', '.join(['%s'] * len(area_ids))})"
    candidate, candidate_params = _candidate_sql(today)
    matched = " OR ".join(f"x.c{i}" for i in range(len(cats)))
    flags = ", ".join(f"{sql} AS c{i}" for i, (_, _, sql, _) in enumerate(cats))
    flag_params = [p for _, _, _, ps in cats for p in ps]
    concat = " || ".join(
        f"(CASE WHEN x.c{i} THEN '{code},' ELSE '' END)" for i, (code, _, _, _) in enumerate(cats)
    )
    # the WHEN order follows priority (1 first); a flag's index is its place in the category list
    order = sorted(range(len(cats)), key=lambda i: cats[i][1])
    prio = "CASE " + " ".join(f"WHEN x.c{i} THEN {int(cats[i][1])}" for i in order) + " ELSE 99 END"
    responders = _responder_rows(communities)
    if responders:
        values = ", ".join(["(%s, %s, %s, %s)"] * len(responders))
        m_cte = f"m(grid_id, k, user_id, n) AS (VALUES {values})"
        m_params: list[Any] = [v for row in responders for v in row]
        m_join = "LEFT JOIN m ON m.grid_id = x.region_id AND m.k = (x.id %% m.n)"
        m_col = "m.user_id"
    else:
        m_cte, m_params, m_join, m_col = "", [], "", "NULL"
    materialized = "MATERIALIZED " if connection.vendor in ("postgresql", "sqlite") else ""
    x_cte = (
        # the building by a lookup per listed person (a join made PostgreSQL hash the whole household table)
        f"x AS {materialized}(SELECT p.id, p.region_id, SUBSTR(r.code, 1, 12) AS cc, "
        f"(SELECT h.building_id FROM {house_t} h WHERE h.id = p.household_id) AS building_id, {flags} "
        f"FROM {person_t} p JOIN {region_t} r ON r.id = p.region_id "
        f"WHERE p.status = %s AND {area} AND {candidate})"
    )
    ctes = ", ".join(c for c in (m_cte, x_cte) if c)
    sql = (
        f"WITH {ctes} "
        f"INSERT INTO {t} (event_id, person_id, region_id, community_code, building_id, categories, priority, "
        f"assignee_id, status, case_number, note) "
        f"SELECT %s, x.id, x.region_id, x.cc, x.building_id, {concat}, {prio}, {m_col}, %s, '', '' "
        # persons already listed are kept by the (event, person) unique index, row by row: a NOT EXISTS
        # here was planned, on a check-list table whose statistics still said empty, as a scan of the
        # whole table for every row inserted (half an hour for 146 000 persons)
        f"FROM x {m_join} WHERE ({matched}) ON CONFLICT (event_id, person_id) DO NOTHING"
    )
    params = [
        *m_params,
        *flag_params,
        PersonStatus.ACTIVE,
        *area_ids,
        *candidate_params,
        event.pk,
        CheckStatus.PENDING,
    ]
    with transaction.atomic(), connection.cursor() as cur:
        before = CheckItem.objects.filter(event=event).count()  # rowcount of WITH … INSERT is -1 on SQLite
        cur.execute(sql, params)
        made = CheckItem.objects.filter(event=event).count() - before
        # no grid worker: the leader of the building's (or its estate's) 最小应急单元
        cur.execute(
            f"UPDATE {t} SET assignee_id = (SELECT u.leader_id FROM {unit_t} u WHERE u.active "
            f"AND u.leader_id IS NOT NULL AND (u.building_id = {t}.building_id OR u.building_id = "
            f"(SELECT b.parent_id FROM {building_t} b WHERE b.id = {t}.building_id)) ORDER BY u.id LIMIT 1) "
            f"WHERE event_id = %s AND assignee_id IS NULL AND building_id IS NOT NULL",
            [event.pk],
        )
        # neither: the community's own workers, shared evenly — nobody is left without a responder
        staff = _community_staff_rows(communities)
        if staff:
            values = ", ".join(["(%s, %s, %s, %s)"] * len(staff))
            cur.execute(
                f"WITH s(code, k, user_id, n) AS (VALUES {values}) "
                f"UPDATE {t} SET assignee_id = (SELECT s.user_id FROM s WHERE s.code = {t}.community_code "
                f"AND s.k = ({t}.id %% s.n)) WHERE event_id = %s AND assignee_id IS NULL",
                [v for row in staff for v in row] + [event.pk],
            )
    return int(made)


def _community_staff_rows(communities: Sequence[Region]) -> list[tuple[str, int, int, int]]:
    """(community code, k, account id, n): the community workers of each community, numbered."""
    by_c: dict[str, list[int]] = {}
    qs = User.objects.filter(is_active=True, role=Role.COMMUNITY_WORKER, region__in=communities)
    for uid, code in qs.order_by("region__code", "id").values_list("id", "region__code"):
        by_c.setdefault(code, []).append(uid)
    return [(code, k, uid, len(uids)) for code, uids in by_c.items() for k, uid in enumerate(uids)]


def _help_category() -> Any:
    from linli.cases.models import Category  # noqa: PLC0415 — read only when a person needs help

    return (
        Category.objects.filter(active=True, code__contains="social_assistance").order_by("code").first()
        or Category.objects.filter(active=True).order_by("code").first()
    )


def check_mark(
    *, by: User, item: CheckItem, status: str, shelter: Facility | None = None, note: str = ""
) -> CheckItem:
    """A responder's finding for one person: safe, moved to a shelter (which), or needs help — the last
    opens a request (诉求) for the person, flagged as raised during the event."""
    if status not in (CheckStatus.SAFE, CheckStatus.SHELTERED, CheckStatus.NEEDS_HELP):
        raise invalid("status", "请选择平安、已转移安置或需要帮助", "emergency.check_status_invalid")
    region = Region.objects.get(pk=item.region_id)
    if item.assignee_id != by.pk and not (effective_role(by) in KEEPERS and region_in_scope(by, region)):
        raise Forbidden("只有分配的核查人或本社区工作人员可以登记核查结果", code="emergency.not_assignee")
    if status == CheckStatus.SHELTERED and shelter is None:
        raise invalid("shelter", "请选择安置到哪个避难场所", "emergency.shelter_required")
    note = note.strip()
    if status == CheckStatus.NEEDS_HELP and not note:
        raise invalid("note", "请说明需要什么帮助", "emergency.note_required")
    event = Event.objects.get(pk=item.event_id)
    if event.status != EventStatus.ACTIVE:
        raise Conflict("status", "该响应已结束", code="emergency.event_ended")
    from linli.cases.services import case_create  # noqa: PLC0415 — the requests module, called on need only

    with transaction.atomic():
        number = item.case_number
        if status == CheckStatus.NEEDS_HELP and not number:
            person = Person.objects.select_related("household").get(pk=item.person_id)
            category = _help_category()
            case = case_create(
                by=by,
                category=category,
                description=f"【{event.title}】重点人员核查：{person.name} 需要帮助。{note}",
                channel="patrol",
                building_id=item.building_id,
                reporter_name=_name(by),
                grid=region.code if region.level == Level.GRID else "",
            )
            number = case.number
        CheckItem.objects.filter(pk=item.pk).update(
            status=status,
            shelter=shelter if status == CheckStatus.SHELTERED else None,
            note=note[:300],
            case_number=number,
            checked_at=timezone.now(),
            checked_by=by,
        )
        if status == CheckStatus.NEEDS_HELP:
            _log(event, LogKind.CHECK, f"重点人员需要帮助，已转诉求 {number}（{_name(by)}）", by)
    item.refresh_from_db()
    return item


# --- shelters -------------------------------------------------------------------------------------


def shelter_setup(*, by: User, facility: Facility, capacity: int, is_open: bool = False) -> Shelter:
    """Take a facility of type shelter into use with its capacity (or change it, not below occupancy)."""
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以管理避难场所")
    _in_scope(by, facility.region, "facility")
    if facility.type.code != "shelter":
        raise invalid("facility", "只有“应急避难场所”类设施可以登记为避难场所", "emergency.not_shelter")
    if capacity <= 0:
        raise invalid("capacity", "容纳人数须大于 0", "emergency.capacity_invalid")
    with transaction.atomic():
        shelter, made = Shelter.objects.get_or_create(
            facility=facility, defaults={"capacity": capacity, "is_open": is_open}
        )
        if not made:
            n = Shelter.objects.filter(pk=shelter.pk, occupancy__lte=capacity).update(
                capacity=capacity, is_open=is_open
            )
            if n == 0:
                raise invalid("capacity", "容纳人数不能少于在场人数", "emergency.capacity_invalid")
    shelter.refresh_from_db()
    return shelter


def shelter_checkin(
    *,
    by: User,
    shelter: Shelter,
    persons: Sequence[Person] = (),
    household: Household | None = None,
    event: Event | None = None,
) -> list[ShelterStay]:
    """Check persons (or a whole household's active members) in: one conditional UPDATE takes the
    places, so a full shelter refuses the whole group whatever checks in at the same moment."""
    _require(by, STAFF, "只有工作人员可以办理入住")
    group = list(persons)
    if household is not None:
        group += list(Person.objects.filter(household=household, status=PersonStatus.ACTIVE).order_by("id"))
    group = list({p.pk: p for p in group}.values())
    if not group:
        raise invalid("persons", "请选择入住的人员或户", "emergency.persons_required")
    _in_scope(by, shelter.facility.region, "shelter")  # people come from anywhere: the shelter is ours
    if event is None:
        event = (
            Event.objects.filter(status=EventStatus.ACTIVE, regions__code=shelter.facility.region.code[:12])
            .order_by("-started_at")
            .first()
        )
    n = len(group)
    with transaction.atomic():
        taken = Shelter.objects.filter(pk=shelter.pk, is_open=True, occupancy__lte=F("capacity") - n).update(
            occupancy=F("occupancy") + n
        )
        if taken == 0:
            shelter.refresh_from_db()
            if not shelter.is_open:
                raise Conflict("shelter", "该避难场所未开放", code="emergency.shelter_closed")
            left = shelter.capacity - shelter.occupancy
            raise Conflict(
                "shelter", f"避难场所已满（剩余 {left} 个位置，需要 {n} 个）", code="emergency.shelter_full"
            )
        try:
            with transaction.atomic():
                stays = ShelterStay.objects.bulk_create(
                    [
                        ShelterStay(
                            shelter=shelter,
                            person=p,
                            household_id=p.household_id,
                            region_id=p.region_id,
                            event=event,
                            by=by,
                        )
                        for p in group
                    ]
                )
        except IntegrityError as exc:
            raise Conflict(
                "persons", "其中有人已在避难场所登记入住", code="emergency.already_checked_in"
            ) from exc
        if event is not None:
            CheckItem.objects.filter(event=event, person__in=group).update(
                status=CheckStatus.SHELTERED,
                shelter=shelter.facility,
                checked_at=timezone.now(),
                checked_by=by,
            )
            _log(event, LogKind.SHELTER, f"{shelter.facility.name} 入住 {n} 人", by)
    shelter.refresh_from_db()
    return stays


def shelter_checkout(*, by: User, stay: ShelterStay) -> ShelterStay:
    _require(by, STAFF, "只有工作人员可以办理离开")
    with transaction.atomic():
        n = ShelterStay.objects.filter(pk=stay.pk, checked_out_at__isnull=True).update(
            checked_out_at=timezone.now()
        )
        if n == 0:
            raise Conflict("stay", "已办理离开", code="emergency.already_checked_out")
        Shelter.objects.filter(pk=stay.shelter_id, occupancy__gt=0).update(occupancy=F("occupancy") - 1)
    stay.refresh_from_db()
    return stay


# --- supplies -------------------------------------------------------------------------------------


def store_create(*, by: User, region: Region, name: str, address: str = "") -> SupplyStore:
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以管理物资")
    _in_scope(by, region)
    if not name.strip():
        raise invalid("name", "请填写储备点名称", "emergency.name_required")
    with transaction.atomic():
        return SupplyStore.objects.create(
            region=region, name=name.strip()[:80], address=address.strip()[:200]
        )


def _qty(quantity: int) -> int:
    if not isinstance(quantity, int) or quantity <= 0:
        raise invalid("quantity", "数量须为正整数", "emergency.quantity_invalid")
    return quantity


def supply_receive(
    *,
    by: User,
    store: SupplyStore,
    name: str,
    unit: str,
    quantity: int,
    expires_on: dt.date | None = None,
    note: str = "",
) -> Supply:
    """入库: add to the batch of this name and expiry (made on first receipt)."""
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以管理物资")
    _in_scope(by, store.region, "store")
    quantity = _qty(quantity)
    name, unit = name.strip(), unit.strip()
    if not name:
        raise invalid("name", "请填写物资名称", "emergency.name_required")
    if not unit:
        raise invalid("unit", "请填写单位", "emergency.unit_required")
    with transaction.atomic():
        supply, _ = Supply.objects.get_or_create(
            store=store, name=name[:60], expires_on=expires_on, defaults={"unit": unit[:8]}
        )
        Supply.objects.filter(pk=supply.pk).update(quantity=F("quantity") + quantity)
        SupplyMovement.objects.create(
            supply=supply, kind=MovementKind.RECEIVED, quantity=quantity, note=note[:200], by=by
        )
    supply.refresh_from_db()
    return supply


def supply_issue(
    *,
    by: User,
    supply: Supply,
    quantity: int,
    shelter: Shelter | None = None,
    household: Household | None = None,
    event: Event | None = None,
    note: str = "",
) -> SupplyMovement:
    """发放 to a shelter or a household: one conditional UPDATE, so stock never goes below zero."""
    _require(by, KEEPERS | {Role.GRID_WORKER}, "只有工作人员可以发放物资")
    _in_scope(by, supply.store.region, "supply")
    quantity = _qty(quantity)
    if (shelter is None) == (household is None):
        raise invalid("to", "请选择发往的避难场所或住户（二选一）", "emergency.issue_target")
    if supply.expires_on is not None and supply.expires_on < timezone.localdate():
        raise invalid("supply", "该批物资已过期，不能发放", "emergency.supply_expired")
    with transaction.atomic():
        n = Supply.objects.filter(pk=supply.pk, quantity__gte=quantity).update(
            quantity=F("quantity") - quantity
        )
        if n == 0:
            supply.refresh_from_db()
            raise Conflict(
                "quantity",
                f"库存不足：{supply.name}仅剩 {supply.quantity}{supply.unit}",
                code="emergency.supply_short",
            )
        mv = SupplyMovement.objects.create(
            supply=supply,
            kind=MovementKind.ISSUED,
            quantity=quantity,
            shelter=shelter,
            household=household,
            event=event,
            note=note[:200],
            by=by,
        )
        if event is not None:
            to = shelter.facility.name if shelter is not None else "住户"
            _log(event, LogKind.SUPPLY, f"发放{supply.name} {quantity}{supply.unit} 到{to}", by)
    supply.refresh_from_db()
    return mv


def supply_return(*, by: User, supply: Supply, quantity: int, note: str = "") -> SupplyMovement:
    """归还: what comes back from a shelter or household goes back on hand."""
    _require(by, KEEPERS | {Role.GRID_WORKER}, "只有工作人员可以登记归还")
    _in_scope(by, supply.store.region, "supply")
    quantity = _qty(quantity)
    with transaction.atomic():
        Supply.objects.filter(pk=supply.pk).update(quantity=F("quantity") + quantity)
        mv = SupplyMovement.objects.create(
            supply=supply, kind=MovementKind.RETURNED, quantity=quantity, note=note[:200], by=by
        )
    supply.refresh_from_db()
    return mv


# --- drills ---------------------------------------------------------------------------------------


def drill_record(
    *,
    by: User,
    region: Region,
    held_on: dt.date,
    hazard: str,
    scenario: str,
    participants: int,
    findings: str = "",
) -> Drill:
    _require(by, KEEPERS, "只有社区、街道和区的工作人员可以登记演练")
    _community(by, region)
    if hazard not in Hazard.values:
        raise invalid("hazard", "请选择灾种", "emergency.hazard_unknown")
    if held_on > timezone.localdate():
        raise invalid("held_on", "演练日期不能晚于今天", "emergency.date_future")
    if not scenario.strip():
        raise invalid("scenario", "请填写演练科目", "emergency.scenario_required")
    if participants <= 0:
        raise invalid("participants", "参与人数须大于 0", "emergency.participants_invalid")
    with transaction.atomic():
        return Drill.objects.create(
            region=region,
            held_on=held_on,
            hazard=hazard,
            scenario=scenario.strip()[:200],
            participants=participants,
            findings=findings.strip(),
            by=by,
        )


def validation_fields(exc: ValidationError) -> list[str]:
    return list(getattr(exc, "error_dict", {}).keys())
