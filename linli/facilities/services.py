"""Writes of the facilities module: create, update and status of a facility, imports, attestations.

Every function is keyword-only, runs in one transaction, checks the actor's data scope through
``linli.core.scope`` (community workers their community, street and district accounts their
subtree) and raises ``ValidationError`` with Chinese messages naming the field, each with a stable
code (``facility.required``, ``facility.region_unknown`` … see ``clean``); a role that may not keep
facilities gets ``NotEditor`` (403, ``facility.not_editor``). Coordinates are stored in WGS-84; input
in GCJ-02 (高德/腾讯) or BD-09 (百度) is converted here, at the edge.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import prcoords
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from linli.core.imports import ImportOutcome, Rollback, import_finish
from linli.core.models import AuditAction, User
from linli.core.roles import Role, effective_role
from linli.core.scope import OutOfScope, region_in_scope, require_object_in_scope, scoped
from linli.core.services import audit_record
from linli.core.tabular import Column, ErrorReport, TableError, read_table
from linli.facilities.engine import hours as hours_engine
from linli.facilities.engine.checklist import ITEM_TITLES, MANUAL_ITEMS
from linli.facilities.models import ChecklistAttestation, Facility, FacilityStatus, FacilityType
from linli.regions.models import Level, Region
from linli.registry.models import Organisation

# Who keeps facilities: community workers their community; street/town and district accounts their subtree.
FACILITY_EDITORS: frozenset[str] = frozenset(
    {Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
FACILITY_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID)
CHINA_BOX = (3.8, 53.6, 73.5, 135.1)  # lat min/max, lon min/max
COORD_SYSTEMS = {"wgs84": "WGS-84（GPS、天地图）", "gcj02": "GCJ-02（高德、腾讯）", "bd09": "BD-09（百度）"}
COORD_ALIASES = {
    "": "wgs84",
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "gps": "wgs84",
    "天地图": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "百度": "bd09",
}
AREA_FIELDS = ("building_area", "activity_area", "office_area", "commercial_area", "land_area")
STATUS_BY_LABEL = {label: value for value, label in FacilityStatus.choices}
STATUS_RULE = "应为 " + "、".join(FacilityStatus.labels) + " 之一"

LABELS: dict[str, str] = {
    "code": "编码",
    "name": "名称",
    "type": "类型",
    "region_code": "所在区划代码",
    "address": "地址",
    "lat": "纬度",
    "lon": "经度",
    "coord_system": "坐标系",
    "building_area": "总建筑面积（㎡）",
    "activity_area": "居民活动区域面积（㎡）",
    "office_area": "办公区域面积（㎡）",
    "commercial_area": "商业及综合服务面积（㎡）",
    "land_area": "用地面积（㎡）",
    "opening_hours": "开放时间",
    "operator_name": "运营单位",
    "status": "状态",
    "opened_on": "投用日期",
    **{f"hours_{d}": f"{label}开放时间" for d, label in hours_engine.WEEKDAYS.items()},
}


class NotEditor(OutOfScope):
    """The account's role does not keep facilities (403 with a code of its own)."""

    def __init__(self, message: str = "本账号的角色不能登记或修改服务设施") -> None:
        super().__init__(message)
        self.code = "facility.not_editor"


def can_edit(user: User | Any) -> bool:
    return bool(user.is_authenticated and effective_role(user) in FACILITY_EDITORS)


def require_editor(user: User | Any) -> None:
    if not can_edit(user):
        raise NotEditor()


# --- cleaning ------------------------------------------------------------------------------------

# One problem of the input: (field, message, stable code).
Problem = tuple[str, str, str]


