"""星级认定: a volunteer's star level from cumulative confirmed hours.

The thresholds are the region's editable data (``StarThreshold`` rows); the common scale is
100/300/600/1000/1500 hours for one to five stars. The level is derived from the hours, never stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

DEFAULT_THRESHOLDS: tuple[Decimal, ...] = tuple(Decimal(h) for h in (100, 300, 600, 1000, 1500))
STAR_NAMES = {0: "未定级", 1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}


class ThresholdError(ValueError):
    """The thresholds are not a strictly increasing list of positive hours."""


def check_thresholds(thresholds: Sequence[Decimal]) -> None:
    if not thresholds:
        raise ThresholdError("至少需要设定一星的时长")
    prev = Decimal(0)
    for i, h in enumerate(thresholds, 1):
        if h <= prev:
            raise ThresholdError(f"{STAR_NAMES.get(i, f'{i}星')}所需时长须大于上一级（{prev} 小时）")
        prev = h


def level_for(hours: Decimal, thresholds: Sequence[Decimal] = DEFAULT_THRESHOLDS) -> int:
    """The highest level whose threshold ``hours`` reaches (0 below the first)."""
    level = 0
    for i, h in enumerate(thresholds, 1):
        if hours >= h:
            level = i
    return level


def to_next(hours: Decimal, thresholds: Sequence[Decimal] = DEFAULT_THRESHOLDS) -> Decimal | None:
    """Hours still needed for the next level (None at the top)."""
    level = level_for(hours, thresholds)
    if level >= len(thresholds):
        return None
    return thresholds[level] - hours


def levels_reached(
    before: Decimal, after: Decimal, thresholds: Sequence[Decimal] = DEFAULT_THRESHOLDS
) -> list[int]:
    """The levels crossed when the hours go from ``before`` to ``after`` (to notify the volunteer)."""
    return list(range(level_for(before, thresholds) + 1, level_for(after, thresholds) + 1))
