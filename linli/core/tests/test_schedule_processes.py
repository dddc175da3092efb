"""Two schedulers and two workers against PostgreSQL, as on two machines: the heartbeat job, due every
second for a few cycles, runs exactly once per due time (PostgreSQL only). Each machine is one process with one Django setup
(``schedule_node``: a scheduler and a worker), and the schedulers' clock starts once both are ready."""

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
EVERY = 1  # seconds between due times
RUN_FOR = 6  # seconds the schedulers run, once every process is set up


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
    logs = [tmp_path / f"machine{i}.log" for i in (1, 2)]
    machines = [  # each a scheduler and a worker in one process (``schedule_node``)
        subprocess.Popen(
            [sys.executable, "-m", "linli.core.tests.schedule_node", str(tmp_path), str(EVERY), str(RUN_FOR)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
            cwd=ROOT,
        )
        for log in logs
    ]
    try:
        deadline = time.monotonic() + 120  # Django starts slowly on a busy machine
        while len(list(tmp_path.glob("ready-*"))) < len(machines):
            assert time.monotonic() < deadline, "the processes did not start"
            assert all(m.poll() is None for m in machines), "a process ended before it was ready"
            time.sleep(0.05)
        (tmp_path / "go").touch()  # both are set up: the schedulers' clock starts now
        for m, log in zip(machines, logs, strict=True):
            assert m.wait(timeout=RUN_FOR + 60) == 0, log.read_text()[-2000:]
    finally:
        for m in machines:
            if m.poll() is None:
                m.kill()

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
    # the other jobs were due once in these seconds (twice when they crossed one of the job's due times,
    # cases_sweep's every five minutes, say), and each due time ran once
    for name in ("cases_sweep", "services_remind", "exports_purge"):
        due = list(ScheduledRun.objects.filter(job=name).values_list("due_at", flat=True))
        assert 1 <= len(due) <= 2 and len(set(due)) == len(due), due
        assert [e["job"] for e in finished].count(name) == len(due)
