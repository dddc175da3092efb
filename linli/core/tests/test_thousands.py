"""The pages' figures are grouped by thousands (``thousands``), numbers and their text alike."""

from decimal import Decimal

from django.template import Context, Template

from linli.core.templatetags.linli import thousands


def test_thousands_groups_numbers_and_leaves_the_rest() -> None:
    assert thousands(18_700_000) == "18,700,000"
    assert thousands(-1234) == "-1,234"
    assert thousands(999) == "999"
    assert thousands(1234.5) == "1,234.5"
    assert thousands(Decimal("12345.60")) == "12,345.60"
    assert thousands("1234567.25") == "1,234,567.25"  # as floatformat leaves it
    assert thousands(None) is None and thousands("—") == "—" and thousands(True) is True


def test_thousands_in_a_template_after_floatformat() -> None:
    html = Template("{% load linli %}{{ n|floatformat:0|thousands }} · {{ m|thousands }}").render(
        Context({"n": 123456.7, "m": 2851})
    )
    assert html == "123,457 · 2,851"
