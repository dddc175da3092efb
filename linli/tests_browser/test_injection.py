"""Stored script injection: names that users type, shown on maps, charts and lists, stay text.

Every name a map, chart or list shows is planted with markup that runs script when it is put on a page
as HTML — an ``<img onerror>``, a ``<script>`` and a quote-breaking variant — in facilities, buildings,
communities, grids and streets, services, organisations, a request's text, an indicator and a data
element. Each page that shows them is opened as a role that sees it; every Leaflet tooltip and popup
is opened and every ECharts tooltip shown. The test fails when a dialog opens or ``window.__pwned`` is
set, when the planted markup became elements (even ones the Content-Security-Policy kept from
running), when the policy reports a violation (the pages' own scripts must all run under it), when a
tooltip does not show the planted text literally, or when a map or chart did not draw.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import expect

from linli.cases import services as case_services
from linli.cases.models import Case
from linli.cases.tests.conftest import LAT0, LON0, STEP, build_cases_world
from linli.facilities.models import Facility
from linli.indicators import services as indicator_services
from linli.indicators.models import DataElement, Indicator, Plan
from linli.indicators.tests.conftest import reported
from linli.lifecircle.services import recompute
from linli.lifecircle.tests.test_app import _place
from linli.regions.models import Region
from linli.registry.models import Building, OrganisationKind
from linli.services.models import Service, TaxonomyTerm
from linli.testing.factories import OrganisationFactory, World

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:No directory at:UserWarning")]

IMG = '<img src=x onerror="window.__pwned=1;alert(1)">'
SCRIPT = "<script>window.__pwned=1;alert(1)</script>"
QUOTE = "\"'></a><svg onload=window.__pwned=1;alert(1)>');window.__pwned=1;//"
PAYLOADS = (IMG, SCRIPT, QUOTE)

# Runs before any script of each page: keeps the policy's violation reports for the checks.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' in ' + (e.sourceFile || '?') + ':' + e.lineNumber + ' ' + (e.sample || ''));
});
"""

# Opens every tooltip and popup of every map (LinliMap.maps) and shows every ECharts tooltip; returns
# their texts and what the page drew.
PROBE = """
() => {
  const out = {tooltips: [], popups: [], links: [], chartTips: [], maps: 0, charts: 0, paths: 0, canvases: 0};
  const maps = (window.LinliMap && window.LinliMap.maps) || [];
  out.maps = maps.length;
  for (const map of maps) {
    map.eachLayer(l => {
      const t = l.getTooltip && l.getTooltip();
      if (!t) return;
      l.openTooltip();
      out.tooltips.push(t.getElement() ? t.getElement().textContent : null);
    });
    map.eachLayer(l => {
      const p = l.getPopup && l.getPopup();
      if (!p || !l._map) return;
      l.openPopup();
      const el = p.getElement();
      out.popups.push(el ? el.textContent : null);
      if (el) el.querySelectorAll('a').forEach(a => out.links.push(a.getAttribute('href')));
      l.closePopup();
    });
    const c = map.getContainer();
    out.paths += c.querySelectorAll('path.leaflet-interactive').length;
    out.canvases += c.querySelectorAll('.leaflet-overlay-pane canvas').length;
  }
  if (window.echarts) {
    document.querySelectorAll('[_echarts_instance_]').forEach(el => {
      const chart = window.echarts.getInstanceByDom(el);
      if (!chart) return;
      out.charts += 1;
      if (el.querySelector('canvas')) out.canvases += 1;
      (chart.getOption().series || []).forEach((s, si) => {
        const n = Array.isArray(s.data) ? s.data.length : 0;
        for (let i = 0; i < n; i++) {
          chart.dispatchAction({type: 'showTip', seriesIndex: si, dataIndex: i});
          out.chartTips.push(el.textContent);
        }
      });
      chart.dispatchAction({type: 'hideTip'});
    });
  }
  return out;
}
"""

