"""Forms of the facilities pages. They collect text; the services validate and save.

Every field is optional text here: the rules and their Chinese messages live once, in
``linli.facilities.services.clean`` (the API, the pages and the spreadsheet import all go through it),
and ``add_service_error`` puts a refused write back on the form with its stable code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linli.facilities import selectors, services

TRUE = ("1", "true", "on")


def _text(**kwargs: Any) -> forms.CharField:
    return forms.CharField(required=False, **kwargs)


class FacilityFilterForm(forms.Form):
    """The GET filters of the list, the map and the export (same names as the API's query)."""

    q = _text()
    type = _text()
    category = _text()
    status = _text()
    region = _text()
    short_days = _text()
    page = _text()
    format = _text()  # the export's csv/xlsx

    def clean_short_days(self) -> bool:
        return self.cleaned_data["short_days"] in TRUE

    def to_filter(self) -> selectors.FacilityFilter:
        d = self.cleaned_data if self.is_valid() else {}
        return selectors.FacilityFilter(
            q=d.get("q", ""),
            type=d.get("type", ""),
            category=d.get("category", ""),
            status=d.get("status", ""),
            region=d.get("region", ""),
            short_days=bool(d.get("short_days")),
        )


class FacilityForm(forms.Form):
    """A facility as the form's texts; one field per key of ``services.LABELS`` but the API's
    ``opening_hours`` (the page gives the week as ``hours_1`` … ``hours_7``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in services.LABELS.items():
            if key != "opening_hours":
                self.fields[key] = _text(label=label)


class FacilityStatusForm(forms.Form):
    status = _text(label="状态")
    note = _text(label="说明")


class AttestationForm(forms.Form):
    """A community's statement on a checklist item no data can answer (人工确认)."""

    item = _text(label="标准条目")
    met = _text(label="结论")
    evidence = _text(label="依据说明", strip=False)
    attested_on = _text(label="确认日期")

    def clean_item(self) -> int:
        try:
            return int(self.cleaned_data["item"] or 0)
        except ValueError:
            raise ValidationError(
                "标准条目：应为条目编号", code="facility.attestation_item_unknown"
            ) from None

    def clean_met(self) -> bool:
        return self.cleaned_data["met"] == "1"

    def clean_attested_on(self) -> dt.date | None:
        on = self.cleaned_data["attested_on"]
        try:
            return dt.date.fromisoformat(on) if on else None
        except ValueError:
            raise ValidationError(
                "确认日期格式应为 YYYY-MM-DD", code="facility.attestation_date_format"
            ) from None


class FacilityImportForm(forms.Form):
    file = forms.FileField(
        label="文件", allow_empty_file=True, error_messages={"required": "请选择要上传的文件"}
    )
    dry_run = _text()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith((".xlsx", ".csv")):
            raise ValidationError("只支持 .xlsx 和 .csv 文件", code="facility.import_file_type")
        return upload

    def clean_dry_run(self) -> bool:
        return self.cleaned_data["dry_run"] == "1"


def form_messages(form: forms.Form) -> str:
    """The form's errors as one line (for the pages that show them as a message)."""
    return "；".join(str(m) for errors in form.errors.values() for m in errors)
