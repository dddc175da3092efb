"""数据范围: the one place where every read and write of personal data is limited to an account's scope.

Pages, the API, search, exports, imports and the admin all call ``scoped`` (reads) and
``require_region_in_scope`` / ``require_object_in_scope`` (writes). An account acts within
its region subtree; a resident sees only their own record and household; a department handler
sees only the rows of its own organisation; a system administrator sees everything.

The kernel knows no domain model: each app declares the scope of its models with ``declare`` from
its ``AppConfig.ready`` (``declare("registry.person", {"region": "region", "self": "pk", …})``).
The region subtree is kernel logic, not a query of the regions app: a region's statistical code is
the prefix of every code below it, and the account already carries its region's code
(``User.region_code``), so a subtree is the code range ``subtree_range`` (the regions models
module re-exports both helpers for the modules that filter regions).

An account may cover several regions of one level (``User.region_codes``: its own and those of
``AccountRegion``, a grid worker with two grids): its scope is the OR of their subtrees
(``account_codes``, ``subtrees_q``). Code outside the kernel that filters by the account's region
should use these rather than ``user.region_code``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.db import models
from django.db.models import Q

from linli.core.errors import Forbidden
from linli.core.roles import REGISTRY_READERS, REGISTRY_WRITERS, Role, effective_role

if TYPE_CHECKING:
    from linli.core.models import User


class OutOfScope(Forbidden):
    """The object or region lies outside the account's data scope (403, code ``forbidden``)."""

    def __init__(self, message: str = "超出本账号的数据范围"):
        super().__init__(message)
        self.message = message


class PlaceInTree(Protocol):
    """A node of the region hierarchy as the kernel sees it: a statistical code and a name."""

    code: str
    name: str


# A village's (community's) statistical code has 12 digits; a grid's is its village's + 3.
VILLAGE_CODE_LENGTH = 12


def subtree_range(code: str) -> tuple[str, str]:
    """Codes in the subtree of ``code`` are exactly those in [code, code + ';') — digits sort below ';'.

    A range, not LIKE, so that both SQLite and PostgreSQL use the plain index on ``code``.
    """
    return code, code + ";"


def subtree_q(code: str, path: str = "code") -> Q:
    """Rows whose region code (at ``path``) lies in the subtree of ``code``."""
    lo, hi = subtree_range(code)
    return Q(**{f"{path}__gte": lo, f"{path}__lt": hi})


def account_codes(user: User | Any) -> list[str]:
    """The region codes of ``user``'s scope: its own region first, then its additional ones."""
    codes = getattr(user, "region_codes", None)
    if codes is None:  # an object standing in for an account (tests, scripts)
        code = getattr(user, "region_code", "") or ""
        return [code] if code else []
    return list(codes)


STREET_CODE_LENGTH = 9


def street_or_below(user: User | Any) -> bool:
    """Whether every region of ``user``'s scope is a street, a community or a grid: a scope of a few
    thousand rows per table, which a list reads by region and sorts, where a district's or a city's
    list is read in its order (a list can tell its database which way by its ordering)."""
    codes = account_codes(user)
    return bool(codes) and min(len(code) for code in codes) >= STREET_CODE_LENGTH


def subtrees_q(codes: list[str] | tuple[str, ...], path: str = "code") -> Q:
    """Rows whose region code lies in the subtree of any of ``codes`` (none when ``codes`` is empty)."""
    if not codes:
        return Q(pk__in=[])
    q = subtree_q(codes[0], path)
    for code in codes[1:]:
        q |= subtree_q(code, path)
    return q


def account_subtrees_q(user: User | Any, path: str = "code") -> Q:
    """Rows (at ``path``) in the subtree of any of ``user``'s regions; none for an unbound account."""
    return subtrees_q(account_codes(user), path)


# For each scoped model ("app.model"): the paths from a row to what decides who sees it.
#   region       the row's Region ("" when the rows are regions): readers see their subtree;
#   code         (optional) the row's own copy of its region's code, written with the row (a row that
#                never changes region: a request's community): staff scope is then a range of that
#                column's index instead of a join to the regions;
#   self         must equal a resident's own person; household: a resident's household;
#   organisation must equal a department handler's organisation;
#   region_code  a code column (audit records): the actor sees their own rows (actor), a district
#                administrator their subtree.
#   grid         (optional) the row's grid when ``region`` is coarser (a request's community): an
#                account bound to a grid sees the rows of its grid through this path;
#   filer        (optional) the account that filed the row: staff see what they filed wherever it is.
#   provider     (optional) the Region of the unit that serves the row (a booking's service): staff of
#                that region's subtree see the row too, whoever it is about (a resident who moved away
#                keeps a booking the service still has to confirm).
#   provider_code (optional) the row's own copy of that region's code, as ``code`` is of ``region``.
# Models absent here are not personal data; apps add theirs with ``declare``.
SCOPE_PATHS: dict[str, dict[str, str]] = {
    "core.auditlog": {"region_code": "region_code", "actor": "actor_id"},
    "core.importrun": {"region_code": "region_code", "actor": "actor_id"},
}


def declare(label: str, paths: dict[str, str]) -> None:
    """Declare the scope of an app's model (called from its ``AppConfig.ready``)."""
    existing = SCOPE_PATHS.get(label)
    if existing is not None and existing != paths:
        raise ValueError(f"{label} already has a different data scope declared")
    SCOPE_PATHS[label] = paths


