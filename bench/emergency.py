"""Benchmark: declare a response over an area of 500 000 people and have the vulnerable-person list
(重点人员核查名单) built and assigned to responders, on a 10 M-person registry on PostgreSQL.

The registry is the care bench's synthetic one (``bench.synthetic_registry``), spread over a district
of streets × 50 communities × 4 grids × 20 buildings, about 10 000 persons per community; care groups
are filled for the area from the care bench's hand-written rule queries (open files and memberships,
as ``care_evaluate`` leaves them). The area is one street (50 communities, 500 000 persons;
``--quick``: 1 M persons, an area of 5 communities, 50 000). Responders: one grid worker per grid, two
in every fifth grid, none in every tenth — there the leader of each building's 最小应急单元 takes the
persons, and a community worker per community those with no building.

- project: ``linli.emergency.services.response_declare`` by the street's coordinator, Ⅲ级 typhoon
  response over the area's communities — the event, its tasks, and ``checklist_build`` (one INSERT …
  SELECT with the categories of ``engine.vulnerable`` and the assignment);
- floor: one SELECT written by hand for PostgreSQL that finds the same persons (the categories' tags,
  care groups, age windows and living alone folded into three EXISTS and two date ranges).

A declaration over a second street of the same size runs first, unmeasured, so that both sides meet
warm caches. PostgreSQL's JIT is off for the session (both sides): its compile time, about 1.5 s a
statement of this size, would otherwise dominate and hide the difference. The two must find the same
persons (the sets are compared) and every listed person must have a responder, else the bench exits 1.
Prints both times, both counts, the slowest SQL statements of the project side, and ends
``BENCH emergency declare_s=… floor_s=… persons=… ratio=<project/floor>``.

    python bench/emergency.py --pg-url postgres://linli:linli@127.0.0.1/linli_emergency_bench          # 10 M
    python bench/emergency.py --quick --pg-url postgres://linli:linli@127.0.0.1/linli_emergency_bench  # 1 M
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pgbench_db import setup_django  # noqa: E402
from bench.synthetic_registry import District, build_district, build_registry  # noqa: E402

PER_COMMUNITY = 10_000
COMMUNITIES_PER_STREET = 50
GRIDS = 4
BUILDINGS = 20
# the categories the floor below was written for: a change there must be written here too
FLOOR_CATEGORIES = {
    "bedridden",
    "alone_elderly",
    "disabled_severe",
    "pregnant",
    "infant",
    "serious_illness",
    "child_unattended",
    "elderly_80",
    "disabled",
    "special_elderly",
}


def db_drop(admin_url: str, name: str) -> None:
    """Drop the bench's database the plain way (the role may not use ``WITH (FORCE)``): Django's
    connections closed, any other session of this role on it ended, then ``DROP DATABASE``."""
    import psycopg
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND usename = current_user AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def db_create(admin_url: str, name: str) -> str:
    """A fresh database ``name`` (a leftover of an earlier run dropped first); its URL."""
    import psycopg

    db_drop(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def db_comment(admin_url: str, name: str) -> str | None:
    """The comment on database ``name`` (where a kept run writes its size and seed), or None."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    return row[0] if row else None


def district_load() -> District:
    """The ``District`` an earlier run's ``build_district`` made, read back from its regions."""
    from linli.regions.models import Level, Region
    from linli.registry.models import Building

    streets: dict[int, list[int]] = {}
    grids: dict[int, list[int]] = {}
    buildings: dict[int, list[int]] = {}
    bench = Region.objects.filter(source="bench").order_by("code")
    for pk, parent, level in bench.values_list("pk", "parent_id", "level"):
        if level == Level.STREET:
            streets[pk] = []
        elif level == Level.COMMUNITY:
            streets[parent].append(pk)
            grids[pk] = []
        elif level == Level.GRID:
            grids[parent].append(pk)
            buildings[pk] = []
    for pk, region in (
        Building.objects.filter(region_id__in=list(buildings)).order_by("pk").values_list("pk", "region_id")
    ):
        buildings[region].append(pk)
    return District(streets=streets, grids=grids, buildings=buildings)


