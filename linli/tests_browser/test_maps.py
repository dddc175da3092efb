"""Maps in the browser: the named region outlines on a region's page, the district dashboard's
choropleth following the chosen indicator (on a phone), and the GCJ-02 shift of the map module."""

from __future__ import annotations

import datetime as dt
import json

import prcoords
import pytest
from playwright.sync_api import expect
from pytest_django import Settings

from linli.indicators.tests.conftest import facility, reported
from linli.regions.models import SKETCHED
from linli.testing.factories import World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]


def _rect(lat: float, lon: float, d: float = 0.02) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]],
    }


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


def _outlines(world: World) -> None:
    t = world.tree
    for r, (lat, lon) in [
        (t.street, (24.95, 118.60)),
        (t.town, (24.95, 118.63)),
        (t.community_a, (24.95, 118.60)),
        (t.community_b, (24.96, 118.60)),
    ]:
        r.boundary, r.boundary_source = _rect(lat, lon, 0.01 if len(r.code) == 12 else 0.02), SKETCHED
        r.save(update_fields=["boundary", "boundary_source"])


def test_region_page_shows_named_outlines_marked_as_a_sketch(world: World, signed_in) -> None:
    _outlines(world)
    for phone in (False, True):
        v = signed_in("street_coordinator", phone=phone)
        v.go(f"/regions/{world.tree.street.code}/", "region-street-map" + ("-phone" if phone else ""))
        m = v.page.locator("#map")
        expect(m).to_have_attribute("data-boundaries", "3")  # two communities and the street itself
        expect(m.locator(".map-label")).to_have_count(2)
        expect(m.locator(".map-label").first).to_have_text("万福社区")  # 万福社区居委会, shortened
        expect(m.locator(".map-sketch-note")).to_have_text("示意边界（演示数据）")


def test_dashboard_map_follows_the_chosen_indicator(world: World, signed_in) -> None:
    t = world.tree
    _outlines(world)
    for n, c in enumerate((t.community_a, t.community_b, t.community_c)):
        facility(c, "party_center", 400 + 50 * n, 260, 80)
    facility(t.community_c, "volunteer_station", 30)
    year = dt.date.today().year
    for c, v in ((t.community_a, 2), (t.community_b, 3), (t.community_c, 1), (t.community_d, 1)):
        reported("registered_volunteers", c, v, year)
    admin = signed_in("district_admin", phone=True)
    page = admin.page
    admin.go("/indicators/plans/", "indicators-plans")
    page.locator("form", has=page.locator("input[value=luojiang-2021-2025]")).get_by_role("button").click()
    expect(page.locator(".msg-success")).to_contain_text("已采用")

    admin.go(f"/indicators/?year={year}&indicator=csc_coverage", "indicators-choropleth-phone")
    m = page.locator("#map")
    expect(m).to_have_attribute("data-features", "2")
    expect(m.locator("canvas")).to_have_count(1)
    # the definition beside a figure the life-circle page measures differently
    expect(page.locator(".definition").first).to_contain_text("有综合服务设施的社区数 ÷ 城乡社区（村）数")
    expect(page.locator(".definition").first).to_contain_text("生活圈")
    coverage = json.loads(m.get_attribute("data-colours") or "{}")
    # 万安街道 has its two communities covered, 罗溪镇 one of two: the street is the darker
    assert coverage[t.street.code] != coverage[t.town.code]
    expect(page.locator("#map-legend")).to_contain_text("%")

    # another indicator: the volunteer stations are in the town only; the colours swap
    with page.expect_navigation():
        page.locator("select[name=indicator]").select_option("volunteer_station_coverage")
    m = page.locator("#map")
    expect(m.locator("canvas")).to_have_count(1)
    stations = json.loads(m.get_attribute("data-colours") or "{}")
    assert stations != coverage
    assert stations[t.town.code] == coverage[t.street.code]  # now the town is the darker
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_map_shifts_positions_onto_gcj02_tiles(world: World, signed_in, settings: Settings) -> None:
    settings.LINLI_MAP_TILES = "/static/linli/icon.svg?{z}/{x}/{y}"  # this site: no network in tests
    settings.LINLI_MAP_CRS = "gcj02"
    _outlines(world)
    v = signed_in("street_coordinator")
    v.go(f"/regions/{world.tree.street.code}/", "region-map-gcj02")
    expect(v.page.locator("body")).to_have_attribute("data-map-crs", "gcj02")
    expect(v.page.locator("#map")).to_have_attribute("data-tiles", "on")
    for lat, lon in ((24.95, 118.60), (39.9087, 116.3975)):
        want = prcoords.wgs_gcj((lat, lon))
        got = v.page.evaluate(f"LinliMap.wgsToGcj({lat}, {lon})")
        assert got == pytest.approx([want.lat, want.lon], abs=1e-9)
        back = v.page.evaluate(f"LinliMap.gcjToWgs({want.lat}, {want.lon})")
        assert back == pytest.approx([lat, lon], abs=1e-7)
    # the map's projection does the shift: a WGS-84 point lands where its GCJ-02 position is on Mercator
    shifted = v.page.evaluate(
        "(() => { var m = LinliMap.maps[0], ll = L.latLng(24.95, 118.60);"
        " var p = m.options.crs.project(ll), q = L.Projection.SphericalMercator.project(L.latLng(LinliMap.wgsToGcj(24.95, 118.60)));"
        " var back = m.options.crs.unproject(p); return [p.x - q.x, p.y - q.y, back.lat, back.lng]; })()"
    )
    assert shifted[:2] == pytest.approx([0, 0], abs=1e-6)
    assert shifted[2:] == pytest.approx([24.95, 118.60], abs=1e-7)
