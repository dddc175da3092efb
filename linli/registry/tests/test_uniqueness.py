"""One registered person per ID number, one household or building per code, one open period per
tag: rules the database holds, so they survive writers racing each other.

The thread tests run on PostgreSQL, where writers really run at once (SQLite writes one transaction
at a time). The answer the loser gets — the same Chinese message and, in the API, a 409 with a
stable code — is checked on both databases by letting the pre-check miss, as it does in a race.
"""

from __future__ import annotations

import datetime as dt
import importlib
from functools import partial

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from linli.core.engine import idnumber
from linli.registry import services
from linli.registry.models import Household, Person, PersonStatus, PersonTag, TagKind
from linli.registry.services import persons as person_services
from linli.testing.factories import PersonFactory, PersonTagFactory, World
from linli.testing.races import on_postgresql, race

TAKEN = "公民身份号码：该身份证号已登记"


def _number(seq: int = 1) -> str:
    return idnumber.make("350504", dt.date(1980, 3, 4), seq, "F")


def _person_data(world: World, number: str, name: str = "王芳") -> dict[str, str]:
    return {"name": name, "id_number": number, "region_code": world.tree.grid_a1.code}


# --- ID numbers --------------------------------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_six_simultaneous_registrations_of_one_number_make_one_person(world: World) -> None:
    number = _number()
    worker = world.accounts.community_worker
    outcomes = race(
        [
            partial(services.person_create, by=worker, data=_person_data(world, number, f"同号{i}"))
            for i in range(6)
        ]
    )
    assert sorted(outcomes) == ["ok"] + ["person.id_number_taken"] * 5, outcomes
    assert Person.objects.filter(name__startswith="同号").count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_registered_person_with_the_number(world: World) -> None:
    holder = world.people.in_a2
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory.create(id_number=holder.id_number.reveal())
    # Moved out: the number is free for a new registration, and the old record stays beside it.
    services.person_set_status(
        by=world.accounts.community_worker, person=holder, status=PersonStatus.MOVED_OUT
    )
    again = PersonFactory.create(id_number=holder.id_number.reveal(), name="迁回")
    assert again.id_number_index == Person.objects.get(pk=holder.pk).id_number_index
    # Deceased: the number stays taken.
    services.person_set_status(by=world.accounts.community_worker, person=again, status=PersonStatus.DECEASED)
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory.create(id_number=holder.id_number.reveal())


@pytest.mark.django_db
def test_a_clash_the_pre_check_missed_gets_the_same_answer(world: World, monkeypatch) -> None:
    """What the loser of a race sees: the pre-check found nothing, the unique index said no."""
    monkeypatch.setattr(person_services, "_id_taken", lambda plain, exclude_pk=None: False)
    with pytest.raises(services.IdNumberTaken) as exc:
        services.person_create(
            by=world.accounts.community_worker,
            data=_person_data(world, world.people.head.id_number.reveal(), "冒名"),
        )
    assert exc.value.message_dict == {"id_number": [TAKEN]} and exc.value.code == "person.id_number_taken"
    with pytest.raises(services.IdNumberTaken):
        services.person_update(
            by=world.accounts.community_worker,
            person=world.people.in_a2,
            data={"id_number": world.people.head.id_number.reveal()},
        )
    assert not Person.objects.filter(name="冒名").exists()
    assert Person.objects.get(pk=world.people.in_a2.pk).id_number == world.people.in_a2.id_number


@pytest.mark.django_db
def test_the_api_answers_409_with_a_stable_code_when_the_index_refuses(world, client_for, monkeypatch):
    monkeypatch.setattr(person_services, "_id_taken", lambda plain, exclude_pk=None: False)
    response = client_for(world.accounts.community_worker).post(
        "/api/persons",
        _person_data(world, world.people.head.id_number.reveal(), "冒名"),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "person.id_number_taken",
        "detail": TAKEN,
        "errors": {"id_number": [TAKEN]},
    }
    assert not Person.objects.filter(name="冒名").exists()


