"""Small template helpers shared by the pages."""

import re
from decimal import Decimal

from django import template

register = template.Library()

NUMBER = re.compile(r"-?\d+(\.\d+)?")


@register.filter
def split_label(label: str) -> list[str]:
    """'楼不漏户：无户的楼栋' → ['楼不漏户', '无户的楼栋'] (a heading and its explanation)."""
    return [part for part in str(label).split("：", 1) if part]


@register.filter
def thousands(value: object) -> object:
    """1234567 → '1,234,567': a number (or the text of one, as ``floatformat`` leaves it) grouped by
    thousands, what the pages used ``humanize``'s ``intcomma`` for — which, in Django's Chinese
    formats (no thousands separator), printed the bare number, and took a twentieth of a city's
    tables' rendering. Anything else (None, words) is returned as it came."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return f"{value:,}"
    if isinstance(value, str) and NUMBER.fullmatch(value):
        whole, dot, part = value.partition(".")
        return f"{int(whole):,}{dot}{part}"
    return value
