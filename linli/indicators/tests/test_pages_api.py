"""Pages and API: dashboard, value entry and approval through the page, report download, scope."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.indicators import services
from linli.indicators.models import DataValue, Plan, ValueStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def adopted(small):
    services.plan_adopt(plan=Plan.objects.get(seed="000"), region=small.tree.district, by=None)
    return small


def test_dashboard_shows_attainment_and_laggards(adopted, users, client_for, django_assert_max_num_queries):
    c = client_for(users["district"])
    with django_assert_max_num_queries(60):
        r = c.get(reverse("indicators:dashboard"), {"year": adopted.year})
    html = r.content.decode()
    assert r.status_code == 200
    assert "城乡社区综合服务设施覆盖率" in html and "未达标" in html and "罗溪镇" in html
    assert "注册志愿者人数”仅 3/4 个单位填报" in html


def test_dashboard_and_indicator_say_when_the_figures_were_computed(adopted, users, client_for):
    """Before the night the computed figures are live; once kept by the snapshot, both pages read it and
    say when it was computed, with the same figures."""
    c = client_for(users["district"])
    dashboard = reverse("indicators:dashboard")
    detail = reverse("indicators:indicator", args=["csc_coverage"])
    before = c.get(dashboard, {"year": adopted.year}).content.decode()
    assert "实时计算" in before and "计算于" not in before
    assert "实时计算" in c.get(detail, {"year": adopted.year}).content.decode()
    services.snapshot_take(year=adopted.year, root_code=adopted.tree.district.code)
    at = DataValue.objects.filter(source="snapshot").values_list("entered_at", flat=True).first()
    after = c.get(dashboard, {"year": adopted.year}).content.decode()
    assert f"计算于 {timezone.localtime(at):%Y-%m-%d %H:%M}" in after
    assert after.split('id="attainment"')[1] == before.split('id="attainment"')[1]
    page = c.get(detail, {"year": adopted.year}).content.decode()
    assert f"{timezone.localtime(at):%Y-%m-%d %H:%M}（模块计算的数据每晚更新" in page


def test_navigation_entry_for_planners(users, client_for, tree):
    html = client_for(users["district"]).get(reverse("home")).content.decode()
    assert reverse("indicators:dashboard") in html


def test_out_of_scope_region_is_404(adopted, users, client_for):
    c = client_for(users["community_a"])
    assert (
        c.get(reverse("indicators:dashboard"), {"region": adopted.tree.community_b.code}).status_code == 404
    )
    assert (
        c.get(reverse("indicators:dashboard"), {"region": adopted.tree.community_a.code}).status_code == 200
    )


def test_value_entry_and_approval_through_pages(tree, users, client_for):
    c = client_for(users["community_a"])
    r = c.post(
        reverse("indicators:values"),
        {
            "action": "submit",
            "element": "registered_volunteers",
            "region": tree.community_a.code,
            "year": 2026,
            "value": "150",
        },
        follow=True,
    )
    assert "等待上级审核" in r.content.decode()
    v = DataValue.objects.get()
    r = c.post(
        reverse("indicators:values"),
        {
            "action": "submit",
            "element": "community_floor_area",
            "region": tree.community_a.code,
            "year": 2026,
            "value": "-1",
        },
        follow=True,
    )
    assert "不能为负数" in r.content.decode()
    r = c.post(
        reverse("indicators:values"),
        {
            "action": "submit",
            "element": "registered_volunteers",
            "region": tree.community_b.code,
            "year": 2026,
            "value": "1",
        },
        follow=True,
    )
    assert "不在本账号的数据范围内" in r.content.decode()
    s = client_for(users["street"])
    page = s.get(reverse("indicators:values"), {"year": 2026}).content.decode()
    assert "待我审核（1）" in page
    s.post(reverse("indicators:values"), {"action": "approve", "value_id": v.pk, "year": 2026})
    v.refresh_from_db()
    assert v.status == ValueStatus.APPROVED
    r = c.post(
        reverse("indicators:values"),
        {"action": "correct", "value_id": v.pk, "value": "155", "reason": "补录", "year": 2026},
        follow=True,
    )
    assert "第 2 版" in r.content.decode()
    assert (
        c.get(reverse("indicators:value_history", args=[DataValue.objects.get(current=True).pk])).status_code
        == 200
    )


def test_report_download_from_the_page_and_api(adopted, users, client_for):
    c = client_for(users["district"])
    r = c.get(reverse("indicators:report"), {"year": adopted.year, "format": "pdf"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    r = c.get(reverse("indicators:report"), {"year": 2019, "format": "pdf"}, follow=True)
    assert "2019 年没有任何指标数据" in r.content.decode()
    r = c.get("/api/indicators/report", {"region": "350504", "year": adopted.year, "format": "xlsx"})
    assert r.status_code == 200 and r.content.startswith(b"PK")
    r = c.get("/api/indicators/report", {"region": "350504", "year": 2019, "format": "json"})
    assert r.status_code == 422 and "没有任何指标数据" in r.json()["detail"]


def test_api_attainment_values_and_review(adopted, users, client_for):
    c = client_for(users["district"])
    rows = c.get("/api/indicators/attainment", {"region": "350504", "year": adopted.year}).json()
    by = {r["indicator"]: r for r in rows}
    assert by["csc_coverage"]["value"] == 75.0 and by["csc_coverage"]["status"] == "未达标"
    assert by["csc_coverage"]["laggards"][0]["name"] == "罗溪镇"
    a = client_for(users["community_a"])
    r = a.post(
        "/api/indicators/values",
        {
            "element": "registered_volunteers",
            "region": adopted.tree.community_a.code,
            "year": 2024,
            "value": "12",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    vid = r.json()["id"]
    r = a.post(
        "/api/indicators/values",
        {
            "element": "registered_volunteers",
            "region": adopted.tree.community_b.code,
            "year": 2024,
            "value": "12",
        },
        content_type="application/json",
    )
    assert r.status_code == 403
    r = client_for(users["street"]).post(
        f"/api/indicators/values/{vid}/review", {"approve": True}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (
        client_for(users["community_c"]).get("/api/indicators/attainment", {"region": "350504"}).status_code
        == 404
    )
    from linli.indicators.tests.conftest import CATALOGUE_PLANS

    assert {p["code"] for p in c.get("/api/indicators/plans").json()} >= CATALOGUE_PLANS


def test_tasks_and_plans_pages(adopted, users, client_for):
    c = client_for(users["district"])
    html = c.get(reverse("indicators:tasks")).content.decode()
    assert "加强党建引领城乡社区服务体系建设" in html and "逾期" in html
    assert "乌海市" in c.get(reverse("indicators:plans")).content.decode()
    task_id = (
        adopted.tree.district
        and __import__("linli.indicators.models", fromlist=["PlanTask"]).PlanTask.objects.first().pk
    )
    assert c.get(reverse("indicators:task", args=[task_id])).status_code == 200
    ind = c.get(
        reverse("indicators:indicator", args=["csc_area_per_100_households"]), {"year": adopted.year}
    ).content.decode()
    assert "households" in ind and "万安街道" in ind
