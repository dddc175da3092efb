"""平战结合 in the browser: the street issues a warning for two communities and declares level Ⅲ, and
the district reads the event's timeline and who is not yet reached; a grid worker on the phone
(390×844) works through the vulnerable-person list; a shelter checks a household in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.emergency.models import CheckItem, CheckStatus, Event, ShelterStay, Warning
from linli.emergency.tests.seed import seed
from linli.registry.models import TagKind
from linli.testing.factories import PersonTagFactory, World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def test_street_warns_two_communities_declares_level_three_and_district_reads_the_timeline(
    world: World, signed_in, live_server
) -> None:
    tree = world.tree
    PersonTagFactory.create(person=world.people.head, kind=TagKind.LIVING_ALONE)
    v = signed_in("street_coordinator")
    page = v.page
    v.go("/emergency/warnings/new/", "emergency-warning-new")
    page.locator("select[name=hazard]").select_option("typhoon")
    page.locator("select[name=severity]").select_option("Severe")
    page.locator("input[name=headline]").fill("台风橙色预警")
    page.locator("textarea[name=description]").fill("台风“海葵”预计今晚登陆。")
    page.locator("textarea[name=instruction]").fill("请关好门窗，不要外出。")
    until = timezone.localtime() + dt.timedelta(hours=20)
    page.locator("input[name=expires]").fill(until.strftime("%Y-%m-%dT%H:%M"))
    page.locator(f"input.em-region[value='{tree.community_a.code}']").check()
    page.locator(f"input.em-region[value='{tree.community_b.code}']").check()
    # the area drawn on the map: each click a corner written into the (editable) field; undo, clear
    drawn = page.locator(".em-draw-map")
    for x, y in ((60, 60), (200, 70), (150, 180)):
        drawn.click(position={"x": x, "y": y})
    polygon = page.locator("input[name=polygon]")
    expect(drawn).to_have_attribute("data-points", "3")
    assert len(polygon.input_value().split(";")) == 3
    page.get_by_role("button", name="撤销上一个点").click()
    assert len(polygon.input_value().split(";")) == 2
    page.get_by_role("button", name="清除范围").click()
    expect(polygon).to_have_value("")
    page.locator("input[name=issue]").check()
    page.get_by_role("button", name="发布到影响范围内的居民和工作人员").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("已发布到 2 个社区/村")
    w = Warning.objects.get()
    assert {r.code for r in w.regions.all()} == {tree.community_a.code, tree.community_b.code}
    page.get_by_role("link", name="据此启动应急响应").click()
    page.wait_for_load_state("networkidle")
    page.locator("select[name=level]").select_option("III")
    page.locator("input[name=reason]").fill("市气象台发布台风橙色预警")
    v.shot("emergency-declare")
    page.get_by_role("button", name="启动响应").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("Ⅲ级")
    ev = Event.objects.get()
    assert ev.level == "III" and ev.warning == w
    assert not v.problems, v.problems
    d = signed_in("district_admin")
    d.go(f"/emergency/events/{ev.number}/", "emergency-event")
    expect(d.page.locator(".em-timeline")).to_contain_text("启动Ⅲ级响应")
    expect(d.page.locator(".em-timeline")).to_contain_text("依据预警")
    expect(d.page.locator("#reach")).to_contain_text(tree.community_a.name)
    expect(d.page.locator("#pending").locator("xpath=following-sibling::div[1]")).to_contain_text("林**")
    assert d.page_width() <= 1280
    assert not d.problems, d.problems


def test_grid_worker_works_through_the_list_on_the_phone(world: World, signed_in, live_server) -> None:
    _w, event, _s = seed(world)
    v = signed_in("grid_worker", phone=True)
    page = v.page
    v.go("/", "emergency-grid-home")
    page.locator("a", has_text="名重点人员未核查").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("重点人员核查")
    page.locator("a.em-row", has_text=world.people.head.name).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text("独居老人")
    expect(page.locator("main")).to_contain_text("拨打 13859001234")  # the full number to the responder
    page.locator("label.em-choice", has_text="平安").click()
    v.shot("emergency-check")
    assert v.page_width() <= 390
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("平安")
    item = CheckItem.objects.get(event=event, person=world.people.head)
    assert item.status == CheckStatus.SAFE and item.checked_by is not None
    assert v.page_width() <= 390
    assert not v.problems, v.problems


def test_shelter_checks_a_household_in(world: World, signed_in, live_server) -> None:
    _w, _e, shelter = seed(world, declare=False)
    head = world.people.head
    v = signed_in("community_worker")
    page = v.page
    v.go(f"/emergency/shelters/{shelter.pk}/", "emergency-shelter")
    page.locator("input[name=name]").fill(head.name)
    page.locator("input[name=id_number]").fill(head.id_number.reveal())
    page.locator("input[name=household]").check()
    page.get_by_role("button", name="登记入住").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("已登记入住 3 人")
    expect(page.locator("#occupancy")).to_have_text("3")
    assert ShelterStay.objects.filter(shelter=shelter, checked_out_at__isnull=True).count() == 3
    v.go(
        f"/emergency/shelters/?name={head.name}&id_digits={head.id_number.reveal()[-4:]}",
        "emergency-who-is-where",
    )
    expect(page.locator("main")).to_contain_text(f"{head.name} 在 {shelter.facility.name}")
    assert not v.problems, v.problems
