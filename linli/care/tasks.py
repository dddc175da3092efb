"""Background work of 关爱巡访 (Django's tasks framework); every task is safe to run twice.

- ``care_nightly_task``: nightly — the evaluation of the rules (files, memberships, 政策找人 alerts)
  over the persons whose match can have changed since the last night without a registry write (a
  birthday, a tag's dates, a bulk load; everyone the first night or after a rule changed), the overdue marking of visits whose period ended, and the current period's visit plan
  (a new month's visits appear on its first night), and the referrals whose request, need or
  application its handler closed are closed with that outcome; last, the monthly summary of visits
  is recounted from the visits (the writes keep it by delta: the recount catches what they cannot,
  such as a bulk load), and so are the open alerts per community (``AlertCount``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.tasks import task

from linli.care.services import (
    alert_counts_rebuild,
    care_evaluate_nightly,
    referrals_sync,
    visit_tallies_rebuild,
    visits_generate,
    visits_mark_overdue,
)


def care_nightly(*, full: bool = False) -> dict[str, Any]:
    evaluation, run = care_evaluate_nightly(full=full)
    overdue = visits_mark_overdue()
    planned = visits_generate()
    referrals = referrals_sync()
    tallies = visit_tallies_rebuild()
    alert_counts = alert_counts_rebuild()
    return {
        **asdict(evaluation),
        "full": run.full,
        "evaluated": run.persons,
        "overdue": overdue,
        "planned": planned,
        "referrals_closed": referrals,
        "visit_month_rows": tallies,
        "alert_count_rows": alert_counts,
    }


@task()
def care_nightly_task() -> dict[str, Any]:
    return care_nightly()
