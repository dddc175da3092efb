"""Page forms of 规划监测: every page's input goes through one of these, as the API's through a schema.

The filters (``?region=``, ``?year=`` …) never refuse a page: a value that does not parse falls back
to its default, as before. The write forms carry the same input names as the templates and give the
same Chinese messages as the services; a service's refusal is added to the form by the view (its
code kept in ``form.errors.as_data()``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.indicators import services
from linli.indicators.models import DataElement
from linli.regions.models import Region


def _int(label: str, message: str, **kw: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, error_messages={"invalid": message, "required": message}, **kw)


# --- filters (GET) -----------------------------------------------------------------------------


class PlaceFilter(forms.Form):
    """The region asked for (a code; the view checks it lies in the account's scope) and the year."""

    region = forms.CharField(required=False, max_length=20)
    year = forms.IntegerField(required=False)

    def value(self, name: str, default: Any = None) -> Any:
        """A cleaned value, or ``default`` when it was absent or did not parse."""
        self.is_valid()
        got = self.cleaned_data.get(name)
        return default if got in (None, "") else got

    @property
    def year_or_now(self) -> int:
        return int(self.value("year", timezone.localdate().year))


class DashboardFilter(PlaceFilter):
    indicator = forms.CharField(required=False, max_length=60)


class ReportFilter(PlaceFilter):
    format = forms.CharField(required=False, max_length=8)


class ValuesFilter(PlaceFilter):
    element = forms.CharField(required=False, max_length=60)


class ActionChoice(PlaceFilter):
    """Which action a page's POST asks for (its buttons' ``action``); with the year to go back to."""

    action = forms.CharField(required=False, max_length=20)


class TasksFilter(forms.Form):
    show = forms.CharField(required=False, max_length=20)


# --- values: entry, review, correction (POST) --------------------------------------------------


class ValueSubmitForm(forms.Form):
    """填报 a value: the element and region by code, year and month, the number as typed."""

    element = forms.CharField(required=False)
    region = forms.CharField(required=False)
    year = _int("年度", "年度：应为整数")
    period = _int("月份", "年度：应为整数", required=False)
    value = forms.CharField(required=False)

    def clean_element(self) -> DataElement:
        element = DataElement.objects.filter(code=self.cleaned_data["element"]).first()
        if element is None:
            raise ValidationError("数据元：请选择", code="indicator.element_required")
        return element

    def clean_region(self) -> Region:
        region = Region.objects.current().filter(code=self.cleaned_data["region"]).first()
        if region is None:
            raise ValidationError("区划：请选择", code="indicator.region_required")
        return region

    def clean_period(self) -> int:
        return self.cleaned_data["period"] or 0

    def clean_value(self) -> Decimal:
        return services.parse_value(self.cleaned_data["value"])


class ValueChoiceForm(forms.Form):
    """The reported value a review or a correction acts on (resolved within the scope by the view)."""

    value_id = forms.IntegerField(error_messages={"invalid": "未指定填报值", "required": "未指定填报值"})


class ValueReviewForm(ValueChoiceForm):
    note = forms.CharField(required=False, strip=False)


class ValueCorrectForm(ValueChoiceForm):
    value = forms.CharField(required=False)
    reason = forms.CharField(required=False, strip=False)

    def clean_value(self) -> Decimal:
        return services.parse_value(self.cleaned_data["value"])


VALUE_ACTIONS: dict[str, type[forms.Form]] = {
    "submit": ValueSubmitForm,
    "approve": ValueReviewForm,
    "reject": ValueReviewForm,
    "correct": ValueCorrectForm,
}


class ValuesImportForm(forms.Form):
    file = forms.FileField(allow_empty_file=True)


# --- tasks, plans and targets (POST) -----------------------------------------------------------


class TaskProgressForm(forms.Form):
    """报送 progress of a task; the service checks every field (same messages as the API's)."""

    unit_name = forms.CharField(required=False, strip=False)
    text = forms.CharField(required=False, strip=False)
    percent = _int("完成进度", "完成进度：应为 0–100", required=False)
    evidence = forms.FileField(required=False, allow_empty_file=True)

    def clean_percent(self) -> int:
        percent = self.cleaned_data["percent"]
        return -1 if percent is None else percent


class TasksImportForm(forms.Form):
    plan = forms.CharField(required=False)
    region = forms.CharField(required=False, max_length=20)
    file = forms.FileField(allow_empty_file=True)


class PlanAdoptForm(forms.Form):
    plan = forms.CharField(required=False)
    region = forms.CharField(required=False, max_length=20)


class TargetForm(forms.Form):
    """本级目标: a region's own target for an indicator."""

    region = forms.CharField(required=False, max_length=20)
    indicator = forms.CharField(required=False)
    target_value = forms.CharField(required=False)
    comparison = forms.CharField(required=False)
    target_year = _int("目标年度", "目标年度：应为整数", required=False)
    attribute = forms.CharField(required=False)

    def clean_target_value(self) -> Decimal:
        return services.parse_value(self.cleaned_data["target_value"], "目标值")

    def clean_target_year(self) -> int:
        return self.cleaned_data["target_year"] or 2025
