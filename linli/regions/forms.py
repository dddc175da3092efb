"""Forms of the regions pages: the tree's next level, the urban/rural class, the grid import."""

from __future__ import annotations

from django import forms


class TreeLevelForm(forms.Form):
    """The tree's htmx request for a region's next level: how deep the clicked row is indented."""

    depth = forms.IntegerField(min_value=0, max_value=10, required=False)

    def next_depth(self) -> int:
        """The indentation of the rows asked for: one more than the clicked row's (1 when not given)."""
        depth = self.cleaned_data.get("depth") if self.is_valid() else None
        return (1 if depth is None else depth) + 1


class UrbanRuralForm(forms.Form):
    """调整城乡分类: the value is checked by the service (``region_set_urban_rural``), whose coded
    errors the page adds to this form."""

    value = forms.CharField(required=False)


class GridImportForm(forms.Form):
    file = forms.FileField(error_messages={"required": "请选择文件"})
    dry_run = forms.BooleanField(required=False)


class BoundariesForm(forms.Form):
    """The outlines a map asks for: the children of ``region`` (a statistical code; empty: the account's)."""

    region = forms.RegexField(regex=r"^\d{2,15}$", required=False)
