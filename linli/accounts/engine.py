"""The rules of granting a role and a scope (plain Python, no Django).

Ranks order the roles; a region's level is the length of its statistical code (district 6, street 9,
community/village 12, grid 15). An administrator may give only a role *below* their own, bound to a
region *inside* their own subtree, at the level the role works at. A system administrator (no region)
may give any role but system administrator (that stays with the superusers).
"""

from __future__ import annotations

RANK = {
    "resident": 0,
    "grid_worker": 1,
    "community_worker": 2,
    "department_handler": 2,
    "street_coordinator": 3,
    "district_admin": 4,
    "system_admin": 5,
}
# The lengths of region code each role may be bound to.
LEVELS = {
    "resident": (12, 15),
    "grid_worker": (15,),
    "community_worker": (12,),
    "department_handler": (6,),
    "street_coordinator": (9,),
    "district_admin": (4, 6),
    "system_admin": (0,),
}
LEVEL_WORDS = {0: "全部", 2: "省", 4: "地市", 6: "区县", 9: "街道/乡镇", 12: "社区/村", 15: "网格"}
MANAGERS = frozenset({"street_coordinator", "district_admin", "system_admin"})


def manages(manager_role: str) -> bool:
    return manager_role in MANAGERS


def in_subtree(manager_code: str, code: str) -> bool:
    """Whether region ``code`` lies in the subtree of ``manager_code`` ("" is everything)."""
    return code.startswith(manager_code)


def may_manage(manager_role: str, manager_code: str, role: str, code: str) -> bool:
    """Whether an account of ``role`` bound to ``code`` is under this manager (strictly lower role, in
    the subtree)."""
    if not manages(manager_role):
        return False
    if manager_role == "system_admin":
        return role != "system_admin"
    return RANK.get(role, 99) < RANK[manager_role] and bool(code) and in_subtree(manager_code, code)


def grant_refusal(manager_role: str, manager_code: str, role: str, code: str) -> tuple[str, str, str] | None:
    """Why this manager may not give ``role`` bound to region ``code``, as (field, message, code), or
    None when they may."""
    if not manages(manager_role):
        return ("role", "本账号不能开通或调整账号", "accounts.not_a_manager")
    if role not in RANK:
        return ("role", "请选择角色", "accounts.role_unknown")
    if role == "system_admin" or (manager_role != "system_admin" and RANK[role] >= RANK[manager_role]):
        return ("role", "不能授予与本账号同级或更高的角色", "accounts.role_too_high")
    if len(code) not in LEVELS[role]:
        words = "或".join(LEVEL_WORDS[n] for n in LEVELS[role])
        return ("region", f"该角色须绑定到{words}一级的区域", "accounts.region_level")
    if not in_subtree(manager_code, code):
        return ("region", "不能授予超出本账号管辖范围的区域", "accounts.region_out_of_scope")
    return None


MORE_REGIONS_MAX = 20  # additional regions of one account


def regions_refusal(
    manager_role: str, manager_code: str, role: str, code: str, more: list[str] | tuple[str, ...] = ()
) -> tuple[str, str, str] | None:
    """Why this manager may not bind an account of ``role`` to ``code`` and the additional regions
    ``more`` (the same level as ``code``, each within the manager's subtree), or None when they may."""
    refusal = grant_refusal(manager_role, manager_code, role, code)
    if refusal is not None or not more:
        return refusal
    if role == "resident":
        return ("more_regions", "居民账号只能绑定一个区域", "accounts.more_regions_resident")
    if len(set(more) - {code}) > MORE_REGIONS_MAX:
        return ("more_regions", f"其他区域最多 {MORE_REGIONS_MAX} 个", "accounts.more_regions_too_many")
    for other in more:
        if len(other) != len(code):
            return ("more_regions", "其他区域须与绑定区域同一级别（如都是网格）", "accounts.region_level")
        refusal = grant_refusal(manager_role, manager_code, role, other)
        if refusal is not None:
            return ("more_regions", refusal[1], refusal[2])
    return None
