"""Services in the browser: a resident books on the phone, staff match a batch of needs, and a
one-window application goes from intake to completion (the resident follows it on the phone)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.services import services
from linli.services.models import (
    ApplicationStatus,
    Booking,
    Need,
    NeedStatus,
    Resource,
    Service,
    TaxonomyTerm,
)
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


HOURS = {str(d): [["08:00", "12:00"], ["14:00", "20:00"]] for d in range(1, 8)}


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
        "contact_phone": "0595-22001111",
    }
    values.update(kw)
    s = Service.objects.create(**values)
    services.slots_generate(service=s, start=timezone.localdate() + dt.timedelta(days=1), days=3)
    return s


def test_resident_finds_an_eligible_service_near_home_and_books_it(world: World, signed_in) -> None:
    meal = _service(
        world, "万福长者助餐", "elderly_meal", eligible_tags=["elderly_60"], fee_kind="low", fee_amount=8
    )
    _service(world, "桥南长者助餐", "elderly_meal", region=world.tree.community_b)  # another community
    _service(world, "四点半课堂", "childcare", max_age=12, lat=24.99, lon=118.70)  # not for a 68-year-old
    _service(world, "家电义务维修", "repair", kind="volunteer", lat=24.975, lon=118.69)
    v = signed_in("resident", phone=True)
    page = v.page
    v.go("/services/", "services-directory")
    cards = page.locator("#service-list .svc")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("万福长者助餐")  # the nearest first
    expect(cards.first.locator(".dist")).to_contain_text("米")
    expect(page.locator("#service-list")).not_to_contain_text("桥南")
    expect(page.locator("#service-list")).not_to_contain_text("四点半课堂")
    assert v.page_width() <= 390
    page.fill("input[name=q]", "助餐")
    page.get_by_role("button", name="搜索").click()
    expect(cards).to_have_count(1)
    cards.first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("万福长者助餐")
    v.shot("services-detail")
    page.locator("#book-form input[name=slot]").first.check()
    page.get_by_role("button", name="确认预约").click()
    page.wait_for_url("**/services/my/")
    expect(page.locator(".msg")).to_contain_text("预约成功")
    expect(page.locator("#booking-list .booking").first).to_contain_text("已预约")
    v.shot("services-my-bookings")
    b = Booking.objects.get()
    assert b.person == world.people.head and b.service == meal and b.slot.booked == 1
    # reschedule to another slot, then cancel
    page.locator("#booking-list select[name=slot]").first.select_option(index=1)
    page.get_by_role("button", name="改约").click()
    expect(page.locator(".msg")).to_contain_text("已改约")
    assert (
        Booking.objects.filter(status="booked").count() == 1
        and Booking.objects.filter(status="cancelled").count() == 1
    )


def test_staff_match_a_batch_of_needs(world: World, signed_in) -> None:
    meal = _service(world, "万福长者助餐", "elderly_meal", eligible_tags=["elderly_60"], capacity=1)
    worker = world.accounts.community_worker
    term = TaxonomyTerm.objects.get(code="elderly_meal")
    n1 = services.need_create(
        actor=worker,
        person=world.people.head,
        category=term,
        description="腿脚不便，希望助餐",
        urgency="high",
    )
    n2 = services.need_create(
        actor=worker, person=world.people.spouse, category=term, description="中午想在食堂吃饭"
    )
    res = Resource.objects.create(
        name="爱心午餐（某小学食堂）",
        kind="space",
        offered_by="resident_unit",
        provider_name="万福小学",
        region=world.tree.community_a,
        category=term,
        capacity=1,
        lat=24.97,
        lon=118.68,
    )
    v = signed_in("community_worker")
    page = v.page
    v.go("/services/needs/", "services-needs")
    expect(page.locator("#need-summary")).to_contain_text("老年助餐")
    v.go("/services/matching/", "services-matching")
    cards = page.locator(".need-card")
    expect(cards).to_have_count(2)
    expect(page.locator("#match-stats")).to_contain_text("最优匹配可对接")
    expect(cards.first.locator(".explain").first).to_contain_text("类别 +40")
    expect(page.locator(".suggestion.chosen")).to_have_count(2)
    page.get_by_role("button", name="确认勾选的对接").click()
    expect(page.locator(".msg")).to_contain_text("已确认对接 2 项需求")
    v.shot("services-matching-done")
    assert set(Need.objects.values_list("status", flat=True)) == {NeedStatus.MATCHED}
    for n in (
        n1,
        n2,
    ):  # each need became a booking of the nearby meal service (places to spare) for its resident
        need = Need.objects.get(pk=n.pk)
        assert (
            need.booking is not None and need.booking.service == meal and need.booking.person == need.person
        )
    assert res.pk
    # the service given: staff confirm the booking and record it; the resident rates it on the phone
    v.go(f"/services/manage/{meal.pk}/", "services-slots")
    row = page.locator("#slot-rows tr", has_text="林建国")
    row.get_by_role("button", name="确认").click()
    expect(page.locator(".msg")).to_contain_text("已确认")
    row = page.locator("#slot-rows tr", has_text="林建国")
    row.locator("input[name=record]").fill("送餐到家，老人满意")
    row.get_by_role("button", name="登记已服务").click()
    expect(page.locator(".msg")).to_contain_text("已登记")
    v.shot("services-slots-served")
    r = signed_in("resident", phone=True)
    r.go("/services/my/", "services-rate")
    card = r.page.locator("#booking-list .booking", has_text="已服务")
    card.get_by_label("4星").check()
    card.locator("input[name=comment]").fill("饭菜可口")
    card.get_by_role("button", name="提交评价").click()
    expect(r.page.locator(".msg")).to_contain_text("感谢您的评价")
    meal.refresh_from_db()
    assert (meal.rating_count, meal.rating_good) == (1, 1)


def test_one_window_application_from_intake_to_completion(world: World, signed_in) -> None:
    v = signed_in("community_worker")
    page = v.page
    v.go("/services/window/", "services-window")
    page.fill("#person", "林建国")
    page.select_option("#item", label="高龄津贴申领（社区受理、街道（乡镇）审批）")
    box = page.locator(".mat:not([hidden])")
    for label in ["居民身份证", "户口簿", "本人银行卡（社保卡）"]:
        box.get_by_label(label).check()
    page.locator("#intake-form").get_by_role("button", name="登记").click()
    expect(page.locator("#app-status")).to_have_text("已提交")
    page.get_by_role("button", name="前台受理").click()
    expect(page.locator("#app-status")).to_have_text("前台已受理")
    page.get_by_role("button", name="转后台审批").click()
    expect(page.locator("#app-status")).to_have_text("后台审批中")
    page.fill("#note", "符合高龄津贴条件，按月发放")
    page.get_by_role("button", name="审批通过，办结").click()
    expect(page.locator("#app-status")).to_have_text("已办结")
    expect(page.locator("#steps li")).to_have_count(4)
    v.shot("services-application-done")
    v.go("/services/window/", "services-window-list")
    page.fill("input[name=task]", "出具亲属关系证明")
    page.get_by_role("button", name="检查能否由社区受理").click()
    expect(page.locator(".msg-error")).to_contain_text("负面清单")
    v.shot("services-negative-list")
    r = signed_in("resident", phone=True)
    r.go("/services/apply/", "services-my-applications")
    expect(r.page.locator("#my-apps .app").first).to_contain_text("已办结")
    expect(r.page.locator("#my-apps .app").first).to_contain_text("按月发放")
    from linli.services.models import Application

    assert Application.objects.get().status == ApplicationStatus.DONE
