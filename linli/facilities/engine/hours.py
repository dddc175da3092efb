"""开放时间: weekly opening hours as ISO weekday → intervals, their total and the days under 8 hours.

The one opening-hours engine of Linli: facilities, services and resources read, check, normalise and
describe a week of hours here (``linli.services.engine.schedule`` adds only what is its own, the
exceptions by date and the booking slots). Pure Python (no Django). The stored form is ``{"1": [["08:30", "12:00"], ["14:30", "18:00"]], …}``
with keys "1" (Monday) to "7" (Sunday); a day that is absent or empty is closed. Forms take each day
as text, ``"08:30-12:00, 14:30-18:00"``; ``"休息"`` or an empty field means closed.

The plans ask that community service facilities open "不少于每天8小时" (seeds 000, 002, 004):
``short_days`` lists the days a facility opens but for less than ``MIN_DAILY_HOURS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

WEEKDAYS = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
MIN_DAILY_HOURS = 8.0
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})$")
_CLOSED = {"", "休息", "闭馆", "不开放", "关闭", "-", "—"}


class HoursError(ValueError):
    """Opening hours that cannot be read; ``day`` is the ISO weekday concerned (0 for the whole value)."""

    def __init__(self, day: int, message: str):
        super().__init__(f"{WEEKDAYS.get(day, '开放时间')}：{message}" if day else message)
        self.day = day


def _minutes(text: str, day: int) -> int:
    m = _TIME.match(text.strip())
    if not m:
        raise HoursError(day, f"时间“{text}”应为 HH:MM，如 08:30")
    h, mi = int(m.group(1)), int(m.group(2))
    if mi >= 60 or h > 24 or (h == 24 and mi):
        raise HoursError(day, f"时间“{text}”不存在")
    return h * 60 + mi


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_day(text: str, day: int) -> list[list[str]]:
    """``"08:30-12:00, 14:30-18:00"`` → ``[["08:30", "12:00"], ["14:30", "18:00"]]`` (checked, sorted)."""
    text = (text or "").strip()
    if text in _CLOSED:
        return []
    if text in ("全天", "24小时"):
        return [["00:00", "24:00"]]
    parts = [p for p in re.split(r"[,，;；、\s]+", text) if p]
    spans: list[tuple[int, int]] = []
    for p in parts:
        ends = re.split(r"\s*[-–—~～至]\s*", p)
        if len(ends) != 2:
            raise HoursError(day, f"“{p}”应为 开始-结束，如 08:30-12:00")
        spans.append(_span(ends[0], ends[1], day, f"“{p}”结束时间应晚于开始时间"))
    return _checked(spans, day)


def _span(start: str, end: str, day: int, backwards: str) -> tuple[int, int]:
    """One interval in minutes; ``backwards`` is the message when it ends before it starts."""
    a, b = _minutes(start, day), _minutes(end, day)
    if b <= a:
        raise HoursError(day, backwards)
    return a, b


def _checked(spans: list[tuple[int, int]], day: int) -> list[list[str]]:
    spans.sort()
    for (a1, b1), (a2, _b2) in zip(spans, spans[1:], strict=False):
        if a2 < b1:
            raise HoursError(day, f"时段 {_fmt(a1)}-{_fmt(b1)} 与 {_fmt(a2)} 开始的时段重叠")
    return [[_fmt(a), _fmt(b)] for a, b in spans]


def normalise(value: object) -> dict[str, list[list[str]]]:
    """Check a stored/JSON value (keys "1"–"7", lists of [start, end]) and return it sorted."""
    if value in (None, "", {}):
        return {}
    if not isinstance(value, dict):
        raise HoursError(0, "开放时间应为 周几 → 时段列表")
    out: dict[str, list[list[str]]] = {}
    for key, spans in value.items():
        try:
            day = int(key)
        except (TypeError, ValueError):
            raise HoursError(0, f"开放时间的星期“{key}”应为 1–7") from None
        if day not in WEEKDAYS:
            raise HoursError(0, f"开放时间的星期“{key}”应为 1–7")
        if isinstance(spans, str):
            out[str(day)] = parse_day(spans, day)
            continue
        out[str(day)] = spans_checked(spans, day)
    return {k: v for k, v in sorted(out.items()) if v}


def spans_checked(spans: object, day: int = 0) -> list[list[str]]:
    """A stored list of ``[start, end]`` pairs, checked and sorted (``day`` names it in errors, 0 none)."""
    if not isinstance(spans, list | tuple):
        raise HoursError(day, "时段应为 [开始, 结束] 的列表")
    pairs: list[tuple[int, int]] = []
    for span in spans:
        if not (isinstance(span, list | tuple) and len(span) == 2):
            raise HoursError(day, "每个时段应为 [开始, 结束]")
        a, b = str(span[0]), str(span[1])
        pairs.append(_span(a, b, day, f"{a}-{b} 结束早于开始，结束时间应晚于开始时间"))
    return _checked(pairs, day)


def minutes_of(text: str) -> int:
    """Minutes since midnight of a checked ``"HH:MM"`` (``"24:00"`` is 1440)."""
    return _minutes(text, 0)


def weekly_minutes(hours: dict[str, list[list[str]]]) -> int:
    """The minutes open in a week of (normalised) hours."""
    return sum(minutes_of(b) - minutes_of(a) for spans in hours.values() for a, b in spans)


def parse_week(texts: dict[int, str]) -> tuple[dict[str, list[list[str]]], dict[int, str]]:
    """Form texts per weekday → (opening hours, {day: error}); all days are checked."""
    hours: dict[str, list[list[str]]] = {}
    errors: dict[int, str] = {}
    for day in WEEKDAYS:
        try:
            spans = parse_day(texts.get(day, ""), day)
        except HoursError as exc:
            errors[day] = str(exc)
            continue
        if spans:
            hours[str(day)] = spans
    return hours, errors


def day_text(hours: dict[str, list[list[str]]], day: int) -> str:
    """One day as the text a form shows: ``"08:30-12:00, 14:30-18:00"`` ("" when closed)."""
    return ", ".join(f"{a}-{b}" for a, b in hours.get(str(day), []))


def week_texts(hours: dict[str, list[list[str]]] | None) -> dict[int, str]:
    """Every weekday as form text (the inverse of ``parse_week``)."""
    return {day: day_text(hours or {}, day) for day in WEEKDAYS}


def describe(hours: object, closed: str = "未设开放时间") -> str:
    """周一至周五 08:30–11:30；周六 09:00–11:00 — days with the same hours grouped, for pages."""
    week = normalise(hours)
    runs: list[tuple[int, int, str]] = []
    for day in WEEKDAYS:
        spans = week.get(str(day))
        if not spans:
            continue
        text = "、".join(f"{a}–{b}" for a, b in spans)
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == text:
            runs[-1] = (runs[-1][0], day, text)
        else:
            runs.append((day, day, text))
    return (
        "；".join(
            WEEKDAYS[first] + (f"至{WEEKDAYS[last]}" if last > first else "") + f" {text}"
            for first, last, text in runs
        )
        or closed
    )


@dataclass(frozen=True)
class WeekSummary:
    daily: dict[int, float] = field(default_factory=dict)  # ISO weekday → hours (0 when closed)
    weekly: float = 0.0
    short_days: tuple[int, ...] = ()  # open, but under MIN_DAILY_HOURS
    closed_days: tuple[int, ...] = ()

    @property
    def short_labels(self) -> str:
        return "、".join(WEEKDAYS[d] for d in self.short_days)


def summarise(hours: dict[str, list[list[str]]], min_daily: float = MIN_DAILY_HOURS) -> WeekSummary:
    daily: dict[int, float] = {}
    for day in WEEKDAYS:
        total = sum(_minutes(b, day) - _minutes(a, day) for a, b in hours.get(str(day), []))
        daily[day] = round(total / 60, 2)
    return WeekSummary(
        daily=daily,
        weekly=round(sum(daily.values()), 2),
        short_days=tuple(d for d, h in daily.items() if 0 < h < min_daily),
        closed_days=tuple(d for d, h in daily.items() if h == 0),
    )