# Elements the planted markup would have become, had any of it been parsed as HTML: inline handlers
# (the pages have none of their own) and scripts that are not JSON data islands.
INJECTED = """
() => {
  const found = [];
  document.querySelectorAll('*').forEach(e => {
    for (const a of e.attributes) {
      if (/^on/i.test(a.name)) found.push('<' + e.tagName.toLowerCase() + ' ' + a.name + '="' + a.value + '">');
    }
  });
  document.querySelectorAll('script').forEach(s => {
    if (!s.src && s.type !== 'application/json') found.push('inline script: ' + s.textContent.slice(0, 80));
  });
  document.querySelectorAll('img[src="x"]').forEach(() => found.push('img src=x'));
  return found;
}
"""


@pytest.fixture(autouse=True)
def _catalogues(transactional_db: None) -> None:
    """The indicator catalogue is migration data that the flush between browser tests removes."""
    import importlib

    from django.apps import apps

    if not Plan.objects.exists():
        importlib.import_module("linli.indicators.migrations.0002_catalogue").load(apps, None)


@dataclass
class Planted:
    """What was planted: the ids the pages are opened with."""

    facility: Facility
    case: Case
    resident_case: Case
    street: Region
    community: Region
    names: dict[str, str] = field(default_factory=dict)


def _rect(lat0: float, lat1: float, lon0: float, lon1: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }


def plant(world: World) -> Planted:
    """Every name a map, chart or list shows gets one of the payloads."""
    tree = world.tree
    district, _, _ = _place(world)  # buildings with coordinates, facilities, a walking network
    build_cases_world(world)  # grid outlines, departments, their accounts
    names: dict[str, str] = {}

    def name(key: str, prefix: str, n: int) -> str:
        names[key] = f"{prefix}{PAYLOADS[n % len(PAYLOADS)]}"
        return names[key]

    for n, (key, region) in enumerate(
        [
            ("community_a", tree.community_a),
            ("community_b", tree.community_b),
            ("community_c", tree.community_c),
            ("street", tree.street),
            ("grid_a1", tree.grid_a1),
            ("grid_a2", tree.grid_a2),
        ]
    ):
        Region.objects.filter(pk=region.pk).update(name=name(key, key, n))
    Region.objects.filter(pk=tree.community_a.pk).update(
        boundary=_rect(24.955, 24.9665, 118.665, 118.677), centroid_lat=24.96, centroid_lon=118.67
    )
    Region.objects.filter(pk=tree.community_b.pk).update(boundary=_rect(24.94, 24.955, 118.665, 118.677))
    Region.objects.filter(pk=tree.community_c.pk).update(boundary=_rect(24.9665, 24.98, 118.677, 118.69))

    for n, b in enumerate(Building.objects.order_by("pk")):
        Building.objects.filter(pk=b.pk).update(name=name(f"building{n}", f"楼{n}", n))
    for n, code in enumerate(["F1", "V1", "V2", "F2"]):
        Facility.objects.filter(code=code).update(name=name(f"facility_{code}", f"设施{code}", n))

    department = OrganisationFactory.create(
        name=name("department", "部门", 0), kind=OrganisationKind.DEPARTMENT, region=tree.district
    )
    OrganisationFactory.create(name=name("organisation", "组织", 1), region=tree.community_a)

    term = TaxonomyTerm.objects.get(code="elderly_meal")
    for n in range(3):
        Service.objects.create(
            name=name(f"service{n}", f"服务{n}", n),
            kind="public",
            category=term,
            region=tree.community_a,
            capacity=3,
            lat=24.962,
            lon=118.672,
            address="万福社区党群服务中心",
        )

    a1_lat, a1_lon = LAT0 + STEP / 2, LON0 + STEP / 2  # inside grid A1's outline
    case = case_services.case_create(
        by=world.accounts.community_worker,
        category="sanitation.complaint",
        description="小区门口垃圾桶满了",
        channel="hotline",
        lat=a1_lat,
        lon=a1_lon,
        reporter_name="张三",
    )
    case = case_services.case_dispatch(case=case, by=world.accounts.community_worker, organisation=department)
    resident_case = case_services.case_create(
        by=world.accounts.resident,
        category="sanitation.complaint",
        description="楼道灯坏了",
        channel="app",
        lat=a1_lat,
        lon=a1_lon,
    )
    # the intake refuses markup; text that came in before that rule (or by another road) is planted
    text = "诉求" + "".join(PAYLOADS)
    names["case"] = text
    Case.objects.filter(pk__in=[case.pk, resident_case.pk]).update(description=text)

    indicator_services.plan_adopt(plan=Plan.objects.get(code="luojiang-2021-2025"), region=district, by=None)
    Indicator.objects.filter(code="csc_coverage").update(name=name("indicator", "指标", 0))
    DataElement.objects.filter(code="urban_communities_with_selfservice").update(
        name=name("element", "数据元", 1)
    )
    year = dt.date.today().year
    for region, value in ((tree.community_a, 2), (tree.community_b, 3)):
        reported("registered_volunteers", region, value, year)

    recompute(district)
    return Planted(
        facility=Facility.objects.get(code="F1"),
        case=case,
        resident_case=resident_case,
        street=Region.objects.get(pk=tree.street.pk),
        community=Region.objects.get(pk=tree.community_a.pk),
        names=names,
    )


