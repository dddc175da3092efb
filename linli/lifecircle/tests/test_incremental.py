"""Incremental access equals the full recompute: random facility changes (create, move, close, reopen,
retype, delete) brought up to date by the receivers' incremental updates, then compared row by row
with a full recompute of the district, on the walking network and without one."""

from __future__ import annotations

import random

import numpy as np
import pytest

from linli.facilities.models import Facility, FacilityStatus, FacilityType
from linli.lifecircle import tasks
from linli.lifecircle.engine.synthetic import grid_network
from linli.lifecircle.models import Access, ComputeRun, Coverage, NetworkSource, TargetGroup
from linli.lifecircle.selectors import latest_run
from linli.lifecircle.services import network_save, population_of, recompute
from linli.registry.models import Building, Person, PersonStatus
from linli.testing.factories import BuildingFactory, HouseholdFactory, PersonFactory, counts_batch

BOX = (24.940, 25.012, 118.640, 118.720)  # ≈ 8 km × 8 km
TYPES = ("elderly_station", "supermarket", "grocery", "kindergarten")


def _access() -> dict:
    return {
        (b, t): (d, m, w, th, s, me)
        for b, t, d, m, w, th, s, me in Access.objects.values_list(
            "building_id", "type_id", "distance_m", "minutes", "within", "threshold_min", "snap_m", "method"
        )
    }


def _coverage() -> dict:
    return {
        (r, t): rest
        for r, t, *rest in Coverage.objects.values_list(
            "region_id",
            "type_id",
            "group",
            "population",
            "within",
            "within_15",
            "buildings_short",
            "threshold_min",
            "method",
        )
    }


def _city(tree, rng: random.Random) -> list[FacilityType]:
    """About 200 buildings over the district's eight grids (two of them rural), residents of all ages,
    a few facilities of four types (the registry's counts kept by one delta, as a world's are)."""
    with counts_batch():
        return _city_rows(tree, rng)


def _city_rows(tree, rng: random.Random) -> list[FacilityType]:
    grids = [g for c in tree.communities for g in tree.grids[c.code]]
    for i in range(200):
        b = BuildingFactory(
            region=grids[i % len(grids)], lat=rng.uniform(BOX[0], BOX[1]), lon=rng.uniform(BOX[2], BOX[3])
        )
        h = HouseholdFactory(building=b)
        for _ in range(1 + i % 2):
            PersonFactory(household=h, age=rng.choice([1, 4, 9, 35, 70]))
    types = [FacilityType.objects.get(code=c) for c in TYPES]
    for t in types:
        for _ in range(8):
            _new(tree, rng, t)
    # the test's transaction never commits: forget the updates these creations scheduled
    tasks._pending.__dict__.clear()
    return types


_serial = iter(range(10_000))


def _new(tree, rng: random.Random, t: FacilityType) -> Facility:
    n = next(_serial)
    return Facility.objects.create(
        code=f"T{n}",
        name=f"测试设施{n}",
        type=t,
        region=rng.choice(tree.communities),
        lat=rng.uniform(BOX[0], BOX[1]),
        lon=rng.uniform(BOX[2], BOX[3]),
    )


def _change(tree, rng: random.Random, types: list[FacilityType]) -> str:
    facilities = list(Facility.objects.filter(code__startswith="T").order_by("pk"))
    kind = rng.choice(["create", "move", "close", "reopen", "retype", "delete", "rename"])
    f = rng.choice(facilities)
    if kind == "create":
        _new(tree, rng, rng.choice(types))
    elif kind == "move":
        assert f.lat is not None and f.lon is not None
        f.lat, f.lon = f.lat + rng.uniform(-0.004, 0.004), f.lon + rng.uniform(-0.004, 0.004)
        f.save()
    elif kind == "close":
        f.status = FacilityStatus.CLOSED
        f.save()
    elif kind == "reopen":
        f.status = FacilityStatus.OPEN
        f.save()
    elif kind == "retype":
        f.type = rng.choice([t for t in types if t.pk != f.type_id])
        f.save()
    elif kind == "delete":
        f.delete()
    else:
        f.name += "（新名）"
        f.save()
    return kind


@pytest.mark.parametrize("network", [True, False], ids=["network", "straight"])
def test_incremental_access_equals_full_recompute(tree, network, django_capture_on_commit_callbacks):
    rng = random.Random(19)
    types = _city(tree, rng)
    if network:
        net = grid_network([BOX], [150.0], seed=3)
        network_save(region=tree.district, net=net, name="测试合成路网", source=NetworkSource.SYNTHETIC)
    recompute(tree.district)
    full_runs = ComputeRun.objects.filter(incremental=False).count()
    n_buildings = Building.objects.count()
    kinds = []
    for _round in range(3):
        for _ in range(5):
            with django_capture_on_commit_callbacks(execute=True):
                kinds.append(_change(tree, rng, types))
        incremental = (_access(), _coverage())
        # every change was brought up to date incrementally, none by a full recompute
        assert ComputeRun.objects.filter(incremental=False).count() == full_runs
        recompute(tree.district)
        full_runs += 1
        full = (_access(), _coverage())
        assert incremental[0] == full[0]
        assert incremental[1] == full[1]
    runs = list(ComputeRun.objects.filter(incremental=True))
    assert len(runs) >= 8, kinds
    # an update recomputes the buildings around the change, not the district
    assert min(r.buildings for r in runs) < n_buildings / 2
    assert all(r.types <= 3 for r in runs)  # its types (and a type they also serve), not all types


def test_a_save_that_moves_nothing_recomputes_nothing(tree, django_capture_on_commit_callbacks):
    rng = random.Random(7)
    types = _city(tree, rng)
    recompute(tree.district)
    f = Facility.objects.filter(type=types[0]).first()
    with django_capture_on_commit_callbacks(execute=True):
        f.name = "改名后的养老服务站"
        f.phone = "0595-22222222"
        f.save()
    assert not ComputeRun.objects.filter(incremental=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        f.status = FacilityStatus.SUSPENDED
        f.save()
    run = ComputeRun.objects.get(incremental=True)
    assert 0 < run.buildings < Building.objects.count()
    # the pages say when access was last brought up to date, and around how many buildings
    assert latest_run(tree.community_a).update == run


def test_population_counted_in_one_pass_equals_each_root_counted_alone(tree):
    """The nightly recompute counts the residents of every root's buildings in one grouped query; per
    building and target group that is what each root counted alone gives, and every active resident
    with a building is counted once."""
    _city(tree, random.Random(5))
    codes = [c.code for c in tree.communities]
    ids = np.array(sorted(Building.objects.values_list("pk", flat=True)), dtype=np.int64)
    together = population_of(codes).take(ids)
    alone = {g: np.zeros(len(ids)) for g in together}
    for code in codes:
        for g, v in population_of([code]).take(ids).items():
            alone[g] += v
    for g in together:
        assert together[g].tolist() == alone[g].tolist()
    living = Person.objects.filter(status=PersonStatus.ACTIVE, household__building__isnull=False)
    assert together[TargetGroup.ALL].sum() == living.count() > 0
    assert 0 < together[TargetGroup.ELDERLY].sum() < together[TargetGroup.ALL].sum()
    assert population_of(["000000"]).take(ids)[TargetGroup.ALL].sum() == 0  # no such root: no one
