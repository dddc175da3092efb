"""Reported values: entry checks, approval up the hierarchy, locking, corrections as versions, scope,
aggregation over time and hierarchy, import."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from linli.core.scope import OutOfScope
from linli.core.tabular import xlsx_bytes
from linli.indicators import selectors, services
from linli.indicators.models import DataElement, DataValue, ValueStatus

pytestmark = pytest.mark.django_db
Y = 2025


def el(code: str) -> DataElement:
    return DataElement.objects.get(code=code)


def submit(user, region, code="registered_volunteers", value=10, year=Y, period=0):
    return services.value_submit(
        element=el(code), region=region, year=year, period=period, value=Decimal(value), by=user
    )


def test_street_approves_community_value_and_it_locks(tree, users):
    v = submit(users["community_a"], tree.community_a, value=120)
    assert v.status == ValueStatus.SUBMITTED
    assert list(selectors.approval_queue(users["street"])) == [v]
    assert list(selectors.approval_queue(users["town"])) == []  # another street's account sees nothing
    with pytest.raises(OutOfScope):
        services.value_review(value=v, approve=True, by=users["district"])  # a district approves streets only
    with pytest.raises(OutOfScope):
        services.value_review(value=v, approve=True, by=users["town"])
    v = services.value_review(value=v, approve=True, by=users["street"])
    assert v.status == ValueStatus.APPROVED and v.locked and v.reviewed_by == users["street"]
    with pytest.raises(ValidationError, match="已审核锁定"):
        submit(users["community_a"], tree.community_a, value=130)
    with pytest.raises(ValidationError, match="不能再次审核"):
        services.value_review(value=v, approve=False, note="x", by=users["street"])


def test_district_approves_street_values(tree, users):
    e = el("resident_satisfaction")
    e.entry_level = 4  # entered by streets in this test
    e.save()
    v = services.value_submit(element=e, region=tree.street, year=Y, value=Decimal(90), by=users["street"])
    assert not services.can_review(users["street"], v)  # not one's own level
    v = services.value_review(value=v, approve=True, by=users["district"])
    assert v.status == ValueStatus.APPROVED


def test_entry_level_is_enforced(tree, users):
    with pytest.raises(ValidationError, match="由社区/村填报"):
        submit(users["street"], tree.street)
    with pytest.raises(ValidationError, match="由区县填报"):
        submit(users["community_a"], tree.community_a, code="social_work_talents")
    v = services.value_submit(
        element=el("social_work_talents"),
        region=tree.district,
        year=Y,
        value=Decimal(300),
        by=users["district"],
    )
    # the district's own value is reviewed by the level above it, not by itself
    assert not services.can_review(users["district"], v)


def test_correction_is_a_new_version_with_reason_history_kept(tree, users):
    v1 = submit(users["community_a"], tree.community_a, value=120)
    services.value_review(value=v1, approve=True, by=users["street"])
    with pytest.raises(ValidationError, match="更正必须说明原因"):
        services.value_correct(value=v1, new_value=Decimal(125), reason=" ", by=users["community_a"])
    v2 = services.value_correct(value=v1, new_value=Decimal(125), reason="漏报 5 人", by=users["community_a"])
    v1.refresh_from_db()
    assert (v1.current, v1.status, v1.value) == (False, ValueStatus.APPROVED, Decimal(120))  # untouched
    assert (v2.version, v2.replaces, v2.status, v2.reason) == (2, v1, ValueStatus.SUBMITTED, "漏报 5 人")
    assert [h.version for h in selectors.value_history(v2)] == [2, 1]
    with pytest.raises(ValidationError, match="只能更正当前版本"):
        services.value_correct(value=v1, new_value=Decimal(1), reason="x", by=users["community_a"])
    assert DataValue.objects.filter(current=True).count() == 1


def test_rejected_value_needs_a_reason_and_does_not_count(tree, users):
    v = submit(users["community_a"], tree.community_a, value=120, year=Y)
    with pytest.raises(ValidationError, match="退回时请写明原因"):
        services.value_review(value=v, approve=False, by=users["street"])
    services.value_review(value=v, approve=False, note="数字偏大", by=users["street"])
    table = selectors.element_table([el("registered_volunteers")], tree.district.code, [12], Y)
    assert table.get(tree.community_a.code, "registered_volunteers") is None


def test_out_of_scope_region_is_refused(tree, users):
    with pytest.raises(OutOfScope, match="不在本账号的数据范围内"):
        submit(users["community_a"], tree.community_b)
    with pytest.raises(OutOfScope):
        submit(users["community_c"], tree.community_a)


def test_negative_area_and_computed_elements_are_refused(tree, users):
    with pytest.raises(ValidationError, match="不能为负数"):
        submit(users["community_a"], tree.community_a, code="community_floor_area", value=-5)
    with pytest.raises(ValidationError, match="由系统计算，不能填报"):
        submit(users["community_a"], tree.community_a, code="households", value=5)
    with pytest.raises(ValidationError, match="不是数字"):
        services.parse_value("一百")
    with pytest.raises(ValidationError, match="按月填报"):
        submit(users["community_a"], tree.community_a, code="volunteer_service_hours", value=5, period=0)


def test_standing_count_is_never_summed_over_months_flow_is(tree, users):
    from linli.indicators.models import TimeAgg

    # registered volunteers: a standing count entered monthly in this test → the last month counts
    e = el("registered_volunteers")
    e.monthly, e.time_agg = True, TimeAgg.LAST
    e.save()
    for m, v in ((1, 100), (6, 110), (12, 130)):
        submit(users["community_a"], tree.community_a, value=v, period=m)
    for m, v in ((1, 40), (2, 60)):
        submit(users["community_a"], tree.community_a, code="volunteer_service_hours", value=v, period=m)
    for region, user, v in (
        (tree.community_a, users["community_a"], 90),
        (tree.community_c, users["community_c"], 80),
    ):
        submit(user, region, code="resident_satisfaction", value=v)
    els = [e, el("volunteer_service_hours"), el("resident_satisfaction")]
    table = selectors.element_table(els, tree.district.code, [6, 12], Y)
    assert table.get(tree.community_a.code, "registered_volunteers") == 130  # not 340
    assert table.get(tree.community_a.code, "volunteer_service_hours") == 100  # a flow: summed
    assert table.get(tree.district.code, "resident_satisfaction") == 85  # averaged over communities
    assert table.completeness[tree.district.code]["resident_satisfaction"] == (2, 4)


def test_values_import_all_or_nothing(tree, users):
    header = ["数据元编码", "区划代码", "年度", "月份", "数值", "更正原因"]
    good = [
        ["registered_volunteers", tree.community_a.code, Y, "", 120, ""],
        ["community_floor_area", tree.community_a.code, Y, "", 52000, ""],
    ]
    bad = good + [
        ["registered_volunteers", tree.community_b.code, Y, "", 9, ""],  # outside community A's scope
        ["no_such_element", tree.community_a.code, Y, "", 1, ""],
        ["community_floor_area", tree.community_a.code, Y + 1, "", -3, ""],
    ]
    n, report = services.values_import(
        raw=io.BytesIO(xlsx_bytes(header, bad)), filename="v.xlsx", by=users["community_a"]
    )
    assert n == 0 and report.total == 3
    messages = " ".join(e.message for e in report.errors)
    assert "不在本账号的数据范围内" in messages and "未知的数据元" in messages and "不能为负数" in messages
    assert DataValue.objects.count() == 0
    n, report = services.values_import(
        raw=io.BytesIO(xlsx_bytes(header, good)), filename="v.xlsx", by=users["community_a"]
    )
    assert n == 2 and not report
    # a second import of an existing value is a correction and needs its reason
    again = [["registered_volunteers", tree.community_a.code, Y, "", 121, ""]]
    n, report = services.values_import(
        raw=io.BytesIO(xlsx_bytes(header, again)), filename="v.xlsx", by=users["community_a"]
    )
    assert n == 0 and "更正必须说明原因" in report.errors[0].message


def test_formula_with_unknown_element_is_a_clear_error(db):
    with pytest.raises(ValidationError, match="分母公式：未知的数据元：househlds"):
        services.indicator_check(numerator="csc_building_area", denominator="househlds")
    with pytest.raises(ValidationError, match="分子公式：括号没有闭合"):
        services.indicator_check(numerator="(csc_building_area", denominator="households")
    services.indicator_check(numerator="csc_building_area", denominator="households")


def test_broken_indicator_formula_is_reported_not_raised(db):
    from linli.indicators.models import Indicator

    Indicator.objects.create(code="broken", name="坏公式", numerator="households +", denominator="")
    compiled, errors = selectors.compiled_indicators()
    assert "broken" in errors and "结尾缺少运算数" in errors["broken"]
    assert len(compiled) == Indicator.objects.count() - 1


def test_data_years_are_the_years_with_current_values_and_this_one(tree, users):
    from django.utils import timezone

    this = timezone.localdate().year
    assert selectors.data_years() == [this]
    for who, year in (("community_a", 2019), ("community_a", 2023), ("community_c", 2023)):
        submit(users[who], users[who].region, year=year)
    old = submit(users["community_c"], tree.community_c, year=2017)
    DataValue.objects.filter(pk=old.pk).update(current=False)  # only current versions count
    assert selectors.data_years() == sorted({2019, 2023, this})
