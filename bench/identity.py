"""Benchmark: one ID number registered 100 times at once, and 100 one-window applications at once, on PostgreSQL.

Each race releases its 100 attempts together to a pool of ``--workers`` threads (32 by default),
each with its own database connection (PostgreSQL's default ``max_connections`` is 100), which take
the attempts from one queue:

- persons, service: 100 creations of a person with the same ID number through the registry's
  create service (``linli.registry.services.person_create``);
- persons, API: 100 ``POST /api/persons`` with another ID number;
- applications, service: 100 one-window applications (``linli.services.services.application_submit``,
  100 residents, one item);
- applications, API: 100 ``POST /api/services/applications``.

The API races go through Django's threaded WSGI server started in this process (no extra package),
authenticated with a bearer token. Afterwards the database is counted: the persons holding each raced
ID number (``duplicates`` = rows beyond the first), the applications and their distinct numbers.
``errors_5xx`` counts API answers of 500 or more and, at the service level, exceptions other than a
refusal (``ValidationError``, ``PermissionDenied``), which the API would have turned into a 500.

The floor is correctness: 0 duplicates, 0 server errors, one person per ID number and as many
distinct numbers as applications. The ``ratio`` compares time: the service-level races against the
same 200 attempts made one after another on one connection, ``ratio = race time / sequential time``
(below 1 the racing attempts overlap; near or above 1 the losers, or the numbering, queue behind a
lock).

    python bench/identity.py --quick
    python bench/identity.py --pg-url postgres://linli:linli@127.0.0.1:5432/postgres --rounds 5

The script creates (and at the end drops, unless ``--keep``) its own database ``linli_bench_identity``
on that server. The line to read is the last one::

    BENCH identity duplicates=0 errors_5xx=0 persons_created=1 applications=100 distinct_numbers=100 … ratio=…
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pgbench_db import pg_reset, pool_run, setup_django  # noqa: E402  (after the project root is on the path)

DB_NAME = "linli_bench_identity"
RACE = 100


@dataclass
class World:
    worker: Any
    key: str
    grid_code: str
    item: Any
    residents: list[Any] = field(default_factory=list)


def world() -> World:
    from linli.core.models import ApiToken, User
    from linli.core.roles import Role
    from linli.registry.models import Person
    from linli.services.models import ServiceItem
    from linli.testing.factories import PersonFactory, build_region_tree

    tree = build_region_tree()
    worker = User.objects.create(
        username="bench_window", role=Role.COMMUNITY_WORKER, region=tree.community_a, display_name="一窗受理"
    )
    _, key = ApiToken.issue(user=worker, name="identity bench")
    Person.objects.bulk_create([PersonFactory.build(region=tree.grid_a1) for _ in range(RACE)])
    residents = list(Person.objects.filter(region=tree.grid_a1).select_related("region").order_by("pk"))
    return World(worker, key, tree.grid_a1.code, ServiceItem.objects.get(code="elderly_allowance"), residents)


# --- the attempts ------------------------------------------------------------------------------------


def id_number(n: int) -> str:
    import datetime as dt

    from linli.core.engine import idnumber

    return idnumber.make("350504", dt.date(1950, 1, 1) + dt.timedelta(days=n), 900 + n % 90, "F")


def person_data(w: World, idn: str) -> dict[str, str]:
    return {"name": "重复登记测试", "id_number": idn, "region_code": w.grid_code}


def service_person(w: World, idn: str) -> Callable[[], str]:
    def attempt() -> str:
        from django.core.exceptions import PermissionDenied, ValidationError

        from linli.registry.services import person_create

        try:
            person_create(by=w.worker, data=person_data(w, idn))
            return "created"
        except (ValidationError, PermissionDenied):
            return "refused"

    return attempt


def service_application(w: World, resident: Any) -> Callable[[], str]:
    def attempt() -> str:
        from django.core.exceptions import PermissionDenied, ValidationError

        from linli.services.services import application_submit

        try:
            application_submit(actor=w.worker, item=w.item, person=resident, provided=["居民身份证"])
            return "created"
        except (ValidationError, PermissionDenied):
            return "refused"

    return attempt


def api_post(port: int, key: str, path: str, body: dict[str, Any]) -> Callable[[], str]:
    payload = json.dumps(body, ensure_ascii=False).encode()

    def attempt() -> str:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request(
                "POST",
                path,
                body=payload,
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
            )
            response = conn.getresponse()
            response.read()
            return str(response.status)
        finally:
            conn.close()

    return attempt


# --- racing --------------------------------------------------------------------------------------------


WORKERS = 32


def race(attempts: list[Callable[[], str]]) -> tuple[float, Counter[str]]:
    """Release the attempts at once to ``WORKERS`` threads (one connection each); outcomes and seconds."""
    outcomes: list[str] = [""] * len(attempts)

    def task(i: int, attempt: Callable[[], str]) -> None:
        try:
            outcomes[i] = attempt()
        except Exception as exc:  # noqa: BLE001 - a server error at the service level, counted
            outcomes[i] = f"error {type(exc).__name__}: {str(exc)[:80]}"

    seconds = pool_run([functools.partial(task, i, a) for i, a in enumerate(attempts)], WORKERS)
    return seconds, Counter(outcomes)


def one_after_another(attempts: list[Callable[[], str]]) -> float:
    t0 = time.perf_counter()
    for attempt in attempts:
        attempt()
    return time.perf_counter() - t0


def server() -> tuple[Any, int]:
    """Django's threaded WSGI server in a background thread, on a free loopback port."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

    class Server(ThreadedWSGIServer):
        request_queue_size = 256  # every racing connection is accepted at once

    httpd = Server(("127.0.0.1", 0), Quiet, allow_reuse_address=True)
    httpd.set_app(WSGIHandler())
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, int(httpd.server_address[1])