def fill_care_groups(grids: list[int]) -> None:
    """Open care files and memberships of the persons of ``grids`` for the groups the emergency
    categories read, from the care bench's hand-written rule queries (what ``care_evaluate`` would
    leave; only the area's, since the rest of the district is never read)."""
    from django.db import connection

    from bench.care import DAY, floor_queries
    from linli.emergency.engine import vulnerable

    t = time.perf_counter()
    queries = floor_queries()
    codes = sorted(vulnerable.care_group_codes())
    with connection.cursor() as cur:
        union = " UNION ".join(
            f"SELECT id, region_id FROM ({queries[c]}) q{i} WHERE region_id = ANY(%s)"
            for i, c in enumerate(codes)
        )
        cur.execute(
            "INSERT INTO care_carefile (person_id, region_id, opened_on, closing_reason, living_conditions, "
            "health, income_source, guardians, emergency_contacts, need_level, assessment, updated_at) "
            f"SELECT id, region_id, %s, '', '', '', '', '', '', '', '', now() FROM ({union}) u",
            [DAY, *[grids] * len(codes)],
        )
        files = cur.rowcount
        members = 0
        for c in codes:
            cur.execute(
                "INSERT INTO care_caremembership (file_id, rule_id, since, reason, end_reason) "
                f"SELECT f.id, r.id, %s, 'bench', '' FROM ({queries[c]}) q "
                "JOIN care_carefile f ON f.person_id = q.id JOIN care_carerule r ON r.code = %s "
                "WHERE q.region_id = ANY(%s)",
                [DAY, c, grids],
            )
            members += cur.rowcount
        cur.execute("ANALYZE care_carefile")
        cur.execute("ANALYZE care_caremembership")
    print(
        f"  care groups: {files:,} files, {members:,} memberships in {time.perf_counter() - t:.1f} s",
        flush=True,
    )


def responders(district: District, street_id: int) -> Any:
    """Grid worker accounts of the area's grids (one, two in every fifth grid, none in every tenth),
    a 最小应急单元 with a leader for every building of the grids without one, a community worker per
    community; the street's coordinator."""
    from linli.core.models import User
    from linli.core.roles import Role
    from linli.emergency.models import EmergencyUnit

    accounts: list[User] = []
    uncovered: list[int] = []
    area_grids = [g for c in district.streets[street_id] for g in district.grids[c]]
    for k, g in enumerate(area_grids):
        n = 0 if k % 10 == 9 else 2 if k % 5 == 0 else 1
        accounts += [
            User(
                username=f"bg{g}_{i}",
                role=Role.GRID_WORKER,
                region_id=g,
                password="!",
                display_name=f"网格员{g}-{i}",
            )
            for i in range(n)
        ]
        if n == 0:
            uncovered.append(g)
    leaders = {
        b: User(username=f"bl{b}", role=Role.RESIDENT, password="!", display_name=f"单元长{b}")
        for g in uncovered
        for b in district.buildings[g]
    }
    workers = [
        User(
            username=f"bc{c}", role=Role.COMMUNITY_WORKER, region_id=c, password="!", display_name=f"社区{c}"
        )
        for c in district.streets[street_id]
    ]
    User.objects.bulk_create([*accounts, *leaders.values(), *workers])
    community_of = {g: c for c in district.streets[street_id] for g in district.grids[c]}
    b_grid = {b: g for g in uncovered for b in district.buildings[g]}
    EmergencyUnit.objects.bulk_create(
        EmergencyUnit(
            region_id=community_of[b_grid[b]],
            building_id=b,
            name=f"{b}号楼应急单元",
            leader=u,
            leader_name=u.display_name,
        )
        for b, u in leaders.items()
    )
    actor = User.objects.create(
        username=f"bench_street{street_id}",
        role=Role.STREET_COORDINATOR,
        region_id=street_id,
        password="!",
        display_name="街道",
    )
    print(
        f"  responders: {len(accounts)} grid workers over {len(area_grids)} grids, "
        f"{len(leaders)} unit leaders for {len(uncovered)} grids without one, {len(workers)} community workers",
        flush=True,
    )
    return actor


