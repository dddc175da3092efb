"""The roles of Linli's users and what each may do."""

from django.db import models

from linli.core.errors import Forbidden


class Role(models.TextChoices):
    RESIDENT = "resident", "居民"
    GRID_WORKER = "grid_worker", "网格员"
    COMMUNITY_WORKER = "community_worker", "社区工作者"
    STREET_COORDINATOR = "street_coordinator", "街道/乡镇协调员"
    DEPARTMENT_HANDLER = "department_handler", "部门办理人员"
    DISTRICT_ADMIN = "district_admin", "区/市管理员"
    SYSTEM_ADMIN = "system_admin", "系统管理员"


# Roles that read and keep the registry of their region subtree.
REGISTRY_READERS: frozenset[str] = frozenset(
    {
        Role.GRID_WORKER,
        Role.COMMUNITY_WORKER,
        Role.STREET_COORDINATOR,
        Role.DISTRICT_ADMIN,
        Role.SYSTEM_ADMIN,
    }
)
REGISTRY_WRITERS: frozenset[str] = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
IMPORTERS: frozenset[str] = frozenset({Role.COMMUNITY_WORKER, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})
AUDITORS: frozenset[str] = frozenset({Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})
REGION_ADMINS: frozenset[str] = frozenset({Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})

# Default grants of the two personal-data permissions, applied by ``user_create``.
DEFAULT_REVEAL: frozenset[str] = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
DEFAULT_EXPORT: frozenset[str] = frozenset({Role.COMMUNITY_WORKER, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})

# The level of region each role is normally bound to (shown as a hint when creating accounts).
ROLE_LEVEL_HINT = {
    Role.RESIDENT: "社区/村",
    Role.GRID_WORKER: "网格",
    Role.COMMUNITY_WORKER: "社区/村",
    Role.STREET_COORDINATOR: "街道/乡镇",
    Role.DEPARTMENT_HANDLER: "区县（所属部门）",
    Role.DISTRICT_ADMIN: "区县或地市",
    Role.SYSTEM_ADMIN: "全部",
}


def effective_role(user: object) -> str:
    """The role an account acts in: a superuser acts as system administrator whatever its role field."""
    if getattr(user, "is_superuser", False):
        return Role.SYSTEM_ADMIN
    return str(getattr(user, "role", Role.RESIDENT))


def require_role(user: object, roles: frozenset[str] | set[str], message: str) -> str:
    """The account's effective role when it is one of ``roles``; otherwise 403 with ``message``."""
    role = effective_role(user)
    if role not in roles:
        raise Forbidden(message)
    return role
