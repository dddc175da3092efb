"""数据范围: the one place where every read and write of personal data is limited to an account's scope.

Pages, the API, search, exports, imports and the admin all call ``scoped`` (reads) and
``require_region_in_scope`` / ``require_object_in_scope`` (writes). An account acts within
its region subtree; a resident sees only their own record and household; a department handler
sees no resident data through the registry; a system administrator sees everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from linli.core.roles import REGISTRY_READERS, REGISTRY_WRITERS, Role
from linli.regions.models import subtree_q

if TYPE_CHECKING:
    from linli.core.models import User
    from linli.regions.models import Region


class OutOfScope(PermissionDenied):
    """The object or region lies outside the account's data scope."""

    def __init__(self, message: str = "超出本账号的数据范围"):
        super().__init__(message)
        self.message = message


# For each scoped model: the path from a row to its Region, and for residents the path that must
# equal their own person (or their household). Models absent here are not personal data.
SCOPE_PATHS: dict[str, dict[str, str]] = {
    "registry.person": {"region": "region", "self": "pk", "household": "household_id"},
    "registry.household": {"region": "region", "household": "pk"},
    "registry.building": {"region": "region"},
    "registry.persontag": {"region": "person__region", "self": "person_id"},
    "registry.staff": {"region": "region"},
    "registry.training": {"region": "staff__region"},
    "registry.organisation": {"region": "region"},
    "regions.region": {"region": ""},
    "core.auditlog": {"region_code": "region_code", "actor": "actor_id"},
    "core.importrun": {"region_code": "region_code", "actor": "actor_id"},
}


def declare(label: str, paths: dict[str, str]) -> None:
    """Declare the scope of another app's model (called from its ``AppConfig.ready``)."""
    existing = SCOPE_PATHS.get(label)
    if existing is not None and existing != paths:
        raise ValueError(f"{label} already has a different data scope declared")
    SCOPE_PATHS[label] = paths


def _paths(model: type[models.Model]) -> dict[str, str]:
    try:
        return SCOPE_PATHS[model._meta.label_lower]
    except KeyError as exc:  # a new model must declare its scope before it can be listed
        raise LookupError(f"{model._meta.label} has no data scope declared in linli.core.scope") from exc


def scope_q(user: User | Any, model: type[models.Model]) -> Q | None:
    """The filter limiting ``model`` to ``user``'s scope; None means everything."""
    paths = _paths(model)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser or user.role == Role.SYSTEM_ADMIN:
        return None
    if "region_code" in paths:  # audit log and import runs: own records; auditors see their subtree
        q = Q(**{paths["actor"]: user.pk}) if "actor" in paths else Q(pk__in=[])
        if user.role == Role.DISTRICT_ADMIN and user.region_id:
            q |= subtree_q(user.region_code, "region_code")
        return q
    if user.role == Role.RESIDENT:
        q = Q(pk__in=[])
        if user.person_id and "self" in paths:
            q |= Q(**{paths["self"]: user.person_id})
        if user.person_id and "household" in paths and user.person and user.person.household_id:
            q |= Q(**{paths["household"]: user.person.household_id})
        return q
    if model._meta.label_lower == "registry.organisation" and user.role == Role.DEPARTMENT_HANDLER:
        return Q(pk=user.organisation_id) if user.organisation_id else Q(pk__in=[])
    if user.role not in REGISTRY_READERS or not user.region_id:
        return Q(pk__in=[])
    region_path = paths["region"]
    return subtree_q(user.region_code, f"{region_path}__code" if region_path else "code")


def scoped(qs: models.QuerySet, user: User | Any) -> models.QuerySet:
    """``qs`` limited to what ``user`` may see. Every list, search, export and API read uses this."""
    q = scope_q(user, qs.model)
    return qs if q is None else qs.filter(q)


def region_in_scope(user: User | Any, region: Region) -> bool:
    if user.is_superuser or user.role == Role.SYSTEM_ADMIN:
        return True
    return bool(user.region_code) and region.code.startswith(user.region_code)


def require_region_in_scope(user: User | Any, region: Region, *, write: bool = True) -> None:
    """Raise OutOfScope unless ``user`` may write (or read) data of ``region``."""
    if write and not (user.is_superuser or user.role in REGISTRY_WRITERS):
        raise OutOfScope("本账号的角色不能修改基础数据")
    if not region_in_scope(user, region):
        raise OutOfScope(f"{region.name}（{region.code}）不在本账号的数据范围内")


def require_object_in_scope(user: User | Any, obj: models.Model) -> None:
    """Raise OutOfScope unless ``obj`` is visible to ``user`` (one indexed query)."""
    model = type(obj)
    if not scoped(model._default_manager.filter(pk=obj.pk), user).exists():
        raise OutOfScope()
