"""诉求办理状态机: the states of a request and the one table of allowed transitions (no Django).

received → accepted (首问负责) → dispatched → in_progress → replied → closed, with the side roads
returned (退单), reassigned (改派), extension (延期), escalated (吹哨), merged (并单) and the return
visit (回访): an unsatisfied rating waits for review, which either reopens the request once or closes it.
"""

from __future__ import annotations

from dataclasses import dataclass

RECEIVED = "received"
ACCEPTED = "accepted"
DISPATCHED = "dispatched"
IN_PROGRESS = "in_progress"
REPLIED = "replied"
REVIEW = "review"
CLOSED = "closed"
RETURNED = "returned"
MERGED = "merged"

STATE_LABELS: dict[str, str] = {
    RECEIVED: "已登记",
    ACCEPTED: "已受理",
    DISPATCHED: "已派单",
    IN_PROGRESS: "办理中",
    REPLIED: "已答复待回访",
    REVIEW: "不满意待复核",
    CLOSED: "已办结",
    RETURNED: "已退单",
    MERGED: "已并单",
}
OPEN_STATES: frozenset[str] = frozenset(
    {RECEIVED, ACCEPTED, DISPATCHED, IN_PROGRESS, REPLIED, REVIEW, RETURNED}
)
# the open states as a list in a fixed order: the open-requests index's condition and the queues'
# filters spell it alike, so the planner matches them at a glance
OPEN_LIST: list[str] = sorted(OPEN_STATES)
FINAL_STATES: frozenset[str] = frozenset({CLOSED, MERGED})
# the states the sweep marks overdue, and those it reminds in (a list: its order is in the indexes)
SWEPT_WORKING: list[str] = [ACCEPTED, DISPATCHED, IN_PROGRESS, RETURNED]
SWEPT_REMINDED: list[str] = [DISPATCHED, IN_PROGRESS]

# Who may take an action: the coordinating unit (dispatcher), the unit handling it (handler),
# the reporter, or the sweep (system).
DISPATCHER, HANDLER, REPORTER, SYSTEM = "dispatcher", "handler", "reporter", "system"


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    actors: frozenset[str]
    needs_note: bool = False


def _a(
    name: str, label: str, sources: set[str], target: str | None, actors: set[str], note: bool = False
) -> Action:
    return Action(name, label, frozenset(sources), target, frozenset(actors), note)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _a("accept", "受理", {RECEIVED}, ACCEPTED, {DISPATCHER, SYSTEM}),
        _a("dispatch", "派单", {ACCEPTED, RETURNED}, DISPATCHED, {DISPATCHER, SYSTEM}),
        _a("reassign", "改派", {DISPATCHED, IN_PROGRESS}, DISPATCHED, {DISPATCHER}),
        _a(
            "summon",
            "吹哨（召集部门）",
            {ACCEPTED, RETURNED, DISPATCHED, IN_PROGRESS},
            DISPATCHED,
            {DISPATCHER},
        ),
        _a("return", "退单", {DISPATCHED}, RETURNED, {HANDLER}, note=True),
        _a("start", "签收办理", {DISPATCHED}, IN_PROGRESS, {HANDLER}),
        _a("request_extension", "申请延期", {IN_PROGRESS}, None, {HANDLER}, note=True),
        _a("approve_extension", "批准延期", {IN_PROGRESS}, None, {DISPATCHER}),
        _a(
            "escalate",
            "上报上级（吹哨）",
            {ACCEPTED, RETURNED, DISPATCHED, IN_PROGRESS},
            ACCEPTED,
            {DISPATCHER, SYSTEM},
            note=True,
        ),
        _a("reply", "答复", {ACCEPTED, IN_PROGRESS}, REPLIED, {DISPATCHER, HANDLER}, note=True),
        _a("rate", "评价", {REPLIED}, None, {REPORTER, DISPATCHER}),
        _a("reopen", "复核后重办", {REVIEW}, IN_PROGRESS, {DISPATCHER}, note=True),
        _a("close", "办结", {REPLIED, REVIEW}, CLOSED, {DISPATCHER, SYSTEM}),
        _a("merge", "并单", {RECEIVED, ACCEPTED, DISPATCHED, RETURNED}, MERGED, {DISPATCHER}),
        _a("remind", "催办", {DISPATCHED, IN_PROGRESS}, None, {DISPATCHER, SYSTEM}),
    ]
}

