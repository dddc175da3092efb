"""The schedule (``linli.core.schedule``): due times, one run per due time across schedulers, a run
claimed by one worker only, a missed run caught up once, failures recorded; /healthz and /readyz."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core import schedule
from linli.core.models import ScheduledRun

pytestmark = pytest.mark.django_db

calls: list[str] = []


def _ok() -> dict:
    calls.append("ok")
    return {"done": 1}


def _boom() -> None:
    raise RuntimeError("磁盘已满")


@pytest.fixture
def only_test_jobs(monkeypatch):
    monkeypatch.setattr(schedule, "_jobs", {})
    calls.clear()
    schedule.register(schedule.PeriodicJob("t_ok", "测试", _ok, every=dt.timedelta(minutes=5)))
    yield


def test_due_times_are_aligned_on_the_clock():
    now = dt.datetime(2026, 12, 1, 10, 7, 30, tzinfo=dt.UTC)
    assert schedule.last_due(now, every=dt.timedelta(minutes=5)) == now.replace(minute=5, second=0)
    assert schedule.last_due(now.replace(minute=5, second=0), every=dt.timedelta(minutes=5)) == now.replace(
        minute=5, second=0
    )
    # daily at 02:30 local time (Asia/Shanghai): 10:07 UTC is 18:07 local, so today's 02:30
    due = schedule.last_due(now, at=dt.time(2, 30))
    assert timezone.localtime(due).strftime("%d %H:%M") == "01 02:30"
    early = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)  # 01:00 local on the 2nd
    assert timezone.localtime(schedule.last_due(early, at=dt.time(2, 30))).strftime("%d %H:%M") == "01 02:30"
    job = schedule.PeriodicJob("x", "x", _ok, at=dt.time(2, 30))
    assert job.cadence == "每天 02:30"
    assert schedule.PeriodicJob("y", "y", _ok, every=dt.timedelta(minutes=5)).cadence == "每 5 分钟"
    with pytest.raises(ValueError):
        schedule.PeriodicJob("z", "z", _ok)


def test_a_due_time_runs_once_however_many_ticks(only_test_jobs):
    now = dt.datetime(2026, 12, 1, 10, 7, tzinfo=dt.UTC)
    made = schedule.schedule_tick(now=now)
    assert len(made) == 1 and calls == ["ok"]  # the immediate backend of the tests runs it at once
    for _ in range(3):  # other schedulers, or the same one ticking again within the period
        assert schedule.schedule_tick(now=now + dt.timedelta(seconds=30)) == []
    assert calls == ["ok"]
    run = ScheduledRun.objects.get()
    assert run.outcome == "ok" and run.duration_ms is not None and run.result == {"done": 1}
    assert run.due_at == now.replace(minute=5)
    # a second delivery of the same run (a retried task) does nothing
    assert schedule.periodic_run.call(run.pk) == "already-run"
    assert calls == ["ok"]


def test_a_missed_run_is_caught_up_once(only_test_jobs):
    start = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
    schedule.schedule_tick(now=start)
    # the scheduler was down for two hours (24 due times): one run catches up, not 24
    later = start + dt.timedelta(hours=2, minutes=1)
    assert len(schedule.schedule_tick(now=later)) == 1
    assert list(ScheduledRun.objects.order_by("due_at").values_list("due_at", flat=True)) == [
        start,
        start + dt.timedelta(hours=2),
    ]
    assert calls == ["ok", "ok"]


def test_a_failure_is_recorded_with_its_reason(only_test_jobs):
    schedule.register(schedule.PeriodicJob("t_boom", "会失败", _boom, every=dt.timedelta(hours=1)))
    schedule.schedule_tick(now=dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))
    run = ScheduledRun.objects.get(job="t_boom")
    assert run.outcome == "failed" and "磁盘已满" in run.error and run.finished_at is not None
    states = {s.job.name: s for s in schedule.job_states(now=dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC))}
    assert states["t_boom"].last == run
    assert states["t_ok"].next_due == dt.datetime(2026, 12, 1, 10, 5, tzinfo=dt.UTC)


def test_the_platform_jobs_are_registered():
    names = {j.name for j in schedule.jobs()}
    assert {"heartbeat", "cases_sweep", "services_remind", "exports_purge"} <= names


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"database": "ok", "worker": "stale"}
    schedule.schedule_tick(now=timezone.now())  # the heartbeat runs (immediate backend)
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
