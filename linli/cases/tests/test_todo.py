"""诉求 on the home page's 待办: each account's waiting requests, with the scope of its 待我处理 list."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.cases import selectors, services, todo
from linli.cases.models import Case, Channel
from linli.core import home

from .conftest import CasesWorld, grid_center


def _report(cw: CasesWorld, text: str = "楼下垃圾桶满了没人清运，气味很大") -> Case:
    lat, lon = grid_center(0)
    return services.case_create(
        by=cw.world.accounts.resident,
        category="sanitation.complaint",
        description=text,
        channel=Channel.APP,
        lat=lat,
        lon=lon,
    )


def _act(case: Case, by, action: str, **kw) -> Case:
    case.refresh_from_db()
    return services.case_act(case=case, by=by, action=action, version=case.version, **kw)


def _titles(user) -> dict[str, home.TodoItem]:
    return {i.url: i for i in todo.case_items(user)}


def test_each_level_finds_the_request_waiting_on_it(cw: CasesWorld) -> None:
    a = cw.world.accounts
    case = _report(cw)
    url = f"/cases/{case.number}/"
    item = _titles(a.community_worker)[url]
    assert item.state == "待受理" and item.kind == "诉求" and item.title.startswith("楼下垃圾桶满了")
    assert item.list_url == "/cases/?queue=todo"
    assert url not in _titles(a.community_worker_b)  # another community's
    assert url not in _titles(a.street_coordinator) and url not in _titles(a.district_admin)

    _act(case, a.community_worker, "accept")
    _act(case, a.community_worker, "escalate", note="涉及多个部门，提请街道协调")
    assert _titles(a.street_coordinator)[url].state == "上报至本级，待协调"
    assert url not in _titles(a.community_worker)
    _act(case, a.street_coordinator, "escalate", note="跨街道，提请区里协调")
    # the district's 待我处理 and its home list the request escalated to it
    assert case.number in selectors.queue(a.district_admin, "todo").values_list("number", flat=True)
    assert _titles(a.district_admin)[url].state == "上报至本级，待协调"

    _act(case, a.district_admin, "dispatch", unit_org=cw.chengguan.pk)
    item = _titles(cw.dept_user)[url]
    assert item.state == "待签收" and "承办：洛江区城市管理局" in item.detail
    assert url not in _titles(cw.dept_user2)


def test_requests_behind_time_rank_first_and_reach_the_district(cw: CasesWorld) -> None:
    a = cw.world.accounts
    late = _report(cw, "路灯不亮已经一周")
    _act(late, a.community_worker, "accept")
    Case.objects.filter(pk=late.pk).update(resolve_due=timezone.now() - dt.timedelta(days=3, hours=1))
    soon = _report(cw, "井盖松动很危险")
    Case.objects.filter(pk=soon.pk).update(response_due=timezone.now() + dt.timedelta(hours=2))
    waiting = _report(cw, "建议增设健身器材")  # to accept within a day: due soon, unless given longer
    Case.objects.filter(pk=waiting.pk).update(response_due=timezone.now() + dt.timedelta(days=3))

    items = todo.case_items(a.community_worker)
    by_url = {i.url: i for i in items}
    assert by_url[f"/cases/{late.number}/"].urgency == home.OVERDUE
    assert by_url[f"/cases/{soon.number}/"].urgency == home.DUE_SOON
    assert by_url[f"/cases/{waiting.number}/"].urgency == home.WAITING
    shown = home.todo_for(a.community_worker, a.community_worker.role)
    assert shown is not None
    requests = [t.item.url for t in shown.items if t.item.kind == "诉求"]
    assert requests == [f"/cases/{n}/" for n in (late.number, soon.number, waiting.number)]
    assert shown.items[0].words == "已超期 3 天"

    # the district coordinates none of them, but chases what is behind time in its region
    district = {i.url: i for i in todo.case_items(a.district_admin)}
    assert list(district) == [f"/cases/{late.number}/"]
    assert set(selectors.queue(a.district_admin, "todo")) == {late}


def test_many_requests_behind_time_elsewhere_make_one_item_to_chase(cw: CasesWorld) -> None:
    a = cw.world.accounts
    cases = [_report(cw, f"第{i}处路面坑洼积水") for i in range(todo.ELSEWHERE_SHOWN + 1)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(
        response_due=timezone.now() - dt.timedelta(hours=5)
    )
    items = todo.case_items(a.district_admin)
    assert len(items) == 1
    assert items[0].count == len(cases) and items[0].url == "/cases/?queue=overdue"
    assert items[0].urgency == home.OVERDUE and "请督办" in items[0].title
    assert items[0].detail.startswith("区域内 1 个承办单位")  # all wait on the same community
    # the community, whose unit they wait on, still sees each one
    assert len(todo.case_items(a.community_worker)) == len(cases)


def test_the_home_page_reads_the_same_first_requests_as_the_list(cw: CasesWorld, monkeypatch) -> None:
    """The home page reads 待我处理 clause by clause (``selectors.todo_arms``) and keeps the earliest:
    for every account, the same requests in the same order as the list's first ones by deadline, on
    random states, deadlines and overdue flags, with a page short enough that the clauses compete."""
    import random

    from linli.cases.models import Case as CaseModel

    monkeypatch.setattr(home, "TODO_PER_SOURCE", 4)
    a = cw.world.accounts
    rng = random.Random(7)
    now = timezone.now()
    for i in range(24):
        case = _report(cw, f"第 {i} 件：路灯不亮，晚上走路看不清")
        steps = rng.choice([[], ["accept"], ["accept", "escalate"], ["accept", "dispatch"]])
        for step in steps:
            kw: dict[str, object] = {"unit_org": cw.chengguan.pk} if step == "dispatch" else {}
            if step == "escalate":
                kw = {"note": "涉及多个部门，提请街道协调"}
            _act(case, a.community_worker, step, **kw)
        CaseModel.objects.filter(pk=case.pk).update(
            resolve_due=now + dt.timedelta(hours=rng.randint(-72, 72)),
            response_due=now + dt.timedelta(hours=rng.randint(-24, 24)),
            overdue=rng.random() < 0.3,
        )
    accounts = [*a.all(), cw.street_user, cw.dept_user, cw.dept_user2]
    for user in accounts:
        listed = list(
            selectors.queue(user, "todo").order_by("resolve_due", "id").values_list("pk", flat=True)[:4]
        )
        read = [
            c.pk for c in todo._first_ids(user, selectors.todo_arms(user)).order_by("resolve_due", "id")[:4]
        ]
        assert read == listed, user.username
    assert any(selectors.queue(u, "todo").count() > 4 for u in accounts)  # the page was short somewhere
    # which of them wait on the account's own unit: the condition (own_q) agrees with the rule by hand
    for user in accounts:
        ids = [
            c.pk for c in todo._first_ids(user, selectors.todo_arms(user)).order_by("resolve_due", "id")[:4]
        ]
        mine = todo.own_q(selectors.own_arms(user))
        got = (
            set(ids)
            if mine is None
            else set(CaseModel.objects.filter(mine, pk__in=ids).values_list("pk", flat=True))
        )
        by_hand = {c.pk for c in CaseModel.objects.filter(pk__in=ids) if _own_by_hand(c, user)}
        assert got == by_hand, user.username


def _own_by_hand(case: Case, user: object) -> bool:
    """Whether ``case`` waits on ``user``'s own unit, written out: a grid worker and a department follow
    all of their queue; the system administrator what is to accept, dispatch again or review; a unit
    what it coordinates and is at its step, or was given to it to handle."""
    from linli.core.roles import Role, effective_role

    role = effective_role(user)
    if role in (Role.GRID_WORKER, Role.DEPARTMENT_HANDLER):
        return True
    if role == Role.SYSTEM_ADMIN:
        return case.status in ("received", "returned", "review")
    code = getattr(user, "region_code", "") or ""
    coordinates = case.coordinator.code == code and case.status in selectors.COORDINATOR_WAITS
    handles = case.handler_region is not None and case.handler_region.code == code
    return coordinates or (handles and case.status in selectors.HANDLER_WAITS)
