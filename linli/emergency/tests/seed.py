"""One row of each emergency kind in 万福社区 (community A) of the test world: a 灾害信息员, a
最小应急单元 on the standard building, a warning issued by the street, a level-Ⅲ response (its tasks
and check list), an open shelter, a supply store with stock and a drill — for tests that open every
page of a role (the menu test) and for the browser walks."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.emergency import services
from linli.emergency.models import Event, Shelter, SupplyStore, Warning
from linli.facilities.models import Facility, FacilityType
from linli.registry.models import TagKind
from linli.testing.factories import PersonTagFactory, World


def seed(world: World, *, declare: bool = True) -> tuple[Warning, Event | None, Shelter]:
    a, tree = world.accounts, world.tree
    PersonTagFactory.create(person=world.people.head, kind=TagKind.LIVING_ALONE)
    services.info_officer_add(by=a.community_worker, region=tree.community_a, name="王信息")
    services.unit_create(
        by=a.community_worker,
        building=world.people.building,
        name="阳光花园1号楼应急单元",
        leader_name="林楼长",
        members=[{"source": "resident", "name": "陈秀英", "duty": "看护独居老人"}],
    )
    now = timezone.now()
    warning = services.warning_create(
        by=a.street_coordinator,
        hazard="typhoon",
        severity="Severe",
        urgency="Expected",
        certainty="Likely",
        headline="台风橙色预警",
        description="台风“海葵”预计今晚登陆，风力10级以上。",
        instruction="请关好门窗，不要外出；住在低洼处的居民听从社区安排转移。",
        onset=now,
        expires=now + dt.timedelta(hours=24),
        regions=[tree.community_a, tree.community_b],
        issue=True,
    )
    site = Facility.objects.create(
        code="F-SHELTER-A",
        name="万福小学应急避难场所",
        type=FacilityType.objects.get(code="shelter"),
        region=tree.community_a,
        lat=24.961,
        lon=118.671,
        address="万福路1号",
    )
    shelter = services.shelter_setup(by=a.community_worker, facility=site, capacity=200, is_open=True)
    store = SupplyStore.objects.create(region=tree.community_a, name="万福社区物资库")
    services.supply_receive(by=a.community_worker, store=store, name="矿泉水", unit="箱", quantity=50)
    services.drill_record(
        by=a.community_worker,
        region=tree.community_a,
        held_on=timezone.localdate() - dt.timedelta(days=30),
        hazard="typhoon",
        scenario="台风转移避险演练",
        participants=80,
    )
    event = None
    if declare:
        event = services.response_declare(
            actor=a.street_coordinator,
            level="III",
            regions=[tree.community_a, tree.community_b],
            reason="台风橙色预警",
            hazard="typhoon",
            warning=warning,
        )
    return warning, event, shelter
