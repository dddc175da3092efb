"""Account pages in the browser: changing one's password, an administrator's reset with its forced change,
and the login lockout with its lifting — at a desktop and on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from linli.core.models import AuditAction, AuditLog
from linli.testing.factories import PASSWORD, World

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

TOLERANCE = 2  # CSS pixels of rounding


def _fresh_page(browser: Browser, *, phone: bool) -> Page:
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, locale="zh-CN", is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(30_000)
    return context.new_page()


def _try_login(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def _width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_resident_changes_own_password_on_a_phone(world: World, signed_in, live_server: LiveServer) -> None:
    v = signed_in("resident", phone=True)
    page = v.page
    page.locator(".who").get_by_role("link", name="修改密码").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("修改密码")
    expect(page.locator(".crumbs")).to_have_text("账号设置 / 修改密码")
    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("12345678")
    page.get_by_label("再次输入新密码").fill("12345678")
    page.get_by_role("button", name="修改密码").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".errorlist")).to_contain_text("密码只包含数字")
    v.shot("password-refused")
    assert _width(page) <= PHONE["width"] + TOLERANCE
    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Lin-jianguo-2025")
    page.get_by_label("再次输入新密码").fill("Lin-jianguo-2025")
    page.get_by_role("button", name="修改密码").click()
    page.wait_for_url(live_server.url + "/")
    expect(page.locator(".messages")).to_contain_text("密码已修改")
    v.shot("password-changed")


@pytest.mark.parametrize("phone", [False, True], ids=["desk", "phone"])
def test_reset_then_forced_change(
    world: World, signed_in, browser: Browser, live_server: LiveServer, screenshots: Path, phone: bool
) -> None:
    admin = signed_in("system_admin", phone=phone)
    page = admin.page
    size = "phone" if phone else "desk"
    admin.menu("账号管理")
    expect(page.locator("h1")).to_have_text("账号管理")
    page.fill("input[name=q]", "community_worker")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state("networkidle")
    row = page.locator("#managed-accounts tbody tr", has_text="万福社工")
    admin.shot(f"accounts-{size}")
    assert _width(page) <= (PHONE if phone else DESKTOP)["width"] + TOLERANCE
    row.get_by_role("link", name="查看与调整").click()
    page.wait_for_load_state("networkidle")
    page.once("dialog", lambda dialog: dialog.accept())  # a confirmation, should the page ask for one
    page.locator("#password").get_by_role("button", name="重置密码").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("密码已重置")
    password = page.locator("#one-time-password").inner_text().strip()
    assert len(password) == 12
    admin.shot(f"reset-done-{size}")

    worker = _fresh_page(browser, phone=phone)
    _try_login(worker, live_server.url, "community_worker", password)
    assert worker.url == live_server.url + "/account/password/"
    expect(worker.locator(".msg-warning")).to_contain_text("本账号的密码已由管理员重置")
    worker.screenshot(path=str(screenshots / f"community_worker-forced-change-{size}.png"), full_page=True)
    worker.goto(live_server.url + "/registry/persons/")
    assert worker.url == live_server.url + "/account/password/"  # nothing else until it is changed
    worker.get_by_label("当前密码").fill(password)
    worker.get_by_label("新密码", exact=True).fill("Wanfu-mine-2025")
    worker.get_by_label("再次输入新密码").fill("Wanfu-mine-2025")
    worker.get_by_role("button", name="修改密码").click()
    worker.wait_for_url(live_server.url + "/")
    worker.goto(live_server.url + "/registry/persons/")
    expect(worker.locator("#person-rows")).to_contain_text("共 4 人")
    worker.context.close()
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_RESET).count() == 1
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_CHANGE).count() == 1


def test_lockout_page_and_lifting_it(
    world: World, signed_in, browser: Browser, live_server: LiveServer, screenshots: Path
) -> None:
    visitor = _fresh_page(browser, phone=True)
    for n in range(5):
        _try_login(visitor, live_server.url, "grid_worker", f"wrong-{n}")
    expect(visitor.locator("h1")).to_have_text("账号已暂停登录")
    expect(visitor.locator("#locked-out")).to_contain_text("连续 5 次密码错误")
    visitor.screenshot(path=str(screenshots / "grid_worker-locked-out-phone.png"), full_page=True)
    assert _width(visitor) <= PHONE["width"] + TOLERANCE
    _try_login(visitor, live_server.url, "grid_worker", PASSWORD)
    expect(visitor.locator("h1")).to_have_text("账号已暂停登录")  # the right password too

    admin = signed_in("system_admin")
    admin.go("/accounts/", "accounts-locked")  # core's old address leads to the accounts pages
    assert admin.page.url.endswith("/manage/accounts/")
    locked = admin.page.locator("#locked-accounts tbody tr", has_text="grid_worker")
    expect(locked).to_contain_text("网格员小王")
    locked.get_by_role("button", name="解除锁定").click()
    admin.page.wait_for_load_state("networkidle")
    expect(admin.page.locator(".messages")).to_contain_text("已解除账号 grid_worker 的登录锁定")
    expect(admin.page.locator("#locked-accounts")).to_contain_text("当前没有被锁定的账号")
    admin.shot("accounts-unlocked")

    _try_login(visitor, live_server.url, "grid_worker", PASSWORD)
    assert visitor.url == live_server.url + "/"
    visitor.context.close()
    assert set(AuditLog.objects.values_list("action", flat=True)) >= {AuditAction.LOCKOUT, AuditAction.UNLOCK}
