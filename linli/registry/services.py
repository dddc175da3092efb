"""Writes of the registry: persons, households, buildings, tags, organisations, staff; imports.

Every function is keyword-only, runs in one transaction, checks the actor's data scope through
``linli.core.scope`` and raises ``ValidationError`` with Chinese messages naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from linli.core.bulk import insert_rows
from linli.core.engine import idnumber
from linli.core.errors import Conflict
from linli.core.imports import ImportOutcome, Rollback, import_finish
from linli.core.models import AuditAction, User
from linli.core.personal import blind_lookup, cipher
from linli.core.roles import REGISTRY_WRITERS
from linli.core.scope import (
    OutOfScope,
    region_in_scope,
    require_object_in_scope,
    require_region_in_scope,
    scoped,
)
from linli.core.services import audit_record
from linli.core.tabular import Column, ErrorReport, TableError, read_table
from linli.regions.models import Level, Region
from linli.registry.engine import rows as rowcheck
from linli.registry.models import (
    ETHNICITIES,
    Building,
    BuildingKind,
    Household,
    Person,
    PersonStatus,
    PersonTag,
    TagKind,
)

ETHNICITY_SET = frozenset(ETHNICITIES)
PARENT_KINDS = (BuildingKind.ESTATE, BuildingKind.NATURAL_VILLAGE)  # what a 楼栋 may belong to


def _raise(problems: list[tuple[str, str]], labels: dict[str, str]) -> None:
    if problems:
        errors: dict[str, list[str]] = {}
        for key, msg in problems:
            errors.setdefault(key, []).append(f"{labels.get(key, key)}：{msg}")
        raise ValidationError(errors)


# What a reference outside the account's scope reads as: exactly what an unknown one reads as.
REGION_ABSENT = "找不到该社区/村或网格，或不在本账号的数据范围内"
HOUSEHOLD_ABSENT = "找不到该户，或不在本账号的数据范围内"
BUILDING_ABSENT = "找不到该楼栋，或它不在本账号数据范围内、所填网格所属的社区/村"
PARENT_ABSENT = "找不到该小区/自然村，或不在本账号的数据范围内"
ID_NUMBER_TAKEN = "该身份证号已登记"


class IdNumberTaken(Conflict):
    """The ID number belongs to a registered person: the pre-check saw it, or the unique index did
    when two registrations raced. Pages show it on the 公民身份号码 field; the API answers 409 with
    ``code`` (stable for machines) beside the message."""

    def __init__(self) -> None:
        message = f"{PERSON_LABELS['id_number']}：{ID_NUMBER_TAKEN}"
        super().__init__("id_number", message, code="person.id_number_taken")


def _violates(exc: Exception, *names: str) -> bool:
    """Whether ``exc`` is one of these unique indexes (PostgreSQL names the constraint and the
    column, SQLite the table and columns) — any other integrity error is raised as it is."""
    text = str(exc)
    return any(name in text for name in names)


ID_INDEX = ("person_id_number_registered_once", "registry_person.id_number_index")


def _require_writer(by: User) -> None:
    if not (by.is_superuser or by.role in REGISTRY_WRITERS):
        raise OutOfScope("本账号的角色不能修改基础数据")


def _region_for_registry(code: str, by: User) -> Region:
    """The community or grid ``code`` within ``by``'s scope; anything else reads as unknown."""
    _require_writer(by)
    region = Region.objects.current().filter(code=code, level__in=[Level.COMMUNITY, Level.GRID]).first()
    if region is None or not region_in_scope(by, region):
        raise ValidationError({"region_code": f"{PERSON_LABELS['region_code']}：{REGION_ABSENT}"})
    return region


def _id_taken(plain: str, exclude_pk: int | None = None) -> bool:
    """Whether a person who holds the number (anyone not moved out, in any scope) exists."""
    qs = Person.objects.filter(blind_lookup("id_number_index", plain)).exclude(status=PersonStatus.MOVED_OUT)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def person_create(*, by: User, data: dict[str, str]) -> Person:
    """Register a person. ``data`` uses the import's keys and Chinese values (see PERSON_COLUMNS).

    Raises IdNumberTaken when the number is registered, also when another registration of it
    commits first (the unique index decides; the pre-check only makes the usual case cheap).
    """
    today = timezone.localdate()
    clean, problems = rowcheck.clean_person(data, ethnicities=ETHNICITY_SET, today=today)
    _raise(problems, PERSON_LABELS)
    household, region = _placement(clean, by)
    try:
        with transaction.atomic():
            if clean["id_number"] and _id_taken(clean["id_number"]):
                raise IdNumberTaken()
            person = Person.objects.create(
                name=clean["name"],
                id_number=clean["id_number"],
                sex=clean["sex"],
                birth_date=clean["birth_date"],
                phone=clean["phone"],
                household=household,
                relation=clean["relation"],
                residence_type=clean["residence_type"],
                ethnicity=clean["ethnicity"],
                region=region,
                note=clean["note"],
            )
            audit_record(actor=by, action=AuditAction.CREATE, subject=person)
    except IntegrityError as exc:
        if _violates(exc, *ID_INDEX):
            raise IdNumberTaken() from None
        raise
    return person