class Watch:
    """One signed-in browser, watched for dialogs, policy violations and injected elements."""

    def __init__(self, visitor: Any) -> None:
        self.v = visitor
        self.page = visitor.page
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.page.add_init_script(WATCH)

        def on_dialog(d: Any) -> None:
            self.dialogs.append(f"{d.type}: {d.message} on {self.page.url}")
            d.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.on(
            "console",
            lambda m: (
                self.console.append(f"{m.text} on {self.page.url}")
                if "Content Security Policy" in m.text
                else None
            ),
        )

    def visit(self, path: str, name: str) -> dict[str, Any]:
        """Open a page, open every tooltip, popup and chart tooltip on it, and check nothing ran."""
        self.v.go(path, name)
        self.page.wait_for_function("document.readyState === 'complete'")
        probe: dict[str, Any] = self.page.evaluate(PROBE)
        self.v.shot(f"{name}-probed")
        self.check(path)
        return probe

    def check(self, where: str) -> None:
        assert self.page.evaluate("window.__pwned") is None, f"planted script ran on {where}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        injected = self.page.evaluate(INJECTED)
        assert not injected, f"planted markup became elements on {where}: {injected}"
        violations = self.page.evaluate("window.__csp || []")
        assert not violations, f"Content-Security-Policy violations on {where}: {violations}"
        assert not self.console, f"Content-Security-Policy reports on {where}: {self.console}"


def _shows_literally(texts: list[str | None], planted: str, where: str) -> None:
    assert any(t and planted in t for t in texts), f"{where}: {planted!r} not shown as text in {texts}"


