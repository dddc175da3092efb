"""Background work of the emergency module (Django's tasks framework)."""

from __future__ import annotations

from django.tasks import task

from linli.emergency.services import warnings_expire


@task()
def warnings_expire_task() -> dict[str, int]:
    """Every 5 minutes: warnings past their time window stop showing; safe to run twice."""
    return {"expired": warnings_expire()}
