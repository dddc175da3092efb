"""时限计算: deadlines in clock hours, calendar days or working days with a holiday calendar (no Django)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection


def is_workday(day: dt.date, holidays: Collection[dt.date], workdays: Collection[dt.date]) -> bool:
    """Monday–Friday unless a public holiday; a weekend day declared a working day (调休) counts."""
    if day in workdays:
        return True
    if day in holidays:
        return False
    return day.weekday() < 5


def add_working_days(
    start: dt.datetime, days: int, holidays: Collection[dt.date], workdays: Collection[dt.date]
) -> dt.datetime:
    """``start`` plus ``days`` working days, ending at 23:59:59 local time of the last working day.

    The day of receipt does not count (受理次日起算), as is usual for administrative time limits.
    """
    day = start.date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day, holidays, workdays):
            counted += 1
    return start.replace(hour=23, minute=59, second=59, microsecond=0) + dt.timedelta(
        days=(day - start.date()).days
    )


def deadline(
    start: dt.datetime,
    *,
    hours: int = 0,
    days: int = 0,
    working_days: bool = False,
    holidays: Collection[dt.date] = (),
    workdays: Collection[dt.date] = (),
) -> dt.datetime:
    """The deadline ``hours`` (clock) or ``days`` (calendar or working) after ``start``."""
    if hours:
        return start + dt.timedelta(hours=hours)
    if working_days:
        return add_working_days(start, days, holidays, workdays)
    return start + dt.timedelta(days=days)
