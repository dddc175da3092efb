"""What the resident's phone pages read (我要反映, 我的诉求): the catalogue as topics, the category the
text suggests, the request's progress in plain steps and whom to call.

Reads only; the staff's pages keep the full log and the assistant's words (置信度, 阈值). A resident never
sees an internal word: the steps here are the only text of the timeline his page shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache

from linli.cases.engine import workflow as wf
from linli.cases.models import Case, Category, Kind
from linli.cases.selectors import requests_per_subject
from linli.cases.services import routing_suggest
from linli.regions.models import Level
from linli.registry.models import Organisation, OrganisationKind

OTHER = "其他"
# Kinds in the order a resident thinks of them, each with the plain words of what it is for.
KIND_ORDER = [Kind.HELP, Kind.COMPLAINT, Kind.REPORT, Kind.CONSULT, Kind.SUGGEST]
KIND_HINTS = {
    Kind.HELP: "需要帮忙解决",
    Kind.COMPLAINT: "对问题或服务不满意",
    Kind.REPORT: "发现违规行为",
    Kind.CONSULT: "想问问政策或办法",
    Kind.SUGGEST: "提个建议",
}
TOPIC_COUNTS_KEY = "linli:cases:topic-counts"
TOPIC_COUNTS_SECONDS = 3600
# The score below which a topic is not offered to the resident at all.
SUGGEST_MIN = 0.15
SUGGEST_TOP = 2
KEYWORD_WEIGHT = 0.5


@dataclass(frozen=True)
class Topic:
    """一个事项 (供水, 物业 …) and its categories, in the order the resident's form offers them."""

    name: str
    categories: list[tuple[Category, str]]  # (category, its label in the topic: 求助（需要帮忙解决）)


def _topic_counts() -> dict[str, int]:
    """Requests per topic (all time), cached for an hour: what "common" means on the form."""
    counts = cache.get(TOPIC_COUNTS_KEY)
    if counts is None:
        counts = requests_per_subject()
        cache.set(TOPIC_COUNTS_KEY, counts, TOPIC_COUNTS_SECONDS)
    return dict(counts)


def kind_label(category: Category) -> str:
    hint = KIND_HINTS.get(Kind(category.kind), "")
    return f"{category.get_kind_display()}（{hint}）" if hint else category.get_kind_display()


def topics() -> list[Topic]:
    """The active catalogue as topics: the most asked first, 其他 last; inside a topic 求助, 投诉, 举报,
    咨询, 建议."""
    counts = _topic_counts()
    by_subject: dict[str, list[Category]] = {}
    for c in Category.objects.filter(active=True).select_related("time_limit").order_by("subject", "kind"):
        by_subject.setdefault(c.subject, []).append(c)
    order = sorted(by_subject, key=lambda s: (s == OTHER, -counts.get(s, 0), s))
    rank: dict[str, int] = {k.value: i for i, k in enumerate(KIND_ORDER)}
    return [
        Topic(
            name=s,
            categories=[(c, kind_label(c)) for c in sorted(by_subject[s], key=lambda c: rank.get(c.kind, 9))],
        )
        for s in order
    ]


def _keyword_hits(text: str, categories: list[Category]) -> dict[str, int]:
    """Per topic, how many of its keywords (and its own name) occur in ``text``."""
    hits: dict[str, int] = {}
    for c in categories:
        if c.subject not in hits:
            words = {w for w in c.keywords.split() if w} | {c.subject}
            hits[c.subject] = sum(1 for w in words if w in text)
    return hits


def suggest_categories(text: str, *, top: int = SUGGEST_TOP) -> list[Category]:
    """The categories the description most likely belongs to (at most ``top``, one per topic): each
    topic scores the routing assistant's best probability among its categories plus ``KEYWORD_WEIGHT`` per
    keyword of the topic the text names (the words work while the assistant is untrained or unsure);
    inside a topic the assistant's favourite kind, else the first of ``KIND_ORDER``. 其他 is never
    suggested. A suggestion only: the resident confirms it."""
    text = text.strip()
    if len(text) < 4:
        return []
    categories = [c for c in Category.objects.filter(active=True).exclude(subject=OTHER)]
    prob = {c.code: p for c, p in routing_suggest(text).categories}
    score: dict[str, float] = {}
    for c in categories:
        score[c.subject] = max(score.get(c.subject, 0.0), prob.get(c.code, 0.0))
    for subject, n in _keyword_hits(text, categories).items():
        score[subject] += KEYWORD_WEIGHT * n
    rank: dict[str, int] = {k.value: i for i, k in enumerate(KIND_ORDER)}
    best: dict[str, Category] = {}
    for c in sorted(categories, key=lambda c: (-prob.get(c.code, 0.0), rank.get(c.kind, 9))):
        best.setdefault(c.subject, c)
    chosen = sorted((s for s in score if score[s] >= SUGGEST_MIN), key=lambda s: -score[s])
    return [best[s] for s in chosen[:top]]


