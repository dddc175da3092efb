"""Planning indicators in the browser: value entry and approval up the hierarchy, the dashboard with
its map and charts, plan adoption, and the annual report download (rendered to an image to look at)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from linli.indicators.models import DataValue, ValueStatus
from linli.indicators.tests.conftest import facility, reported
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


@pytest.fixture(autouse=True)
def _catalogues(transactional_db: None) -> None:
    """Migration data (facility types, data elements, the five plans) is flushed between browser tests."""
    import importlib

    from django.apps import apps

    from linli.facilities.models import FacilityType
    from linli.indicators.models import Plan

    if not FacilityType.objects.exists():
        importlib.import_module("linli.facilities.migrations.0002_facility_types").load(apps, None)
    if not Plan.objects.exists():
        importlib.import_module("linli.indicators.migrations.0002_catalogue").load(apps, None)


def _rect(lat: float, lon: float, d: float = 0.02) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]],
    }


def _facilities_and_values(world: World) -> None:
    t = world.tree
    for n, c in enumerate((t.community_a, t.community_b, t.community_c)):
        facility(c, "party_center", 400 + 50 * n, 260, 80)
    facility(t.community_a, "volunteer_station", 30)
    facility(t.community_c, "fire_station", 15)
    year = dt.date.today().year
    for c, v in ((t.community_a, 2), (t.community_b, 3), (t.community_c, 1), (t.community_d, 1)):
        reported("registered_volunteers", c, v, year)
        reported("registered_volunteers", c, max(0, v - 1), year - 1)
    t.street.boundary, t.town.boundary = _rect(24.95, 118.60), _rect(24.95, 118.63)
    t.street.save(update_fields=["boundary"])
    t.town.save(update_fields=["boundary"])


def test_value_entry_then_street_approval(world: World, signed_in) -> None:
    year = dt.date.today().year
    worker = signed_in("community_worker")
    page = worker.page
    worker.menu("指标填报审核")
    expect(page.locator("h1")).to_contain_text("指标填报与审核")
    form = page.locator("#value-form")
    form.locator("select[name=element]").select_option("registered_volunteers")
    form.locator("select[name=region]").select_option(world.tree.community_a.code)
    form.locator("input[name=value]").fill("-5")
    form.get_by_role("button", name="提交").click()
    expect(page.locator(".msg-error")).to_contain_text("不能为负数")  # refused, nothing written
    form = page.locator("#value-form")
    form.locator("select[name=element]").select_option("registered_volunteers")
    form.locator("select[name=region]").select_option(world.tree.community_a.code)
    form.locator("input[name=value]").fill("152")
    form.get_by_role("button", name="提交").click()
    expect(page.locator(".msg-success")).to_contain_text("等待上级审核")
    expect(page.locator("#values")).to_contain_text("待审核")
    worker.shot("indicators-value-entered")
    assert DataValue.objects.get().status == ValueStatus.SUBMITTED

    street = signed_in("street_coordinator")
    street.go(f"/indicators/values/?year={year}", "indicators-approval-queue")
    queue = street.page.locator("#queue")
    expect(queue).to_contain_text("待我审核（1）")
    expect(queue).to_contain_text("万福社区居委会")
    queue.get_by_role("button", name="审核通过").click()
    expect(street.page.locator(".msg-success")).to_contain_text("审核通过")
    expect(street.page.locator("#queue")).to_contain_text("没有待审核的填报值")
    street.shot("indicators-approved")
    assert DataValue.objects.get().status == ValueStatus.APPROVED

    # the approved value is locked; the worker corrects it with a reason → version 2 awaits approval
    worker.go(f"/indicators/values/?year={year}", "indicators-values-locked")
    row = worker.page.locator("#values tbody tr").first
    expect(row).to_contain_text("已审核")
    row.locator("summary").click()
    row.locator("input[name=value]").fill("160")
    row.locator("input[name=reason]").fill("补录 8 名新注册志愿者")
    row.get_by_role("button", name="提交更正").click()
    expect(worker.page.locator(".msg-success")).to_contain_text("第 2 版")
    worker.shot("indicators-corrected")


def test_dashboard_map_and_report_download(world: World, signed_in, screenshots) -> None:
    _facilities_and_values(world)
    year = dt.date.today().year
    admin = signed_in("district_admin")
    page = admin.page
    admin.go("/indicators/plans/", "indicators-plans")
    page.locator("form", has=page.locator("input[value=luojiang-2021-2025]")).get_by_role("button").click()
    expect(page.locator(".msg-success")).to_contain_text("已采用")

    admin.go(f"/indicators/?year={year}", "indicators-dashboard")
    expect(page.locator("h1")).to_contain_text(f"洛江区 {year} 年规划指标监测")
    expect(page.locator("#bars canvas")).to_have_count(1)
    expect(page.locator("#map")).to_have_attribute("data-features", "2")  # the two streets' boundaries
    expect(page.locator("#map canvas")).to_have_count(1)
    table = page.locator("#attainment")
    expect(table).to_contain_text("城乡社区综合服务设施覆盖率")
    expect(table.locator("tr", has_text="城乡社区综合服务设施覆盖率")).to_contain_text("75.0")
    expect(table.locator("tr", has_text="城乡社区综合服务设施覆盖率")).to_contain_text("罗溪镇")
    # nobody reported the self-service terminals: a marked gap naming the element, not a zero
    expect(table.locator("tr", has_text="城市社区政务通用自助服务覆盖率")).to_contain_text(
        "缺少数据：有政务通用自助服务的城市社区数"
    )
    expect(table.locator("tr", has_text="每万名城镇常住人口")).to_contain_text(
        "0.00"
    )  # no staff registered: a real zero
    page.locator("#map").screenshot(path=str(screenshots / "indicators-map.png"))

    with page.expect_download() as dl:
        page.locator("#report-pdf").click()
    path = dl.value.path()
    body = Path(path).read_bytes()
    assert body.startswith(b"%PDF")
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(body)
    assert "规划实施年度报告" in doc[0].get_textpage().get_text_range()
    doc[0].render(scale=1.3).to_pil().save(screenshots / "indicators-report-page1.png")

    page.get_by_role("link", name="城乡社区综合服务设施覆盖率").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#trend canvas")).to_have_count(1)
    admin.shot("indicators-indicator-detail")


def test_task_ledger_progress_with_evidence(world: World, signed_in, tmp_path, settings) -> None:
    settings.MEDIA_ROOT = tmp_path
    from linli.indicators import services
    from linli.indicators.models import Plan, PlanTask

    services.plan_adopt(plan=Plan.objects.get(seed="000"), region=world.tree.district, by=None)
    admin = signed_in("district_admin")
    page = admin.page
    admin.menu("任务台账")
    expect(page.locator("#tasks tbody tr")).to_have_count(16)
    expect(page.locator("#tasks")).to_contain_text("逾期")  # the plan ran to the end of 2025
    admin.shot("indicators-tasks")
    page.get_by_role("link", name="科学规划社区服务设施布局").click()
    form = page.locator("#progress-form")
    form.locator("input[name=percent]").fill("100")
    form.locator("textarea[name=text]").fill("全区 87 个村（社区）综合服务设施均已投用")
    evidence = tmp_path / "验收报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% evidence\n")
    form.locator("input[name=evidence]").set_input_files(str(evidence))
    form.get_by_role("button", name="报送").click()
    expect(page.locator(".msg-success")).to_contain_text("进展已报送")
    expect(page.get_by_role("link", name="验收报告.pdf")).to_be_visible()
    admin.shot("indicators-task-reported")
    assert PlanTask.objects.get(title="科学规划社区服务设施布局").status == "done"
