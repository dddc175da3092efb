"""HSDS 3.0: every exported document validates against the schema files; import is validated first and
all-or-nothing. The schema files are read from outside the repository (``linli.services.hsds.schema_dir``);
without them these tests are skipped, loudly."""

from __future__ import annotations

import datetime as dt
import json
import sys
import warnings
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from linli.facilities.models import Facility, FacilityType
from linli.registry.models import OrganisationKind
from linli.services import hsds
from linli.services.models import Service
from linli.testing.factories import OrganisationFactory, World

SCHEMA = hsds.schema_dir()
if SCHEMA is None:  # pragma: no cover - depends on the checkout
    MESSAGE = "!! HSDS TESTS SKIPPED: HSDS 3.0 schema files not found (set LINLI_HSDS_SCHEMA_DIR)"
    print(MESSAGE, file=sys.stderr)
    warnings.warn(MESSAGE, stacklevel=1)
pytestmark = pytest.mark.skipif(
    SCHEMA is None, reason="HSDS 3.0 schema files not found (LINLI_HSDS_SCHEMA_DIR)"
)


def validate_every_document(folder: Path) -> int:
    """Validate each element of each exported file against its schema file, independently of the exporter."""
    checks = hsds.validators(SCHEMA)
    n = 0
    for fname, schema_name in hsds.FILES.items():
        for doc in json.loads((folder / fname).read_text(encoding="utf-8")):
            errors = list(checks[schema_name].iter_errors(doc))
            assert not errors, f"{fname} {doc.get('id')}: {[e.message for e in errors]}"
            n += 1
    return n


@pytest.fixture
def directory(world: World, make_service: Callable[..., Service]) -> list[Service]:
    org = OrganisationFactory.create(
        name="万福社区老年人协会",
        kind=OrganisationKind.SOCIAL_ORG,
        region=world.tree.community_a,
        credit_code="51350504MJ0000001X",
        contact_phone="0595-22000000",
    )
    facility = Facility.objects.create(
        code="F-A-1",
        name="万福社区长者饭堂",
        type=FacilityType.objects.get(code="elder_canteen"),
        region=world.tree.community_a,
        address="万安街道万福社区阳光路1号",
        lat=24.962,
        lon=118.672,
    )
    return [
        make_service(
            world.tree.community_a,
            provider=org,
            facility=facility,
            lat=None,
            lon=None,
            address="",
            eligible_tags=["elderly_60", "disabled"],
            fee_kind="low",
            fee_amount=Decimal("8.00"),
            fee_note="低保免费",
            exceptions=[{"date": "2026-12-31", "closed": True, "note": "元旦"}],
            contact_name="王老师",
            contact_phone="0595-22001111",
        ),
        make_service(
            world.tree.community_b,
            name="家电义务维修",
            category="repair",
            kind="volunteer",
            min_age=18,
            max_age=None,
            lat=None,
            lon=None,
            address="",
        ),
        make_service(
            world.tree.street,
            name="就业指导",
            category="employment",
            status="suspended",
            fee_kind="paid",
            fee_amount=Decimal("20"),
        ),
    ]


