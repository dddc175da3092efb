"""The resident's side of the directory: booking for a family member of the household (page and API
alike), cancelling through a confirmation, and a search that finds by synonyms and says when what it
found is for others."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from linli.core.models import User
from linli.core.roles import Role
from linli.core.scope import scope_q, scoped
from linli.registry.models import Person, PersonStatus
from linli.services import selectors, services
from linli.services.engine import search
from linli.services.models import Booking, BookingStatus, Need, NeedSource, Service, Slot, TaxonomyTerm
from linli.testing.factories import HouseholdFactory, PersonFactory, UserFactory, World


@pytest.fixture
def son(world: World) -> User:
    """The household's son (林晓东, 30-odd) with a resident account of his own."""
    return UserFactory.create(
        username="son", role=Role.RESIDENT, region=world.tree.community_a, person=world.people.child
    )


def _page_code(response, field: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return str(response.context["form"].errors.as_data()[field][0].code)


def test_engine_words_and_synonyms() -> None:
    assert search.words(" 助餐，体检 助餐 ") == ["助餐", "体检"]
    assert "长者饭堂" in search.alternatives("助餐") and search.alternatives("助餐")[0] == "助餐"
    assert search.alternatives("星际旅行") == ["星际旅行"]


def test_household_choices_name_the_family_as_the_resident_knows_them(
    world: World, meal: Service, son: User
) -> None:
    choices = selectors.booking_choices(world.people.child, meal)
    assert [c.person for c in choices] == [world.people.child, world.people.head, world.people.spouse]
    assert choices[0].label == "本人（林晓东）" and choices[0].why_not  # 60+ only: not for the son
    assert choices[1].label.startswith("林建国（父母，") and not choices[1].why_not
    world.people.spouse.status = PersonStatus.DECEASED
    world.people.spouse.save()
    assert world.people.spouse not in [c.person for c in selectors.booking_choices(world.people.child, meal)]


def test_son_books_for_his_father_on_the_page_and_by_the_api(
    world: World, meal: Service, tomorrow: dt.date, son: User, client_for: Callable[[User], Client]
) -> None:
    services.slots_generate(service=meal, start=tomorrow, days=1)
    first, second, third = Slot.objects.filter(service=meal).order_by("starts_at")[:3]
    c = client_for(son)
    detail = c.get(f"/services/{meal.pk}/")
    body = detail.content.decode()
    assert 'id="book-for"' in body and "林建国（父母，" in body and "不符合" in body
    father = world.people.head
    page = c.post(f"/services/{meal.pk}/book/", {"slot": first.pk, "person_id": father.pk})
    assert page.status_code == 302
    api = c.post(
        "/api/services/bookings",
        {"slot": second.pk, "person_id": father.pk},
        content_type="application/json",
    )
    assert api.status_code == 201 and api.json()["person_name"] == "林建国"
    offered = c.get(f"/api/services/services/{meal.pk}/for").json()
    assert [(o["person_id"], bool(o["why_not"])) for o in offered] == [
        (world.people.child.pk, True),
        (father.pk, False),
        (world.people.spouse.pk, False),
    ]
    assert offered[1]["label"].startswith("林建国（父母，")
    staff = client_for(world.accounts.community_worker).get(f"/api/services/services/{meal.pk}/for")
    assert staff.status_code == 403
    by_page, by_api = Booking.objects.get(slot=first), Booking.objects.get(slot=second)
    assert (by_page.person, by_page.booked_by) == (by_api.person, by_api.booked_by) == (father, son)
    mine = c.get("/services/my/").content.decode()
    assert mine.count("为谁：<b>林建国（父母）</b>") == 2
    # for himself: the eligibility of the person booked for decides (the son is not 60)
    page = c.post(f"/services/{meal.pk}/book/", {"slot": third.pk})
    api = c.post("/api/services/bookings", {"slot": third.pk}, content_type="application/json")
    assert api.status_code == 422
    assert _page_code(page, "__all__") == api.json()["code"] == "booking.not_eligible"


def test_booking_for_someone_outside_the_household_reads_as_absent(
    world: World, meal: Service, tomorrow: dt.date, son: User, client_for: Callable[[User], Client]
) -> None:
    services.slots_generate(service=meal, start=tomorrow, days=1)
    slot = Slot.objects.filter(service=meal).first()
    assert slot is not None
    c = client_for(son)
    for pk in (world.people.in_a2.pk, 987654):  # a neighbour of the same community; nobody at all
        page = c.post(f"/services/{meal.pk}/book/", {"slot": slot.pk, "person_id": pk})
        api = c.post(
            "/api/services/bookings", {"slot": slot.pk, "person_id": pk}, content_type="application/json"
        )
        assert api.status_code == 422 and list(api.json()["errors"]) == ["person_id"]
        assert _page_code(page, "person_id") == api.json()["code"] == "person.not_found"
        assert str(pk) in api.json()["detail"] and "不存在或不在本账号的数据范围内" in api.json()["detail"]
    assert not Booking.objects.exists() and Slot.objects.get(pk=slot.pk).booked == 0


def test_cancel_needs_the_confirmation(
    world: World, meal: Service, tomorrow: dt.date, client_for: Callable[[User], Client]
) -> None:
    services.slots_generate(service=meal, start=tomorrow, days=1)
    slot = Slot.objects.filter(service=meal).first()
    assert slot is not None
    b = services.booking_create(actor=world.accounts.resident, slot_id=slot.pk)
    c = client_for(world.accounts.resident)
    url = f"/services/my/{b.pk}/cancel/"
    confirm = c.get(url)
    assert confirm.status_code == 200 and "确认取消预约" in confirm.content.decode()
    assert c.post(url, {}).status_code == 200  # a bare post only shows the confirmation again
    assert Booking.objects.get(pk=b.pk).status == BookingStatus.BOOKED
    assert c.post(url, {"confirm": "1"}).status_code == 302
    assert Booking.objects.get(pk=b.pk).status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=slot.pk).booked == 0
    assert "不能再取消" in c.get(url).content.decode()
    assert c.get(f"/services/my/{b.pk}/rate/").status_code == 405