class _Bad(ValueError):
    """A value that is not what the field takes, with the code of the rule it breaks."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip().replace(",", "").replace("，", "").removesuffix("㎡").removesuffix("平方米")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _Bad("应为数字", "facility.not_a_number") from None
    if not value.is_finite():
        raise _Bad("应为数字", "facility.not_a_number")
    if value < 0:
        raise _Bad("不能为负数", "facility.negative_area")
    if value >= Decimal("1e8"):
        raise _Bad("数值过大", "facility.too_large")
    return value.quantize(Decimal("0.01"))


def _float(text: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise _Bad("应为数字", "facility.not_a_number") from None


def to_wgs84(lat: float, lon: float, system: str) -> tuple[float, float]:
    """(lat, lon) in ``system`` (wgs84/gcj02/bd09) → WGS-84, rounded to about 1 cm."""
    if system == "gcj02":
        c = prcoords.gcj_wgs_bored(prcoords.Coords(lat, lon))
        lat, lon = c.lat, c.lon
    elif system == "bd09":
        c = prcoords.bd_wgs_bored(prcoords.Coords(lat, lon))
        lat, lon = c.lat, c.lon
    return round(lat, 7), round(lon, 7)


def facility_type_of(text: str) -> FacilityType | None:
    text = (text or "").strip()
    if not text:
        return None
    return FacilityType.objects.filter(Q(code=text) | Q(name=text), active=True).first()


def clean(data: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Check one facility's input (texts, as a form or a spreadsheet row gives them). No database access
    except the type catalogue. Returns (clean values, [(field, message, code)])."""
    problems: list[Problem] = []
    out: dict[str, Any] = {}

    def text(key: str, limit: int, required: bool = False) -> str:
        v = str(data.get(key) or "").strip()
        if required and not v:
            problems.append((key, "必填", "facility.required"))
        if len(v) > limit:
            problems.append((key, f"最长 {limit} 个字", "facility.too_long"))
        return v

    out["code"] = text("code", 40)
    out["name"] = text("name", 120, required=True)
    out["address"] = text("address", 200)
    out["operator_name"] = text("operator_name", 120)
    out["region_code"] = text("region_code", 15, required=True)
    type_text = text("type", 60, required=True)
    out["type"] = facility_type_of(type_text) if type_text else None
    if type_text and out["type"] is None:
        problems.append(("type", f"“{type_text}”不是已启用的设施类型", "facility.unknown_type"))
    for key in AREA_FIELDS:
        try:
            out[key] = _decimal(str(data.get(key) or ""))
        except _Bad as exc:
            problems.append((key, str(exc), exc.code))
            out[key] = None
    parts = [out[k] for k in ("activity_area", "office_area", "commercial_area") if out[k] is not None]
    if out["building_area"] is not None and parts and sum(parts) > out["building_area"]:
        total = (
            f"居民活动、办公、商业面积之和 {sum(parts):,.2f}㎡ 超过总建筑面积 {out['building_area']:,.2f}㎡"
        )
        problems.append(("building_area", total, "facility.areas_exceed_building"))
    system = COORD_ALIASES.get(str(data.get("coord_system") or "").strip().lower())
    if system is None:
        rule = "应为 WGS-84、GCJ-02（高德/腾讯）或 BD-09（百度）"
        problems.append(("coord_system", rule, "facility.unknown_coord_system"))
        system = "wgs84"
    lat = lon = None
    try:
        lat = _float(str(data.get("lat") or ""))
    except _Bad as exc:
        problems.append(("lat", str(exc), exc.code))
    try:
        lon = _float(str(data.get("lon") or ""))
    except _Bad as exc:
        problems.append(("lon", str(exc), exc.code))
    if (lat is None) != (lon is None) and not any(p[0] in ("lat", "lon") for p in problems):
        problems.append(("lat" if lat is None else "lon", "经度和纬度应同时填写", "facility.lat_lon_pair"))
        lat = lon = None
    if lat is not None and lon is not None:
        if not (CHINA_BOX[0] <= lat <= CHINA_BOX[1]):
            where = f"{lat} 不在中国境内（纬度应在 3.8–53.6 之间；是否把经纬度填反了？）"
            problems.append(("lat", where, "facility.outside_china"))
        elif not (CHINA_BOX[2] <= lon <= CHINA_BOX[3]):
            problems.append(
                ("lon", f"{lon} 不在中国境内（经度应在 73.5–135.1 之间）", "facility.outside_china")
            )
        else:
            lat, lon = to_wgs84(lat, lon, system)
    out["lat"], out["lon"] = lat, lon
    status_text = str(data.get("status") or "").strip()
    if not status_text:
        out["status"] = FacilityStatus.OPEN
    elif status_text in FacilityStatus.values:
        out["status"] = status_text
    elif status_text in STATUS_BY_LABEL:
        out["status"] = STATUS_BY_LABEL[status_text]
    else:
        problems.append(("status", STATUS_RULE, "facility.unknown_status"))
        out["status"] = FacilityStatus.OPEN
    opened = str(data.get("opened_on") or "").strip()
    out["opened_on"] = None
    if opened:
        try:
            out["opened_on"] = dt.date.fromisoformat(opened[:10])
        except ValueError:
            problems.append(("opened_on", "日期格式应为 YYYY-MM-DD", "facility.bad_date"))
    if isinstance(data.get("opening_hours"), dict) and data["opening_hours"]:
        try:
            out["opening_hours"] = hours_engine.normalise(data["opening_hours"])
        except hours_engine.HoursError as exc:
            problems.append(("opening_hours", str(exc), "facility.bad_hours"))
            out["opening_hours"] = {}
    else:
        week, errors = hours_engine.parse_week(
            {d: str(data.get(f"hours_{d}") or "") for d in hours_engine.WEEKDAYS}
        )
        problems += [(f"hours_{d}", msg.split("：", 1)[1], "facility.bad_hours") for d, msg in errors.items()]
        out["opening_hours"] = week
    return out, problems


