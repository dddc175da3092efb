"""重点人员 categories alone (no database): who is on the list, how urgent, why in Chinese, and the codes
they read exist in the registry and the care module (or are named as expected)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

from linli.emergency.engine import vulnerable as eng
from linli.registry.models import TagKind


def keys(
    age: int, tags: set[str] | None = None, groups: set[str] | None = None, alone: bool = False
) -> list[str]:
    return [c.key for c in eng.classify(age, tags or set(), groups or set(), alone)]


def test_an_elderly_person_living_alone_comes_first() -> None:
    assert keys(82, alone=True) == ["alone_elderly", "elderly_80"]
    assert keys(70, {"living_alone"}) == ["alone_elderly"]  # the tag alone is enough
    assert keys(45, alone=True) == []  # living alone at 45 is no emergency category
    assert eng.priority(82, set(), set(), True) == 1


def test_children_and_the_unborn() -> None:
    assert keys(0) == ["infant"] and keys(2) == ["infant"] and keys(3) == []
    assert keys(29, {"pregnant"}) == ["pregnant"]
    assert keys(9, groups={"left_behind_child"}) == ["child_unattended"]
    assert keys(19, {"left_behind_child"}) == []  # grown up: the tag is stale


def test_disability_and_care_groups() -> None:
    assert keys(50, {"disabled"}, {"severe_disabled"}) == ["disabled_severe", "disabled"]
    assert keys(50, {"disabled"}) == ["disabled"]
    assert keys(66, groups={"special_elderly"}) == ["special_elderly"]
    assert keys(66, {"tekun"}) == ["special_elderly"]
    assert keys(40, {"bedridden", "serious_illness"}) == ["bedridden", "serious_illness"]
    assert keys(40, {"veteran", "dibao"}) == []
    assert eng.priority(40, {"veteran"}, set(), False) is None


def test_the_list_is_ordered_by_priority() -> None:
    cats = eng.classify(85, {"disabled", "bedridden"}, {"special_elderly"}, True)
    assert [c.priority for c in cats] == sorted(c.priority for c in cats)
    assert [c.key for c in cats][:2] == ["bedridden", "alone_elderly"]


def test_explain_says_why_in_chinese() -> None:
    assert (
        eng.explain(82, set(), set(), True)
        == "独居老人：82 岁，同户无其他在册成员；高龄老人（80 岁以上）：82 岁"
    )
    assert (
        eng.explain(50, {"disabled"}, {"severe_disabled"}, False)
        == "重度残疾人：关爱人群重度残疾人；残疾人：残疾"
    )
    assert eng.explain(1, set(), set(), False) == "婴幼儿（0–3 岁）：1 岁"
    assert eng.explain(30, {"pregnant"}, set(), False) == "孕产妇"
    assert eng.explain(30, set(), set(), False) == ""


def test_every_category_has_a_label_and_a_known_priority() -> None:
    assert len({c.key for c in eng.CATEGORIES}) == len(eng.CATEGORIES)
    for c in eng.CATEGORIES:
        assert c.label_zh and c.priority in eng.PRIORITY_ZH
        assert all(t in eng.TAG_ZH for t in c.tags)
        assert all(g in eng.CARE_GROUP_ZH for g in c.care_groups)


def test_the_codes_exist_in_the_registry_and_the_care_module() -> None:
    registry_tags = set(TagKind.values)
    assert eng.tag_codes() <= registry_tags, eng.tag_codes() - registry_tags
    for code in eng.tag_codes():
        assert eng.TAG_ZH[code] == TagKind(code).label
    shipped = importlib.import_module("linli.care.migrations.0002_rules")
    rules = {row[0]: row[1] for row in shipped.RULES}
    assert eng.care_group_codes() <= set(rules)
    for code in eng.care_group_codes():
        assert eng.CARE_GROUP_ZH[code] == rules[code]


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@pytest.mark.parametrize(
    "day", [dt.date(2026, 9, 14), dt.date(2028, 2, 29), dt.date(2027, 3, 1), dt.date(2027, 2, 28)]
)
def test_the_birth_window_is_the_age_window(day: dt.date) -> None:
    births = [day - dt.timedelta(days=n) for n in range(0, 95 * 366, 7)]
    births += [dt.date(y, 2, 29) for y in range(1932, day.year, 4)] + [
        dt.date(y, 3, 1) for y in range(1932, day.year)
    ]
    births += [dt.date(y, day.month, 28) for y in range(1932, day.year)]
    for c in eng.CATEGORIES:
        after, on_or_before = eng.birth_window(c, day)
        for b in births:
            age = _age_on(b, day)
            in_age = (c.age_min is None or age >= c.age_min) and (c.age_below is None or age < c.age_below)
            in_window = (after is None or b > after) and (on_or_before is None or b <= on_or_before)
            assert in_age == in_window, (c.key, b, age)
