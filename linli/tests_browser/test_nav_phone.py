"""The main menu on a 390 px phone: every group's menu opens inside the screen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_every_menu_group_opens_inside_a_phone_screen(world, signed_in) -> None:
    v = signed_in("district_admin", phone=True)
    page = v.page
    v.go("/", "nav-phone")
    heads = page.locator(".mainnav .navhead")
    assert heads.count() >= 4
    for i in range(heads.count()):
        head = heads.nth(i)
        head.click()
        menu = head.locator("xpath=following-sibling::div[1]")
        box = menu.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, head.inner_text()
        assert menu.locator("a").first.is_visible()
        page.mouse.click(380, 800)  # away: the menu closes