@pytest.mark.django_db
def test_the_page_shows_the_clash_on_the_id_number_field(world, client_for, monkeypatch):
    monkeypatch.setattr(person_services, "_id_taken", lambda plain, exclude_pk=None: False)
    response = client_for(world.accounts.community_worker).post(
        reverse("registry:person_new"),
        {
            "name": "冒名",
            "id_number": world.people.head.id_number.reveal(),
            "residence_type": "户籍",
            "ethnicity": "汉族",
            "region_code": world.tree.grid_a1.code,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == [TAKEN]
    assert TAKEN in response.content.decode()


@pytest.mark.django_db
def test_coming_back_from_moved_out_needs_the_number_free(world, client_for):
    worker = world.accounts.community_worker
    old = world.people.in_a2
    services.person_set_status(by=worker, person=old, status=PersonStatus.MOVED_OUT)
    services.person_create(by=worker, data=_person_data(world, old.id_number.reveal(), "重新登记"))
    response = client_for(worker).post(
        f"/api/persons/{old.pk}/status", {"status": "active"}, content_type="application/json"
    )
    assert response.status_code == 409 and response.json()["code"] == "person.id_number_taken"
    assert Person.objects.get(pk=old.pk).status == PersonStatus.MOVED_OUT


@pytest.mark.django_db
def test_a_legacy_duplicate_can_be_edited_and_is_cleared_once_resolved(world: World) -> None:
    worker = world.accounts.community_worker
    original = world.people.in_a2
    twin = PersonFactory.create(
        region=world.tree.grid_a1,
        name="重号",
        id_number=original.id_number.reveal(),
        sex=original.sex,
        birth_date=original.birth_date,
        legacy_duplicate=True,
    )
    twin = services.person_update(by=worker, person=twin, data={"note": "待核查"})
    assert twin.note == "待核查" and twin.legacy_duplicate  # its twin is still registered
    services.person_set_status(by=worker, person=original, status=PersonStatus.MOVED_OUT)
    twin = services.person_update(by=worker, person=twin, data={"note": "已核实"})
    assert not Person.objects.get(pk=twin.pk).legacy_duplicate


# --- household and building codes ---------------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_households_with_one_code_make_one(world: World) -> None:
    worker = world.accounts.community_worker
    data = {"code": "H-RACE-1", "region_code": world.tree.grid_a1.code}
    outcomes = race([lambda: services.household_create(by=worker, data=dict(data)) for _ in range(6)])
    assert sorted(outcomes) == ["invalid: ['户编号：已存在']"] * 5 + ["ok"], outcomes
    assert Household.objects.filter(code="H-RACE-1").count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_buildings_with_one_code_make_one(world: World) -> None:
    worker = world.accounts.community_worker
    data = {"code": "B-RACE-1", "name": "同号楼", "region_code": world.tree.grid_a1.code}
    outcomes = race([lambda: services.building_create(by=worker, data=dict(data)) for _ in range(6)])
    assert sorted(outcomes) == ["invalid: ['楼栋编码：已存在']"] * 5 + ["ok"], outcomes


# --- tag periods ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tag_period_may_not_overlap_a_later_one(world: World) -> None:
    """The old check only asked whether a period was running on the new start day."""
    person = world.people.in_a2
    PersonTagFactory.create(person=person, kind=TagKind.DIBAO, valid_from=dt.date(2024, 6, 1), valid_to=None)
    with pytest.raises(ValidationError, match="已有效"):
        services.person_tag_add(
            by=world.accounts.community_worker,
            person=person,
            kind=TagKind.DIBAO,
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2024, 12, 31),
        )
    tag = services.person_tag_add(
        by=world.accounts.community_worker,
        person=person,
        kind=TagKind.DIBAO,
        valid_from=dt.date(2023, 1, 1),
        valid_to=dt.date(2024, 5, 31),
    )
    assert PersonTag.objects.filter(person=person, kind=TagKind.DIBAO).count() == 2 and tag.pk
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds one open period
        PersonTagFactory.create(
            person=person, kind=TagKind.DIBAO, valid_from=dt.date(2030, 1, 1), valid_to=None
        )


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_additions_of_one_tag_make_one(world: World) -> None:
    person, worker = world.people.in_a2, world.accounts.community_worker
    outcomes = race(
        [
            partial(
                services.person_tag_add,
                by=worker,
                person=person,
                kind=TagKind.LIVING_ALONE,
                valid_from=dt.date(2024, 1, day),
            )
            for day in range(1, 7)
        ]
    )
    assert outcomes.count("ok") == 1 and all(o.startswith("invalid") for o in outcomes if o != "ok"), outcomes
    assert PersonTag.objects.filter(person=person, kind=TagKind.LIVING_ALONE).count() == 1


# --- the migration on a database that already holds duplicates ----------------------------------------

MIGRATION = "linli.registry.migrations.0003_person_id_number_unique_tag_open_unique"


@pytest.mark.django_db
def test_the_migration_marks_legacy_duplicates_instead_of_failing(world: World, capsys) -> None:
    """The migration's step on a database of the time: no unique index yet (dropped here), and one
    number registered three times (one of them moved out). It marks all but the earliest instead of
    failing, and the index it then builds holds from then on. (Migrating the whole project back to
    before it and forward again would test the same step in two minutes instead of a second.)"""
    p = world.people
    step = importlib.import_module(MIGRATION)
    unique = next(c for c in Person._meta.constraints if c.name == "person_id_number_registered_once")
    editor = (
        connection.schema_editor()
    )  # for its SQL only (SQLite's cannot be entered in a test's transaction)
    with connection.cursor() as cur:  # two more records of the head's number, and one moved out
        if connection.vendor == "postgresql":  # no DDL while the world's deferred key checks wait
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute(str(unique.remove_sql(Person, editor)))
        cur.execute(
            "UPDATE registry_person SET id_number_index = %s WHERE id IN (%s, %s, %s)",
            [p.head.id_number_index, p.in_b.pk, p.in_c.pk, p.in_a2.pk],
        )
        cur.execute("UPDATE registry_person SET status = 'moved_out' WHERE id = %s", [p.in_a2.pk])
    step.mark_legacy_duplicates(django_apps, None)
    with connection.cursor() as cur:  # fails if a duplicate was left unmarked
        cur.execute(str(unique.create_sql(Person, editor)))
    marked = set(Person.objects.filter(legacy_duplicate=True).values_list("pk", flat=True))
    assert marked == {p.in_b.pk, p.in_c.pk}  # the earliest record keeps the number; moved out ones count not
    assert "1 个身份证号重复登记" in capsys.readouterr().out
    with pytest.raises(IntegrityError), transaction.atomic():  # and from now on the rule holds
        PersonFactory.create(id_number=p.head.id_number.reveal())
