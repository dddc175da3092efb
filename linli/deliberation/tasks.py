"""Background work of 议事协商 (Django's tasks framework)."""

from __future__ import annotations

from django.tasks import task

from linli.deliberation.services import votes_close_due


@task()
def votes_close_due_task() -> dict[str, int]:
    """The periodic run: count the votes whose deadline passed; safe to run twice."""
    return votes_close_due().as_dict()
