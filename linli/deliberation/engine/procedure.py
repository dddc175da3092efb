"""议事程序: a procedure is an ordered list of steps (data, loaded as catalogue rows); the rule that a
step may be recorded only after every required step before it, and never twice.

四议两公开: 党组织提议 → 两委会议商议 → 党员大会审议 → 村(居)民会议或代表会议决议 → 决议公开 →
实施结果公开. A step may be optional (``required=False``: 116 工作法's 专家论证 is held when needed);
an optional step skipped is passed over, never recorded after a later step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


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


# The catalogue (loaded into Procedure/ProcedureStep rows by migration; kept here so the engine's tests
# and the migration read the same data). Each step: (name, required, kind, body).
# kind: propose | deliberate | review | resolve | publish | evaluate | execute
PROCEDURES: list[dict[str, object]] = [
    {
        "code": "siyi_ligongkai",
        "name": "四议两公开",
        "description": "村（社区）重大事项决策：党组织提议、两委会议商议、党员大会审议、"
        "村（居）民会议或代表会议决议，决议公开、实施结果公开。",
        "steps": [
            ("党组织提议", True, "propose", "party_branch"),
            ("两委会议商议", True, "deliberate", "two_committees"),
            ("党员大会审议", True, "review", "party_members"),
            ("村（居）民会议或代表会议决议", True, "resolve", "representatives"),
            ("决议公开", True, "publish", ""),
            ("实施结果公开", True, "publish_result", ""),
        ],
    },
    {
        "code": "gongzuofa_116",
        "name": "“116”协商议事工作法",
        "description": "“有事好商量，请到议事厅”：1 个议事平台（议事厅），1 套议事规则，"
        "6 个步骤（收集议题、确定议题、协商议事、形成决议、组织实施、评估公开）。",
        "steps": [
            ("收集议题", True, "propose", ""),
            ("确定议题", True, "deliberate", "two_committees"),
            ("协商议事", True, "review", "council"),
            ("形成决议", True, "resolve", "council"),
            ("组织实施", True, "execute", ""),
            ("评估公开", True, "publish_result", ""),
        ],
    },
    {
        "code": "liangyi_liangping",
        "name": "两议两评两公开",
        "description": "小区党支部议事协商：支部提议、协商议事，群众评议、效果评估，过程公开、结果公开。",
        "steps": [
            ("小区党支部提议", True, "propose", "party_branch"),
            ("协商议事", True, "resolve", "council"),
            ("过程公开", True, "publish", ""),
            ("群众评议", True, "review", "residents"),
            ("效果评估", True, "evaluate", ""),
            ("结果公开", True, "publish_result", ""),
        ],
    },
    {
        "code": "sifang_yishi",
        "name": "“四方”议事协调",
        "description": "物业事项：社区党组织、居委会、业主委员会、物业服务企业共同议事；"
        "须业主共同决定的事项提交业主大会表决（民法典第二百七十八条）。",
        "steps": [
            ("社区党组织提议", True, "propose", "party_branch"),
            ("四方联席会议协商", True, "deliberate", "four_party"),
            ("业主大会表决", True, "resolve", "owners"),
            ("决议公开", True, "publish", ""),
            ("实施结果公开", True, "publish_result", ""),
        ],
    },
]


def step_defs(code: str) -> list[StepDef]:
    for p in PROCEDURES:
        if p["code"] == code:
            steps = p["steps"]
            assert isinstance(steps, list)
            return [StepDef(i, s[0], s[1]) for i, s in enumerate(steps, start=1)]
    raise KeyError(code)