def persons_holding(idn: str) -> int:
    from linli.core.personal import blind_lookup
    from linli.registry.models import Person

    return Person.objects.filter(blind_lookup("id_number_index", idn)).count()


def errors_5xx(outcomes: Counter[str]) -> int:
    return sum(n for o, n in outcomes.items() if o.startswith("error") or (o.isdigit() and int(o) >= 500))


def new_numbers(before: set[int]) -> list[str]:
    from linli.services.models import Application

    return list(Application.objects.exclude(pk__in=before).values_list("number", flat=True))


def application_ids() -> set[int]:
    from linli.services.models import Application

    return set(Application.objects.values_list("pk", flat=True))


@dataclass
class Round:
    seconds_race: float
    seconds_sequential: float
    persons_per_id: list[int]  # after the service race and after the API race
    numbers: list[list[str]]  # the application numbers given in the service race and in the API race
    errors_5xx: int
    outcomes: dict[str, Counter[str]]


def one_round(w: World, port: int, r: int) -> Round:
    ids = {k: id_number(r * 10 + i) for i, k in enumerate(["service", "api", "sequential"])}
    outcomes: dict[str, Counter[str]] = {}
    numbers: list[list[str]] = []
    t_persons, outcomes["persons (service)"] = race([service_person(w, ids["service"]) for _ in range(RACE)])
    before = application_ids()
    t_apps, outcomes["applications (service)"] = race([service_application(w, p) for p in w.residents])
    numbers.append(new_numbers(before))
    _, outcomes["persons (API)"] = race(
        [api_post(port, w.key, "/api/persons", person_data(w, ids["api"])) for _ in range(RACE)]
    )
    before = application_ids()
    body = {"item": w.item.code, "materials": ["居民身份证"]}
    _, outcomes["applications (API)"] = race(
        [
            api_post(port, w.key, "/api/services/applications", {**body, "person_id": p.pk})
            for p in w.residents
        ]
    )
    numbers.append(new_numbers(before))
    sequential = one_after_another([service_person(w, ids["sequential"]) for _ in range(RACE)])
    sequential += one_after_another([service_application(w, p) for p in w.residents])
    return Round(
        seconds_race=t_persons + t_apps,
        seconds_sequential=sequential,
        persons_per_id=[persons_holding(ids["service"]), persons_holding(ids["api"])],
        numbers=numbers,
        errors_5xx=sum(errors_5xx(c) for c in outcomes.values()),
        outcomes=outcomes,
    )


def main() -> None:
    global WORKERS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--pg-url", default=os.environ.get("DATABASE_URL", ""), help="a PostgreSQL server (any database)"
    )
    ap.add_argument("--quick", action="store_true", help="one round (about half a minute)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the four races (default 3)")
    ap.add_argument(
        "--workers", type=int, default=WORKERS, help="threads per race, each with its own connection"
    )
    ap.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = ap.parse_args()
    WORKERS = max(1, args.workers)
    if not args.pg_url.startswith("postgres"):
        sys.exit("--pg-url postgres://… (or DATABASE_URL) is required: the races are run on PostgreSQL")
    rounds = 1 if args.quick else max(1, args.rounds)
    db_url = pg_reset(args.pg_url, DB_NAME)
    try:
        t0 = time.perf_counter()
        setup_django(db_url, quiet_requests=True)
        w = world()
        httpd, port = server()
        print(
            f"database {DB_NAME} migrated and filled in {time.perf_counter() - t0:.1f}s; "
            f"{RACE} attempts per race over {WORKERS} threads, {rounds} round(s), API on 127.0.0.1:{port}"
        )
        results = []
        for r in range(rounds):
            res = one_round(w, port, r)
            results.append(res)
            print(
                f"\nround {r + 1}: race {res.seconds_race:.2f}s, one after another {res.seconds_sequential:.2f}s"
            )
            for label, outcomes in res.outcomes.items():
                print(f"  {label:<24} " + ", ".join(f"{o}×{n}" for o, n in sorted(outcomes.items())))
            print(
                f"  persons per raced ID number (service, API): {res.persons_per_id}; applications (service, API): "
                f"{[len(n) for n in res.numbers]}, distinct numbers {[len(set(n)) for n in res.numbers]}"
            )
        httpd.shutdown()
        duplicates = sum(max(0, n - 1) for res in results for n in res.persons_per_id)
        errors = sum(res.errors_5xx for res in results)
        created = max(n for res in results for n in res.persons_per_id)
        applications = min(len(n) for res in results for n in res.numbers)
        distinct = min(len(set(n)) for res in results for n in res.numbers)
        every = [x for res in results for n in res.numbers for x in n]
        ratio = statistics.median(res.seconds_race / res.seconds_sequential for res in results)
        met = (
            duplicates == 0
            and errors == 0
            and created == 1
            and distinct == applications == RACE
            and len(set(every)) == len(every)
        )
        print(
            "\ntarget: 0 duplicates, 0 server errors, one person per raced ID number, "
            f"{RACE} applications with {RACE} distinct numbers per race → {'met' if met else 'NOT met'}"
        )
        print(
            f"BENCH identity duplicates={duplicates} errors_5xx={errors} persons_created={created} "
            f"applications={applications} distinct_numbers={distinct} rounds={rounds} workers={WORKERS} "
            f"race_s={statistics.median(res.seconds_race for res in results):.2f} "
            f"sequential_s={statistics.median(res.seconds_sequential for res in results):.2f} ratio={ratio:.2f}"
        )
        if not met:
            sys.exit(1)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            pg_reset(args.pg_url, DB_NAME, drop_only=True)


if __name__ == "__main__":
    main()