def _raise(problems: list[Problem]) -> None:
    if problems:
        errors: dict[str, list[ValidationError]] = {}
        for key, msg, code in problems:
            errors.setdefault(key, []).append(ValidationError(f"{LABELS.get(key, key)}：{msg}", code=code))
        raise ValidationError(errors)


def _refuse(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _region(code: str, by: User) -> Region:
    """The facility's region: a street, community or grid within ``by``'s scope (out of scope reads
    exactly like absent)."""
    region = Region.objects.current().filter(code=code, level__in=FACILITY_LEVELS).first()
    if region is None or not region_in_scope(by, region):
        raise _refuse(
            "region_code",
            f"所在区划代码：找不到街道/乡镇、社区/村或网格 {code}，或不在本账号的数据范围内",
            "facility.region_unknown",
        )
    return region


def operator_for(name: str, region: Region) -> Organisation | None:
    """The registered organisation of that name in the facility's region, an ancestor or its community."""
    if not name:
        return None
    codes = [*region.ancestors_codes(), region.code]
    return (
        Organisation.objects.filter(name=name)
        .filter(Q(region__code__in=codes) | Q(region__code__startswith=region.code[:12]))
        .order_by("region__code")
        .first()
    )


def _next_code(region: Region) -> str:
    base = f"{region.code[:12]}F"
    taken = set(Facility.objects.filter(code__startswith=base).values_list("code", flat=True))
    n = len(taken) + 1
    while f"{base}{n:04d}" in taken:
        n += 1
    return f"{base}{n:04d}"


def _apply(f: Facility, c: dict[str, Any], region: Region) -> None:
    f.name, f.type, f.region = c["name"], c["type"], region
    f.address, f.lat, f.lon = c["address"], c["lat"], c["lon"]
    for key in AREA_FIELDS:
        setattr(f, key, c[key])
    f.opening_hours = c["opening_hours"]
    summary = hours_engine.summarise(f.opening_hours)
    f.hours_per_week = Decimal(str(summary.weekly)).quantize(Decimal("0.01")) if f.opening_hours else None
    f.short_days = len(summary.short_days)
    f.operator_name = c["operator_name"]
    f.operator = operator_for(c["operator_name"], region)
    f.status = c["status"]
    f.opened_on = c["opened_on"]


TRACKED = (
    "name",
    "type_id",
    "region_id",
    "address",
    "lat",
    "lon",
    *AREA_FIELDS,
    "opening_hours",
    "operator_name",
    "status",
    "opened_on",
)


def _snapshot(f: Facility) -> dict[str, str]:
    return {k: str(getattr(f, k)) for k in TRACKED}


def facility_create(*, by: User, data: dict[str, Any], source: str = "") -> Facility:
    require_editor(by)
    c, problems = clean(data)
    _raise(problems)
    region = _region(c["region_code"], by)
    with transaction.atomic():
        if c["code"] and Facility.objects.filter(code=c["code"]).exists():
            raise _refuse("code", "编码：已存在", "facility.code_taken")
        f = Facility(code=c["code"] or _next_code(region), source=source)
        _apply(f, c, region)
        f.full_clean()
        f.save()
        audit_record(actor=by, action=AuditAction.CREATE, subject=f)
    return f


def facility_update(*, by: User, facility: Facility, data: dict[str, Any]) -> Facility:
    """Replace the facility's fields with ``data`` (the code stays)."""
    require_editor(by)
    require_object_in_scope(by, facility)
    c, problems = clean(data)
    _raise(problems)
    region = _region(c["region_code"], by)
    with transaction.atomic():
        f = Facility.objects.select_for_update().get(pk=facility.pk)
        before = _snapshot(f)
        _apply(f, c, region)
        f.full_clean()
        f.save()
        after = _snapshot(f)
        changed = {k: [before[k], after[k]] for k in TRACKED if before[k] != after[k]}
        if changed:
            audit_record(actor=by, action=AuditAction.UPDATE, subject=f, detail={"changed": changed})
    return f


def facility_set_status(*, by: User, facility: Facility, status: str, note: str = "") -> Facility:
    require_editor(by)
    require_object_in_scope(by, facility)
    if status not in FacilityStatus.values:
        raise _refuse("status", f"状态：{STATUS_RULE}", "facility.unknown_status")
    with transaction.atomic():
        f = Facility.objects.select_for_update().get(pk=facility.pk)
        if f.status != status:
            old = f.status
            f.status = status
            f.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=by,
                action=AuditAction.UPDATE,
                subject=f,
                field="status",
                reason=note[:500],
                detail={"changed": {"status": [old, status]}},
            )
    return f


