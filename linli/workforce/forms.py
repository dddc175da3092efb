"""Page forms of the workforce module: they parse and type; the rules are the services'."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linli.workforce.models import TaskKind, TaskPer, TeamPost


class StartForm(forms.Form):
    lat = forms.FloatField(required=False)
    lon = forms.FloatField(required=False)
    consent = forms.BooleanField(required=False)


class PointsForm(forms.Form):
    points = forms.CharField()

    def clean_points(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.cleaned_data["points"])
        except ValueError:
            raise ValidationError("位置数据格式不正确", code="patrol.position_invalid") from None
        if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
            raise ValidationError("位置数据格式不正确", code="patrol.position_invalid")
        return data


class EventForm(forms.Form):
    category = forms.CharField(required=False)
    description = forms.CharField(required=False, strip=False)
    lat = forms.FloatField(required=False)
    lon = forms.FloatField(required=False)


class NoteForm(forms.Form):
    text = forms.CharField(required=False, max_length=300)
    lat = forms.FloatField(required=False)
    lon = forms.FloatField(required=False)


class PointQuery(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90)
    lon = forms.FloatField(min_value=-180, max_value=180)


class DayForm(forms.Form):
    day = forms.DateField(required=False)
    region = forms.CharField(required=False, max_length=15)


class MemberForm(forms.Form):
    grid = forms.CharField(max_length=15)
    post = forms.ChoiceField(choices=TeamPost.choices)
    staff = forms.IntegerField(required=False, min_value=1)
    name = forms.CharField(required=False, max_length=64)
    unit = forms.CharField(required=False, max_length=100)


class MemberEditForm(forms.Form):
    action = forms.ChoiceField(choices=[("post", "调整岗位"), ("end", "离任")])
    post = forms.ChoiceField(choices=TeamPost.choices, required=False)
    on = forms.DateField(required=False, error_messages={"invalid": "请按 年-月-日 填写日期"})


class TaskForm(forms.Form):
    title = forms.CharField(max_length=100, required=False)
    kind = forms.ChoiceField(choices=TaskKind.choices)
    region = forms.CharField(max_length=15)
    per = forms.ChoiceField(choices=TaskPer.choices)
    deadline = forms.DateField()
    content = forms.CharField(required=False, widget=forms.Textarea, max_length=2000)
    duty = forms.IntegerField(required=False, min_value=1)
    funding = forms.CharField(required=False, max_length=200)
    fields_text = forms.CharField(
        widget=forms.Textarea,
        max_length=1000,
        help_text="每行一项：名称|类型（是否 / 文字 / 数字），如：是否存在安全隐患|是否",
    )

    TYPES = {"是否": "yesno", "文字": "text", "数字": "number", "": "text"}

    def clean_fields_text(self) -> list[dict[str, str]]:
        out = []
        for n, line in enumerate(self.cleaned_data["fields_text"].splitlines(), 1):
            if not line.strip():
                continue
            label, _, kind = line.partition("|")
            t = self.TYPES.get(kind.strip())
            if t is None:
                raise ValidationError(f"第{n}行：类型应为 是否、文字 或 数字", code="gridtask.field_invalid")
            out.append({"label": label.strip(), "type": t})
        return out


class DecideForm(forms.Form):
    approve = forms.ChoiceField(choices=[("yes", "同意"), ("no", "不同意")])
    note = forms.CharField(required=False, max_length=200)


class CheckForm(forms.Form):
    text = forms.CharField(max_length=200, required=False)


class FixForm(forms.Form):
    text = forms.CharField(max_length=200, required=False, label="需要更正的内容")


def answers_form(fields: list[dict[str, str]], data: Any = None) -> forms.Form:
    """The form of one building's (household's) answers to a task, built from the task's fields."""
    made: dict[str, forms.Field] = {}
    for f in fields:
        if f["type"] == "yesno":
            made[f["key"]] = forms.ChoiceField(
                label=f["label"], choices=[("yes", "是"), ("no", "否")], required=False
            )
        elif f["type"] == "number":
            made[f["key"]] = forms.CharField(label=f["label"], required=False, max_length=20)
        else:
            made[f["key"]] = forms.CharField(label=f["label"], required=False, max_length=200)
    made["item"] = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    cls = type("AnswersForm", (forms.Form,), made)
    return cls(data)  # type: ignore[no-any-return]