def _placement(clean: dict[str, Any], by: User) -> tuple[Household | None, Region]:
    _require_writer(by)
    household = None
    if clean["household_code"]:
        household = Household.objects.select_related("region").filter(code=clean["household_code"]).first()
        if household is None or not region_in_scope(by, household.region):
            raise ValidationError(
                {"household_code": f"{PERSON_LABELS['household_code']}：{HOUSEHOLD_ABSENT}"}
            )
        if clean["region_code"] and clean["region_code"] != household.region.code:
            raise ValidationError(
                {
                    "region_code": f"{PERSON_LABELS['region_code']}：与该户所在网格 {household.region.code} 不一致"
                }
            )
        return household, household.region
    return None, _region_for_registry(clean["region_code"], by)


def person_update(*, by: User, person: Person, data: dict[str, str]) -> Person:
    """Change a person's record. Fields absent from ``data`` keep their value."""
    require_object_in_scope(by, person)
    require_region_in_scope(by, person.region)
    current = {
        "name": person.name,
        "id_number": person.id_number.reveal() if person.id_number else "",
        "sex": "男" if person.sex == "M" else "女",
        "birth_date": person.birth_date.isoformat(),
        "phone": person.phone.reveal() if person.phone else "",
        "relation": dict((v, k) for k, v in rowcheck.RELATIONS.items()).get(person.relation, ""),
        "residence_type": {v: k for k, v in rowcheck.RESIDENCE.items()}[person.residence_type],
        "ethnicity": person.ethnicity,
        "household_code": person.household.code if person.household else "",
        "region_code": person.region.code if not person.household_id else "",
        "note": person.note,
    }
    merged = current | {k: v for k, v in data.items() if v is not None}
    if data.get("id_number") and data.get("id_number") != current["id_number"]:
        merged.pop("sex", None)
        merged.pop("birth_date", None)
    if data.get("household_code") and "region_code" not in data:
        merged["region_code"] = ""
    clean, problems = rowcheck.clean_person(merged, ethnicities=ETHNICITY_SET, today=timezone.localdate())
    _raise(problems, PERSON_LABELS)
    household, region = _placement(clean, by)
    try:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            held = locked.id_number.reveal() if locked.id_number else ""
            new_number = clean["id_number"] != held
            # A number that stays the same is not checked again: a legacy duplicate can still be edited.
            registered = locked.status != PersonStatus.MOVED_OUT
            if clean["id_number"] and new_number and registered and _id_taken(clean["id_number"], locked.pk):
                raise IdNumberTaken()
            changed = [
                k
                for k in ("name", "relation", "residence_type", "ethnicity", "note", "sex", "birth_date")
                if getattr(locked, k) != clean[k]
            ]
            for k in changed:
                setattr(locked, k, clean[k])
            for k in ("id_number", "phone"):
                if (getattr(locked, k).reveal() if getattr(locked, k) else "") != clean[k]:
                    setattr(locked, k, clean[k])
                    changed.append(k)
            if locked.household_id != (household.pk if household else None) or locked.region_id != region.pk:
                locked.household, locked.region = household, region
                changed.append("household")
            if locked.legacy_duplicate and (new_number or not _id_taken(held, exclude_pk=locked.pk)):
                locked.legacy_duplicate = False  # resolved: a corrected number, or its twins are gone
                changed.append("legacy_duplicate")
            locked.updated_at = timezone.now()
            locked.save()
            audit_record(actor=by, action=AuditAction.UPDATE, subject=locked, detail={"fields": changed})
    except IntegrityError as exc:
        if _violates(exc, *ID_INDEX):
            raise IdNumberTaken() from None
        raise
    return locked


def person_set_status(*, by: User, person: Person, status: str, note: str = "") -> Person:
    """Change a person's status. Coming back from 迁出 needs the number free again (IdNumberTaken)."""
    require_object_in_scope(by, person)
    require_region_in_scope(by, person.region)
    if status not in PersonStatus.values:
        raise ValidationError({"status": "状态不正确"})
    try:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            returning = locked.status == PersonStatus.MOVED_OUT and status != PersonStatus.MOVED_OUT
            if returning and locked.id_number and _id_taken(locked.id_number.reveal(), exclude_pk=locked.pk):
                raise IdNumberTaken()
            locked.status, locked.updated_at = status, timezone.now()
            if note:
                locked.note = note[:200]
            locked.save(update_fields=["status", "note", "updated_at"])
            audit_record(actor=by, action=AuditAction.UPDATE, subject=locked, detail={"status": status})
    except IntegrityError as exc:
        if _violates(exc, *ID_INDEX):
            raise IdNumberTaken() from None
        raise
    person.status, person.note, person.updated_at = locked.status, locked.note, locked.updated_at
    return person


