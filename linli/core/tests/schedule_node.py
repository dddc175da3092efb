"""One machine of ``test_schedule_processes``: a scheduler and a worker in one process, one Django setup.

``python -m linli.core.tests.schedule_node FOLDER EVERY RUN_FOR``. Not management commands (no system checks,
no autoreloader, no random startup delay): one ``django.setup()`` is most of a process's start on a busy
machine, so two of these start in the time of one ``manage.py`` pair. Once set up, the process touches
``FOLDER/ready-<pid>`` and waits for ``FOLDER/go`` (the test writes it when both machines are ready), so every
due time of the run falls while both workers poll. The scheduler ticks for RUN_FOR seconds; the worker then
runs until nothing is left queued anywhere, and the process ends.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from pathlib import Path

TICK = 0.1  # seconds between the scheduler's ticks and between the worker's polls
DRAIN = 10.0  # seconds the worker may take to finish what is queued after the scheduler stopped


def main(folder: Path, every: float, run_for: float) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    from linli.core import schedule
    from linli.core.models import ScheduledRun

    schedule.override_interval("heartbeat", dt.timedelta(seconds=every))
    worker = Worker(
        queue_names=["*"],
        interval=TICK,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"node-{os.getpid()}",
        excluded_queue_names=[],
    )
    (folder / f"ready-{os.getpid()}").touch()
    while not (folder / "go").exists():
        time.sleep(0.02)
    thread = threading.Thread(target=worker.run, name="worker")
    thread.start()
    try:
        schedule.scheduler_loop(tick_seconds=TICK, stop_after=run_for)
        deadline = time.monotonic() + DRAIN
        while time.monotonic() < deadline and (
            ScheduledRun.objects.exclude(outcome__in=["ok", "failed"]).exists()
        ):
            time.sleep(TICK)
        connection.close()
    finally:
        worker.running = False
        thread.join(timeout=DRAIN)


if __name__ == "__main__":
    main(Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]))
