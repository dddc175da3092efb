"""Fixtures of the deliberation tests: a small building of owners beside the standard world."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from linli.core.models import User
from linli.core.roles import Role
from linli.deliberation.models import OwnerShare
from linli.registry.models import Building, Person
from linli.testing.factories import BuildingFactory, HouseholdFactory, PersonFactory, UserFactory, World


@dataclass
class Owners:
    building: Building
    owners: list[Person]  # owner i holds room i with AREAS[i]
    accounts: list[User]  # a resident account for the first three owners


AREAS = [Decimal(a) for a in ("90", "90", "120", "120", "80", "100")]  # 600 ㎡, 6 owners


@pytest.fixture
def owners(world: World) -> Owners:
    tree = world.tree
    b = BuildingFactory.create(code="350504001001001B0009", name="老旧小区9号楼", region=tree.grid_a1)
    people, accounts = [], []
    for i, area in enumerate(AREAS):
        h = HouseholdFactory.create(
            code=f"350504001001001H009{i:02d}", building=b, region=tree.grid_a1, room=f"{i + 1}01"
        )
        p = PersonFactory.create(name=f"业主{i}", birth_date=dt.date(1970, 1, 1 + i), household=h)
        OwnerShare.objects.create(building=b, household=h, owner=p, area=area)
        people.append(p)
        if i < 3:
            accounts.append(
                UserFactory.create(
                    username=f"owner{i}", role=Role.RESIDENT, region=tree.community_a, person=p
                )
            )
    return Owners(b, people, accounts)
