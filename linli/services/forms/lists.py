"""Forms of the three lists' pages: a need, a resource, a project (and its next stage), their filters."""

from __future__ import annotations

from typing import Any

from django import forms

from linli.services import selectors
from linli.services.forms.common import INT, ListFilterForm, UserForm, term_of
from linli.services.forms.hours import WeekHoursField
from linli.services.models import NeedSource, NeedStatus, Period, ResourceKind, Urgency


class NeedForm(UserForm):
    """登记需求: a resident (name or ID number) or, for a group, a community."""

    person = forms.CharField(required=False)
    region = forms.CharField(required=False)
    category = forms.CharField(required=False)
    description = forms.CharField(required=False, strip=False)
    source = forms.CharField(required=False)
    urgency = forms.CharField(required=False)
    days = forms.MultipleChoiceField(required=False, choices=[(str(d), str(d)) for d in range(1, 8)])
    period = forms.CharField(required=False)

    ERROR_FIELDS = {"preferred_days": "days", "preferred_period": "period"}

    def clean_category(self) -> Any:
        term = term_of(self.cleaned_data["category"])
        if term is None:
            raise forms.ValidationError("请选择需求类别", code="need.category_required")
        return term

    def clean_person(self) -> Any:
        return self.person_of(self.cleaned_data["person"])

    def values(self) -> dict[str, Any]:
        """The keyword arguments of ``services.need_create``."""
        d = self.cleaned_data
        return {
            "person": d["person"],
            "region": None if d["person"] else self.region_of(d["region"]),
            "category": d["category"],
            "description": d["description"],
            "source": d["source"] or NeedSource.STAFF,
            "urgency": d["urgency"] or Urgency.LOW,
            "preferred_days": [int(x) for x in d["days"]],
            "preferred_period": d["period"] or Period.ANY,
        }


class NeedFilterForm(ListFilterForm):
    status = forms.ChoiceField(required=False, choices=[("", "")] + NeedStatus.choices)
    category = forms.CharField(required=False)


class ResourceForm(UserForm):
    """登记资源."""

    ERROR_FIELDS = {"opening_hours": "hours"}

    name = forms.CharField(required=False)
    kind = forms.CharField(required=False)
    offered_by = forms.CharField(required=False)
    provider_name = forms.CharField(required=False)
    region = forms.CharField(required=False)
    category = forms.CharField(required=False)
    description = forms.CharField(required=False)
    conditions = forms.CharField(required=False)
    capacity = forms.IntegerField(required=False, error_messages=INT)
    hours = WeekHoursField()

    def values(self) -> dict[str, Any]:
        """The keyword arguments of ``services.resource_create``."""
        d = self.cleaned_data
        values = {k: d[k] for k in self.fields if k not in ("hours", "region", "category")}
        values.update(
            region=self.region_of(d["region"]),
            category=term_of(d["category"]),
            capacity=d["capacity"] or 1,
            opening_hours=d["hours"],
        )
        return values


class ResourceFilterForm(ListFilterForm):
    kind = forms.ChoiceField(required=False, choices=[("", "")] + ResourceKind.choices)


class ProjectForm(UserForm):
    """新项目立项, with the open needs it answers."""

    name = forms.CharField(required=False)
    description = forms.CharField(required=False)
    region = forms.CharField(required=False)
    category = forms.CharField(required=False)
    funding_source = forms.CharField(required=False)
    budget = forms.DecimalField(required=False, error_messages={"invalid": "预算应为数字"})
    implementer = forms.IntegerField(required=False, error_messages=INT)
    outputs = forms.CharField(required=False)
    needs = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["needs"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.valid_value = lambda value: str(value).isdigit()  # type: ignore[method-assign]

    def clean_implementer(self) -> Any:
        return self.organisation_of(self.cleaned_data["implementer"], "implementer")

    def values(self) -> dict[str, Any]:
        """The keyword arguments of ``services.project_create``."""
        d = self.cleaned_data
        values = {k: d[k] for k in ("name", "description", "funding_source", "implementer", "outputs")}
        values.update(
            region=self.region_of(d["region"]),
            category=term_of(d["category"]),
            budget=d["budget"] if d["budget"] is not None else 0,
            needs=selectors.need_list(self.user).filter(pk__in=[int(x) for x in d["needs"]]),
        )
        return values


class ProjectAdvanceForm(forms.Form):
    """下一阶段 of one project."""

    action = forms.CharField(required=False)
    project = forms.IntegerField(required=False, error_messages=INT)
    note = forms.CharField(required=False, strip=False)
    score = forms.IntegerField(required=False, error_messages=INT)


class MatchingFilterForm(ListFilterForm):
    category = forms.CharField(required=False)


class MatchConfirmForm(forms.Form):
    """确认对接: the checked suggestions, each ``"<need id>:<s|r><provider id>"``."""

    pair = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pair"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.valid_value = lambda value: True  # type: ignore[method-assign]  # read one by one in pairs()
        self.malformed = 0

    def pairs(self) -> list[tuple[int, str, int]]:
        """(need id, "s" or "r", provider id) of every well-formed pair; ``malformed`` counts the others."""
        self.is_valid()
        out = []
        for pair in self.cleaned_data.get("pair", []):
            need_id, _, key = pair.partition(":")
            if need_id.isdigit() and len(key) >= 2 and key[1:].isdigit():
                out.append((int(need_id), key[0], int(key[1:])))
            else:
                self.malformed += 1
        return out
