"""Small template helpers shared by the pages."""

from django import template

register = template.Library()


@register.filter
def split_label(label: str) -> list[str]:
    """'楼不漏户：无户的楼栋' → ['楼不漏户', '无户的楼栋'] (a heading and its explanation)."""
    return [part for part in str(label).split("：", 1) if part]
