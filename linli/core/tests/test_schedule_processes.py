"""Two schedulers and two workers against PostgreSQL, as on two machines: the heartbeat job, due every
2 seconds for a few cycles, runs exactly once per due time (PostgreSQL only; about 20 seconds)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from linli.core.models import ScheduledRun

ROOT = Path(__file__).resolve().parents[3]
EVERY = 2  # seconds between due times
RUN_FOR = 11  # seconds the schedulers run


@pytest.mark.skipif(connection.vendor != "postgresql", reason="several processes need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_and_two_workers_run_each_due_time_once(tmp_path):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LINLI_DEBUG": "1",
        "LINLI_TESTING": "0",
        "LINLI_REQUEST_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    workers = [
        subprocess.Popen(
            [*manage, "db_worker", "--queue-name", "*", "--no-reload", "--interval", "0.2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        for log in logs
    ]
    schedulers = [
        subprocess.Popen(
            [
                *manage,
                "scheduler",
                "--every",
                f"heartbeat={EVERY}",
                "--tick",
                "0.2",
                "--stop-after",
                str(RUN_FOR),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in (1, 2)
    ]
    try:
        for s in schedulers:
            _, err = s.communicate(timeout=RUN_FOR + 120)  # Django starts slowly on a busy machine
            assert s.returncode == 0, err.decode()
        deadline = time.monotonic() + 10  # let the workers finish what is queued
        while (
            ScheduledRun.objects.exclude(outcome__in=["ok", "failed"]).exists()
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=20)

    runs = list(ScheduledRun.objects.filter(job="heartbeat").order_by("due_at"))
    assert len(runs) >= RUN_FOR // EVERY - 1
    assert all(r.outcome == "ok" for r in runs), [(r.due_at, r.outcome, r.error) for r in runs]
    gaps = {b.due_at - a.due_at for a, b in zip(runs, runs[1:], strict=False)}
    assert gaps == {dt.timedelta(seconds=EVERY)}  # every due time once: none skipped, none twice
    finished = [
        json.loads(line)
        for log in logs
        for line in log.read_text().splitlines()
        if line.startswith("{") and '"job.finished"' in line
    ]
    heartbeat_runs = [e["run_id"] for e in finished if e["job"] == "heartbeat"]
    assert sorted(heartbeat_runs) == sorted(r.pk for r in runs)  # each run executed by exactly one worker
    assert len({r.worker for r in runs}) >= 1
    # the other jobs were due once in these seconds, and ran once
    for name in ("cases_sweep", "services_remind", "exports_purge"):
        assert ScheduledRun.objects.filter(job=name).count() == 1
        assert [e["job"] for e in finished].count(name) == 1
