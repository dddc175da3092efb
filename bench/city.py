"""Benchmark: 广州 on one PostgreSQL — generate the city, run its night, time every page at city scale.

1. **The city** (``bench/city_gen.py``, its docstring says how it scales): 11 districts, 176 streets,
   2 851 communities, 20 000 grids; at ``--scale 1`` ≈1 M buildings, ≈6.5 M households, 18.7 M persons
   with tags, ≈3 M requests of a year with their events, facilities, services with slots and bookings,
   4.31 M volunteers with activities and hours, care files, groups and a year of visits, walking
   networks of ≈1 M nodes, and the accounts (``city_admin``; ``qu440106``, 天河's administrator;
   password ``linli-city-2026``). The schema comes from ``migrate`` on an empty database, the rows from
   COPY. The database is named for scale and seed (``linli_city_s0_1_r1``) and carries the pair in its
   comment: ``--reuse`` keeps it when the comment matches and skips generation.
2. **The nightly cycle**: every job of the scheduler's registry (``linli.core.schedule.jobs()``: among
   them the indicators snapshot of the whole city and the full life-circle recompute of every
   computed district), one after another, each in a child process of its own, after what a new city
   does once (timed and printed, not counted in the night): the first computation of its life circle
   and the first evaluation of the care rules over the whole registry, dated the day before, so that
   the night's ``care_nightly`` is a steady night's, evaluating the persons a day changed:
   its seconds and its peak memory (``RUSAGE_CHILDREN`` maxrss of that child). Target: all within 15
   minutes at scale 1, no process over 2 GB. The night runs before the pages: the pages are the morning
   after (access and coverage computed).
3. **Pages at city scale**: the city administrator, the district administrator and, in that district,
   a street's coordinator, a community's worker, a grid's worker and a resident (``bench/city_pages.py``)
   log in (Django test ``Client`` on the generated database, ``DEBUG`` off, in a process started as
   ``linli.wsgi`` starts a web worker: views imported, start-up objects frozen out of the collector);
   every page of each account's menu
   (``core.context.navigation``), list pages again with realistic filters (a status, a search word,
   page 2), and every API list (``GET`` operations of the OpenAPI schema without a path parameter) are
   requested ``--repeat`` times: p50/p95 per page. The **floor** of a page is the bare SQL of its
   heaviest query: the statements of one request are captured (``CaptureQueriesContext``), the slowest is
   run again ``--repeat`` times with a raw cursor (same SQL, same parameters, same rows, no Django), its
   median is the floor. Target: p95 < 500 ms and ≤ 5× the floor; the pages over target are printed worst
   first with their slowest SQL.

Ends with ``BENCH city scale=… pages_p95_max_ms=… pages_over_target=… nightly_s=… peak_mb=… ratio=<worst
page p95 / its floor>``.

    nice -n 19 .venv/bin/python bench/city.py --scale 0.1            # a tenth of 广州 (minutes)
    nice -n 19 .venv/bin/python bench/city.py --scale 0.1 --reuse    # measure again, no generation
    nice -n 19 .venv/bin/python bench/city.py --quick                # --scale 0.01
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 500.0
TARGET_RATIO = 5.0
NIGHT_TARGET_S = 15 * 60
PEAK_TARGET_MB = 2048


def db_name(scale: float, seed: int) -> str:
    return f"linli_city_s{str(scale).replace('.', '_')}_r{seed}"


def marker(scale: float, seed: int) -> str:
    return f"linli-city scale={scale} seed={seed}"


def prepare(admin_url: str, name: str, scale: float, seed: int, reuse: bool, template: str) -> bool:
    """Whether the database ``name`` must be generated (created here, empty) or is reused."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if reuse and row and row[0] == marker(scale, seed):
            return False
        if row:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            conn.execute(f"DROP DATABASE {name}")
        conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return True


def setup(url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": url,
            "LINLI_TESTING": "1",
            "LINLI_DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "linli.settings",
            "LINLI_LOG_LEVEL": "ERROR",
        }
    )
    import django

    django.setup()


def database_size() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        return cur.fetchone()[0]


# --- the night ---------------------------------------------------------------------------------------


def night_jobs() -> list[tuple[str, str]]:
    """(name, label) of every job of the night: the scheduler's registry, after the first computation of
    the life circle of every district that has none yet (a new city's, not a night's work)."""
    from linli.core import schedule

    return [(name, label) for name, (label, _) in FIRST.items()] + [
        (j.name, j.label) for j in schedule.jobs()
    ]


def lifecircle_first() -> dict[str, Any]:
    """The first computation of every district's life circle not computed yet."""
    from linli.lifecircle.models import ComputeRun
    from linli.lifecircle.services import recompute
    from linli.regions.models import Level, Region

    out = {}
    done = ComputeRun.objects.filter(incremental=False).values("region_id")
    for d in (
        Region.objects.current()
        .filter(level=Level.DISTRICT, code__startswith="4401")
        .exclude(pk__in=done)
        .order_by("code")
    ):
        t = time.perf_counter()
        run = recompute(d)
        out[d.code] = f"{run.buildings} buildings {time.perf_counter() - t:.0f} s"
    return out


