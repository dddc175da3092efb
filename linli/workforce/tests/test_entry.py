"""The entry forms of the workforce figures — grades in 三岗十八级, the income baseline per year, the
后备人才库 — through the same services from the pages and the API."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from linli.core.models import AuditLog, User
from linli.registry.models import Staff, StaffKind
from linli.testing.factories import StaffFactory
from linli.workforce import selectors
from linli.workforce.models import Candidate, CandidateStatus, IncomeBaseline, StaffGrade

from .conftest import Front

pytestmark = pytest.mark.django_db


def _table(page: str) -> str:
    return page.split('id="candidates"')[1].split("</table>")[0]


def _worker(front: Front) -> Staff:
    return StaffFactory.create(
        kind=StaffKind.COMMUNITY_WORKER, post="居委会委员", region=front.world.tree.community_a, grids=[]
    )


def test_grades_on_the_page_refuse_outside_eighteen_levels_in_chinese(
    front: Front, client_for: Callable[[User], Client]
) -> None:
    staff = _worker(front)
    street = client_for(front.world.accounts.street_coordinator)
    page = street.get("/workforce/figures/grades/")
    assert (
        page.status_code == 200 and staff.name in page.content.decode() and "未定级" in page.content.decode()
    )
    url = f"/workforce/figures/grades/{staff.pk}/"
    for bad in ("19", "0"):
        r = street.post(url, {"post": "member", "grade": bad, "annual_pay": "60000"})
        assert r.status_code == 400 and "等级应为 1–18 级（三岗十八级）" in r.content.decode()
    assert not StaffGrade.objects.exists()  # nothing half-written
    r = street.post(url, {"post": "deputy", "grade": "9", "annual_pay": "61000"})
    assert r.status_code == 302
    g = StaffGrade.objects.get(staff=staff)
    assert (g.post, g.grade, g.annual_pay) == ("deputy", 9, Decimal(61000))
    assert AuditLog.objects.filter(field="grade", actor=front.world.accounts.street_coordinator).exists()
    # a community worker cannot set grades; a street outside the staff's reads it as absent
    assert client_for(front.world.accounts.community_worker).get(url).status_code == 403


def test_income_baseline_is_entered_by_the_district_and_read_against_pay(
    front: Front, client_for: Callable[[User], Client], token_client_for: Callable[[User], Client]
) -> None:
    acc = front.world.accounts
    last = timezone.localdate().year - 1
    r = client_for(acc.street_coordinator).post(
        "/workforce/figures/income/", {"year": last, "income": "58000"}
    )
    assert r.status_code == 403
    district = client_for(acc.district_admin)
    r = district.post("/workforce/figures/income/", {"year": last + 1, "income": "58000"})
    assert r.status_code == 400 and "年度应为" in r.content.decode()
    r = district.post("/workforce/figures/income/", {"year": last, "income": "-1"})
    assert r.status_code == 400 and "收入应大于 0" in r.content.decode()
    assert not IncomeBaseline.objects.exists()
    assert district.post("/workforce/figures/income/", {"year": last, "income": "58600"}).status_code == 302
    assert selectors.income_for(front.world.tree.community_a, last) == Decimal(58600)
    api = token_client_for(acc.district_admin)
    r = api.put("/api/workforce/income", {"year": last, "income": "59000"}, content_type="application/json")
    assert r.status_code == 200 and IncomeBaseline.objects.get(year=last).income == Decimal(59000)
    staff = _worker(front)
    r = api.put(
        f"/api/workforce/staff/{staff.pk}/grade",
        {"post": "member", "grade": 19, "annual_pay": 50000},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["code"] == "grade.invalid" and "1–18" in r.json()["detail"]
    r = api.put(
        f"/api/workforce/staff/{staff.pk}/grade",
        {"post": "member", "grade": 3, "annual_pay": 50000},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["grade"] == 3
    graded, below, income = selectors.grades_below_income(front.world.tree.district, last + 1)
    assert (graded, below, income) == (1, 1, Decimal(59000))
    page = client_for(acc.district_admin).get("/workforce/figures/grades/").content.decode()
    assert "低于标准" in page


def test_candidates_are_added_placed_and_withdrawn(
    front: Front, client_for: Callable[[User], Client], token_client_for: Callable[[User], Client]
) -> None:
    acc = front.world.accounts
    community = front.world.tree.community_a
    cw = client_for(acc.community_worker)
    year = timezone.localdate().year
    r = cw.post("/workforce/candidates/", {"region": community.code, "name": "陈晓", "birth_year": year - 10})
    assert r.status_code == 400 and "出生年份应在" in r.content.decode()
    r = cw.post(
        "/workforce/candidates/",
        {
            "region": community.code,
            "name": " 陈  晓 ",
            "birth_year": 1994,
            "education": "本科",
            "intended_post": "居委会主任",
        },
    )
    assert r.status_code == 302
    c = Candidate.objects.get()
    assert (c.name, c.status, c.region_id) == ("陈 晓", CandidateStatus.POOL, community.pk)
    assert "陈 晓" in cw.get("/workforce/candidates/").content.decode()
    # another community's worker reads him as absent
    other = client_for(acc.community_worker_b)
    assert other.get(f"/workforce/candidates/{c.pk}/leave/").status_code == 404
    r = cw.post(f"/workforce/candidates/{c.pk}/leave/", {"status": "placed", "outcome": ""})
    assert r.status_code == 400 and "请填写任用的岗位" in r.content.decode()
    r = cw.post(f"/workforce/candidates/{c.pk}/leave/", {"status": "placed", "outcome": "居委会副主任"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.left_on, c.outcome) == (CandidateStatus.PLACED, timezone.localdate(), "居委会副主任")
    assert "陈 晓" not in _table(cw.get("/workforce/candidates/").content.decode())  # left the pool
    assert "陈 晓" in _table(cw.get("/workforce/candidates/?status=placed").content.decode())
    # the API: add, list, withdraw, and a second change is a conflict
    api = token_client_for(acc.community_worker)
    r = api.post(
        "/api/workforce/candidates",
        {"region": community.code, "name": "林一", "birth_year": 1990},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["status"] == "pool"
    pk = r.json()["id"]
    assert [x["name"] for x in api.get("/api/workforce/candidates").json()] == ["林一"]
    r = api.post(
        f"/api/workforce/candidates/{pk}/leave",
        {"status": "withdrawn", "outcome": "考入公务员"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = api.post(
        f"/api/workforce/candidates/{pk}/leave",
        {"status": "placed", "outcome": "网格长"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["code"] == "candidate.not_in_pool"
    assert selectors.candidate_counts(front.world.tree.district) == {"placed": 1, "withdrawn": 1}
