"""Booking slots from a week of hours and its exceptions by date (pure Python).

A week of hours (``opening_hours``: ISO weekday "1"…"7" → ``[["08:30", "11:30"], …]``) is read,
checked and described by the one opening-hours engine, ``linli.facilities.engine.hours``; what is
the services' own is here: ``exceptions``, a list of ``{"date": "YYYY-MM-DD", "closed": true}`` or
``{"date": …, "hours": [[…]]}`` (other hours that day), the slots a schedule gives, and the day and
period masks matching compares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from linli.facilities.engine import hours

WEEKDAYS = "一二三四五六日"


class ScheduleError(ValueError):
    """The schedule is malformed or gives no hours; ``field`` names the input, ``code`` the rule."""

    def __init__(self, message: str, field: str = "opening_hours", code: str = "service.hours_invalid"):
        super().__init__(message)
        self.field, self.code = field, code


def normalise(weekly: Any) -> dict[str, list[list[str]]]:
    """Check ``weekly`` with the hours engine and return it sorted; raise ScheduleError naming the day."""
    try:
        return hours.normalise(weekly)
    except hours.HoursError as exc:
        raise ScheduleError(str(exc)) from exc


def weekly_minutes(weekly: Any) -> int:
    return hours.weekly_minutes(normalise(weekly))


def require_hours(weekly: Any) -> None:
    if weekly_minutes(weekly) == 0:
        raise ScheduleError(
            "每周服务时间为 0 小时：请至少填写一个开放时间段，才能生成预约时段", code="service.no_hours"
        )


def describe(weekly: Any) -> str:
    """周一至周五 08:30–11:30；周六 09:00–11:00 (the engine's description; raises ScheduleError)."""
    try:
        return hours.describe(weekly)
    except hours.HoursError as exc:
        raise ScheduleError(str(exc)) from exc


def day_mask(weekly: Mapping[str, Any]) -> int:
    """Bit i-1 set when weekday i has hours (for matching)."""
    mask = 0
    for day, raw in weekly.items():
        if raw:
            mask |= 1 << (int(day) - 1)
    return mask


# morning, afternoon, evening in minutes since midnight (bits 0, 1, 2 of ``period_mask``)
PERIODS = {"morning": (0, 12 * 60), "afternoon": (12 * 60, 18 * 60), "evening": (18 * 60, 23 * 60 + 59)}


def period_mask(weekly: Mapping[str, Any]) -> int:
    """Bits 0/1/2 for morning/afternoon/evening when any interval touches that period."""
    mask = 0
    for spans in normalise(weekly).values():
        for a, b in spans:
            s, e = hours.minutes_of(a), hours.minutes_of(b)
            for i, (ps, pe) in enumerate(PERIODS.values()):
                if s < pe and e > ps:
                    mask |= 1 << i
    return mask


def _in_minutes(spans: list[list[str]]) -> list[tuple[int, int]]:
    return [(hours.minutes_of(a), hours.minutes_of(b)) for a, b in spans]


def _exceptions(exceptions: Sequence[Mapping[str, Any]]) -> dict[dt.date, list[tuple[int, int]]]:
    special: dict[dt.date, list[tuple[int, int]]] = {}
    for ex in exceptions:
        try:
            day = dt.date.fromisoformat(str(ex["date"]))
        except (KeyError, ValueError) as exc:
            raise ScheduleError("例外日期应为 YYYY-MM-DD", field="exceptions") from exc
        if ex.get("closed"):
            special[day] = []
            continue
        try:
            special[day] = _in_minutes(hours.spans_checked(ex.get("hours", [])))
        except hours.HoursError as exc:
            raise ScheduleError(f"{day}：{exc}", field="exceptions") from exc
    return special


def slots(
    weekly: Mapping[str, Any],
    exceptions: Sequence[Mapping[str, Any]],
    start: dt.date,
    days: int,
    minutes: int,
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Naive local (start, end) of every slot of ``minutes`` from ``start`` for ``days`` days."""
    if minutes < 5:
        raise ScheduleError("每个时段至少 5 分钟", field="slot_minutes", code="service.slot_too_short")
    week = {day: _in_minutes(spans) for day, spans in normalise(weekly).items()}
    require_hours(weekly)
    special = _exceptions(exceptions)
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        spans = special[day] if day in special else week.get(str(day.isoweekday()), [])
        midnight = dt.datetime.combine(day, dt.time())
        for s, e in spans:
            at = s
            while at + minutes <= e:
                yield midnight + dt.timedelta(minutes=at), midnight + dt.timedelta(minutes=at + minutes)
                at += minutes
