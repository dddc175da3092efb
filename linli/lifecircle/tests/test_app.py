"""Services, pages and API on the standard world and on a small demo."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db.models import Max, Sum
from scipy.sparse.csgraph import connected_components

from linli.core.models import User
from linli.facilities import demo as facilities_demo
from linli.facilities.models import Facility, FacilityStatus, FacilityType
from linli.lifecircle import tasks
from linli.lifecircle.demo import demo_loaded, demo_run
from linli.lifecircle.engine.synthetic import grid_network
from linli.lifecircle.models import (
    Access,
    CircleRule,
    CircleStandard,
    Coverage,
    NetworkSource,
    RoadNetwork,
    SitingRun,
)
from linli.lifecircle.selectors import (
    community_table,
    coverage_by_region,
    coverage_rollup,
    gap_communities,
)
from linli.lifecircle.services import LifeCircleError, load_network, network_save, recompute, siting_run
from linli.regions.models import Region
from linli.registry.demo import demo_load
from linli.registry.demo.accounts import demo_accounts_ensure
from linli.registry.models import Building, Person
from linli.testing.factories import BuildingFactory, HouseholdFactory, PersonFactory


def _place(world):
    """Give the world's buildings coordinates, facilities of two types and a synthetic network."""
    tree = world.tree
    for i in range(12):  # a row of buildings walking away from the elderly station, two residents each
        grid = tree.grid_a1 if i < 6 else tree.grids[tree.community_c.code][0]
        b = BuildingFactory(region=grid, lat=24.960 + 0.0012 * i, lon=118.670 + 0.0012 * i)
        h = HouseholdFactory(building=b)
        PersonFactory(household=h, age=70)
        PersonFactory(household=h, age=30)
    blds = list(Building.objects.all().order_by("id"))
    es = FacilityType.objects.get(code="elderly_station")
    sm = FacilityType.objects.get(code="supermarket")
    comm = Region.objects.filter(level=5).order_by("code").first()
    Facility.objects.create(code="F1", name="养老站一", type=es, region=comm, lat=24.960, lon=118.670)
    Facility.objects.create(code="F2", name="超市一", type=sm, region=comm, lat=24.990, lon=118.700)
    for code, name, lat, lon in [
        ("V1", "闲置用房一", 24.9665, 118.6665),
        ("V2", "闲置用房二", 24.968, 118.678),
    ]:
        Facility.objects.create(
            code=code, name=name, type=es, region=comm, lat=lat, lon=lon, status=FacilityStatus.VACANT
        )
    net = grid_network([(24.955, 24.995, 118.665, 118.705)], [100.0], seed=1)
    district = (
        Region.objects.get(code=tree.district.code)
        if hasattr(tree, "district")
        else Region.objects.filter(level=3).first()
    )
    network_save(region=district, net=net, name="测试合成路网", source=NetworkSource.SYNTHETIC)
    return district, es, blds


def test_standard_and_rules_are_data(db):
    assert CircleStandard.objects.get(type__code="nursery").group == "infant"
    assert CircleStandard.objects.get(type__code="elderly_station").minutes == 5
    rule = CircleRule.objects.get(code="convenient")
    assert (rule.goal_urban, rule.goal_rural) == (0.9, 0.5)
    assert CircleRule.objects.get(code="quality").goal_rural == 0.1


def test_recompute_stores_access_and_coverage(world):
    district, es, blds = _place(world)
    run = recompute(district)
    assert run.method == "network"
    rows = Access.objects.filter(type=es)
    assert rows.count() == len(blds)
    a = rows.filter(building__lat=24.960).order_by("-building_id").first()
    assert a.distance_m is not None and a.distance_m < 100 and a.within == 1
    assert a.minutes == pytest.approx(a.distance_m / 66, abs=0.01)
    cov = coverage_by_region(district)
    assert cov["elderly_station"]["group"] == "elderly"
    assert Coverage.objects.filter(type=es).exists()


def test_recompute_without_network_is_flagged_straight(world):
    tree = world.tree
    for i, b in enumerate(Building.objects.all()):
        b.lat, b.lon = 24.96 + 0.001 * i, 118.67
        b.save()
    es = FacilityType.objects.get(code="elderly_station")
    comm = Region.objects.filter(level=5).first()
    Facility.objects.create(code="F1", name="养老站", type=es, region=comm, lat=24.96, lon=118.67)
    run = recompute(Region.objects.filter(level=3).first())
    assert run.method == "straight"
    assert set(Access.objects.values_list("method", flat=True)) == {"straight"}
    assert tree is not None


