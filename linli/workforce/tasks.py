"""Background work of the workforce module (Django's tasks framework)."""

from __future__ import annotations

from django.tasks import task

from linli.workforce.services import tracks_coarsen


@task()
def tracks_coarsen_task() -> dict[str, int]:
    """Nightly: coarsen the tracks of patrols past the retention period; safe to run twice."""
    total = {"patrols": 0, "points_before": 0, "points_after": 0}
    while True:
        r = tracks_coarsen().as_dict()
        for k, v in r.items():
            total[k] += v
        if r["patrols"] == 0:
            return total
