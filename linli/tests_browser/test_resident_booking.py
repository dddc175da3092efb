"""The resident's bookings on the phone (390×844): a son books for his elderly father of the same
household, finds the booking in 我的预约 under his father's name and cancels it through the
confirmation; his search for 养老 says why nothing is his to book, 助餐 finds a canteen. The staff's
需求与对接 and matching pages fit 1280 and 390 without the page scrolling sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.core.roles import Role
from linli.services import services
from linli.services.models import Booking, BookingStatus, Service, TaxonomyTerm
from linli.testing.factories import UserFactory, World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

HOURS = {str(d): [["08:00", "12:00"], ["14:00", "20:00"]] for d in range(1, 8)}
FITS = "document.documentElement.scrollWidth <= innerWidth"


def _service(world: World, name: str, code: str, **kw: object) -> Service:
    values: dict = {
        "name": name,
        "kind": "public",
        "category": TaxonomyTerm.objects.get(code=code),
        "region": world.tree.community_a,
        "opening_hours": HOURS,
        "capacity": 3,
        "lat": 24.962,
        "lon": 118.672,
        "address": "万福社区党群服务中心",
    }
    values.update(kw)
    s = Service.objects.create(**values)
    services.slots_generate(service=s, start=timezone.localdate() + dt.timedelta(days=1), days=2)
    return s


def test_son_books_for_his_father_and_cancels_after_confirming(world: World, signed_in) -> None:
    meal = _service(world, "万福长者助餐", "elderly_meal", eligible_tags=["elderly_60"])
    _service(world, "万福邻里食堂", "elderly_meal", description="社区食堂，人人可用餐", lat=24.963)
    UserFactory.create(
        username="son", role=Role.RESIDENT, region=world.tree.community_a, person=world.people.child
    )
    v = signed_in("son", phone=True)
    page = v.page
    # 养老: nothing is his to book, and the page says for whom it is (and that his parents may use it)
    v.go("/services/?q=养老", "resident-search-yanglao")
    expect(page.locator("#not-eligible")).to_contain_text(
        "有 1 项养老服务面向60周岁以上老年人，您目前不符合条件。"
    )
    expect(page.locator("#not-eligible")).to_contain_text("您家中的林建国、陈秀英符合条件")
    assert page.evaluate(FITS)
    # 助餐: the canteen open to everyone is found; the elders' service is explained
    page.fill("input[name=q]", "助餐")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#service-list .svc")).to_have_count(1)
    expect(page.locator("#service-list")).to_contain_text("万福邻里食堂")
    expect(page.locator("#not-eligible")).to_contain_text("万福长者助餐")
    v.shot("resident-search-zhucan")
    # the elders' meal, booked for his father
    page.locator("#not-eligible").get_by_role("link", name="万福长者助餐").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("万福长者助餐")
    box = page.locator("#book-for")
    expect(box).to_contain_text("本人（林晓东）")
    expect(box.get_by_label("本人（林晓东）", exact=False)).to_be_disabled()
    father = box.get_by_label("林建国（父母", exact=False)
    expect(father).to_be_checked()
    assert page.evaluate(FITS)
    v.shot("resident-book-for-father")
    page.locator("#book-form input[name=slot]").first.check()
    page.get_by_role("button", name="确认预约").click()
    page.wait_for_url("**/services/my/")
    expect(page.locator(".msg")).to_contain_text("为林建国预约")
    card = page.locator("#booking-list .booking").first
    expect(card).to_contain_text("为谁：林建国（父母）")
    assert page.evaluate(FITS)
    v.shot("resident-my-bookings-father")
    b = Booking.objects.select_related("booked_by").get()
    assert (b.person, b.service) == (world.people.head, meal)
    assert b.booked_by is not None and b.booked_by.username == "son"
    # 取消预约 asks first; 不取消 leaves it as it was
    card.get_by_role("link", name="取消预约").click()
    expect(page.locator("h1")).to_have_text("取消预约")
    expect(page.locator("#cancel-booking")).to_contain_text("林建国（父母）")
    assert page.evaluate(FITS)
    v.shot("resident-cancel-confirm")
    page.get_by_role("link", name="不取消，返回").click()
    page.wait_for_url("**/services/my/")
    assert Booking.objects.get().status == BookingStatus.BOOKED
    page.locator("#booking-list .booking").first.get_by_role("link", name="取消预约").click()
    page.get_by_role("button", name="确认取消预约").click()
    page.wait_for_url("**/services/my/")
    expect(page.locator(".msg")).to_contain_text("已取消预约")
    expect(page.locator("#booking-list .booking").first).to_contain_text("已取消")
    b.refresh_from_db()
    b.slot.refresh_from_db()
    assert b.status == BookingStatus.CANCELLED and b.slot.booked == 0


def test_needs_and_matching_pages_fit_desk_and_phone(world: World, signed_in) -> None:
    _service(world, "万福长者助餐", "elderly_meal", eligible_tags=["elderly_60"])
    worker = world.accounts.community_worker
    people = [world.people.head, world.people.spouse, world.people.child]
    for i, term in enumerate(TaxonomyTerm.objects.order_by("code")):  # every category: the widest summary
        services.need_create(
            actor=worker,
            person=people[i % 3],
            category=term,
            description=f"需要{term.name}方面的帮助，希望社区尽快联系，最好在工作日上午上门详细了解情况",
        )
    for phone in (False, True):
        v = signed_in("community_worker", phone=phone)
        size = "phone" if phone else "desk"
        v.go("/services/needs/", f"services-needs-{size}")
        expect(v.page.locator("#need-rows")).to_contain_text("最好在工作日上午")
        assert v.page.evaluate(FITS), v.page_width()
        v.go("/services/matching/", f"services-matching-{size}")
        expect(v.page.locator("#match-stats")).to_contain_text("最优匹配")
        expect(v.page.locator("body")).not_to_contain_text("整数规划")
        expect(v.page.locator("body")).not_to_contain_text("贪心")
        assert v.page.evaluate(FITS), v.page_width()
