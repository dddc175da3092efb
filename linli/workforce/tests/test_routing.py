"""Requests routed by post: a new request in a grid reaches the grid's 专职网格员 on that day
(``cases.hooks``, answered by ``selectors.grid_worker_on``), and no one when the post is empty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.cases import services as cases
from linli.cases.models import Case, CaseEvent, Category, Channel, Notification
from linli.core.roles import Role
from linli.registry.models import Staff, StaffKind
from linli.testing.factories import UserFactory
from linli.workforce import selectors
from linli.workforce.models import TeamMember, TeamPost

from .conftest import Front

pytestmark = pytest.mark.django_db


def _file(front: Front) -> Case:
    cat = Category.objects.filter(active=True).first()
    assert cat is not None
    return cases.case_create(
        by=front.world.accounts.resident,
        category=cat,
        description="楼道灯坏了三天，晚上很黑",
        channel=Channel.APP,
        lat=24.96,
        lon=118.67,
    )


def _holder(front: Front, **kw) -> TeamMember:  # type: ignore[no-untyped-def]
    staff = Staff.objects.get(kind=StaffKind.GRID_WORKER, grids=front.world.tree.grid_a1)
    account = UserFactory.create(
        username="zhuanzhi",
        display_name="专职网格员老林",
        role=Role.GRID_WORKER,
        region=front.world.tree.grid_a1,
    )
    return TeamMember.objects.create(
        grid=front.world.tree.grid_a1, post=TeamPost.WORKER, staff=staff, account=account, **kw
    )


def test_a_request_in_a_grid_reaches_the_post_holder(front: Front) -> None:
    holder = _holder(front, since=timezone.localdate() - dt.timedelta(days=30))
    case = _file(front)
    assert case.grid_id == front.world.tree.grid_a1.pk
    told = Notification.objects.get(user=holder.account, case=case)
    assert case.number in told.title and "楼道灯" in told.body
    event = CaseEvent.objects.get(case=case, action="assign")
    assert not event.public and event.action_label == "按岗位推送"
    assert holder.staff is not None and holder.staff.name in event.note and "网格员" in event.note
    # the reporter's view of the record does not name the grid worker
    assert not CaseEvent.objects.filter(case=case, public=True, note__contains=holder.staff.name).exists()


def test_no_post_holder_no_routing(front: Front) -> None:
    today = timezone.localdate()
    grid = front.world.tree.grid_a1
    # a resident helping as 网格员 (no staff record), a holder who left yesterday, one starting tomorrow
    TeamMember.objects.create(
        grid=grid, post=TeamPost.WORKER, name="兼职网格员", account=front.world.accounts.resident
    )
    _holder(front, since=today - dt.timedelta(days=90), until=today)
    assert selectors.grid_worker_on(grid=grid, on=today) is None
    assert selectors.grid_worker_on(grid=grid, on=today - dt.timedelta(days=1)) is not None
    case = _file(front)
    assert not CaseEvent.objects.filter(case=case, action="assign").exists()
    assert set(Notification.objects.filter(case=case).values_list("user_id", flat=True)) == {
        front.world.accounts.resident.pk  # the reporter's receipt only
    }


def test_the_filer_holding_the_post_is_not_told_of_his_own_report(front: Front) -> None:
    gw = front.world.accounts.grid_worker
    staff = Staff.objects.get(kind=StaffKind.GRID_WORKER, grids=front.world.tree.grid_a1)
    TeamMember.objects.create(
        grid=front.world.tree.grid_a1,
        post=TeamPost.WORKER,
        staff=staff,
        account=gw,
        since=timezone.localdate(),
    )
    cat = Category.objects.filter(active=True).first()
    assert cat is not None
    case = cases.case_create(
        by=gw, category=cat, description="巡查发现井盖缺失", channel=Channel.PATROL, lat=24.96, lon=118.67
    )
    assert not Notification.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, action="assign").exists()
