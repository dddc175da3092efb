"""议事程序: a procedure is an ordered list of steps (data, loaded as catalogue rows); the rule that a
step may be recorded only after every required step before it, and never twice.

四议两公开: 党组织提议 → 两委会议商议 → 党员大会审议 → 村(居)民会议或代表会议决议 → 决议公开 →
实施结果公开. A step may be optional (``required=False``: 116 工作法's 专家论证 is held when needed);
an optional step skipped is passed over, never recorded after a later step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class StepDef:
    order: int
    name: str
    required: bool = True


class StepOutOfOrder(ValueError):
    """The step cannot be recorded now; ``str(e)`` is the Chinese reason."""


def check_next(steps: Sequence[StepDef], done: Iterable[int], order: int) -> None:
    """Raise ``StepOutOfOrder`` unless the step ``order`` may be recorded after the steps ``done``."""
    done_set = set(done)
    by_order = {s.order: s for s in steps}
    if order not in by_order:
        raise StepOutOfOrder("该步骤不属于本议题的议事程序")
    step = by_order[order]
    if order in done_set:
        raise StepOutOfOrder(f"“{step.name}”已记录，不能重复记录")
    later = [s for s in steps if s.order > order and s.order in done_set]
    if later:
        raise StepOutOfOrder(f"“{later[0].name}”已记录，不能再补记前面的“{step.name}”")
    missing = [s for s in steps if s.order < order and s.required and s.order not in done_set]
    if missing:
        raise StepOutOfOrder(f"请先完成“{missing[0].name}”，再进行“{step.name}”")


def position(steps: Sequence[StepDef], done: Iterable[int]) -> tuple[int, StepDef | None]:
    """(how many steps are done, the next step to record or None when finished)."""
    done_set = set(done)
    last = max(done_set) if done_set else 0
    for s in steps:
        if s.order > last and s.order not in done_set:
            return len(done_set), s
    return len(done_set), None


# The catalogue: ``data/procedures.json`` (loaded into Procedure/ProcedureStep rows by the migration;
# read here so the engine's tests and the migration read the same data). Each step: name, required,
# kind (propose | deliberate | review | resolve | publish | publish_result | evaluate | execute) and the
# body that meets for it (empty: no meeting).
CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "procedures.json"


def procedures() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return data


def step_defs(code: str) -> list[StepDef]:
    for p in procedures():
        if p["code"] == code:
            return [StepDef(i, s["name"], s["required"]) for i, s in enumerate(p["steps"], start=1)]
    raise KeyError(code)
