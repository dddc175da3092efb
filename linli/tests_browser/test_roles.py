"""What each of the other roles sees and may do, at a desktop browser or (grid worker, resident) on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from linli.testing.factories import StaffFactory, World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

PHONE_WIDTH = 390
TOLERANCE = 2  # CSS pixels of rounding


def test_grid_worker_on_a_phone(world: World, signed_in) -> None:
    v = signed_in("grid_worker", phone=True)
    page = v.page
    expect(page.locator("h1")).to_contain_text("网格员工作台")
    expect(page.locator(".stat").filter(has_text="在册人口").locator("b")).to_have_text("3")

    # The main navigation is a few module menus that open on a tap, not a wall of links.
    nav = page.locator("nav.mainnav")
    registry = nav.locator(".navgroup", has_text="基础数据")
    expect(registry.locator(".navmenu")).to_be_hidden()
    registry.locator(".navhead").click()
    expect(registry.get_by_role("link", name="人员", exact=True)).to_be_visible()
    v.shot("grid-worker-menu")
    assert v.page_width() <= PHONE_WIDTH + TOLERANCE

    v.go("/registry/persons/", "persons")
    rows = page.locator("#person-rows")
    expect(rows).to_contain_text("共 3 人")
    for name in ("林建国", "陈秀英", "林晓东"):
        expect(rows.get_by_role("link", name=name)).to_be_visible()
    expect(rows).not_to_contain_text("黄美玲")  # grid A2
    expect(rows.locator("thead")).to_be_hidden()  # rows become cards with their own labels
    assert v.page_width() <= PHONE_WIDTH + TOLERANCE, f"persons list is {v.page_width()}px wide"

    rows.get_by_role("link", name="林建国").click()
    page.wait_for_url(f"**/registry/persons/{world.people.head.pk}/")
    page.wait_for_load_state("networkidle")
    v.shot("person")
    expect(page.locator("h1")).to_contain_text("林建国")
    expect(page.locator("dl.kv dd").first.locator(".masked")).to_contain_text("**********")
    expect(page.locator("dl.kv")).to_contain_text("1958年3月14日")
    assert v.page_width() <= PHONE_WIDTH + TOLERANCE, f"person detail is {v.page_width()}px wide"
    size = page.locator("dl.kv dd").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 14  # readable without zooming


def test_street_coordinator_sees_both_communities_without_reveal(world: World, signed_in) -> None:
    v = signed_in("street_coordinator")
    page = v.page
    v.go("/registry/persons/", "persons")
    rows = page.locator("#person-rows")
    expect(rows).to_contain_text("共 5 人")
    expect(rows.get_by_role("link", name="林建国")).to_be_visible()
    expect(rows.get_by_role("link", name="郑志强")).to_be_visible()
    expect(rows).not_to_contain_text("苏阿婆")
    expect(rows).not_to_contain_text("CSV（脱敏）")  # no export permission

    v.go(f"/registry/persons/{world.people.in_b.pk}/", "person")
    expect(page.locator("h1")).to_contain_text("郑志强")
    expect(page.locator("dl.kv .masked").first).to_contain_text("**********")
    expect(page.locator("form.reveal-box")).to_have_count(0)
    expect(page.locator("details.reveal")).to_have_count(0)

    # The region tree opens a community with ▸ (htmx) and shows its grids' counts.
    v.go("/regions/", "regions")
    tree = page.locator("#region-tree")
    expect(tree.locator("tr.root")).to_contain_text("万安街道")
    a1 = tree.locator(f"#r{world.tree.grid_a1.code}")
    expect(a1).to_have_count(0)
    page.get_by_role("button", name="展开万福社区居委会").click()
    expect(a1.locator("td.n")).to_have_text(["3", "1", "1", "1"])
    expect(tree.locator(f"#r{world.tree.grid_a2.code} td.n").first).to_have_text("1")
    expect(page.get_by_role("button", name="展开万福社区居委会")).to_have_count(0)
    v.shot("regions-expanded")

    v.go("/registry/audit/", "four-no-miss")
    expect(page.locator("h1")).to_have_text("四个不漏核查 · 万安街道")
    table = page.locator("table.t")
    expect(table.locator("tbody tr")).to_have_count(2)  # communities A and B
    expect(table.locator("tbody")).to_contain_text("万福社区居委会")
    # 黄美玲 (A2) and 郑志强 (B1) are registered in no household.
    check = page.locator("a.stat").filter(has_text="户不漏人：未入户的人员")
    expect(check.locator("b")).to_have_text("2")
    check.click()
    page.wait_for_load_state("networkidle")
    v.shot("four-no-miss-detail")
    expect(page.locator("h2#detail")).to_have_text("户不漏人：未入户的人员（2）")
    detail = page.locator("h2#detail + .scroll table")
    expect(detail.get_by_role("link", name="黄美玲")).to_be_visible()
    expect(detail.get_by_role("link", name="郑志强")).to_be_visible()
    expect(detail).not_to_contain_text("林建国")


def test_department_handler_sees_only_summaries(world: World, signed_in) -> None:
    v = signed_in("department_handler")
    page = v.page
    expect(page.locator("h1")).to_have_text("部门工作台 · 洛江区民政局")
    expect(page.locator(".stat").filter(has_text="在册人口").locator("b")).to_have_text("6")
    nav = page.locator("nav.mainnav")
    expect(nav.get_by_role("link", name="组织")).to_be_visible()
    expect(nav.get_by_role("link", name="人员")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("林建国")
    v.go("/registry/persons/", "persons", status=403)
    expect(page.locator("body")).not_to_contain_text("林建国")


def test_resident_on_a_phone(world: World, signed_in) -> None:
    head = world.people.head
    v = signed_in("resident", phone=True)
    page = v.page
    expect(page.locator("h1")).to_have_text("我的信息")
    me = page.locator("dl.kv")
    expect(me).to_contain_text("林建国")
    expect(me.locator("dd.masked").first).to_contain_text("**********")
    expect(page.locator("body")).not_to_contain_text(head.id_number.reveal())
    members = page.locator("table.t")
    expect(members).to_contain_text("陈秀英")
    expect(members).to_contain_text("林晓东")
    expect(members).not_to_contain_text("黄美玲")
    # residents get the home page and the modules' resident entries, never the staff registry pages
    expect(page.locator("nav.mainnav a").first).to_have_text("首页")
    expect(page.locator("nav.mainnav")).not_to_contain_text("人员")
    assert v.page_width() <= PHONE_WIDTH + TOLERANCE
    v.go("/registry/persons/", "persons", status=403)
    expect(page.locator("body")).not_to_contain_text("陈秀英")


def test_district_admin_audit_log_and_lists(world: World, signed_in) -> None:
    StaffFactory(name="许文静", post="网格长", region=world.tree.community_a)
    in_c = world.people.in_c
    v = signed_in("district_admin")
    page = v.page
    v.go(f"/registry/persons/{in_c.pk}/", "person")
    phone = page.locator("dl.kv dd").nth(1)
    phone.locator("summary", has_text="查看完整").click()
    phone.locator("input[name=reason]").fill("联系家属核实走访")
    phone.get_by_role("button", name="确认查看").click()
    expect(phone.locator("b.masked")).to_have_text(in_c.phone.reveal())

    v.go("/audit-log/", "audit-log")
    log = page.locator("table.t tbody")
    reveal_row = log.locator("tr").filter(has_text="联系家属核实走访")
    expect(reveal_row).to_have_count(1)
    expect(reveal_row.locator("td[data-label=操作人]")).to_have_text(
        "区管理员"
    )  # display name; account in title
    expect(reveal_row.locator("td[data-label=操作]")).to_have_text("查看完整信息")
    expect(reveal_row.locator("td[data-label=对象]")).to_have_text("苏阿婆")

    page.select_option("select[name=action]", label="修改")  # nothing was changed: the filter really filters
    page.get_by_role("button", name="筛选").click()
    expect(log).to_contain_text("没有符合条件的记录")
    page.select_option("select[name=action]", label="查看完整信息")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/audit-log/?*action=reveal*")
    v.shot("audit-log-reveals")
    expect(page.locator("p.muted")).to_have_text("共 1 条")
    expect(log.locator("tr")).to_have_count(1)
    expect(log.locator("td[data-label=操作]")).to_have_text(["查看完整信息"])

    v.go("/registry/households/", "households")
    expect(page.locator("main")).to_contain_text(world.people.household.code)
    v.go("/registry/buildings/", "buildings")
    expect(page.locator("main").get_by_role("link", name="阳光花园1号楼")).to_be_visible()
    v.go("/registry/organisations/", "organisations")
    expect(page.locator("main")).to_contain_text("洛江区民政局")
    v.go("/registry/staff/", "staff")
    expect(page.locator("main")).to_contain_text("许文静")
    expect(page.locator("main")).to_contain_text("网格长")


def test_system_admin_region_tree_from_the_province(world: World, signed_in) -> None:
    v = signed_in("system_admin")
    page = v.page
    v.go("/regions/", "regions")
    tree = page.locator("#region-tree")
    root = tree.locator("tr.root")
    expect(root).to_contain_text("福建省")
    expect(root.locator("td.n")).to_have_text(["6", "1", "1", "8"])
    expect(tree.locator(f"#r{world.tree.city.code}")).to_contain_text("泉州市")
    page.get_by_role("button", name="展开泉州市").click()
    district = tree.locator(f"#r{world.tree.district.code}")
    expect(district).to_contain_text("洛江区")
    expect(district.locator("td.n")).to_have_text(["6", "1", "1", "8"])
    v.shot("regions-expanded")
