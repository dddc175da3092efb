"""Forms of the directory pages: the service form, its filters, booking and the staff's slot actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linli.registry.models import DERIVED_AGE_TAGS, TagKind
from linli.services import selectors
from linli.services.forms.common import INT, NUMBER, ListFilterForm, UserForm, term_of
from linli.services.forms.hours import WeekHoursField
from linli.services.models import FeeKind, ServiceKind, ServiceStatus

TAG_CHOICES = [(k, label) for k, label, _ in DERIVED_AGE_TAGS] + [(t.value, str(t.label)) for t in TagKind]


class ServiceForm(UserForm):
    """新增/编辑服务: the inputs of ``services/service_form.html``; the service validates and saves."""

    ERROR_FIELDS = {"opening_hours": "hours"}  # the service's field → this form's input

    name = forms.CharField(required=False)
    description = forms.CharField(required=False)
    kind = forms.CharField(required=False)
    category = forms.CharField(required=False)
    region = forms.CharField(required=False)
    provider = forms.IntegerField(required=False, error_messages=INT)
    address = forms.CharField(required=False)
    lat = forms.FloatField(required=False, error_messages=NUMBER)
    lon = forms.FloatField(required=False, error_messages=NUMBER)
    hours = WeekHoursField()
    slot_minutes = forms.IntegerField(required=False, error_messages=INT)
    capacity = forms.IntegerField(required=False, error_messages=INT)
    bookable = forms.BooleanField(required=False)
    eligible_tags = forms.MultipleChoiceField(required=False, choices=TAG_CHOICES)
    min_age = forms.IntegerField(required=False, error_messages=INT)
    max_age = forms.IntegerField(required=False, error_messages=INT)
    fee_kind = forms.CharField(required=False)
    fee_amount = forms.DecimalField(required=False, error_messages={"invalid": "收费金额应为数字"})
    fee_note = forms.CharField(required=False)
    contact_name = forms.CharField(required=False)
    contact_phone = forms.CharField(required=False)
    status = forms.CharField(required=False)

    def clean_category(self) -> Any:
        term = term_of(self.cleaned_data["category"])
        if term is None:
            raise ValidationError("请选择服务分类", code="service.category_required")
        return term

    def clean_region(self) -> Any:
        return self.region_of(self.cleaned_data["region"])

    def clean_provider(self) -> Any:
        return self.organisation_of(self.cleaned_data["provider"], "provider")

    def values(self) -> dict[str, Any]:
        """The keyword arguments of ``services.service_save``."""
        d = self.cleaned_data
        values = {k: d[k] for k in self.fields if k != "hours"}
        values.update(
            opening_hours=d["hours"],
            slot_minutes=d["slot_minutes"] or 60,
            capacity=d["capacity"] or 1,
            fee_kind=d["fee_kind"] or FeeKind.FREE,
            status=d["status"] or ServiceStatus.ACTIVE,
        )
        return values


class ServiceFilterForm(ListFilterForm):
    """服务清单 filters (GET)."""

    q = forms.CharField(required=False)
    category = forms.CharField(required=False)
    kind = forms.ChoiceField(required=False, choices=[("", "")] + ServiceKind.choices)
    status = forms.ChoiceField(required=False, choices=[("", "")] + ServiceStatus.choices)


class DirectoryFilterForm(ListFilterForm):
    """The resident's directory search (GET)."""

    q = forms.CharField(required=False)
    category = forms.CharField(required=False)
    all = forms.BooleanField(required=False)


class BookForm(UserForm):
    """预约: the slot chosen on the service's page, for whom (为谁预约: the resident or a member of their
    household; blank: the resident) and a note. A person outside the household reads as absent."""

    slot = forms.IntegerField(error_messages={"required": "请选择预约时段", "invalid": "请选择预约时段"})
    person_id = forms.IntegerField(required=False, error_messages={"invalid": "请选择为谁预约"})
    note = forms.CharField(required=False, strip=False)

    def clean_person_id(self) -> Any:
        pk = self.cleaned_data.get("person_id")
        if pk is None:
            return None
        try:
            return selectors.person_by_id(self.user, pk)
        except ValidationError as exc:
            raise ValidationError([e for errors in exc.error_dict.values() for e in errors]) from exc


class BookingActionForm(forms.Form):
    """The resident's cancel / reschedule / rate of one booking; a cancel is done only once ``confirm``
    is posted from the confirmation page."""

    confirm = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, strip=False)
    slot = forms.IntegerField(required=False, error_messages={"invalid": "请选择新的时段或评价星级"})
    stars = forms.IntegerField(required=False, error_messages={"invalid": "请选择新的时段或评价星级"})
    comment = forms.CharField(required=False, strip=False)


class StaffBookingForm(forms.Form):
    """The staff's record of a service given."""

    record = forms.CharField(required=False, strip=False)


class SlotsForm(forms.Form):
    """生成时段: how many days from today."""

    action = forms.CharField(required=False)
    days = forms.IntegerField(required=False, error_messages=INT)
