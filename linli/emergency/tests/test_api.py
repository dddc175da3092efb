"""The emergency API calls the same services as the pages and answers their codes; the CAP export and
the Atom feed are public and carry no personal data; the pages open for their roles; the rules that
must hold under concurrency hold when writers race on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from linli.core.models import User
from linli.emergency import indicators, services
from linli.emergency.engine import cap
from linli.emergency.models import CheckItem, Event, Shelter, ShelterStay, Supply, Warning
from linli.emergency.tests.conftest import Front, open_shelter
from linli.emergency.tests.seed import seed
from linli.registry.models import Person
from linli.testing.factories import PersonFactory
from linli.testing.races import on_postgresql, race

pytestmark = pytest.mark.django_db


def _body(regions: list[str]) -> dict[str, object]:
    now = timezone.now()
    return {
        "hazard": "flood",
        "severity": "Moderate",
        "urgency": "Expected",
        "certainty": "Likely",
        "headline": "暴雨黄色预警",
        "description": "预计未来6小时降雨量达50毫米以上。",
        "instruction": "低洼处居民注意防范。",
        "expires": (now + dt.timedelta(hours=6)).isoformat(),
        "regions": regions,
    }


def test_api_warning_scope_cap_export_and_feed(
    front: Front, token_client_for: Callable[[User], Client], client: Client
) -> None:
    tree = front.world.tree
    cw = token_client_for(front.world.accounts.community_worker)
    r = cw.post("/api/emergency/warnings", _body([tree.community_b.code]), content_type="application/json")
    assert (
        r.status_code == 422
        and r.json()["code"] == "emergency.area_out_of_scope"
        and "regions" in r.json()["errors"]
    )
    assert Warning.objects.count() == 0
    r = cw.post("/api/emergency/warnings", _body([tree.community_a.code]), content_type="application/json")
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    public = client.get(f"/api/emergency/warnings/{number}.cap")  # no login
    assert public.status_code == 200 and public["Content-Type"].startswith("application/cap+xml")
    alert = cap.parse(public.content)  # valid CAP 1.2
    assert alert.infos[0].headline == "暴雨黄色预警"
    assert front.alone.name.encode() not in public.content
    feed = client.get("/api/emergency/warnings.atom")
    text = feed.content.decode()
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    assert "暴雨黄色预警" in text and f"{number}.cap" in text and 'type="application/cap+xml"' in text
    assert front.alone.name not in text
    bad = cw.post("/api/emergency/warnings/cap", {"xml": "<alert/>"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "emergency.cap_invalid"


def test_api_declare_step_and_checks(front: Front, token_client_for: Callable[[User], Client]) -> None:
    acc, tree = front.world.accounts, front.world.tree
    body = {"hazard": "typhoon", "level": "III", "regions": [tree.community_a.code], "reason": "台风预警"}
    cw = token_client_for(acc.community_worker)
    r = cw.post("/api/emergency/events", body, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "emergency.no_authority"
    street = token_client_for(acc.street_coordinator)
    r = street.post("/api/emergency/events", body, content_type="application/json")
    assert r.status_code == 201
    number = r.json()["number"]
    r = street.post(
        f"/api/emergency/events/{number}/level",
        {"level": "I", "reason": "升级"},
        content_type="application/json",
    )
    assert r.status_code == 403 and r.json()["code"] == "emergency.no_authority"
    gw = token_client_for(acc.grid_worker)
    mine = gw.get("/api/emergency/checks").json()
    assert [m["person_name"] for m in mine] == [front.alone.name]
    r = gw.post(
        f"/api/emergency/checks/{mine[0]['id']}",
        {"status": "needs_help", "note": "腿脚不便，需要协助转移"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "needs_help"
    reach = token_client_for(acc.district_admin).get(f"/api/emergency/events/{number}/reach").json()
    assert reach[0]["needs_help"] == 1 and reach[0]["pending"] == reach[0]["total"] - 1
    # the request it opened carries the emergency flag in the cases API (list and detail)
    case = cw.get(f"/api/cases/{r.json()['case_number']}").json()
    assert case["priority"] is True
    assert cw.get("/api/cases/").json()["items"][0]["number"] == case["number"]
    timeline = street.get(f"/api/emergency/events/{number}/timeline").json()
    assert any(e["kind"] == "decision" for e in timeline)


def test_api_full_shelter_and_short_supply_are_409(
    front: Front, token_client_for: Callable[[User], Client]
) -> None:
    shelter = open_shelter(front, capacity=1)
    cw = token_client_for(front.world.accounts.community_worker)
    head = front.world.people.head
    r = cw.post(
        f"/api/emergency/shelters/{shelter.pk}/checkin",
        {"name": head.name, "id_number": head.id_number.reveal(), "household": True},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "emergency.shelter_full"
    assert ShelterStay.objects.count() == 0
    supply = services.supply_receive(
        by=front.world.accounts.community_worker, store=front.store, name="帐篷", unit="顶", quantity=2
    )
    r = cw.post(
        f"/api/emergency/supplies/{supply.pk}/issue",
        {"quantity": 3, "shelter": shelter.pk},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "emergency.supply_short"
    assert Supply.objects.get(pk=supply.pk).quantity == 2


def test_pages_open_for_their_roles_and_the_form_errors_name_the_field(world, client: Client) -> None:  # type: ignore[no-untyped-def]
    _w, event, shelter = seed(world)
    assert event is not None
    a = world.accounts
    client.force_login(a.street_coordinator)
    for name in [
        "",
        "organisation/",
        "plans/",
        "warnings/",
        "warnings/new/",
        "warnings/import/",
        "events/new/",
        f"events/{event.number}/",
        "shelters/",
        f"shelters/{shelter.pk}/",
        "supplies/",
        "drills/",
    ]:
        assert client.get(f"/emergency/{name}").status_code == 200, name
    r = client.post("/emergency/warnings/import/", {"xml": "<alert>不是CAP</alert>"})
    assert r.status_code == 400 and "CAP 报文无效" in r.content.decode()
    client.force_login(a.grid_worker)
    r = client.get("/emergency/checks/")
    assert r.status_code == 200 and world.people.head.name in r.content.decode()
    item = CheckItem.objects.get(event=event, person=world.people.head)
    r = client.post(f"/emergency/checks/{item.pk}/", {"status": "needs_help", "note": ""})
    assert r.status_code == 400 and "请说明需要什么帮助" in r.content.decode()
    client.force_login(a.resident)
    r = client.get("/emergency/mine/")
    assert (
        r.status_code == 200 and "台风橙色预警" in r.content.decode() and "请您这样做" in r.content.decode()
    )
    home = client.get("/")
    assert "台风橙色预警" in home.content.decode()
    client.force_login(a.community_worker_b)  # another community's event page reads as absent
    assert client.get(f"/emergency/shelters/{shelter.pk}/").status_code == 404


def test_readiness_elements(world) -> None:  # type: ignore[no-untyped-def]
    seed(world, declare=False)
    out = indicators.compute(12, world.tree.district.code)
    a = out[world.tree.community_a.code]
    assert a["communities_with_info_officer"] == Decimal(1)
    assert a["shelter_places"] == Decimal(200) and a["communities_drilled_12m"] == Decimal(1)
    assert a["supply_batches_valid"] == a["supply_batches"] == Decimal(1)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_full_shelter_holds_under_racing_check_ins(world) -> None:  # type: ignore[no-untyped-def]
    from linli.emergency.tests.conftest import shelter_site

    site = shelter_site(world)
    shelter = services.shelter_setup(
        by=world.accounts.community_worker, facility=site, capacity=2, is_open=True
    )
    people = [PersonFactory.create(region=world.tree.grid_a1) for _ in range(5)]
    cw = world.accounts.community_worker

    def check_in(person: Person) -> Callable[[], object]:
        return lambda: services.shelter_checkin(by=cw, shelter=shelter, persons=[person])

    outcomes = race([check_in(p) for p in people])
    assert sorted(outcomes) == ["emergency.shelter_full"] * 3 + ["ok"] * 2
    assert Shelter.objects.get(pk=shelter.pk).occupancy == 2 == ShelterStay.objects.count()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_stock_holds_under_racing_issues(world) -> None:  # type: ignore[no-untyped-def]
    from linli.emergency.models import SupplyStore
    from linli.emergency.tests.conftest import shelter_site

    cw = world.accounts.community_worker
    shelter = services.shelter_setup(by=cw, facility=shelter_site(world), capacity=10, is_open=True)
    store = SupplyStore.objects.create(region=world.tree.community_a, name="库")
    supply = services.supply_receive(by=cw, store=store, name="矿泉水", unit="箱", quantity=5)
    outcomes = race(
        [lambda: services.supply_issue(by=cw, supply=supply, quantity=2, shelter=shelter) for _ in range(4)]
    )
    assert sorted(outcomes) == ["emergency.supply_short"] * 2 + ["ok"] * 2
    assert Supply.objects.get(pk=supply.pk).quantity == 1
    assert Event.objects.count() == 0
