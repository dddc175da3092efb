"""Benchmark: tally an owners' vote (民法典第二百七十八条) of 50 000 households across 500 buildings, by
area and by headcount, on PostgreSQL — the project's count (``services.vote_count``: the ballots
grouped by choice, the vote's fixed roll, the engine's double majority, the result written) beside
the floor: one hand-written SQL aggregate that recomputes the same figures straight from the owners'
roll (业主名册, area summed per owner) joined to the ballots. Both tallies must be equal.

    python bench/ballots.py --pg-url postgres://linli:linli@127.0.0.1/linli            # 50 000 households
    python bench/ballots.py --quick --pg-url postgres://linli:linli@127.0.0.1/linli    # 10 000 households

The script creates and drops its own database ``<database>_ballots`` on that server. One owner in 20
holds two units (counted once by headcount, by the sum of both areas); 85 % of owners vote.
Ends with ``BENCH ballots … ratio=<project/floor>``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pgbench_db import pg_reset, setup_django  # noqa: E402  (after the project root is on the path)

BUILDINGS = 500
FLOOR_SQL = """
WITH owners AS (
    SELECT s.owner_id, SUM(s.area) AS area
    FROM deliberation_ownershare s JOIN registry_building b ON b.id = s.building_id
    WHERE b.parent_id = %(estate)s OR b.id = %(estate)s
    GROUP BY s.owner_id
)
SELECT COUNT(*), SUM(o.area),
       COUNT(bl.id), COALESCE(SUM(o.area) FILTER (WHERE bl.id IS NOT NULL), 0),
       COUNT(*) FILTER (WHERE bl.choice = 'yes'), COALESCE(SUM(o.area) FILTER (WHERE bl.choice = 'yes'), 0)
