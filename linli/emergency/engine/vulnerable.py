"""重点人员: who needs help first when a response is declared, in plain Python.

A category reads three things of a registry person on the day: their age (from the birth date), the
registry tags valid on the day (``registry.PersonTag.kind``), the care groups they are in (open
``care.CareMembership`` of an open file, by ``care.CareRule.code``) and whether they live alone (they have
a household and no other active, non-duplicate member is registered in it — the care module's "独居").

A person is in a category when their age is inside its window (``age_min`` ≤ age < ``age_below``, each
bound optional) and, if the category names any tags, care groups or living alone, at least one of those
holds. The ``Category`` fields are the whole definition: ``classify``/``explain`` read them person by
person, and the emergency app's bulk query and the benchmark's floor query compile the same fields into
SQL (``birth_window`` turns the age window into birth dates).

The codes are the registry's ``TagKind``: tags ``bedridden`` (失能/卧床), ``pregnant`` (孕产妇),
``serious_illness`` (重病), ``living_alone``, ``disabled``, ``left_behind_child``, ``child_in_difficulty``,
``tekun``; and the care groups ``special_elderly``, ``severe_disabled``, ``left_behind_child``,
``child_in_difficulty``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from linli.care.engine.rules import born_on_or_before

# the words for the codes the categories read (registry TagKind labels, care rule names)
TAG_ZH = {
    "living_alone": "独居",
    "disabled": "残疾",
    "tekun": "特困",
    "left_behind_child": "留守儿童",
    "child_in_difficulty": "困境儿童",
    "bedridden": "失能/卧床",
    "pregnant": "孕产妇",
    "serious_illness": "重病",
}
CARE_GROUP_ZH = {
    "special_elderly": "特殊困难老年人",
    "severe_disabled": "重度残疾人",
    "left_behind_child": "留守儿童",
    "child_in_difficulty": "困境儿童",
}
PRIORITY_ZH = {1: "最优先", 2: "优先", 3: "关注"}


@dataclass(frozen=True)
class Category:
    """A kind of person who needs help first; ``priority`` 1 is reached first."""

    key: str
    label_zh: str
    priority: int
    age_min: int | None = None
    age_below: int | None = None
    tags: tuple[str, ...] = ()
    care_groups: tuple[str, ...] = ()
    alone: bool = False

    def matches(self, age: int, tags: set[str], care_groups: set[str], lives_alone: bool) -> bool:
        if self.age_min is not None and age < self.age_min:
            return False
        if self.age_below is not None and age >= self.age_below:
            return False
        if not (self.tags or self.care_groups or self.alone):
            return True
        return (
            bool(tags & set(self.tags))
            or bool(care_groups & set(self.care_groups))
            or (self.alone and lives_alone)
        )


CATEGORIES: tuple[Category, ...] = (
    Category("bedridden", "失能/卧床", 1, tags=("bedridden",)),
    Category("alone_elderly", "独居老人", 1, age_min=60, tags=("living_alone",), alone=True),
    Category("disabled_severe", "重度残疾人", 1, care_groups=("severe_disabled",)),
    Category("pregnant", "孕产妇", 2, tags=("pregnant",)),
    Category("infant", "婴幼儿（0–3 岁）", 2, age_below=3),
    Category("serious_illness", "重病患者", 2, tags=("serious_illness",)),
    Category(
        "child_unattended",
        "留守/困境儿童",
        2,
        age_below=18,
        tags=("left_behind_child", "child_in_difficulty"),
        care_groups=("left_behind_child", "child_in_difficulty"),
    ),
    Category("elderly_80", "高龄老人（80 岁以上）", 3, age_min=80),
    Category("disabled", "残疾人", 3, tags=("disabled",)),
    Category(
        "special_elderly", "特殊困难老年人", 3, age_min=60, tags=("tekun",), care_groups=("special_elderly",)
    ),
)
BY_KEY = {c.key: c for c in CATEGORIES}


def tag_codes() -> set[str]:
    """Every registry tag code some category reads (the bulk query's tag filter)."""
    return {t for c in CATEGORIES for t in c.tags}


def care_group_codes() -> set[str]:
    """Every care group (``CareRule.code``) some category reads."""
    return {g for c in CATEGORIES for g in c.care_groups}


def classify(age: int, tags: set[str], care_groups: set[str], lives_alone: bool) -> list[Category]:
    """The categories the person is in, most urgent first (ties in ``CATEGORIES`` order)."""
    found = [c for c in CATEGORIES if c.matches(age, tags, care_groups, lives_alone)]
    return sorted(found, key=lambda c: c.priority)


def priority(age: int, tags: set[str], care_groups: set[str], lives_alone: bool) -> int | None:
    """The person's priority (1 first), or ``None`` when they are in no category."""
    found = classify(age, tags, care_groups, lives_alone)
    return found[0].priority if found else None


def _reasons(c: Category, age: int, tags: set[str], care_groups: set[str], lives_alone: bool) -> list[str]:
    words = []
    if c.age_min is not None or c.age_below is not None:
        words.append(f"{age} 岁")
    if c.alone and lives_alone:
        words.append("同户无其他在册成员")
    words += [TAG_ZH.get(t, t) for t in c.tags if t in tags and TAG_ZH.get(t, t) not in words]
    words += [f"关爱人群{CARE_GROUP_ZH.get(g, g)}" for g in c.care_groups if g in care_groups]
    return words


def explain(age: int, tags: set[str], care_groups: set[str], lives_alone: bool) -> str:
    """Why the person is on the list, in Chinese: "独居老人：82 岁，同户无其他在册成员；高龄老人（80 岁以上）：82 岁"."""
    parts = []
    for c in classify(age, tags, care_groups, lives_alone):
        why = "，".join(w for w in _reasons(c, age, tags, care_groups, lives_alone) if w != c.label_zh)
        parts.append(f"{c.label_zh}：{why}" if why else c.label_zh)
    return "；".join(parts)


def birth_window(c: Category, day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The category's age window on ``day`` as birth dates: (born after, born on or before), ``None``
    where open. ``age >= n`` is "born on or before ``day`` − n years"; ``age < n`` is "born after it"
    (the care engine's day arithmetic, so both modules count ages alike)."""
    after = born_on_or_before(day, c.age_below) if c.age_below is not None else None
    on_or_before = born_on_or_before(day, c.age_min) if c.age_min is not None else None
    return after, on_or_before
