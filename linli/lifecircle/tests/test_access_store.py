"""A full recompute writes only the rows that differ, and leaves exactly what a recompute into empty
tables leaves: after random damage to the stored rows (changed values, missing rows, rows of an
inactive type, rows of a building that lost its position, coverage of a wrong count) and after a
settings change that changes every row."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.facilities.models import FacilityType
from linli.lifecircle.engine.synthetic import grid_network
from linli.lifecircle.models import Access, Coverage, LifeCircleSettings, NetworkSource
from linli.lifecircle.services import network_save, recompute
from linli.lifecircle.tests.test_incremental import BOX, _access, _city, _coverage
from linli.registry.models import Building
from linli.testing.factories import BuildingFactory


def _from_scratch(district) -> tuple[dict, dict]:
    """What a recompute into empty tables gives (the rows are put back as they were afterwards)."""
    kept = (list(Access.objects.all()), list(Coverage.objects.all()))
    Access.objects.all().delete()
    Coverage.objects.all().delete()
    recompute(district)
    out = (_access(), _coverage())
    Access.objects.all().delete()
    Coverage.objects.all().delete()
    Access.objects.bulk_create(kept[0])
    Coverage.objects.bulk_create(kept[1])
    return out


def _damage(rng: random.Random, district, types: list[FacilityType]) -> None:
    rows = list(Access.objects.order_by("pk"))
    for a in rng.sample(rows, 25):
        a.distance_m = None if rng.random() < 0.3 else rng.uniform(0, 3000)
        a.minutes = rng.uniform(0, 40)
        a.within = rng.randint(0, 9)
        a.save()
    for a in rng.sample(rows, 15):
        if Access.objects.filter(pk=a.pk).exists():
            a.delete()
    other = FacilityType.objects.exclude(pk__in=[t.pk for t in types]).order_by("pk").first()
    assert other is not None
    other.active = False
    other.save()
    b = Building.objects.order_by("pk").first()
    assert b is not None
    Access.objects.get_or_create(
        building=b,
        type=other,
        defaults={"distance_m": 10, "minutes": 1, "threshold_min": 15, "method": "straight"},
    )
    lost = Building.objects.order_by("-pk").first()
    assert lost is not None
    lost.lat = None
    lost.save()
    for c in rng.sample(list(Coverage.objects.all()), 10):
        c.within = c.within + 3
        c.save()


@pytest.mark.parametrize("network", [True, False], ids=["network", "straight"])
def test_a_recompute_over_damaged_rows_equals_one_into_empty_tables(tree, network):
    rng = random.Random(5)
    types = _city(tree, rng)
    if network:
        net = grid_network([BOX], [150.0], seed=3)
        network_save(region=tree.district, net=net, name="测试合成路网", source=NetworkSource.SYNTHETIC)
    recompute(tree.district)
    _damage(rng, tree.district, types)
    recompute(tree.district)
    assert (_access(), _coverage()) == _from_scratch(tree.district)
    # every row of a building without a position is gone, and none of the inactive type is left
    assert not Access.objects.filter(building__lat__isnull=True).exists()
    assert not Access.objects.filter(type__active=False).exists()


def test_an_unchanged_recompute_writes_no_row_and_a_new_speed_rewrites_all(tree):
    rng = random.Random(8)
    _city(tree, rng)
    recompute(tree.district)
    before = _access()
    pks = set(Access.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        recompute(tree.district)
    # no Access row deleted and inserted again (its key would be new), no Coverage row written
    assert set(Access.objects.values_list("pk", flat=True)) == pks
    assert not [q for q in ctx.captured_queries if "lifecircle_coverage" in q["sql"] and "INSERT" in q["sql"]]
    assert _access() == before
    cfg = LifeCircleSettings.get()
    cfg.walking_speed = 1.3
    cfg.save()
    recompute(tree.district)
    after = _access()
    assert (after, _coverage()) == _from_scratch(tree.district)
    assert all(after[k][1] != before[k][1] for k in before if before[k][1])  # every walk's minutes changed


@pytest.mark.django_db
def test_rows_inserted_from_arrays_read_back_as_given():
    """``core.bulk.insert_arrays`` (a binary COPY built by NumPy on PostgreSQL) writes what the row
    tuples say: integers of every width, floats to the last bit, NULLs in any pattern, a text constant."""
    import numpy as np

    from linli.core.bulk import insert_arrays

    b = [BuildingFactory(lat=25.0, lon=118.6).pk for _ in range(4)]
    t = FacilityType.objects.order_by("pk").first()
    dist = np.array([0.1, 1234.5, -1.0, 1e-7])
    count = insert_arrays(
        Access,
        {
            "building_id": np.array(b),
            "type_id": t.pk,
            "distance_m": dist,
            "minutes": dist / 3,
            "within": np.array([0, 7, 65000, 2], dtype=np.int64),
            "threshold_min": np.array([5, 10, 15, 30]),
            "snap_m": np.array([0.0, 2.5, 7.25, 1 / 3]),
            "method": "network",
        },
        nulls={"distance_m": dist < 0, "minutes": np.array([False, True, True, False])},
    )
    assert count == 4
    got = list(
        Access.objects.order_by("building_id").values_list(
            "building_id", "type_id", "distance_m", "minutes", "within", "threshold_min", "snap_m", "method"
        )
    )
    assert got == [
        (b[0], t.pk, 0.1, 0.1 / 3, 0, 5, 0.0, "network"),
        (b[1], t.pk, 1234.5, None, 7, 10, 2.5, "network"),
        (b[2], t.pk, None, None, 65000, 15, 7.25, "network"),
        (b[3], t.pk, 1e-7, 1e-7 / 3, 2, 30, 1 / 3, "network"),
    ]
