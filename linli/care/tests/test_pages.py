"""The pages: the worker's list and visit form, the community's rate, files (audited), alerts, rules."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client
from django.utils import timezone

from linli.care import selectors, services
from linli.care.models import Alert, AlertStatus, CareFile, CareMembership, CareRule, Visit, VisitStatus
from linli.care.tests.conftest import Care
from linli.core.models import AuditLog, User
from linli.testing.factories import HouseholdFactory, PersonFactory, PersonTagFactory


def login(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_worker_records_a_visit_from_his_list(care: Care) -> None:
    today = timezone.localdate()
    services.care_evaluate(day=today)
    services.visits_generate(day=today)
    worker = care.world.accounts.grid_worker
    c = login(worker)
    page = c.get("/care/").content.decode()
    assert "王**" in page and "王阿婆" not in page  # masked in the list
    visit = Visit.objects.get(file__person=care.granny, rule__code="special_elderly")
    form = c.get(f"/care/visits/{visit.pk}/").content.decode()
    assert "王阿婆" in form and "独居（同户无其他在册成员）" in form
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    refused = c.post(f"/care/visits/{visit.pk}/", {"visited_at": future, "check_0": "正常"}, follow=True)
    assert "到访时间不能晚于现在" in refused.content.decode()
    done = c.post(f"/care/visits/{visit.pk}/", {"check_0": "正常", "check_1": "需关注", "note": "血压偏高"})
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.answers == {"人身安全": "正常", "健康状况": "需关注"}
    other = care.world.accounts.community_worker_b
    assert login(other).get(f"/care/visits/{visit.pk}/").status_code == 404  # out of scope reads like absent
    # a visit planned before the grid had an account is the grid worker's once he has one
    Visit.objects.filter(pk=visit.pk).update(status=VisitStatus.DUE, assigned_to=None, visited_at=None)
    assert "王**" in c.get("/care/").content.decode()
    assert not selectors.my_visits(care.child_director, today).filter(pk=visit.pk).exists()


def test_community_sees_rates_and_overdue_and_file_views_are_audited(care: Care) -> None:
    today = timezone.localdate()
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    services.care_evaluate(day=last)
    services.visits_generate(day=last)
    services.visits_mark_overdue(today=today)
    services.visits_generate(day=today)
    # last month's missed visit cannot be recorded late: its page points to this month's
    missed = Visit.objects.get(file__person=care.granny, rule__code="special_elderly", period_start=last)
    now = Visit.objects.get(
        file__person=care.granny, rule__code="special_elderly", period_start=today.replace(day=1)
    )
    page = login(care.world.accounts.grid_worker).get(f"/care/visits/{missed.pk}/").content.decode()
    assert "不能补记" in page and f"/care/visits/{now.pk}/" in page and 'id="visit-form"' not in page
    c = login(care.world.accounts.community_worker)
    page = c.get(f"/care/overview/?month={last:%Y-%m}").content.decode()
    assert "特殊困难老年人" in page and "逾期未访" in page and "0.0%" in page
    f = CareFile.objects.get(person=care.granny)
    before = AuditLog.objects.count()
    assert "王阿婆的关爱档案" in c.get(f"/care/files/{f.pk}/").content.decode()
    assert AuditLog.objects.count() == before + 1
    listing = c.get("/care/files/").content.decode()
    assert "王**" in listing and "王阿婆" not in listing


def test_alert_becomes_an_application_from_its_page(care: Care) -> None:
    services.care_evaluate(day=timezone.localdate())
    alert = Alert.objects.get(file__person=care.granny, rule__code="elderly_80")
    c = login(care.world.accounts.community_worker)
    assert c.post(f"/care/alerts/{alert.pk}/", {"decision": "confirm"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED and alert.application_id
    assert "办件编号" in c.get(f"/care/alerts/{alert.pk}/").content.decode()


def test_rule_edit_refuses_an_unknown_tag_by_name(care: Care) -> None:
    rule = CareRule.objects.get(code="left_behind_child")
    c = login(care.world.accounts.district_admin)
    page = c.post(
        f"/care/rules/{rule.pk}/",
        {
            "name": rule.name,
            "condition": '{"tag": "orphan_x"}',
            "frequency": "monthly",
            "visitor": "child_director",
        },
        follow=True,
    ).content.decode()
    assert "未知的标签“orphan_x”" in page
    assert login(care.world.accounts.community_worker).get("/care/rules/").status_code == 200


def test_api_visit_record_and_errors(care: Care) -> None:
    today = timezone.localdate()
    services.care_evaluate(day=today)
    services.visits_generate(day=today)
    c = login(care.world.accounts.grid_worker)
    mine = c.get("/api/care/visits").json()
    assert [v["person_masked"] for v in mine] == ["王**"]
    vid = mine[0]["id"]
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    r = c.post(f"/api/care/visits/{vid}", {"visited_at": future}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "care.visit_in_future"
    ok = c.post(f"/api/care/visits/{vid}", {"answers": {"人身安全": "正常"}}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "done"
    again = c.post(f"/api/care/visits/{vid}", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "care.visit_already_done"
    other = login(care.world.accounts.community_worker_b)
    assert other.post(f"/api/care/visits/{vid}", {}, content_type="application/json").status_code == 404
    admin = login(care.world.accounts.district_admin)
    rule = CareRule.objects.get(code="severe_disabled")
    bad = admin.put(
        f"/api/care/rules/{rule.pk}",
        {
            "name": "重度残疾人",
            "condition": {"field": "income", "op": "<", "value": 1},
            "frequency": "quarterly",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "care.rule_unknown_field"
    assert "income" in bad.json()["detail"]


def test_rules_count_the_groups_in_the_accounts_scope_only(care: Care) -> None:
    """关爱人群规则's 在册人数 are the open memberships in the account's scope — the kept count per
    community, counted live for a grid — the same on the page and in the API; another community's
    worker reads nothing of community A's groups."""
    tree = care.world.tree
    there = HouseholdFactory.create(region=tree.grids[tree.community_b.code][0])
    boy = PersonFactory.create(name="张小虎", sex="M", birth_date=dt.date(2017, 5, 1), household=there)
    PersonTagFactory.create(person=boy, kind="left_behind_child", valid_from=dt.date(2025, 1, 1))
    services.care_evaluate(day=timezone.localdate())
    accounts = care.world.accounts
    rules = list(CareRule.objects.order_by("sort"))
    assert CareMembership.objects.filter(until__isnull=True).exists()

    def live(code: str) -> dict[str, int]:
        return {
            rule.name: CareMembership.objects.filter(
                rule=rule, until__isnull=True, file__region__code__startswith=code
            ).count()
            for rule in rules
        }

    def shown(user: User) -> dict[str, int]:
        page = login(user).get("/care/rules/").content.decode()
        rows = re.findall(
            r'<td class="name">([^<（]+)(?:（停用）)?</td>.*?data-label="在册人数">([\d,]+)</td>', page
        )
        api = {r["name"]: r["members"] for r in login(user).get("/api/care/rules").json()}
        assert {name: int(n.replace(",", "")) for name, n in rows} == api
        return api

    a = live(tree.community_a.code)
    assert sum(a.values()) >= 2  # the granny and the child
    assert shown(accounts.community_worker) == a
    assert shown(accounts.district_admin) == live(tree.district.code)
    assert shown(accounts.grid_worker) == live(tree.grid_a1.code)
    b = live(tree.community_b.code)
    assert shown(accounts.community_worker_b) == b and sum(b.values()) == 1  # the boy, not A's groups
