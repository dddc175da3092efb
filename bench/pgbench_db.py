"""A benchmark's own PostgreSQL database, Django set up on it, and a timed pool of racing threads
(shared by the race benchmarks)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable


def pg_reset(pg_url: str, db_name: str, *, drop_only: bool = False) -> str:
    """Drop (and unless ``drop_only`` create again) ``db_name`` on the server of ``pg_url``; its URL."""
    import psycopg

    base = pg_url.rsplit("/", 1)[0]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {db_name}")
    return f"{base}/{db_name}"


def setup_django(db_url: str, *, quiet_requests: bool = False) -> None:
    """Django on ``db_url`` with the development keys, the fast password hasher and 127.0.0.1
    allowed (``LINLI_TESTING``), migrated. ``quiet_requests``: the losers' 409/422 are expected, so
    only errors of ``django.request`` are logged (a 500 still is)."""
    os.environ.update(
        {
            "DATABASE_URL": db_url,
            "LINLI_TESTING": "1",
            "LINLI_DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "linli.settings",
        }
    )
    if quiet_requests:
        os.environ["LINLI_LOG_LEVEL"] = "ERROR"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if quiet_requests:
        logging.getLogger("django.request").setLevel(logging.ERROR)


def pool_run(tasks: list[Callable[[], object]], workers: int) -> float:
    """Release ``tasks`` at once to ``workers`` threads that take them from one queue, each thread
    keeping one database connection (closed at the end); the seconds until the last one is done."""
    import queue
    import threading
    import time

    from django.db import connection

    todo: queue.Queue[Callable[[], object]] = queue.Queue()
    for task in tasks:
        todo.put(task)
    workers = max(1, min(workers, len(tasks)))
    start = threading.Barrier(workers + 1)

    def loop() -> None:
        start.wait()
        try:
            while True:
                try:
                    task = todo.get_nowait()
                except queue.Empty:
                    return
                task()
        finally:
            connection.close()

    threads = [threading.Thread(target=loop) for _ in range(workers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0
