"""The facilities demo step on a small 洛江 demo."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from linli.facilities import demo
from linli.facilities.models import ChecklistAttestation, Facility, FacilityStatus, FacilityType
from linli.facilities.selectors import checklist_for, communities_under, facility_area_totals
from linli.regions.models import Level, Region
from linli.registry.demo import demo_load

TODAY = dt.date(2026, 3, 1)


@pytest.fixture
def small_demo(db: None) -> None:
    demo_load(scale=0.01, today=TODAY)


def test_demo_step(small_demo: None, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    assert not demo.loaded()
    # deterministic: the same seed gives the same facilities (first run rolled back)
    with transaction.atomic():
        demo.run(seed=2026, today=TODAY)
        first_run = list(
            Facility.objects.order_by("code").values_list("code", "name", "building_area", "lat")
        )
        transaction.set_rollback(True)
    counts = demo.run(seed=2026, today=TODAY)
    assert (
        list(Facility.objects.order_by("code").values_list("code", "name", "building_area", "lat"))
        == first_run
    )
    assert demo.loaded()
    total = Facility.objects.count()
    assert counts["服务设施"] == total > 87 * 10
    # every type of the catalogue is there, all marked synthetic, all inside China and near 洛江
    assert set(Facility.objects.values_list("type__code", flat=True)) == set(
        FacilityType.objects.values_list("code", flat=True)
    )
    assert not Facility.objects.exclude(source="demo").exists()
    assert not Facility.objects.filter(lat__isnull=True).exists()
    assert (
        not Facility.objects.filter(lat__lt=24.8).exists()
        and not Facility.objects.filter(lat__gt=25.4).exists()
    )
    # siting candidates, short days and planned facilities exist
    assert (
        Facility.objects.filter(status=FacilityStatus.VACANT).count() == counts["闲置用房（选址候选）"] >= 1
    )
    assert Facility.objects.filter(short_days__gt=0).exists()
    assert Facility.objects.filter(status__in=["planned", "building"]).exists()
    # operators come from the registry
    assert Facility.objects.filter(operator__isnull=False).count() > 50
    assert ChecklistAttestation.objects.exists()

    # some communities are short of the standard on purpose
    district = Region.objects.get(code="350504", valid_to__isnull=True)
    communities = communities_under(district)
    assert len(communities) == 87
    with django_assert_max_num_queries(6):
        results = checklist_for(communities)
    first = {r.code: next(i for i in r.items if i.number == 1) for r in results}
    assert any("低于 800㎡" in i.reason for i in first.values())
    assert any(i.verdict == "met" for i in first.values())
    health = [next(i for i in r.items if i.number == 5) for r in results]
    assert any(i.reason.startswith("仅有村卫生室") for i in health)
    nursery = [next(i for i in r.items if i.number == 3) for r in results]
    assert any("最近的在" in i.reason for i in nursery)
    scores = [r.met for r in results]
    assert min(scores) < max(scores) < 20

    totals = facility_area_totals(Level.STREET, within="350504")
    assert len(totals) == 6 and all(t["comprehensive"].building for t in totals.values())


def test_demo_step_without_district(db: None) -> None:
    assert demo.run(seed=1, today=TODAY) == {}
