"""The resident on the phone (390×844): he describes a problem, accepts the suggested category, places it
by searching his building (no map tap), submits, follows it in plain steps, sees the unread badge of 消息,
and reaches every entry of his menu."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from linli.cases.models import Case
from linli.cases.tests.conftest import build_cases_world, grid_center
from linli.registry.models import OrganisationKind
from linli.testing.factories import OrganisationFactory, World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def test_resident_reports_by_topic_suggestion_and_address(world: World, signed_in, live_server) -> None:
    build_cases_world(world)
    OrganisationFactory.create(
        name="万福社区居民委员会",
        kind=OrganisationKind.COMMITTEE,
        region=world.tree.community_a,
        contact_phone="0595-22345678",
    )
    v = signed_in("resident", phone=True)
    page = v.page
    nav = page.locator("nav.mainnav")
    for label in ("我要反映", "我的诉求", "消息", "预约服务", "我的预约", "办事"):
        box = nav.get_by_role("link", name=label, exact=False).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, label
    expect(nav.locator(".navbadge")).to_have_count(0)

    nav.get_by_role("link", name="我要反映").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#pick")).to_have_attribute("data-ready", "1")
    expect(page.locator("#topic")).to_be_visible()
    expect(page.locator("#category")).to_be_disabled()
    v.shot("report-empty")

    page.locator("#description").fill("小区门口垃圾堆了三天没人清理，味道很大")
    offer = page.locator("#suggest button.pick-cat").first
    expect(offer).to_contain_text("可能是：环境卫生")
    expect(offer).to_contain_text("点此选择")
    expect(page.locator("#category")).to_have_value("")  # offered, not applied
    offer.click()
    expect(page.locator("#topic")).to_have_value("环境卫生")
    expect(page.locator("#category")).to_have_value("sanitation.complaint")
    expect(page.locator("#suggest-done")).to_contain_text("已选择：环境卫生")

    lat, lon = grid_center(1)  # the phone is elsewhere (grid A2): the building chosen below wins
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 20})
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#pick-label")).to_contain_text("已使用我的位置")
    expect(page.locator("#lat")).not_to_have_value("")

    page.locator("#address").press_sequentially("阳光花园", delay=30)
    hit = page.locator("#addr-hits button.addr-hit").first
    expect(hit).to_contain_text("阳光花园1号楼")
    hit.click()
    expect(page.locator("#building")).to_have_value(str(world.people.building.pk))
    expect(page.locator("#lat")).to_have_value("")  # the building replaces the phone's position
    expect(page.locator("#pick-label")).to_contain_text("已选：阳光花园1号楼")
    v.shot("report-filled")
    assert v.page_width() <= 390

    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("已登记诉求")
    case = Case.objects.get(description="小区门口垃圾堆了三天没人清理，味道很大")
    assert page.url.endswith(f"/cases/{case.number}/")
    assert case.category.code == "sanitation.complaint" and case.grid == world.tree.grid_a1
    assert case.lat == world.people.building.lat and case.lat is not None
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("已提交")
    expect(timeline.locator("li.ahead").first).to_contain_text("已受理")
    expect(page.locator("#contact")).to_contain_text("0595-22345678")
    expect(page.locator("main")).not_to_contain_text(f"{case.lat:.5f}")
    expect(page.locator("#actions")).to_have_count(0)
    v.shot("report-filed")
    assert v.page_width() <= 390

    badge = nav.locator(".navbadge")
    expect(badge).to_have_text("1")
    nav.get_by_role("link", name="消息").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#notes")).to_contain_text(f"已收到您的诉求 {case.number}")
    v.shot("messages")
    page.reload()
    expect(nav.locator(".navbadge")).to_have_count(0)

    for label, url in (("我的预约", "/services/"), ("办事", "/services/")):
        nav.get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state("networkidle")
        assert url in page.url, label
