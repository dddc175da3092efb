"""The kernel knows no domain module: menus, home pages, scope and the demo banner come through its seams.

Every module registers into ``linli.core`` from its ``AppConfig.ready``; these tests check that the
kernel alone still serves every role, that a module added later reaches the menu and the home page
without any change to the kernel, and that the modules below it (regions, registry) fill them as
before.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from linli.core import context, demo_steps, home, scope
from linli.core.roles import Role

pytestmark = pytest.mark.django_db

CORE = Path(__file__).resolve().parents[1]
DOMAIN_APPS = (
    "regions",
    "registry",
    "facilities",
    "cases",
    "services",
    "lifecircle",
    "indicators",
    "accounts",
    "care",
    "volunteers",
    "deliberation",
    "workforce",
)


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
    monkeypatch.setattr(context, "ACCOUNT_ADMIN", {})
    monkeypatch.setattr(home, "PANELS", {})
    monkeypatch.setattr(home, "LINKS", {})
    monkeypatch.setattr(home, "TODO_SOURCES", {})
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
        assert response.context["todo"] is None and "待办" not in response.content.decode()
        assert not response.context["linli_demo"]


@pytest.fixture
def fresh_module(monkeypatch, tmp_path):
    """A module added later: a menu entry, a home panel with its own template, a link, a demo marker."""
    monkeypatch.setattr(context, "NAV_SECTIONS", list(context.NAV_SECTIONS))
    monkeypatch.setattr(home, "PANELS", dict(home.PANELS))
    monkeypatch.setattr(home, "LINKS", dict(home.LINKS))
    monkeypatch.setattr(home, "TODO_SOURCES", dict(home.TODO_SOURCES))
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
        timed = response.headers.get("Server-Timing", "")
        if role == Role.RESIDENT:
            assert not timed  # a resident's page says nothing of its parts
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
            # what each part took, for the city bench: every panel and to-do source the role has
            assert "regions-region;dur=" in timed and "todo-cases-requests;dur=" in timed, timed
            assert "重点人群" in html and "查找人员" in html


def test_scope_is_declared_by_each_module():
    assert scope.SCOPE_PATHS["regions.region"] == {"region": ""}
    assert scope.SCOPE_PATHS["registry.organisation"]["organisation"] == "pk"
    with pytest.raises(ValueError, match="different data scope"):
        scope.declare("regions.region", {"region": "parent"})


# --- 待办: the to-do seam ---------------------------------------------------------------------------


@pytest.fixture
def only_fresh_todo(monkeypatch):
    """The kernel with one module's to-do sources only (the other modules' are tested in their apps)."""
    monkeypatch.setattr(home, "TODO_SOURCES", {})


NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)  # 18:00 in Asia/Shanghai


def test_urgency_reads_as_words():
    item = home.TodoItem("x", "/x/", home.OVERDUE, due=NOW - dt.timedelta(days=3, hours=2))
    assert item.urgency_words(NOW) == "已超期 3 天"
    assert home.TodoItem("x", "/x/", home.OVERDUE, due=NOW - dt.timedelta(hours=5)).urgency_words(NOW) == (
        "已超期 5 小时"
    )
    soon = home.TodoItem("x", "/x/", home.DUE_SOON, due=NOW + dt.timedelta(hours=3))
    assert soon.urgency_words(NOW) == "今天 21:00 到期"
    tomorrow = home.TodoItem("x", "/x/", home.DUE_SOON, due=NOW + dt.timedelta(hours=20))
    assert tomorrow.urgency_words(NOW) == "明天 14:00 到期"
    waiting = home.TodoItem("x", "/x/", home.WAITING, due=NOW + dt.timedelta(days=5), state="待确认")
    assert waiting.urgency_words(NOW) == "待确认"  # a deadline far off does not make it urgent
    assert home.TodoItem("x", "/x/", home.OVERDUE).urgency_words(NOW) == "已超期"


@pytest.mark.usefixtures("only_fresh_todo")
def test_todo_sources_are_collected_most_urgent_first_and_bounded(world):
    cw = world.accounts.community_worker
    seen = []

    def requests(user):
        seen.append(user)
        return [
            home.TodoItem(f"诉求 {i}", f"/r/{i}/", home.WAITING, state="待受理", kind="诉求", list_url="/r/")
            for i in range(25)
        ] + [
            home.TodoItem("超期的诉求", "/r/late/", home.OVERDUE, due=NOW - dt.timedelta(days=2), kind="诉求")
        ]

    def bookings(user):
        return [
            home.TodoItem(
                "明早的预约", "/b/1/", home.DUE_SOON, due=NOW + dt.timedelta(hours=15), kind="预约"
            ),
            home.TodoItem("今晚的预约", "/b/2/", home.DUE_SOON, due=NOW + dt.timedelta(hours=2), kind="预约"),
            home.TodoItem("3 个预约待确认", "/b/3/", home.WAITING, kind="预约", count=3, list_url="/b/"),
        ]

    home.register_todo("fresh.requests", frozenset({Role.COMMUNITY_WORKER}), requests)
    home.register_todo(
        "fresh.bookings", frozenset({Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR}), bookings
    )

    todo = home.todo_for(cw, Role.COMMUNITY_WORKER, now=NOW)
    assert seen == [cw]
    titles = [t.item.title for t in todo.items]
    assert titles[:3] == ["超期的诉求", "今晚的预约", "明早的预约"]  # overdue, then the earliest due
    assert [t.words for t in todo.items[:3]] == ["已超期 2 天", "今天 20:00 到期", "明天 09:00 到期"]
    assert [t.css for t in todo.items[:3]] == ["overdue", "soon", "soon"]
    assert len(todo.items) == home.TODO_SHOWN
    assert todo.total == 26 + 2 + 3  # a grouped item counts what it stands for
    # the kinds cut off lead to their full queue; the bookings all fit
    assert todo.more == [("查看全部 26 项诉求", "/r/")]

    street = home.todo_for(world.accounts.street_coordinator, Role.STREET_COORDINATOR, now=NOW)
    assert [t.item.title for t in street.items] == ["今晚的预约", "明早的预约", "3 个预约待确认"]
    assert home.todo_for(world.accounts.resident, Role.RESIDENT) is None  # no source serves it


@pytest.mark.usefixtures("only_fresh_todo")
def test_the_home_page_shows_the_todo_above_the_counts_and_says_when_nothing_waits(world, client_for):
    items: list[home.TodoItem] = []
    roles = frozenset({Role.COMMUNITY_WORKER, Role.DEPARTMENT_HANDLER})
    home.register_todo("fresh.things", roles, lambda user: list(items))

    html = client_for(world.accounts.community_worker).get(reverse("home")).content.decode()
    assert "目前没有等待您处理的事项" in html
    assert html.index("待办") < html.index("重点人群")

    items.append(
        home.TodoItem("楼道堆物<清理>", "/cases/1/", home.OVERDUE, due=timezone.now(), detail="万福社区")
    )
    for user in (world.accounts.community_worker, world.accounts.department_handler):
        html = client_for(user).get(reverse("home")).content.decode()
        assert 'href="/cases/1/"' in html and "楼道堆物&lt;清理&gt;" in html  # escaped
        assert "已超期" in html and "todo-item overdue" in html
        assert "目前没有等待您处理的事项" not in html
    street = client_for(world.accounts.street_coordinator).get(reverse("home"))
    assert street.context["todo"] is None and "todo-item" not in street.content.decode()


def test_nearby_sources_serve_their_roles_nearest_first(monkeypatch):
    from linli.core import nearby

    monkeypatch.setattr(nearby, "NEARBY_SOURCES", {})
    seen: list[tuple[float, float, int]] = []

    def visits(user, lon, lat, radius_m):
        seen.append((lon, lat, radius_m))
        return [
            nearby.NearbyItem("走访 王**", "/v/1", 120, "走访"),
            nearby.NearbyItem("走访 李**", "/v/2", 40, "走访"),
        ]

    def buildings(user, lon, lat, radius_m):
        return [nearby.NearbyItem("3 栋", "/b/3", 80, "楼栋")]

    nearby.register_nearby("care.visits", frozenset({Role.GRID_WORKER}), visits)
    nearby.register_nearby(
        "registry.buildings", frozenset({Role.GRID_WORKER, Role.COMMUNITY_WORKER}), buildings
    )
    got = nearby.items_near(None, Role.GRID_WORKER, 118.6, 24.9, radius_m=200)
    assert [i.url for i in got] == ["/v/2", "/b/3", "/v/1"]
    assert seen == [(118.6, 24.9, 200)]
    assert [i.url for i in nearby.items_near(None, Role.COMMUNITY_WORKER, 118.6, 24.9)] == ["/b/3"]
    assert nearby.items_near(None, Role.RESIDENT, 118.6, 24.9) == []
    assert len(nearby.items_near(None, Role.GRID_WORKER, 118.6, 24.9, limit=2)) == 2


@pytest.mark.usefixtures("only_fresh_todo")
def test_a_resident_sees_what_waits_for_them_above_their_data_and_nothing_when_nothing_waits(
    world, client_for
):
    resident = world.accounts.resident
    html = client_for(resident).get(reverse("home")).content.decode()
    assert "需要您办理的事" not in html and "待办" not in html  # nothing waits: no empty box for a resident
    home.register_todo(
        "fresh.votes",
        frozenset({Role.RESIDENT}),
        lambda user: [home.TodoItem("请投票：加装电梯", "/v/1/", home.DUE_SOON, due=NOW, kind="议事")],
    )
    html = client_for(resident).get(reverse("home")).content.decode()
    assert "需要您办理的事" in html and "请投票：加装电梯" in html
    assert html.index("需要您办理的事") < html.index("身份证号")  # above their data
