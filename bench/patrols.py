"""Benchmark: storing and summarising a month of patrol tracks on PostgreSQL.

The issue's size is 20 000 grid workers, two patrols a day for a month, a point every 30 s (45-minute
patrols: about 108 million points); ``--quick`` takes 50 workers (a community and a half). Each worker patrols his
own rectangular grid (a synthetic district), walking at 1.1 m/s with a GPS jump now and then.

Figures:
- ingest through the project's own path, ``services.patrol_points_add`` (what the phone page calls:
  lock the patrol, flag impossible jumps against the last trusted point, batched insert), on a sample
  of patrols sending 20 points a call — beside PostgreSQL's COPY of the same rows (the floor);
- the month's tracks loaded with COPY (points/s);
- per-grid coverage of the month: the project computes the patrols' summaries set-based, 5 000
  patrols at a time (``services.patrols_summarise``: one query for the batch's points in (patrol, time)
  order as plain columns, every segment's length and duration and every point-in-grid test at once
  with numpy / shapely) and writes them back in one ``UPDATE … FROM (VALUES …)`` per batch, then
  ``selectors.day_coverage`` per day — beside one hand-written SQL aggregate (window
  functions over the points, grid rectangle test, haversine) giving minutes and metres in grid per
  grid and day: the floor.

    python bench/patrols.py --quick --pg-url postgres://linli:linli@127.0.0.1/linli_grid_bench

Ends with ``BENCH patrols … ratio=<project coverage seconds / floor seconds>``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pgbench_db import pg_reset, setup_django  # noqa: E402

STEP_S = 30
PATROL_MIN = 45
SPEED = 1.1
CELL = 0.004  # grid rectangle, degrees (~400 m)

FLOOR_SQL = """
WITH p AS (
    SELECT tp.patrol_id, tp.at, tp.lat, tp.lon, pa.grid_id, pa.day,
           LAG(tp.at) OVER w AS at0, LAG(tp.lat) OVER w AS lat0, LAG(tp.lon) OVER w AS lon0
    FROM workforce_trackpoint tp JOIN workforce_patrol pa ON pa.id = tp.patrol_id
    WHERE NOT tp.flagged
    WINDOW w AS (PARTITION BY tp.patrol_id ORDER BY tp.at)
), s AS (
    SELECT p.grid_id, p.day, p.patrol_id,
           EXTRACT(EPOCH FROM (p.at - p.at0)) AS secs,
           2 * 6371008.8 * ASIN(SQRT(POWER(SIN(RADIANS(p.lat - p.lat0) / 2), 2)
               + COS(RADIANS(p.lat0)) * COS(RADIANS(p.lat)) * POWER(SIN(RADIANS(p.lon - p.lon0) / 2), 2))) AS metres,
           (p.lat BETWEEN g.lat0 AND g.lat1 AND p.lon BETWEEN g.lon0 AND g.lon1
            AND p.lat0 BETWEEN g.lat0 AND g.lat1 AND p.lon0 BETWEEN g.lon0 AND g.lon1) AS inside
    FROM p JOIN bench_grid_box g ON g.id = p.grid_id
    WHERE p.at0 IS NOT NULL
), per_patrol AS (
    SELECT grid_id, day, patrol_id,
           SUM(CASE WHEN inside AND secs <= 600 THEN secs ELSE 0 END) / 60 AS minutes,
           SUM(CASE WHEN inside AND secs <= 600 THEN metres ELSE 0 END) AS metres
    FROM s GROUP BY grid_id, day, patrol_id
)
SELECT grid_id, day, COUNT(*) AS patrols, COUNT(*) FILTER (WHERE minutes >= 20) AS counted,
       SUM(minutes) AS minutes, SUM(metres) AS metres
