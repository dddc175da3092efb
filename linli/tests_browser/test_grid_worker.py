"""The grid worker's day on the phone (390×844): he files a patrol event, lands on it and finds it in his
queue; he reports an event from his home in one tap, with a photo and his phone's position."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from linli.cases.models import Case, CasePhoto
from linli.cases.tests.conftest import build_cases_world, grid_center, image_bytes
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def test_grid_worker_files_an_event_and_finds_it_in_his_queue(world: World, signed_in, live_server) -> None:
    build_cases_world(world)
    v = signed_in("grid_worker", phone=True)
    page = v.page

    v.go("/cases/?queue=todo", "queue-empty")
    expect(page.locator("main")).to_contain_text("共 0 件")

    v.go("/cases/intake/", "intake")
    expect(page.locator("#pick")).to_have_attribute("data-ready", "1")
    expect(page.locator("select[name=channel]")).to_have_value("patrol")
    page.locator("#category").select_option(value="sanitation.complaint")
    page.locator("#description").fill("巡查发现小区东门井盖缺失，已设警示")
    page.locator("#pick").click()  # the centre of the map: inside grid A1, his grid
    expect(page.locator("#pick-label")).to_contain_text("已选位置")
    page.get_by_role("button", name="登记并受理").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("已登记诉求")
    case = Case.objects.get(description__startswith="巡查发现小区东门井盖缺失")
    assert page.url.endswith(f"/cases/{case.number}/")
    expect(page.locator("main")).to_contain_text(case.number)
    v.shot("filed")

    for queue in ("todo", "open", "all"):
        v.go(f"/cases/?queue={queue}", f"queue-{queue}")
        expect(page.locator("main")).to_contain_text("共 1 件")
        expect(page.locator("main")).to_contain_text(case.number)
    assert v.page_width() <= 390


def test_patrol_report_from_home_with_photo_and_position(world: World, signed_in, live_server) -> None:
    build_cases_world(world)
    lat, lon = grid_center(0)  # where the phone is: inside grid A1
    v = signed_in("grid_worker", phone=True)
    page = v.page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 12})

    page.get_by_role("link", name="上报事件").first.click()  # the first button of his home
    page.wait_for_url("**/cases/patrol/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#grid-name")).to_have_text(world.tree.grid_a1.name)
    page.locator("#category").select_option(value="sanitation.complaint")
    page.locator("#description").fill("巡查发现垃圾收集点污水外溢")
    page.locator("#photos").set_input_files(
        files=[{"name": "scene.png", "mimeType": "image/png", "buffer": image_bytes()}]
    )
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#pick-label")).to_contain_text("已使用我的位置")
    v.shot("patrol-filled")
    assert v.page_width() <= 390
    page.get_by_role("button", name="上报", exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("已登记诉求")
    case = Case.objects.get(description="巡查发现垃圾收集点污水外溢")
    assert page.url.endswith(f"/cases/{case.number}/")
    assert case.channel == "patrol" and case.grid == world.tree.grid_a1
    assert case.lat is not None and case.lon is not None
    assert abs(case.lat - lat) < 1e-5 and abs(case.lon - lon) < 1e-5
    assert CasePhoto.objects.filter(case=case).count() == 1
    v.shot("patrol-filed")


def test_grid_worker_marks_a_person_moved_out_on_the_phone(world: World, signed_in) -> None:
    from linli.registry.models import PersonStatus

    person = world.people.child
    v = signed_in("grid_worker", phone=True)
    page = v.page
    v.go(f"/registry/persons/{person.pk}/", "person-status")
    form = page.locator("#status-form")
    form.locator("select[name=kind]").select_option(label="迁出")
    form.locator("input[name=note]").fill("外出务工，迁往厦门")
    form.get_by_role("button", name="登记变更").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("迁出")
    expect(page.locator("#status-events")).to_contain_text("外出务工，迁往厦门")
    v.shot("person-moved-out")
    assert v.page_width() <= 390
    person.refresh_from_db()
    assert person.status == PersonStatus.MOVED_OUT


def test_grid_worker_moves_a_person_by_picking_the_household(world: World, signed_in) -> None:
    from linli.testing.factories import HouseholdFactory

    target = HouseholdFactory.create(
        region=world.tree.grid_a1,
        building=world.people.building,
        address="万安街道万福社区阳光花园1号楼2单元202",
    )
    person = world.people.child
    v = signed_in("grid_worker", phone=True)
    page = v.page
    v.go(f"/registry/persons/{person.pk}/edit/", "person-edit")
    page.locator("#household-search").fill("2单元202")
    hit = page.locator("#household-hits .hh-hit").first
    expect(hit).to_contain_text("阳光花园1号楼2单元202")
    v.shot("household-hits")
    hit.click()
    expect(page.locator("#id_household_code")).to_have_value(target.code)
    expect(page.locator("#household-chosen")).to_contain_text("2单元202")
    assert v.page_width() <= 390
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("已保存")
    person.refresh_from_db()
    assert person.household_id == target.pk
    v.shot("person-moved")
