"""Visit periods: a monthly or quarterly visit is owed once per period (calendar months / quarters)."""

from __future__ import annotations

import datetime as dt

MONTHLY, QUARTERLY = "monthly", "quarterly"
FREQUENCIES = {MONTHLY: "每月", QUARTERLY: "每季度"}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def period_of(day: dt.date, frequency: str) -> tuple[dt.date, dt.date]:
    """The first and last day of the period of ``frequency`` containing ``day``."""
    if frequency == QUARTERLY:
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        end = next_month(next_month(next_month(start))) - dt.timedelta(days=1)
    else:
        start = month_start(day)
        end = next_month(start) - dt.timedelta(days=1)
    return start, end


def visit_rate(owed: int, visited: int) -> float | None:
    """Visited ÷ owed in percent (None when nothing was owed)."""
    return None if owed == 0 else round(100.0 * visited / owed, 1)
