"""Forms of the life-circle pages: the region and facility type shown, the siting run's parameters.

They collect text; ``services.siting_run`` checks the parameters and names the field it refuses,
with a stable code the page puts on the form (``form.add_error(None, exc)``).
"""

from __future__ import annotations

from django import forms


class RegionTypeForm(forms.Form):
    """The map's and the coverage table's GET parameters (``region`` defaults to the account's own)."""

    region = forms.CharField(required=False)
    type = forms.CharField(required=False)
    page = forms.CharField(required=False)  # the coverage table's page (``Paginator.get_page`` judges it)


class SitingForm(forms.Form):
    region = forms.CharField(required=False)
    type = forms.CharField(required=False)
    problem = forms.CharField(required=False)
    k = forms.CharField(required=False)
    group = forms.CharField(required=False)
    candidates = forms.CharField(required=False)

    def clean_problem(self) -> str:
        return self.cleaned_data["problem"] or "covering"

    def clean_k(self) -> int:
        """A number, or 0 (which the service refuses with its own message)."""
        try:
            return int(self.cleaned_data["k"] or 0)
        except ValueError:
            return 0

    def clean_candidates(self) -> str:
        return self.cleaned_data["candidates"] or "vacant"


class ExportForm(forms.Form):
    """The export's format: ``xlsx`` (default) or ``csv``."""

    format = forms.ChoiceField(choices=[("xlsx", "Excel"), ("csv", "CSV")], required=False)

    def clean_format(self) -> str:
        return self.cleaned_data["format"] or "xlsx"
