"""Template context shared by every page: the navigation of the account's role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from linli.core.roles import AUDITORS, IMPORTERS, REGION_ADMINS, REGISTRY_READERS, Role

# Other modules add their entries from ``AppConfig.ready`` (called with the user and their role).
NavSection = Callable[[Any, str], list[tuple[str, str]]]
NAV_SECTIONS: list[NavSection] = []


def register_nav(section: NavSection) -> None:
    if section not in NAV_SECTIONS:
        NAV_SECTIONS.append(section)


# With more entries than this the bar shows one menu per module instead of every entry.
FLAT_NAV_MAX = 8
# Menu label per URL namespace; entries of other namespaces stand alone.
NAV_GROUPS = {
    "regions": "基础数据",
    "registry": "基础数据",
    "facilities": "设施与生活圈",
    "lifecircle": "设施与生活圈",
    "indicators": "规划监测",
    "cases": "诉求办理",
    "services": "服务与预约",
}


def nav_groups(nav: list[tuple[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(menu label or "", entries)] in first-appearance order; short bars stay flat."""
    if len(nav) <= FLAT_NAV_MAX:
        return [("", [entry]) for entry in nav]
    groups: dict[str, list[tuple[str, str]]] = {}
    order: list[str] = []
    for name, label in nav:
        key = NAV_GROUPS.get(name.partition(":")[0], "") if ":" in name else ""
        key = key or f"\0{name}"  # a stand-alone entry is a group of its own
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((name, label))
    return [("" if key.startswith("\0") else key, groups[key]) for key in order]


def linli(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    nav: list[tuple[str, str]] = []
    if user is not None and user.is_authenticated:
        role = Role.SYSTEM_ADMIN if user.is_superuser else user.role
        nav.append(("home", "首页"))
        if role in REGISTRY_READERS:
            nav += [
                ("regions:tree", "区划网格"),
                ("registry:persons", "人员"),
                ("registry:households", "户"),
                ("registry:buildings", "楼栋"),
                ("registry:audit", "四个不漏"),
            ]
        if role in REGISTRY_READERS or role == Role.DEPARTMENT_HANDLER:
            nav.append(("registry:organisations", "组织"))
        if role in REGISTRY_READERS:
            nav.append(("registry:staff", "工作人员"))
        if role in IMPORTERS:
            nav.append(("registry:import", "导入导出"))
        for section in NAV_SECTIONS:
            nav += section(user, role)
        if role in AUDITORS:
            nav.append(("audit_log", "审计日志"))
        if role in REGION_ADMINS:
            nav.append(("account_admin", "账号管理"))
    return {
        "nav": nav,
        "nav_groups": nav_groups(nav),
        "demo_label": settings.LINLI_DEMO_LABEL,
        "linli_demo": _demo_loaded(),
        "map_tiles": settings.LINLI_MAP_TILES,
        "map_attribution": settings.LINLI_MAP_ATTRIBUTION,
    }


def _demo_loaded() -> bool:
    """Whether synthetic demo regions are loaded (cached for a minute: asked on every page)."""
    from django.core.cache import cache

    from linli.regions.models import Region

    return bool(
        cache.get_or_set("linli:demo-loaded", lambda: Region.objects.filter(source="demo").exists(), 60)
    )
