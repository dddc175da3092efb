"""Weekly service hours and the booking slots they give (pure Python).

``weekly`` maps ISO weekday "1"…"7" to intervals ``[["08:30", "11:30"], …]``; ``exceptions`` is a list
of ``{"date": "YYYY-MM-DD", "closed": true}`` or ``{"date": …, "hours": [[…]]}`` (other hours that day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

WEEKDAYS = "一二三四五六日"


class ScheduleError(ValueError):
    """The schedule is malformed or gives no hours; ``field`` names the input."""

    def __init__(self, message: str, field: str = "weekly_hours"):
        super().__init__(message)
        self.field = field


def parse_hm(value: str) -> dt.time:
    try:
        h, m = value.strip().split(":")
        return dt.time(int(h), int(m))
    except (ValueError, AttributeError) as exc:
        raise ScheduleError(f"时间“{value}”格式应为 HH:MM") from exc


def _intervals(raw: Any, where: str) -> list[tuple[dt.time, dt.time]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ScheduleError(f"{where}的时间段应为列表")
    out = []
    for pair in raw:
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise ScheduleError(f"{where}的时间段应为 [开始, 结束]")
        start, end = parse_hm(pair[0]), parse_hm(pair[1])
        if end <= start:
            raise ScheduleError(f"{where}的时间段 {pair[0]}–{pair[1]} 结束早于开始")
        out.append((start, end))
    out.sort()
    for (_, e1), (s2, _) in zip(out, out[1:], strict=False):
        if s2 < e1:
            raise ScheduleError(f"{where}的时间段有重叠")
    return out


def normalise(weekly: Mapping[str, Any]) -> dict[str, list[tuple[dt.time, dt.time]]]:
    """Check ``weekly`` and return it parsed; raise ScheduleError naming the day."""
    if not isinstance(weekly, Mapping):
        raise ScheduleError("每周服务时间格式不正确")
    out: dict[str, list[tuple[dt.time, dt.time]]] = {}
    for day, raw in weekly.items():
        if str(day) not in {str(i) for i in range(1, 8)}:
            raise ScheduleError(f"星期“{day}”应为 1–7")
        out[str(day)] = _intervals(raw, f"星期{WEEKDAYS[int(day) - 1]}")
    return out


def weekly_minutes(weekly: Mapping[str, Any]) -> int:
    total = 0
    for intervals in normalise(weekly).values():
        for s, e in intervals:
            total += (e.hour * 60 + e.minute) - (s.hour * 60 + s.minute)
    return total


def require_hours(weekly: Mapping[str, Any]) -> None:
    if weekly_minutes(weekly) == 0:
        raise ScheduleError("每周服务时间为 0 小时：请至少填写一个开放时间段，才能生成预约时段")


def day_mask(weekly: Mapping[str, Any]) -> int:
    """Bit i-1 set when weekday i has hours (for matching)."""
    mask = 0
    for day, raw in weekly.items():
        if raw:
            mask |= 1 << (int(day) - 1)
    return mask


PERIODS = {
    "morning": (dt.time(0), dt.time(12)),
    "afternoon": (dt.time(12), dt.time(18)),
    "evening": (dt.time(18), dt.time(23, 59)),
}


def period_mask(weekly: Mapping[str, Any]) -> int:
    """Bits 0/1/2 for morning/afternoon/evening when any interval touches that period."""
    mask = 0
    for intervals in normalise(weekly).values():
        for s, e in intervals:
            for i, (ps, pe) in enumerate(PERIODS.values()):
                if s < pe and e > ps:
                    mask |= 1 << i
    return mask


def slots(
    weekly: Mapping[str, Any],
    exceptions: Sequence[Mapping[str, Any]],
    start: dt.date,
    days: int,
    minutes: int,
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Naive local (start, end) of every slot of ``minutes`` from ``start`` for ``days`` days."""
    if minutes < 5:
        raise ScheduleError("每个时段至少 5 分钟", field="slot_minutes")
    parsed = normalise(weekly)
    require_hours(weekly)
    special: dict[dt.date, list[tuple[dt.time, dt.time]] | None] = {}
    for ex in exceptions:
        try:
            day = dt.date.fromisoformat(str(ex["date"]))
        except (KeyError, ValueError) as exc:
            raise ScheduleError("例外日期应为 YYYY-MM-DD", field="exceptions") from exc
        special[day] = None if ex.get("closed") else _intervals(ex.get("hours", []), f"{day}")
    step = dt.timedelta(minutes=minutes)
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        intervals = special[day] if day in special else parsed.get(str(day.isoweekday()), [])
        for s, e in intervals or []:
            at, end = dt.datetime.combine(day, s), dt.datetime.combine(day, e)
            while at + step <= end:
                yield at, at + step
                at += step


def describe(weekly: Mapping[str, Any]) -> str:
    """周一至周五 08:30–11:30；周六 09:00–11:00 — days with the same hours grouped, for pages."""
    parsed = normalise(weekly)
    runs: list[tuple[int, int, str]] = []
    for day in range(1, 8):
        intervals = parsed.get(str(day)) or []
        if not intervals:
            continue
        hours = "、".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in intervals)
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == hours:
            runs[-1] = (runs[-1][0], day, hours)
        else:
            runs.append((day, day, hours))
    parts = []
    for first, last, hours in runs:
        days = f"周{WEEKDAYS[first - 1]}" + (f"至周{WEEKDAYS[last - 1]}" if last > first else "")
        parts.append(f"{days} {hours}")
    return "；".join(parts) or "未设开放时间"