def test_search_by_synonym_and_why_nothing_is_shown(
    world: World, meal: Service, make_service: Callable[..., Service], son: User
) -> None:
    make_service(world.tree.community_a, name="老年人免费健康体检", category="health_checkup", min_age=60)
    make_service(world.tree.community_a, name="家电上门维修", category="repair", description="空调、冰箱")
    young, old = world.people.child, world.people.head
    assert [e.service.name for e in selectors.resident_directory(old, q="吃饭")] == ["长者助餐"]
    assert [e.service.name for e in selectors.resident_directory(old, q="体检")] == ["老年人免费健康体检"]
    assert [e.service.name for e in selectors.resident_directory(young, q="修理")] == ["家电上门维修"]
    found = selectors.directory_search(young, q="养老")
    assert found.entries == [] and len(found.not_eligible) == 1
    ne = found.not_eligible[0]
    assert ne.sentence == "有 1 项养老服务面向60周岁以上老年人，您目前不符合条件。"
    assert ne.family == ["林建国", "陈秀英"]
    assert found.suggestions == ["维修"] and {t.name for t in found.terms} == {"养老", "卫生健康", "维修"}


def test_directory_page_explains_and_suggests(
    world: World,
    meal: Service,
    make_service: Callable[..., Service],
    son: User,
    client_for: Callable[[User], Client],
) -> None:
    make_service(world.tree.community_a, name="家电上门维修", category="repair")
    c = client_for(son)
    body = c.get("/services/", {"q": "养老"}).content.decode()
    assert "有 1 项养老服务面向60周岁以上老年人，您目前不符合条件。" in body
    assert "您家中的林建国、陈秀英符合条件" in body and "长者助餐" in body
    assert 'placeholder="搜索：维修…"' in c.get("/services/").content.decode()


def test_a_resident_sees_his_households_rows_by_its_members_not_by_a_join(world: World) -> None:
    """The resident's scope through the row's person (``person_id`` / ``person__household_id``) is the
    rows of the household's members, read as a list of ids: the same rows as the rule written out —
    his own, and those of whoever is in his household now — and nobody else's."""
    people = world.people
    term = TaxonomyTerm.objects.first()
    assert term is not None
    alone = PersonFactory.create(name="独居者", household=None, region=world.tree.community_a)
    for person in [*people.all(), alone, None]:
        Need.objects.create(
            person=person,
            region=world.tree.community_a,
            source=NeedSource.SURVEY,
            category=term,
            description="x",
        )
    resident = world.accounts.resident

    def by_rule(me: Person) -> set[int]:
        return {
            n.pk
            for n in Need.objects.select_related("person")
            if n.person_id == me.pk
            or (
                me.household_id is not None
                and n.person is not None
                and n.person.household_id == me.household_id
            )
        }

    def seen(user: User) -> set[int]:
        return set(scoped(Need.objects.all(), user).values_list("pk", flat=True))

    assert "__in" in str(scope_q(resident, Need)) and "household" not in str(scope_q(resident, Need))
    assert seen(resident) == by_rule(people.head) and len(seen(resident)) == 3
    Person.objects.filter(pk=people.spouse.pk).update(
        household=HouseholdFactory.create(region=world.tree.grids[world.tree.community_a.code][0])
    )
    assert seen(resident) == by_rule(people.head) and len(seen(resident)) == 2  # she moved out of it
    lone = UserFactory.create(
        username="lone", role=Role.RESIDENT, region=world.tree.community_a, person=alone
    )
    assert seen(lone) == by_rule(alone) and len(seen(lone)) == 1
    # the person table itself keeps its own column (no join to avoid)
    mine = set(scoped(Person.objects.all(), resident).values_list("pk", flat=True))
    assert mine == {p.pk for p in Person.objects.filter(household=people.head.household)}
