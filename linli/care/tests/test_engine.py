"""The rule engine alone (no database): validation naming the unknown name, evaluation, explanation."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.care.engine import periods
from linli.care.engine import rules as eng

TAGS = {"dibao": "低保", "disabled": "残疾", "living_alone": "独居", "empty_nest": "空巢"}

SPECIAL = {
    "any": [
        {"field": "age", "op": ">=", "value": 80},
        {
            "all": [
                {"field": "age", "op": ">=", "value": 60},
                {"any": [{"household": "alone"}, {"tag": "dibao"}, {"tag": "disabled", "grade_max": 2}]},
            ]
        },
    ]
}


def test_validate_accepts_the_shipped_shape() -> None:
    eng.validate(SPECIAL, TAGS)


@pytest.mark.parametrize(
    ("tree", "name", "code"),
    [
        ({"field": "income", "op": ">=", "value": 3}, "income", "care.rule_unknown_field"),
        ({"tag": "rich"}, "rich", "care.rule_unknown_tag"),
        ({"all": [{"tag": "dibao"}, {"tag": "veteran_x"}]}, "veteran_x", "care.rule_unknown_tag"),
        ({"field": "age", "op": "~", "value": 3}, "~", "care.rule_unknown_op"),
        ({"household": "crowded"}, "crowded", "care.rule_unknown_household"),
        ({"field": "sex", "op": "=", "value": "X"}, "X", "care.rule_unknown_value"),
    ],
)
def test_validate_refuses_an_unknown_name_with_that_name(tree: dict, name: str, code: str) -> None:
    with pytest.raises(eng.RuleError) as err:
        eng.validate(tree, TAGS)
    assert err.value.name == name
    assert err.value.code == code
    assert name in err.value.message


def test_evaluate_and_explain_in_chinese() -> None:
    alone_poor = eng.Facts(age=82, tags={"dibao": [None]}, others_ages=[])
    assert eng.evaluate(SPECIAL, alone_poor)
    assert eng.explain(SPECIAL, alone_poor, TAGS) == "82 岁，独居（同户无其他在册成员），低保"
    with_son = eng.Facts(age=70, tags={"disabled": [3]}, others_ages=[40])
    assert not eng.evaluate(SPECIAL, with_son)  # grade 3 is not 重度; lives with a son
    severe = eng.Facts(age=70, tags={"disabled": [1]}, others_ages=[40])
    assert eng.evaluate(SPECIAL, severe)
    assert eng.explain(SPECIAL, severe, TAGS) == "70 岁，残疾（1级）"


def test_household_no_member_under() -> None:
    node = {"household": "no_member_under", "age": 60}
    assert eng.evaluate(node, eng.Facts(age=70, others_ages=[66]))
    assert not eng.evaluate(node, eng.Facts(age=70, others_ages=[66, 59]))
    assert not eng.evaluate(node, eng.Facts(age=70, has_household=False))


def test_born_on_or_before_handles_29_february() -> None:
    assert eng.born_on_or_before(dt.date(2028, 2, 29), 80) == dt.date(1948, 2, 29)
    assert eng.born_on_or_before(dt.date(2028, 2, 29), 81) == dt.date(1947, 2, 28)
    born = dt.date(1948, 2, 29)
    for day in [dt.date(2027, 2, 28), dt.date(2027, 3, 1), dt.date(2028, 2, 28), dt.date(2028, 2, 29)]:
        bound = eng.born_on_or_before(day, 79)
        assert (born <= bound) == (eng.age_on(born, day) >= 79), day


def test_periods() -> None:
    assert periods.period_of(dt.date(2026, 2, 14), "monthly") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert periods.period_of(dt.date(2026, 11, 3), "quarterly") == (
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )
    assert periods.visit_rate(0, 0) is None
    assert periods.visit_rate(3, 2) == 66.7
