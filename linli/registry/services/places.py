"""Writes of households (户) and buildings (楼栋/小区/自然村): register one.

A reference outside the account's scope (a building, a parent estate) reads exactly like an unknown
one; a code already registered is refused with ``household.code_taken`` / ``building.code_taken``,
also when another registration of it commits first (the unique index decides).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from linli.core.errors import invalid
from linli.core.models import AuditAction, User
from linli.core.scope import region_in_scope
from linli.core.services import audit_record
from linli.registry.engine import rows as rowcheck
from linli.registry.models import Building, Household
from linli.registry.services._common import (
    BUILDING_ABSENT,
    PARENT_ABSENT,
    PARENT_KINDS,
    raise_problems,
    region_for_registry,
    violates,
)
from linli.registry.services.columns import BUILDING_LABELS, HOUSEHOLD_LABELS
from linli.registry.services.counts import counts_kept


def household_create(*, by: User, data: dict[str, str]) -> Household:
    """Register a household. A building outside the account's scope or the household's community
    reads exactly like an unknown one, and nothing of it (name, address) reaches the answer."""
    clean, problems = rowcheck.clean_household(data)
    raise_problems(problems, HOUSEHOLD_LABELS, "household")
    region = region_for_registry(clean["region_code"], by)
    building = None
    if clean["building_code"]:
        building = Building.objects.select_related("region").filter(code=clean["building_code"]).first()
        # A household sits in a building of its own community that the account may see.
        if (
            building is None
            or not region_in_scope(by, building.region)
            or not building.region.code.startswith(region.code[:12])
        ):
            raise invalid(
                "building_code",
                f"{HOUSEHOLD_LABELS['building_code']}：{BUILDING_ABSENT}",
                "household.building_unknown",
            )
    return _create_coded(
        Household,
        by=by,
        labels=HOUSEHOLD_LABELS,
        code=clean["code"],
        region=region,
        building=building,
        unit=clean["unit"],
        room=clean["room"],
        address=clean["address"] or _address(building, clean),
    )


def _address(building: Building | None, clean: dict[str, Any]) -> str:
    if building is None:
        return ""
    return f"{building.address or building.name}{clean['unit']}{clean['room']}"


def building_create(*, by: User, data: dict[str, str]) -> Building:
    """Register a building, an estate (小区) or a natural village; a parent outside the account's
    scope reads exactly like an unknown one."""
    clean, problems = rowcheck.clean_building(data)
    raise_problems(problems, BUILDING_LABELS, "building")
    region = region_for_registry(clean["region_code"], by)
    parent = None
    if clean["parent_code"]:
        parent = (
            Building.objects.select_related("region")
            .filter(code=clean["parent_code"], kind__in=PARENT_KINDS)
            .first()
        )
        if parent is None or not region_in_scope(by, parent.region):
            raise invalid(
                "parent_code", f"{BUILDING_LABELS['parent_code']}：{PARENT_ABSENT}", "building.parent_unknown"
            )
    return _create_coded(
        Building,
        by=by,
        labels=BUILDING_LABELS,
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


def _create_coded[M: (Household, Building)](
    model: type[M], *, by: User, labels: dict[str, str], **fields: Any
) -> M:
    """Create the row of ``fields["code"]`` with its audit record. A code already registered — also
    by a registration that commits first (the unique index decides) — is ``<model>.code_taken``."""
    meta = model._meta
    code_taken = invalid("code", f"{labels['code']}：已存在", f"{meta.model_name}.code_taken")
    try:
        with transaction.atomic():
            if model._default_manager.filter(code=fields["code"]).exists():
                raise code_taken
            building = fields.get("building") if model is Household else None
            with counts_kept(buildings=[building.pk if building else None]) as counts:
                row = model._default_manager.create(**fields)
                if model is Household:
                    counts.created(households=[row.pk])
                else:
                    counts.created(buildings=[row.pk])
            audit_record(actor=by, action=AuditAction.CREATE, subject=row)
    except IntegrityError as exc:
        if violates(exc, f"{meta.db_table}_code", f"{meta.db_table}.code"):
            raise code_taken from None
        raise
    return row
