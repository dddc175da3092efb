"""Aggregation over time and over the hierarchy, indicator values and attainment (pure Python).

Rules (the DHIS2 manner):
- over time, a flow is summed over the periods of the year (``sum``), a rate averaged (``avg``),
  and a standing count takes its last reported value (``last``) — a standing count is never summed;
- over the hierarchy, values of the units below are summed (``sum``) or averaged (``avg``);
- an indicator aggregates its numerator and denominator first and divides after;
- a missing operand gives a missing value with the reason, never a zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from linli.indicators.engine.formula import Formula, Node, ZeroDivisor

SUM, AVG, LAST = "sum", "avg", "last"


def over_time(method: str, periods: Iterable[tuple[int, Decimal]]) -> Decimal | None:
    """Combine one unit's values of one year; ``periods`` are (period, value), period 0 = the year."""
    rows = sorted(periods, key=lambda p: p[0])
    if not rows:
        return None
    if method == LAST:
        return rows[-1][1]
    total = sum((v for _, v in rows), Decimal(0))
    if method == SUM:
        return total
    if method == AVG:
        return total / len(rows)
    raise ValueError(f"未知的时间汇总方式：{method}")


def over_hierarchy(method: str, values: Iterable[Decimal]) -> Decimal | None:
    vals = list(values)
    if not vals:
        return None
    total = sum(vals, Decimal(0))
    if method == SUM:
        return total
    if method == AVG:
        return total / len(vals)
    raise ValueError(f"未知的层级汇总方式：{method}")


@dataclass
class IndicatorValue:
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    gap_reason: str = ""  # why the value is missing (缺少数据 / 分母为零)
    missing: list[str] = field(default_factory=list)  # element codes without a value


def indicator_value(
    numerator: Formula | Node,
    denominator: Formula | Node | None,
    factor: Decimal,
    values: Mapping[str, Decimal | None],
) -> IndicatorValue:
    """numerator / denominator × factor over already aggregated element values."""
    if not isinstance(numerator, Formula):
        numerator = Formula(numerator)
    if denominator is not None and not isinstance(denominator, Formula):
        denominator = Formula(denominator)
    # the missing operands first, without exceptions (most regions of the finest levels miss some)
    missing = [c for c in numerator.refs if values.get(c) is None]
    if denominator is not None:
        missing += [c for c in denominator.refs if values.get(c) is None and c not in missing]
    if missing:
        return IndicatorValue(None, gap_reason="缺少数据", missing=sorted(missing))
    try:
        num = numerator.evaluate(values)
    except ZeroDivisor:
        return IndicatorValue(None, gap_reason="分子公式中除数为零")
    if denominator is None:
        return IndicatorValue(num * factor, num, None)
    try:
        den = denominator.evaluate(values)
    except ZeroDivisor:
        return IndicatorValue(None, num, gap_reason="分母公式中除数为零")
    if den == 0:
        return IndicatorValue(None, num, den, "分母为零")
    return IndicatorValue(num / den * factor, num, den)


MET, NOT_MET, NO_DATA = "达标", "未达标", "无数据"
GE, LE, EQ = "ge", "le", "eq"
EQ_TOLERANCE = Decimal("0.005")


def status(value: Decimal | None, comparison: str, target: Decimal | None) -> str:
    if value is None or target is None:
        return NO_DATA
    if comparison == GE:
        ok = value >= target
    elif comparison == LE:
        ok = value <= target
    else:  # "=": within rounding of the displayed value (100.00 % is 100 %)
        ok = abs(value - target) <= EQ_TOLERANCE * max(Decimal(1), abs(target))
    return MET if ok else NOT_MET


def gap(value: Decimal | None, comparison: str, target: Decimal | None) -> Decimal | None:
    """How far the value is from the target in the direction that matters (0 when met)."""
    if value is None or target is None:
        return None
    if comparison == GE:
        return max(Decimal(0), target - value)
    if comparison == LE:
        return max(Decimal(0), value - target)
    return abs(target - value)


def progress(value: Decimal | None, baseline: Decimal | None, target: Decimal | None) -> Decimal | None:
    """Share (0–1, may exceed 1) of the way from the baseline to the target that has been covered."""
    if value is None or baseline is None or target is None or target == baseline:
        return None
    return (value - baseline) / (target - baseline)
