"""示意边界: the outlines drawn from the buildings (engine and demo step), and the endpoint every map
asks for the named outlines of a region's children."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.test import Client
from shapely.geometry import Point, shape

from linli.regions import demo
from linli.regions.engine import Site, synthetic_boundaries
from linli.regions.models import SKETCHED, Level, Region
from linli.registry.demo import rect_polygon
from linli.registry.models import Building
from linli.testing.factories import Accounts, BuildingFactory, RegionTree

# two communities side by side, two grids each (lat min, lat max, lon min, lon max), 30 m apart
RECTS = {
    "350504001001001": (24.950, 24.953, 118.670, 118.673),
    "350504001001002": (24.953, 24.956, 118.670, 118.673),
    "350504001002001": (24.950, 24.953, 118.6733, 118.6763),
    "350504001002002": (24.953, 24.956, 118.6733, 118.6763),
}


def _sites(rng: random.Random, per_grid: int = 40) -> list[Site]:
    sites = []
    for code, (a, b, c, d) in RECTS.items():
        for _ in range(per_grid):
            lat = a + (b - a) * rng.uniform(0.08, 0.92)
            lon = c + (d - c) * rng.uniform(0.08, 0.92)
            sites.append(Site(lat, lon, code))
    return sites


def test_siblings_never_overlap_and_every_building_lies_in_its_grid() -> None:
    sites = _sites(random.Random(7))
    # planted for the audit: a building of the first grid standing 90 m south of it, under nobody
    # else's buildings but within the grid's reach
    planted = Site(24.950 - 90 / 111_320, 118.6715, "350504001001001", outside=True)
    out = synthetic_boundaries([*sites, planted], rural={"350504001002001": True})
    shapes = {code: shape(g) for code, g in out.items()}
    assert set(shapes) == {*RECTS, "350504001001", "350504001002", "350504001", "350504"}
    grids = [c for c in shapes if len(c) == 15]
    for level_codes in (grids, ["350504001001", "350504001002"]):
        for i, a in enumerate(level_codes):
            assert out[a]["type"] == "Polygon"  # one piece of land each
            for b in level_codes[i + 1 :]:
                assert shapes[a].intersection(shapes[b]).area < 1e-12, (a, b)
    for s in sites:  # inside, or within a metre of the line (coordinates are rounded to 6 decimals)
        assert shapes[s.grid].buffer(1e-5).covers(Point(s.lon, s.lat)), s
    assert not shapes[planted.grid].covers(Point(planted.lon, planted.lat))
    # a community is its grids, a street its communities
    union = shapes["350504001001001"].union(shapes["350504001001002"])
    assert abs(union.area - shapes["350504001001"].area) < 1e-9
    assert shapes["350504001"].area == pytest.approx(
        shapes["350504001001"].area + shapes["350504001002"].area, rel=1e-6
    )
    # the land reaches beyond the buildings, further for a village
    assert shapes["350504001002001"].area > shapes["350504001001001"].area


def test_nothing_to_draw_without_buildings() -> None:
    assert synthetic_boundaries([]) == {}


@pytest.mark.django_db
def test_demo_step_draws_the_tree_from_its_buildings(tree: RegionTree) -> None:
    # the demo's grids: rectangles, buildings inside them, one planted outside its grid
    rng = random.Random(3)
    grids = [tree.grid_a1, tree.grid_a2, tree.grid_b1]
    for grid, rect in zip(grids, RECTS.values(), strict=False):
        grid.boundary, grid.source = rect_polygon(rect), demo.DEMO_SOURCE
        grid.save()
        a, b, c, d = rect
        for _ in range(12):
            BuildingFactory.create(
                region=grid, lat=rng.uniform(a + 2e-4, b - 2e-4), lon=rng.uniform(c + 2e-4, d - 2e-4)
            )
    stray = BuildingFactory.create(region=tree.grid_a1, lat=24.950 - 90 / 111_320, lon=118.6715)
    assert not demo.loaded()
    counts = demo.run()
    assert demo.loaded()
    assert counts == {"区县示意边界": 1, "街道/乡镇示意边界": 1, "社区/村示意边界": 2, "网格示意边界": 3}
    drawn = {r.code: r for r in Region.objects.filter(boundary_source=SKETCHED)}
    assert set(drawn) == {g.code for g in grids} | {
        tree.community_a.code,
        tree.community_b.code,
        tree.street.code,
        tree.district.code,
    }
    for code, lat, lon in Building.objects.exclude(pk=stray.pk).values_list("region__code", "lat", "lon"):
        assert shape(drawn[code].boundary).buffer(1e-5).covers(Point(lon, lat))
    assert not shape(drawn[tree.grid_a1.code].boundary).covers(Point(stray.lon, stray.lat))
    a1 = drawn[tree.grid_a1.code]
    assert shape(a1.boundary).covers(Point(a1.centroid_lon, a1.centroid_lat))
    # grids not of the demo (the town's) keep having no outline
    assert Region.objects.get(code=tree.grid_c1.code).boundary is None


@pytest.mark.django_db
def test_no_demo_grids_nothing_to_do(tree: RegionTree) -> None:
    assert demo.loaded()  # nothing of the demo: the step is skipped
    assert demo.run() == {"区县示意边界": 0, "街道/乡镇示意边界": 0, "社区/村示意边界": 0, "网格示意边界": 0}


def _sketch(tree: RegionTree) -> None:
    for r, rect in [
        (tree.community_a, RECTS["350504001001001"]),
        (tree.community_b, RECTS["350504001002001"]),
        (tree.grid_a1, RECTS["350504001001001"]),
        (tree.street, RECTS["350504001001002"]),
    ]:
        r.boundary, r.boundary_source = rect_polygon(rect), SKETCHED
        r.save()


@pytest.mark.django_db
def test_boundaries_endpoint_gives_the_children_in_scope(
    client: Client, tree: RegionTree, accounts: Accounts, django_assert_num_queries: Any
) -> None:
    _sketch(tree)
    client.force_login(accounts.street_coordinator)
    r = client.get("/regions/boundaries/")  # the account's own region: the street
    assert r.status_code == 200
    feats = r.json()["features"]
    names = {f["properties"]["name"]: f["properties"] for f in feats}
    assert set(names) == {tree.community_a.name, tree.community_b.name, tree.street.name}
    assert names[tree.community_a.name]["synthetic"] is True
    assert names[tree.community_a.name]["level"] == Level.COMMUNITY
    assert names[tree.street.name].get("self") is True
    # a community of its street: the grids with an outline; one query for the region, one for its children
    with django_assert_num_queries(5):  # + the session, the account and the account's region (its scope)
        r = client.get("/regions/boundaries/", {"region": tree.community_a.code})
    assert [f["properties"]["code"] for f in r.json()["features"]] == [
        tree.grid_a1.code,
        tree.community_a.code,
    ]

    # out of scope reads like absent: the community worker of B asks for A, or for the district
    client.force_login(accounts.community_worker_b)
    for code in (tree.community_a.code, tree.district.code, "999999"):
        assert client.get("/regions/boundaries/", {"region": code}).status_code == 404
    r = client.get("/regions/boundaries/")
    assert [f["properties"]["code"] for f in r.json()["features"]] == [tree.community_b.code]
    assert client.get("/regions/boundaries/", {"region": "x';--"}).status_code == 200  # ignored: its own
    client.logout()
    assert client.get("/regions/boundaries/").status_code == 302


@pytest.mark.django_db
def test_region_page_says_the_outline_is_a_sketch(
    client: Client, tree: RegionTree, accounts: Accounts
) -> None:
    _sketch(tree)
    client.force_login(accounts.district_admin)
    page = client.get(f"/regions/{tree.community_a.code}/").content.decode()
    assert "示意边界（演示数据" in page and f'data-region="{tree.community_a.code}"' in page
    page = client.get(f"/regions/{tree.district.code}/").content.decode()
    assert 'id="map"' in page  # the district's map of its streets