def test_siting_covering_and_median(world):
    district, es, blds = _place(world)
    recompute(district)
    run = siting_run(
        actor=world.accounts.district_admin,
        region=district,
        type=es,
        problem="covering",
        k=2,
        group="all",
        candidates="network",
    )
    r = run.result
    assert r["method"] == "exact" and len(r["sites"]) <= 2
    # sites found on the network are named by the nearest building, never by raw coordinates
    names = set(Building.objects.values_list("name", flat=True))
    for site in r["sites"]:
        assert site["label"].endswith("附近") and site["label"].removesuffix("附近") in names
        assert "（" not in site["label"] and site["community"]
        assert site["covers"] >= site["reach"] > 0
    assert r["covered_after"] >= r["covered_before"]
    assert r["gained"] == pytest.approx(r["covered_after"] - r["covered_before"])
    med = siting_run(
        actor=None, region=district, type=es, problem="median", k=1, group="all", candidates="vacant"
    )
    assert med.result["sites"][0]["label"] == "闲置用房二"  # on the row of buildings
    assert med.result["mean_min_after"] <= med.result["mean_min_before"]
    with pytest.raises(LifeCircleError, match="1–200"):
        siting_run(actor=None, region=district, type=es, problem="covering", k=0)
    assert SitingRun.objects.count() == 2


def test_pages_and_api(world, client_for):
    district, es, blds = _place(world)
    recompute(district)
    c = client_for(world.accounts.district_admin)
    page = c.get("/lifecircle/?type=elderly_station")
    assert page.status_code == 200 and "合成路网（演示）" in page.content.decode()
    # the district by its streets, each linking down to its communities
    tree = world.tree
    district_page = c.get("/lifecircle/coverage/").content.decode()
    assert f'href="?region={tree.street.code}"' in district_page and tree.street.name in district_page
    assert tree.community_a.name not in district_page
    street_page = c.get(f"/lifecircle/coverage/?region={tree.street.code}").content.decode()
    assert tree.community_a.name in street_page and tree.community_b.name in street_page
    assert f'href="?region={district.code}"' in street_page  # back up to the district
    assert c.get(f"/lifecircle/coverage/?region={tree.street.code}&page=x").status_code == 200
    gj = c.get("/api/lifecircle/buildings?type=elderly_station").json()
    assert len(gj["features"]) == len(blds)
    _facilities_layer_pages_and_boxes(c)
    f = Facility.objects.get(code="F1")
    iso = c.get(f"/api/lifecircle/isochrone/{f.pk}").json()
    assert iso["features"] and {x["properties"]["band"] for x in iso["features"]} <= {5, 10, 15}
    assert c.get(f"/lifecircle/isochrone/{f.pk}/").status_code == 200
    res = c.post(
        "/lifecircle/siting/",
        {"type": "elderly_station", "problem": "covering", "k": "2", "candidates": "network"},
    )
    assert res.status_code == 200 and "新增覆盖" in res.content.decode()
    bad = c.post("/lifecircle/siting/", {"type": "elderly_station", "problem": "covering", "k": "0"})
    assert "新增设施数应在 1–200 之间" in bad.content.decode()
    api = c.post(
        "/api/lifecircle/siting",
        {"type": "elderly_station", "k": 1, "candidates": "network"},
        content_type="application/json",
    )
    assert api.status_code == 200 and "gained" in api.json()


def _facilities_layer_pages_and_boxes(c):
    """/api/lifecircle/facilities: pages by limit/offset in id order, keeps to the map's bbox, filters by
    status; a bbox that is not four numbers in range is a 422 naming it."""

    def names(query):
        res = c.get(f"/api/lifecircle/facilities?{query}")
        assert res.status_code == 200, res.content
        return [f["properties"]["name"] for f in res.json()["features"]], res.json()["properties"]

    every, props = names("")
    assert sorted(every) == ["养老站一", "超市一", "闲置用房一", "闲置用房二"]
    assert props == {"limit": 500, "offset": 0, "next_offset": None}
    first, props = names("limit=3")
    assert first == every[:3] and props["next_offset"] == 3
    rest, props = names("limit=3&offset=3")
    assert rest == every[3:] and props["next_offset"] is None
    assert names("type=elderly_station&status=vacant")[0] == ["闲置用房一", "闲置用房二"]
    # the box around the elderly station and the first vacant premises, not the supermarket
    assert sorted(names("bbox=118.66,24.955,118.668,24.97")[0]) == ["闲置用房一"]
    assert sorted(names("bbox=118.66,24.955,118.68,24.97")[0]) == ["养老站一", "闲置用房一", "闲置用房二"]
    for bad in ("1,2,3", "a,b,c,d", "118.7,24.9,118.6,25.0", "0,0,200,10", "nan,0,1,1"):
        res = c.get(f"/api/lifecircle/facilities?bbox={bad}")
        assert res.status_code == 422 and "bbox" in res.json()["errors"], bad
    for bad in ("limit=0", "limit=2001", "offset=-1", "status=gone"):
        res = c.get(f"/api/lifecircle/facilities?{bad}")
        assert res.status_code == 422 and bad.split("=")[0] in res.json()["errors"], bad


