"""What the regions module adds to the kernel's seams (called from ``RegionsConfig.ready``).

The scope of regions, the 网格数 roll-up, the 区划网格 entry of the main navigation, the banner of a
demo database, and the home page's region parts: the account's region with its counts, and its
next level (a table of the children for staff, a summary for a department).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from linli.core import demo_steps, home, scope
from linli.core.context import register_nav
from linli.core.roles import REGISTRY_READERS, Role
from linli.regions import demo, rollup
from linli.regions.models import Level, Region

BASIC_DATA = "基础数据"  # the menu the registry's entries share
NOT_RESIDENT: frozenset[str] = frozenset(Role.values) - {Role.RESIDENT}
DEMO_SOURCE = "demo"  # ``Region.source`` of the demo's synthetic grids


def nav(user: Any, role: str) -> list[tuple[str, str]]:
    return [("regions:tree", "区划网格")] if role in REGISTRY_READERS else []


def home_region(user: Any, page: home.PageContext) -> home.PageContext:
    """The page's region: the account's own, or (unbound) the deepest of province, city and district,
    with its counts, and its next level with theirs."""
    region = (
        user.region or Region.objects.current().filter(level__lte=Level.DISTRICT).order_by("-level").first()
    )
    if region is None:
        return {"region": None, "children": []}
    codes = scope.account_codes(user)
    if len(codes) > 1:  # an account covering several regions (a grid worker's grids): their sum and each
        mine = list(rollup.annotate_rollup(Region.objects.current().filter(code__in=codes)).order_by("code"))
        total = rollup.annotate_rollup(Region.objects.filter(pk=region.pk)).get()
        for attr in [a for a in vars(total) if a.endswith("_count")]:
            setattr(total, attr, sum(getattr(r, attr) for r in mine))
        return {
            "region": total,
            "regions_label": "、".join(r.name for r in mine),
            "children": mine,
            "children_heading": "本账号负责的区域",
        }
    children = rollup.annotate_rollup(
        Region.objects.current().filter(parent=region), ["population", "households", "grids"]
    )
    return {
        "region": rollup.annotate_rollup(Region.objects.filter(pk=region.pk)).get(),
        "children": list(children),
    }


def _if_region(user: Any, page: home.PageContext) -> home.PageContext | None:
    return {} if page.get("region") is not None else None


def _if_children(user: Any, page: home.PageContext) -> home.PageContext | None:
    return {} if page.get("children") else None


def _region_detail(page: home.PageContext) -> str | None:
    region = page.get("region")
    return reverse("regions:detail", args=[region.code]) if region is not None else None


def demo_loaded() -> bool:
    return Region.objects.filter(source=DEMO_SOURCE).exists()


def register() -> None:
    scope.declare("regions.region", {"region": ""})
    rollup.register(
        rollup.Counter("grids", "网格数", lambda: Region.objects.current().filter(level=Level.GRID), "")
    )
    register_nav(nav, group=BASIC_DATA)
    demo_steps.register_presence(demo_loaded)
    # right after the registry's buildings, before the facilities are placed inside the outlines
    demo_steps.register(demo_steps.DemoStep("regions", "示意边界（区划与网格）", 5, demo.run, demo.loaded))
    home.register_panel(home.HomePanel("regions.region", 0, NOT_RESIDENT, home_region))
    home.register_panel(
        home.HomePanel("regions.stats", 10, NOT_RESIDENT, _if_region, "regions/_region_stats.html")
    )
    home.register_panel(
        home.HomePanel("regions.children", 30, REGISTRY_READERS, _if_children, "regions/home/_children.html")
    )
    home.register_panel(
        home.HomePanel(
            "regions.children_summary",
            30,
            frozenset({Role.DEPARTMENT_HANDLER}),
            _if_children,
            "regions/home/_children_summary.html",
        )
    )
    home.register_link(home.HomeLink("区域详情", 30, REGISTRY_READERS, _region_detail))
