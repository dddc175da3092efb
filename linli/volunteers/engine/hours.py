"""志愿服务记录的规则: hours that count.

A record covers [start, end) of one volunteer. Records of one volunteer never overlap; a record made
at an activity lies within the activity's span; the one who confirms is never the volunteer; a
correction is a new record pointing at the old one, which then no longer counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


class HoursError(ValueError):
    def __init__(self, message: str, code: str, field: str = "") -> None:
        super().__init__(message)
        self.code, self.field = code, field


@dataclass(frozen=True)
class Span:
    start: dt.datetime
    end: dt.datetime


def hours_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Hours from ``start`` to ``end``, rounded to 0.1 h."""
    return (Decimal((end - start).total_seconds()) / Decimal(3600)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def check_span(span: Span, activity: Span | None) -> None:
    if span.end <= span.start:
        raise HoursError("结束时间须晚于开始时间", "record.end_before_start", "ended_at")
    if activity is not None and (span.start < activity.start or span.end > activity.end):
        raise HoursError("服务时间超出了活动的起止时间", "record.outside_activity", "started_at")


def overlapping(span: Span, others: Iterable[Span]) -> Span | None:
    """The first of ``others`` that overlaps ``span`` (touching ends do not overlap)."""
    for o in others:
        if span.start < o.end and o.start < span.end:
            return o
    return None


def check_no_overlap(span: Span, others: Iterable[Span]) -> None:
    clash = overlapping(span, others)
    if clash is not None:
        raise HoursError(
            f"与已有服务记录时间重叠（{clash.start:%m-%d %H:%M}–{clash.end:%H:%M}）",
            "record.overlap",
            "started_at",
        )


def check_confirmer(volunteer_person_id: int, confirmer_person_id: int | None) -> None:
    if confirmer_person_id is not None and confirmer_person_id == volunteer_person_id:
        raise HoursError("不能确认自己的服务时长", "record.self_confirm")


def counting(records: Iterable[tuple[int, int | None]]) -> set[int]:
    """The ids of the records that count: (id, id of the record it corrects) — a corrected record no longer counts."""
    rows = list(records)
    corrected = {old for _, old in rows if old is not None}
    return {rid for rid, _ in rows if rid not in corrected}
