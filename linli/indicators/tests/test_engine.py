from decimal import Decimal

import pytest

from linli.indicators.engine import formula, rules
from linli.indicators.engine.formula import FormulaError, Missing, ZeroDivisor

D = Decimal


def test_parse_and_evaluate_precedence():
    node = formula.parse("a + b * 2 - (c - 1) / 2")
    assert formula.evaluate(node, {"a": D(1), "b": D(3), "c": D(5)}) == D(5)
    assert formula.evaluate(formula.parse("-a + 10"), {"a": D(4)}) == D(6)


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "公式为空"),
        ("a +", "结尾缺少运算数"),
        ("(a + b", "括号没有闭合"),
        ("a b", "多余的“b”"),
        ("a ** b", "此处应为"),
        ("__import__('os')", "不允许的字符"),
        ("a; b", "不允许的字符“;”"),
    ],
)
def test_syntax_errors_are_clear(text, message):
    with pytest.raises(FormulaError) as exc:
        formula.parse(text)
    assert message in str(exc.value)


def test_unknown_element_is_named():
    with pytest.raises(FormulaError) as exc:
        formula.parse("households + volunters", known={"households", "volunteers"})
    assert "未知的数据元：volunters" in str(exc.value)


def test_missing_operand_is_missing_not_zero():
    node = formula.parse("a + b + c")
    with pytest.raises(Missing) as exc:
        formula.evaluate(node, {"a": D(1), "b": None})
    assert exc.value.codes == ["b", "c"]
    with pytest.raises(ZeroDivisor):
        formula.evaluate(formula.parse("a / b"), {"a": D(1), "b": D(0)})


def test_indicator_value_gaps():
    num, den = formula.parse("x"), formula.parse("y")
    assert rules.indicator_value(num, den, D(100), {"x": D(1), "y": D(4)}).value == D(25)
    v = rules.indicator_value(num, den, D(100), {"x": D(1), "y": D(0)})
    assert v.value is None and v.gap_reason == "分母为零"
    v = rules.indicator_value(num, den, D(100), {"x": D(1), "y": None})
    assert v.value is None and v.missing == ["y"] and v.gap_reason == "缺少数据"


def test_time_aggregation_rules():
    months = [(1, D(10)), (2, D(12)), (3, D(11))]
    assert rules.over_time("sum", months) == D(33)  # a flow (hours) adds up
    assert rules.over_time("avg", months) == D(11)
    assert rules.over_time("last", months) == D(11)  # a standing count: the latest, never the sum
    assert rules.over_time("last", [(12, D(5)), (3, D(9))]) == D(5)  # by period, not by order given
    assert rules.over_time("sum", []) is None


def test_hierarchy_aggregation_rules():
    assert rules.over_hierarchy("sum", [D(1), D(2)]) == D(3)
    assert rules.over_hierarchy("avg", [D(80), D(90)]) == D(85)
    assert rules.over_hierarchy("avg", []) is None


def test_status_gap_progress():
    assert rules.status(D(31), "ge", D(30)) == rules.MET
    assert rules.status(D(29), "ge", D(30)) == rules.NOT_MET
    assert rules.status(D(5), "le", D(6)) == rules.MET
    assert rules.status(D("99.999"), "eq", D(100)) == rules.MET
    assert rules.status(None, "ge", D(30)) == rules.NO_DATA
    assert rules.gap(D(25), "ge", D(30)) == D(5)
    assert rules.gap(D(35), "ge", D(30)) == D(0)
    assert rules.progress(D(16), D("14.6"), D(18)) == (D(16) - D("14.6")) / (D(18) - D("14.6"))
