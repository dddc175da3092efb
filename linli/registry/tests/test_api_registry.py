"""Households, buildings, organisations, staff, 四个不漏 and imports through the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.core.models import AuditAction, AuditLog, ImportRun
from linli.registry.models import Building, Household, OrganisationKind, Person, StaffKind
from linli.registry.selectors import CHECKS
from linli.registry.services import BUILDING_COLUMNS, HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from linli.testing.factories import (
    BuildingFactory,
    HouseholdFactory,
    OrganisationFactory,
    PersonFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

JSON = {"content_type": "application/json"}


def _items(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["items"]


# --- households ------------------------------------------------------------------------------------


def test_resident_sees_only_their_household_with_masked_members(world, client_for):
    HouseholdFactory(region=world.tree.grid_a1)  # a neighbour's household
    client = client_for(world.accounts.resident)
    assert [h["code"] for h in _items(client.get("/api/households"))] == [world.people.household.code]
    body = client.get(f"/api/households/{world.people.household.pk}").json()
    assert body["members_count"] == 3
    assert [m["name"] for m in body["members"]] == ["林建国", "陈秀英", "林晓东"]
    assert body["members"][0]["id_number"].startswith("3505****")
    assert body["members"][0]["relation_label"] == "户主"
    other = Household.objects.exclude(pk=world.people.household.pk).get()
    assert client.get(f"/api/households/{other.pk}").status_code == 404


def test_households_by_role(world, client_for):
    hh_b = HouseholdFactory(region=world.tree.grid_b1)
    assert client_for(world.accounts.community_worker).get(f"/api/households/{hh_b.pk}").status_code == 404
    assert client_for(world.accounts.community_worker_b).get(f"/api/households/{hh_b.pk}").status_code == 200
    codes = {h["code"] for h in _items(client_for(world.accounts.street_coordinator).get("/api/households"))}
    assert codes == {world.people.household.code, hh_b.code}
    assert (
        _items(
            client_for(world.accounts.district_admin).get(f"/api/households?region={world.tree.grid_b1.code}")
        )[0]["code"]
        == hh_b.code
    )


def test_create_household(world, client_for):
    client = client_for(world.accounts.community_worker)
    response = client.post(
        "/api/households",
        {
            "code": "H-A2-0001",
            "region_code": world.tree.grid_a2.code,
            "building_code": world.people.building.code,
            "unit": "2单元",
            "room": "302",
        },
        **JSON,
    )
    assert response.status_code == 201, response.content
    hh = Household.objects.get(code="H-A2-0001")
    assert (hh.region, hh.building, hh.room) == (world.tree.grid_a2, world.people.building, "302")
    assert response.json()["members"] == [] and response.json()["members_count"] == 0
    assert AuditLog.objects.filter(action=AuditAction.CREATE, subject_type="registry.household").count() == 1
    duplicate = client.post(
        "/api/households", {"code": "H-A2-0001", "region_code": world.tree.grid_a2.code}, **JSON
    )
    assert duplicate.status_code == 422 and list(duplicate.json()["errors"]) == ["code"]
    outside = client.post(
        "/api/households", {"code": "H-B-0001", "region_code": world.tree.grid_b1.code}, **JSON
    )
    unknown = client.post("/api/households", {"code": "H-B-0001", "region_code": "350504001002999"}, **JSON)
    assert outside.status_code == unknown.status_code == 422  # another community reads like no community
    assert outside.json() == unknown.json() and list(outside.json()["errors"]) == ["region_code"]
    missing = client.post("/api/households", {"region_code": world.tree.grid_a2.code}, **JSON)
    assert missing.status_code == 422 and list(missing.json()["errors"]) == ["code"]
    assert Household.objects.count() == 2


# --- buildings -----------------------------------------------------------------------------------


def test_buildings_list_and_detail(world, client_for):
    b_in_b = BuildingFactory(region=world.tree.grid_b1)
    client = client_for(world.accounts.community_worker)
    items = _items(client.get("/api/buildings"))
    assert [b["code"] for b in items] == [world.people.building.code]
    assert items[0]["households_count"] == 1 and items[0]["kind_label"] == "楼栋"
    assert client.get(f"/api/buildings/{b_in_b.pk}").status_code == 404
    assert client.get(f"/api/buildings/{world.people.building.pk}").json()["name"] == "阳光花园1号楼"
    assert _items(client.get("/api/buildings?kind=estate")) == []
    assert client.get("/api/buildings?kind=castle").status_code == 422


def test_create_building(world, client_for):
    client = client_for(world.accounts.community_worker)
    estate = client.post(
        "/api/buildings",
        {"code": "E-A-01", "name": "万福花园", "kind": "estate", "region_code": world.tree.community_a.code},
        **JSON,
    )
    assert estate.status_code == 201, estate.content
    tower = client.post(
        "/api/buildings",
        {
            "code": "E-A-01-3",
            "name": "万福花园3号楼",
            "kind": "楼栋",
            "region_code": world.tree.grid_a2.code,
            "parent_code": "E-A-01",
            "lat": 24.95,
            "lon": 118.66,
            "floors": 18,
        },
        **JSON,
    )
    assert tower.status_code == 201, tower.content
    assert tower.json()["parent_code"] == "E-A-01" and tower.json()["floors"] == 18
    b = Building.objects.get(code="E-A-01-3")
    assert (b.kind, b.parent.code, b.lat, b.floors) == ("building", "E-A-01", 24.95, 18)
    bad = client.post(
        "/api/buildings",
        {"code": "X1", "name": "月球基地", "region_code": world.tree.grid_a2.code, "lat": 89.0, "lon": 10.0},
        **JSON,
    )
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"lat", "lon"}
    assert not Building.objects.filter(code="X1").exists()


# --- organisations and staff ---------------------------------------------------------------------


def test_organisations_by_role(world, client_for):
    OrganisationFactory(name="万福社区养老服务站", region=world.tree.community_a)
    OrganisationFactory(
        name="桥南物业", kind=OrganisationKind.PROPERTY_COMPANY, region=world.tree.community_b
    )

    def names(account: str) -> set[str]:
        return {
            o["name"] for o in _items(client_for(getattr(world.accounts, account)).get("/api/organisations"))
        }

    assert names("community_worker") == {"万福社区养老服务站"}
    assert names("department_handler") == {"洛江区民政局"}
    assert names("district_admin") == {"万福社区养老服务站", "桥南物业", "洛江区民政局"}
    assert names("resident") == set()
    client = client_for(world.accounts.district_admin)
    assert {o["name"] for o in _items(client.get("/api/organisations?kind=property_company"))} == {"桥南物业"}
    assert {o["name"] for o in _items(client.get("/api/organisations?q=养老"))} == {"万福社区养老服务站"}


def test_staff_masks_phones_and_lists_grids(world, client_for):
    staff = StaffFactory(
        name="王网格",
        kind=StaffKind.GRID_WORKER,
        region=world.tree.community_a,
        phone="13912340000",
        grids=[world.tree.grid_a1, world.tree.grid_a2],
    )
    StaffFactory(name="桥南社工", region=world.tree.community_b)
    items = _items(client_for(world.accounts.community_worker).get("/api/staff"))
    assert [(s["name"], s["phone"], s["grids"]) for s in items] == [
        ("王网格", "139****0000", [world.tree.grid_a1.code, world.tree.grid_a2.code])
    ]
    assert "13912340000" not in client_for(world.accounts.district_admin).get("/api/staff").content.decode()
    assert _items(client_for(world.accounts.department_handler).get("/api/staff")) == []
    assert {
        s["name"]
        for s in _items(client_for(world.accounts.district_admin).get("/api/staff?kind=grid_worker"))
    } == {staff.name}


def test_staff_list_query_count_is_fixed(world, client_for, django_assert_num_queries):
    for _ in range(10):
        StaffFactory(region=world.tree.community_a, grids=[world.tree.grid_a1])
    client = client_for(world.accounts.community_worker)
    with django_assert_num_queries(6):  # session, account, region, count, page, grids
        assert len(_items(client.get("/api/staff"))) == 10


# --- 四个不漏 -------------------------------------------------------------------------------------------


def test_four_no_miss_per_child_region(world, client_for):
    BuildingFactory(region=world.tree.grid_a2)  # a building with no household
    HouseholdFactory(region=world.tree.grid_a2)  # a household with nobody in it
    PersonFactory(region=world.tree.community_a)  # a person in the community but in no grid
    body = client_for(world.accounts.community_worker).get("/api/audit/four-no-miss").json()
    assert body["region"]["code"] == world.tree.community_a.code
    assert [c["key"] for c in body["checks"]] == [k for k, _ in CHECKS]
    rows = {r["region"]["code"]: r for r in body["rows"]}
    # the grids, and the community itself for what is registered there under no grid
    assert set(rows) == {world.tree.grid_a1.code, world.tree.grid_a2.code, world.tree.community_a.code}
    a2 = rows[world.tree.grid_a2.code]["counts"]
    assert (
        a2["buildings_without_households"],
        a2["households_without_persons"],
        a2["persons_without_household"],
    ) == (1, 1, 1)
    assert rows[world.tree.grid_a1.code]["total"] == 0
    # the person registered at the community itself is in its own row; the rows add up to the total
    assert rows[world.tree.community_a.code]["counts"]["persons_without_grid"] == 1
    assert body["total"]["counts"]["persons_without_grid"] == 1
    for key, _ in CHECKS:
        assert sum(r["counts"][key] for r in body["rows"]) == body["total"]["counts"][key]
    assert body["total"]["counts"]["persons_without_household"] == 2
    assert body["total"]["total"] == sum(body["total"]["counts"].values()) == 5


def test_four_no_miss_details_are_masked_and_scoped(world, client_for):
    client = client_for(world.accounts.district_admin)
    items = _items(client.get("/api/audit/four-no-miss/persons_without_household?region=350504"))
    assert {(i["kind"], i["name"]) for i in items} == {
        ("person", "黄美玲"),
        ("person", "郑志强"),
        ("person", "苏阿婆"),
    }
    assert all("*" in i["id_number"] for i in items)
    worker = client_for(world.accounts.community_worker)
    assert {i["name"] for i in _items(worker.get("/api/audit/four-no-miss/persons_without_household"))} == {
        "黄美玲"
    }
    assert worker.get(f"/api/audit/four-no-miss?region={world.tree.community_b.code}").status_code == 404
    assert worker.get("/api/audit/four-no-miss/everything").status_code == 422


def test_four_no_miss_refused_to_roles_outside_the_registry(world, client_for):
    for account in ("department_handler", "resident"):
        response = client_for(getattr(world.accounts, account)).get("/api/audit/four-no-miss")
        assert response.status_code == 403
    response = client_for(world.accounts.system_admin).get("/api/audit/four-no-miss")
    assert response.status_code == 422 and list(response.json()["errors"]) == ["region"]


# --- imports -------------------------------------------------------------------------------------


def _upload(columns, *rows: str, name: str = "data.csv") -> SimpleUploadedFile:
    text = ",".join(c.header for c in columns) + "\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _person_row(name: str, region: str, **extra: str) -> str:
    values = {"name": name, "sex": "女", "birth_date": "1950-02-03", "region_code": region} | extra
    return ",".join(values.get(c.key, "") for c in PERSON_COLUMNS)


def test_import_persons_dry_run_then_real(world, client_for):
    client = client_for(world.accounts.community_worker)
    a2 = world.tree.grid_a2.code
    rows = [_person_row("导入甲", a2), _person_row("导入乙", a2)]
    dry = client.post("/api/imports/persons", {"file": _upload(PERSON_COLUMNS, *rows), "dry_run": "true"})
    assert dry.status_code == 201, dry.content
    assert (dry.json()["status"], dry.json()["rows"], dry.json()["created"]) == ("checked", 2, 0)
    assert dry.json()["summary"]["would_create"] == 2
    assert not Person.objects.filter(name__startswith="导入").exists()
    done = client.post("/api/imports/persons", {"file": _upload(PERSON_COLUMNS, *rows)})
    body = done.json()
    assert (body["status"], body["rows"], body["created"], body["errors_total"]) == ("done", 2, 2, 0)
    assert set(
        Person.objects.filter(region=world.tree.grid_a2, name__startswith="导入").values_list(
            "name", flat=True
        )
    ) == {"导入甲", "导入乙"}
    run = ImportRun.objects.get(pk=body["id"])
    assert (run.actor, run.kind, run.filename) == (world.accounts.community_worker, "persons", "data.csv")
    assert AuditLog.objects.get(action=AuditAction.IMPORT).row_count == 2


def test_import_with_errors_lands_nothing_and_reports_them(world, client_for):
    client = client_for(world.accounts.community_worker)
    response = client.post(
        "/api/imports/persons",
        {
            "file": _upload(
                PERSON_COLUMNS,
                _person_row("好的一行", world.tree.grid_a2.code),
                _person_row("", world.tree.grid_a2.code),
                _person_row("跨社区", world.tree.grid_b1.code),
            )
        },
    )
    body = response.json()
    assert (body["status"], body["rows"], body["created"], body["errors_total"]) == ("rejected", 3, 0, 2)
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(3, "姓名"), (4, "所属网格编码")}
    assert not Person.objects.filter(name__in=["好的一行", "跨社区"]).exists()
    detail = client.get(f"/api/imports/{body['id']}").json()
    assert detail["errors_total"] == 2 and len(detail["errors"]) == 2


def test_import_households_and_buildings(world, client_for):
    client = client_for(world.accounts.district_admin)
    g = world.tree.grid_c1.code
    buildings = client.post(
        "/api/imports/buildings",
        {"file": _upload(BUILDING_COLUMNS, f"C-B-1,双溪村1号,自建房,{g},,,24.99,118.70,3")},
    )
    assert buildings.json()["status"] == "done", buildings.json()
    households = client.post(
        "/api/imports/households", {"file": _upload(HOUSEHOLD_COLUMNS, f"C-H-1,{g},C-B-1,,,双溪村1号")}
    )
    assert households.json()["status"] == "done", households.json()
    assert Household.objects.get(code="C-H-1").building.code == "C-B-1"


def test_import_refused(world, client_for):
    row = _person_row("某人", world.tree.grid_a1.code)
    response = client_for(world.accounts.grid_worker).post(
        "/api/imports/persons", {"file": _upload(PERSON_COLUMNS, row)}
    )
    assert response.status_code == 403
    assert (
        client_for(world.accounts.community_worker)
        .post("/api/imports/vehicles", {"file": _upload(PERSON_COLUMNS, row)})
        .status_code
        == 422
    )
    assert client_for(world.accounts.community_worker).post("/api/imports/persons", {}).status_code == 422
    assert not ImportRun.objects.exists() and not Person.objects.filter(name="某人").exists()


def test_unreadable_file_is_a_rejected_run(world, client_for):
    response = client_for(world.accounts.community_worker).post(
        "/api/imports/persons", {"file": SimpleUploadedFile("x.csv", "名字,年龄\n张三,3\n".encode())}
    )
    body = response.json()
    assert body["status"] == "rejected" and body["errors"][0]["row"] == 1
    assert "缺少必填列" in body["errors"][0]["message"]


def test_import_runs_are_scoped(world, client_for):
    a2, b1 = world.tree.grid_a2.code, world.tree.grid_b1.code
    run_a = (
        client_for(world.accounts.community_worker)
        .post(
            "/api/imports/persons", {"file": _upload(PERSON_COLUMNS, _person_row("甲", a2)), "dry_run": "1"}
        )
        .json()["id"]
    )
    run_b = (
        client_for(world.accounts.community_worker_b)
        .post(
            "/api/imports/persons", {"file": _upload(PERSON_COLUMNS, _person_row("乙", b1)), "dry_run": "1"}
        )
        .json()["id"]
    )

    def ids(account: str) -> set[int]:
        return {r["id"] for r in _items(client_for(getattr(world.accounts, account)).get("/api/imports"))}

    assert ids("community_worker") == {run_a}
    assert ids("community_worker_b") == {run_b}
    assert ids("district_admin") == {run_a, run_b}
    assert ids("street_coordinator") == set()
    assert client_for(world.accounts.community_worker).get(f"/api/imports/{run_b}").status_code == 404
    assert (
        client_for(world.accounts.district_admin).get(f"/api/imports/{run_b}").json()["actor"]
        == "community_worker_b"
    )
