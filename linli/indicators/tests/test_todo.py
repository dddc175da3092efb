"""指标 on the home page's 待办: values the account's region has to report, values sent back, values
of the level below to approve — each leading to 指标填报审核."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from linli.indicators import services, todo
from linli.indicators.models import DataElement

pytestmark = pytest.mark.django_db


def _by_title(items):
    return {i.title: i for i in items}


def test_values_to_report_to_correct_and_to_approve(tree, users):
    year = timezone.localdate().year
    community = users["community_a"]
    volunteers = DataElement.objects.get(code="registered_volunteers")
    due = [i for i in todo.report_items(community) if i.state == "待填报"]
    assert len(due) == 1  # the yearly values not reported yet make one item
    item = due[0]
    expected = DataElement.objects.filter(kind="reported", entry_level=5, monthly=False)
    expected = expected.exclude(applies_to="rural" if tree.community_a.urban_rural == "urban" else "urban")
    assert item.count == expected.count() > 1 and item.title == f"{item.count} 项指标 {year} 年未填报"
    assert item.url == f"/indicators/values/?year={year}" and volunteers.name in item.detail
    assert "常住人口（统计部门公布）" not in item.detail  # reported by the district, not here

    v = services.value_submit(
        element=volunteers, region=tree.community_a, year=year, value=Decimal(120), by=community
    )
    after = [i for i in todo.report_items(community) if i.state == "待填报"]
    assert volunteers.name not in " ".join(i.title + i.detail for i in after)
    approve = todo.approval_items(users["street"])
    assert [(i.count, i.url, i.state) for i in approve] == [(1, f"/indicators/values/?year={year}", "待审核")]
    assert todo.approval_items(users["town"]) == [] and todo.approval_items(users["district"]) == []

    services.value_review(value=v, approve=False, note="与花名册不符", by=users["street"])
    sent_back = _by_title(todo.report_items(community))[f"{volunteers.name}：已退回，待更正"]
    assert sent_back.state == "已退回" and sent_back.url.endswith("element=registered_volunteers")
    assert todo.approval_items(users["street"]) == []
