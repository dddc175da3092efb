"""关爱人群规则: a care group's condition as a small JSON expression tree.

A node is one of::

    {"all": [node, ...]}                 every one holds
    {"any": [node, ...]}                 at least one holds
    {"not": node}                        it does not hold
    {"field": "age", "op": ">=", "value": 80}
                                         a registry field; ``age`` is computed from the birth date on
                                         the day of evaluation; ``sex``/``residence_type`` compare with
                                         ``=`` / ``in``
    {"tag": "dibao"}                     the person has the tag valid on the day
    {"tag": "disabled", "grade_max": 2}  … with a disability grade of at most 2 (一、二级 = 重度)
    {"household": "alone"}               no other member in the register lives in the household
    {"household": "no_member_under", "age": 60}
                                         no other member is younger than ``age``

``validate`` refuses a tree naming an unknown field, tag or operator with that name; ``evaluate``
decides one person from their ``Facts``; ``explain`` says in Chinese why they match
("82 岁，独居（同户无其他在册成员），低保"). ``fold`` walks a tree for a compiler (the bulk query).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FIELDS: dict[str, tuple[str, str]] = {  # name → (中文, kind)
    "age": ("年龄", "int"),
    "sex": ("性别", "choice"),
    "residence_type": ("居住类型", "choice"),
}
FIELD_CHOICES: dict[str, dict[str, str]] = {
    "sex": {"M": "男", "F": "女"},
    "residence_type": {"registered": "户籍", "resident": "常住", "floating": "流动", "separated": "人户分离"},
}
INT_OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}
CHOICE_OPS = {"=", "in"}
HOUSEHOLD_KINDS = {"alone": "独居", "no_member_under": "同户无{age}岁以下成员"}


class RuleError(ValueError):
    """A condition that cannot be evaluated; ``name`` is the unknown field, tag or operator."""

    def __init__(self, message: str, *, name: str = "", code: str = "care.rule_invalid") -> None:
        super().__init__(message)
        self.message, self.name, self.code = message, name, code


def _need(ok: bool, message: str, name: str = "", code: str = "care.rule_invalid") -> None:
    if not ok:
        raise RuleError(message, name=name, code=code)


def validate(node: Any, tags: Mapping[str, str], *, depth: int = 0) -> None:
    """Raise ``RuleError`` naming the first unknown field, tag, household test or operator."""
    _need(depth <= 12, "条件嵌套过深（最多 12 层）")
    _need(isinstance(node, dict) and len(node) >= 1, '条件应为一个对象，如 {"tag": "dibao"}')
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        items = node[key]
        _need(isinstance(items, list) and len(items) > 0, f"“{key}”应为非空列表", key)
        for item in items:
            validate(item, tags, depth=depth + 1)
        return
    if "not" in node:
        validate(node["not"], tags, depth=depth + 1)
        return
    if "field" in node:
        name = node["field"]
        _need(name in FIELDS, f"未知的字段“{name}”", str(name), "care.rule_unknown_field")
        op, value = node.get("op"), node.get("value")
        if FIELDS[name][1] == "int":
            _need(op in INT_OPS, f"字段“{name}”不支持比较“{op}”", str(op), "care.rule_unknown_op")
            _need(isinstance(value, int) and 0 <= value <= 150, f"字段“{name}”的值应为 0–150 的整数", name)
        else:
            _need(op in CHOICE_OPS, f"字段“{name}”不支持比较“{op}”", str(op), "care.rule_unknown_op")
            values = value if op == "in" else [value]
            _need(isinstance(values, list) and len(values) > 0, f"字段“{name}”缺少取值", name)
            for v in values:
                _need(
                    v in FIELD_CHOICES[name], f"字段“{name}”没有取值“{v}”", str(v), "care.rule_unknown_value"
                )
        return
    if "tag" in node:
        tag = node["tag"]
        _need(tag in tags, f"未知的标签“{tag}”", str(tag), "care.rule_unknown_tag")
        if "grade_max" in node:
            g = node["grade_max"]
            _need(isinstance(g, int) and 1 <= g <= 4, "残疾等级上限应为 1–4", "grade_max")
        return
    if "household" in node:
        kind = node["household"]
        _need(kind in HOUSEHOLD_KINDS, f"未知的同户条件“{kind}”", str(kind), "care.rule_unknown_household")
        if kind == "no_member_under":
            a = node.get("age")
            _need(isinstance(a, int) and 0 < a <= 150, "同户条件缺少年龄", "age")
        return
    raise RuleError(f"无法识别的条件“{next(iter(node))}”", name=str(next(iter(node))))


@dataclass
class Facts:
    """What the evaluator knows of one person on the day: age, fields, tags valid on the day (kind →
    the disability grades, or [None]), and the ages of the other active members of the household."""

    age: int
    sex: str = "M"
    residence_type: str = "registered"
    tags: dict[str, list[int | None]] = field(default_factory=dict)
    has_household: bool = True
    others_ages: list[int] = field(default_factory=list)


def facts_key(f: Facts) -> tuple[Any, ...]:
    """What ``evaluate``/``explain`` read of ``f``: people with equal keys get the same words (the
    other members' ages matter only through the youngest of them)."""
    tags = tuple(sorted((k, tuple(sorted(v, key=lambda g: (g is None, g or 0)))) for k, v in f.tags.items()))
    youngest = min(f.others_ages) if f.others_ages else None
    return (f.age, f.sex, f.residence_type, tags, f.has_household, youngest)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def born_on_or_before(day: dt.date, years: int) -> dt.date:
    """The latest birth date of a person aged at least ``years`` on ``day`` (29 Feb falls to 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _int_cmp(a: int, op: str, b: int) -> bool:
    return {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b, "=": a == b}[op]


def evaluate(node: dict[str, Any], f: Facts) -> bool:
    """Whether the person described by ``f`` satisfies ``node`` (a validated tree)."""
    if "all" in node:
        return all(evaluate(n, f) for n in node["all"])
    if "any" in node:
        return any(evaluate(n, f) for n in node["any"])
    if "not" in node:
        return not evaluate(node["not"], f)
    if "field" in node:
        if node["field"] == "age":
            return _int_cmp(f.age, node["op"], node["value"])
        have = getattr(f, node["field"])
        return have in node["value"] if node["op"] == "in" else have == node["value"]
    if "tag" in node:
        grades = f.tags.get(node["tag"])
        if not grades:
            return False
        if "grade_max" in node:
            return any(g is not None and g <= node["grade_max"] for g in grades)
        return True
    kind = node["household"]
    if not f.has_household:
        return False
    if kind == "alone":
        return not f.others_ages
    return all(a >= node["age"] for a in f.others_ages)


def _leaf_words(node: dict[str, Any], f: Facts, tags: Mapping[str, str]) -> str:
    if "field" in node:
        if node["field"] == "age":
            return f"{f.age} 岁"
        name = node["field"]
        return FIELD_CHOICES[name].get(getattr(f, name), "")
    if "tag" in node:
        label = tags.get(node["tag"], node["tag"])
        if "grade_max" in node:
            grades = [g for g in f.tags.get(node["tag"], []) if g is not None]
            return f"{label}（{min(grades)}级）" if grades else label
        return label
    if node["household"] == "alone":
        return "独居（同户无其他在册成员）"
    return f"同户无 {node['age']} 岁以下成员"


def explain(node: dict[str, Any], f: Facts, tags: Mapping[str, str]) -> str:
    """Why the person matches, in Chinese: the parts of the tree that hold, ages first, joined by "，"."""
    words: list[str] = []

    def walk(n: dict[str, Any]) -> None:
        if "all" in n:
            for c in n["all"]:
                walk(c)
        elif "any" in n:
            for c in n["any"]:
                if evaluate(c, f):
                    walk(c)
        elif "not" in n:
            pass  # what a person is not does not explain why they are owed a visit
        else:
            w = _leaf_words(n, f, tags)
            if w and w not in words:
                words.append(w)

    walk(node)
    words.sort(key=lambda w: 0 if w.endswith("岁") else 1)
    # "独居" already says the household has no younger member
    if any(w.startswith("独居") for w in words):
        words = [w for w in words if not w.startswith("同户无")]
    return "，".join(words)


def fold[T](
    node: dict[str, Any],
    *,
    leaf: Callable[[dict[str, Any]], T],
    all_: Callable[[Sequence[T]], T],
    any_: Callable[[Sequence[T]], T],
    not_: Callable[[T], T],
) -> T:
    """Rebuild ``node`` bottom-up with the given constructors (a compiler to a query)."""

    def go(n: dict[str, Any]) -> T:
        if "all" in n:
            return all_([go(c) for c in n["all"]])
        if "any" in n:
            return any_([go(c) for c in n["any"]])
        if "not" in n:
            return not_(go(n["not"]))
        return leaf(n)

    return go(node)


def names_used(node: dict[str, Any]) -> set[str]:
    """Fields and tags the tree reads (a change of one of them calls for re-evaluation)."""
    out: set[str] = set()

    def leaf(n: dict[str, Any]) -> None:
        out.add(n.get("field") or n.get("tag") or "household")

    fold(node, leaf=leaf, all_=lambda _x: None, any_=lambda _x: None, not_=lambda _x: None)
    return out


def ages_used(node: dict[str, Any]) -> set[int]:
    """The ages at which a person's match can change with no registry write: for each age leaf the
    age it compares with (and the next, which ``>`` and ``<=`` compare by), for each household leaf
    its members' age (a member turning it changes the others)."""
    out: set[int] = set()

    def leaf(n: dict[str, Any]) -> None:
        if n.get("field") == "age":
            out.update((int(n["value"]), int(n["value"]) + 1))
        elif "household" in n and "age" in n:
            out.add(int(n["age"]))

    fold(node, leaf=leaf, all_=lambda _x: None, any_=lambda _x: None, not_=lambda _x: None)
    return out