def test_district_admin_maps_charts_and_lists(world: World, signed_in) -> None:
    p = plant(world)
    n = p.names
    w = Watch(signed_in("district_admin"))
    page = w.page

    probe = w.visit("/facilities/map/", "inject-facility-map")
    expect(page.locator("#map")).not_to_have_attribute("data-loaded", "0")
    assert probe["paths"] >= 4, probe  # community outlines and facilities drawn
    for key in ("facility_F1", "facility_V1", "facility_V2", "community_a"):
        _shows_literally(probe["tooltips"], n[key], "facility map tooltips")
    _shows_literally(probe["popups"], n["facility_F1"], "facility map popups")
    assert f"/facilities/{p.facility.pk}/" in probe["links"], probe["links"]
    page.locator("#map path.leaflet-interactive").last.hover()  # a real hover, too
    page.locator("#map path.leaflet-interactive").last.click()
    w.check("facility map after hover and click")

    w.visit("/facilities/", "inject-facility-list")
    expect(page.locator("body")).to_contain_text(n["facility_F1"])

    probe = w.visit("/lifecircle/?type=elderly_station", "inject-lifecircle-map")
    expect(page.locator("#map")).not_to_have_attribute("data-loaded", "0")
    assert probe["canvases"] >= 1, probe  # drawn on a canvas (preferCanvas)
    for key in ("community_a", "building0", "building1", "building2"):
        _shows_literally(probe["tooltips"], n[key], "life-circle tooltips")
    _shows_literally(probe["popups"], n["facility_F1"], "life-circle popups")
    assert f"/lifecircle/isochrone/{p.facility.pk}/" in probe["links"], probe["links"]
    page.select_option("select[name=candidates]", "vacant")
    page.fill("input[name=k]", "2")
    page.get_by_role("button", name="开始测算").click()
    expect(page.locator("#siting-result")).to_contain_text("新增覆盖", timeout=20_000)
    expect(page.locator("#map").get_by_text("★1")).to_be_visible()
    probe = page.evaluate(PROBE)
    assert any(t and t.startswith("选址 1：") for t in probe["tooltips"]), probe["tooltips"]
    w.check("life-circle siting")

    probe = w.visit(f"/lifecircle/isochrone/{p.facility.pk}/", "inject-isochrone")
    expect(page.locator("#map")).to_have_attribute("data-loaded", re.compile(r"^[1-9]\d*$"))
    _shows_literally(probe["tooltips"], n["facility_F1"], "isochrone tooltip")
    expect(page.locator("h1")).to_contain_text(n["facility_F1"])

    probe = w.visit(f"/regions/{p.street.code}/", "inject-region-street")
    assert probe["charts"] == 1 and probe["canvases"] >= 1, probe
    _shows_literally(probe["chartTips"], n["community_a"], "region chart tooltip")
    _shows_literally(probe["chartTips"], n["community_b"], "region chart tooltip")
    _shows_literally(probe["tooltips"], n["community_a"], "region map tooltips")
    probe = w.visit(f"/regions/{p.community.code}/", "inject-region-community")
    expect(page.locator("#map")).not_to_have_attribute("data-loaded", "0")
    _shows_literally(probe["tooltips"], n["building0"], "region map tooltips")
    _shows_literally(probe["chartTips"], n["grid_a1"], "region chart tooltip")

    w.visit("/regions/", "inject-region-tree")
    toggle = page.locator(f"#r{world.tree.street.code} button.toggle")
    toggle.click()  # htmx loads the street's communities and the button removes itself
    expect(page.locator(f"#r{world.tree.community_a.code}")).to_contain_text(n["community_a"])
    expect(toggle).to_have_count(0)
    w.check("region tree")

    probe = w.visit("/cases/map/", "inject-cases-map")
    expect(page.locator("#heat")).to_have_attribute("data-loaded", "2")
    expect(page.locator("#heat canvas.leaflet-heatmap-layer")).to_have_count(1)
    _shows_literally(probe["tooltips"], n["community_a"], "cases map outlines")

    w.visit("/cases/?queue=all", "inject-cases-list")
    expect(page.locator("#case-rows")).to_contain_text(p.case.number)
    w.visit(f"/cases/{p.case.number}/", "inject-case-detail")
    expect(page.locator("body")).to_contain_text(SCRIPT)

    for group, key in (("unit", "department"), ("community", "community_a"), ("street", "street")):
        probe = w.visit(f"/cases/measures/?group={group}", f"inject-measures-{group}")
        assert probe["charts"] == 1 and probe["canvases"] >= 1, probe
        _shows_literally(probe["chartTips"], n[key], f"measures by {group}")

    probe = w.visit(
        f"/indicators/?region={p.street.code}&indicator=selfservice_coverage", "inject-indicators-dashboard"
    )
    assert probe["charts"] == 2 and probe["canvases"] >= 2, probe
    expect(page.locator("#map")).to_have_attribute("data-features", "2")
    _shows_literally(probe["chartTips"], n["indicator"], "attainment bars")
    _shows_literally(probe["chartTips"], n["community_a"], "children map")
    expect(page.locator("#attainment")).to_contain_text(n["element"])  # the missing data element
    page.locator("label", has_text="下级区划").locator("select").select_option(index=1)  # data-go
    page.wait_for_url(re.compile(r"region=350504001\d{3}"))
    w.check("dashboard after choosing a child region")

    probe = w.visit(f"/indicators/indicator/csc_coverage/?region={p.street.code}", "inject-indicator")
    assert probe["charts"] == 2, probe
    expect(page.locator("h1")).to_contain_text(n["indicator"])
    _shows_literally(probe["chartTips"], n["community_b"], "indicator children chart")

    w.visit("/registry/buildings/", "inject-buildings")
    expect(page.locator("body")).to_contain_text(n["building0"])
    w.visit("/registry/organisations/", "inject-organisations")
    expect(page.locator("body")).to_contain_text(n["department"])
    w.visit("/services/manage/", "inject-services-manage")
    expect(page.locator("body")).to_contain_text(n["service0"])