def floor_sql(street_code: str, day: dt.date) -> tuple[str, list[Any]]:
    """The persons of the area in some category, by hand: active, in a grid of the street, and an infant,
    80+, or holding one of the tags / care groups (with its age window), or 60+ alone in the household."""
    from linli.care.engine.rules import born_on_or_before

    b3, b18, b60, b80 = (born_on_or_before(day, a) for a in (3, 18, 60, 80))
    sql = """
        SELECT p.id FROM registry_person p
        WHERE p.status = 'active'
          AND p.region_id IN (SELECT id FROM regions_region WHERE code >= %(lo)s AND code < %(hi)s)
          AND (
            p.birth_date > %(b3)s OR p.birth_date <= %(b80)s
            OR EXISTS (
              SELECT 1 FROM registry_persontag t
              WHERE t.person_id = p.id AND t.valid_from <= %(d)s AND (t.valid_to IS NULL OR t.valid_to >= %(d)s)
                AND (t.kind IN ('bedridden', 'pregnant', 'serious_illness', 'disabled')
                     OR (t.kind IN ('living_alone', 'tekun') AND p.birth_date <= %(b60)s)
                     OR (t.kind IN ('left_behind_child', 'child_in_difficulty') AND p.birth_date > %(b18)s)))
            OR EXISTS (
              SELECT 1 FROM care_carefile f
              JOIN care_caremembership m ON m.file_id = f.id AND m.until IS NULL
              JOIN care_carerule r ON r.id = m.rule_id
              WHERE f.person_id = p.id AND f.closed_on IS NULL
                AND (r.code = 'severe_disabled'
                     OR (r.code = 'special_elderly' AND p.birth_date <= %(b60)s)
                     OR (r.code IN ('left_behind_child', 'child_in_difficulty') AND p.birth_date > %(b18)s)))
            OR (p.birth_date <= %(b60)s AND p.household_id IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM registry_person o
              WHERE o.household_id = p.household_id AND o.id <> p.id AND o.status = 'active'
                AND NOT o.legacy_duplicate))
          )
    """
    params = {
        "lo": street_code,
        "hi": street_code + ";",
        "d": day,
        "b3": b3,
        "b18": b18,
        "b60": b60,
        "b80": b80,
    }
    return sql, params  # type: ignore[return-value]


def floor_run(street_code: str, day: dt.date) -> tuple[set[int], float]:
    from django.db import connection

    sql, params = floor_sql(street_code, day)
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        ids = {r[0] for r in cur.fetchall()}
    return ids, time.perf_counter() - t


