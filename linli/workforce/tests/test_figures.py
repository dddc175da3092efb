"""Workforce figures: counted by hand on a small fixture, equal to the computed data elements; the
indicators over them reach the annual report once the district adopts the plan carrying them."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from linli.indicators import report
from linli.indicators.models import Plan, PlanAdoption
from linli.indicators.providers import sync_elements
from linli.registry.models import CertificateLevel, Household, Person, PersonStatus, ResidenceType, Training
from linli.testing.factories import HouseholdFactory, StaffFactory
from linli.workforce import indicators as elements
from linli.workforce import selectors
from linli.workforce.models import Candidate, IncomeBaseline, StaffGrade, TeamMember, TeamPost

from .conftest import Front

pytestmark = pytest.mark.django_db


def test_figures_by_hand_equal_the_data_elements_and_the_report_carries_them(
    front: Front, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = front.world.tree
    today = timezone.localdate()
    for i in range(5):
        HouseholdFactory.create(region=tree.grid_a1, building=front.building, room=f"20{i}")
    director = StaffFactory.create(
        post="居委会主任",
        region=tree.community_a,
        certificate_level=CertificateLevel.SOCIAL_WORKER,
        certificate_no="S1",
    )
    member = StaffFactory.create(post="居委会委员", region=tree.community_a)
    StaffFactory.create(post="专职社区工作者", region=tree.community_b)
    Training.objects.create(
        staff=director,
        title="主任轮训",
        start_date=today - dt.timedelta(days=500),
        end_date=today - dt.timedelta(days=499),
        hours=8,
    )
    Training.objects.create(
        staff=member,
        title="成员轮训",
        start_date=today - dt.timedelta(days=300),
        end_date=today - dt.timedelta(days=299),
        hours=8,
    )
    TeamMember.objects.create(grid=tree.grid_a1, post=TeamPost.WORKER, name="网格员甲")
    TeamMember.objects.create(
        grid=tree.grid_a1, post=TeamPost.WORKER, name="网格员乙"
    )  # one grid, counted once
    IncomeBaseline.objects.create(region=tree.district, year=today.year - 1, income=Decimal(60000))
    StaffGrade.objects.create(staff=director, post="principal", grade=12, annual_pay=Decimal(80000))
    StaffGrade.objects.create(staff=member, post="member", grade=2, annual_pay=Decimal(50000))
    Candidate.objects.create(region=tree.community_a, name="后备甲", birth_year=1995)
    Candidate.objects.create(  # placed: no longer in the pool, not counted
        region=tree.community_a,
        name="后备乙",
        birth_year=1990,
        status="placed",
        left_on=today,
        outcome="网格长",
    )

    # by hand, community A
    a = tree.community_a.code
    households = Household.objects.filter(region__code__startswith=a).count()
    residents = (
        Person.objects.filter(region__code__startswith=a, status=PersonStatus.ACTIVE)
        .exclude(residence_type=ResidenceType.SEPARATED)
        .count()
    )
    workers = 2  # director and member (the grid worker's record is a grid worker)
    assert households == 6  # the world's own household and five here

    got = elements.compute(12, tree.district.code)[a]
    assert (
        got["grids_total"] == 2
        and got["grids_with_grid_worker"] == 1
        and got["grids_without_grid_worker"] == 1
    )
    assert got["workers_training_overdue"] == 1  # the director: a year's rule, trained 500 days ago
    assert got["workers_graded"] == 2 and got["workers_paid_below_income"] == 1
    assert got["talent_candidates"] == 1

    whole = selectors.community_figures(tree.district)
    figs = {f.region.code: f for f in whole}[a]
    # a page of one community reads the same figures as the whole district
    for c in selectors.communities_of(tree.district):
        assert selectors.figures_of([c]) == [f for f in whole if f.region.pk == c.pk]
    # and a city's many regions, read by their codes' range instead of their ids, the same again
    monkeypatch.setattr(selectors, "BY_ID_UP_TO", 0)
    assert selectors.community_figures(tree.district) == whole
    # the home page's summary, read by code, is what the figures add up to
    assert selectors.shortfalls_of(tree.district) == selectors.Shortfalls(
        sum(1 for f in whole if f.short_300),
        sum(f.short_300 for f in whole),
        sum(f.grids_without_worker for f in whole),
    )
    assert selectors.shortfalls_of(tree.district).grids_without_worker >= 1
    assert (figs.households, figs.residents, figs.workers, figs.certified) == (
        households,
        residents,
        workers,
        1,
    )
    assert figs.per_300_households == pytest.approx(workers * 300 / households)
    assert figs.grids_without_worker == 1

    sync_elements()
    if not Plan.objects.filter(
        code="workforce-standards"
    ).exists():  # a transactional test flushed the migration's rows
        importlib.import_module("linli.workforce.migrations.0002_indicators").load(apps, None)
    plan = Plan.objects.get(code="workforce-standards")
    PlanAdoption.objects.create(plan=plan, region=tree.community_a)
    data = report.build(tree.community_a, today.year)
    rows = {r["code"]: r for r in data["indicators"]}
    assert rows["workers_per_300_households"]["value"] == pytest.approx(round(workers * 300 / households, 2))
    assert rows["workers_per_10k_residents"]["value"] == pytest.approx(round(workers * 10000 / residents, 2))
    assert rows["grid_worker_coverage"]["value"] == pytest.approx(50.0)
    assert rows["pay_below_income_share"]["value"] == pytest.approx(50.0)


def test_the_district_home_page_lists_its_staffing_shortfalls(
    front: Front, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The district's 待办 carries the communities short of workers (each one worker short here) and
    the grids without a grid worker, summed by community code as the figures page counts them."""
    from linli.workforce import todo

    monkeypatch.setattr(selectors, "short_of", lambda households, workers: 1)
    district = front.world.accounts.district_admin
    whole = selectors.community_figures(front.world.tree.district)
    titles = [i.title for i in todo.shortfalls(district)]
    assert f"{len(whole)} 个社区工作者配备不足（每300户1人）" in titles
    grids = sum(f.grids_without_worker for f in whole)
    assert grids and f"{grids} 个网格没有网格员" in titles
    assert todo.shortfalls(front.world.accounts.community_worker) == []  # the district's to-do only
