"""The options of a region filter: escaped names, the chosen one selected, communities indented."""

from django.template import Context, Template

from linli.regions.models import Level


def test_region_options_escape_select_and_indent():
    # rows of (code, name, level), as the views read them
    regions = [
        ("350504001", "万安街道", Level.STREET),
        ("350504001001", "<b>塘西</b>社区", Level.COMMUNITY),
    ]
    html = Template("{% load regions %}{% region_options regions chosen %}").render(
        Context({"regions": regions, "chosen": "350504001001"})
    )
    assert html == (
        '<option value="350504001">万安街道</option>'
        '<option value="350504001001" selected>　&lt;b&gt;塘西&lt;/b&gt;社区</option>'
    )
    nothing = Template("{% load regions %}{% region_options regions '' %}").render(
        Context({"regions": regions})
    )
    assert "selected" not in nothing