def test_scope_and_roles(world, client_for):
    district, es, blds = _place(world)
    recompute(district)
    resident = client_for(world.accounts.resident)
    assert resident.get("/lifecircle/").status_code == 403
    cw = client_for(world.accounts.community_worker)
    gj = cw.get("/api/lifecircle/buildings?type=elderly_station").json()
    mine = Building.objects.filter(
        region__code__startswith=world.accounts.community_worker.region.code
    ).count()
    assert len(gj["features"]) == mine < len(blds)
    assert cw.get(f"/api/lifecircle/buildings?type=elderly_station&region={district.code}").status_code in (
        403,
        404,
    )


def test_demo_step_on_small_demo(db):
    """The demo network is one connected street net over the buildings; most town homes reach the
    everyday facilities within 15 minutes, and villages show gaps."""
    today = dt.date(2026, 3, 1)
    demo_load(scale=0.01, today=today)
    facilities_demo.run(seed=2026, today=today)
    counts = demo_run(seed=1, today=today)
    assert demo_loaded() and counts["合成路网节点"] > 500
    assert Access.objects.filter(method="network").count() == counts["步行可达性结果"]
    net = load_network(RoadNetwork.objects.get(active=True))
    assert connected_components(net.csr(), directed=False)[0] == 1
    # every building is on the streets: none is more than one block from a street corner
    assert Access.objects.aggregate(m=Max("snap_m"))["m"] < 160
    everyday = CircleRule.objects.get(code="convenient").types.values_list("code", flat=True)
    urban = Coverage.objects.filter(type__code__in=everyday, region__urban_rural="urban")
    for code in everyday:
        t = urban.filter(type__code=code).aggregate(w=Sum("within_15"), p=Sum("population"))
        assert t["w"] / t["p"] > 0.8, code
    district = Region.objects.get(code="350504", valid_to__isnull=True)
    demo_accounts_ensure()
    rows, _types, summary = community_table(district, User.objects.get(username="quxian"))
    convenient = next(s for s in summary if s["rule"].code == "convenient")
    met_urban, urban_n = convenient["urban"]
    met_rural, rural_n = convenient["rural"]
    assert met_urban / urban_n >= 0.6
    assert rural_n - met_rural > 0  # some villages fall short …
    short = [r for r in rows if r.rules.get("convenient") is False and r.region.urban_rural == "rural"]
    # … and for a reason: an everyday facility most of their residents cannot walk to
    assert all(any((r.shares.get(c) or 0) < 0.8 for c in everyday) for r in short)
    _rollup_agrees_with_the_community_table(district, rows, summary)
    # the gap list: filtered and sorted in the database as the share says
    es = FacilityType.objects.get(code="elderly_station")
    gaps, n = gap_communities(district, User.objects.get(username="quxian"), es, limit=5)
    low = sorted(
        (c.share_15, -(c.population - c.within_15))
        for c in Coverage.objects.filter(type=es)
        if c.share_15 is not None and c.share_15 < 0.8
    )
    assert n == len(low) > 5
    assert [(g["share"], -g["short"]) for g in gaps] == low[:5]
    assert np.isfinite(net.length).all()


def _rollup_agrees_with_the_community_table(district, rows, summary):
    """The district's roll-up by streets (GROUP BY over the stored coverage) says what the community
    table says: the same goal summary, and per street the sum of its communities."""
    areas, types, rolled = coverage_rollup(district)
    assert [(s["rule"].code, s["urban"], s["rural"], s["missing"]) for s in rolled] == [
        (s["rule"].code, s["urban"], s["rural"], s["missing"]) for s in summary
    ]
    assert {a.region.code for a in areas} == set(
        Region.objects.current().filter(parent=district).values_list("code", flat=True)
    )
    for area in areas:
        mine = [r for r in rows if r.region.code.startswith(area.region.code)]
        assert area.communities == len(mine)
        assert area.populated == sum(1 for r in mine if r.populated)
        for rule in CircleRule.objects.all():
            assert area.met.get(rule.code, 0) == sum(1 for r in mine if r.rules.get(rule.code))
        for t in types:
            cov = Coverage.objects.filter(region__code__startswith=area.region.code, type=t).aggregate(
                w=Sum("within_15"), p=Sum("population")
            )
            assert area.shares.get(t.code) == (pytest.approx(cov["w"] / cov["p"]) if cov["p"] else None)