def person_tag_add(
    *,
    by: User,
    person: Person,
    kind: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    disability_category: str = "",
    disability_grade: int | None = None,
    note: str = "",
) -> PersonTag:
    require_object_in_scope(by, person)
    require_region_in_scope(by, person.region)
    if kind not in TagKind.values:
        raise ValidationError({"kind": "标签：不认识的标签"})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": "截止日期：不能早于起始日期"})
    if kind == TagKind.DISABLED and (not disability_category or disability_grade not in (1, 2, 3, 4)):
        raise ValidationError({"disability_category": "残疾标签须填写残疾类别和等级（1–4 级）"})
    overlapping = ValidationError({"kind": "标签：该标签在这段时间已有效，请先结束原标签"})
    try:
        with transaction.atomic():
            # The person's row is the lock every tag change of that person takes first, so two
            # additions of one tag cannot both find the period free.
            Person.objects.select_for_update().filter(pk=person.pk).values_list("pk").get()
            others = PersonTag.objects.filter(person=person, kind=kind).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
            )
            if valid_to is not None:
                others = others.filter(valid_from__lte=valid_to)
            if others.exists():
                raise overlapping
            tag = PersonTag.objects.create(
                person=person,
                kind=kind,
                valid_from=valid_from,
                valid_to=valid_to,
                disability_category=disability_category if kind == TagKind.DISABLED else "",
                disability_grade=disability_grade if kind == TagKind.DISABLED else None,
                note=note[:200],
            )
            audit_record(actor=by, action=AuditAction.UPDATE, subject=person, detail={"tag_added": kind})
    except IntegrityError as exc:
        if _violates(exc, "tag_one_open_period", "registry_persontag.person_id"):
            raise overlapping from None
        raise
    return tag


def person_tag_end(*, by: User, tag: PersonTag, valid_to: dt.date) -> PersonTag:
    require_object_in_scope(by, tag.person)
    require_region_in_scope(by, tag.person.region)
    if valid_to < tag.valid_from:
        raise ValidationError({"valid_to": "截止日期：不能早于起始日期"})
    with transaction.atomic():
        tag.valid_to = valid_to
        tag.save(update_fields=["valid_to"])
        audit_record(actor=by, action=AuditAction.UPDATE, subject=tag.person, detail={"tag_ended": tag.kind})
    return tag


def household_create(*, by: User, data: dict[str, str]) -> Household:
    """Register a household. A building outside the account's scope or the household's community
    reads exactly like an unknown one, and nothing of it (name, address) reaches the answer."""
    clean, problems = rowcheck.clean_household(data)
    _raise(problems, HOUSEHOLD_LABELS)
    region = _region_for_registry(clean["region_code"], by)
    building = None
    if clean["building_code"]:
        building = Building.objects.select_related("region").filter(code=clean["building_code"]).first()
        # A household sits in a building of its own community that the account may see.
        if (
            building is None
            or not region_in_scope(by, building.region)
            or not building.region.code.startswith(region.code[:12])
        ):
            raise ValidationError(
                {"building_code": f"{HOUSEHOLD_LABELS['building_code']}：{BUILDING_ABSENT}"}
            )
    code_taken = ValidationError({"code": f"{HOUSEHOLD_LABELS['code']}：已存在"})
    try:
        with transaction.atomic():
            if Household.objects.filter(code=clean["code"]).exists():
                raise code_taken
            hh = Household.objects.create(
                code=clean["code"],
                region=region,
                building=building,
                unit=clean["unit"],
                room=clean["room"],
                address=clean["address"] or _address(building, clean),
            )
            audit_record(actor=by, action=AuditAction.CREATE, subject=hh)
    except IntegrityError as exc:
        if _violates(exc, "registry_household_code", "registry_household.code"):
            raise code_taken from None
        raise
    return hh


def _address(building: Building | None, clean: dict[str, Any]) -> str:
    if building is None:
        return ""
    return f"{building.address or building.name}{clean['unit']}{clean['room']}"


def building_create(*, by: User, data: dict[str, str]) -> Building:
    clean, problems = rowcheck.clean_building(data)
    _raise(problems, BUILDING_LABELS)
    region = _region_for_registry(clean["region_code"], by)
    parent = None
    if clean["parent_code"]:
        parent = (
            Building.objects.select_related("region")
            .filter(code=clean["parent_code"], kind__in=PARENT_KINDS)
            .first()
        )
        if parent is None or not region_in_scope(by, parent.region):
            raise ValidationError({"parent_code": f"{BUILDING_LABELS['parent_code']}：{PARENT_ABSENT}"})
    code_taken = ValidationError({"code": f"{BUILDING_LABELS['code']}：已存在"})
    try:
        with transaction.atomic():
            if Building.objects.filter(code=clean["code"]).exists():
                raise code_taken
            b = Building.objects.create(
                code=clean["code"],
                name=clean["name"],
                kind=clean["kind"],
                parent=parent,
                region=region,
                address=clean["address"],
                lat=clean["lat"],
                lon=clean["lon"],
                floors=clean["floors"],
            )
            audit_record(actor=by, action=AuditAction.CREATE, subject=b)
    except IntegrityError as exc:
        if _violates(exc, "registry_building_code", "registry_building.code"):
            raise code_taken from None
        raise
    return b


# --- import ----------------------------------------------------------------------------------------

BATCH_SIZE = 5000  # rows validated, looked up and written together
Batch = list[tuple[int, dict[str, Any]]]  # (row number in the file, cleaned values)

