"""The bulk evaluation (one query per rule) against the person-by-person evaluator on random registries."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.care import selectors
from linli.care.engine import rules as eng
from linli.care.models import CareRule
from linli.registry.models import Household, Person, PersonStatus, PersonTag
from linli.testing.factories import build_region_tree

TAG_KINDS = ["living_alone", "empty_nest", "disabled", "dibao", "tekun", "left_behind_child", "dibao_edge"]


def random_registry(rng: random.Random, n: int = 240) -> None:
    tree = build_region_tree()
    grids = [tree.grid_a1, tree.grid_a2, tree.grid_b1, tree.grid_c1]
    households = Household.objects.bulk_create(
        [Household(code=f"RH{i:05d}", region=grids[i % 4]) for i in range(n // 3)]
    )
    people = []
    for i in range(n):
        hh = rng.choice(households) if rng.random() < 0.85 else None
        people.append(
            Person(
                name=f"随机{i}",
                sex=rng.choice("MF"),
                birth_date=dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(0, 36500)),
                household=hh,
                region=hh.region if hh else rng.choice(grids),
                residence_type=rng.choice(["registered", "resident", "floating"]),
                status=rng.choice(
                    [PersonStatus.ACTIVE] * 8 + [PersonStatus.MOVED_OUT, PersonStatus.DECEASED]
                ),
            )
        )
    people = Person.objects.bulk_create(people)
    tags = []
    for p in people:
        for kind in rng.sample(TAG_KINDS, rng.choice([0, 0, 1, 1, 2])):
            start = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 4000))
            end = start + dt.timedelta(days=rng.randrange(0, 2000)) if rng.random() < 0.4 else None
            disabled = kind == "disabled"
            tags.append(
                PersonTag(
                    person=p,
                    kind=kind,
                    valid_from=start,
                    valid_to=end,
                    disability_category="physical" if disabled else "",
                    disability_grade=rng.randint(1, 4) if disabled else None,
                )
            )
    PersonTag.objects.bulk_create(tags)


def random_tree(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    r = rng.random()
    if depth < 3 and r < 0.35:
        return {rng.choice(["all", "any"]): [random_tree(rng, depth + 1) for _ in range(rng.randint(1, 3))]}
    if depth < 3 and r < 0.42:
        return {"not": random_tree(rng, depth + 1)}
    leaf = rng.randrange(6)
    if leaf == 0:
        return {"field": "age", "op": rng.choice(list(eng.INT_OPS)), "value": rng.choice([6, 18, 60, 79, 80])}
    if leaf == 1:
        return {
            "field": rng.choice(["sex", "residence_type"]),
            "op": "in",
            "value": rng.choice([["M"], ["registered", "floating"]]),
        }
    if leaf == 2:
        node: dict[str, Any] = {"tag": rng.choice(TAG_KINDS)}
        if node["tag"] == "disabled" and rng.random() < 0.5:
            node["grade_max"] = rng.randint(1, 3)
        return node
    if leaf == 3:
        return {"household": "alone"}
    return {"household": "no_member_under", "age": rng.choice([18, 60])}


def _fix_field(tree: dict[str, Any]) -> dict[str, Any]:
    """A random field leaf names values valid for its field."""
    if "field" in tree and tree["field"] == "sex":
        tree["value"] = ["M"]
    if "field" in tree and tree["field"] == "residence_type":
        tree["value"] = ["registered", "floating"]
    for key in ("all", "any"):
        if key in tree:
            tree[key] = [_fix_field(c) for c in tree[key]]
    if "not" in tree:
        tree["not"] = _fix_field(tree["not"])
    return tree


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_equals_person_by_person(seed: int) -> None:
    rng = random.Random(seed)
    random_registry(rng)
    active = list(selectors.registered().values_list("pk", flat=True))
    shipped = list(CareRule.objects.all())
    trees = [r.condition for r in shipped] + [_fix_field(random_tree(rng)) for _ in range(25)]
    for day in [dt.date(2026, 12, 1), dt.date(2028, 2, 29), dt.date(2021, 3, 1)]:
        facts = selectors.facts_for(active, day)
        for tree in trees:
            eng.validate(tree, selectors.TAGS)
            rule = CareRule(code="t", name="t", condition=tree)
            with CaptureQueriesContext(connection) as q:
                bulk = set(selectors.rule_matches(rule, day).values_list("pk", flat=True))
            assert len(q.captured_queries) == 1
            one_by_one = {pk for pk, f in facts.items() if eng.evaluate(tree, f)}
            assert bulk == one_by_one, (day, tree)


@pytest.mark.django_db
def test_facts_for_many_ids_and_memo_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many ids (one JSON/array parameter, dates read as text) give the same facts as a short list, and
    the words kept for people alike are the words the explainer gives each of them."""
    random_registry(random.Random(7))
    everyone = list(Person.objects.values_list("pk", flat=True))
    rules = list(CareRule.objects.all())
    for day in [dt.date(2026, 12, 1), dt.date(2028, 2, 29)]:
        few = selectors.facts_for(everyone, day)
        monkeypatch.setattr(selectors, "MANY_IDS", 0)
        many = selectors.facts_for(everyone, day)
        monkeypatch.undo()
        assert many.keys() == few.keys() and len(many) == len(everyone)
        for pk, f in few.items():
            g = many[pk]
            assert (g.age, g.sex, g.residence_type, g.tags, g.has_household) == (
                f.age,
                f.sex,
                f.residence_type,
                f.tags,
                f.has_household,
            )
            assert sorted(g.others_ages) == sorted(f.others_ages)
        memo: dict[Any, str] = {}
        for rule in rules:
            for f in few.values():
                if eng.evaluate(rule.condition, f):
                    assert selectors.explain(rule, f, memo) == selectors.explain(rule, f)