# The state of a request in the reporter's words: the coordination between units (退单, 派单, 复核)
# is not his business; he sees where his request stands.
PLAIN_STATUS: dict[str, str] = {
    wf.RECEIVED: "已提交",
    wf.ACCEPTED: "已受理",
    wf.DISPATCHED: "已派给承办单位",
    wf.RETURNED: "已受理",
    wf.IN_PROGRESS: "处理中",
    wf.REPLIED: "已答复，请评价",
    wf.REVIEW: "复核中",
    wf.CLOSED: "已办结",
    wf.MERGED: "合并办理",
}


def plain_status(case: Case) -> str:
    return PLAIN_STATUS.get(case.status, case.status_label)


@dataclass(frozen=True)
class Step:
    """One step of the resident's timeline: 已提交, 已受理, 已派给…, 处理中, 已答复, 已办结."""

    label: str
    at: dt.datetime | None  # None: a step still to come
    detail: str = ""

    @property
    def done(self) -> bool:
        return self.at is not None


def _step(action: str, unit: str, note: str, case: Case) -> tuple[str, str] | None:
    """(label, detail) of a public event as the resident reads it; None for what he need not see."""
    if action == "create":
        return "已提交", f"诉求编号 {case.number}"
    if action == "accept":
        return "已受理", f"由{unit}负责" if unit else ""
    if action in ("dispatch", "reassign", "summon"):
        return (f"已派给{unit}" if unit else "已派给承办单位"), ""
    if action == "start":
        return "处理中", f"{unit}正在处理" if unit else ""
    if action == "reply":
        return "已答复", note
    if action == "rate":
        return "已评价", ""
    if action == "reopen":
        return "重新办理", "根据您的评价，已安排重新办理"
    if action == "close":
        return "已办结", ""
    if action == "merge":
        return "合并办理", "与附近的同类诉求合并办理，结果一并告知您"
    return None


# The steps every request passes, for the ones still to come.
AHEAD = [
    ("已受理", {wf.RECEIVED}),
    ("处理中", {wf.RECEIVED, wf.ACCEPTED, wf.DISPATCHED, wf.RETURNED}),
    ("已答复", {wf.RECEIVED, wf.ACCEPTED, wf.DISPATCHED, wf.RETURNED, wf.IN_PROGRESS}),
    (
        "已办结",
        {wf.RECEIVED, wf.ACCEPTED, wf.DISPATCHED, wf.RETURNED, wf.IN_PROGRESS, wf.REPLIED, wf.REVIEW},
    ),
]


def timeline(case: Case) -> list[Step]:
    """The request's progress as its reporter sees it: the public steps done, with their dates, then
    the steps still to come. No actor names, confidences or coordinates: those stay in the staff's log."""
    steps: list[Step] = []
    events = case.events.filter(public=True, action__in=wf.PUBLIC_ACTIONS).only(
        "at", "action", "unit", "note", "case_id"
    )
    for e in events:
        found = _step(e.action, e.unit, e.note, case)
        if found is None:
            continue
        label, detail = found
        if steps and steps[-1].label == label and not detail:
            continue  # the same step twice in a row (e.g. two dispatches) reads once
        steps.append(Step(label, e.at, detail))
    for label, before in AHEAD:
        if case.status in before:
            steps.append(Step(label, None))
    return steps


@dataclass(frozen=True)
class Contact:
    """Whom the resident calls about his request: a unit's name and its public office phone."""

    name: str
    phone: str


def contact(case: Case) -> Contact | None:
    """The handling department's office phone when it has one, else the committee (居委会/村委会) of the
    unit handling it, else of the request's community; None when no phone is known."""
    org = case.handler_org
    if org is not None and org.contact_phone:
        return Contact(org.name, org.contact_phone)
    places = [r for r in (case.handler_region, case.region) if r is not None and r.level >= Level.STREET]
    committees = Organisation.objects.filter(
        region__in=places, active=True, kind__in=[OrganisationKind.COMMITTEE, OrganisationKind.DEPARTMENT]
    ).exclude(contact_phone="")
    by_region: dict[int, Organisation] = {}
    for o in committees.order_by("kind", "pk"):  # 村（居）委会 before a street's department
        by_region.setdefault(o.region_id, o)
    for r in places:
        if r.pk in by_region:
            o = by_region[r.pk]
            return Contact(o.name, o.contact_phone)
    return None