PERSON_COLUMNS = [
    Column("name", "姓名", True, "", "张三"),
    Column(
        "id_number",
        "公民身份号码",
        False,
        "18 位，末位可为 X；填写后性别、出生日期由号码得出",
        "350504199001011234",
        sensitive="id_number",
    ),
    Column("sex", "性别", False, "男/女；无身份证号时必填", "男"),
    Column("birth_date", "出生日期", False, "YYYY-MM-DD；无身份证号时必填", "1990-01-01"),
    Column("phone", "联系电话", False, "11 位手机号或带区号的固定电话", "13800000000", sensitive="phone"),
    Column(
        "household_code", "户编号", False, "已登记的户；填写后人员归入该户所在网格", "350504001001001H00001"
    ),
    Column(
        "relation", "与户主关系", False, "户主/配偶/子女/父母/孙子女/祖父母/兄弟姐妹/儿媳/女婿/其他", "户主"
    ),
    Column("residence_type", "居住类型", False, "户籍/常住/流动/人户分离，默认户籍", "户籍"),
    Column("ethnicity", "民族", False, "默认汉族", "汉族"),
    Column(
        "region_code",
        "所属网格编码",
        False,
        "无户编号时必填：15 位网格编码或 12 位社区/村代码",
        "350504001001001",
    ),
    Column("note", "备注", False, "", ""),
]
HOUSEHOLD_COLUMNS = [
    Column("code", "户编号", True, "全局唯一", "350504001001001H00001"),
    Column("region_code", "所属网格编码", True, "15 位网格编码或 12 位社区/村代码", "350504001001001"),
    Column("building_code", "楼栋编码", False, "已登记的楼栋", "350504001001001B0001"),
    Column("unit", "单元", False, "", "1单元"),
    Column("room", "房号", False, "", "101"),
    Column("address", "地址", False, "", "万安街道万福社区阳光花园1号楼1单元101"),
]
BUILDING_COLUMNS = [
    Column("code", "楼栋编码", True, "全局唯一", "350504001001001B0001"),
    Column("name", "名称", True, "", "阳光花园1号楼"),
    Column("kind", "类型", False, "小区/楼栋/自然村/自建房，默认楼栋", "楼栋"),
    Column("region_code", "所属网格编码", True, "15 位网格编码或 12 位社区/村代码", "350504001001001"),
    Column("parent_code", "所属小区编码", False, "楼栋所属的小区或自然村的编码", ""),
    Column("address", "地址", False, "", ""),
    Column("lat", "纬度", False, "WGS-84", "24.96"),
    Column("lon", "经度", False, "WGS-84", "118.67"),
    Column("floors", "层数", False, "", "18"),
]


def _labels(columns: list[Column]) -> dict[str, str]:
    """Field key → the Chinese name a user sees on the template and in every error message."""
    return {c.key: c.header for c in columns}


PERSON_LABELS = _labels(PERSON_COLUMNS)
HOUSEHOLD_LABELS = _labels(HOUSEHOLD_COLUMNS)
BUILDING_LABELS = _labels(BUILDING_COLUMNS)


class _RegionCache:
    """Communities and grids of the actor's subtree, loaded once (a city has ~25 000)."""

    def __init__(self, by: User):
        qs = scoped(Region.objects.current().filter(level__in=[Level.COMMUNITY, Level.GRID]), by)
        self.by_code = dict(qs.values_list("code", "pk"))

    def get(self, code: str) -> int | None:
        """The region's primary key; None for a code that is unknown or outside the scope alike."""
        return self.by_code.get(code)


def _clashing_key(exc: Exception, column: str) -> str | None:
    """The value a unique index refused, from PostgreSQL's "Key (column)=(value) already exists"."""
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    detail = getattr(getattr(cause, "diag", None), "message_detail", None) or str(exc)
    found = re.search(rf"\({re.escape(column)}\)=\((.*)\) already exists", detail)
    return found.group(1) if found else None


def _report_code_clash(
    exc: IntegrityError, report: ErrorReport, seen: dict[str, int], column: str, label: str, table: str
) -> None:
    """An import batch refused by ``table``'s unique code (someone registered the code meanwhile):
    the report names the row that carries it; any other integrity error is raised as it is."""
    if not _violates(exc, f"{table}_code", f"{table}.code"):
        raise exc
    code = _clashing_key(exc, "code")
    report.add(seen.get(code, 1) if code else 1, column, f"{label}已存在（导入期间被他人登记）", code or "")


