"""Writes of persons and their tags: register, change, change status, add and end a tag.

Every function is keyword-only, runs in one transaction, checks the actor's data scope through
``linli.core.scope`` and refuses with a coded ``ValidationError`` naming the field, or
``IdNumberTaken`` (409, ``person.id_number_taken``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from linli.core.engine import idnumber
from linli.core.errors import invalid
from linli.core.models import AuditAction, User
from linli.core.personal import blind_lookup, cipher
from linli.core.scope import region_in_scope, require_object_in_scope, require_region_in_scope
from linli.core.services import audit_record
from linli.regions.models import Region
from linli.registry import hooks
from linli.registry.engine import rows as rowcheck
from linli.registry.models import (
    Household,
    Person,
    PersonStatus,
    PersonStatusEvent,
    PersonTag,
    StatusEventKind,
    TagKind,
)
from linli.registry.services._common import (
    ETHNICITY_SET,
    HOUSEHOLD_ABSENT,
    ID_INDEX,
    IdNumberTaken,
    raise_problems,
    region_for_registry,
    require_writer,
    violates,
)
from linli.registry.services.columns import PERSON_LABELS
from linli.registry.services.counts import counts_kept


def _indexes(plain: str) -> list[str]:
    """Every blind index ``plain`` may be stored under (the ID-number groups a write may change)."""
    return list(cipher().blind_indexes(plain)) if plain else []


def _person_counts(person: Person) -> Any:
    """``counts_kept`` of a change of ``person``'s status (neither household nor number changes)."""
    return counts_kept(
        persons=[person.pk], households=[person.household_id], id_indexes=[person.id_number_index]
    )


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
    raise_problems(problems, PERSON_LABELS, "person")
    household, region = _placement(clean, by)
    try:
        with transaction.atomic():
            if clean["id_number"] and _id_taken(clean["id_number"]):
                raise IdNumberTaken()
            kept = counts_kept(
                households=[household.pk if household else None], id_indexes=_indexes(clean["id_number"])
            )
            with kept as counts:
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
                counts.created(persons=[person.pk])
            audit_record(actor=by, action=AuditAction.CREATE, subject=person)
            hooks.changed(person_ids=[person.pk], household_ids=[person.household_id], by=by)
    except IntegrityError as exc:
        if violates(exc, *ID_INDEX):
            raise IdNumberTaken() from None
        raise
    return person


def _placement(clean: dict[str, Any], by: User) -> tuple[Household | None, Region]:
    require_writer(by)
    household = None
    if clean["household_code"]:
        household = Household.objects.select_related("region").filter(code=clean["household_code"]).first()
        if household is None or not region_in_scope(by, household.region):
            raise invalid(
                "household_code",
                f"{PERSON_LABELS['household_code']}：{HOUSEHOLD_ABSENT}",
                "person.household_unknown",
            )
        if clean["region_code"] and clean["region_code"] != household.region.code:
            raise invalid(
                "region_code",
                f"{PERSON_LABELS['region_code']}：与该户所在网格 {household.region.code} 不一致",
                "person.region_mismatch",
            )
        return household, household.region
    return None, region_for_registry(clean["region_code"], by)


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
    raise_problems(problems, PERSON_LABELS, "person")
    household, region = _placement(clean, by)
    try:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            held = locked.id_number.reveal() if locked.id_number else ""
            held_index, held_household = locked.id_number_index, locked.household_id
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
            old_household = person.household_id
            locked.updated_at = timezone.now()
            with counts_kept(
                persons=[locked.pk],
                households=[old_household, locked.household_id, held_household],
                id_indexes=[held_index, *_indexes(clean["id_number"])],
            ):
                locked.save()
            audit_record(actor=by, action=AuditAction.UPDATE, subject=locked, detail={"fields": changed})
            hooks.changed(person_ids=[locked.pk], household_ids=[old_household, locked.household_id], by=by)
    except IntegrityError as exc:
        if violates(exc, *ID_INDEX):
            raise IdNumberTaken() from None
        raise
    return locked


def person_set_status(*, by: User, person: Person, status: str, note: str = "") -> Person:
    """Change a person's status. Coming back from 迁出 needs the number free again (IdNumberTaken)."""
    require_object_in_scope(by, person)
    require_region_in_scope(by, person.region)
    if status not in PersonStatus.values:
        raise invalid("status", "状态不正确", "person.status_invalid")
    try:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            returning = locked.status == PersonStatus.MOVED_OUT and status != PersonStatus.MOVED_OUT
            if returning and locked.id_number and _id_taken(locked.id_number.reveal(), exclude_pk=locked.pk):
                raise IdNumberTaken()
            locked.status, locked.updated_at = status, timezone.now()
            if note:
                locked.note = note[:200]
            with _person_counts(locked):
                locked.save(update_fields=["status", "note", "updated_at"])
            audit_record(actor=by, action=AuditAction.UPDATE, subject=locked, detail={"status": status})
            hooks.changed(person_ids=[locked.pk], household_ids=[locked.household_id], by=by)
    except IntegrityError as exc:
        if violates(exc, *ID_INDEX):
            raise IdNumberTaken() from None
        raise
    person.status, person.note, person.updated_at = locked.status, locked.note, locked.updated_at
    return person


