"""Fixtures of the emergency tests: the standard world with a living-alone elder and a disabled
person in grid A1, an infant in community B, a shelter facility and a supply store in community A."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from linli.emergency import services
from linli.emergency.models import Shelter, SupplyStore
from linli.facilities.models import Facility, FacilityType
from linli.registry.models import Person, TagKind
from linli.testing.factories import PersonFactory, PersonTagFactory, World


@dataclass
class Front:
    world: World
    alone: Person  # 林建国 (68), living alone by tag, grid A1
    disabled: Person  # grid A2
    infant: Person  # community B
    shelter_site: Facility  # community A, type shelter
    store: SupplyStore


def shelter_site(world: World, name: str = "万福小学应急避难场所", code: str = "F-SH-1") -> Facility:
    return Facility.objects.create(
        code=code,
        name=name,
        type=FacilityType.objects.get(code="shelter"),
        region=world.tree.community_a,
        lat=24.961,
        lon=118.671,
    )


def open_shelter(front: Front, capacity: int) -> Shelter:
    return services.shelter_setup(
        by=front.world.accounts.community_worker, facility=front.shelter_site, capacity=capacity, is_open=True
    )


@pytest.fixture
def front(world: World) -> Front:
    PersonTagFactory.create(person=world.people.head, kind=TagKind.LIVING_ALONE)
    disabled = PersonFactory.create(name="残疾居民", region=world.tree.grid_a2, age=40)
    PersonTagFactory.create(
        person=disabled, kind=TagKind.DISABLED, disability_category="physical", disability_grade=2
    )
    infant = PersonFactory.create(
        name="小宝", region=world.tree.grid_b1, birth_date=timezone.localdate() - dt.timedelta(days=200)
    )
    store = SupplyStore.objects.create(region=world.tree.community_a, name="万福社区物资库")
    return Front(world, world.people.head, disabled, infant, shelter_site(world), store)
