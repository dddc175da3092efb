"""定时任务: the one schedule of periodic jobs, kept in code, and the scheduler that runs it.

Modules register their jobs from ``AppConfig.ready()``::

    schedule.register(schedule.PeriodicJob("cases_sweep", "诉求超时巡检", tasks.cases_sweep_task,
                                           every=dt.timedelta(minutes=5)))

A job is a Django task taking no arguments, due every ``every`` (aligned on the clock: every 5 minutes
is :00, :05, …) or each day at ``at`` (local time). ``manage.py scheduler`` (one process per
deployment, or several: it is safe) looks each tick at each job's latest due time and, when no run
record exists for it, inserts one and enqueues ``periodic_run`` in the same transaction. The unique
(job, due time) constraint makes of several schedulers exactly one the enqueuer; the conditional
UPDATE that claims a run makes of several workers exactly one the runner. Only the *latest* due time
is considered, so after the scheduler or the workers were down a missed run is caught up once, not
once per missed period. The run record keeps outcome and duration for the schedule page.

Why not django-crontask: it is APScheduler's cron for the tasks framework, but its only guard against
two schedulers is a Redis lock (Linli runs without Redis), it keeps no record of runs (no last
outcome, no duration, nothing to catch a missed run up from) and enqueues a run per scheduler without
one. A unique row in PostgreSQL is the lock Linli already has.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.tasks import Task, task
from django.utils import timezone

from linli.core.bulk import bulk_reads
from linli.core.models import ScheduledRun

log = logging.getLogger("linli.jobs")

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # interval jobs are aligned on this instant
HEARTBEAT = "heartbeat"
HEARTBEAT_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class PeriodicJob:
    """A periodic job: ``task`` (no arguments) due every ``every`` or daily ``at`` (local time)."""

    name: str
    label: str
    task: Task | Callable[[], Any]
    every: dt.timedelta | None = None
    at: dt.time | None = None

    def __post_init__(self) -> None:
        if (self.every is None) == (self.at is None):
            raise ValueError(f"定时任务 {self.name}：every 与 at 必须且只能给一个")
        if self.every is not None and self.every.total_seconds() < 1:
            raise ValueError(f"定时任务 {self.name}：间隔至少 1 秒")

    @property
    def period(self) -> dt.timedelta:
        return self.every if self.every is not None else dt.timedelta(days=1)

    def last_due(self, now: dt.datetime) -> dt.datetime:
        """The latest due time at or before ``now``."""
        return last_due(now, every=self.every, at=self.at)

    def next_due(self, now: dt.datetime) -> dt.datetime:
        return self.last_due(now) + self.period

    @property
    def cadence(self) -> str:
        """The cadence in words (每 5 分钟, 每天 02:30)."""
        if self.at is not None:
            return f"每天 {self.at:%H:%M}"
        seconds = int(self.period.total_seconds())
        for unit, label in ((86400, "天"), (3600, "小时"), (60, "分钟")):
            if seconds % unit == 0:
                return f"每 {seconds // unit} {label}"
        return f"每 {seconds} 秒"

    def run(self) -> Any:
        fn = self.task.call if isinstance(self.task, Task) else self.task
        with bulk_reads():  # a job reads the whole city: its id sets hashed, not rescanned per row
            return fn()


def last_due(
    now: dt.datetime, *, every: dt.timedelta | None = None, at: dt.time | None = None
) -> dt.datetime:
    """The latest instant ≤ ``now`` of a cadence: multiples of ``every`` since ``EPOCH``, or ``at`` each
    local day (pure; ``now`` is timezone-aware)."""
    if every is not None:
        step = int(every.total_seconds() * 1_000_000)
        since = int((now - EPOCH) / dt.timedelta(microseconds=1))
        return EPOCH + dt.timedelta(microseconds=since - since % step)
    assert at is not None
    local = timezone.localtime(now)
    due = local.replace(hour=at.hour, minute=at.minute, second=at.second, microsecond=0)
    if due > local:
        due = (local - dt.timedelta(days=1)).replace(
            hour=at.hour, minute=at.minute, second=at.second, microsecond=0
        )
    return due


_jobs: dict[str, PeriodicJob] = {}


def register(job: PeriodicJob) -> None:
    """Add ``job`` to the schedule (from an app's ``ready()``); registering a name twice replaces it."""
    _jobs[job.name] = job


def override_interval(name: str, every: dt.timedelta) -> None:
    """Run ``name`` every ``every`` in this process (``manage.py scheduler --every NAME=SECONDS``; tests)."""
    job = get(name)
    _jobs[name] = PeriodicJob(job.name, job.label, job.task, every=every)


def jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def get(name: str) -> PeriodicJob:
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(f"没有名为 {name} 的定时任务") from None


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


# --- the scheduler --------------------------------------------------------------------------------


def schedule_tick(*, now: dt.datetime | None = None) -> list[ScheduledRun]:
    """Enqueue the latest due time of every job that has no run record yet; returns the runs made here.

    Safe in any number of processes at once: a due time another scheduler recorded first is skipped.
    """
    now = now or timezone.now()
    made = []
    for job in jobs():
        due = job.last_due(now)
        if ScheduledRun.objects.filter(job=job.name, due_at=due).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, due_at=due, enqueued_at=now)
                periodic_run.enqueue(run.pk)
        except IntegrityError:
            continue  # another scheduler recorded this due time first
        made.append(run)
        log.info("job.enqueued", extra={"job": job.name, "due_at": due.isoformat(), "run_id": run.pk})
    return made