def facility_as_data(f: Facility) -> dict[str, Any]:
    """The facility as the form's texts (for editing)."""
    data: dict[str, Any] = {
        "code": f.code,
        "name": f.name,
        "type": f.type.code,
        "region_code": f.region.code,
        "address": f.address,
        "lat": "" if f.lat is None else str(f.lat),
        "lon": "" if f.lon is None else str(f.lon),
        "coord_system": "wgs84",
        "operator_name": f.operator_name,
        "status": f.status,
        "opened_on": f.opened_on.isoformat() if f.opened_on else "",
    }
    for key in AREA_FIELDS:
        v = getattr(f, key)
        data[key] = "" if v is None else f"{v.normalize():f}"
    for d in hours_engine.WEEKDAYS:
        data[f"hours_{d}"] = hours_engine.day_text(f.opening_hours or {}, d)
    return data


# --- attestations (人工确认) -------------------------------------------------------------------------


def attestation_record(
    *, by: User, region: Region, item: int, met: bool, evidence: str, on: dt.date | None = None
) -> ChecklistAttestation:
    """Record a community's statement on a checklist item no data can answer."""
    require_editor(by)
    if region.level != Level.COMMUNITY:
        raise _refuse("region", "只能为社区/村确认", "facility.attestation_not_community")
    if not region_in_scope(by, region):
        raise OutOfScope(f"{region.name}（{region.code}）不在本账号的数据范围内")
    if item not in MANUAL_ITEMS:
        raise _refuse(
            "item", f"标准条目：第 {item} 项由数据判断，不能人工确认", "facility.attestation_item_automatic"
        )
    evidence = (evidence or "").strip()
    if len(evidence) < 4:
        raise _refuse(
            "evidence",
            "依据说明：请写明依据（如会议纪要、公约文号），至少 4 个字",
            "facility.attestation_evidence_short",
        )
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise _refuse("attested_on", "确认日期：不能晚于今天", "facility.attestation_in_future")
    with transaction.atomic():
        a = ChecklistAttestation.objects.create(
            region=region,
            item=item,
            met=met,
            attested_on=on,
            attested_by=by,
            attested_by_name=(by.display_name or by.get_username())[:64],
            evidence=evidence[:500],
        )
        audit_record(
            actor=by,
            action=AuditAction.CREATE,
            subject=a,
            subject_label=f"{region.name} 完整社区第{item}项（{ITEM_TITLES[item]}）人工确认",
        )
    return a


# --- import and export ---------------------------------------------------------------------------