# Steps a reporter (and the public Open311 feed) sees; coordination between units (退单, 催办, 延期,
# 上报) stays inside.
PUBLIC_ACTIONS: frozenset[str] = frozenset(
    {
        "create",
        "accept",
        "dispatch",
        "reassign",
        "summon",
        "start",
        "reply",
        "rate",
        "reopen",
        "close",
        "merge",
    }
)

SATISFIED, BASIC, UNSATISFIED = "satisfied", "basic", "unsatisfied"
RATING_LABELS = {SATISFIED: "满意", BASIC: "基本满意", UNSATISFIED: "不满意"}
MAX_REOPENS = 1

# Escalation ladder (吹哨): community → street → district → city, by region level.
ESCALATION_LEVELS = {5: "社区/村", 4: "街道/乡镇", 3: "区县", 2: "市"}


# Region levels the escalation rules name (the numbers of ``linli.regions.models.Level``).
CITY_LEVEL, STREET_LEVEL = 2, 4


class TransitionError(Exception):
    """The action is not allowed in the request's current state (message in Chinese, stable ``code``)."""

    def __init__(self, message: str, *, code: str = "case.transition_not_allowed", field: str = "action"):
        super().__init__(message)
        self.code, self.field = code, field


@dataclass(frozen=True)
class Facts:
    """What the rules of an action look at besides the state table: plain values read off a request."""

    state: str
    reopens: int = 0
    extension_requested: bool = False
    coordinator_level: int = 5
    coordinator_has_parent: bool = True


def precondition(action: str, facts: Facts) -> TransitionError | None:
    """Why ``action`` may not be taken on a request with ``facts`` whatever the input (None: it may).

    The one place of these rules: the services refuse with this error and the selector of available
    actions leaves out an action that has one, so a page never offers what the service would refuse."""
    if action == "request_extension" and facts.extension_requested:
        return TransitionError("已有待批准的延期申请", code="case.extension_pending", field="days")
    if action == "approve_extension" and not facts.extension_requested:
        return TransitionError("没有待批准的延期申请", code="case.no_extension_requested")
    if action == "summon" and facts.coordinator_level > STREET_LEVEL:
        return TransitionError(
            "吹哨召集部门需先上报到街道/乡镇", code="case.summon_needs_street", field="unit"
        )
    if action == "escalate" and (not facts.coordinator_has_parent or facts.coordinator_level <= CITY_LEVEL):
        return TransitionError("已是最高协调层级（市），不能再上报", code="case.escalation_at_top")
    if action == "reopen" and facts.reopens >= MAX_REOPENS:
        return TransitionError(
            f"该诉求已重办 {facts.reopens} 次，不能再次重办，请办结", code="case.reopen_limit"
        )
    return None


def next_state(state: str, action: str, *, rating: str = "", reopens: int = 0) -> str:
    """The state after ``action`` from ``state``, or TransitionError saying why not."""
    a = ACTIONS.get(action)
    if a is None:
        raise TransitionError(f"未知的操作：{action}", code="case.unknown_action")
    if state not in a.sources:
        allowed = "、".join(STATE_LABELS[s] for s in sorted(a.sources))
        raise TransitionError(
            f"诉求当前状态为“{STATE_LABELS.get(state, state)}”，不能{a.label}（仅{allowed}时可以）"
        )
    if action == "rate":
        if rating not in RATING_LABELS:
            raise TransitionError("评价应为 满意、基本满意 或 不满意", code="case.rating_invalid")
        return REVIEW if rating == UNSATISFIED else CLOSED
    if action == "reopen" and (refused := precondition(action, Facts(state, reopens=reopens))):
        raise refused
    return a.target if a.target is not None else state


def allowed_actions(state: str, roles: set[str]) -> list[Action]:
    """The actions someone in ``roles`` (dispatcher/handler/reporter) may take now, in table order."""
    return [a for a in ACTIONS.values() if state in a.sources and a.actors & roles]


def available_actions(facts: Facts, roles: set[str]) -> list[Action]:
    """``allowed_actions`` less those a precondition refuses: what a page offers."""
    return [a for a in allowed_actions(facts.state, roles) if precondition(a.name, facts) is None]
