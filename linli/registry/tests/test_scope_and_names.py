"""Out of scope reads exactly like absent in every registry write; names and short texts refuse
characters that change how text shows without being seen."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from linli.core.engine.idnumber import check_char
from linli.core.engine.text import clean_name, clean_text
from linli.registry import services
from linli.registry.models import Building, BuildingKind, Household, Person
from linli.testing.factories import BuildingFactory, HouseholdFactory, World

pytestmark = pytest.mark.django_db
JSON = {"content_type": "application/json"}


# --- households in another grid's building --------------------------------------------------------


def test_a_grid_worker_cannot_put_a_household_in_another_grids_building(world: World, client_for):
    """The building of grid A2 reads exactly like a building that does not exist, and nothing of it
    (name, address) comes back."""
    secret = BuildingFactory.create(
        code="B-A2-SECRET", name="隔壁网格的楼", address="万福社区隔壁网格某路9号", region=world.tree.grid_a2
    )
    client = client_for(world.accounts.grid_worker)
    answers = [
        client.post(
            "/api/households",
            {"code": f"H-GW-{i}", "region_code": world.tree.grid_a1.code, "building_code": code},
            **JSON,
        )
        for i, code in enumerate((secret.code, "B-NO-SUCH"))
    ]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["errors"] == {"building_code": ["楼栋编码：" + services.BUILDING_ABSENT]}
    for text in (secret.name, secret.address):
        assert text not in answers[0].content.decode()
    assert not Household.objects.filter(code__startswith="H-GW-").exists()


def test_the_community_worker_may_use_any_building_of_the_community(world: World) -> None:
    building = BuildingFactory.create(region=world.tree.grid_a2, address="万福社区某路1号")
    hh = services.household_create(
        by=world.accounts.community_worker,
        data={"code": "H-CW-1", "region_code": world.tree.grid_a2.code, "building_code": building.code},
    )
    assert hh.building == building and hh.address == "万福社区某路1号"


def test_the_household_page_answers_alike_for_absent_and_out_of_scope_buildings(world, client_for):
    BuildingFactory.create(code="B-A2-X", region=world.tree.grid_a2)
    client = client_for(world.accounts.grid_worker)
    pages = [
        client.post(
            reverse("registry:household_new"),
            {"code": "H-P-1", "region_code": world.tree.grid_a1.code, "building_code": code},
        )
        for code in ("B-A2-X", "B-NOPE")
    ]
    assert pages[0].status_code == pages[1].status_code == 200
    assert (
        pages[0].context["errors"]
        == pages[1].context["errors"]
        == {"building_code": ["楼栋编码：" + services.BUILDING_ABSENT]}
    )


# --- buildings in another community's estate -----------------------------------------------------


def test_the_building_import_resolves_the_estate_within_the_scope_like_the_single_create(world: World):
    BuildingFactory.create(
        code="EST-C1", kind=BuildingKind.ESTATE, region=world.tree.grid_c1, name="别村小区"
    )
    by = world.accounts.community_worker
    grid = world.tree.grid_a1.code
    reports = []
    for parent in ("EST-C1", "EST-NONE"):
        body = f"楼栋编码,名称,所属网格编码,所属小区编码\nB-X-{parent},一号楼,{grid},{parent}\n"
        out = services.buildings_import(raw=io.BytesIO(body.encode()), filename="b.csv", by=by)
        reports.append([(e.row, e.column, e.message) for e in out.report.errors])
        with pytest.raises(ValidationError) as single:
            services.building_create(
                by=by,
                data={"code": f"B-Y-{parent}", "name": "二号楼", "region_code": grid, "parent_code": parent},
            )
        assert single.value.message_dict == {"parent_code": ["所属小区编码：" + services.PARENT_ABSENT]}
    assert reports[0] == reports[1] == [(2, "所属小区编码", services.PARENT_ABSENT)]
    assert not Building.objects.filter(code__startswith="B-").filter(parent__isnull=False).exists()


# --- persons: households, regions and searches ---------------------------------------------------------


def test_a_household_or_grid_outside_the_scope_reads_like_an_unknown_one(world: World, client_for):
    other = HouseholdFactory.create(code="H-B-SECRET", region=world.tree.grid_b1)
    client = client_for(world.accounts.community_worker)

    def create(**where: str):
        return client.post(
            "/api/persons", {"name": "新人", "sex": "男", "birth_date": "1990-01-01", **where}, **JSON
        )

    households = [create(household_code=code) for code in (other.code, "H-NO-SUCH")]
    assert [h.status_code for h in households] == [422, 422] and households[0].json() == households[1].json()
    grids = [create(region_code=code) for code in (world.tree.grid_b1.code, "350504001001999")]
    assert [g.status_code for g in grids] == [422, 422] and grids[0].json() == grids[1].json()
    moved = client.patch(f"/api/persons/{world.people.in_a2.pk}", {"household_code": other.code}, **JSON)
    assert moved.status_code == 422 and moved.json() == households[0].json()
    assert Person.objects.get(pk=world.people.in_a2.pk).household is None


def test_searching_a_number_registered_elsewhere_finds_what_an_unknown_number_finds(world, client_for):
    client = client_for(world.accounts.community_worker)
    elsewhere = client.get("/api/persons", {"q": world.people.in_b.id_number.reveal(), "status": ""})
    unknown = client.get("/api/persons", {"q": "350504199001010011", "status": ""})
    assert elsewhere.status_code == unknown.status_code == 200
    assert elsewhere.json() == unknown.json() and elsewhere.json()["count"] == 0


# --- names and short texts ------------------------------------------------------------------------------

INVISIBLE = [
    "\u202e",  # right-to-left override
    "\u202a",  # left-to-right embedding
    "\u2066",  # left-to-right isolate
    "\u2069",  # pop directional isolate
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # byte-order mark
    "\x00",
    "\x07",
    "\x1b",
    "\n",
    "\u0085",
    "\u2028",
]


@pytest.mark.parametrize("ch", INVISIBLE)
def test_names_refuse_control_bidi_and_zero_width_characters(ch: str) -> None:
    with pytest.raises(ValueError, match=f"U\\+{ord(ch):04X}"):
        clean_name(f"李{ch}明")
    with pytest.raises(ValueError, match=f"U\\+{ord(ch):04X}"):
        clean_text(f"阳光花园{ch}1号楼")


def test_names_are_nfc_and_trimmed_and_keep_what_names_hold() -> None:
    assert clean_name("  Jose\u0301 \u3000") == "José"
    assert clean_name("阿依古丽·买买提") == "阿依古丽·买买提"
    assert clean_name("李\ue000明") == "李\ue000明"  # a rare character typed in the private use area
    assert clean_text("") == ""
    for bad, message in (("", "必填"), ("   ", "必填"), ("a<b", "<"), ("张" * 65, "最长 64")):
        with pytest.raises(ValueError, match=message):
            clean_name(bad)


@pytest.mark.parametrize("ch", ["\u202e", "\u200b", "\x07", "\ufeff"])
def test_the_api_refuses_such_names_with_a_422_naming_the_field(world: World, client_for, ch: str):
    client = client_for(world.accounts.community_worker)
    person = client.post(
        "/api/persons",
        {
            "name": f"李明{ch}abc",
            "sex": "男",
            "birth_date": "1990-01-01",
            "region_code": world.tree.grid_a1.code,
        },
        **JSON,
    )
    assert person.status_code == 422 and list(person.json()["errors"]) == ["name"], person.content
    patched = client.patch(f"/api/persons/{world.people.in_a2.pk}", {"name": f"黄{ch}美玲"}, **JSON)
    assert patched.status_code == 422 and list(patched.json()["errors"]) == ["name"]
    building = client.post(
        "/api/buildings",
        {"code": "B-N-1", "name": f"一号{ch}楼", "region_code": world.tree.grid_a1.code},
        **JSON,
    )
    assert building.status_code == 422 and list(building.json()["errors"]) == ["name"]
    household = client.post(
        "/api/households",
        {"code": "H-N-1", "region_code": world.tree.grid_a1.code, "address": f"某路{ch}1号"},
        **JSON,
    )
    assert household.status_code == 422 and list(household.json()["errors"]) == ["address"]
    assert Person.objects.get(pk=world.people.in_a2.pk).name == "黄美玲"
    assert not Person.objects.filter(name__startswith="李明").exists()


def test_the_service_form_and_import_refuse_them_too(world: World, client_for) -> None:
    by = world.accounts.community_worker
    grid = world.tree.grid_a1.code
    with pytest.raises(ValidationError) as exc:
        services.person_create(
            by=by, data={"name": "李\u202e明", "sex": "男", "birth_date": "1990-01-01", "region_code": grid}
        )
    assert list(exc.value.message_dict) == ["name"] and "U+202E" in exc.value.message_dict["name"][0]
    page = client_for(by).post(
        reverse("registry:person_new"),
        {
            "name": "李\u200b明",
            "sex": "男",
            "birth_date": "1990-01-01",
            "residence_type": "户籍",
            "ethnicity": "汉族",
            "region_code": grid,
        },
    )
    assert page.status_code == 200 and "U+200B" in page.context["form"].errors["name"][0]
    body = f"姓名,性别,出生日期,所属网格编码\n李\u2066明,男,1990-01-01,{grid}\n"
    out = services.persons_import(raw=io.BytesIO(body.encode()), filename="p.csv", by=by)
    assert [(e.row, e.column) for e in out.report.errors] == [(2, "姓名")]
    building = f"楼栋编码,名称,所属网格编码\nB-I-1,一号\u200d楼,{grid}\n"
    out = services.buildings_import(raw=io.BytesIO(building.encode()), filename="b.csv", by=by)
    assert [(e.row, e.column) for e in out.report.errors] == [(2, "名称")]
    assert not Person.objects.filter(name__startswith="李").exists()


def test_a_name_is_stored_in_nfc_without_surrounding_space(world: World) -> None:
    person = services.person_create(
        by=world.accounts.community_worker,
        data={
            "name": "  Jose\u0301  ",
            "sex": "男",
            "birth_date": "1990-01-01",
            "region_code": world.tree.grid_a1.code,
        },
    )
    assert Person.objects.get(pk=person.pk).name == "José"


# --- ID numbers with an impossible address code -------------------------------------------------------


def test_an_id_number_with_address_code_000000_is_refused_naming_the_field(world: World, client_for) -> None:
    first17 = "00000019900101123"
    number = first17 + check_char(first17)  # a valid checksum: only the address code is wrong
    response = client_for(world.accounts.community_worker).post(
        "/api/persons",
        {"name": "无地址码", "id_number": number, "region_code": world.tree.grid_a1.code},
        **JSON,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "id_number": ["公民身份号码：身份证号前 6 位地址码 000000 不是有效的行政区划代码"]
    }
    body = f"姓名,公民身份号码,所属网格编码\n无地址码,{number},{world.tree.grid_a1.code}\n"
    out = services.persons_import(
        raw=io.BytesIO(body.encode()), filename="p.csv", by=world.accounts.community_worker
    )
    assert [(e.row, e.column) for e in out.report.errors] == [(2, "公民身份号码")]
    assert not Person.objects.filter(name="无地址码").exists()


@pytest.mark.parametrize("path", ["/api/persons", "/api/persons/export", "/api/households", "/api/buildings"])
def test_a_region_filter_that_is_no_region_code_is_a_422_naming_it(world: World, client_for, path: str):
    """It used to reach the export's audit record, whose region code column is 15 characters: a 500."""
    client = client_for(world.accounts.community_worker)
    for bad in ("x" * 40, "3505041", "35050400100100100"):
        response = client.get(path, {"region": bad, "format": "csv"})
        assert response.status_code == 422 and list(response.json()["errors"]) == ["region"], (
            bad,
            response.content,
        )