class StatementTimer:
    """``connection.execute_wrapper``: the time of every SQL statement, for the profile."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, str]] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.rows.append((time.perf_counter() - t, sql))

    def report(self, wall: float, top: int = 5) -> None:
        total = sum(s for s, _ in self.rows)
        print(
            f"  project profile: {len(self.rows)} statements, {total:.2f} s in them, {wall - total:.2f} s outside "
            "(Python, and the commit that checks the deferred foreign keys); slowest:"
        )
        for s, sql in sorted(self.rows, reverse=True)[:top]:
            text = " ".join(sql.split())
            print(f"    {s:7.2f} s  {text[:160]}{'…' if len(text) > 160 else ''}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1 000 000 persons and an area of 50 000")
    ap.add_argument("--pg-url", default="postgres://linli:linli@127.0.0.1/linli_emergency_bench")
    ap.add_argument("--persons", type=int, default=0, help="another registry size (an area of 5 communities)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards (to look at plans)")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="reuse a database an earlier --keep run generated with the same size and seed (implies --keep)",
    )
    a = ap.parse_args()
    a.keep = a.keep or a.reuse
    n = a.persons or (1_000_000 if a.quick else 10_000_000)
    area_communities = COMMUNITIES_PER_STREET if n >= 10_000_000 else 5
    communities = max(n // PER_COMMUNITY, area_communities)
    base, name = a.pg_url.rsplit("/", 1)
    admin = f"{base}/postgres"
    stamp = f"linli emergency bench persons={n} seed={a.seed}"
    reused = a.reuse and db_comment(admin, name) == stamp
    url = f"{base}/{name}" if reused else db_create(admin, name)
    print(
        f"emergency bench: {n:,} persons, an area of {area_communities * PER_COMMUNITY:,} on PostgreSQL ({name})"
    )
    t = time.perf_counter()
    setup_django(url)
    print(f"  migrated in {time.perf_counter() - t:.1f} s", flush=True)

    from django.db import connection
    from django.utils import timezone

    from linli.core.models import User
    from linli.emergency.engine import vulnerable
    from linli.emergency.models import CheckItem, Event
    from linli.emergency.services import response_declare
    from linli.regions.models import Region

    if {c.key for c in vulnerable.CATEGORIES} != FLOOR_CATEGORIES:
        sys.exit("engine.vulnerable's categories changed: write them into the floor query first")
    if reused:
        district = district_load()
        measured, warm = list(district.streets)[:2]
        actors = {s: User.objects.get(username=f"bench_street{s}") for s in (measured, warm)}
        with connection.cursor() as cur:  # the earlier run's events go, and the statistics say so
            cur.execute(f"TRUNCATE {Event._meta.db_table} CASCADE")
            cur.execute(f"ANALYZE {CheckItem._meta.db_table}")
        print("  reusing the registry, care groups and responders of an earlier run", flush=True)
    else:
        district = build_district(max(2, communities // area_communities), area_communities, GRIDS, BUILDINGS)
        build_registry(n, a.seed, grids=district.all_grids, buildings=district.buildings)
        measured, warm = list(district.streets)[:2]  # the second street's declaration warms code and caches
        fill_care_groups(
            [g for s in (measured, warm) for c in district.streets[s] for g in district.grids[c]]
        )
        actors = {s: responders(district, s) for s in (measured, warm)}
    with connection.cursor() as cur:
        if not reused:
            cur.execute("ANALYZE")
            if a.keep:
                cur.execute(f'COMMENT ON DATABASE "{name}" IS %s', [stamp])
        cur.execute("SET jit = off")  # both sides: its compile time (≈1.5 s a statement here) hides the work
    day = timezone.localdate()  # the day checklist_build reads ages and tags on

    def declare(street_id: int, timer: StatementTimer) -> tuple[Any, float]:
        area = list(Region.objects.filter(pk__in=district.streets[street_id]).order_by("code"))
        t = time.perf_counter()
        with connection.execute_wrapper(timer):
            event = response_declare(
                actor=actors[street_id],
                level="III",
                regions=area,
                reason="台风“海燕”预计明晨登陆，启动Ⅲ级响应",
                hazard="typhoon",
                title="防御台风“海燕”Ⅲ级应急响应",
            )
        return event, time.perf_counter() - t

    code = {s: Region.objects.get(pk=s).code for s in (measured, warm)}
    declare(warm, StatementTimer())
    floor_run(code[warm], day)
    timer = StatementTimer()
    event, declare_s = declare(measured, timer)
    listed = set(CheckItem.objects.filter(event=event).values_list("person_id", flat=True))
    unassigned = CheckItem.objects.filter(event=event, assignee__isnull=True).count()
    ids, floor_s = floor_run(code[measured], day)
    print(
        f"  project: response_declare → list assigned {declare_s:.2f} s, {len(listed):,} persons, "
        f"{unassigned} without a responder"
    )
    print(f"  floor:   one hand-written SELECT      {floor_s:.2f} s, {len(ids):,} persons")
    timer.report(declare_s)
    if listed != ids:
        print(
            f"  MISMATCH: {len(listed - ids)} only in the project's list, {len(ids - listed)} only in the floor's"
        )
    if unassigned:
        print(f"  NOT FULLY ASSIGNED: {unassigned} listed persons have no responder")
    print(
        f"BENCH emergency declare_s={declare_s:.2f} floor_s={floor_s:.2f} persons={len(listed)} "
        f"floor_persons={len(ids)} unassigned={unassigned} area={area_communities * PER_COMMUNITY} registry={n} "
        f"ratio={declare_s / floor_s:.2f}"
    )
    if not a.keep:
        db_drop(admin, name)
    sys.exit(0 if listed == ids and not unassigned else 1)


if __name__ == "__main__":
    main()