def test_worker_and_resident_forms_and_lists(world: World, signed_in) -> None:
    p = plant(world)
    n = p.names

    w = Watch(signed_in("community_worker"))
    page = w.page
    probe = w.visit(f"/facilities/{p.facility.pk}/edit/", "inject-facility-form")
    expect(page.locator("#pick-map")).not_to_have_attribute("data-loaded", "0")
    _shows_literally(probe["tooltips"], n["facility_V1"], "facility form map")
    _shows_literally(probe["tooltips"], n["community_a"], "facility form map")
    page.fill("#f-hours_1", "08:30-12:00, 14:30-18:00")  # the hours editor builds its cells as nodes
    expect(page.locator("#h-1 .tag")).to_have_text("不足 8 小时")
    page.fill("#f-hours_2", "25:00")
    expect(page.locator("#h-2 .bad")).to_have_text("格式有误")
    w.check("facility form")

    probe = w.visit("/cases/intake/", "inject-intake")
    expect(page.locator("#pick")).to_have_attribute("data-ready", "1")
    _shows_literally(probe["tooltips"], n["grid_a1"], "intake map outlines")
    w.visit("/registry/buildings/", "inject-worker-buildings")
    expect(page.locator("body")).to_contain_text(n["building0"])

    r = Watch(signed_in("resident", phone=True))
    page = r.page
    r.visit("/services/", "inject-services-directory")
    expect(page.locator("#service-list")).to_contain_text(n["service0"])
    probe = r.visit("/cases/report/", "inject-report")
    expect(page.locator("#pick")).to_have_attribute("data-ready", "1")
    _shows_literally(probe["tooltips"], n["grid_a1"], "report map outlines")
    r.visit("/cases/mine/", "inject-mine")
    r.visit(f"/cases/{p.resident_case.number}/", "inject-resident-case")
    expect(page.locator("body")).to_contain_text(SCRIPT)


def test_api_docs_and_admin_run_under_the_policy(world: World, signed_in) -> None:
    """Swagger UI (served by ninja from this site) and the Django admin need no inline script."""
    from linli.core.models import User

    User.objects.filter(username="system_admin").update(is_staff=True, is_superuser=True)
    w = Watch(signed_in("system_admin"))
    page = w.page
    w.visit("/api/docs", "inject-api-docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()  # the bundle ran and drew the API
    w.check("API docs")
    w.visit("/admin/", "inject-admin")
    expect(page.locator("#site-name")).to_be_visible()
    w.visit(f"/admin/core/user/{world.accounts.community_worker.pk}/change/", "inject-admin-user")
    expect(page.locator("#user_form")).to_be_visible()
    page.locator("#user_form").get_by_role("button", name=re.compile("保存")).first.wait_for()
    w.check("admin change form")
