"""Template context shared by every page: the navigation of the account's role.

The kernel adds its own entries (首页 first; 审计日志 and 账号管理 last); every module adds its
entries between them with ``register_nav`` from its ``AppConfig.ready``, in the order of
``INSTALLED_APPS``, each section under the label of the menu it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from linli.core import demo_steps
from linli.core.roles import AUDITORS, REGION_ADMINS, Role, effective_role

# A module's section: called with the user and their effective role, it returns (url name, label) pairs.
NavSection = Callable[[Any, str], list[tuple[str, str]]]


@dataclass(frozen=True)
class NavRegistration:
    section: NavSection
    group: str  # the label of the menu its entries go in when the bar is grouped ("" stands alone)


NAV_SECTIONS: list[NavRegistration] = []


def register_nav(section: NavSection, *, group: str = "") -> None:
    """Add a module's entries to the bar; ``group`` names the menu they share with related modules."""
    if all(r.section is not section for r in NAV_SECTIONS):
        NAV_SECTIONS.append(NavRegistration(section, group))


# The module that manages accounts may take core's 账号管理 over (password reset, lifting a lockout): the
# url names of its list and of one account's page. Core's menu entry then goes, and core's old pages
# redirect there (a kernel without such a module keeps its own page).
ACCOUNT_ADMIN: dict[str, str] = {}


def register_account_admin(*, list_url: str, detail_url: str) -> None:
    ACCOUNT_ADMIN.clear()
    ACCOUNT_ADMIN.update(list=list_url, detail=detail_url)


# With more entries than this the bar shows one menu per module instead of every entry.
FLAT_NAV_MAX = 8


def nav_groups(
    nav: list[tuple[str, str]], group_of: dict[str, str]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(menu label or "", entries)] in first-appearance order; short bars stay flat.

    ``group_of`` maps an entry's url name to its menu label; entries without one stand alone.
    """
    if len(nav) <= FLAT_NAV_MAX:
        return [("", [entry]) for entry in nav]
    groups: dict[str, list[tuple[str, str]]] = {}
    order: list[str] = []
    for name, label in nav:
        key = group_of.get(name, "") or f"\0{name}"  # a stand-alone entry is a group of its own
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((name, label))
    return [("" if key.startswith("\0") else key, groups[key]) for key in order]


def navigation(user: Any) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The bar of ``user``: its entries, and the menu label of each entry that has one."""
    nav: list[tuple[str, str]] = []
    group_of: dict[str, str] = {}
    if user is None or not user.is_authenticated:
        return nav, group_of
    role = effective_role(user)
    nav.append(("home", "首页"))
    for registration in NAV_SECTIONS:
        entries = registration.section(user, role)
        nav += entries
        # a resident's bar stays flat however long: menus would hide the few pages they come for
        if registration.group and role != Role.RESIDENT:
            group_of.update((name, registration.group) for name, _ in entries)
    if role in AUDITORS:
        nav.append(("audit_log", "审计日志"))
    if role in REGION_ADMINS and not ACCOUNT_ADMIN:
        nav.append(("account_admin", "账号管理"))
    return nav, group_of


def linli(request: HttpRequest) -> dict[str, Any]:
    nav, group_of = navigation(getattr(request, "user", None))
    return {
        "nav": nav,
        "nav_groups": nav_groups(nav, group_of),
        "demo_label": settings.LINLI_DEMO_LABEL,
        "linli_demo": _demo_loaded(),
        "map_tiles": settings.LINLI_MAP_TILES,
        "map_attribution": settings.LINLI_MAP_ATTRIBUTION,
        "map_crs": settings.LINLI_MAP_CRS,
        "map_subdomains": settings.LINLI_MAP_TILES_SUBDOMAINS,
    }


def _demo_loaded() -> bool:
    """Whether synthetic demo data is loaded (cached for a minute: asked on every page)."""
    return bool(cache.get_or_set("linli:demo-loaded", demo_steps.present, 60))
