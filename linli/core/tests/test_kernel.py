"""The kernel knows no domain module: menus, home pages, scope and the demo banner come through its seams.

Every module registers into ``linli.core`` from its ``AppConfig.ready``; these tests check that the
kernel alone still serves every role, that a module added later reaches the menu and the home page
without any change to the kernel, and that the modules below it (regions, registry) fill them as
before.
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from linli.core import context, demo_steps, home, scope
from linli.core.roles import Role

pytestmark = pytest.mark.django_db

CORE = Path(__file__).resolve().parents[1]
DOMAIN_APPS = ("regions", "registry", "facilities", "cases", "services", "lifecircle", "indicators")


def test_no_kernel_module_imports_a_domain_module():
    """Not at the top of a module, not inside a function, not for type checking only."""
    found = []
    for path in CORE.rglob("*.py"):
        if "tests" in path.relative_to(CORE).parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            found += [
                f"{path.relative_to(CORE)}:{node.lineno} {n}"
                for n in names
                if n.split(".")[:2] in [["linli", app] for app in DOMAIN_APPS]
            ]
    assert found == []


@pytest.fixture
def bare_kernel(monkeypatch):
    """The kernel with no module registered into its seams."""
    monkeypatch.setattr(context, "NAV_SECTIONS", [])
    monkeypatch.setattr(home, "PANELS", {})
    monkeypatch.setattr(home, "LINKS", {})
    monkeypatch.setattr(demo_steps, "PRESENCE", [])


@pytest.mark.usefixtures("bare_kernel")
def test_the_bare_kernel_serves_every_role(world, client_for):
    for user in world.accounts.all():
        response = client_for(user).get(reverse("home"))
        assert response.status_code == 200, user.role
        role = Role.SYSTEM_ADMIN if user.is_superuser else user.role
        expected = [("home", "首页")]
        if role in (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN):
            expected += [("audit_log", "审计日志"), ("account_admin", "账号管理")]
        assert response.context["nav"] == expected
        assert response.context["panels"] == [] and response.context["links"] == []
        assert not response.context["linli_demo"]


@pytest.fixture
def fresh_module(monkeypatch, tmp_path):
    """A module added later: a menu entry, a home panel with its own template, a link, a demo marker."""
    monkeypatch.setattr(context, "NAV_SECTIONS", list(context.NAV_SECTIONS))
    monkeypatch.setattr(home, "PANELS", dict(home.PANELS))
    monkeypatch.setattr(home, "LINKS", dict(home.LINKS))
    monkeypatch.setattr(demo_steps, "PRESENCE", list(demo_steps.PRESENCE))

    def nav(user, role):
        return [("account_password", "新模块")] if role == Role.COMMUNITY_WORKER else []

    def todo(user, page):
        return {"todo_count": 3} if page.get("region") is not None else None

    context.register_nav(nav, group="新模块菜单")
    (tmp_path / "fresh").mkdir()
    (tmp_path / "fresh" / "_todo.html").write_text('<p class="todo">待办 {{ todo_count }} 件</p>')
    home.register_panel(
        home.HomePanel("fresh.todo", 25, frozenset({Role.COMMUNITY_WORKER}), todo, "fresh/_todo.html")
    )
    home.register_link(
        home.HomeLink("新模块", 40, frozenset({Role.COMMUNITY_WORKER}), lambda page: "/fresh/")
    )
    demo_steps.register_presence(lambda: True)
    engine = copy.deepcopy(settings.TEMPLATES[0])
    engine["DIRS"] = [tmp_path, *engine["DIRS"]]
    cache.delete("linli:demo-loaded")
    with override_settings(TEMPLATES=[engine]):
        yield
    cache.delete("linli:demo-loaded")


@pytest.mark.usefixtures("fresh_module")
def test_a_module_added_later_reaches_the_menu_and_the_home_page(world, client_for):
    response = client_for(world.accounts.community_worker).get(reverse("home"))
    html = response.content.decode()
    nav = response.context["nav"]
    assert nav[-1] == ("account_password", "新模块")  # after every module registered before it
    assert dict(response.context["nav_groups"])["新模块菜单"] == [("account_password", "新模块")]
    panels = response.context["panels"]
    # between the registry's 重点人群 (20) and regions' table of the next level (30)
    assert panels.index("fresh/_todo.html") == panels.index("registry/home/_people.html") + 1
    assert panels.index("fresh/_todo.html") + 1 == panels.index("regions/home/_children.html")
    assert '<p class="todo">待办 3 件</p>' in html
    assert [link.label for link in response.context["links"]] == [
        "查找人员",
        "四个不漏核查",
        "区域详情",
        "新模块",
    ]
    assert response.context["linli_demo"]
    # the other roles do not get it
    other = client_for(world.accounts.street_coordinator).get(reverse("home"))
    assert "fresh/_todo.html" not in other.context["panels"]
    assert ("account_password", "新模块") not in other.context["nav"]


# The entries regions and the registry add, per role, in order (the rest of each bar is other modules').
BASIC = {
    Role.RESIDENT: [],
    Role.DEPARTMENT_HANDLER: [("registry:organisations", "组织")],
    Role.GRID_WORKER: [  # organisations and staff are the community's: none lies in a grid
        ("regions:tree", "区划网格"),
        ("registry:persons", "人员"),
        ("registry:households", "户"),
        ("registry:buildings", "楼栋"),
        ("registry:audit", "四个不漏"),
    ],
}
BASIC[Role.STREET_COORDINATOR] = [
    *BASIC[Role.GRID_WORKER],
    ("registry:organisations", "组织"),
    ("registry:staff", "工作人员"),
]
BASIC[Role.COMMUNITY_WORKER] = [*BASIC[Role.STREET_COORDINATOR], ("registry:import", "导入导出")]
BASIC[Role.DISTRICT_ADMIN] = BASIC[Role.SYSTEM_ADMIN] = BASIC[Role.COMMUNITY_WORKER]


def test_every_role_gets_the_basic_data_menu_and_its_home_page_through_the_seams(world, client_for):
    for user in world.accounts.all():
        role = Role.SYSTEM_ADMIN if user.is_superuser else user.role
        response = client_for(user).get(reverse("home"))
        nav = response.context["nav"]
        assert nav[0] == ("home", "首页")
        assert [e for e in nav if e[0].split(":")[0] in ("regions", "registry")] == BASIC[role], role
        groups = dict(response.context["nav_groups"]) if len(nav) > context.FLAT_NAV_MAX else {}
        if BASIC[role] and groups:
            assert groups["基础数据"] == BASIC[role]
        html = response.content.decode()
        if role == Role.RESIDENT:
            assert response.context["panels"] == ["registry/home/_me.html"] and "<h1>我的信息</h1>" in html
            assert world.people.head.name in html
        elif role == Role.DEPARTMENT_HANDLER:
            assert response.context["panels"] == [
                "regions/_region_stats.html",
                "regions/home/_children_summary.html",
            ]
            assert "部门工作台 · 洛江区民政局" in html and "重点人群" not in html
        else:
            staff = [
                "regions/_region_stats.html",
                "registry/home/_people.html",
                "regions/home/_children.html",
            ]
            if role == Role.GRID_WORKER:
                staff.pop()  # a grid has no next level
            assert response.context["panels"] == staff, role
            assert "重点人群" in html and "查找人员" in html


def test_scope_is_declared_by_each_module():
    assert scope.SCOPE_PATHS["regions.region"] == {"region": ""}
    assert scope.SCOPE_PATHS["registry.organisation"]["organisation"] == "pk"
    with pytest.raises(ValueError, match="different data scope"):
        scope.declare("regions.region", {"region": "parent"})
