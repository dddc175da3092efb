"""``case_act``: one workflow action of a request from what a door sent (the page's form or the API's
schema): the same flat fields either way, so both doors make the same call and get the same errors.

Why one entry beside the one service per action: the doors name units and the merge target by code,
id and number; here they are looked up within what the account may see (``selectors``) and the
action's service is called — one table instead of an ``if`` chain in each door. Code calling one
action directly (the sweep, the assistant, the demo) calls its service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from linli.cases import selectors
from linli.cases.models import Case
from linli.cases.services.outcome import case_close, case_rate, case_reopen, case_reply
from linli.cases.services.workflow import (
    case_accept,
    case_approve_extension,
    case_dispatch,
    case_escalate,
    case_merge,
    case_remind,
    case_request_extension,
    case_return,
    case_start,
    case_summon,
)
from linli.core.errors import invalid
from linli.core.models import User
from linli.regions.models import Region
from linli.registry.models import Organisation


@dataclass(frozen=True)
class _Input:
    """An action's input with its identifiers resolved."""

    case: Case
    by: User
    version: int
    note: str
    region: Region | None
    org: Organisation | None
    orgs: list[Organisation]
    rating: str
    resolved: bool
    days: int
    into: str


def _merge(i: _Input) -> Case:
    into = selectors.visible_cases(i.by).filter(number=i.into).first() if i.into else None
    if into is None:
        raise invalid("into", "要并入的诉求不存在，或不在本账号的查看范围内", "case.merge_target_unknown")
    return case_merge(case=i.case, into=into, by=i.by, version=i.version)


_ACTIONS: dict[str, Callable[[_Input], Case]] = {
    "accept": lambda i: case_accept(case=i.case, by=i.by, version=i.version),
    "dispatch": lambda i: case_dispatch(
        case=i.case, by=i.by, region=i.region, organisation=i.org, version=i.version, note=i.note
    ),
    "reassign": lambda i: case_dispatch(
        case=i.case,
        by=i.by,
        region=i.region,
        organisation=i.org,
        version=i.version,
        note=i.note,
        action="reassign",
    ),
    "summon": lambda i: case_summon(
        case=i.case, by=i.by, organisations=i.orgs, version=i.version, note=i.note
    ),
    "return": lambda i: case_return(case=i.case, by=i.by, reason=i.note, version=i.version),
    "start": lambda i: case_start(case=i.case, by=i.by, version=i.version),
    "request_extension": lambda i: case_request_extension(
        case=i.case, by=i.by, days=i.days, reason=i.note, version=i.version
    ),
    "approve_extension": lambda i: case_approve_extension(case=i.case, by=i.by, version=i.version),
    "escalate": lambda i: case_escalate(case=i.case, by=i.by, reason=i.note, version=i.version),
    "reply": lambda i: case_reply(case=i.case, by=i.by, reply=i.note, resolved=i.resolved, version=i.version),
    "rate": lambda i: case_rate(case=i.case, by=i.by, rating=i.rating, comment=i.note, version=i.version),
    "reopen": lambda i: case_reopen(case=i.case, by=i.by, note=i.note, version=i.version),
    "close": lambda i: case_close(case=i.case, by=i.by, note=i.note, version=i.version),
    "merge": _merge,
    "remind": lambda i: case_remind(case=i.case, by=i.by, note=i.note, version=i.version),
}


def case_act(
    *,
    case: Case,
    by: User,
    action: str,
    version: int,
    note: str = "",
    unit_region: str = "",
    unit_org: int | None = None,
    orgs: Sequence[int] = (),
    rating: str = "",
    resolved: bool = True,
    days: int = 0,
    into: str = "",
) -> Case:
    """Run ``action`` on ``case`` for ``by``: units are a region code (``unit_region``) or a department
    id (``unit_org``, the lead when summoning, with ``orgs`` beside it); ``into`` is a request number."""
    run = _ACTIONS.get(action)
    if run is None:
        raise invalid("action", "未知的操作", "case.unknown_action")
    region = org = None
    if unit_region:
        region = selectors.unit_region(unit_region)
        if region is None:
            raise invalid("unit", "未知的区划代码", "case.unit_unknown")
    covering = selectors.covering_organisations(case)
    if unit_org:
        org = covering.filter(pk=unit_org).first()
        if org is None:
            raise invalid("unit", "未知的部门", "case.unit_unknown")
    summoned: list[Organisation] = []
    if action == "summon":
        wanted = ([org.pk] if org is not None else []) + [o for o in orgs if org is None or o != org.pk]
        summoned = sorted(covering.filter(pk__in=wanted), key=lambda o: wanted.index(o.pk))  # the lead first
    i = _Input(
        case, by, int(version), (note or "").strip(), region, org, summoned, rating, resolved, days, into
    )
    return run(i)