def scheduler_loop(*, tick_seconds: float = 1.0, stop_after: float | None = None) -> None:
    """Tick until stopped (or ``stop_after`` seconds); database errors are logged and retried."""
    started = time.monotonic()
    while stop_after is None or time.monotonic() - started < stop_after:
        try:
            schedule_tick()
        except Exception:
            log.exception("scheduler.tick_failed")
        time.sleep(tick_seconds)


@task()
def periodic_run(run_id: int) -> str:
    """Run the job of run record ``run_id`` once: the worker whose UPDATE claims the record runs it; a
    second delivery of the same run finds it claimed and does nothing."""
    started = timezone.now()
    claimed = ScheduledRun.objects.filter(pk=run_id, started_at__isnull=True).update(
        started_at=started, outcome=ScheduledRun.Outcome.RUNNING, worker=process_name()
    )
    if not claimed:
        return "already-run"
    run = ScheduledRun.objects.get(pk=run_id)
    context = {"job": run.job, "due_at": run.due_at.isoformat(), "run_id": run.pk}
    t0 = time.monotonic()
    try:
        result = get(run.job).run()
    except Exception as exc:
        ms = int((time.monotonic() - t0) * 1000)
        ScheduledRun.objects.filter(pk=run_id).update(
            outcome=ScheduledRun.Outcome.FAILED,
            finished_at=timezone.now(),
            duration_ms=ms,
            error=f"{type(exc).__name__}: {exc}"[:500],
        )
        log.exception("job.failed", extra={**context, "duration_ms": ms})
        return "failed"
    ms = int((time.monotonic() - t0) * 1000)
    summary = result if isinstance(result, dict) else ({"value": result} if result is not None else {})
    ScheduledRun.objects.filter(pk=run_id).update(
        outcome=ScheduledRun.Outcome.OK, finished_at=timezone.now(), duration_ms=ms, result=_jsonable(summary)
    )
    log.info("job.finished", extra={**context, "duration_ms": ms, "worker": process_name()})
    return "ok"


def _jsonable(value: dict) -> dict:
    return {
        str(k): v if isinstance(v, (int, float, str, bool, type(None))) else str(v) for k, v in value.items()
    }


# --- what the schedule page and the readiness probe read ---------------------------------------------


@dataclass(frozen=True)
class JobState:
    job: PeriodicJob
    last: ScheduledRun | None
    next_due: dt.datetime


def job_states(*, now: dt.datetime | None = None) -> list[JobState]:
    """Each job with its latest run record and its next due time (one indexed query per job)."""
    now = now or timezone.now()
    return [
        JobState(j, ScheduledRun.objects.filter(job=j.name).order_by("-due_at").first(), j.next_due(now))
        for j in jobs()
    ]


def heartbeat() -> dict[str, str]:
    """The heartbeat job: its finished runs show the scheduler and a worker are alive (``/readyz``)."""
    return {"worker": process_name()}


def worker_alive(*, now: dt.datetime | None = None, within: dt.timedelta = 3 * HEARTBEAT_EVERY) -> bool:
    """Whether a heartbeat run finished within ``within``: a scheduler enqueued it and a worker ran it."""
    now = now or timezone.now()
    return ScheduledRun.objects.filter(
        job=HEARTBEAT, outcome=ScheduledRun.Outcome.OK, finished_at__gte=now - within
    ).exists()


register(PeriodicJob(HEARTBEAT, "心跳（检查调度与后台进程是否在运行）", heartbeat, every=HEARTBEAT_EVERY))
