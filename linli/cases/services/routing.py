"""The dispatch assistant (智能派单): a classifier trained on past requests suggests the category and
the unit; above ``LINLI_CASES_AUTODISPATCH_THRESHOLD`` it accepts and dispatches a new request itself.
The dispatch catalogue (``DispatchRule``) gives the unit the rules name for a category and place."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from linli.cases.engine import classifier
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, Category, DispatchRule, RoutingModel
from linli.cases.services import caches
from linli.cases.services.workflow import case_accept, case_dispatch, unit_check
from linli.regions.models import Level, Region
from linli.registry.models import Organisation

ASSISTANT_NAME = "智能派单助手"


@caches.memo
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def tokens(text: str) -> list[str]:
    return classifier.clean(_jieba().lcut(text))


def unit_key(case: Case) -> str | None:
    if case.handler_org_id:
        return f"org:{case.handler_org_id}"
    if case.handler_region_id and case.handler_region is not None:
        return f"level:{case.handler_region.level}"
    return None


def routing_train(*, limit: int = 20000) -> RoutingModel:
    """Retrain the assistant from how past requests were classified and dispatched."""
    rows = (
        Case.objects.exclude(handler_org__isnull=True, handler_region__isnull=True)
        .exclude(status=wf.MERGED)
        .select_related("category", "handler_region")
        .only("description", "category__code", "handler_org_id", "handler_region__level")
        .order_by("-received_at")[:limit]
    )
    cats, units = [], []
    for c in rows:
        t = tokens(c.description)
        cats.append((t, c.category.code))
        key = unit_key(c)
        if key:
            units.append((t, f"{c.category.code}|{key}"))
    model = RoutingModel.objects.create(
        samples=len(cats), category_model=classifier.train(cats), unit_model=classifier.train(units)
    )
    caches.ROUTING.clear()
    return model


def _current_model() -> RoutingModel | None:
    def load() -> Any:
        return RoutingModel.objects.order_by("-trained_at", "-id").first() or False

    return caches.ROUTING.get(load) or None


@dataclass
class Suggestion:
    categories: list[tuple[Category, float]]
    units: list[tuple[str, str, float]]  # (key, label, probability)
    catalogue: str  # the dispatch catalogue's answer for the request's category and place


def _unit_of(key: str, case: Case | None) -> tuple[Region | None, Organisation | None]:
    """The unit a key names: a department, or the region of that level over the request's place."""
    kind, _, value = key.partition(":")
    if kind == "org":
        return None, Organisation.objects.filter(pk=int(value)).first()
    places = [case.grid, case.region, case.region.parent] if case is not None else []
    return next((r for r in places if r is not None and r.level == int(value)), None), None


def unit_label(key: str, case: Case | None = None) -> str:
    region, org = _unit_of(key, case)
    if org is not None:
        return org.name
    if region is not None:
        return region.name
    return key if key.startswith("org:") else Level(int(key.partition(":")[2])).label


def routing_suggest(text: str, case: Case | None = None) -> Suggestion:
    model = _current_model()
    toks = tokens(text) if model else []
    cats: list[tuple[Category, float]] = []
    units: list[tuple[str, str, float]] = []
    if model is not None:
        ranked = classifier.predict(model.category_model, toks)
        by_code = Category.objects.in_bulk([c for c, _ in ranked], field_name="code")
        cats = [(by_code[c], p) for c, p in ranked if c in by_code]
        code = case.category.code if case is not None else (ranked[0][0] if ranked else "")
        scores: dict[str, float] = {}
        for label, p in classifier.predict(model.unit_model, toks, top=50):
            cat, _, key = label.partition("|")
            if not code or cat == code:
                scores[key] = scores.get(key, 0.0) + p
        z = sum(scores.values()) or 1.0
        units = [
            (k, unit_label(k, case), p / z) for k, p in sorted(scores.items(), key=lambda kv: -kv[1])[:3]
        ]
    catalogue = ""
    if case is not None:
        rule = dispatch_rule_for(case.category, case.region)
        if rule is not None:
            catalogue = rule_unit_label(rule, case)
    return Suggestion(cats, units, catalogue)


def dispatch_rule_for(category: Category, region: Region) -> DispatchRule | None:
    codes = [region.code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(region.code)]
    return (
        DispatchRule.objects.select_related("organisation", "unit_region")
        .filter(category=category, region__code__in=codes)
        .order_by("-region__level")
        .first()
    )


def rule_target(rule: DispatchRule, case: Case) -> tuple[Region | None, Organisation | None]:
    if rule.organisation_id:
        return None, rule.organisation
    if rule.unit_region_id:
        return rule.unit_region, None
    region: Region | None = case.region
    while region is not None and region.level > rule.unit_level:
        region = region.parent
    return region, None


def rule_unit_label(rule: DispatchRule, case: Case) -> str:
    region, org = rule_target(rule, case)
    return org.name if org is not None else (region.name if region is not None else "")


def _confident(case: Case) -> Suggestion | None:
    """The assistant's suggestion for ``case`` when its best unit reaches the threshold, else None."""
    model = _current_model()
    if model is None or not model.unit_model:
        return None
    s = routing_suggest(case.description, case)
    if not s.units or s.units[0][2] < settings.LINLI_CASES_AUTODISPATCH_THRESHOLD:
        return None
    return s


def would_auto_dispatch(case: Case) -> bool:
    return _confident(case) is not None


def auto_dispatch(case: Case, now: dt.datetime) -> None:
    """Accept and dispatch by the assistant when it is confident enough, never below the threshold."""
    s = _confident(case)
    if s is None:
        return
    region, org = _unit_of(s.units[0][0], case)
    if region is None and org is None:
        return
    try:
        unit_check(case, region=region, organisation=org)
    except ValidationError:
        return
    note = f"置信度 {s.units[0][2]:.0%}（阈值 {settings.LINLI_CASES_AUTODISPATCH_THRESHOLD:.0%}）"
    if case.status == wf.RECEIVED:
        case_accept(case=case, by=None, now=now, actor_name=ASSISTANT_NAME)
    case_dispatch(
        case=case, by=None, region=region, organisation=org, note=note, now=now, actor_name=ASSISTANT_NAME
    )
