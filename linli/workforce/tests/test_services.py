"""The writes: patrols (start, points, end, events, tracks), grid tasks and their 准入, proofs, grades."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from linli.cases.models import Case, Category, Channel
from linli.core.errors import error_code
from linli.core.models import AuditLog
from linli.registry.models import Building, Staff
from linli.workforce import selectors, services
from linli.workforce.models import (
    GridTask,
    LogKind,
    Patrol,
    PatrolLog,
    TaskItem,
    TaskKind,
    TaskStatus,
    TrackPoint,
)

from .conftest import Front

pytestmark = pytest.mark.django_db

IN_A1 = (24.96, 118.67)


def code_of(fn, *a, **kw) -> str:  # type: ignore[no-untyped-def]
    try:
        fn(*a, **kw)
    except (ValidationError, PermissionDenied) as exc:
        return error_code(exc)
    raise AssertionError("no error raised")


def start(front: Front, at: dt.datetime | None = None) -> Patrol:
    return services.patrol_start(
        by=front.world.accounts.grid_worker, lat=IN_A1[0], lon=IN_A1[1], consent=True, now=at
    )


def test_a_patrol_needs_consent_and_the_worker_standing_in_his_grid(front: Front) -> None:
    gw = front.world.accounts.grid_worker
    assert (
        code_of(services.patrol_start, by=gw, lat=IN_A1[0], lon=IN_A1[1], consent=False)
        == "patrol.consent_required"
    )
    assert code_of(services.patrol_start, by=gw, lat=24.96, lon=118.70, consent=True) == "patrol.outside_grid"
    assert (
        code_of(
            services.patrol_start,
            by=front.world.accounts.community_worker,
            lat=24.96,
            lon=118.67,
            consent=True,
        )
        == "patrol.not_grid_worker"
    )
    assert not Patrol.objects.exists()
    start(front)
    assert code_of(start, front) == "patrol.already_active"
    assert Patrol.objects.count() == 1


def test_a_worker_with_two_grids_patrols_the_one_he_stands_in(front: Front) -> None:
    """An account covering two grids (``core.AccountRegion``): the patrol starts in the grid he stands in,
    and his grids are both."""
    from linli.core.services import account_regions_set

    gw, tree = front.world.accounts.grid_worker, front.world.tree
    account_regions_set(user=gw, regions=[tree.grid_a2])
    assert [g.code for g in selectors.grids_of(gw)] == [tree.grid_a1.code, tree.grid_a2.code]
    assert code_of(services.patrol_start, by=gw, lat=24.96, lon=118.70, consent=True) == "patrol.outside_grid"
    patrol = services.patrol_start(by=gw, lat=24.96, lon=118.68, consent=True)  # inside grid A2
    assert patrol.grid == tree.grid_a2


def test_points_are_stored_with_jumps_flagged_and_the_end_measures_the_patrol(front: Front) -> None:
    t0 = timezone.now() - dt.timedelta(minutes=40)
    p = start(front, t0)
    gw = front.world.accounts.grid_worker
    pts = [
        {"t": (t0 + dt.timedelta(seconds=30 * i)).isoformat(), "lat": 24.9585 + i * 0.00008, "lon": 118.67}
        for i in range(1, 70)
    ]
    pts[30]["lat"] = 25.2  # 27 km away in 30 s
    flagged = services.patrol_points_add(patrol=p, by=gw, points=pts)
    assert flagged == 1
    assert TrackPoint.objects.filter(patrol=p, flagged=True).count() == 1
    bad = [{"t": timezone.now().isoformat(), "lat": 95, "lon": 118.67}]
    assert code_of(services.patrol_points_add, patrol=p, by=gw, points=bad) == "patrol.position_invalid"
    assert TrackPoint.objects.filter(patrol=p).count() == 70  # nothing of the bad batch
    other = front.world.accounts.community_worker
    assert code_of(services.patrol_points_add, patrol=p, by=other, points=[]) == "patrol.not_own"
    done = services.patrol_end(patrol=p, by=gw)
    assert done.flagged == 1 and done.points == 70
    assert 33 < done.minutes_in_grid <= 35  # 68 trusted steps of 30 s, all inside
    # the world's two buildings stand at (24.96, 118.67), on the route
    assert done.buildings_passed == Building.objects.filter(region=front.world.tree.grid_a1).count() == 2
    assert done.distance_in_grid_m > 500
    assert code_of(services.patrol_points_add, patrol=done, by=gw, points=[]) == "patrol.ended"


def test_an_event_seen_on_patrol_becomes_a_request(front: Front) -> None:
    p = start(front)
    cat = Category.objects.filter(active=True).first()
    assert cat is not None
    case = services.patrol_event_report(
        patrol=p,
        by=front.world.accounts.grid_worker,
        category=cat,
        description="3号楼楼道堆放杂物堵塞消防通道",
        lat=24.96,
        lon=118.67,
    )
    assert Case.objects.get(pk=case.pk).channel == Channel.PATROL
    assert case.grid_id == front.world.tree.grid_a1.pk
    log = PatrolLog.objects.get(patrol=p)
    assert log.kind == LogKind.EVENT and log.ref == case.number


def test_track_is_seen_by_the_worker_and_supervisors_only_and_their_views_audited(front: Front) -> None:
    p = start(front)
    acc = front.world.accounts
    services.track_read(patrol=p, by=acc.grid_worker)
    assert not AuditLog.objects.filter(field="track").exists()
    services.track_read(patrol=p, by=acc.community_worker)
    assert AuditLog.objects.filter(field="track", actor=acc.community_worker).count() == 1
    for outsider in (acc.community_worker_b, acc.resident, acc.department_handler):
        assert code_of(services.track_read, patrol=p, by=outsider) == "patrol.track_hidden"


def test_tracks_are_coarsened_after_the_retention_period(front: Front) -> None:
    t0 = timezone.now() - dt.timedelta(days=100)
    p = Patrol.objects.create(
        worker=front.world.accounts.grid_worker,
        grid=front.world.tree.grid_a1,
        day=t0.date(),
        started_at=t0,
        ended_at=t0 + dt.timedelta(minutes=40),
        status="done",
        consent_at=t0,
    )
    TrackPoint.objects.bulk_create(
        TrackPoint(patrol=p, at=t0 + dt.timedelta(seconds=30 * i), lat=24.9601234, lon=118.6701234)
        for i in range(80)
    )
    r = services.tracks_coarsen()
    assert r.patrols == 1 and r.points_before == 80 and r.points_after == 8
    assert set(TrackPoint.objects.filter(patrol=p).values_list("lat", flat=True)) == {24.96}
    assert services.tracks_coarsen().patrols == 0


def test_coverage_counts_patrols_against_the_rule(front: Front) -> None:
    acc = front.world.accounts
    day = timezone.localdate()
    now = timezone.now()
    for minutes in (40, 10):
        Patrol.objects.create(
            worker=acc.grid_worker,
            grid=front.world.tree.grid_a1,
            day=day,
            started_at=now,
            ended_at=now,
            status="done",
            consent_at=now,
            minutes_in_grid=minutes,
            buildings_passed=3,
        )
    rows = {
        r.grid.code: r
        for r in selectors.day_coverage(acc.community_worker, front.world.tree.community_a, day)
    }
    a1 = rows[front.world.tree.grid_a1.code]
    assert (a1.required, a1.patrols, a1.done, a1.missed, a1.buildings) == (2, 2, 1, 1, 3)
    assert rows[front.world.tree.grid_a2.code].missed == 2


def task(front: Front, title: str, **kw):  # type: ignore[no-untyped-def]
    return services.grid_task_create(
        by=front.world.accounts.department_handler,
        title=title,
        kind=TaskKind.SURVEY,
        region=front.world.tree.community_a,
        deadline=timezone.localdate() + dt.timedelta(days=5),
        fields=[{"label": "是否有隐患", "type": "yesno"}, {"label": "户数", "type": "number"}],
        **kw,
    )


def test_a_task_the_negative_list_forbids_is_refused_with_the_reason_and_nothing_written(
    front: Front,
) -> None:
    with pytest.raises(ValidationError) as exc:
        task(front, "协助完成招商引资任务摸排")
    assert error_code(exc.value) == "gridtask.refused"
    assert "负面清单" in str(exc.value) and "政府职能部门" in str(exc.value)
    assert code_of(task, front, "燃气安全排查") == "gridtask.refused"  # an assisting task without funding
    assert not GridTask.objects.exists()


def test_assisting_task_with_funding_is_issued_per_building_and_completed_once(front: Front) -> None:
    t = task(front, "燃气安全排查", funding="每户5元，区住建局拨付")
    assert t.status == TaskStatus.ISSUED and t.duty == front.gas
    assert (
        TaskItem.objects.filter(task=t).count()
        == Building.objects.filter(region__code__startswith=front.world.tree.community_a.code).count()
    )
    item = TaskItem.objects.get(task=t, building=front.building)
    gw = front.world.accounts.grid_worker
    assert (
        code_of(services.task_item_complete, item=item, by=gw, answers={"f1": "yes", "f2": "多"})
        == "gridtask.answer_invalid"
    )
    services.task_item_complete(item=item, by=gw, answers={"f1": "no", "f2": "12"})
    assert (
        code_of(services.task_item_complete, item=item, by=gw, answers={"f1": "no", "f2": "12"})
        == "gridtask.already_done"
    )
    assert selectors.task_progress(t, 12) == {front.world.tree.community_a.code: (1, 2)}
    assert selectors.task_progress(t, 15) == {front.world.tree.grid_a1.code: (1, 2)}


def test_an_unlisted_task_waits_for_the_street(front: Front) -> None:
    t = task(front, "电动自行车充电情况采集")
    assert t.status == TaskStatus.PENDING and not TaskItem.objects.filter(task=t).exists()
    acc = front.world.accounts
    assert (
        code_of(services.grid_task_decide, task=t, by=acc.community_worker, approve=True)
        == "gridtask.not_street"
    )
    services.grid_task_decide(task=t, by=acc.street_coordinator, approve=True)
    assert TaskItem.objects.filter(task=t).count() == 2


def test_proofs(front: Front) -> None:
    region = front.world.tree.community_a
    assert services.proof_check(region=region, text="开具入学居住证明").name.startswith("居住情况证明")
    assert code_of(services.proof_check, region=region, text="无犯罪记录证明") == "proof.forbidden"
    with pytest.raises(ValidationError, match="公安机关"):
        services.proof_check(region=region, text="无犯罪记录证明")
    assert code_of(services.proof_check, region=region, text="宠物证明") == "proof.unlisted"


def test_a_grade_outside_three_posts_eighteen_levels_is_refused(front: Front) -> None:
    staff = Staff.objects.first()
    assert staff is not None
    admin = front.world.accounts.district_admin
    assert (
        code_of(services.staff_grade_set, by=admin, staff=staff, post="member", grade=19, annual_pay=60000)
        == "grade.invalid"
    )
    assert (
        code_of(services.staff_grade_set, by=admin, staff=staff, post="boss", grade=3, annual_pay=60000)
        == "grade.invalid"
    )
    g = services.staff_grade_set(by=admin, staff=staff, post="member", grade=18, annual_pay=60000)
    assert g.grade == 18


def test_summaries_rewritten_in_batches_equal_what_the_end_measured(front: Front) -> None:
    """``patrols_summarise`` (one point query and one write-back per batch: UPDATE … FROM (VALUES …) on
    PostgreSQL, bulk_update elsewhere) stores exactly what ``patrol_end`` stored, across batches."""
    gw = front.world.accounts.grid_worker
    ended = []
    for k in range(3):
        t0 = timezone.now() - dt.timedelta(hours=3 - k)
        p = start(front, t0)
        pts = [
            {
                "t": (t0 + dt.timedelta(seconds=30 * i)).isoformat(),
                "lat": 24.9585 + i * 0.00008,
                "lon": 118.67,
            }
            for i in range(1, 40 + 10 * k)
        ]
        pts[5]["lat"] = 25.2  # a jump, flagged
        services.patrol_points_add(patrol=p, by=gw, points=pts)
        ended.append(services.patrol_end(patrol=p, by=gw, now=t0 + dt.timedelta(minutes=30)))
    want = {p.pk: tuple(getattr(p, f) for f in services.SUMMARY_FIELDS) for p in ended}
    assert all(v[2] > 0 and v[4] == 1 for v in want.values())
    Patrol.objects.update(
        distance_m=0, distance_in_grid_m=0, minutes_in_grid=0, buildings_passed=0, flagged=0, points=0
    )
    assert services.patrols_summarise(patrol_ids=[p.pk for p in ended], batch_size=2) == 3
    got = {row[0]: tuple(row[1:]) for row in Patrol.objects.values_list("pk", *services.SUMMARY_FIELDS)}
    assert got == want
