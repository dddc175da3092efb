"""The emergency services: warnings in and out (CAP 1.2), the tiered response with its tasks and
check list, checks that open requests flagged first, shelters and supplies, drills — and every bad
input of the issue refused naming the field, with nothing half-written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from linli.cases.models import Case
from linli.cases.selectors import with_related
from linli.core.errors import Conflict, error_code
from linli.emergency import selectors, services
from linli.emergency.engine import cap
from linli.emergency.models import (
    ActionTask,
    CheckItem,
    CheckStatus,
    Event,
    EventLog,
    LevelStep,
    Shelter,
    ShelterStay,
    Supply,
    SupplyMovement,
    TaskStatus,
    Warning,
    WarningStatus,
)
from linli.emergency.tests.conftest import Front, open_shelter

pytestmark = pytest.mark.django_db


def _warning(front: Front, by=None, regions=None, **extra) -> Warning:  # type: ignore[no-untyped-def]
    w = front.world
    now = timezone.now()
    data: dict[str, Any] = dict(
        by=by or w.accounts.street_coordinator,
        hazard="typhoon",
        severity="Severe",
        urgency="Expected",
        certainty="Likely",
        headline="台风橙色预警",
        description="台风“海葵”预计今晚在沿海登陆。",
        instruction="请关好门窗，不要外出；住在低洼处的居民听从社区安排转移。",
        onset=now,
        expires=now + dt.timedelta(hours=24),
        regions=regions if regions is not None else [w.tree.community_a, w.tree.community_b],
        issue=True,
    )
    data.update(extra)
    return services.warning_create(**data)


def _declare(front: Front, level: str = "III", actor=None) -> Event:  # type: ignore[no-untyped-def]
    w = front.world
    return services.response_declare(
        actor=actor or w.accounts.street_coordinator,
        level=level,
        regions=[w.tree.community_a, w.tree.community_b],
        reason="台风橙色预警，预计今晚登陆",
        hazard="typhoon",
    )


def test_warning_issued_for_two_communities_is_shown_to_their_residents(front: Front) -> None:
    w = _warning(front)
    assert w.number.startswith("YJ") and w.status == WarningStatus.ACTIVE
    assert sorted(r.code for r in w.regions.all()) == [
        front.world.tree.community_a.code,
        front.world.tree.community_b.code,
    ]
    assert [x.pk for x in selectors.active_warnings_for(front.world.tree.grid_a1.code)] == [w.pk]
    assert selectors.active_warnings_for(front.world.tree.community_c.code) == []
    resident = front.world.accounts.resident
    assert list(selectors.visible_warnings(resident)) == [w]


def test_warning_area_outside_the_account_is_refused_naming_the_field(front: Front) -> None:
    cw = front.world.accounts.community_worker
    with pytest.raises(ValidationError) as exc:
        _warning(front, by=cw, regions=[front.world.tree.community_b], issue=False)
    assert "regions" in exc.value.error_dict and error_code(exc.value) == "emergency.area_out_of_scope"
    with pytest.raises(PermissionDenied):  # a community enters what it receives; it does not issue
        _warning(front, by=cw, regions=[front.world.tree.community_a], issue=True)
    assert Warning.objects.count() == 0


def test_warning_time_window_must_be_in_order(front: Front) -> None:
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        _warning(front, onset=now, expires=now - dt.timedelta(hours=1))
    assert "expires" in exc.value.error_dict
    assert Warning.objects.count() == 0


def test_polygon_area_finds_the_communities_with_buildings_inside(front: Front) -> None:
    box = [(24.95, 118.66), (24.95, 118.68), (24.97, 118.68), (24.97, 118.66)]
    w = _warning(front, regions=[], polygon=box)
    assert [r.code for r in w.regions.all()] == [front.world.tree.community_a.code]
    with pytest.raises(ValidationError) as exc:
        _warning(front, regions=[], polygon=[(1, 2), (3, 4)])
    assert "polygon" in exc.value.error_dict


def test_export_is_valid_cap_and_an_import_round_trips_every_field(front: Front) -> None:
    w = _warning(front)
    xml = cap.render(selectors.warning_to_cap(w))
    alert = cap.parse(xml)  # validates against the OASIS schema
    assert alert.infos[0].headline == "台风橙色预警"
    assert ("GB/T 2260", front.world.tree.community_a.code) in alert.infos[0].areas[0].geocodes
    # the same message imported elsewhere (a new identifier) keeps every field on export
    alert.identifier = "cn.gov.qz.qx-2026-0815-01"
    alert.sender = "qxj@qz.gov.cn"
    alert.infos[0].areas[0].geocodes = [("GB/T 2260", front.world.tree.community_a.code)]
    original = cap.render(alert)
    imported = services.warning_import_cap(by=front.world.accounts.community_worker, xml=original)
    assert imported.source == "cap" and imported.hazard == "typhoon"
    assert cap.parse(cap.render(selectors.warning_to_cap(imported))) == cap.parse(original)
    with pytest.raises(Conflict) as dup:
        services.warning_import_cap(by=front.world.accounts.community_worker, xml=original)
    assert dup.value.code == "emergency.cap_duplicate"


def test_invalid_cap_is_refused_with_the_reason_and_nothing_written(front: Front) -> None:
    bad = b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>'
    with pytest.raises(ValidationError) as exc:
        services.warning_import_cap(by=front.world.accounts.community_worker, xml=bad)
    assert error_code(exc.value) == "emergency.cap_invalid"
    assert "CAP" in exc.value.error_dict["cap"][0].message
    assert Warning.objects.count() == 0


def test_expiry_job_ends_warnings_past_their_window(front: Front) -> None:
    w = _warning(front)
    assert services.warnings_expire(now=w.expires + dt.timedelta(minutes=1)) == 1
    w.refresh_from_db()
    assert w.status == WarningStatus.EXPIRED


def test_declaring_level_three_starts_tasks_and_builds_the_assigned_list(front: Front) -> None:
    ev = _declare(front)
    acc = front.world.accounts
    assert ev.level == "III" and LevelStep.objects.filter(event=ev, new_level="III").count() == 1
    tasks = ActionTask.objects.filter(event=ev)
    assert tasks.exists() and all(t.due_at > ev.started_at for t in tasks)
    assert tasks.filter(assignee=acc.grid_worker).exists()  # the grid team's actions reach the worker
    rows = {c.person_id: c for c in CheckItem.objects.filter(event=ev)}
    assert front.alone.pk in rows and front.infant.pk in rows and front.disabled.pk in rows
    assert front.world.people.child.pk not in rows  # a 38-year-old with no tag is not on the list
    assert rows[front.alone.pk].assignee_id == acc.grid_worker.pk  # grid A1's worker
    assert "alone_elderly" in rows[front.alone.pk].categories and rows[front.alone.pk].priority == 1
    # grid A2 has no worker and no unit: the community's own worker calls
    assert rows[front.disabled.pk].assignee_id == acc.community_worker.pk
    assert rows[front.infant.pk].assignee_id == acc.community_worker_b.pk
    reach = {r.code: r for r in selectors.reach(ev, acc.district_admin)}
    assert reach[front.world.tree.community_a.code].pending == 2
    assert services.checklist_build(ev) == 0  # built once


def test_raising_records_who_and_why_and_level_one_is_the_districts(front: Front) -> None:
    ev = _declare(front)
    acc = front.world.accounts
    with pytest.raises(PermissionDenied) as exc:
        services.response_step(actor=acc.street_coordinator, event=ev, level="II", reason="风力加强")
    assert error_code(exc.value) == "emergency.no_authority"
    with pytest.raises(PermissionDenied):
        services.response_step(actor=acc.community_worker, event=ev, level="IV", reason="风力减弱")
    assert LevelStep.objects.filter(event=ev).count() == 1
    services.response_step(actor=acc.district_admin, event=ev, level="II", reason="风力加强，升级响应")
    ev.refresh_from_db()
    assert ev.level == "II"
    step = LevelStep.objects.filter(event=ev).last()
    assert step is not None and step.by == acc.district_admin and step.reason == "风力加强，升级响应"
    services.response_end(actor=acc.district_admin, event=ev, reason="台风已过境")
    ev.refresh_from_db()
    assert ev.status == "ended" and not ActionTask.objects.filter(event=ev, status=TaskStatus.OPEN).exists()
    assert EventLog.objects.filter(event=ev, kind="decision").count() == 3


def test_no_authority_to_declare_writes_nothing(front: Front) -> None:
    acc = front.world.accounts
    with pytest.raises(PermissionDenied):
        _declare(front, actor=acc.community_worker)
    with pytest.raises(PermissionDenied):
        _declare(front, level="I")  # a street cannot declare level Ⅰ
    with pytest.raises(ValidationError) as exc:
        _declare(front, level="V")
    assert "level" in exc.value.error_dict
    assert Event.objects.count() == 0 and CheckItem.objects.count() == 0


def test_needs_help_opens_a_request_flagged_first_in_the_queue(front: Front) -> None:
    ev = _declare(front)
    acc = front.world.accounts
    item = CheckItem.objects.get(event=ev, person=front.alone)
    with pytest.raises(ValidationError) as exc:
        services.check_mark(by=acc.grid_worker, item=item, status=CheckStatus.NEEDS_HELP)
    assert "note" in exc.value.error_dict
    done = services.check_mark(
        by=acc.grid_worker, item=item, status=CheckStatus.NEEDS_HELP, note="腿脚不便，需要协助转移"
    )
    assert done.case_number and done.checked_by == acc.grid_worker
    case = with_related(Case.objects.filter(number=done.case_number)).get()
    assert getattr(case, "priority_flag") is True  # noqa: B009 — an annotation mypy cannot see
    other = CheckItem.objects.get(event=ev, person=front.infant)
    with pytest.raises(PermissionDenied):  # grid A1's worker is not the responder for community B
        services.check_mark(by=acc.grid_worker, item=other, status=CheckStatus.SAFE)


def test_shelter_checks_in_a_household_and_refuses_when_full(front: Front) -> None:
    shelter = open_shelter(front, capacity=2)
    cw = front.world.accounts.community_worker
    household = front.world.people.household  # three members
    with pytest.raises(Conflict) as exc:
        services.shelter_checkin(by=cw, shelter=shelter, household=household)
    assert exc.value.code == "emergency.shelter_full"
    shelter.refresh_from_db()
    assert shelter.occupancy == 0 and ShelterStay.objects.count() == 0
    services.shelter_setup(by=cw, facility=front.shelter_site, capacity=3, is_open=True)
    stays = services.shelter_checkin(by=cw, shelter=shelter, household=household)
    assert len(stays) == 3 and Shelter.objects.get(pk=shelter.pk).occupancy == 3
    found = selectors.stay_search(cw, "林建国", str(front.world.people.head.id_number.reveal())[-4:])
    assert [s.person_id for s in found] == [front.world.people.head.pk]
    services.shelter_checkout(by=cw, stay=stays[0])
    assert Shelter.objects.get(pk=shelter.pk).occupancy == 2


def test_supply_never_goes_below_zero(front: Front) -> None:
    cw = front.world.accounts.community_worker
    shelter = open_shelter(front, capacity=50)
    supply = services.supply_receive(by=cw, store=front.store, name="矿泉水", unit="箱", quantity=5)
    with pytest.raises(Conflict) as exc:
        services.supply_issue(by=cw, supply=supply, quantity=6, shelter=shelter)
    assert exc.value.code == "emergency.supply_short" and exc.value.field == "quantity"
    assert Supply.objects.get(pk=supply.pk).quantity == 5
    assert SupplyMovement.objects.filter(kind="issued").count() == 0
    services.supply_issue(by=cw, supply=supply, quantity=5, shelter=shelter)
    services.supply_return(by=cw, supply=supply, quantity=1)
    assert Supply.objects.get(pk=supply.pk).quantity == 1


def test_peacetime_records_and_readiness(front: Front) -> None:
    acc = front.world.accounts
    tree = front.world.tree
    assert {r.code for r in selectors.missing_officers(acc.street_coordinator)} == {
        tree.community_a.code,
        tree.community_b.code,
    }
    services.info_officer_add(by=acc.community_worker, region=tree.community_a, name="王信息")
    with pytest.raises(ValidationError) as exc:
        services.info_officer_add(by=acc.community_worker, region=tree.community_b, name="越界")
    assert error_code(exc.value) == "emergency.area_out_of_scope"
    services.drill_record(
        by=acc.community_worker,
        region=tree.community_a,
        held_on=timezone.localdate(),
        hazard="typhoon",
        scenario="台风转移避险演练",
        participants=60,
    )
    rows = {r.region.code: r for r in selectors.readiness(acc.street_coordinator)}
    assert rows[tree.community_a.code].officers == 1 and rows[tree.community_a.code].drills_12m == 1
    assert "缺灾害信息员" in rows[tree.community_b.code].notes
    # the overview names the same communities without reading the figures of every one
    assert (
        [c.code for c in selectors.without_officer(acc.street_coordinator)]
        == [code for code, r in sorted(rows.items()) if not r.officers]
        == [tree.community_b.code]
    )
    plan = services.plan_save(
        by=acc.community_worker,
        region=tree.community_a,
        hazard="flood",
        document={
            "title": "万福社区防汛预案",
            "levels": {
                "IV": [{"key": "watch", "title": "值班值守", "who": "community_staff", "due_minutes": 30}]
            },
        },
    )
    assert services.plan_for(tree.community_a, "flood").title == plan.title
    with pytest.raises(ValidationError) as bad:
        services.plan_save(
            by=acc.community_worker,
            region=tree.community_a,
            hazard="flood",
            document={
                "title": "x",
                "levels": {"IV": [{"key": "watch", "title": "值守", "who": "nobody", "due_minutes": 30}]},
            },
        )
    assert any(k.startswith("document.levels.IV") for k in bad.value.error_dict)


def test_a_plan_edit_keeps_action_keys_so_a_level_change_cancels_the_right_tasks(front: Front) -> None:
    from linli.emergency.forms import PlanForm

    w, acc = front.world, front.world.accounts
    community = w.tree.community_a

    def save(lines: str) -> None:
        form = PlanForm(
            {"region": community.code, "hazard": "typhoon", "title": "万福台风预案", "actions": lines}
        )
        assert form.is_valid(), form.errors
        doc = {"title": form.cleaned_data["title"], "levels": form.cleaned_data["actions"]}
        services.plan_save(by=acc.community_worker, region=community, hazard="typhoon", document=doc)

    save(
        "Ⅳ | 网格团队 | 60 | 巡查低洼地带 | \n"
        "Ⅳ | 灾害信息员 | 120 | 信息报送 | \n"
        "Ⅲ | 应急单元 | 90 | 转移低洼处居民 | \n"
        "Ⅲ | 社区 | 120 | 清点物资 | "
    )
    ev = _declare(front)
    mine = ActionTask.objects.filter(event=ev, region=community)
    level_three = {t.pk for t in mine if t.level == "III"}
    assert level_three and {t.level for t in mine} == {"III"}  # one step: all started at Ⅲ
    by_title = {t.title: t.action_key for t in mine}
    # an edit: a new first line, a reworded line, a reordered level — no key is renamed
    save(
        "Ⅳ | 社区 | 30 | 广播提醒 | \n"
        "Ⅳ | 网格团队 | 60 | 巡查低洼地带 | \n"
        "Ⅳ | 灾害信息员 | 120 | 信息报送 | \n"
        "Ⅲ | 社区 | 120 | 清点物资 | \n"
        "Ⅲ | 应急单元 | 90 | 转移低洼处和危房居民 | "
    )
    plan = services.plan_for(community, "typhoon")
    keys = {a.title_zh: a.key for actions in plan.levels.values() for a in actions}
    assert keys["转移低洼处和危房居民"] == by_title["转移低洼处居民"]
    assert keys["巡查低洼地带"] == by_title["巡查低洼地带"] and keys["清点物资"] == by_title["清点物资"]
    assert keys["广播提醒"] not in by_title.values()
    services.response_step(actor=acc.street_coordinator, event=ev, level="IV", reason="风力减弱")
    cancelled = {t.pk for t in mine.filter(status=TaskStatus.CANCELLED)}
    ivs = {by_title["巡查低洼地带"], by_title["信息报送"]}
    assert cancelled == {t.pk for t in mine.filter(step__new_level="III") if t.action_key not in ivs}
    assert (
        mine.filter(action_key__in=ivs, status=TaskStatus.OPEN).count()
        == mine.filter(action_key__in=ivs).count()
    )


def test_unit_members_are_links_and_account_holders_get_the_units_tasks(front: Front) -> None:
    from linli.emergency.models import MemberSource
    from linli.workforce.models import TeamMember, TeamPost

    w, acc = front.world, front.world.accounts
    cw = acc.community_worker
    unit = services.unit_create(by=cw, building=w.people.building, name="阳光花园应急单元", leader_name="")
    assert unit.leader_name == "（待定）" and unit.leader is None
    worker = TeamMember.objects.create(
        grid=w.tree.grid_a1, post=TeamPost.WORKER, name="张网格", account=acc.grid_worker
    )
    m = services.unit_member_add(
        by=cw, unit=unit, source=MemberSource.GRID_TEAM, record=worker, duty="通知转移"
    )
    assert (m.team_member, m.account, m.name) == (worker, acc.grid_worker, "张网格")
    head = services.unit_member_add(by=cw, unit=unit, source=MemberSource.RESIDENT, record=w.people.head)
    assert head.person == w.people.head and head.account == acc.resident  # the resident's own account
    services.unit_leader_set(by=cw, member=head)
    unit.refresh_from_db()
    assert (unit.leader, unit.leader_name) == (acc.resident, w.people.head.name)
    guard = services.unit_member_add(by=cw, unit=unit, source=MemberSource.UNLISTED, name="物业保安老陈")
    assert guard.source == "unlisted" and guard.account is None and guard.person is None
    with pytest.raises(ValidationError) as exc:  # someone of another community is not on the lists
        services.unit_member_add(by=cw, unit=unit, source=MemberSource.RESIDENT, record=front.infant)
    assert "record" in exc.value.error_dict
    ev = _declare(front)
    unit_tasks = ActionTask.objects.filter(event=ev, unit=unit)
    assert unit_tasks.exists() and all(t.assignee == acc.resident for t in unit_tasks)
    mine = set(selectors.my_tasks(acc.grid_worker).values_list("pk", flat=True))
    assert set(unit_tasks.values_list("pk", flat=True)) <= mine  # a member who is a grid worker sees them
    t = unit_tasks.first()
    assert t is not None
    services.task_done(by=acc.grid_worker, task=t, note="已通知")