def test_export_validates_and_import_round_trips(
    world: World, directory: list[Service], tmp_path: Path
) -> None:
    out = tmp_path / "hsds"
    call_command(
        "services_export_hsds", str(out), "--region", world.tree.district.code, "--schema-dir", str(SCHEMA)
    )
    assert validate_every_document(out) > 3
    docs = {f: json.loads((out / f).read_text(encoding="utf-8")) for f in hsds.FILES}
    assert len(docs["services.json"]) == 3 and len(docs["organizations.json"]) == 1
    meal = next(d for d in docs["services.json"] if d["name"] == "长者助餐")
    assert meal["service_areas"][0]["extent"] == world.tree.community_a.code
    assert meal["cost_options"][0] == {
        **meal["cost_options"][0],
        "option": "低偿",
        "amount": 8.0,
        "currency": "CNY",
    }
    assert meal["service_at_locations"][0]["location"]["latitude"] == 24.962
    assert {s["byday"] for s in meal["schedules"] if "byday" in s} == {"MO,TU,WE,TH,FR,SA,SU"}
    assert any(s.get("valid_from") == "2026-12-31" for s in meal["schedules"])
    before = {
        s.uuid: (s.name, s.opening_hours, s.eligible_tags, s.fee_amount, s.status, s.region_id)
        for s in Service.objects.all()
    }
    Service.objects.all().delete()
    result = hsds.import_folder(out, directory=SCHEMA)
    assert (result.created, result.updated, result.organisations_created) == (3, 0, 0)
    after = {
        s.uuid: (s.name, s.opening_hours, s.eligible_tags, s.fee_amount, s.status, s.region_id)
        for s in Service.objects.all()
    }
    assert after == before
    again = hsds.import_folder(out, directory=SCHEMA)
    assert (again.created, again.updated) == (0, 3)
    # community A's subtree only
    part = tmp_path / "a"
    assert hsds.export(world.tree.community_a, part, directory=SCHEMA)["services.json"] == 1


def test_invalid_file_is_refused_and_nothing_written(
    world: World, directory: list[Service], tmp_path: Path
) -> None:
    out = tmp_path / "hsds"
    hsds.export(world.tree.district, out, directory=SCHEMA)
    docs = json.loads((out / "services.json").read_text(encoding="utf-8"))
    docs[0]["status"] = "open-ish"  # not in the enum
    del docs[1]["name"]  # required
    docs[2]["id"] = "not-a-uuid"
    (out / "services.json").write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    Service.objects.all().delete()
    with pytest.raises(hsds.HsdsError, match="未导入任何数据") as exc:
        hsds.import_folder(out, directory=SCHEMA)
    text = "\n".join(exc.value.errors)
    assert "第 1 项 status" in text and "'name' is a required property" in text and "not-a-uuid" in text
    assert not Service.objects.exists()
    with pytest.raises(CommandError, match="未通过"):
        call_command("services_import_hsds", str(out), "--schema-dir", str(SCHEMA))
    (out / "services.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(hsds.HsdsError) as exc2:
        hsds.import_folder(out, directory=SCHEMA)
    assert "不是有效的 JSON" in exc2.value.errors[0]
    assert not Service.objects.exists()


def test_one_hsds_id_twice_in_a_file_is_refused(
    world: World, directory: list[Service], tmp_path: Path
) -> None:
    """An HSDS id is one service: a second item with it would silently overwrite the first."""
    out = tmp_path / "hsds"
    hsds.export(world.tree.district, out, directory=SCHEMA)
    docs = json.loads((out / "services.json").read_text(encoding="utf-8"))
    docs[1]["id"] = docs[0]["id"].upper()
    (out / "services.json").write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    Service.objects.all().delete()
    with pytest.raises(hsds.HsdsError, match="未导入任何数据") as exc:
        hsds.import_folder(out, directory=SCHEMA)
    assert "第 2 项" in exc.value.errors[0] and "与第 1 项重复" in exc.value.errors[0]
    assert not Service.objects.exists()


def test_demo_directory_exports_valid_hsds(db: None, tmp_path: Path) -> None:
    """The 洛江 demo (small scale): every exported document of the whole district validates."""
    from linli.registry.demo import demo_load
    from linli.services.demo import demo_loaded, demo_run

    demo_load(scale=0.01, today=dt.date(2026, 11, 20))
    counts = demo_run(seed=7, today=dt.date(2026, 11, 20))
    assert demo_loaded() and counts["服务"] >= 300 and counts["居民需求"] > 0 and counts["预约记录"] > 0
    out = tmp_path / "demo"
    written = hsds.export(
        __import__("linli.regions.models", fromlist=["Region"]).Region.objects.get(code="350504"),
        out,
        directory=SCHEMA,
    )
    assert written["services.json"] == counts["服务"]
    assert validate_every_document(out) >= counts["服务"]