class _Lookups:
    """Reference and duplicate look-ups of an import.

    On PostgreSQL a real import streams every row through one COPY on the transaction's
    connection, so look-ups go through a second, read-only connection meanwhile (they need only
    committed rows; duplicates inside the file are caught by the import itself).
    """

    def __init__(self, side_connection: bool):
        self.side = None
        if side_connection and connection.vendor == "postgresql":
            import psycopg

            self.side = psycopg.connect(**connection.get_connection_params(), autocommit=True)
            # Its reads wait for no writer; but one queued behind a schema change, which itself waits
            # for this import's transaction, would wait for ever: after 30 s it fails instead.
            self.side.execute("SET lock_timeout = '30s'")

    def close(self) -> None:
        if self.side is not None:
            self.side.close()

    def _pg(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        if self.side is not None:
            return self.side.execute(sql, params).fetchall()
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def registered(self, indexes: list[str]) -> set[str]:
        """Which of these ID blind indexes belong to registered (not moved-out) persons: one query."""
        if connection.vendor == "postgresql":  # one array parameter, not thousands of placeholders
            rows = self._pg(
                f"SELECT id_number_index FROM {Person._meta.db_table} "
                "WHERE id_number_index = ANY(%s) AND status <> %s",
                [indexes, PersonStatus.MOVED_OUT],
            )
            return {r[0] for r in rows}
        return set(
            Person.objects.filter(id_number_index__in=indexes)
            .exclude(status=PersonStatus.MOVED_OUT)
            .values_list("id_number_index", flat=True)
        )

    def households(self, codes: list[str]) -> list[tuple[str, int, int, str]]:
        if connection.vendor == "postgresql":
            h, r = Household._meta.db_table, Region._meta.db_table
            return self._pg(
                f"SELECT h.code, h.id, h.region_id, r.code FROM {h} h JOIN {r} r ON r.id = h.region_id "
                "WHERE h.code = ANY(%s)",
                [codes],
            )
        return list(
            Household.objects.filter(code__in=codes).values_list("code", "pk", "region_id", "region__code")
        )


def _refuse_query_while_copying(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise RuntimeError(
        "A query on the connection that streams an import's COPY would wait for ever: "
        "look it up before the stream starts, or through the import's side connection (_Lookups)."
    )


class _CopyStream:
    """One COPY … FROM STDIN kept open for a whole import; psycopg's queued writer sends rows from a
    worker thread, so the server inserts while the next rows are being validated.

    While it is open the connection can run nothing else (a query would wait for ever behind the
    stream), so every query Django would send on it meanwhile fails at once instead.
    """

    def __init__(self, model: type[models.Model], columns: list[str]):
        from psycopg.copy import QueuedLibpqWriter

        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        connection.ensure_connection()
        self.cursor = connection.connection.cursor()
        self.cm = self.cursor.copy(
            f"COPY {model._meta.db_table} ({cols}) FROM STDIN", writer=QueuedLibpqWriter(self.cursor)
        )
        self.copy = self.cm.__enter__()
        self.guard = connection.execute_wrapper(_refuse_query_while_copying)
        self.guard.__enter__()

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        for r in rows:
            self.copy.write_row(r)

    def close(self) -> None:
        """End the COPY; raises psycopg's error if the server refused a row (e.g. a unique index)."""
        self.guard.__exit__(None, None, None)
        try:
            self.cm.__exit__(None, None, None)
        finally:
            self.cursor.close()


def _run_import(
    *,
    kind: str,
    raw: IO[bytes],
    filename: str,
    by: User,
    dry_run: bool,
    columns: list[Column],
    clean: Callable[[dict[str, str]], tuple[dict[str, Any], list[tuple[str, str]]]],
    flush: Callable[[list[tuple[int, dict[str, Any]]], ErrorReport, bool, dict[str, int]], int],
    finish: Callable[[ErrorReport], None] = lambda report: None,
    batch_size: int = BATCH_SIZE,
) -> ImportOutcome:
    """Stream the file, validate every row, and insert in batches inside one transaction.

    The first error stops inserting; validation goes on to the end so the report lists every
    problem; then the transaction is rolled back, so an import lands whole or not at all.
    ``finish`` ends what ``flush`` left open (a COPY) and reports a row the database refused.
    """
    if not (by.is_superuser or by.role in ("community_worker", "district_admin", "system_admin")):
        raise OutOfScope("本账号的角色不能导入基础数据")
    started, t0 = timezone.now(), time.perf_counter()
    report = ErrorReport.for_columns(columns)
    headers = {c.key: c.header for c in columns}
    by_region: dict[str, int] = {}
    rows_total = created = 0
    batch: list[tuple[int, dict[str, Any]]] = []
    try:
        with transaction.atomic():
            try:
                for n, row in read_table(raw, columns, filename):
                    rows_total += 1
                    cleaned, problems = clean(row)
                    for key, msg in problems:
                        report.add(n, headers.get(key, key), msg, row.get(key, ""))
                    batch.append((n, cleaned))
                    if len(batch) >= batch_size:
                        created += flush(batch, report, dry_run or bool(report), by_region)
                        batch = []
                created += flush(batch, report, dry_run or bool(report), by_region)
            except TableError as exc:
                report.add(1, "", str(exc))
            finally:
                finish(report)  # ends an open COPY before anything else runs on the connection
            if rows_total == 0 and not report:
                report.add(2, "", "文件中没有数据行")
            if report or dry_run:
                raise Rollback
    except Rollback:
        pass
    return import_finish(
        kind=kind,
        label=kind,
        filename=filename,
        by=by,
        dry_run=dry_run,
        report=report,
        rows=rows_total,
        created=created,
        by_region=by_region,
        started=started,
        t0=t0,
    )


def persons_import(
    *, raw: IO[bytes], filename: str, by: User, dry_run: bool = False, batch_size: int = BATCH_SIZE
) -> ImportOutcome:
    """Import persons (template PERSON_COLUMNS). Duplicate ID numbers in the file or already registered are errors.

    Every look-up happens before the stream starts (the account's regions) or through the side
    connection (households, registered ID numbers): the COPY's own connection runs nothing else.
    """
    today = timezone.localdate()
    regions = _RegionCache(by)
    households: dict[str, tuple[int, int, str] | None] = {}
    seen: dict[int, int] = {}
    c = cipher()
    ctx_id = f"{Person._meta.label_lower}.id_number"
    ctx_phone = f"{Person._meta.label_lower}.phone"
    # Values as plain text, the form each backend stores (cheaper than a dumper per row and value).
    now = timezone.now()
    stamp = (
        now.isoformat()
        if connection.vendor == "postgresql"
        else connection.ops.adapt_datetimefield_value(now)
    )
    status_active = str(PersonStatus.ACTIVE)
    cols = [
        "name",
        "id_number",
        "id_number_index",
        "sex",
        "birth_date",
        "phone",
        "phone_index",
        "household_id",
        "relation",
        "residence_type",
        "ethnicity",
        "region_id",
        "status",
        "note",
        "created_at",
        "updated_at",
    ]
    head = {col.key: col.header for col in PERSON_COLUMNS}
    region_codes = {v: k for k, v in regions.by_code.items()}

    def clean(row: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return rowcheck.clean_person(row, ethnicities=ETHNICITY_SET, today=today)

    # Stream through one COPY only when this import owns its transaction: a side connection sees
    # committed rows only, so inside a caller's open transaction look-ups must share its connection.
    streaming = connection.vendor == "postgresql" and not dry_run and not connection.in_atomic_block
    lookups = _Lookups(side_connection=streaming)
    stream: list[_CopyStream] = []

    def flush(
        batch: list[tuple[int, dict[str, Any]]],
        report: ErrorReport,
        check_only: bool,
        by_region: dict[str, int],
    ) -> int:
        missing = {p["household_code"] for _, p in batch if p["household_code"]} - households.keys()
        if missing:
            found = {code: (pk, rid, rcode) for code, pk, rid, rcode in lookups.households(list(missing))}
            for code in missing:
                households[code] = found.get(code)
        indexes: dict[int, list[str]] = {}  # row → blind index under every key (the first is current)
        for n, p in batch:
            if p["id_number"]:
                every = c.blind_indexes(p["id_number"])
                key = int(every[0][:16], 16)
                if key in seen:
                    report.add(n, head["id_number"], f"与文件第 {seen[key]} 行的身份证号重复", p["id_number"])
                else:
                    seen[key] = n
                    indexes[n] = every
        if indexes:
            taken = lookups.registered([i for every in indexes.values() for i in every])
            if taken:
                for n, every in indexes.items():
                    if taken.intersection(every):
                        report.add(n, head["id_number"], ID_NUMBER_TAKEN, dict(batch)[n]["id_number"])
        out: list[tuple[Any, ...]] = []
        for n, p in batch:
            hh = None
            if p["household_code"]:
                hh = households.get(p["household_code"])
                if hh is None or hh[1] not in region_codes:
                    report.add(n, head["household_code"], HOUSEHOLD_ABSENT, p["household_code"])
                    continue
                if p["region_code"] and p["region_code"] != hh[2]:
                    report.add(n, head["region_code"], f"与该户所在网格 {hh[2]} 不一致", p["region_code"])
                region_id = hh[1]
            else:
                found_region = regions.get(p["region_code"]) if p["region_code"] else None
                if found_region is None:
                    if p["region_code"]:
                        report.add(n, head["region_code"], REGION_ABSENT, p["region_code"])
                    continue
                region_id = found_region
            code = region_codes[region_id]
            by_region[code] = by_region.get(code, 0) + 1
            if check_only or report:
                continue
            idn, phone = p["id_number"], p["phone"]
            out.append(
                (
                    p["name"],
                    c.encrypt(idn, ctx_id) if idn else "",
                    indexes[n][0] if n in indexes else "",
                    p["sex"],
                    p["birth_date"].isoformat(),  # COPY takes ISO text; cheaper than a date dumper per row
                    c.encrypt(phone, ctx_phone) if phone else "",
                    c.blind_index(phone) if phone else "",
                    hh[0] if hh else None,
                    p["relation"],
                    p["residence_type"],
                    p["ethnicity"],
                    region_id,
                    status_active,
                    p["note"],
                    stamp,
                    stamp,
                )
            )
        if report or check_only:
            return sum(1 for n, p in batch if n not in report.rows_with_errors)
        if streaming:
            if not stream:
                stream.append(_CopyStream(Person, cols))
            stream[0].write(out)
            return len(out)
        try:
            with transaction.atomic():  # a savepoint: the rest of the file is still checked after a clash
                insert_rows(Person, cols, out)
        except IntegrityError as exc:
            if not _violates(exc, *ID_INDEX):
                raise
            # The savepoint is gone and the connection free again: ask which rows' numbers are taken now.
            taken = lookups.registered([i for every in indexes.values() for i in every])
            values = dict(batch)
            for n, every in indexes.items():
                if taken.intersection(every):
                    report.add(n, head["id_number"], ID_NUMBER_TAKEN, values[n]["id_number"])
            if not report:
                registered_meanwhile(report, exc)
            return 0
        return len(out)

    def registered_meanwhile(report: ErrorReport, exc: Exception) -> None:
        """A number registered by someone else after this import checked it: the unique index refused it."""
        index = _clashing_key(exc, "id_number_index")
        row = seen.get(int(index[:16], 16)) if index else None
        if row is None:
            report.add(
                1, head["id_number"], f"文件中有身份证号在导入期间被他人登记（{ID_NUMBER_TAKEN}），请重新导入"
            )
        else:
            report.add(row, head["id_number"], ID_NUMBER_TAKEN)

    def finish(report: ErrorReport) -> None:
        if not stream:
            return
        import psycopg

        try:
            stream.pop().close()
        except psycopg.errors.UniqueViolation as exc:
            if not _violates(exc, *ID_INDEX):
                raise
            registered_meanwhile(report, exc)

    try:
        return _run_import(
            kind="persons",
            raw=raw,
            filename=filename,
            by=by,
            dry_run=dry_run,
            columns=PERSON_COLUMNS,
            clean=clean,
            flush=flush,
            finish=finish,
            batch_size=batch_size,
        )
    finally:
        lookups.close()


def households_import(
    *, raw: IO[bytes], filename: str, by: User, dry_run: bool = False, batch_size: int = BATCH_SIZE
) -> ImportOutcome:
    """Import households (template HOUSEHOLD_COLUMNS). Each batch is looked up, then written with one
    COPY that ends before the next batch is read; a building must be in scope and in the community."""
    regions = _RegionCache(by)
    seen: dict[str, int] = {}
    head = {col.key: col.header for col in HOUSEHOLD_COLUMNS}
    now = timezone.now()
    cols = ["code", "region_id", "building_id", "unit", "room", "address", "created_at"]

    def flush(batch: Batch, report: ErrorReport, check_only: bool, by_region: dict[str, int]) -> int:
        codes = [p["code"] for _, p in batch]
        taken = set(Household.objects.filter(code__in=codes).values_list("code", flat=True))
        bcodes = {p["building_code"] for _, p in batch if p["building_code"]}
        buildings = {
            code: (pk, rcode, addr)
            for code, pk, rcode, addr in Building.objects.filter(code__in=bcodes).values_list(
                "code", "pk", "region__code", "address"
            )
        }
        out = []
        for n, p in batch:
            if p["code"] in seen:
                report.add(n, head["code"], f"与文件第 {seen[p['code']]} 行重复", p["code"])
            seen.setdefault(p["code"], n)
            if p["code"] in taken:
                report.add(n, head["code"], "户编号已存在", p["code"])
            region_id = regions.get(p["region_code"])
            if region_id is None:
                report.add(n, head["region_code"], REGION_ABSENT, p["region_code"])
                continue
            b = buildings.get(p["building_code"]) if p["building_code"] else None
            if p["building_code"] and (
                b is None or regions.get(b[1]) is None or not b[1].startswith(p["region_code"][:12])
            ):
                report.add(n, head["building_code"], BUILDING_ABSENT, p["building_code"])
                continue
            by_region[p["region_code"]] = by_region.get(p["region_code"], 0) + 1
            address = p["address"] or (f"{b[2]}{p['unit']}{p['room']}" if b else "")
            out.append((p["code"], region_id, b[0] if b else None, p["unit"], p["room"], address, now))
        if report or check_only:
            return len(out)
        try:
            with transaction.atomic():  # a savepoint: the rest of the file is still checked after a clash
                insert_rows(Household, cols, out)
        except IntegrityError as exc:
            _report_code_clash(exc, report, seen, head["code"], "户编号", "registry_household")
            return 0
        return len(out)

    return _run_import(
        kind="households",
        raw=raw,
        filename=filename,
        by=by,
        dry_run=dry_run,
        columns=HOUSEHOLD_COLUMNS,
        clean=rowcheck.clean_household,
        flush=flush,
        batch_size=batch_size,
    )


def buildings_import(
    *, raw: IO[bytes], filename: str, by: User, dry_run: bool = False, batch_size: int = 1000
) -> ImportOutcome:
    """Import buildings; a 楼栋 may name its 小区 by code, including one earlier in the same file.

    The 小区/自然村 named must lie in the account's scope, exactly as ``building_create`` demands:
    one outside it reads like an unknown code. Each batch's codes are looked up in one query first.
    """
    regions = _RegionCache(by)
    seen: dict[str, int] = {}
    parents_in_file: dict[str, int | None] = {}  # an estate/village accepted earlier in the file → its pk
    head = {col.key: col.header for col in BUILDING_COLUMNS}

    def flush(batch: Batch, report: ErrorReport, check_only: bool, by_region: dict[str, int]) -> int:
        codes = [p["code"] for _, p in batch]
        taken = set(Building.objects.filter(code__in=codes).values_list("code", flat=True))
        wanted = {p["parent_code"] for _, p in batch if p["parent_code"]} - parents_in_file.keys()
        parents = {
            code: pk
            for code, pk, rcode in Building.objects.filter(
                code__in=wanted, kind__in=PARENT_KINDS
            ).values_list("code", "pk", "region__code")
            if regions.get(rcode) is not None
        }
        accepted: list[tuple[int, dict[str, Any], int]] = []  # (row, values, region pk)
        for n, p in batch:
            if p["code"] in seen:
                report.add(n, head["code"], f"与文件第 {seen[p['code']]} 行重复", p["code"])
            seen.setdefault(p["code"], n)
            if p["code"] in taken:
                report.add(n, head["code"], "楼栋编码已存在", p["code"])
            region_id = regions.get(p["region_code"])
            if region_id is None:
                report.add(n, head["region_code"], REGION_ABSENT, p["region_code"])
                continue
            if (
                p["parent_code"]
                and p["parent_code"] not in parents_in_file
                and p["parent_code"] not in parents
            ):
                report.add(n, head["parent_code"], PARENT_ABSENT, p["parent_code"])
                continue
            by_region[p["region_code"]] = by_region.get(p["region_code"], 0) + 1
            accepted.append((n, p, region_id))
            if p["kind"] in PARENT_KINDS and n not in report.rows_with_errors:
                parents_in_file[p["code"]] = None  # its key once it is written
        if report or check_only:
            return len(accepted)
        try:
            with transaction.atomic():  # a savepoint: the rest of the file is still checked after a clash
                for _, p, region_id in accepted:
                    parent = p["parent_code"]
                    b = Building.objects.create(
                        code=p["code"],
                        name=p["name"],
                        kind=p["kind"],
                        parent_id=(parents_in_file.get(parent) or parents.get(parent)) if parent else None,
                        region_id=region_id,
                        address=p["address"],
                        lat=p["lat"],
                        lon=p["lon"],
                        floors=p["floors"],
                    )
                    if b.kind in PARENT_KINDS:
                        parents_in_file[b.code] = b.pk
        except IntegrityError as exc:
            _report_code_clash(exc, report, seen, head["code"], "楼栋编码", "registry_building")
            return 0
        return len(accepted)

    return _run_import(
        kind="buildings",
        raw=raw,
        filename=filename,
        by=by,
        dry_run=dry_run,
        columns=BUILDING_COLUMNS,
        clean=rowcheck.clean_building,
        flush=flush,
        batch_size=batch_size,
    )


IMPORTERS: dict[str, tuple[str, list[Column], Callable[..., ImportOutcome]]] = {
    "persons": ("人员", PERSON_COLUMNS, persons_import),
    "households": ("户", HOUSEHOLD_COLUMNS, households_import),
    "buildings": ("楼栋/小区/自然村", BUILDING_COLUMNS, buildings_import),
}


# --- export ----------------------------------------------------------------------------------------


def export_person_rows(persons: Iterable[Person], *, full: bool) -> Iterable[list[Any]]:
    """Rows in the import template's column order, masked unless ``full`` (the caller audits)."""
    relation = dict(rowcheck.RELATIONS.items())
    relation_label = {v: k for k, v in reversed(list(relation.items()))}
    residence_label = {v: k for k, v in rowcheck.RESIDENCE.items()}
    for p in persons:
        idn = (p.id_number.reveal() if full else str(p.id_number)) if p.id_number else ""
        phone = (p.phone.reveal() if full else str(p.phone)) if p.phone else ""
        yield [
            p.name,
            idn,
            "男" if p.sex == "M" else "女",
            p.birth_date.isoformat(),
            phone,
            p.household.code if p.household is not None else "",
            relation_label.get(p.relation, ""),
            residence_label.get(p.residence_type, ""),
            p.ethnicity,
            p.region.code,
            p.note,
        ]


def export_household_rows(households: Iterable[Household]) -> Iterable[list[Any]]:
    for h in households:
        yield [
            h.code,
            h.region.code,
            h.building.code if h.building is not None else "",
            h.unit,
            h.room,
            h.address,
        ]


def export_building_rows(buildings: Iterable[Building]) -> Iterable[list[Any]]:
    kinds = {v: k for k, v in rowcheck.BUILDING_KINDS.items()}
    for b in buildings:
        yield [
            b.code,
            b.name,
            kinds[b.kind],
            b.region.code,
            b.parent.code if b.parent is not None else "",
            b.address,
            b.lat,
            b.lon,
            b.floors,
        ]


def export_record(
    *, by: User, kind: str, rows: int, full: bool, reason: str, filters: dict[str, Any], region_code: str
) -> None:
    """Audit an export of personal data (always; with reason when values are unmasked)."""
    from linli.core.services import EXPORT_PERMISSION, REVEAL_PERMISSION

    if not by.has_perm(EXPORT_PERMISSION):
        raise OutOfScope("本账号没有导出个人信息的权限")
    if full and not by.has_perm(REVEAL_PERMISSION):
        raise OutOfScope("本账号没有查看完整个人信息的权限，只能导出脱敏数据")
    if full and len(reason.strip()) < 2:
        raise ValidationError({"reason": "导出完整信息须填写事由"})
    audit_record(
        actor=by,
        action=AuditAction.EXPORT,
        subject_label=f"{kind} 导出{'（完整信息）' if full else '（脱敏）'}",
        field="id_number,phone" if full else "",
        reason=reason.strip(),
        region_code=region_code,
        row_count=rows,
        detail={"filters": filters, "full": full},
    )


def id_number_facts(value: str) -> idnumber.IdFacts:
    return idnumber.parse(value)