# The status a person has after each change; 迁出 and 死亡 end what the person holds from that date.
STATUS_AFTER = {
    StatusEventKind.MOVED_OUT: PersonStatus.MOVED_OUT,
    StatusEventKind.DECEASED: PersonStatus.DECEASED,
    StatusEventKind.MOVED_IN: PersonStatus.ACTIVE,
}
LEAVING = {StatusEventKind.MOVED_OUT, StatusEventKind.DECEASED}


def person_status_change(
    *, by: User, person: Person, kind: str, on: dt.date, note: str = ""
) -> PersonStatusEvent:
    """迁出 / 迁入 / 死亡 on the date ``on``, kept as a status event. 迁出 and 死亡 end the person's open
    tags on that date and let the modules registered in ``hooks.departures`` end the rest (the services
    module cancels the bookings from that date); 迁入 brings a moved-out person back onto the register."""
    require_object_in_scope(by, person)
    require_region_in_scope(by, person.region)
    if kind not in STATUS_AFTER:
        raise invalid("kind", "变更：应为迁出、迁入或死亡", "person.status_change_kind")
    if on > timezone.localdate():
        raise invalid("on", "日期：不能晚于今天", "person.status_change_future")
    if on < person.birth_date:
        raise invalid("on", "日期：不能早于出生日期", "person.status_change_before_birth")
    try:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            if locked.status == PersonStatus.DECEASED:
                raise invalid("kind", "该人员已登记死亡，不能再变更", "person.status_change_deceased")
            if kind in LEAVING and locked.status != PersonStatus.ACTIVE:
                raise invalid("kind", "该人员不在册，不能登记迁出或死亡", "person.status_change_not_active")
            if kind == StatusEventKind.MOVED_IN:
                if locked.status == PersonStatus.ACTIVE:
                    raise invalid("kind", "该人员已在册，无需登记迁入", "person.status_change_active")
                if locked.id_number and _id_taken(locked.id_number.reveal(), exclude_pk=locked.pk):
                    raise IdNumberTaken()
            locked.status, locked.updated_at = STATUS_AFTER[StatusEventKind(kind)], timezone.now()
            with _person_counts(locked):
                locked.save(update_fields=["status", "updated_at"])
            event = PersonStatusEvent.objects.create(person=locked, kind=kind, on=on, note=note[:200], by=by)
            detail: dict[str, Any] = {"status_change": kind, "on": on.isoformat()}
            if kind in LEAVING:
                still_open = PersonTag.objects.filter(person=locked).filter(
                    Q(valid_to__isnull=True) | Q(valid_to__gt=on)
                )
                detail["tags_ended"] = still_open.filter(valid_from__lte=on).update(valid_to=on)
                still_open.filter(valid_from__gt=on).update(
                    valid_to=F("valid_from")
                )  # not begun: ends at once
                for departure in hooks.departures():
                    departure(person=locked, on=on, by=by)
            audit_record(actor=by, action=AuditAction.UPDATE, subject=locked, detail=detail)
            hooks.changed(person_ids=[locked.pk], household_ids=[locked.household_id], by=by)
    except IntegrityError as exc:
        if violates(exc, *ID_INDEX):
            raise IdNumberTaken() from None
        raise
    person.status, person.updated_at = locked.status, locked.updated_at
    return event


def person_birth_register(*, by: User, data: dict[str, str], note: str = "") -> Person:
    """新生儿登记: a newborn entered on the register (``person_create``'s fields), with a 新生儿登记 event
    dated on the birth date."""
    with transaction.atomic():
        person = person_create(by=by, data=data)
        if person.birth_date > timezone.localdate():
            raise invalid("birth_date", "出生日期：不能晚于今天", "person.birth_future")
        PersonStatusEvent.objects.create(
            person=person, kind=StatusEventKind.BORN, on=person.birth_date, note=note[:200], by=by
        )
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
        raise invalid("kind", "标签：不认识的标签", "tag.kind_unknown")
    if valid_to is not None and valid_to < valid_from:
        raise invalid("valid_to", "截止日期：不能早于起始日期", "tag.period_invalid")
    if kind == TagKind.DISABLED and (not disability_category or disability_grade not in (1, 2, 3, 4)):
        raise invalid(
            "disability_category", "残疾标签须填写残疾类别和等级（1–4 级）", "tag.disability_incomplete"
        )
    overlapping = invalid("kind", "标签：该标签在这段时间已有效，请先结束原标签", "tag.overlapping")
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
            with counts_kept(persons=[person.pk]):  # the tags of 重点人群 are counted
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
            hooks.changed(person_ids=[person.pk], by=by)
    except IntegrityError as exc:
        if violates(exc, "tag_one_open_period", "registry_persontag.person_id"):
            raise overlapping from None
        raise
    return tag


def person_tag_end(*, by: User, tag: PersonTag, valid_to: dt.date) -> PersonTag:
    require_object_in_scope(by, tag.person)
    require_region_in_scope(by, tag.person.region)
    if valid_to < tag.valid_from:
        raise invalid("valid_to", "截止日期：不能早于起始日期", "tag.period_invalid")
    with transaction.atomic():
        tag.valid_to = valid_to
        with counts_kept(persons=[tag.person_id]):
            tag.save(update_fields=["valid_to"])
        audit_record(actor=by, action=AuditAction.UPDATE, subject=tag.person, detail={"tag_ended": tag.kind})
        hooks.changed(person_ids=[tag.person_id], by=by)
    return tag


def id_number_facts(value: str) -> idnumber.IdFacts:
    return idnumber.parse(value)
