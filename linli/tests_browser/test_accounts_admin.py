"""账号管理 in the browser: a district administrator opens a grid worker's account from the staff
registry; the grid worker signs in on a phone with the one-time password, must change it, and then
works in their grid; a street coordinator is offered nothing above the street and is refused it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from linli.core.models import User
from linli.registry.models import StaffKind
from linli.testing.factories import StaffFactory, World

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def test_district_admin_opens_a_grid_workers_account_who_signs_in_and_sees_the_grid(
    world: World, signed_in, browser, live_server: LiveServer
) -> None:
    StaffFactory.create(
        name="王网格", kind=StaffKind.GRID_WORKER, region=world.tree.community_a, grids=[world.tree.grid_a2]
    )
    admin = signed_in("district_admin")
    page = admin.page
    admin.menu("账号管理")
    expect(page.locator("h1")).to_have_text("账号管理")
    page.get_by_role("link", name="从工作人员名册开通账号").click()
    row = page.locator("#staff tbody tr", has_text="王网格")
    expect(row).to_contain_text("万福社区第2网格")
    row.get_by_role("link", name="开通账号").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#id_role")).to_have_value("grid_worker")
    expect(page.locator("#id_region")).to_have_value(world.tree.grid_a2.code)
    page.get_by_label("账号名").fill("wang_wangge")
    admin.shot("accounts-open")
    page.get_by_role("button", name="开通账号").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("账号已开通")
    password = page.locator("#one-time-password").inner_text().strip()
    assert len(password) == 12
    admin.shot("accounts-opened")
    assert admin.page_width() <= DESKTOP["width"] + 2

    # the grid worker, on a phone: the one-time password works once, then a password of their own
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(live_server.url + "/login/")
    phone.fill("#id_username", "wang_wangge")
    phone.fill("#id_password", password)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_load_state("networkidle")
    expect(phone.locator("h1")).to_have_text("修改密码")
    phone.get_by_label("当前密码").fill(password)
    phone.get_by_label("新密码", exact=True).fill("Luojiang-patrol-88")
    phone.get_by_label("再次输入新密码").fill("Luojiang-patrol-88")
    phone.get_by_role("button", name="修改密码").click()
    phone.wait_for_url(live_server.url + "/")
    expect(phone.locator("h1")).to_contain_text("万福社区第2网格")  # their grid's workbench
    phone.screenshot(path=str(admin.folder / "wang_wangge-home-phone.png"), full_page=True)
    assert int(phone.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"] + 2
    user = User.objects.get(username="wang_wangge")
    assert not user.must_change_password and user.region == world.tree.grid_a2
    context.close()


def test_street_coordinator_cannot_open_an_account_above_the_street(
    world: World, signed_in, live_server: LiveServer
) -> None:
    here = StaffFactory.create(name="李社工", kind=StaffKind.COMMUNITY_WORKER, region=world.tree.community_a)
    there = StaffFactory.create(
        name="罗溪社工", kind=StaffKind.COMMUNITY_WORKER, region=world.tree.community_c
    )
    street = signed_in("street_coordinator")
    page = street.page
    street.menu("账号管理")
    page.get_by_role("link", name="从工作人员名册开通账号").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#staff")).to_contain_text("李社工")
    expect(page.locator("#staff")).not_to_contain_text("罗溪社工")  # another street's staff is not offered
    assert page.goto(f"{live_server.url}/manage/accounts/staff/{there.pk}/open/").status == 404
    page.goto(f"{live_server.url}/manage/accounts/staff/{here.pk}/open/")
    roles = page.locator("#id_role option").all_inner_texts()
    assert "区/市管理员" not in roles and "街道/乡镇协调员" not in roles and "社区工作者" in roles
    regions = " ".join(page.locator("#id_region option").all_inner_texts())
    assert "洛江区" not in regions and "万安街道" in regions
    # choosing the street itself for a community worker: refused, nothing opened
    page.get_by_label("账号名").fill("li_shegong")
    page.select_option("#id_region", world.tree.street.code)
    page.get_by_role("button", name="开通账号").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#open-account .errorlist")).to_contain_text("该角色须绑定到社区/村一级的区域")
    # a hand-made request for the district is refused the same way
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    answer = page.request.post(
        f"{live_server.url}/manage/accounts/staff/{here.pk}/open/",
        form={
            "csrfmiddlewaretoken": token or "",
            "username": "li_shegong",
            "role": "community_worker",
            "region": world.tree.community_c.code,
        },
    )
    assert "不能授予超出本账号管辖范围的区域" in answer.text()
    street.shot("accounts-refused")
    assert not User.objects.filter(username="li_shegong").exists()


def test_district_admin_gives_a_grid_worker_a_second_grid_and_he_sees_the_requests_of_both(
    world: World, signed_in, live_server: LiveServer
) -> None:
    from linli.cases.services import case_create
    from linli.cases.tests.conftest import build_cases_world

    build_cases_world(world)
    tree, by = world.tree, world.accounts.street_coordinator
    numbers = {
        g.code: case_create(
            by=by,
            category="sanitation.complaint",
            description=f"{g.name}垃圾堆放",
            channel="hotline",
            grid=g.code,
        ).number
        for g in (tree.grid_a1, tree.grid_a2, tree.grid_b1)
    }
    worker = signed_in("grid_worker", phone=True)
    worker.go("/cases/?queue=all", "two-grids-before")
    expect(worker.page.locator("main")).to_contain_text(numbers[tree.grid_a1.code])
    expect(worker.page.locator("main")).not_to_contain_text(numbers[tree.grid_a2.code])

    admin = signed_in("district_admin")
    page = admin.page
    admin.menu("账号管理")
    page.fill("input[name=q]", "grid_worker")
    page.get_by_role("button", name="查询").click()
    page.locator("#managed-accounts tbody tr", has_text="网格员小王").get_by_role(
        "link", name="查看与调整"
    ).click()
    page.wait_for_load_state("networkidle")
    page.locator("#change").get_by_label(tree.grid_a2.name, exact=False).check()
    admin.shot("accounts-second-grid")
    page.locator("#change").get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("角色和范围已修改")
    expect(page.locator("main")).to_contain_text(f"{tree.grid_a1.name}、{tree.grid_a2.name}")
    assert User.objects.get(username="grid_worker").region_codes == [tree.grid_a1.code, tree.grid_a2.code]

    # the worker, on his phone: his workbench names both grids, his lists hold the requests of both
    worker.go("/", "two-grids-home")
    expect(worker.page.locator("h1")).to_contain_text(f"{tree.grid_a1.name}、{tree.grid_a2.name}")
    for queue in ("todo", "all"):
        worker.go(f"/cases/?queue={queue}", f"two-grids-{queue}")
        main = worker.page.locator("main")
        expect(main).to_contain_text(numbers[tree.grid_a1.code])
        expect(main).to_contain_text(numbers[tree.grid_a2.code])
        expect(main).not_to_contain_text(numbers[tree.grid_b1.code])
    assert worker.page_width() <= PHONE["width"] + 2


def test_a_resident_links_their_account_and_then_sees_their_own_record_on_a_phone(
    world: World, signed_in, live_server: LiveServer
) -> None:
    from linli.core.roles import Role
    from linli.testing.factories import UserFactory

    person = world.people.in_a2  # 黄美玲, of 万福社区's second grid
    UserFactory.create(username="huang_ml", display_name="", role=Role.RESIDENT, region=None)
    resident = signed_in("huang_ml", phone=True)
    page = resident.page
    expect(page.locator("main")).to_contain_text("本账号尚未关联居民档案")
    resident.menu("关联本人档案")
    page.get_by_label("姓名").fill(person.name)
    page.get_by_label("身份证号").fill("350504197505050000")  # a wrong number: said plainly, nothing asked
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text("姓名与身份证号对不上登记的档案")
    resident.shot("link-mismatch")
    page.get_by_label("身份证号").fill(person.id_number.reveal())
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("申请已提交，请带身份证到社区服务站核对")
    expect(page.locator("main")).to_contain_text("万福社区")
    resident.shot("link-asked")
    assert resident.page_width() <= PHONE["width"] + 2

    # the community worker of 万福社区 checks the ID card and confirms, on a phone too
    worker = signed_in("community_worker", phone=True)
    worker.menu("居民账号关联")
    row = worker.page.locator("#links tbody tr", has_text="huang_ml")
    expect(row).to_contain_text(person.name)
    expect(row).not_to_contain_text(person.id_number.reveal())  # the ID number masked on the list
    worker.shot("links")
    assert worker.page_width() <= PHONE["width"] + 2
    row.locator("select[name=confirm]").select_option("1")
    row.get_by_role("button", name="提交").click()
    worker.page.wait_for_load_state("networkidle")
    expect(worker.page.locator(".messages")).to_contain_text("已关联")
    expect(worker.page.locator("#links")).to_contain_text("没有待核对的申请")

    # the resident's home now shows their own record, masked, and their household
    resident.go("/", "linked-home")
    main = page.locator("main")
    expect(main).to_contain_text(person.name)
    expect(main).to_contain_text(world.tree.grid_a2.name)
    expect(main).not_to_contain_text(person.id_number.reveal())
    expect(main).not_to_contain_text("本账号尚未关联居民档案")
    assert resident.page_width() <= PHONE["width"] + 2
