"""Fixtures of the care tests: the standard world with a few people in care."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from linli.care.models import CareWorker, Visitor
from linli.core.models import User
from linli.core.roles import Role
from linli.registry.models import Household, Person
from linli.testing.factories import (
    HouseholdFactory,
    PersonFactory,
    PersonTagFactory,
    UserFactory,
    World,
    build_world,
)


@dataclass
class Care:
    world: World
    granny: Person  # 82, lives alone in grid A1, 低保
    child: Person  # 10, 留守儿童 in grid A1, lives with a grandfather of 66
    grandpa: Person
    home: Household
    child_director: User  # community A's 儿童主任


@pytest.fixture
def care(db: None) -> Care:
    return build_care(build_world())


def build_care(world: World) -> Care:
    """A granny living alone (82, 低保) and a left-behind child with his grandfather in grid A1, and
    community A's 儿童主任."""
    tree = world.tree
    alone = HouseholdFactory.create(region=tree.grid_a1)
    granny = PersonFactory.create(name="王阿婆", sex="F", birth_date=dt.date(1944, 3, 2), household=alone)
    PersonTagFactory.create(person=granny, kind="dibao", valid_from=dt.date(2024, 1, 1))
    home = HouseholdFactory.create(region=tree.grid_a1)
    grandpa = PersonFactory.create(name="李大伯", sex="M", birth_date=dt.date(1960, 6, 1), household=home)
    child = PersonFactory.create(name="李小明", sex="M", birth_date=dt.date(2016, 4, 9), household=home)
    PersonTagFactory.create(person=child, kind="left_behind_child", valid_from=dt.date(2025, 1, 1))
    director = UserFactory.create(
        username="child_director",
        display_name="儿童主任小陈",
        role=Role.COMMUNITY_WORKER,
        region=tree.community_a,
    )
    CareWorker.objects.create(region=tree.community_a, post=Visitor.CHILD_DIRECTOR, user=director)
    return Care(world, granny, child, grandpa, home, director)
