"""The two doors of a registry write — the page and the API — reach the same service: the same
resulting record, and for a refused write the same stable error code.

Page: the refusal lands on the form (``response.context["form"].errors.as_data()[field][0].code``);
API: ``response.json()["code"]`` (409 for a conflict, 422 for a refusal).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from linli.core.engine import idnumber
from linli.registry.models import Household, Person
from linli.testing.factories import World

JSON: dict[str, Any] = {"content_type": "application/json"}


def _page_code(response: Any, field: str) -> str:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    return str(response.context["form"].errors.as_data()[field][0].code)


def _person(number: str, region_code: str, name: str) -> dict[str, str]:
    return {
        "name": name,
        "id_number": number,
        "phone": "13912345678",
        "relation": "其他",
        "residence_type": "常住",
        "ethnicity": "汉族",
        "region_code": region_code,
    }


def _person_state(p: Person) -> tuple[Any, ...]:
    return (
        p.id_number.reveal(),
        p.sex,
        p.birth_date,
        p.phone.reveal(),
        p.relation,
        p.residence_type,
        p.ethnicity,
        p.region_id,
        p.household_id,
        p.status,
    )


# --- person create ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_person_create_gives_the_same_person_through_both_doors(world: World, client_for) -> None:
    worker: Client = client_for(world.accounts.community_worker)
    grid = world.tree.grid_a1.code
    page = worker.post(
        reverse("registry:person_new"),
        _person(idnumber.make("350504", dt.date(1990, 5, 6), 11, "F"), grid, "页面"),
    )
    assert page.status_code == 302, page.content
    api = worker.post(
        "/api/persons", _person(idnumber.make("350504", dt.date(1990, 5, 6), 12, "F"), grid, "接口"), **JSON
    )
    assert api.status_code == 201, api.content
    by_page, by_api = Person.objects.get(name="页面"), Person.objects.get(name="接口")
    # Everything but the number itself is the same (both read the sex and birth date from it).
    assert _person_state(by_page)[1:] == _person_state(by_api)[1:]
    assert (by_page.sex, by_page.birth_date) == ("F", dt.date(1990, 5, 6))


@pytest.mark.django_db
def test_a_registered_id_number_is_refused_with_the_same_code_on_both_doors(world: World, client_for) -> None:
    worker = client_for(world.accounts.community_worker)
    taken = world.people.head.id_number.reveal()
    data = _person(taken, world.tree.grid_a1.code, "冒名")
    page = worker.post(reverse("registry:person_new"), data)
    api = worker.post("/api/persons", data, **JSON)
    assert _page_code(page, "id_number") == api.json()["code"] == "person.id_number_taken"
    assert api.status_code == 409
    assert not Person.objects.filter(name="冒名").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"id_number": "350504199001011230"}, "id_number", "person.id_number_invalid"),  # check digit
        ({"region_code": "350504009009009"}, "region_code", "registry.region_unknown"),
        ({"household_code": "NO-SUCH-HH"}, "household_code", "person.household_unknown"),
    ],
)
def test_refused_person_fields_give_the_same_code_on_both_doors(
    world: World, client_for, change: dict[str, str], field: str, code: str
) -> None:
    worker = client_for(world.accounts.community_worker)
    data = _person("", world.tree.grid_a1.code, "拒绝") | {"sex": "男", "birth_date": "1990-01-01"} | change
    page = worker.post(reverse("registry:person_new"), data)
    api = worker.post("/api/persons", data, **JSON)
    assert api.status_code == 422, api.content
    assert _page_code(page, field) == api.json()["code"] == code
    assert field in api.json()["errors"]
    assert not Person.objects.filter(name="拒绝").exists()


# --- household create ------------------------------------------------------------------------------


def _household(code: str, world: World) -> dict[str, str]:
    return {
        "code": code,
        "region_code": world.tree.grid_a1.code,
        "building_code": world.people.building.code,
        "unit": "1单元",
        "room": "502",
        "address": "",
    }


@pytest.mark.django_db
def test_household_create_gives_the_same_household_through_both_doors(world: World, client_for) -> None:
    worker = client_for(world.accounts.community_worker)
    page = worker.post(reverse("registry:household_new"), _household("H-PAGE-1", world))
    assert page.status_code == 302, page.content
    api = worker.post("/api/households", _household("H-API-1", world), **JSON)
    assert api.status_code == 201, api.content

    def state(h: Household) -> tuple[Any, ...]:
        return (h.region_id, h.building_id, h.unit, h.room, h.address)

    by_page, by_api = Household.objects.get(code="H-PAGE-1"), Household.objects.get(code="H-API-1")
    assert state(by_page) == state(by_api)
    assert by_page.address.endswith("1单元502")  # the building's address, derived by the service


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"code": "H-TAKEN"}, "code", "household.code_taken"),
        ({"building_code": "NO-SUCH-B"}, "building_code", "household.building_unknown"),
        ({"region_code": "350504009009009"}, "region_code", "registry.region_unknown"),
        ({"code": "H 1"}, "code", "household.code_invalid"),
    ],
)
def test_refused_households_give_the_same_code_on_both_doors(
    world: World, client_for, change: dict[str, str], field: str, code: str
) -> None:
    worker = client_for(world.accounts.community_worker)
    Household.objects.create(code="H-TAKEN", region=world.tree.grid_a1)
    data = _household("H-NEW", world) | change
    page = worker.post(reverse("registry:household_new"), data)
    api = worker.post("/api/households", data, **JSON)
    assert api.status_code == 422, api.content
    assert _page_code(page, field) == api.json()["code"] == code
    assert list(api.json()["errors"]) == [field]
    assert Household.objects.count() == 2  # the world's household and H-TAKEN: nothing new
