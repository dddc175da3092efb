"""Benchmark: concurrent time-bank transfers on PostgreSQL, the ledger beside a stored balance.

The project keeps no balance: a transfer locks the debit account's row (``SELECT … FOR UPDATE``),
derives its balance from the movements, refuses an overdraft and appends one movement
(``linli.volunteers.services.movement_create``, the code the pages and API call). The peer is the
usual design: a stored balance per account, both rows locked in id order, checked and updated.
Both run the same transfers (random pairs of 100 accounts, 1–3 hours each, each account starting
with 20 hours) from the same number of threads, each thread on its own connection.

Printed: transfers/second for both, how many were refused as overdrafts, the final sum of all
balances (must be 0 for the ledger; the peer's must be unchanged), and whether any balance went
below zero; the last line is ``BENCH timebank … ratio=<project/peer>`` (transfers/s).

    python bench/timebank.py --pg-url postgres://linli:linli@127.0.0.1/linli_vol_bench [--quick]

The script drops and creates that database, migrates it, and drops it at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def recreate(url: str) -> None:
    import psycopg

    u = urlparse(url)
    name = u.path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')


def drop(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--pg-url", default=os.environ.get("DATABASE_URL", "postgres://linli:linli@127.0.0.1/linli_vol_bench")
    )
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--transfers", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    url = args.pg_url
    recreate(url)
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "LINLI_TESTING": "1"}
    t = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True)
    print(f"migrated in {time.perf_counter() - t:.1f} s")
    os.environ.update(DATABASE_URL=url, LINLI_TESTING="1", DJANGO_SETTINGS_MODULE="linli.settings")
    import django

    django.setup()
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop(url)


def run(args: argparse.Namespace) -> None:
    from django.db import connection, connections

    from linli.core.errors import Conflict
    from linli.testing.factories import PersonFactory, build_region_tree
    from linli.volunteers import selectors, services
    from linli.volunteers.models import AccountKind, Movement

    n_accounts, start = 100, Decimal(20)
    tree = build_region_tree()
    grid = tree.grids[tree.community_a.code][0]
    people = [PersonFactory.create(region=grid) for _ in range(n_accounts)]
    accounts = [services.account_of_person(p) for p in people]
    issuer = services.account_of_region(tree.community_a, AccountKind.ISSUER)
    for acc in accounts:
        services.movement_create(actor=None, debit=issuer, credit=acc, amount=start, kind="earned")
    rnd = random.Random(14)
    plan = []
    for _ in range(args.transfers):
        i, j = rnd.sample(range(n_accounts), 2)
        plan.append((i, j, Decimal(rnd.randint(1, 3))))
    chunks = [plan[k :: args.threads] for k in range(args.threads)]

    def threaded(work) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
        done, refused = [0], [0]
        lock = threading.Lock()
        barrier = threading.Barrier(args.threads + 1)

        def worker(items) -> None:  # type: ignore[no-untyped-def]
            barrier.wait()
            ok = no = 0
            try:
                for i, j, amount in items:
                    if work(i, j, amount):
                        ok += 1
                    else:
                        no += 1
            finally:
                connections.close_all()
            with lock:
                done[0] += ok
                refused[0] += no

        threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
        for th in threads:
            th.start()
        barrier.wait()
        t0 = time.perf_counter()
        for th in threads:
            th.join()
        return time.perf_counter() - t0, done[0], refused[0]

    # --- the project: derived balances, the debit account's row locked
    def ledger_transfer(i: int, j: int, amount: Decimal) -> bool:
        try:
            services.movement_create(
                actor=None, debit=accounts[i], credit=accounts[j], amount=amount, kind="donated"
            )
            return True
        except Conflict:
            return False

    secs, ok, no = threaded(ledger_transfer)
    balances = [services.balance_of(a) for a in accounts]
    total = selectors.ledger_total()
    movements = Movement.objects.filter(kind="donated").count()
    ledger_tps = (ok + no) / secs
    print(
        f"ledger (derived balance, FOR UPDATE on the account row): {ok + no} transfers in {secs:.2f} s = {ledger_tps:,.0f}/s; "
        f"{ok} applied, {no} refused as overdraft; movements written {movements}; "
        f"sum of all balances {total}; lowest balance {min(balances)}; person accounts sum {sum(balances)} (start {start * n_accounts})"
    )
    assert total == 0 and min(balances) >= 0 and movements == ok and sum(balances) == start * n_accounts

    # --- the peer: a stored balance, both rows locked in id order
    with connection.cursor() as c:
        c.execute("CREATE TABLE bench_balance (id int PRIMARY KEY, balance numeric(10,1) NOT NULL)")
        c.executemany("INSERT INTO bench_balance VALUES (%s, %s)", [(k, start) for k in range(n_accounts)])

    def stored_transfer(i: int, j: int, amount: Decimal) -> bool:
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as c:
            c.execute(
                "SELECT id, balance FROM bench_balance WHERE id IN (%s, %s) ORDER BY id FOR UPDATE", [i, j]
            )
            bal = dict(c.fetchall())
            if bal[i] - amount < 0:
                return False
            c.execute("UPDATE bench_balance SET balance = balance - %s WHERE id = %s", [amount, i])
            c.execute("UPDATE bench_balance SET balance = balance + %s WHERE id = %s", [amount, j])
            return True

    psecs, pok, pno = threaded(stored_transfer)
    with connection.cursor() as c:
        c.execute("SELECT sum(balance), min(balance) FROM bench_balance")
        psum, pmin = c.fetchone()
    peer_tps = (pok + pno) / psecs
    print(
        f"peer (stored balance, SELECT … FOR UPDATE on both rows): {pok + pno} transfers in {psecs:.2f} s = {peer_tps:,.0f}/s; "
        f"{pok} applied, {pno} refused; sum of balances {psum} (start {start * n_accounts}, change {psum - start * n_accounts}); lowest {pmin}"
    )
    print(
        f"BENCH timebank transfers={args.transfers} accounts={n_accounts} threads={args.threads} "
        f"project_tps={ledger_tps:.0f} peer_tps={peer_tps:.0f} final_sum={total} ratio={ledger_tps / peer_tps:.2f}"
    )


if __name__ == "__main__":
    main()
