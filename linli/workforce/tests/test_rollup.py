"""The summed-up coverage and team figures (streets or communities first, grids a page at a time) equal
the figures of the grids one by one, whatever the rules, patrols and members are."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.utils import timezone

from linli.workforce import selectors
from linli.workforce.models import GridRule, Patrol, TeamMember, TeamPost

from .conftest import Front

pytestmark = pytest.mark.django_db


def scatter(front: Front, seed: int, day: dt.date) -> None:
    """Rules on a street and a community, patrols of every length, members of every post (some ended)."""
    rnd = random.Random(seed)
    tree, gw = front.world.tree, front.world.accounts.grid_worker
    GridRule.objects.create(region=tree.community_b, patrols_per_day=1, required_posts=["worker"])
    GridRule.objects.create(region=tree.town, patrols_per_day=3, required_posts=["leader", "worker"])
    now = timezone.now()
    active_left = True  # one running patrol at most per worker
    for grids in tree.grids.values():
        for g in grids:
            for _ in range(rnd.randint(0, 4)):
                status = "active" if active_left and rnd.random() < 0.2 else "done"
                active_left = active_left and status != "active"
                Patrol.objects.create(
                    worker=gw,
                    grid=g,
                    day=rnd.choice([day, day - dt.timedelta(days=1)]),
                    started_at=now,
                    ended_at=now,
                    status=status,
                    consent_at=now,
                    minutes_in_grid=rnd.choice([5, 19, 20, 45]),
                )
            for post in rnd.sample(list(TeamPost.values), rnd.randint(0, 4)):
                TeamMember.objects.create(
                    grid=g,
                    post=post,
                    name=f"{post}成员",
                    until=rnd.choice([None, None, day - dt.timedelta(days=3)]),
                    since=day - dt.timedelta(days=30),
                )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_the_grids_one_by_one(front: Front, seed: int) -> None:
    day = timezone.localdate()
    scatter(front, seed, day)
    tree, admin = front.world.tree, front.world.accounts.district_admin
    root = tree.district
    n = selectors.child_length(root)
    assert n == 9

    by_grid = selectors.day_coverage(admin, root, day)
    want: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in by_grid:
        want[r.grid.code[:n]][0] += 1
        want[r.grid.code[:n]][1] += not r.missed
    got = {g.region.code: [g.grids, g.ok] for g in selectors.coverage_rollup(admin, root, day, n)}
    assert got == dict(want)
    gaps = [
        r.grid.pk
        for r in selectors.coverage_of(list(selectors.coverage_grids(admin, root, day, gaps=True)), day)
    ]
    assert gaps == [r.grid.pk for r in by_grid if r.missed]

    teams = selectors.teams(admin, root)
    want_t: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for t in teams:
        want_t[t.grid.code[:12]][0] += 1
        want_t[t.grid.code[:12]][1] += not t.missing
        want_t[t.grid.code[:12]][2] += t.no_worker
    got_t = {g.region.code: [g.grids, g.ok, g.no_worker] for g in selectors.team_rollup(admin, root, 12)}
    assert got_t == dict(want_t)
    assert [g.pk for g in selectors.team_grids(admin, root, gaps=True)] == [
        t.grid.pk for t in teams if t.missing
    ]
