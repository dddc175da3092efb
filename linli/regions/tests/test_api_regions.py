"""The regions API: visibility by role, details with ancestors, roll-ups in one query, urban/rural, grid import."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.core.models import AuditAction, AuditLog
from linli.regions.models import Region
from linli.registry.models import PersonStatus, Staff
from linli.testing.factories import BuildingFactory, HouseholdFactory, PersonFactory, RegionFactory

pytestmark = pytest.mark.django_db


def _codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    return {r["code"] for r in (body["items"] if isinstance(body, dict) else body)}


# --- visibility ---------------------------------------------------------------------------------


def test_community_worker_sees_its_subtree_and_its_ancestors_only(world, client_for):
    client = client_for(world.accounts.community_worker)
    a = world.tree.community_a
    expected = {"35", "3505", "350504", "350504001", a.code, f"{a.code}001", f"{a.code}002"}
    assert _codes(client.get("/api/regions?page_size=200")) == expected
    assert client.get(f"/api/regions/{world.tree.community_b.code}").status_code == 404
    assert client.get(f"/api/regions/{world.tree.grid_c1.code}").status_code == 404
    assert client.get("/api/regions/350504").status_code == 200


def test_ancestors_children_list_only_what_is_visible(world, client_for):
    client = client_for(world.accounts.community_worker)
    assert _codes(client.get("/api/regions/350504/children")) == {"350504001"}
    assert _codes(client.get("/api/regions/350504001/children")) == {world.tree.community_a.code}


def test_grid_worker_sees_its_grid_and_the_path_to_it(world, client_for):
    client = client_for(world.accounts.grid_worker)
    a1 = world.tree.grid_a1.code
    assert _codes(client.get("/api/regions?page_size=200")) == {
        "35",
        "3505",
        "350504",
        "350504001",
        a1[:12],
        a1,
    }
    assert client.get(f"/api/regions/{world.tree.grid_a2.code}").status_code == 404


def test_resident_and_department_see_only_their_region_and_ancestors(world, client_for):
    resident = client_for(world.accounts.resident)
    assert _codes(resident.get("/api/regions")) == {
        "35",
        "3505",
        "350504",
        "350504001",
        world.tree.community_a.code,
    }
    assert _codes(resident.get(f"/api/regions/{world.tree.community_a.code}/children")) == set()
    department = client_for(world.accounts.department_handler)
    assert _codes(department.get("/api/regions")) == {"35", "3505", "350504"}
    assert department.get("/api/regions/350504001").status_code == 404


def test_district_and_system_admin(world, client_for):
    assert len(_codes(client_for(world.accounts.district_admin).get("/api/regions?page_size=200"))) == len(
        world.tree.all()
    )
    RegionFactory(parent=world.tree.city, name="鲤城区")  # another district: only the system admin sees it
    assert len(_codes(client_for(world.accounts.district_admin).get("/api/regions?page_size=200"))) == len(
        world.tree.all()
    )
    assert (
        len(_codes(client_for(world.accounts.system_admin).get("/api/regions?page_size=200")))
        == len(world.tree.all()) + 1
    )


def test_list_filters(world, client_for):
    client = client_for(world.accounts.district_admin)
    assert _codes(client.get("/api/regions?level=4")) == {"350504001", "350504100"}
    assert _codes(client.get("/api/regions?parent=350504100")) == {"350504100201", "350504100202"}
    assert _codes(client.get("/api/regions?q=桥南&level=5")) == {"350504001002"}
    assert _codes(client.get("/api/regions?q=350504100201")) == {
        "350504100201",
        "350504100201001",
        "350504100201002",
    }
    assert client.get("/api/regions?level=7").status_code == 422


def test_detail_has_ancestors_and_full_name(world, client_for):
    body = client_for(world.accounts.grid_worker).get(f"/api/regions/{world.tree.grid_a1.code}").json()
    assert [a["code"] for a in body["ancestors"]] == ["35", "3505", "350504", "350504001", "350504001001"]
    assert body["parent_code"] == "350504001001"
    assert body["level"] == 6 and body["level_label"] == "网格"
    assert body["full_name"] == "泉州市洛江区万安街道万福社区居委会" + world.tree.grid_a1.name
    assert body["urban_rural"] == "urban"


# --- roll-ups ------------------------------------------------------------------------------------


def test_children_roll_up_their_whole_subtree(world, client_for):
    PersonFactory(region=world.tree.grid_b1, status=PersonStatus.MOVED_OUT)  # not counted
    HouseholdFactory(region=world.tree.community_c)
    rows = {
        r["code"]: r
        for r in client_for(world.accounts.district_admin).get("/api/regions/350504/children").json()
    }
    street, town = rows["350504001"], rows["350504100"]
    # street: the household of three + A2 + B1; town: C1
    assert (street["population"], street["households"], street["buildings"], street["grids"]) == (5, 1, 1, 4)
    assert (town["population"], town["households"], town["buildings"], town["grids"]) == (1, 1, 0, 4)
    communities = {
        r["code"]: r
        for r in client_for(world.accounts.district_admin).get("/api/regions/350504001/children").json()
    }
    assert communities[world.tree.community_a.code]["population"] == 4
    assert communities[world.tree.community_b.code]["population"] == 1


def test_children_is_one_query_however_many_children(world, client_for, django_assert_num_queries):
    client = client_for(world.accounts.district_admin)
    # session, account, the account's region (scope), the region, the children with every count
    with django_assert_num_queries(5):
        assert len(client.get("/api/regions/350504001/children").json()) == 2
    for _ in range(6):
        community = RegionFactory(parent=world.tree.street)
        grid = RegionFactory(parent=community)
        PersonFactory(region=grid)
        BuildingFactory(region=grid)
    with django_assert_num_queries(5):
        assert len(client.get("/api/regions/350504001/children").json()) == 8


# --- urban / rural -------------------------------------------------------------------------------


def test_district_admin_sets_urban_rural(world, client_for):
    c = world.tree.community_c
    response = client_for(world.accounts.district_admin).patch(
        f"/api/regions/{c.code}/urban-rural", {"value": "urban"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["urban_rural"] == "urban" and response.json()["urban_rural_manual"] is True
    c.refresh_from_db()
    assert (c.urban_rural, c.urban_rural_manual) == ("urban", True)
    assert AuditLog.objects.filter(
        action=AuditAction.UPDATE, subject_type="regions.region", subject_id=str(c.pk)
    ).exists()


def test_urban_rural_only_for_communities_and_known_values(world, client_for):
    client = client_for(world.accounts.district_admin)
    response = client.patch(
        "/api/regions/350504001/urban-rural", {"value": "rural"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "value" in response.json()["errors"]
    response = client.patch(
        f"/api/regions/{world.tree.community_c.code}/urban-rural",
        {"value": "suburban"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert Region.objects.get(pk=world.tree.community_c.pk).urban_rural == "rural"


def test_urban_rural_refused_out_of_scope_or_by_role(world, client_for):
    b = world.tree.community_b
    assert (
        client_for(world.accounts.community_worker)
        .patch(f"/api/regions/{b.code}/urban-rural", {"value": "rural"}, content_type="application/json")
        .status_code
        == 404
    )
    assert (
        client_for(world.accounts.resident)
        .patch(
            f"/api/regions/{world.tree.community_a.code}/urban-rural",
            {"value": "rural"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    assert (
        client_for(world.accounts.street_coordinator)
        .patch(f"/api/regions/{b.code}/urban-rural", {"value": "rural"}, content_type="application/json")
        .status_code
        == 403
    )
    b.refresh_from_db()
    assert (b.urban_rural, b.urban_rural_manual) == ("urban", False)


# --- grid import ---------------------------------------------------------------------------------

GRID_HEADER = "网格编码,网格名称,所属社区编码,边界GeoJSON,网格员姓名,网格员电话\n"


def _csv(*rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "grids.csv", (GRID_HEADER + "\n".join(rows) + "\n").encode(), content_type="text/csv"
    )


def test_grid_import_dry_run_then_real(world, client_for):
    a = world.tree.community_a.code
    client = client_for(world.accounts.community_worker)
    row = f"{a}003,万福社区第3网格,{a},,王网格,13900001111"
    dry = client.post(f"/api/regions/{a}/grids/import", {"file": _csv(row), "dry_run": "true"})
    assert dry.status_code == 200
    assert dry.json() | {"errors": []} == {
        "status": "checked",
        "dry_run": True,
        "created": 1,
        "updated": 0,
        "workers": 0,
        "errors_total": 0,
        "errors": [],
    }
    assert not Region.objects.filter(code=f"{a}003").exists()
    done = client.post(f"/api/regions/{a}/grids/import", {"file": _csv(row)})
    assert done.json()["status"] == "done" and done.json()["created"] == 1 and done.json()["workers"] == 1
    grid = Region.objects.get(code=f"{a}003")
    assert grid.parent == world.tree.community_a and grid.level == 6
    assert Staff.objects.get(name="王网格").grids.get() == grid


def test_grid_import_with_errors_lands_nothing(world, client_for):
    a, b = world.tree.community_a.code, world.tree.community_b.code
    client = client_for(world.accounts.community_worker)
    response = client.post(
        f"/api/regions/{a}/grids/import",
        {
            "file": _csv(
                f"{a}003,第3网格,{a},,,",
                f"{b}003,桥南第3网格,{b},,,",  # community B is outside the account's scope
                f"{a}4,短编码,{a},,,",
            )
        },
    )
    body = response.json()
    assert body["status"] == "rejected"
    assert body["errors_total"] == 2
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(3, "所属社区编码"), (4, "网格编码")}
    assert "不在本账号的数据范围内" in body["errors"][0]["message"]
    assert not Region.objects.filter(code__in=[f"{a}003", f"{b}003"]).exists()


def test_grid_import_geojson(world, client_for):
    a = world.tree.community_a.code
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"网格编码": f"{a}009", "网格名称": "第9网格", "所属社区编码": a},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[118.6, 24.9], [118.7, 24.9], [118.7, 25.0], [118.6, 24.9]]],
                },
            }
        ],
    }
    upload = SimpleUploadedFile(
        "grids.geojson", json.dumps(doc).encode(), content_type="application/geo+json"
    )
    response = client_for(world.accounts.district_admin).post(
        f"/api/regions/{a}/grids/import", {"file": upload}
    )
    assert response.json()["status"] == "done"
    grid = Region.objects.get(code=f"{a}009")
    assert grid.boundary["type"] == "Polygon" and grid.centroid_lat == pytest.approx(24.933, abs=0.01)


def test_grid_import_refused(world, client_for):
    a, b = world.tree.community_a.code, world.tree.community_b.code
    row = f"{b}003,桥南第3网格,{b},,,"
    assert (
        client_for(world.accounts.community_worker)
        .post(f"/api/regions/{b}/grids/import", {"file": _csv(row)})
        .status_code
        == 404
    )
    assert (
        client_for(world.accounts.street_coordinator)
        .post(f"/api/regions/{b}/grids/import", {"file": _csv(row)})
        .status_code
        == 403
    )
    bad = client_for(world.accounts.community_worker).post(
        f"/api/regions/{a}/grids/import",
        {"file": SimpleUploadedFile("grids.csv", "编码,名称\n1,2\n".encode(), content_type="text/csv")},
    )
    assert bad.status_code == 422
    assert "file" in bad.json()["errors"]
    missing = client_for(world.accounts.community_worker).post(f"/api/regions/{a}/grids/import", {})
    assert missing.status_code == 422 and "file" in missing.json()["errors"]
    assert not Region.objects.filter(code=f"{b}003").exists()