def _paths(model: type[models.Model]) -> dict[str, str]:
    try:
        return SCOPE_PATHS[model._meta.label_lower]
    except KeyError as exc:  # a new model must declare its scope before it can be listed
        raise LookupError(f"{model._meta.label} has no data scope declared in linli.core.scope") from exc


def _resident_q(user: User | Any, paths: dict[str, str]) -> Q:
    """A resident's rows: his own (``self``) and his household's (``household``). Where the household is
    reached through the row's person (``person__household_id`` beside ``person_id``), the household's
    members are read first — a few ids by the person table's index — and the rows are those of any of
    them, by the row's own indexed column: an OR across the join would make the database read every
    person and every row (a city's bookings: 5 s)."""
    person = user.person if user.person_id else None
    if person is None:
        return Q(pk__in=[])
    own = paths.get("self")
    q = Q(**{own: person.pk}) if own else Q(pk__in=[])
    through = paths.get("household")
    if not through or not person.household_id:
        return q
    via, _, column = through.rpartition("__")
    if via and own in (via, f"{via}_id"):
        members = type(person)._default_manager.filter(**{column: person.household_id})
        return Q(**{f"{own}__in": sorted({person.pk, *members.values_list("pk", flat=True)})})
    return q | Q(**{through: person.household_id})


def _grids_q(model: type[models.Model], path: str, grids: list[str]) -> Q:
    """Rows whose grid (at ``path``) lies under one of ``grids``. When the grid is the row's own foreign
    key, the grids' ids are read first (an account has one or two) and the rows matched by that indexed
    column: a range on the grid's code would join every row to the regions and read the community's
    whole history of requests (a city's: 230 000 rows for one grid worker's list)."""
    field = model._meta.get_field(path) if "__" not in path else None
    target = getattr(field, "related_model", None)
    if field is None or not isinstance(target, type) or not issubclass(target, models.Model):
        return subtrees_q(grids, f"{path}__code")
    ids = target._default_manager.filter(subtrees_q(grids)).values_list("pk", flat=True)
    return Q(**{f"{path}__in": sorted(ids)})


def scope_q(user: User | Any, model: type[models.Model]) -> Q | None:
    """The filter limiting ``model`` to ``user``'s scope; None means everything."""
    paths = _paths(model)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    role = effective_role(user)
    if role == Role.SYSTEM_ADMIN:
        return None
    if "region_code" in paths:  # audit log and import runs: own records; auditors see their subtree
        q = Q(**{paths["actor"]: user.pk}) if "actor" in paths else Q(pk__in=[])
        if role == Role.DISTRICT_ADMIN and user.region_id:
            q |= account_subtrees_q(user, paths["region_code"])
        return q
    if role == Role.RESIDENT:
        return _resident_q(user, paths)
    if "organisation" in paths and role == Role.DEPARTMENT_HANDLER:
        return Q(**{paths["organisation"]: user.organisation_id}) if user.organisation_id else Q(pk__in=[])
    if role not in REGISTRY_READERS or not user.region_id:
        return Q(pk__in=[])
    region_path = paths["region"]
    codes = account_codes(user)
    if "code" in paths:
        q = subtrees_q(codes, paths["code"])
    else:
        q = subtrees_q(codes, f"{region_path}__code" if region_path else "code")
    grids = [c for c in codes if len(c) > VILLAGE_CODE_LENGTH]
    if "grid" in paths and grids:  # bound to grids
        q |= _grids_q(model, paths["grid"], grids)
    if "filer" in paths:
        q |= Q(**{paths["filer"]: user.pk})
    if "provider" in paths:
        q |= subtrees_q(codes, paths.get("provider_code") or f"{paths['provider']}__code")
    return q


def scoped(qs: models.QuerySet, user: User | Any) -> models.QuerySet:
    """``qs`` limited to what ``user`` may see. Every list, search, export and API read uses this."""
    q = scope_q(user, qs.model)
    return qs if q is None else qs.filter(q)


def scoped_through(qs: models.QuerySet, user: User | Any, key: str) -> models.QuerySet:
    """``qs`` limited to the rows ``user`` sees through the one declared path ``key`` (a region path such
    as ``provider``): a part of ``scoped`` for a list about that path alone — the bookings of the
    services a unit runs — read without the other paths' joins. Staff of a region only; the system
    administrator sees every row, anyone else none."""
    paths = _paths(qs.model)
    column = paths.get(f"{key}_code") or f"{paths[key]}__code"
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    role = effective_role(user)
    if role == Role.SYSTEM_ADMIN:
        return qs
    if role not in REGISTRY_READERS or not user.region_id:
        return qs.none()
    return qs.filter(subtrees_q(account_codes(user), column))


def region_in_scope(user: User | Any, region: PlaceInTree) -> bool:
    if effective_role(user) == Role.SYSTEM_ADMIN:
        return True
    return any(region.code.startswith(code) for code in account_codes(user))


def require_region_in_scope(user: User | Any, region: PlaceInTree, *, write: bool = True) -> None:
    """Raise OutOfScope unless ``user`` may write (or read) data of ``region``."""
    if write and effective_role(user) not in REGISTRY_WRITERS:
        raise OutOfScope("本账号的角色不能修改基础数据")
    if not region_in_scope(user, region):
        raise OutOfScope(f"{region.name}（{region.code}）不在本账号的数据范围内")


def require_object_in_scope(user: User | Any, obj: models.Model) -> None:
    """Raise OutOfScope unless ``obj`` is visible to ``user`` (one indexed query)."""
    model = type(obj)
    if not scoped(model._default_manager.filter(pk=obj.pk), user).exists():
        raise OutOfScope()
