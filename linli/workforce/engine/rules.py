"""The rules of the front line, as plain data and functions (no Django).

- 一日两巡: how many patrols a grid is owed a day (per region, default 2) and what a day's record means;
- 三岗十八级: the three posts and eighteen grades of community workers' pay;
- 轮训: how often each post must be trained (主任 every year, members every two years; editable);
- 准入: what becomes of a department's task to a community, read against the duty catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

PATROLS_PER_DAY = 2
MIN_PATROL_MINUTES = 20  # a patrol shorter than this inside the grid does not count for the rule

# 三岗: 正职 (书记、主任), 副职, 其他专职社区工作者; each post is paid on 18 grades.
POSTS = {"principal": "正职", "deputy": "副职", "member": "其他专职社区工作者"}
GRADES = range(1, 19)


class RuleError(ValueError):
    """An input the rules cannot accept (message in Chinese; ``field`` names the input)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def check_grade(post: str, grade: int) -> None:
    if post not in POSTS:
        raise RuleError("post", "岗位应为正职、副职或其他专职社区工作者（三岗）")
    if grade not in GRADES:
        raise RuleError("grade", f"等级应为 1–18 级（三岗十八级），收到 {grade}")


def pay_ratio(annual_pay: float, income: float | None) -> float | None:
    """Pay against last year's local urban per-capita disposable income (≥ 1 meets the rule)."""
    if not income:
        return None
    return annual_pay / income


# --- patrols ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRecord:
    required: int
    done: int  # patrols that count: long enough inside the grid

    @property
    def missed(self) -> int:
        return max(0, self.required - self.done)

    @property
    def met(self) -> bool:
        return self.done >= self.required


def counts(
    minutes_in_grid: Iterable[float], required: int, *, min_minutes: float = MIN_PATROL_MINUTES
) -> DayRecord:
    return DayRecord(required, sum(1 for m in minutes_in_grid if m >= min_minutes))


# --- training rotation ------------------------------------------------------------------------------


def training_due(last_end: dt.date | None, every_years: int, today: dt.date, *, soon_days: int = 60) -> str:
    """``overdue`` / ``due`` (within ``soon_days``) / ``ok`` for a post trained every ``every_years``;
    never trained counts as overdue."""
    if last_end is None:
        return "overdue"
    try:
        next_due = last_end.replace(year=last_end.year + every_years)
    except ValueError:  # 29 February
        next_due = last_end.replace(year=last_end.year + every_years, day=28)
    if next_due < today:
        return "overdue"
    if (next_due - today).days <= soon_days:
        return "due"
    return "ok"


# --- 准入 ----------------------------------------------------------------------------------------

ACCEPTED = "accepted"  # a statutory duty of the community: issued at once
ASSISTING = "assisting"  # 协助事项: issued when its funding is named (费随事转)
TO_STREET = "to_street"  # not on the list: the street decides
REFUSED = "refused"  # on the negative list, or an assisting task without funding


@dataclass(frozen=True)
class Duty:
    key: int
    name: str
    keywords: tuple[str, ...]
    assisting: bool
    funding: str  # the funding that must follow an assisting task ("" for a statutory duty)


@dataclass(frozen=True)
class Forbidden:
    name: str
    keywords: tuple[str, ...]
    handled_by: str
    basis: str


@dataclass(frozen=True)
class Decision:
    outcome: str
    reason: str
    duty: int | None = None


def _matches(text: str, name: str, keywords: Iterable[str]) -> bool:
    return any(w and w in text for w in (name, *keywords))


def admit(
    text: str, duty_key: int | None, funding: str, duties: Iterable[Duty], forbidden: Iterable[Forbidden]
) -> Decision:
    """The 准入 decision for a task (its title and content ``text``) sent to a community, against the
    negative list first, then the duty chosen (or found by its words), then nothing: to the street."""
    for f in forbidden:
        if _matches(text, f.name, f.keywords):
            return Decision(
                REFUSED,
                f"属于社区工作负面清单中的“{f.name}”，不得派交社区承担；应由{f.handled_by or '相关部门'}负责（依据：{f.basis or '社区工作事项准入制度'}）",
            )
    chosen = None
    for d in duties:
        if (duty_key is not None and d.key == duty_key) or (
            duty_key is None and _matches(text, d.name, d.keywords)
        ):
            chosen = d
            break
    if chosen is None:
        return Decision(TO_STREET, "不在社区职责事项清单内，须报街道（乡镇）审核同意后才能派给网格")
    if not chosen.assisting:
        return Decision(ACCEPTED, f"属于社区依法履职事项“{chosen.name}”", chosen.key)
    if not funding.strip():
        return Decision(
            REFUSED,
            f"“{chosen.name}”是协助事项，须写明随事转移的工作经费（费随事转：{chosen.funding or '按清单约定'}）",
            chosen.key,
        )
    return Decision(ASSISTING, f"协助事项“{chosen.name}”，经费：{funding.strip()}", chosen.key)