COLUMNS = [
    Column("code", "编码", False, "全局唯一；留空则自动生成", ""),
    Column("name", "名称", True, "", "万福社区党群服务中心"),
    Column("type", "类型", True, "设施类型名称或编码，见“设施类型”页", "社区综合服务设施"),
    Column(
        "region_code", "所在区划代码", True, "12 位社区/村代码、15 位网格编码或 9 位街道代码", "350504001001"
    ),
    Column("address", "地址", False, "", "万安街道万福路 8 号"),
    Column("lat", "纬度", False, "", "24.9612"),
    Column("lon", "经度", False, "", "118.6705"),
    Column("coord_system", "坐标系", False, "WGS-84（默认）、GCJ-02（高德/腾讯）或 BD-09（百度）", "WGS-84"),
    Column("building_area", "总建筑面积", False, "㎡，不能为负", "850"),
    Column("activity_area", "居民活动区域面积", False, "㎡；活动、办公、商业面积之和不超过总建筑面积", "560"),
    Column("office_area", "办公区域面积", False, "㎡", "120"),
    Column("commercial_area", "商业及综合服务面积", False, "㎡", "80"),
    Column("land_area", "用地面积", False, "㎡", ""),
    *[
        Column(
            f"hours_{d}",
            f"{label}开放时间",
            False,
            "如 08:30-12:00, 14:30-18:00；留空或“休息”表示不开放",
            "08:30-12:00, 14:30-18:00" if d <= 5 else "09:00-17:00",
        )
        for d, label in hours_engine.WEEKDAYS.items()
    ],
    Column("operator_name", "运营单位", False, "已登记的组织名称会自动关联", ""),
    Column("status", "状态", False, "、".join(FacilityStatus.labels) + "；默认运营中", "运营中"),
    Column("opened_on", "投用日期", False, "YYYY-MM-DD", "2021-06-01"),
]
HEADERS = {c.key: c.header for c in COLUMNS}


def facilities_import(*, raw: IO[bytes], filename: str, by: User, dry_run: bool = False) -> ImportOutcome:
    """Import facilities from .xlsx or .csv (template ``COLUMNS``): every row is checked, and the file
    lands whole or not at all; the error report names row and column. Codes must be new."""
    require_editor(by)
    started, t0 = timezone.now(), time.perf_counter()
    report = ErrorReport.for_columns(COLUMNS)
    regions = dict(
        scoped(Region.objects.current().filter(level__in=FACILITY_LEVELS), by).values_list("code", "pk")
    )
    by_region: dict[str, int] = {}
    seen: dict[str, int] = {}
    rows = created = 0
    try:
        with transaction.atomic():
            try:
                parsed = list(read_table(raw, COLUMNS, filename))
            except TableError as exc:
                report.add(1, "", str(exc))
                parsed = []
            codes = [r.get("code", "") for _, r in parsed if r.get("code")]
            taken = set(Facility.objects.filter(code__in=codes).values_list("code", flat=True))
            for n, row in parsed:
                rows += 1
                c, problems = clean(row)
                for key, msg, _code in problems:
                    report.add(n, HEADERS.get(key, LABELS.get(key, key)), msg, row.get(key, ""))
                code = c["code"]
                if code:
                    if code in seen:
                        report.add(n, HEADERS["code"], f"与文件第 {seen[code]} 行重复", code)
                    seen.setdefault(code, n)
                    if code in taken:
                        report.add(n, HEADERS["code"], "编码已存在", code)
                region_id = regions.get(c["region_code"])
                if c["region_code"] and region_id is None:  # out of scope reads exactly like absent
                    report.add(
                        n,
                        HEADERS["region_code"],
                        "找不到该街道、社区/村或网格，或不在本账号的数据范围内",
                        c["region_code"],
                    )
                if report:
                    continue
                by_region[c["region_code"]] = by_region.get(c["region_code"], 0) + 1
                created += 1
                if dry_run:
                    continue
                region = Region.objects.get(pk=region_id or 0)
                f = Facility(code=code or _next_code(region), source="import")
                _apply(f, c, region)
                f.save()
            if rows == 0 and not report:
                report.add(2, "", "文件中没有数据行")
            if report or dry_run:
                raise Rollback
    except Rollback:
        pass
    return import_finish(
        kind="facilities",
        label="服务设施",
        filename=filename,
        by=by,
        dry_run=dry_run,
        report=report,
        rows=rows,
        created=created,
        by_region=by_region,
        started=started,
        t0=t0,
    )


def export_rows(facilities: Iterable[Facility]) -> Iterable[list[Any]]:
    """Rows in the import template's column order (so an export can be edited and imported elsewhere)."""
    status_label = dict(FacilityStatus.choices)
    for f in facilities:
        yield [
            f.code,
            f.name,
            f.type.name,
            f.region.code,
            f.address,
            f.lat,
            f.lon,
            "WGS-84",
            *[None if getattr(f, k) is None else float(getattr(f, k)) for k in AREA_FIELDS],
            *[hours_engine.day_text(f.opening_hours or {}, d) for d in hours_engine.WEEKDAYS],
            f.operator_name,
            status_label.get(f.status, f.status),
            f.opened_on.isoformat() if f.opened_on else "",
        ]
