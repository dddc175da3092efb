"""Benchmark: accepting residents' requests (POST /open311/v2/requests.json) on PostgreSQL behind gunicorn.

Beside it, as the floor, a bare Django view that inserts one row (``bench/intake_site.py``), served
by the same gunicorn settings from the same database. Two runs against each:

- throughput: a closed loop of concurrent keep-alive connections for a fixed time (requests/s);
- latency at a fixed rate of 200 requests/s (open loop: latency counted from when each request was
  due, so a stalled server is not hidden), p50/p99.

Afterwards the accepted requests are counted in the database and must equal the 200 answers.
Loopback only, bounded in time. Target: project ≥ 50 % of the floor's throughput, p99 < 100 ms at 200/s.

    python bench/intake.py --quick
    python bench/intake.py --pg-url postgres://linli:linli@127.0.0.1:5432/postgres

The script creates (and leaves, for inspection) the database ``linli_cases_bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers import ensure  # noqa: E402

DB_NAME = "linli_cases_bench"
GRID_LAT0, GRID_LON0, STEP = 24.955, 118.665, 0.01


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="bench.intake_site",
        LINLI_DEBUG="0",
        LINLI_TESTING="0",
        LINLI_SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        LINLI_FIELD_KEYS="dev1:bGlubGktZGV2ZWxvcG1lbnQta2V5LTMyLWJ5dGVzISE=",
        LINLI_ALLOWED_HOSTS="127.0.0.1,localhost",
        LINLI_SSL_REDIRECT="0",
        LINLI_CONN_MAX_AGE="600",
        LINLI_LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    return env


def prepare(server_url: str) -> tuple[str, str]:
    """Create and migrate the bench database, seed a small district with grid outlines; return (db url, key)."""
    import psycopg

    parts = urllib.parse.urlsplit(server_url)
    with psycopg.connect(server_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    db_url = urllib.parse.urlunsplit(parts._replace(path=f"/{DB_NAME}"))
    os.environ.update(env_for(db_url))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from linli.core.models import ApiToken, User
    from linli.core.roles import Role
    from linli.regions.models import Region
    from linli.testing.factories import build_region_tree

    tree = build_region_tree()
    grids = [g for c in tree.communities for g in tree.grids[c.code]]
    for i, g in enumerate(grids):
        lat, lon = GRID_LAT0, GRID_LON0 + STEP * i
        ring = [[lon, lat], [lon + STEP, lat], [lon + STEP, lat + STEP], [lon, lat + STEP], [lon, lat]]
        Region.objects.filter(pk=g.pk).update(boundary={"type": "Polygon", "coordinates": [ring]})
    user, _ = User.objects.get_or_create(
        username="bench_hotline",
        defaults={"role": Role.COMMUNITY_WORKER, "region": tree.district, "display_name": "12345 热线平台"},
    )
    _, key = ApiToken.issue(user=user, name="intake bench")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_intake_floor (id bigserial PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL)"
        )
    return db_url, key


def counts() -> tuple[int, int]:
    from django.db import connection

    from linli.cases.models import Case

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_intake_floor")
        (floor_rows,) = cursor.fetchone()
    return Case.objects.count(), int(floor_rows)


# --- the load generator ----------------------------------------------------------------------------


@dataclass
class Result:
    ok: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Conn:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        return cls(r, w)

    async def post(self, path: str, body: bytes) -> int:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def make_body(key: str, rng: random.Random) -> bytes:
    i = rng.randrange(8)
    lat = GRID_LAT0 + STEP * (0.1 + 0.8 * rng.random())
    lon = GRID_LON0 + STEP * (i + 0.1 + 0.8 * rng.random())
    return urllib.parse.urlencode(
        {
            "api_key": key,
            "service_code": rng.choice(
                ["sanitation.complaint", "property.complaint", "municipal.report", "noise.complaint"]
            ),
            "lat": f"{lat:.6f}",
            "long": f"{lon:.6f}",
            "description": rng.choice(["门口垃圾没人清运", "电梯停运两天了", "路灯不亮", "夜间施工噪音太大"]),
            "first_name": "三",
            "last_name": "张",
            "phone": "13912345678",
        }
    ).encode()


async def closed_loop(port: int, path: str, key: str, concurrency: int, seconds: float) -> Result:
    res = Result()
    rng = random.Random(1)
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        conn = await Conn.open(port)
        try:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                status = await conn.post(path, make_body(key, rng))
                if status == 200:
                    res.ok += 1
                    res.latencies.append(time.perf_counter() - t0)
                else:
                    res.failed += 1
        finally:
            conn.close()

    t = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    res.seconds = time.perf_counter() - t
    return res


async def fixed_rate(
    port: int, path: str, key: str, rate: float, seconds: float, max_conns: int = 64
) -> Result:
    res = Result()
    rng = random.Random(2)
    idle: list[Conn] = []
    opened = 0
    start = time.perf_counter()
    n = int(rate * seconds)
    tasks = []

    async def one(due: float) -> None:
        nonlocal opened
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        while not idle and opened >= max_conns:
            await asyncio.sleep(0.001)
        if idle:
            conn = idle.pop()
        else:
            opened += 1
            conn = await Conn.open(port)
        try:
            status = await conn.post(path, make_body(key, rng))
        except (ConnectionError, asyncio.IncompleteReadError):
            res.failed += 1
            return
        idle.append(conn)
        if status == 200:
            res.ok += 1
            res.latencies.append(time.perf_counter() - due)  # from when it was due: no coordinated omission
        else:
            res.failed += 1

    for i in range(n):
        tasks.append(asyncio.create_task(one(start + i / rate)))
    await asyncio.gather(*tasks)
    res.seconds = time.perf_counter() - start
    for c in idle:
        c.close()
    return res


def serve(db_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable, "-m", "gunicorn", "linli.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread", "--threads", "4",
        "--keep-alive", "30", "--log-level", "error", "--preload",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env_for(db_url), start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="short runs (about 30 s in all)")
    ap.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://linli:linli@127.0.0.1:5432/postgres")
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
    ensure("gunicorn")  # the server both sides run behind, from PyPI if this environment lacks it
    seconds = 5.0 if args.quick else 20.0
    db_url, key = prepare(args.pg_url)
    before_cases, before_floor = counts()
    port = free_port()
    proc = serve(db_url, port, args.workers)
    try:
        # warm up both paths (imports, connections, caches)
        asyncio.run(closed_loop(port, "/bench/floor", key, 4, 1.0))
        asyncio.run(closed_loop(port, "/open311/v2/requests.json", key, 4, 1.0))
        before_cases, before_floor = counts()
        floor_tp = asyncio.run(closed_loop(port, "/bench/floor", key, args.concurrency, seconds))
        proj_tp = asyncio.run(closed_loop(port, "/open311/v2/requests.json", key, args.concurrency, seconds))
        floor_lat = asyncio.run(fixed_rate(port, "/bench/floor", key, 200, seconds))
        proj_lat = asyncio.run(fixed_rate(port, "/open311/v2/requests.json", key, 200, seconds))
    finally:
        stop(proc)
    after_cases, after_floor = counts()
    stored_cases, stored_floor = after_cases - before_cases, after_floor - before_floor
    accepted = proj_tp.ok + proj_lat.ok
    print(f"gunicorn {args.workers} workers × 4 threads, PostgreSQL, loopback; {seconds:.0f} s per run")
    print(f"{'':34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}")
    for label, r in [
        ("floor: insert one row, closed loop", floor_tp),
        ("Open311 POST requests, closed loop", proj_tp),
        ("floor at 200 req/s", floor_lat),
        ("Open311 POST at 200 req/s", proj_lat),
    ]:
        print(f"{label:34}{r.rps:9.1f}{r.pct(50):9.1f}{r.pct(99):9.1f}{r.failed:8d}")
    print(f"accepted requests answered 200: {accepted}; requests found in the database: {stored_cases}")
    print(
        f"floor rows answered 200: {floor_tp.ok + floor_lat.ok}; rows found in the database: {stored_floor}"
    )
    ratio = proj_tp.rps / floor_tp.rps if floor_tp.rps else 0.0
    ok = ratio >= 0.5 and proj_lat.pct(99) < 100 and stored_cases == accepted
    print(
        f"target: ratio ≥ 0.50, p99 at 200/s < 100 ms, every accepted request stored → {'met' if ok else 'NOT met'}"
    )
    print(
        f"BENCH intake rps={proj_tp.rps:.1f} floor_rps={floor_tp.rps:.1f} p50_ms={proj_lat.pct(50):.1f} "
        f"p99_ms={proj_lat.pct(99):.1f} floor_p99_ms={floor_lat.pct(99):.1f} stored={stored_cases}/{accepted} "
        f"ratio={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
