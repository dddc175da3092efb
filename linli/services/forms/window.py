"""Forms of the one-window pages: an application (the resident's or the desk's), the negative-list
check, the steps of an application and the list's filter."""

from __future__ import annotations

from typing import Any

from django import forms

from linli.services.forms.common import ListFilterForm, UserForm
from linli.services.models import ApplicationStatus, ServiceItem


class ApplyForm(forms.Form):
    """The resident's application: an item of the catalogue, the materials ticked, a note."""

    item = forms.CharField(required=False)
    materials = forms.MultipleChoiceField(required=False)
    note = forms.CharField(required=False, strip=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["materials"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.valid_value = lambda value: True  # type: ignore[method-assign]  # the service checks the item's list

    def clean_item(self) -> ServiceItem | None:
        pk = self.cleaned_data["item"]
        return ServiceItem.objects.filter(pk=int(pk), active=True).first() if pk.isdigit() else None


class IntakeForm(UserForm, ApplyForm):
    """窗口登记: the desk takes an application in for a resident (name or ID number)."""

    person = forms.CharField(required=False)

    def clean_person(self) -> Any:
        return self.person_of(self.cleaned_data["person"])

    def clean_item(self) -> ServiceItem | None:
        item = super().clean_item()
        if item is None:
            raise forms.ValidationError("请选择事项", code="window.item_required")
        return item


class CheckForm(forms.Form):
    """检查能否由社区受理 (the negative list)."""

    task = forms.CharField(required=False)


class ApplicationActForm(forms.Form):
    """One step of an application: the action, a note, and (when ticked) the materials now at hand."""

    action = forms.CharField(required=False)
    note = forms.CharField(required=False, strip=False)
    with_materials = forms.BooleanField(required=False)
    materials = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["materials"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.valid_value = lambda value: True  # type: ignore[method-assign]  # the service checks them

    def provided(self) -> list[str] | None:
        d = self.cleaned_data
        return d["materials"] if d["with_materials"] else None


class WindowFilterForm(ListFilterForm):
    status = forms.ChoiceField(required=False, choices=[("", "")] + ApplicationStatus.choices)