def care_first() -> dict[str, Any]:
    """The first evaluation of the care rules over the whole registry, dated yesterday (what a city
    does once, when its registry is loaded); the night after it evaluates only what changed in a day."""
    import datetime as dt

    from django.utils import timezone

    from linli.care.models import EvaluationRun
    from linli.care.services import care_evaluate_nightly

    if EvaluationRun.objects.exists():
        return {"skipped": "evaluated before"}
    evaluation, run = care_evaluate_nightly(day=timezone.localdate() - dt.timedelta(days=1), full=True)
    return {"full": run.full, "opened": evaluation.opened, "seconds": run.seconds}


# the work of a new city, done once before its first night (timed and printed, not counted in the night)
FIRST = {
    "lifecircle_first": ("生活圈首次计算（尚未计算的区）", lifecircle_first),
    "care_first": ("关爱人群首次全量评估（新城市）", care_first),
}


def run_job(name: str) -> dict[str, Any]:
    """Run one job of the night in this (child) process; its result, as text."""
    from linli.core import schedule

    if name in FIRST:
        return FIRST[name][1]()
    result = schedule.get(name).run()
    return result if isinstance(result, dict) else {"result": str(result)[:200]}


def night(url: str) -> tuple[float, float, list[tuple[str, str, float, float, str]]]:
    """Every job in a child process of its own: (total seconds, peak MB, rows)."""
    rows = []
    total = 0.0
    peak = 0.0
    for name, label in night_jobs():
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "--job", name, "--url", url],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        wall = time.perf_counter() - t
        out = proc.stdout.strip().splitlines()
        info = json.loads(out[-1]) if proc.returncode == 0 and out else {}
        s = float(info.get("seconds", wall))  # the job itself, without the child's start-up
        mb = float(info.get("maxrss_mb", 0))
        note = info.get("result", "") if proc.returncode == 0 else "FAILED: " + proc.stderr.strip()[-300:]
        rows.append((name, label, s, mb, str(note)[:160]))
        if name not in FIRST:  # a new city's first computation, not a night's work
            total += s
            peak = max(peak, mb)
        print(
            f"  {name:<24}{s:8.1f} s {mb:8.0f} MB  (process {wall:5.1f} s)  {label}  {str(note)[:100]}",
            flush=True,
        )
    return total, peak, rows


def job_main(name: str, url: str) -> None:
    setup(url)
    t = time.perf_counter()
    result = run_job(name)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - t,
                "maxrss_mb": rss,
                "result": json.dumps(result, ensure_ascii=False, default=str)[:300],
            },
            ensure_ascii=False,
        )
    )


# --- the pages --------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--quick", action="store_true", help="--scale 0.01")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="keep a database of the same scale and seed")
    ap.add_argument(
        "--pg-url", default="postgres://linli:linli@127.0.0.1/postgres", help="the server (any db)"
    )
    ap.add_argument("--template", default="", help="a migrated empty database to copy instead of migrating")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip", default="", help="comma list of parts to skip: night,pages")
    ap.add_argument(
        "--db", default="", help="an existing city database (a copy, say) to measure; no generation"
    )
    ap.add_argument(
        "--only", default="", help="comma list: time only the pages and lists whose URL or name has one"
    )
    ap.add_argument("--job", help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.job:
        job_main(a.job, a.url)
        return
    scale = 0.01 if a.quick else a.scale
    base = a.pg_url.rsplit("/", 1)[0]
    name = a.db or db_name(scale, a.seed)
    url = f"{base}/{name}"
    fresh = False if a.db else prepare(f"{base}/postgres", name, scale, a.seed, a.reuse, a.template)
    print(
        f"city bench: 广州 at scale {scale}, seed {a.seed}, database {name} ({'new' if fresh else 'reused'})",
        flush=True,
    )
    setup(url)
    from django.core.management import call_command
    from django.db import connection

    gen_s = 0.0
    if fresh:
        from bench.city_gen import generate

        t = time.perf_counter()
        if not a.template:
            call_command("migrate", verbosity=0)
            print(f"  migrate                           {time.perf_counter() - t:8.1f} s", flush=True)
        generate(scale, a.seed)
        gen_s = time.perf_counter() - t
        with connection.cursor() as cur:
            cur.execute(f"COMMENT ON DATABASE {name} IS %s", [marker(scale, a.seed)])
        print(f"  generation: {gen_s:.0f} s ({gen_s / 60:.1f} min)", flush=True)
    else:
        call_command("migrate", verbosity=0)
    print(f"  database size: {database_size() / 2**30:.2f} GiB ({name})", flush=True)
    skip = set(filter(None, a.skip.split(",")))
    nightly_s, peak = 0.0, 0.0
    if "night" not in skip:
        print("nightly cycle (each job in a child process):", flush=True)
        connection.close()
        nightly_s, peak, _ = night(url)
        print(f"  night: {nightly_s:.0f} s, peak {peak:.0f} MB", flush=True)
    p95_max, over, ratio = 0.0, 0, 0.0
    if "pages" not in skip:
        import linli.wsgi  # noqa: F401 (the pages are timed in a process started as a web worker starts)
        from bench.city_pages import walk

        p95_max, over, ratio = walk(repeat=a.repeat, only=[w for w in a.only.split(",") if w])
    print(
        f"BENCH city scale={scale} pages_p95_max_ms={p95_max:.0f} pages_over_target={over} nightly_s={nightly_s:.0f} "
        f"peak_mb={peak:.0f} ratio={ratio:.1f} generation_s={gen_s:.0f} db_gb={database_size() / 2**30:.2f}"
    )


if __name__ == "__main__":
    main()
