"""A community worker of 万福社区 enters a facility with its opening hours, finds it in the list and on
the map, and reads the community's 完整居住社区 checklist; the street sees the roll-up."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from linli.facilities.models import Facility
from linli.regions.models import Region
from linli.testing.factories import World


@pytest.fixture(autouse=True)
def catalogue(transactional_db: None) -> None:
    """The type catalogue is migration data, which the flush between browser tests removes: load it again."""
    import importlib

    from django.apps import apps

    from linli.facilities.models import FacilityType

    if not FacilityType.objects.exists():
        importlib.import_module("linli.facilities.migrations.0002_facility_types").load(apps, None)


pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[118.660, 24.952], [118.680, 24.952], [118.680, 24.968], [118.660, 24.968], [118.660, 24.952]]
    ],
}


def test_facility_entry_list_map_and_checklist(world: World, signed_in) -> None:
    Region.objects.filter(pk=world.tree.community_a.pk).update(
        boundary=SQUARE, centroid_lat=24.96, centroid_lon=118.67
    )
    v = signed_in("community_worker")
    page = v.page
    expect(page.locator("nav.mainnav")).to_contain_text("服务设施")

    v.go("/facilities/new/", "facility-new")
    page.fill("#f-name", "万福社区党群服务中心")
    page.select_option("#f-type", label="党群服务中心")
    expect(page.locator("#f-region")).to_have_value("350504001001")
    page.fill("#f-building_area", "620")
    page.fill("#f-activity_area", "700")  # more than the building: refused
    page.fill("#f-office_area", "90")
    page.locator("#pick-map").click(position={"x": 200, "y": 150})  # pick the point on the map
    expect(page.locator("#f-lat")).not_to_have_value("")
    page.fill("#f-hours_1", "08:30-12:00, 14:30-18:00")
    expect(page.locator("#h-1")).to_contain_text("7 小时")
    expect(page.locator("#h-1 .tag")).to_have_text("不足 8 小时")
    page.get_by_role("button", name="周二至周五同周一").click()
    page.fill("#f-hours_2", "08:00-12:00, 14:00-18:00")
    page.fill("#f-hours_6", "09:00-17:00")
    expect(page.locator("#h-week")).to_have_text("44 小时/周")
    v.shot("facility-form-filled")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".errorlist").first).to_contain_text("超过总建筑面积")
    v.shot("facility-form-error")
    page.fill("#f-activity_area", "420")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("h1")).to_contain_text("万福社区党群服务中心")
    expect(page.locator("#week")).to_contain_text("不足 8 小时")
    v.shot("facility-detail")
    f = Facility.objects.get(name="万福社区党群服务中心")
    assert f.short_days == 4 and float(f.hours_per_week or 0) == 44.0 and f.lat is not None
    assert 24.952 < f.lat < 24.968

    v.go("/facilities/?short_days=1", "facility-list")
    expect(page.locator("#facility-rows")).to_contain_text("万福社区党群服务中心")
    expect(page.locator("#facility-rows")).to_contain_text("4 天不足 8 小时")

    v.go("/facilities/map/", "facility-map")
    expect(page.locator("#map")).to_have_attribute("data-loaded", "1")
    expect(page.locator("#map path.leaflet-interactive")).to_have_count(2)  # the boundary and the facility
    page.locator("#map").screenshot(path=str(v.folder / "community_worker-facility-map-only.png"))

    v.go("/facilities/checklist/", "checklist")
    expect(page.locator("h1")).to_contain_text("万福社区居委会")
    expect(page.locator("#item-1")).to_contain_text("社区综合服务站建筑面积 620㎡，低于 800㎡")
    expect(page.locator("#item-20")).to_contain_text("待社区人工确认")
    page.select_option("select[name=item]", "20")
    page.fill("input[name=evidence]", "2026年1月居民代表会议通过《居民公约》并张贴公示")
    page.get_by_role("button", name="记录").click()
    expect(page.locator("#item-20")).to_contain_text("人工确认")
    expect(page.locator("#item-20")).to_contain_text("达标")
    v.shot("checklist-attested")

    s = signed_in("street_coordinator")
    s.go("/facilities/checklist/", "checklist-rollup")
    expect(s.page.locator("#rollup")).to_contain_text("万福社区居委会")
    expect(s.page.locator("#rollup")).to_contain_text("桥南社区居委会")
    expect(s.page.locator("#missing")).to_contain_text("一个幼儿园")


def test_district_map_and_rollup_on_the_demo(transactional_db: None, settings, signed_in) -> None:  # type: ignore[no-untyped-def]
    """The small 洛江 demo with its facilities: the district administrator's map and roll-up."""
    import datetime as dt

    from linli.core.models import User
    from linli.core.roles import Role
    from linli.facilities import demo
    from linli.registry.demo import demo_load
    from linli.testing.factories import PASSWORD

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_load(scale=0.01, today=dt.date(2026, 3, 1))
    demo.run(seed=2026, today=dt.date(2026, 3, 1))
    district = Region.objects.get(code="350504", valid_to__isnull=True)
    admin = User.objects.create(
        username="district_admin", role=Role.DISTRICT_ADMIN, region=district, display_name="区管理员"
    )
    admin.set_password(PASSWORD)
    admin.save()

    v = signed_in("district_admin")
    page = v.page
    v.go("/facilities/checklist/", "demo-rollup")
    expect(page.locator("#rollup tbody tr")).to_have_count(87)
    expect(page.locator("#missing tbody tr").first).not_to_contain_text("没有未达标项")
    v.go("/facilities/map/?region=350504001", "demo-map")
    expect(page.locator("#map")).not_to_have_attribute("data-loaded", "0")
    page.locator("#map").screenshot(path=str(v.folder / "district_admin-demo-map-only.png"))
    v.go("/facilities/checklist/350504001/rollup/", "demo-rollup-street")
    page.locator("#rollup a").first.click()
    expect(page.locator("#checklist")).to_contain_text("一个社区综合服务站")
    v.shot("demo-checklist")
    v.go("/facilities/?status=vacant", "demo-vacant")
    expect(page.locator("#facility-rows")).to_contain_text("闲置")
