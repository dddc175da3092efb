"""Every seed-000 indicator computed by hand on the small fixture, compared with the module."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linli.core.data_elements import source_of
from linli.indicators import selectors
from linli.indicators.engine import rules
from linli.indicators.models import DataElement, Indicator
from linli.regions.models import Region

pytestmark = pytest.mark.django_db


def values_at(code: str, year: int, codes: list[str] | None = None):
    compiled, errors = selectors.compiled_indicators(
        Indicator.objects.filter(code__in=codes) if codes else None
    )
    assert errors == {}
    out, table = selectors.evaluate(compiled, code[:6], [len(code)], year)
    return out[code], table


def q(v: Decimal | None, places: str = "0.01") -> Decimal | None:
    return None if v is None else v.quantize(Decimal(places))


# indicator → value by hand at the district (see conftest: the numbers are chosen there)
BY_HAND = {
    "csc_coverage": Decimal(3) / 4 * 100,  # A, B, C have an open 综合服务设施; D's is only planned
    "activity_share": Decimal(200 + 80 + 130) / (300 + 150 + 200) * 100,
    "csc_area_per_100_households": Decimal(300 + 150 + 200) / 15 * 100,
    "commercial_share": Decimal(120 + 650) / (5000 + 4000 + 3000 + 2000) * 100,
    "selfservice_coverage": Decimal(1) / 2 * 100,
    "workers_per_10k_urban": Decimal(2 + 1) / (9 + 12) * 10000,  # inactive and grid workers excluded
    "volunteer_share": Decimal(2 + 3 + 1) / 30 * 100,  # 常住 excludes the 人户分离 person
    "volunteer_station_coverage": Decimal(1) / 3 * 100,
    "elderly_config_rate": Decimal(3) / 4 * 100,
    "medical_standard_rate": Decimal(7) / 10 * 100,
    "urban_police_room_coverage": Decimal(1) / 2 * 100,  # the police room sits in grid A1
    "fire_station_coverage": Decimal(2) / 4 * 100,
    "urban_parent_school_rate": Decimal(1) / 2 * 100,
    "rural_parent_school_rate": Decimal(1) / 2 * 100,
    "women_home_rate": Decimal(1) / 4 * 100,
    # not in seed 000 but in the other seeds' tables
    "certified_per_urban_community": Decimal(1 + 2) / 2,  # A: 1; B: worker + grid worker
    "street_social_work_coverage": Decimal(1) / 2 * 100,
    "elderly_facility_coverage": Decimal(1) / 4 * 100,
    "urban_csc_coverage": Decimal(100),
    "rural_csc_coverage": Decimal(50),
}


def test_every_seed_000_indicator_by_hand(small):
    from linli.indicators.models import Plan
    from linli.indicators.tests.conftest import CATALOGUE_INDICATORS

    seed000 = set(Plan.objects.get(seed="000").targets.values_list("indicator__code", flat=True))
    seed000 &= CATALOGUE_INDICATORS  # the modules' own (议事厅覆盖率 …) are tested in their modules
    assert seed000 <= set(BY_HAND), seed000 - set(BY_HAND)
    got, _ = values_at("350504", small.year)
    for code, expected in BY_HAND.items():
        assert got[code].value is not None, (code, got[code].gap_reason, got[code].missing)
        assert q(got[code].value) == q(expected), code


def test_street_level_and_aggregate_first(small):
    got, _ = values_at("350504001", small.year)
    # 万安街道: A + B only; the ratio of sums, not the mean of the communities' ratios
    assert q(got["csc_area_per_100_households"].value) == q(Decimal(450) / 10 * 100)
    assert q(got["activity_share"].value) == q(Decimal(280) / 450 * 100)


def test_missing_is_missing_never_zero(small):
    # community D: no households → per-100-households has a zero denominator: a marked gap
    got, _ = values_at(small.tree.community_d.code, small.year)
    v = got["csc_area_per_100_households"]
    assert v.value is None and v.gap_reason == "分母为零"
    # D reported no volunteers: missing, named
    v = got["volunteer_share"]
    assert v.value is None and v.missing == ["registered_volunteers"]
    # a year with nothing at all: every value missing, none zero
    got, _ = values_at("350504", small.year - 5)
    assert all(v.value is None for v in got.values())
    assert got["csc_coverage"].gap_reason == "缺少数据"


def test_completeness_of_reported_elements(small):
    _, table = values_at("350504", small.year, ["volunteer_share"])
    assert table.completeness["350504"]["registered_volunteers"] == (3, 4)


def test_attainment_status_gap_laggards(small):
    from linli.indicators import services
    from linli.indicators.models import Plan

    services.plan_adopt(plan=Plan.objects.get(seed="000"), region=small.tree.district, by=None)
    rows = {a.indicator.code: a for a in selectors.attainment(small.tree.district, small.year)}
    a = rows["csc_coverage"]
    assert a.status == rules.NOT_MET and q(a.gap) == Decimal("25.00")
    assert [r.code for r, _, _ in a.laggards] == [small.tree.town.code]  # 罗溪镇 50 % pulls it down
    assert rows["volunteer_share"].status == rules.MET  # 20 % ≥ 18 %
    assert rows["volunteer_share"].completeness == [("注册志愿者人数", 3, 4)]
    assert rows["csc_area_per_100_households"].status == rules.MET
    assert [y for y, _ in a.trend][-1] == small.year


def test_region_own_target_overrides_plan(small, users):
    from linli.indicators import services
    from linli.indicators.models import Plan

    services.plan_adopt(plan=Plan.objects.get(seed="000"), region=small.tree.district, by=None)
    services.target_set(
        region=small.tree.street,
        indicator=Indicator.objects.get(code="volunteer_share"),
        target_value=Decimal(30),
        comparison="ge",
        by=users["district"],
    )
    street = {
        a.indicator.code: a for a in selectors.attainment(small.tree.street, small.year, with_trend=False)
    }
    assert street["volunteer_share"].target.target_value == 30
    assert street["csc_coverage"].target.plan.seed == "000"  # inherited from the district's plan


def test_snapshot_keeps_a_year_for_the_trend(small):
    from linli.indicators import services

    n = services.snapshot_take(year=small.year - 1, root_code="350504")
    assert n > 0
    got, _ = values_at("350504", small.year - 1, ["csc_coverage", "csc_area_per_100_households"])
    assert q(got["csc_coverage"].value) == Decimal("75.00")
    assert q(got["csc_area_per_100_households"].value) == q(Decimal(65000) / 15)


def test_this_years_snapshot_reads_as_the_live_evaluation(small):
    """Once the night has kept this year's computed values, every level reads them (summed in the
    database) and gets what the live GROUP BYs gave, with the time they were computed."""
    from linli.indicators import services

    compiled, _ = selectors.compiled_indicators()
    lengths = [6, 9, 12, 15]
    live, live_table = selectors.evaluate(compiled, "350504", lengths, small.year)
    assert live_table.computed_at is None
    assert services.snapshot_take(year=small.year, root_code="350504") > 0
    for asked in ([6, 9, 12], [9], [15]):  # the snapshot keeps communities and above; grids stay live
        kept, table = selectors.evaluate(compiled, "350504", asked, small.year)
        assert (table.computed_at is not None) == (asked != [15])
        assert {p for p in live if len(p) in asked} == set(kept)
        for prefix, row in kept.items():
            for code, got in row.items():
                v = live[prefix][code]
                assert (q(got.value, "0.0001"), got.gap_reason) == (q(v.value, "0.0001"), v.gap_reason), (
                    prefix,
                    code,
                )
    assert selectors.snapshot_time("350504", small.year) is not None
    assert selectors.snapshot_time("350504", small.year - 3) is None
    # the elements are read from the snapshot (one probe each), not computed again
    elements = list(DataElement.objects.filter(kind="computed"))
    assert selectors.snapshot_elements(elements, small.year) == {
        e.code for e in elements if source_of(e.code) is not None
    }
    assert selectors.snapshot_elements(elements, small.year - 3) == set()


def test_evaluation_queries_do_not_grow_with_regions(small, django_assert_max_num_queries):
    from linli.core.data_elements import SOURCES

    compiled, _ = selectors.compiled_indicators()
    # one GROUP BY per computed source and a fixed few (21 with the kernel's nine sources), none per region
    with django_assert_max_num_queries(len(SOURCES) + 21):
        out, _ = selectors.evaluate(compiled, "350504", [6, 9, 12, 15], small.year)
    assert len([p for p in out if len(p) == 15]) == 8


def test_all_levels_at_once_equal_each_region_alone(small):
    """The bulk evaluation (finest GROUP BY rolled up) gives what each region evaluated alone gives;
    a street's own facility (the 社工站) must not leak into the community level."""
    compiled, _ = selectors.compiled_indicators()
    bulk, _ = selectors.evaluate(compiled, "350504", [6, 9, 12, 15], small.year)
    for code in [
        "350504",
        "350504001",
        "350504100",
        small.tree.community_a.code,
        small.tree.grids[small.tree.community_a.code][0].code,
    ]:
        alone, _ = selectors.evaluate(compiled, code, [len(code)], small.year)
        for k, v in alone[code].items():
            assert (v.value, v.gap_reason) == (bulk[code][k].value, bulk[code][k].gap_reason), (code, k)


