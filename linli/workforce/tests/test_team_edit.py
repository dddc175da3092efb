"""Editing a grid's team: a post changed or a membership ended on a date, the history kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from linli.core.errors import error_code
from linli.core.models import User
from linli.workforce import selectors, services
from linli.workforce.models import TeamMember, TeamPost

from .conftest import Front

pytestmark = pytest.mark.django_db


def code_of(fn, *a, **kw) -> str:  # type: ignore[no-untyped-def]
    try:
        fn(*a, **kw)
    except (ValidationError, PermissionDenied) as exc:
        return error_code(exc)
    raise AssertionError("no error raised")


def test_ending_and_changing_a_membership_keeps_the_history(front: Front) -> None:
    acc, grid = front.world.accounts, front.world.tree.grid_a1
    cw = acc.community_worker
    m = services.team_member_add(by=cw, grid=grid, post=TeamPost.WORKER, name="李网格")
    today = timezone.localdate()
    assert code_of(services.team_member_end, by=acc.grid_worker, member=m) == "team.not_editor"
    assert code_of(services.team_member_end, by=cw, member=m, on=m.since - dt.timedelta(days=1)) == (
        "team.until_invalid"
    )
    assert (
        code_of(services.team_member_change, by=cw, member=m, post=TeamPost.WORKER) == "team.post_unchanged"
    )
    new = services.team_member_change(by=cw, member=m, post=TeamPost.POLICE)
    m.refresh_from_db()
    assert m.until == today and new.since == today and new.until is None and new.name == "李网格"
    assert [x.post for x in selectors.members_by_post(grid, TeamPost.POLICE)] == [TeamPost.POLICE]
    assert selectors.members_by_post(grid, TeamPost.WORKER) == [] or all(
        x.pk != m.pk for x in selectors.members_by_post(grid, TeamPost.WORKER)
    )
    services.team_member_end(by=cw, member=new)
    assert code_of(services.team_member_end, by=cw, member=new) == "team.already_ended"
    assert TeamMember.objects.filter(grid=grid, name="李网格").count() == 2  # nothing deleted
    team = next(t for t in selectors.teams(cw, front.world.tree.community_a) if t.grid.pk == grid.pk)
    assert all(x.name != "李网格" for x in team.members)


def test_the_member_page_changes_the_post_and_shows_the_history(
    front: Front, client_for: Callable[[User], Client]
) -> None:
    acc, grid = front.world.accounts, front.world.tree.grid_a1
    m = services.team_member_add(by=acc.community_worker, grid=grid, post=TeamPost.WORKER, name="王兼职")
    c = client_for(acc.community_worker)
    r = c.get(f"/workforce/teams/members/{m.pk}/")
    assert r.status_code == 200 and "调整岗位或登记离任" in r.content.decode()
    r = c.post(f"/workforce/teams/members/{m.pk}/", {"action": "post", "post": TeamPost.WORKER})
    assert r.status_code == 200 and "岗位没有变化" in r.content.decode()
    r = c.post(f"/workforce/teams/members/{m.pk}/", {"action": "end", "on": "1999-01-01"})
    assert "离任日期不能早于任职日期" in r.content.decode()
    r = c.post(f"/workforce/teams/members/{m.pk}/", {"action": "end", "on": ""})
    assert r.status_code == 302
    page = c.get(f"/workforce/teams/members/{m.pk}/").content.decode()
    assert "离任日期" in page and "调整岗位或登记离任" not in page
    assert client_for(acc.grid_worker).get(f"/workforce/teams/members/{m.pk}/").status_code in (403, 404)
