"""Exports of the registry: rows in the import template's column order, and the audit record every
export of personal data writes (with its reason when values are unmasked)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from linli.core.errors import invalid
from linli.core.models import AuditAction, User
from linli.core.scope import OutOfScope
from linli.core.services import EXPORT_PERMISSION, REVEAL_PERMISSION, audit_record
from linli.registry.engine import rows as rowcheck
from linli.registry.models import Building, Household, Person


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
    if not by.has_perm(EXPORT_PERMISSION):
        raise OutOfScope("本账号没有导出个人信息的权限")
    if full and not by.has_perm(REVEAL_PERMISSION):
        raise OutOfScope("本账号没有查看完整个人信息的权限，只能导出脱敏数据")
    if full and len(reason.strip()) < 2:
        raise invalid("reason", "导出完整信息须填写事由", "export.reason_required")
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