def test_whole_database_root_and_subtree_root_agree(small):
    """With the root holding every region the region join is skipped; a street root keeps it."""
    from linli.core.data_elements import source_of
    from linli.regions.indicators import holds_everything
    from linli.testing.factories import HouseholdFactory

    HouseholdFactory(region=small.tree.city)  # a row above the root: never counted below it
    assert holds_everything("350504")  # only its ancestors lie outside
    assert not holds_everything("350504001")  # 罗溪镇 lies outside
    households = source_of("households")
    assert households is not None
    whole = households.compute(12, "350504")
    part = households.compute(12, "350504001")
    assert whole["350504001001"] == part["350504001001"] == {"households": 4}
    assert whole["350504100201"] == {"households": 5} and "350504100201" not in part
    assert not any(len(k) < 6 for k in whole)  # the city's own household is not counted


def test_the_night_keeps_this_years_snapshot_of_every_top_region(small):
    """The scheduled job takes this year's snapshot under each region without a parent; the pages then
    read it (with its time) instead of computing live."""
    from linli.core import schedule
    from linli.indicators.services import snapshot_nightly_task

    assert schedule.get("indicators_snapshot").at is not None
    taken = snapshot_nightly_task.call()
    tops = set(Region.objects.current().filter(parent__isnull=True).values_list("code", flat=True))
    assert set(taken) == tops and "350504".startswith(tuple(tops))
    assert all(n > 0 for n in taken.values()), taken
    assert selectors.snapshot_time("350504", small.year) is not None
