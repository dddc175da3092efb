"""诉求办理 in the browser: a request from a resident's phone to a department and back to the rating.

The walk: two residents report the same overflowing bin from their phones; the community merges the
second into the first (并单), accepts and dispatches it to 住建局, which returns it (退单); the community
escalates to 万安街道, which summons 城管局 and 住建局 (吹哨); 城管局 answers; the resident is not
satisfied, the street reopens it after review; 城管局 answers again and the resident rates 满意. Both
reporters are told. Screenshots are saved at each step.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from linli.cases import services
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, Notification
from linli.cases.tests.conftest import build_cases_world
from linli.registry.models import Organisation
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def _act(v, label: str, *, note: str = "", unit: str = "", orgs: list[str] | None = None) -> None:  # type: ignore[no-untyped-def]
    page = v.page
    box = page.locator("#actions details").filter(has=page.locator("summary", has_text=label)).first
    box.locator("summary").click()
    if unit:
        box.locator("select[name=unit]").select_option(label=unit)
    for o in orgs or []:
        box.get_by_role("checkbox", name=o).check()
    if note:
        box.locator("textarea[name=note]").fill(note)
    box.get_by_role("button", name=label).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text(f"已{label}")


def _report(v, text: str) -> str:  # type: ignore[no-untyped-def]
    page = v.page
    v.go("/cases/report/", "report")
    expect(page.locator("#pick")).to_have_attribute("data-ready", "1")
    page.locator("#topic").select_option(value="环境卫生")  # topic first, then the category
    page.locator("#category").select_option(value="sanitation.complaint")
    page.locator("#description").fill(text)
    page.locator("#mapbox summary").click()  # the map is optional, folded away
    page.locator("#pick").click()  # the centre of the map: inside grid A1
    expect(page.locator("#pick-label")).to_contain_text("已选位置")
    v.shot("report-filled")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".msg-success")).to_contain_text("已登记诉求")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def test_request_from_phone_to_department_and_back(world: World, signed_in, live_server) -> None:
    cw = build_cases_world(world)

    # 1. two residents report the same problem from their phones
    resident = signed_in("resident", phone=True)
    first = _report(resident, "小区门口垃圾桶满了三天没人清运，气味很大")
    resident.shot("report-done")
    assert resident.page_width() <= 390, "the phone page must not scroll sideways"
    neighbour = signed_in("resident2", phone=True)
    second = _report(neighbour, "门口垃圾没人清，苍蝇很多")

    # 2. the community merges the duplicate, accepts and dispatches to 住建局
    worker = signed_in("community_worker")
    worker.go("/cases/", "queue")
    expect(worker.page.locator("#case-rows")).to_contain_text(first)
    worker.go(f"/cases/{second}/", "detail-duplicate")
    expect(worker.page.locator("#dups")).to_contain_text("1 件附近的同类在办诉求")
    box = worker.page.locator("#actions details").filter(has=worker.page.locator("summary", has_text="并单"))
    box.locator("summary").click()
    box.get_by_label(first).check()
    box.get_by_role("button", name="并单").click()
    expect(worker.page.locator("#status")).to_have_text("已并单")
    worker.shot("merged")
    worker.go(f"/cases/{first}/", "detail")
    _act(worker, "受理")
    _act(worker, "派单", unit="洛江区住房和城乡建设局", note="请住建局处理")
    expect(worker.page.locator("#handler")).to_contain_text("住房和城乡建设局")
    worker.shot("dispatched")

    # 3. 住建局 returns it (退单)
    zhujian = signed_in("zhujian")
    zhujian.go("/cases/", "queue")
    expect(zhujian.page.locator("#case-rows")).to_contain_text(first)
    zhujian.go(f"/cases/{first}/", "detail")
    _act(zhujian, "退单", note="垃圾清运属城管职责，请改派")
    expect(zhujian.page.locator("#case-rows")).not_to_contain_text(
        first
    )  # back in the queue, no longer theirs
    zhujian.shot("returned")

    # 4. the community escalates to the street, which summons two departments (吹哨)
    worker.go(f"/cases/{first}/", "detail-returned")
    expect(worker.page.locator("#timeline")).to_contain_text("垃圾清运属城管职责")
    _act(worker, "上报上级（吹哨）", note="多次反映，需街道协调城管、住建")
    expect(worker.page.locator("#coordinator")).to_have_text("万安街道")
    street = signed_in("street_coordinator")
    street.go("/cases/", "queue")
    expect(street.page.locator("#case-rows")).to_contain_text(first)
    street.go(f"/cases/{first}/", "detail")
    _act(
        street,
        "吹哨（召集部门）",
        unit="洛江区城市管理局",
        orgs=["洛江区住房和城乡建设局"],
        note="街道吹哨，部门报到",
    )
    expect(street.page.locator("#handler")).to_contain_text("吹哨召集")
    street.shot("summoned")

    # 5. 城管局 reports and answers
    chengguan = signed_in("chengguan")
    chengguan.go(f"/cases/{first}/", "detail")
    _act(chengguan, "签收办理")
    _act(chengguan, "答复", note="已安排清运车辆清理，并将清运频次调整为每日两次")
    expect(chengguan.page.locator("#status")).to_have_text("已答复待回访")

    # 6. the resident is not satisfied; the street reviews and reopens
    resident.go("/cases/mine/", "mine")
    expect(resident.page.locator("#mine")).to_contain_text("去评价")
    resident.go(f"/cases/{first}/", "rate")
    expect(resident.page.locator("#timeline")).not_to_contain_text("退单")  # coordination stays inside
    rate = resident.page.locator("#rate")
    rate.get_by_label("不满意").check()
    rate.locator("textarea").fill("只清了一次，第二天又满了")
    rate.get_by_role("button", name="提交评价").click()
    expect(resident.page.locator("#status")).to_have_text("复核中")  # the resident reads plain words
    resident.shot("unsatisfied")
    street.go(f"/cases/{first}/", "review")
    _act(street, "复核后重办", note="复核属实，请城管局落实每日清运")

    # 7. 城管局 answers again; the resident is satisfied
    chengguan.go(f"/cases/{first}/", "reopened")
    _act(chengguan, "答复", note="已增设两个垃圾桶并每日清运两次，连续三天回查正常")
    resident.go(f"/cases/{first}/", "rate-again")
    rate = resident.page.locator("#rate")
    rate.get_by_label("满意", exact=True).check()
    rate.get_by_role("button", name="提交评价").click()
    expect(resident.page.locator("#status")).to_have_text("已办结")
    expect(resident.page.locator("#rating")).to_contain_text("满意")
    resident.shot("closed")

    case = Case.objects.get(number=first)
    assert case.status == wf.CLOSED and case.reopen_count == 1
    assert Case.objects.get(number=second).merged_into_id == case.pk
    assert Notification.objects.filter(user=cw.resident2, title__contains="已答复").exists()
    neighbour.go("/cases/notifications/", "notifications")
    expect(neighbour.page.locator("#notes")).to_contain_text("已答复")
    actions = list(case.events.values_list("action", flat=True))
    for a in (
        "merge",
        "accept",
        "dispatch",
        "return",
        "escalate",
        "summon",
        "start",
        "reply",
        "rate",
        "reopen",
    ):
        assert a in actions

    # 8. the district looks at the map and the measures
    admin = signed_in("district_admin")
    admin.go("/cases/map/", "map")
    expect(admin.page.locator("#heat")).to_have_attribute("data-loaded", "2")
    expect(admin.page.locator("#heat canvas.leaflet-heatmap-layer")).to_have_count(1)
    admin.go("/cases/measures/?group=unit", "measures")
    expect(admin.page.locator("#chart canvas")).to_have_count(1)
    expect(admin.page.locator("#measure-rows")).to_contain_text("洛江区城市管理局")


def test_staff_intake_with_conflict_message(world: World, signed_in) -> None:
    build_cases_world(world)
    worker = signed_in("community_worker")
    page = worker.page
    worker.go("/cases/intake/", "intake")
    page.get_by_label("反映人姓名").fill("张三")
    page.get_by_label("联系电话").fill("13912345678")
    page.locator("#category").select_option(value="property.complaint")
    page.locator("#description").fill("3号楼电梯停运两天了")
    page.locator("#pick").click()
    page.get_by_role("button", name="登记并受理").click()
    expect(page.locator("#status")).to_have_text("已受理")
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    # someone else dispatches while this page is open: our escalation is refused, our text kept
    case = Case.objects.get(number=number)
    services.case_dispatch(
        case=case,
        by=world.accounts.street_coordinator,
        organisation=Organisation.objects.get(name="洛江区住房和城乡建设局"),
    )
    box = page.locator("#actions details").filter(has=page.locator("summary", has_text="上报上级"))
    box.locator("summary").click()
    box.locator("textarea[name=note]").fill("电梯问题需街道协调")
    box.get_by_role("button", name="上报上级（吹哨）").click()
    expect(page.locator("#errors")).to_contain_text("刚刚已被其他人处理")
    expect(page.locator("#status")).to_have_text("已派单")
    worker.shot("conflict")
    kept = page.locator("#actions form[data-action=escalate] textarea[name=note]")
    expect(kept).to_have_value("电梯问题需街道协调")  # nothing typed is lost
