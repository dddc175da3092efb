"""Fixtures of the workforce tests: the standard world with grid outlines, a building, grid workers'
staff records, the duty catalogue and the rotation rules."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from linli.cases.services import caches_clear as cases_caches_clear
from linli.regions.models import Region
from linli.registry.models import Building, StaffKind
from linli.testing.factories import BuildingFactory, StaffFactory, World
from linli.workforce.models import Duty, DutyKind, Proof, RotationRule

LAT0, LON0, STEP = 24.955, 118.665, 0.01  # grid A1 holds the standard building (24.96, 118.67)


def square(lat: float, lon: float, step: float = STEP) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + step, lat], [lon + step, lat + step], [lon, lat + step], [lon, lat]]
        ],
    }


@dataclass
class Front:
    world: World
    building: Building
    gas: Duty


def outline(world: World) -> Building:
    grids = [g for gs in world.tree.grids.values() for g in gs]
    for i, g in enumerate(grids):
        Region.objects.filter(pk=g.pk).update(boundary=square(LAT0, LON0 + STEP * i))
        g.refresh_from_db()
    cases_caches_clear()  # the requests module locates by the grid outlines it cached from an earlier test
    return BuildingFactory.create(region=world.tree.grid_a1, name="阳光花园1号楼", lat=24.96, lon=118.67)


def catalogue(world: World) -> Duty:
    d = world.tree.district
    Duty.objects.create(region=d, name="政策宣传", kind=DutyKind.STATUTORY, keywords=["宣传"])
    gas = Duty.objects.create(
        region=d, name="协助燃气安全入户排查", kind=DutyKind.ASSISTING, keywords=["燃气"], funding="每户5元"
    )
    Proof.objects.create(region=d, name="居住情况证明（用于入学）", keywords=["入学居住证明"])
    RotationRule.objects.create(key="director", name="主任", every_years=1, post_words=["主任", "书记"])
    RotationRule.objects.create(key="member", name="成员", every_years=2, post_words=["委员", "社区工作者"])
    return gas


@pytest.fixture
def front(world: World) -> Front:
    building = outline(world)
    StaffFactory.create(
        kind=StaffKind.GRID_WORKER,
        post="专职网格员",
        region=world.tree.community_a,
        grids=[world.tree.grid_a1],
    )
    return Front(world, building, catalogue(world))
