"""What every write of the registry shares: the refusals (each with its stable code), the role gate
and the look-up of the community or grid a row is registered at."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from linli.core.errors import Conflict, invalid
from linli.core.models import User
from linli.core.roles import REGISTRY_WRITERS, effective_role
from linli.core.scope import OutOfScope, region_in_scope
from linli.regions.models import Level, Region
from linli.registry.models import ETHNICITIES, BuildingKind
from linli.registry.services.columns import PERSON_LABELS

ETHNICITY_SET = frozenset(ETHNICITIES)
PARENT_KINDS = (BuildingKind.ESTATE, BuildingKind.NATURAL_VILLAGE)  # what a 楼栋 may belong to

# What a reference outside the account's scope reads as: exactly what an unknown one reads as.
REGION_ABSENT = "找不到该社区/村或网格，或不在本账号的数据范围内"
HOUSEHOLD_ABSENT = "找不到该户，或不在本账号的数据范围内"
BUILDING_ABSENT = "找不到该楼栋，或它不在本账号数据范围内、所填网格所属的社区/村"
PARENT_ABSENT = "找不到该小区/自然村，或不在本账号的数据范围内"
ID_NUMBER_TAKEN = "该身份证号已登记"


def raise_problems(problems: list[tuple[str, str]], labels: dict[str, str], thing: str) -> None:
    """The row cleaner's problems (``linli.registry.engine.rows``) as one ValidationError naming each
    field; each message's code is ``<thing>.<field>_invalid`` (``person.id_number_invalid``)."""
    if problems:
        errors: dict[str, list[ValidationError]] = {}
        for key, msg in problems:
            errors.setdefault(key, []).append(
                ValidationError(f"{labels.get(key, key)}：{msg}", code=f"{thing}.{key}_invalid")
            )
        raise ValidationError(errors)


class IdNumberTaken(Conflict):
    """The ID number belongs to a registered person: the pre-check saw it, or the unique index did
    when two registrations raced. Pages show it on the 公民身份号码 field; the API answers 409 with
    ``code`` (stable for machines) beside the message."""

    def __init__(self) -> None:
        message = f"{PERSON_LABELS['id_number']}：{ID_NUMBER_TAKEN}"
        super().__init__("id_number", message, code="person.id_number_taken")


def violates(exc: Exception, *names: str) -> bool:
    """Whether ``exc`` is one of these unique indexes (PostgreSQL names the constraint and the
    column, SQLite the table and columns) — any other integrity error is raised as it is."""
    text = str(exc)
    return any(name in text for name in names)


ID_INDEX = ("person_id_number_registered_once", "registry_person.id_number_index")


def require_writer(by: User) -> None:
    """Only the roles that keep the registry write it (403 ``forbidden`` otherwise)."""
    if effective_role(by) not in REGISTRY_WRITERS:
        raise OutOfScope("本账号的角色不能修改基础数据")


def region_for_registry(code: str, by: User) -> Region:
    """The community or grid ``code`` within ``by``'s scope; anything else reads as unknown."""
    require_writer(by)
    region = Region.objects.current().filter(code=code, level__in=[Level.COMMUNITY, Level.GRID]).first()
    if region is None or not region_in_scope(by, region):
        raise invalid(
            "region_code", f"{PERSON_LABELS['region_code']}：{REGION_ABSENT}", "registry.region_unknown"
        )
    return region
