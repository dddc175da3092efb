"""A district administrator plans the life circle: walking time to a facility type, gaps, siting, isochrone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from linli.facilities.models import Facility
from linli.lifecircle.models import Access
from linli.lifecircle.services import recompute
from linli.lifecircle.tests.test_app import _place
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def _rect(lat0: float, lat1: float, lon0: float, lon1: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }


def test_map_gaps_siting_and_isochrone(world: World, signed_in) -> None:
    district, es, blds = _place(world)
    tree = world.tree
    tree.community_a.boundary = _rect(24.955, 24.9665, 118.665, 118.677)
    tree.community_a.save()
    tree.community_c.boundary = _rect(24.9665, 24.98, 118.677, 118.69)
    tree.community_c.save()
    recompute(district)
    with_coords = Access.objects.filter(type=es).count()

    v = signed_in("district_admin")
    page = v.page
    v.go("/lifecircle/?type=elderly_station", "lifecircle-map")
    expect(page.locator("h1")).to_contain_text("生活圈")
    expect(page.locator("#map")).to_have_attribute("data-loaded", str(with_coords))
    # the facilities of the view: the elderly station and the two vacant premises, each drawn once
    expect(page.locator("#map")).to_have_attribute("data-facilities", "3")
    expect(page.get_by_text("合成路网（演示）").first).to_be_visible()
    # the far end of the row of buildings is beyond the 15-minute circle: a gap
    gaps = page.locator("#gaps")
    expect(gaps).to_contain_text("短板社区")
    expect(gaps.locator("table").first).to_contain_text("%")

    # siting: two new elderly stations on network nodes, maximal covering
    page.select_option("select[name=candidates]", "network")
    page.fill("input[name=k]", "2")
    page.get_by_role("button", name="开始测算").click()
    result = page.locator("#siting-result")
    expect(result).to_contain_text("新增覆盖", timeout=20_000)
    expect(result).to_contain_text("已是最好的方案")
    expect(result).not_to_contain_text("整数规划")
    expect(page.locator("#map").get_by_text("★1")).to_be_visible()
    # the sites are named after the nearest building, coordinates only in small print
    first = result.locator("#siting-sites tbody tr").first
    expect(first).to_contain_text("附近")
    expect(first).not_to_contain_text("路口（")
    expect(page.locator("#gap-definition")).to_contain_text("按步行15分钟可达计算")
    v.shot("lifecircle-siting")
    with page.expect_download() as dl:
        result.get_by_role("link", name="导出 Excel").click()
    assert dl.value.suggested_filename.endswith(".xlsx") and "选址测算" in dl.value.suggested_filename

    # another type from the menu
    page.select_option("#type-select", "supermarket")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#type-select")).to_have_value("supermarket")
    expect(page.locator("#map")).to_have_attribute("data-loaded", str(with_coords))
    v.shot("lifecircle-map-supermarket")

    v.go("/lifecircle/coverage/", "lifecircle-coverage")
    expect(page.locator("#coverage-table")).to_contain_text("社区养老服务站")
    expect(page.locator("body")).to_contain_text("便民生活圈")
    expect(page.locator("#coverage-definition")).to_contain_text("按步行15分钟可达计算")
    expect(page.locator("#coverage-definition")).to_contain_text("按辖区内有设施计算")

    f = Facility.objects.get(code="F1")
    v.go(f"/lifecircle/isochrone/{f.pk}/", "lifecircle-isochrone")
    expect(page.locator("#map")).not_to_have_attribute("data-loaded", "0")
    expect(page.locator("#map")).to_have_attribute("data-loaded", __import__("re").compile(r"^[1-9]\d*$"))
    assert not v.problems, v.problems


def test_resident_has_no_life_circle_pages(world: World, signed_in) -> None:
    v = signed_in("resident")
    expect(v.page.locator("nav.mainnav")).not_to_contain_text("生活圈")
    v.go("/lifecircle/", "lifecircle-denied", status=403)
