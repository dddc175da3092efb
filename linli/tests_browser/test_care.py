"""关爱巡访 on the phone (390×844): the grid worker opens a visit due from his home and records it with
a photo and a need; the community worker reads her grids' monthly visit rate and the overdue visits;
a 政策找人 alert becomes a one-window application."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from linli.care import services
from linli.care.models import Alert, AlertStatus, Visit, VisitPhoto, VisitStatus
from linli.care.tests.conftest import build_care
from linli.cases.tests.conftest import image_bytes
from linli.services.models import Application, Need
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def test_grid_worker_records_a_visit_with_photo_and_need(world: World, signed_in, live_server) -> None:
    care = build_care(world)
    today = timezone.localdate()
    services.care_evaluate(day=today)
    services.visits_generate(day=today)
    v = signed_in("grid_worker", phone=True)
    page = v.page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 24.96, "longitude": 118.67, "accuracy": 15})
    v.go("/", "care-home")
    page.locator("a", has_text="巡访 王**").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("巡访 王阿婆")
    expect(page.locator("main")).to_contain_text("82 岁")
    page.locator("#locate").click()
    expect(page.locator("#locate-state")).to_contain_text("已记录位置")
    page.locator("input[name=check_1][value=需关注]").check()
    page.locator("#note").fill("血压偏高，冰箱有菜")
    page.locator("#photos").set_input_files(
        files=[{"name": "门口.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", (64, 48))}]
    )
    expect(page.locator("#photos-state")).to_have_text("已选择 1 张照片")  # in Chinese, not "Choose Files"
    expect(page.locator("label[for=photos]")).to_have_text("拍照或选择照片")
    page.locator("#need-box summary").click()
    page.locator("#need_category").select_option(value="elderly_meal")
    page.locator("#need_description").fill("希望每天送午餐上门")
    v.shot("care-visit-form")
    assert v.page_width() <= 390
    page.get_by_role("button", name="完成巡访").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("巡访已记录")
    visit = Visit.objects.get(file__person=care.granny, rule__code="special_elderly")
    assert visit.status == VisitStatus.DONE and visit.lat == pytest.approx(24.96)
    assert VisitPhoto.objects.filter(visit=visit).count() == 1
    assert Need.objects.get(person=care.granny).description == "希望每天送午餐上门"
    v.shot("care-done")
    assert not v.problems, v.problems


def test_community_worker_sees_the_rate_of_her_grids_and_overdue(
    world: World, signed_in, live_server
) -> None:
    care = build_care(world)
    today = timezone.localdate()
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    services.care_evaluate(day=last)
    services.visits_generate(day=last)
    granny = Visit.objects.get(file__person=care.granny, rule__code="special_elderly")
    when = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=3), dt.time(10)))
    services.visit_record(actor=world.accounts.grid_worker, visit=granny, visited_at=when)
    services.visits_mark_overdue(today=today)
    v = signed_in("community_worker", phone=True)
    page = v.page
    v.go(f"/care/overview/?month={last:%Y-%m}", "care-overview")
    expect(page.locator("#rate-by-region")).to_contain_text(world.tree.grid_a1.name)
    expect(page.locator("#rate-by-group")).to_contain_text("特殊困难老年人")
    expect(page.locator("#rate-by-group")).to_contain_text("100.0%")
    expect(page.locator("#overdue")).to_contain_text("留守儿童")  # the child's visit was missed
    expect(page.locator("#overdue")).to_contain_text("李**")
    assert v.page_width() <= 390
    assert not v.problems, v.problems


def test_policy_alert_becomes_a_one_window_application(world: World, signed_in, live_server) -> None:
    care = build_care(world)
    services.care_evaluate(day=timezone.localdate())
    alert = Alert.objects.get(file__person=care.granny, rule__code="elderly_80")
    v = signed_in("grid_worker", phone=True)
    page = v.page
    v.go("/care/", "care-index")
    page.locator("#my-alerts a", has_text="可能符合高龄津贴").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text("依据：82 岁")
    page.get_by_role("button", name="发起高龄津贴申请").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#application")).to_contain_text("高龄津贴申领")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED
    assert alert.application_id is not None
    app = Application.objects.get(pk=alert.application_id)
    assert app.person == care.granny
    v.shot("care-alert-confirmed")
    assert v.page_width() <= 390
    assert not v.problems, v.problems