FROM per_patrol GROUP BY grid_id, day
"""


def build(workers: int, days: int, seed: int):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from linli.core.models import User
    from linli.core.roles import Role
    from linli.regions.models import Level, Region

    def region(code: str, name: str, level: int, parent: Region | None, **kw) -> Region:  # type: ignore[no-untyped-def]
        return Region.objects.create(code=code, name=name, level=level, parent=parent, source="bench", **kw)

    prov = region("35", "福建省", Level.PROVINCE, None)
    city = region("3505", "泉州市", Level.CITY, prov)
    dist = region("350504", "洛江区", Level.DISTRICT, city)
    street = region("350504001", "万安街道", Level.STREET, dist)
    grids, users = [], []
    communities: list[Region] = []
    for i in range(workers):
        c_i, g_i = divmod(i, 20)
        if g_i == 0:
            communities.append(region(f"350504001{c_i + 1:03d}", f"社区{c_i + 1}", Level.COMMUNITY, street))
        lat0, lon0 = 24.9 + (i // 100) * CELL, 118.6 + (i % 100) * CELL
        box = {
            "type": "Polygon",
            "coordinates": [
                [
                    [lon0, lat0],
                    [lon0 + CELL, lat0],
                    [lon0 + CELL, lat0 + CELL],
                    [lon0, lat0 + CELL],
                    [lon0, lat0],
                ]
            ],
        }
        grids.append(
            Region(
                code=f"{communities[-1].code}{g_i + 1:03d}",
                name=f"网格{i}",
                level=Level.GRID,
                parent=communities[-1],
                boundary=box,
                source="bench",
            )
        )
    Region.objects.bulk_create(grids, batch_size=2000)
    grids = list(Region.objects.filter(level=Level.GRID).order_by("code"))
    for g in grids:
        users.append(User(username=f"w{g.code}", role=Role.GRID_WORKER, region=g))
    User.objects.bulk_create(users, batch_size=2000)
    users = list(User.objects.filter(role=Role.GRID_WORKER).order_by("username"))
    rnd = random.Random(seed)
    today = timezone.localdate()
    return dist, grids, users, rnd, today


def walk(rnd: random.Random, lat0: float, lon0: float, t0: float) -> list[tuple[float, float, float, bool]]:
    lat, lon = lat0 + CELL / 2, lon0 + CELL / 2
    heading = rnd.uniform(0, 2 * math.pi)
    out = []
    n = PATROL_MIN * 60 // STEP_S
    for k in range(n):
        heading += rnd.uniform(-0.6, 0.6)
        d = SPEED * STEP_S / 111_320
        lat = min(max(lat + d * math.cos(heading), lat0 + 1e-5), lat0 + CELL - 1e-5)
        lon = min(
            max(lon + d * math.sin(heading) / math.cos(math.radians(lat)), lon0 + 1e-5), lon0 + CELL - 1e-5
        )
        jump = rnd.random() < 0.003
        out.append((t0 + k * STEP_S, lat + (0.05 if jump else 0), lon, False))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="50 workers instead of 20 000")
    ap.add_argument("--workers", type=int)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--pg-url", default=os.environ.get("DATABASE_URL", ""))
    ap.add_argument("--sample", type=int, default=40, help="patrols sent through the service path")
    args = ap.parse_args()
    if not args.pg_url.startswith("postgres"):
        sys.exit("需要 PostgreSQL：--pg-url postgres://…")
    workers = args.workers or (50 if args.quick else 20_000)
    db_name = args.pg_url.rsplit("/", 1)[1].split("?")[0] or "linli_bench"
    server = (
        args.pg_url.rsplit("/", 1)[0] + "/postgres"
    )  # connect to the server's own database to (re)create ours
    setup_django(pg_reset(server, db_name))

    from django.db import connection
    from django.utils import timezone

    from linli.workforce import selectors, services
    from linli.workforce.engine import track
    from linli.workforce.models import Patrol, PatrolStatus, TrackPoint

    t = time.perf_counter()
    dist, grids, users, rnd, today = build(workers, args.days, 1)
    print(f"网格与网格员：{workers} 个，{time.perf_counter() - t:.1f} s")
    tz = timezone.get_current_timezone()

    # 1. the service path on a sample (a phone sending 20 points a call) vs COPY of the same rows
    sample_rows: list[tuple[int, dt.datetime, float, float, bool]] = []
    t_service = 0.0
    n_service = 0
    for i in range(args.sample):
        g, u = grids[i % len(grids)], users[i % len(users)]
        begin = timezone.now() - dt.timedelta(minutes=PATROL_MIN + 5)
        ring = g.boundary["coordinates"][0]
        p = services.patrol_start(
            by=u, lat=ring[0][1] + CELL / 2, lon=ring[0][0] + CELL / 2, consent=True, now=begin
        )
        pts = walk(rnd, ring[0][1], ring[0][0], begin.timestamp() + STEP_S)
        s0 = time.perf_counter()
        for k in range(0, len(pts), 20):
            batch = [
                {"t": dt.datetime.fromtimestamp(x[0], tz=dt.UTC), "lat": x[1], "lon": x[2]}
                for x in pts[k : k + 20]
            ]
            services.patrol_points_add(patrol=p, by=u, points=batch)
        t_service += time.perf_counter() - s0
        n_service += len(pts)
        services.patrol_end(patrol=p, by=u)
        sample_rows += [(p.pk, dt.datetime.fromtimestamp(x[0], tz=dt.UTC), x[1], x[2], False) for x in pts]
    TrackPoint.objects.filter(patrol__in=Patrol.objects.all()).delete()
    with connection.cursor() as cur:
        s0 = time.perf_counter()
        with cur.copy("COPY workforce_trackpoint (patrol_id, at, lat, lon, flagged) FROM STDIN") as cp:
            for row in sample_rows:
                cp.write_row(row)
        t_copy_sample = time.perf_counter() - s0
    Patrol.objects.all().delete()
    rate_service = n_service / t_service
    rate_copy_sample = len(sample_rows) / t_copy_sample
    print(
        f"写入（服务路径，每次 20 点）：{rate_service:,.0f} 点/秒；同样的点用 COPY：{rate_copy_sample:,.0f} 点/秒"
    )

    # 2. the month through COPY
    patrols = []
    for day_back in range(args.days, 0, -1):
        day = today - dt.timedelta(days=day_back)
        for g, u in zip(grids, users, strict=True):
            for hour in (9, 15):
                begin = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
                patrols.append(
                    Patrol(
                        worker=u,
                        grid=g,
                        day=day,
                        started_at=begin,
                        ended_at=begin + dt.timedelta(minutes=PATROL_MIN),
                        status=PatrolStatus.DONE,
                        consent_at=begin,
                    )
                )
    Patrol.objects.bulk_create(patrols, batch_size=5000)
    s0 = time.perf_counter()
    n_points = 0
    with (
        connection.cursor() as cur,
        cur.copy("COPY workforce_trackpoint (patrol_id, at, lat, lon, flagged) FROM STDIN") as cp,
    ):
        for p in patrols:
            ring = p.grid.boundary["coordinates"][0]
            pts = walk(rnd, ring[0][1], ring[0][0], p.started_at.timestamp())
            flags = track.flag_jumps([track.Point(a, b, c) for a, b, c, _ in pts])
            for (a, la, lo, _), f in zip(pts, flags, strict=True):
                cp.write_row((p.pk, dt.datetime.fromtimestamp(a, tz=dt.UTC), la, lo, f))
            n_points += len(pts)
    t_month = time.perf_counter() - s0
    with connection.cursor() as cur:
        cur.execute("ANALYZE workforce_trackpoint")
        cur.execute("ANALYZE workforce_patrol")
    print(
        f"一个月轨迹：{len(patrols):,} 次巡查，{n_points:,} 个点，COPY（含生成与跳点标记）{t_month:.1f} s，{n_points / t_month:,.0f} 点/秒"
    )

    # 3. coverage: the project's batched summaries written back + day_coverage, vs one SQL aggregate
    s0 = time.perf_counter()
    stored = services.patrols_summarise(patrol_ids=list(Patrol.objects.values_list("pk", flat=True)))
    t_sum = time.perf_counter() - s0
    admin = type(
        "A",
        (),
        {
            "is_superuser": True,
            "region_code": "",
            "role": "system_admin",
            "is_authenticated": True,
            "is_active": True,
        },
    )()
    cells = 0
    for day_back in range(args.days, 0, -1):
        cells += len(selectors.day_coverage(admin, dist, today - dt.timedelta(days=day_back)))
    t_project = time.perf_counter() - s0
    print(f"  其中：汇总并写回 {stored:,} 次巡查 {t_sum:.1f} s，每日覆盖查询 {t_project - t_sum:.1f} s")

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_grid_box")
        cur.execute(
            "CREATE TABLE bench_grid_box (id int primary key, lat0 float8, lat1 float8, lon0 float8, lon1 float8)"
        )
        with cur.copy("COPY bench_grid_box FROM STDIN") as cp:
            for g in grids:
                ring = g.boundary["coordinates"][0]
                cp.write_row((g.pk, ring[0][1], ring[0][1] + CELL, ring[0][0], ring[0][0] + CELL))
        s0 = time.perf_counter()
        cur.execute(FLOOR_SQL)
        floor_rows = cur.fetchall()
        t_floor = time.perf_counter() - s0
    # the two agree on what they count
    mine: dict[tuple[int, dt.date], float] = {}
    for grid_id, day, minutes in Patrol.objects.values_list("grid_id", "day", "minutes_in_grid"):
        mine[(grid_id, day)] = mine.get((grid_id, day), 0.0) + minutes
    worst = max(abs(float(r[4]) - mine[(r[0], r[1])]) for r in floor_rows)
    print(
        f"覆盖统计：本项目（成批汇总 + 每日覆盖查询）{t_project:.1f} s，{cells:,} 个网格日；手写 SQL 聚合 {t_floor:.1f} s，{len(floor_rows):,} 行；网格内分钟数最大差 {worst:.2f}"
    )
    connection.close()
    pg_reset(server, db_name, drop_only=True)
    print(
        f"BENCH patrols workers={workers} days={args.days} points={n_points} ingest_service_pps={rate_service:.0f} "
        f"ingest_copy_pps={n_points / t_month:.0f} coverage_s={t_project:.2f} floor_s={t_floor:.2f} ratio={t_project / t_floor:.2f}"
    )


if __name__ == "__main__":
    main()
