"""The home page of work on the phone (390×844): the community worker, the street, the department and
the district admin each open on what waits for them, most urgent first, and one tap on an item opens
the page where it is done."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from linli.cases import services as case_services
from linli.cases.models import Case, Channel
from linli.cases.tests.conftest import build_cases_world, grid_center
from linli.indicators import services as indicator_services
from linli.indicators.models import DataElement
from linli.services import services as service_services
from linli.services.models import Service, ServiceKind, Slot, TaxonomyTerm
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


@pytest.fixture(autouse=True)
def _catalogues(transactional_db: None) -> None:
    """The data elements come with a migration, flushed between browser tests."""
    if not DataElement.objects.filter(code="registered_volunteers").exists():
        importlib.import_module("linli.indicators.migrations.0002_catalogue").load(apps, None)


def _report(world: World, text: str, category: str = "sanitation.complaint") -> Case:
    lat, lon = grid_center(0)
    return case_services.case_create(
        by=world.accounts.resident, category=category, description=text, channel=Channel.APP, lat=lat, lon=lon
    )


def _act(case: Case, by, action: str, **kw) -> Case:
    case.refresh_from_db()
    return case_services.case_act(case=case, by=by, action=action, version=case.version, **kw)


def _work(world: World) -> dict[str, object]:
    """Work waiting at each level: requests to accept, overdue, escalated to the street and the district,
    dispatched to the department; a booking to confirm; a community's value to approve."""
    build_cases_world(world)
    a, t = world.accounts, world.tree
    new = _report(world, "楼下垃圾桶满了没人清运")
    late = _report(world, "小区东门路灯不亮已经一周")
    _act(late, a.community_worker, "accept")
    Case.objects.filter(pk=late.pk).update(resolve_due=timezone.now() - dt.timedelta(days=2, hours=3))
    to_street = _report(world, "楼顶有住户违规搭建")
    _act(to_street, a.community_worker, "accept")
    _act(to_street, a.community_worker, "escalate", note="社区无法协调，提请街道")
    to_district = _report(world, "工地夜间施工噪音太大")
    _act(to_district, a.community_worker, "accept")
    _act(to_district, a.community_worker, "escalate", note="社区无法协调，提请街道")
    _act(to_district, a.street_coordinator, "escalate", note="跨街道，提请区里协调")
    to_department = _report(world, "独居老人想申请居家养老上门服务", "elderly_care.help")
    _act(to_department, a.community_worker, "accept")
    _act(to_department, a.community_worker, "dispatch", unit_org=a.department_handler.organisation_id)

    meal = Service.objects.create(
        name="长者助餐",
        kind=ServiceKind.PUBLIC,
        category=TaxonomyTerm.objects.get(code="elderly_meal"),
        region=t.community_a,
        opening_hours={str(d): [["08:00", "20:00"]] for d in range(1, 8)},
        capacity=2,
        slot_minutes=60,
    )
    service_services.slots_generate(service=meal, start=timezone.localdate() + dt.timedelta(days=1), days=1)
    slot = Slot.objects.filter(service=meal).order_by("starts_at").first()
    assert slot is not None
    service_services.booking_create(actor=a.resident, slot_id=slot.pk)

    indicator_services.value_submit(
        element=DataElement.objects.get(code="registered_volunteers"),
        region=t.community_a,
        year=timezone.localdate().year,
        value=Decimal(120),
        by=a.community_worker,
    )
    return {
        "new": new,
        "late": late,
        "to_street": to_street,
        "to_district": to_district,
        "to_department": to_department,
        "meal": meal,
    }


def _items(page) -> list[str]:
    return page.locator(".todo-item").all_inner_texts()


def test_each_role_opens_on_its_work_and_one_tap_reaches_it(world: World, signed_in) -> None:
    w = _work(world)
    late, new = w["late"], w["new"]
    assert isinstance(late, Case) and isinstance(new, Case)

    # the community worker: the overdue request first, then what is due, with the booking to confirm
    v = signed_in("community_worker", phone=True)
    page = v.page
    items = _items(page)
    assert "已超期 2 天" in items[0] and "小区东门路灯不亮" in items[0]
    assert any("楼下垃圾桶满了" in i and "到期" in i for i in items)
    assert any("长者助餐：1 个预约待确认" in i for i in items)
    assert (
        page.locator("h2", has_text="待办").bounding_box()["y"]
        < page.locator("h2", has_text="重点人群").bounding_box()["y"]
    )
    assert v.page_width() <= 390
    page.locator(".todo-item a", has_text="小区东门路灯不亮").click()
    page.wait_for_url(f"**/cases/{late.number}/")
    expect(page.locator("main")).to_contain_text(late.number)
    v.go("/", "home-again")
    page.locator(".todo-item a", has_text="长者助餐").click()
    page.wait_for_url(f"**/services/manage/{w['meal'].pk}/")  # type: ignore[attr-defined]
    expect(page.locator("main")).to_contain_text(world.people.head.name)
    expect(page.get_by_role("button", name="确认")).to_be_visible()
    v.shot("todo-booking")

    # the street: the request escalated to it, and the community's value to approve
    v = signed_in("street_coordinator", phone=True)
    page = v.page
    escalated = page.locator(".todo-item a", has_text="楼顶有住户违规搭建")
    expect(escalated).to_contain_text("上报至本级，待协调")
    page.locator(".todo-item a", has_text="项下级填报的指标值待审核").click()
    page.wait_for_url("**/indicators/values/**")
    expect(page.locator("main")).to_contain_text(world.tree.community_a.name)
    expect(page.locator("main")).to_contain_text("注册志愿者人数")
    v.go("/", "home-again")
    page.locator(".todo-item a", has_text="楼顶有住户违规搭建").click()
    page.wait_for_url(f"**/cases/{w['to_street'].number}/")  # type: ignore[attr-defined]
    expect(page.locator("main")).to_contain_text(w["to_street"].number)  # type: ignore[attr-defined]

    # the department: the request dispatched to it, to sign for
    v = signed_in("department_handler", phone=True)
    page = v.page
    item = page.locator(".todo-item a", has_text="独居老人想申请居家养老上门服务")
    expect(item).to_contain_text("待签收")
    assert v.page_width() <= 390
    item.click()
    page.wait_for_url(f"**/cases/{w['to_department'].number}/")  # type: ignore[attr-defined]
    expect(page.locator("main")).to_contain_text("签收办理")  # what he does next, on this page

    # the district admin: the request escalated to the district, and the overdue one to chase
    v = signed_in("district_admin", phone=True)
    page = v.page
    items = _items(page)
    assert "已超期 2 天" in items[0] and "小区东门路灯不亮" in items[0]
    assert any("工地夜间施工噪音太大" in i and "上报至本级，待协调" in i for i in items)
    assert not any("楼下垃圾桶满了" in i for i in items)  # the community's to accept, not yet late
    page.locator(".todo-item a", has_text="工地夜间施工噪音太大").click()
    page.wait_for_url(f"**/cases/{w['to_district'].number}/")  # type: ignore[attr-defined]
    expect(page.locator("main")).to_contain_text(w["to_district"].number)  # type: ignore[attr-defined]
    v.go("/cases/?queue=todo", "district-todo-queue")
    expect(page.locator("main")).to_contain_text("共 2 件")
    v.shot("todo-done")