FROM owners o LEFT JOIN deliberation_ballot bl ON bl.vote_id = %(vote)s AND bl.voter_id = o.owner_id
"""


def world(households: int):  # type: ignore[no-untyped-def]
    from linli.core.engine.idnumber import make
    from linli.deliberation import services
    from linli.deliberation.models import Ballot, Channel, OwnerShare, Participation, Procedure, TopicScope
    from linli.registry.models import Building, Household, Person
    from linli.testing.factories import UserFactory, build_region_tree

    rng = random.Random(278)
    tree = build_region_tree()
    grid = tree.grid_a1
    estate = Building.objects.create(code="B-ESTATE", name="基准小区", kind="estate", region=grid)
    buildings = Building.objects.bulk_create(
        [
            Building(code=f"B{i:04d}", name=f"基准小区{i + 1}号楼", parent=estate, region=grid)
            for i in range(BUILDINGS)
        ]
    )
    per = households // BUILDINGS
    hh = Household.objects.bulk_create(
        [
            Household(code=f"H{i:06d}", region=grid, building=buildings[i // per], room=f"{i % per + 1}")
            for i in range(households)
        ],
        batch_size=5000,
    )
    n_owners = households - households // 20  # one owner in 20 holds two units
    base = dt.date(1950, 1, 1)
    people = Person.objects.bulk_create(
        [
            Person(
                name=f"业主{i}",
                sex="M" if i % 2 else "F",
                birth_date=base + dt.timedelta(days=i // 400),
                id_number=make("350504", base + dt.timedelta(days=i // 400), i % 400, "M" if i % 2 else "F"),
                region=grid,
            )
            for i in range(n_owners)
        ],
        batch_size=5000,
    )
    shares = []
    for i, h in enumerate(hh):
        owner = people[i] if i < n_owners else people[(i - n_owners) * 19]
        shares.append(
            OwnerShare(
                building_id=h.building_id,
                household=h,
                owner=owner,
                area=Decimal(rng.randint(5000, 16000)) / 100,
            )
        )
    OwnerShare.objects.bulk_create(shares, batch_size=5000)
    worker = UserFactory.create(username="bench_worker", region=tree.community_a)
    topic = services.topic_raise(
        by=worker,
        title="基准小区加装电梯",
        description="全体业主表决加装电梯",
        region=tree.community_a,
        scope=TopicScope.OWNERS,
        building=estate,
        procedure=Procedure.objects.get(code="sifang_yishi"),
    )
    t0 = time.perf_counter()
    vote = services.vote_open(topic=topic, by=worker, question="是否同意加装电梯", rule="art278_special")
    opened = time.perf_counter() - t0
    roll = dict(vote.roll.values_list("person_id", "area"))
    parts, ballots = [], []
    for pid, area in roll.items():
        if rng.random() < 0.85:
            choice = rng.choices(["yes", "no", "abstain"], weights=[82, 12, 6])[0]
            parts.append(Participation(vote=vote, person_id=pid, channel=Channel.PAPER))
            ballots.append(Ballot(vote=vote, voter_id=pid, choice=choice, area=area, channel=Channel.PAPER))
    Participation.objects.bulk_create(parts, batch_size=5000)
    Ballot.objects.bulk_create(ballots, batch_size=5000)
    return worker, estate, vote, opened


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--pg-url", default=os.environ.get("DATABASE_URL", ""), help="a PostgreSQL server (any database)"
    )
    ap.add_argument("--quick", action="store_true", help="10 000 households instead of 50 000")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each side (best kept)")
    args = ap.parse_args()
    if not args.pg_url.startswith("postgres"):
        sys.exit("--pg-url postgres://… is required (the tally is measured on PostgreSQL)")
    households = 10_000 if args.quick else 50_000
    db_name = args.pg_url.rsplit("/", 1)[1].split("?")[0] + "_ballots"
    db_url = pg_reset(args.pg_url, db_name)
    try:
        t0 = time.perf_counter()
        setup_django(db_url)
        from django.db import connection, transaction

        from linli.deliberation import services
        from linli.deliberation.models import Vote, VoteStatus

        worker, estate, vote, opened = world(households)
        with connection.cursor() as c:
            c.execute("ANALYZE")
        print(
            f"database {db_name} filled in {time.perf_counter() - t0:.1f}s: {households} households, {BUILDINGS} buildings, roll of {vote.members} owners fixed in {opened:.2f}s"
        )

        project_best, result = float("inf"), None
        for _ in range(args.repeat):
            Vote.objects.filter(pk=vote.pk).update(status=VoteStatus.OPEN)
            t = time.perf_counter()
            result = services.vote_count(vote=vote, by=worker)
            project_best = min(project_best, time.perf_counter() - t)
        floor_best, row = float("inf"), None
        for _ in range(args.repeat):
            t = time.perf_counter()
            with transaction.atomic(), connection.cursor() as c:
                c.execute(FLOOR_SQL, {"estate": estate.pk, "vote": vote.pk})
                row = c.fetchone()
            floor_best = min(floor_best, time.perf_counter() - t)
        assert result is not None and row is not None
        project = (
            result.members,
            result.total_area,
            result.yes + result.no + result.abstain + result.invalid,
            result.cast_area,
            result.yes,
            result.yes_area,
        )
        floor = (row[0], Decimal(row[1]), row[2], Decimal(row[3]), row[4], Decimal(row[5]))
        print(
            f"\n{'side':<10} {'owners':>7} {'area㎡':>14} {'voted':>7} {'voted㎡':>14} {'yes':>7} {'yes㎡':>14} {'best s':>8}"
        )
        for label, v, s in (("project", project, project_best), ("floor SQL", floor, floor_best)):
            print(f"{label:<10} {v[0]:>7} {v[1]:>14} {v[2]:>7} {v[3]:>14} {v[4]:>7} {v[5]:>14} {s:>8.4f}")
        equal = project == floor
        print(f"\nverdict: {'通过' if result.passed else '未通过'}\n{result.explanation}")
        print(f"tallies equal: {equal}")
        if not equal:
            sys.exit("the project's tally differs from the SQL floor")
        print(
            f"BENCH ballots households={households} buildings={BUILDINGS} owners={result.members} "
            f"project_s={project_best:.4f} floor_s={floor_best:.4f} equal={equal} ratio={project_best / floor_best:.2f}"
        )
    finally:
        from django.db import connections

        connections.close_all()
        pg_reset(args.pg_url, db_name, drop_only=True)


if __name__ == "__main__":
    main()
