"""Benchmark: every indicator for every region of a synthetic city, beside a full GROUP BY scan.

Builds a synthetic city in the real tables (regions, households, persons, staff, facilities,
reported values) with set-based SQL (PostgreSQL ``generate_series``; a recursive CTE on SQLite),
then times, on the same database:

- project: ``linli.indicators.selectors.evaluate`` of all indicators for all regions of every
  level (city, districts, streets, communities, grids) — GROUP BY over region code prefixes;
- scan: one full-table ``SELECT region_id, COUNT(*) FROM registry_person GROUP BY region_id``
  (index scans disabled so that the table itself is read; the same query as the planner runs it,
  answered from the (region, status) index alone, is printed beside as ``scan-idx``);
- loop: the same evaluation run region by region (one root per region) — sampled per level and
  extrapolated to all regions, which the output says.

    python bench/indicators.py --pg-url postgres://linli:linli@127.0.0.1:5432/linli  # 10 M persons
    python bench/indicators.py --quick                                             # SQLite, 200 000

With ``--pg-url`` the script creates (and keeps, for inspection; ``--drop`` removes) a database named
``linli_bench_indicators`` on that server. Target: project within 3× of the scan.
The last line reads ``BENCH indicators … ratio=<project/scan>``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CITY = "4401"
DISTRICTS = 11
BENCH_DB = "linli_bench_indicators"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--pg-url", default="", help="PostgreSQL server URL (a database linli_bench_indicators is made)"
    )
    p.add_argument("--quick", action="store_true", help="200 000 persons, 300 communities, 3 000 grids")
    p.add_argument("--persons", type=int, default=0)
    p.add_argument("--communities", type=int, default=0)
    p.add_argument("--grids-per-community", type=int, default=10)
    p.add_argument("--sample", type=int, default=12, help="regions per level timed in the per-region loop")
    p.add_argument("--reuse", action="store_true", help="keep an already generated database")
    p.add_argument("--drop", action="store_true", help="drop the PostgreSQL bench database at the end")
    a = p.parse_args()
    a.persons = a.persons or (200_000 if a.quick else 10_000_000)
    a.communities = a.communities or (300 if a.quick else 3_000)
    return a


def setup_database(a: argparse.Namespace) -> str:
    if a.pg_url:
        import psycopg

        parts = urlsplit(a.pg_url)
        admin = urlunsplit(parts._replace(path="/postgres"))
        if not a.reuse:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
                conn.execute(f"CREATE DATABASE {BENCH_DB}")
        return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    path = ROOT / "var" / "bench" / "indicators.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not a.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}"


def series(vendor: str, n: int) -> str:
    """A table expression ``s(i)`` of 0 … n-1."""
    if vendor == "postgresql":
        return f"generate_series(0, {n - 1}) AS s(i)"
    return f"(WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < {n - 1}) SELECT i FROM c) AS s"


def generate(a: argparse.Namespace) -> dict[str, int]:
    """The synthetic city, inserted set-wise. Returns the row counts."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from linli.facilities.models import FacilityType
    from linli.indicators.models import DataElement
    from linli.regions.models import Level, Region

    vendor = connection.vendor
    pg = vendor == "postgresql"
    n_comm, gpc = a.communities, a.grids_per_community
    streets_per_district = max(1, round(n_comm / 17 / DISTRICTS))
    n_streets = streets_per_district * DISTRICTS
    today = timezone.localdate()
    year = today.year
    t0 = time.perf_counter()
    with transaction.atomic():
        mk = dict(valid_from=dt.date(2023, 1, 1), source="bench")
        prov = Region.objects.create(code=CITY[:2], name="合成省", level=Level.PROVINCE, **mk)
        city = Region.objects.create(code=CITY, name="合成市", level=Level.CITY, parent=prov, **mk)
        districts = Region.objects.bulk_create(
            [
                Region(
                    code=f"{CITY}{d + 1:02d}", name=f"第{d + 1}区", level=Level.DISTRICT, parent=city, **mk
                )
                for d in range(DISTRICTS)
            ]
        )
        streets = Region.objects.bulk_create(
            [
                Region(
                    code=f"{districts[g // streets_per_district].code}{g % streets_per_district + 1:03d}",
                    name=f"第{g + 1}街道",
                    level=Level.STREET,
                    parent=districts[g // streets_per_district],
                    **mk,
                )
                for g in range(n_streets)
            ]
        )
        communities = Region.objects.bulk_create(
            [
                Region(
                    code=f"{streets[k % n_streets].code}{k // n_streets + 1:03d}",
                    name=f"第{k + 1}社区",
                    level=Level.COMMUNITY,
                    parent=streets[k % n_streets],
                    urban_rural="urban" if k % 3 else "rural",
                    **mk,
                )
                for k in range(n_comm)
            ],
            batch_size=2000,
        )
        grids = Region.objects.bulk_create(
            [
                Region(
                    code=f"{c.code}{j + 1:03d}",
                    name=f"{c.name}第{j + 1}网格",
                    level=Level.GRID,
                    parent=c,
                    urban_rural=c.urban_rural,
                    **mk,
                )
                for c in communities
                for j in range(gpc)
            ],
            batch_size=5000,
        )
    n_grids = len(grids)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_grid (n integer PRIMARY KEY, region_id integer NOT NULL)")
        cur.execute(
            "CREATE TABLE bench_community (n integer PRIMARY KEY, region_id integer NOT NULL, urban integer NOT NULL)"
        )
        cur.executemany("INSERT INTO bench_grid VALUES (%s, %s)", [(i, g.pk) for i, g in enumerate(grids)])
        cur.executemany(
            "INSERT INTO bench_community VALUES (%s, %s, %s)",
            [(i, c.pk, 1 if c.urban_rural == "urban" else 0) for i, c in enumerate(communities)],
        )
    print(
        f"  regions: {2 + DISTRICTS + n_streets + n_comm + n_grids:,} in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )

    n_hh = max(n_grids, round(a.persons / 2.85))
    now = "now()" if pg else "datetime('now')"
    birth = (
        "DATE '1940-01-01' + (s.i % 30000)" if pg else "date('1940-01-01', '+' || (s.i % 30000) || ' days')"
    )
    t = time.perf_counter()
    with connection.cursor() as cur:
        if pg:
            cur.execute("SET synchronous_commit = off")
        cur.execute(
            f"""INSERT INTO registry_household (code, region_id, unit, room, address, created_at)
                SELECT 'H' || s.i, g.region_id, '', '', '', {now} FROM {series(vendor, n_hh)}
                JOIN bench_grid g ON g.n = s.i % {n_grids}"""
        )
        cur.execute("SELECT MIN(id) FROM registry_household")
        hmin = cur.fetchone()[0]
        print(f"  households: {n_hh:,} in {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        cur.execute(
            f"""INSERT INTO registry_person (name, id_number, id_number_index, sex, birth_date, phone, phone_index,
                    household_id, relation, residence_type, ethnicity, region_id, status, note, created_at, updated_at)
                SELECT '居民' || s.i, '', 'b' || s.i, CASE WHEN s.i % 2 = 0 THEN 'M' ELSE 'F' END, {birth}, '', '',
                    {hmin} + s.i % {n_hh}, 'other',
                    CASE WHEN s.i % 50 = 0 THEN 'separated' WHEN s.i % 10 < 7 THEN 'registered'
                         WHEN s.i % 10 < 9 THEN 'resident' ELSE 'floating' END,
                    '汉族', g.region_id, CASE WHEN s.i % 100 = 99 THEN 'moved_out' ELSE 'active' END, '', {now}, {now}
                FROM {series(vendor, a.persons)} JOIN bench_grid g ON g.n = (s.i % {n_hh}) % {n_grids}"""
        )
        print(f"  persons: {a.persons:,} in {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        # staff: 6 community workers per community (every third certified), 1 grid worker per grid
        cur.execute(
            f"""INSERT INTO registry_staff (name, kind, post, region_id, phone, phone_index, certificate_level, certificate_no, active)
                SELECT '社工' || s.i, 'community_worker', '', c.region_id, '', '',
                       CASE WHEN s.i % 3 = 0 THEN 'assistant' ELSE '' END, CASE WHEN s.i % 3 = 0 THEN 'C' || s.i ELSE '' END,
                       {"s.i % 40 <> 39" if pg else "(s.i % 40 <> 39)"}
                FROM {series(vendor, n_comm * 6)} JOIN bench_community c ON c.n = s.i % {n_comm}"""
        )
        cur.execute(
            f"""INSERT INTO registry_staff (name, kind, post, region_id, phone, phone_index, certificate_level, certificate_no, active)
                SELECT '网格员' || g.n, 'grid_worker', '', g.region_id, '', '', '', '', {"true" if pg else "1"} FROM bench_grid g"""
        )
        types = {ft.code: ft.pk for ft in FacilityType.objects.all()}
        plan = [  # type, share of communities (by n % m == 0 … rule), building area base
            ("party_center", 1, 250, 7),
            ("volunteer_station", 2, 40, 1),
            ("police_room", 3, 30, 1),
            ("fire_station", 2, 20, 1),
            ("parent_school", 4, 60, 1),
            ("elderly_station", 2, 300, 1),
            ("women_home", 3, 40, 1),
            ("convenience_store", 1, 120, 1),
            ("supermarket", 5, 600, 1),
        ]
        for code, every, area, spread in plan:
            cur.execute(
                f"""INSERT INTO facilities_facility (code, name, type_id, region_id, address, building_area, activity_area, office_area,
                        opening_hours, short_days, operator_name, status, source, created_at, updated_at)
                    SELECT '{code}-' || c.n, '{code}', {types[code]}, c.region_id, '', {area} + (c.n % 17) * {spread} * 10,
                        ({area} + (c.n % 17) * {spread} * 10) * 0.6, ({area} + (c.n % 17) * {spread} * 10) * 0.2,
                        '{{}}', 0, '', 'open', 'bench', {now}, {now}
                    FROM bench_community c WHERE c.n % {every} = 0"""
            )
        for code, street_every in (("social_work_station", 1), ("nursery", 2)):
            cur.execute(
                f"""INSERT INTO facilities_facility (code, name, type_id, region_id, address, building_area, opening_hours, short_days,
                        operator_name, status, source, created_at, updated_at)
                    SELECT '{code}-' || r.code, '{code}', {types[code]}, r.id, '', 300, '{{}}', 0, '', 'open', 'bench', {now}, {now}
                    FROM regions_region r WHERE r.level = 4 AND CAST(substr(r.code, 7, 3) AS integer) % {street_every} = 0"""
            )
        els = {e.code: e.pk for e in DataElement.objects.all()}
        approved = "'approved'"
        for code, expr, cond in (
            ("registered_volunteers", "200 + c.n % 300", "1=1"),
            ("community_floor_area", "60000 + (c.n % 50) * 1000", "1=1"),
            ("communities_on_platform", "CASE WHEN c.n % 10 = 0 THEN 0 ELSE 1 END", "1=1"),
            ("urban_communities_with_selfservice", "CASE WHEN c.n % 7 = 0 THEN 0 ELSE 1 END", "c.urban = 1"),
            ("resident_satisfaction", "80 + c.n % 15", "1=1"),
        ):
            cur.execute(
                f"""INSERT INTO indicators_datavalue (element_id, region_id, year, period, value, status, version, current, reason,
                        source, entered_at, review_note)
                    SELECT {els[code]}, c.region_id, {year}, 0, {expr}, {approved}, 1, {"true" if pg else "1"}, '', 'bench', {now}, ''
                    FROM bench_community c WHERE {cond}"""
            )
        for code, v in (
            ("social_work_talents", 300),
            ("basic_medical_institutions", 80),
            ("basic_medical_up_to_standard", 60),
            ("new_residential_areas", 10),
            ("new_residential_with_elderly", 9),
        ):
            cur.execute(
                f"""INSERT INTO indicators_datavalue (element_id, region_id, year, period, value, status, version, current, reason,
                        source, entered_at, review_note)
                    SELECT {els[code]}, r.id, {year}, 0, {v}, {approved}, 1, {"true" if pg else "1"}, '', 'bench', {now}, ''
                    FROM regions_region r WHERE r.level = 3"""
            )
        cur.execute("ANALYZE")
    print(f"  staff, facilities, reported values in {time.perf_counter() - t:.1f} s", flush=True)
    return {
        "persons": a.persons,
        "households": n_hh,
        "communities": n_comm,
        "grids": n_grids,
        "streets": n_streets,
    }


def best_of(fn, runs: int = 2) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    a = parse_args()
    os.environ["DATABASE_URL"] = setup_database(a)
    os.environ.setdefault("LINLI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from linli.indicators import selectors
    from linli.registry.models import Person

    print(f"database: {connection.vendor}", flush=True)
    if not (a.reuse and Person.objects.exists()):
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"  migrated in {time.perf_counter() - t:.1f} s", flush=True)
        counts = generate(a)
    else:
        counts = {"persons": Person.objects.count()}
    year = timezone.localdate().year
    compiled, errors = selectors.compiled_indicators()
    assert not errors, errors
    lengths = [4, 6, 9, 12, 15]

    def scan(full_table: bool = False) -> int:
        with connection.cursor() as cur:
            if full_table and connection.vendor == "postgresql":
                # read the table itself: the planner otherwise answers from the (region, status) index
                cur.execute(
                    "SET enable_indexonlyscan = off; SET enable_indexscan = off; SET enable_bitmapscan = off"
                )
            sql = "SELECT region_id, COUNT(*) FROM registry_person GROUP BY region_id"
            if full_table and connection.vendor == "sqlite":
                sql = "SELECT region_id, COUNT(*) FROM registry_person NOT INDEXED GROUP BY region_id"
            cur.execute(sql)
            n = len(cur.fetchall())
            if full_table and connection.vendor == "postgresql":
                cur.execute("RESET enable_indexonlyscan; RESET enable_indexscan; RESET enable_bitmapscan")
            return n

    def project() -> dict:
        return selectors.evaluate(compiled, CITY, lengths, year)[0]

    scan(True)  # warm the cache for all
    t_index, groups = best_of(scan)
    t_scan, _ = best_of(lambda: scan(True))
    t_project, values = best_of(project)
    assert isinstance(values, dict)
    n_regions = len(values)
    n_values = sum(len(v) for v in values.values())
    computed = sum(1 for v in values.values() for x in v.values() if x.value is not None)
    print(
        f"scan     : {t_scan:8.2f} s  full-table GROUP BY region_id over {counts['persons']:,} persons ({groups:,} groups)"
    )
    print(
        f"scan-idx : {t_index:8.2f} s  the same query as the planner runs it: from the (region, status) index alone"
    )
    print(
        f"project  : {t_project:8.2f} s  {len(compiled)} indicators × {n_regions:,} regions = {n_values:,} values ({computed:,} computed, the rest marked gaps)"
    )

    # per-region loop: the same evaluation with each region as its own root, sampled per level
    rng = random.Random(7)
    by_level: dict[int, list[str]] = {}
    for code in values:
        by_level.setdefault(len(code), []).append(code)
    t_loop = 0.0
    notes = []
    for n, codes in sorted(by_level.items()):
        sample = codes if len(codes) <= a.sample else rng.sample(codes, a.sample)
        times = []
        for code in sample:
            t = time.perf_counter()
            one = selectors.evaluate(compiled, code, [n], year)[0][code]
            times.append(time.perf_counter() - t)
            for k, v in one.items():  # same answers, region by region
                w = values[code][k]
                assert (v.value is None) == (w.value is None) and (
                    v.value is None or abs(v.value - w.value) < 1e-9
                ), (code, k)
        est = statistics.mean(times) * len(codes)
        t_loop += est
        notes.append(f"{len(sample)}/{len(codes)} of length {n}")
    print(f"loop     : {t_loop:8.2f} s  per-region evaluation, sampled ({'; '.join(notes)}) and extrapolated")
    ratio = t_project / t_scan
    print(
        f"BENCH indicators db={connection.vendor} persons={counts['persons']} regions={n_regions} "
        f"project_s={t_project:.3f} scan_s={t_scan:.3f} scan_index_s={t_index:.3f} ratio_index={t_project / t_index:.2f} "
        f"loop_s={t_loop:.1f} loop_ratio={t_loop / t_project:.0f} ratio={ratio:.2f}"
    )
    if a.drop and a.pg_url:
        connection.close()
        import psycopg

        with psycopg.connect(
            urlunsplit(urlsplit(a.pg_url)._replace(path="/postgres")), autocommit=True
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
