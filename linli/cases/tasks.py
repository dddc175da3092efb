"""Background work of 诉求办理 (Django's tasks framework)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from linli.cases.services import case_measures_roll, cases_sweep, routing_train


@task()
def cases_sweep_task() -> dict[str, int]:
    """The periodic sweep: overdue marking, reminders (催办) and escalation; safe to run twice."""
    return cases_sweep().as_dict()


@task()
def routing_train_task() -> int:
    """Retrain the routing assistant from past requests."""
    return routing_train().samples


@task()
def case_measures_task() -> dict[str, Any]:
    """Nightly: the days since the last run added to the monthly summary of the measures."""
    return case_measures_roll()
