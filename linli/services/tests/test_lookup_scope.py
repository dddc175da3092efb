"""Out of scope reads exactly like absent: the person lookup of the needs and one-window forms, the
``person_id`` of the API, services and organisations by id. The same message, the same status, the
same queries — whether the person lives in another community or nowhere at all, whether the lookup is
by a name, an ID number or a phone number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from linli.core.engine import idnumber
from linli.core.models import User
from linli.services.models import Application, Need, Service
from linli.testing.factories import OrganisationFactory, World

ABSENT_ID = idnumber.make("350504", dt.date(1971, 2, 3), 987, "M")  # valid, never registered
ABSENT_PHONE = "13700000001"


def _typed(world: World) -> list[tuple[str, str, str]]:
    """(how, text naming the person of community B, text naming nobody) for each way of looking up."""
    b = world.people.in_b
    assert b.id_number is not None and b.phone is not None
    return [
        ("name", b.name, "欧阳无此人"),
        ("id_number", b.id_number.reveal(), ABSENT_ID),
        ("phone", b.phone.reveal(), ABSENT_PHONE),
    ]


def _answer(client: Client, path: str, data: dict[str, str], typed: str) -> tuple[int, str, int]:
    """Status, the page's messages with the typed text blanked, and the number of queries it took."""
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(path, data, follow=True)
    page = r.content.decode()
    start = page.index('class="messages"')
    shown = page[start : page.index("</div></div>", start)].replace(typed, "<typed>")
    return r.status_code, shown, len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/services/needs/", {"category": "elderly_meal", "description": "希望每周送餐上门"}),
        ("/services/window/", {"action": "intake", "item": "", "note": ""}),
    ],
)
def test_person_lookup_answers_alike_for_elsewhere_and_nowhere(
    world: World, client_for: Callable[[User], Client], path: str, form: dict[str, str]
) -> None:
    """The issue's example: "不在本账号的数据范围内" for a person registered in another community,
    "找不到居民" for one registered nowhere — anyone could test who lives in the district."""
    c = client_for(world.accounts.community_worker)
    if "item" in form:
        from linli.services.models import ServiceItem

        form = {**form, "item": str(ServiceItem.objects.get(code="elderly_allowance").pk)}
    c.post(path, {**form, "person": ""}, follow=True)  # warm up: the first request of a session does more
    for how, elsewhere, nowhere in _typed(world):
        there = _answer(c, path, {**form, "person": elsewhere}, elsewhere)
        absent = _answer(c, path, {**form, "person": nowhere}, nowhere)
        assert there == absent, how
        assert (
            there[0] == 200 and "找不到居民" in there[1] and "不存在或不在本账号的数据范围内" in there[1]
        ), how
    assert not Need.objects.exists() and not Application.objects.exists()
    # the person of the account's own community is found by each of the three
    for text in ("林建国", world.people.head.id_number.reveal(), "13859001234"):  # type: ignore[union-attr]
        r = c.post(path, {**form, "person": text}, follow=True)
        assert "找不到居民" not in r.content.decode(), text
    assert Need.objects.count() + Application.objects.count() == (1 if "needs" in path else 3)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/services/needs", {"category": "elderly_meal", "description": "希望每周送餐上门"}),
        ("/api/services/applications", {"item": "elderly_allowance", "materials": ["居民身份证"]}),
        ("/api/services/bookings", {"slot": 1}),
    ],
)
def test_api_person_id_answers_alike_for_elsewhere_and_nowhere(
    world: World, token_client_for: Callable[[User], Client], path: str, body: dict[str, object]
) -> None:
    c = token_client_for(world.accounts.community_worker)
    elsewhere, nowhere = world.people.in_b.pk, world.people.in_c.pk + 1000
    assert c.get("/api/me").status_code == 200  # warm up: the token's first use is recorded
    answers = []
    for pk in (elsewhere, nowhere):
        with CaptureQueriesContext(connection) as ctx:
            r = c.post(path, {**body, "person_id": pk}, content_type="application/json")
        answers.append(
            (r.status_code, r.json()["detail"].replace(str(pk), "<id>"), list(r.json()["errors"]), len(ctx))
        )
    assert answers[0] == answers[1]
    assert answers[0][:3] == (422, "person_id：居民 <id> 不存在或不在本账号的数据范围内", ["person_id"])
    assert not Need.objects.exists() and not Application.objects.exists()


def test_resident_service_page_answers_alike_for_elsewhere_and_nowhere(
    world: World, make_service: Callable[..., Service], client_for: Callable[[User], Client]
) -> None:
    other = make_service(world.tree.community_b, name="桥南助餐")
    c = client_for(world.accounts.resident)
    there, absent = c.get(f"/services/{other.pk}/"), c.get(f"/services/{other.pk + 1000}/")
    assert there.status_code == absent.status_code == 404

    def said(page: str) -> str:
        return page[page.index("<h1>") : page.index("</p>", page.index("<h1>"))]

    assert said(there.content.decode()) == said(absent.content.decode())
    assert "不存在或不在本账号的数据范围内" in said(there.content.decode())
    assert "桥南助餐" not in there.content.decode()


def test_organisation_chosen_answers_alike_for_elsewhere_and_nowhere(
    world: World, client_for: Callable[[User], Client]
) -> None:
    elsewhere = OrganisationFactory.create(name="桥南物业", region=world.tree.community_b)
    c = client_for(world.accounts.community_worker)
    form = {
        "name": "上门维修",
        "kind": "convenience",
        "category": "repair",
        "region": world.tree.community_a.code,
        "capacity": "1",
        "fee_kind": "free",
        "status": "active",
        "hours_1": "08:00-12:00",
    }
    shown = []
    for pk in (elsewhere.pk, elsewhere.pk + 1000):
        page = c.post("/services/manage/new/", {**form, "provider": str(pk)}, follow=True).content.decode()
        start = page.index('class="messages"')
        shown.append(page[start : page.index("</div></div>", start)].replace(str(pk), "<id>"))
    assert shown[0] == shown[1] and "不存在或不在本账号的数据范围内" in shown[0]
    assert "桥南物业" not in shown[0] and not Service.objects.filter(name="上门维修").exists()
