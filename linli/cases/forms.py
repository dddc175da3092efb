"""Page forms of 诉求办理: every page's input goes through one of these, as the API's through a schema.

The forms parse and type what was sent; the rules are the services' (``linli.cases.services``). A
service's refusal goes back on the form with ``add_service_error``, so the page shows it beside the
field and ``form.errors.as_data()`` keeps its code — the same code the API answers with.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linli.cases import selectors
from linli.cases.services import MAX_TEXT


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (``<input type=file multiple>``), each checked as a FileField."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{"widget": MultipleFileInput(), **kwargs})

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class IdListField(forms.Field):
    """Every value sent under one name (checkboxes), as numbers; anything else is left out."""

    widget = forms.SelectMultiple

    def to_python(self, value: Any) -> list[int]:
        return [int(v) for v in (value or []) if str(v).isdigit()]


class CaseIntakeForm(forms.Form):
    """我要反映 / 一窗受理: a new request. Checks of the content are ``case_create``'s."""

    ERROR_FIELDS = {"phone": "reporter_phone", "location": "lat"}

    category = forms.CharField(required=False)
    description = forms.CharField(required=False, strip=False)
    channel = forms.CharField(required=False)
    lat = forms.FloatField(required=False)
    lon = forms.FloatField(required=False)
    address = forms.CharField(required=False, strip=False)
    building = forms.IntegerField(required=False, min_value=1)  # 我要反映: the building picked by search
    reporter_name = forms.CharField(required=False, strip=False)
    reporter_phone = forms.CharField(required=False, strip=False)
    anonymous = forms.BooleanField(required=False)
    photos = MultipleFileField(required=False)
    grid = forms.CharField(required=False)  # 上报事件: the grid a report without a point lies in


class CaseActionForm(forms.Form):
    """One workflow action on the request page: the fields of ``services.case_act``, where the unit
    select sends ``org:<id>`` or ``region:<code>`` and ``resolved`` is ``1`` or ``0``."""

    ERROR_FIELDS = {"reply": "note", "comment": "note", "unit_region": "unit", "unit_org": "unit"}

    action = forms.CharField(required=False)
    version = forms.IntegerField(required=False)
    note = forms.CharField(required=False, strip=False)
    rating = forms.CharField(required=False)
    resolved = forms.CharField(required=False)
    days = forms.IntegerField(required=False)
    into = forms.CharField(required=False)
    orgs = IdListField(required=False)
    unit = forms.CharField(required=False)

    def clean_unit(self) -> dict[str, Any]:
        unit: str = self.cleaned_data["unit"]
        kind, _, value = unit.partition(":")
        if kind == "org" and value.isdigit():
            return {"unit_org": int(value)}
        if kind == "region" and value:
            return {"unit_region": value}
        if unit:
            raise ValidationError("未知的承办单位", code="case.unit_unknown")
        return {}

    def action_input(self, *, version: int) -> dict[str, Any]:
        """The keyword arguments of ``services.case_act`` (``version``: the one read now, if none sent)."""
        d = self.cleaned_data
        return {
            "action": d["action"],
            "version": d["version"] if d["version"] is not None else version,
            "note": d["note"],
            "rating": d["rating"],
            "resolved": d["resolved"] in ("", "1"),
            "days": d["days"] or 0,
            "into": d["into"],
            "orgs": d["orgs"],
            **d["unit"],
        }


class PublicTextForm(forms.Form):
    """修改公开内容: the text the public feed shows of a request, and the version it was read at."""

    text = forms.CharField(label="公开内容", max_length=MAX_TEXT, strip=True)
    version = forms.IntegerField(label="版本", min_value=1)


class RevealForm(forms.Form):
    """查看完整: the reason for seeing the reporter's name or phone (checked by ``reporter_reveal``)."""

    reason = forms.CharField(required=False, strip=False)


class SuggestForm(forms.Form):
    """The text typed at intake, for the assistant's suggestions."""

    description = forms.CharField(required=False, strip=False)


class CaseFilterForm(forms.Form):
    """The filters of the queue and the map (``selectors.filter_cases``); a date not understood, or a
    search word of one character, is shown as an error and left out."""

    queue = forms.CharField(required=False)
    status = forms.CharField(required=False)
    category = forms.CharField(required=False)
    kind = forms.CharField(required=False)
    subject = forms.CharField(required=False)  # 事项: the topic of the category
    channel = forms.CharField(required=False)
    region = forms.CharField(required=False)  # a region code, chosen from ``selectors.filter_regions``
    # two characters at least: a request's text has no index for one (陈 read every open request of
    # the city, 0.7 s at 广州), and one character finds nothing a person means
    q = forms.CharField(
        required=False, min_length=2, error_messages={"min_length": "搜索词请至少输入两个字，已忽略"}
    )
    start = forms.DateField(required=False, error_messages={"invalid": "日期格式应为 YYYY-MM-DD"})
    end = forms.DateField(required=False, error_messages={"invalid": "日期格式应为 YYYY-MM-DD"})
    page = forms.CharField(required=False)

    def clean_queue(self) -> str:
        name: str = self.cleaned_data["queue"]
        return name if not name or name in selectors.QUEUES else "todo"

    def filters(self) -> dict[str, str]:
        """The filters as ``filter_cases`` takes them (dates ISO, empty when absent or not understood)."""
        self.is_valid()
        d = self.cleaned_data
        out = {k: d.get(k) or "" for k in ("status", "category", "kind", "subject", "channel", "region", "q")}
        for k in ("start", "end"):
            out[k] = d[k].isoformat() if d.get(k) else ""
        return out


class MeasureFilterForm(forms.Form):
    """诉求统计: the grouping and the period (the last twelve months unless given)."""

    group = forms.CharField(required=False)
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)

    def clean_group(self) -> str:
        group: str = self.cleaned_data["group"]
        return group if group in selectors.GROUPS else "unit"

    def period(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """(start, end): as given, else the last twelve months — from the first day of the month eleven
        months back to today, whole months as the statistics are kept —; that too when a date is not
        understood."""
        year_ago = today.replace(day=1)
        for _ in range(11):
            year_ago = (year_ago - dt.timedelta(days=1)).replace(day=1)
        if not self.is_valid():
            return year_ago, today
        return self.cleaned_data["start"] or year_ago, self.cleaned_data["end"] or today