def test_facility_change_recomputes_in_background(world, django_capture_on_commit_callbacks, monkeypatch):
    enqueued = []
    real = tasks.recompute_task

    class Spy:
        def enqueue(self, code):
            enqueued.append(code)
            return real.enqueue(code)

    monkeypatch.setattr(tasks, "recompute_task", Spy())
    district, es, blds = _place(world)
    assert not Access.objects.exists()
    comm = Region.objects.filter(level=5).order_by("code").first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Facility.objects.create(code="F9", name="养老站二", type=es, region=comm, lat=24.97, lon=118.68)
        Facility.objects.create(code="F10", name="养老站三", type=es, region=comm, lat=24.971, lon=118.681)
    assert len(callbacks) == 2
    assert enqueued == [district.code]  # one task for the batch, for the network's district
    assert Access.objects.filter(type=es, method="network").count() == len(blds)


def test_siting_stays_inside_the_chosen_region(world):
    district, es, blds = _place(world)
    recompute(district)
    a = world.tree.community_a
    run = siting_run(
        actor=None, region=a, type=es, problem="covering", k=1, group="all", candidates="network"
    )
    in_a = Building.objects.filter(region__code__startswith=a.code, lat__isnull=False).count()
    assert run.result["demand"] <= in_a < len(blds)
    residents = Person.objects.filter(status="active", household__building__region__code__startswith=a.code)
    assert (
        run.result["population"]
        == residents.count()
        < Person.objects.filter(household__building__isnull=False).count()
    )


def test_siting_export_is_named_neutralised_audited_and_scoped(world, client_for):
    import csv
    import io

    from openpyxl import load_workbook

    from linli.core.models import AuditLog

    district, es, blds = _place(world)
    recompute(district)
    c = client_for(world.accounts.district_admin)
    res = c.post(
        "/lifecircle/siting/",
        {"type": "elderly_station", "problem": "covering", "k": "2", "candidates": "network"},
    )
    run = SitingRun.objects.get()
    page = res.content.decode()
    assert f"/lifecircle/siting/{run.pk}/export/?format=xlsx" in page and "路口（" not in page
    # a name a spreadsheet would read as a formula goes out as text
    run.result["sites"][0]["label"] = "=HYPERLINK(1)附近"
    run.save()
    xlsx = c.get(f"/lifecircle/siting/{run.pk}/export/?format=xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "建议位置", "所在社区/村", "新增覆盖人数（人）")
    assert rows[1][1] == "'=HYPERLINK(1)附近" and len(rows) == 1 + len(run.result["sites"])
    assert rows[1][3] == round(run.result["sites"][0]["reach"])
    text = c.get(f"/lifecircle/siting/{run.pk}/export/?format=csv").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][1] == "'=HYPERLINK(1)附近"
    logs = AuditLog.objects.filter(action="export", region_code=district.code)
    assert logs.count() == 2 and logs.first().row_count == len(run.result["sites"])
    # another area's run reads as absent; a resident cannot export at all
    other = client_for(world.accounts.community_worker)
    assert other.get(f"/lifecircle/siting/{run.pk}/export/").status_code == 404
    assert client_for(world.accounts.resident).get(f"/lifecircle/siting/{run.pk}/export/").status_code == 403


def test_a_party_centre_serves_as_the_community_centre(world):
    """党群服务中心 and 社区综合服务站 are one item of the standard: either one serves the need."""
    district, es, blds = _place(world)
    comm = Region.objects.filter(level=5).order_by("code").first()
    pc = FacilityType.objects.get(code="party_center")
    Facility.objects.create(code="P1", name="党群服务中心一", type=pc, region=comm, lat=24.960, lon=118.670)
    recompute(district)
    near = (
        Access.objects.filter(type__code="community_center", building__lat=24.960)
        .order_by("-building_id")
        .first()
    )
    assert near.distance_m is not None and near.distance_m < 100 and near.within == 1
    assert not Access.objects.filter(type__code="nursery", minutes__isnull=False).exists()
    cov = coverage_by_region(district, ["community_center"])["community_center"]
    assert 0 < cov["within"] < cov["population"]
