"""Page forms of the workforce module: they parse and type; the rules are the services'."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linli.workforce.engine import rules
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


class GradeForm(forms.Form):
    """定岗定级: the post in 三岗 and the grade (the 1–18 rule is the service's, refused in Chinese)."""

    post = forms.ChoiceField(label="岗位（三岗）", choices=list(rules.POSTS.items()))
    grade = forms.IntegerField(label="等级（1–18 级）", error_messages={"invalid": "等级应为 1–18 的整数"})
    annual_pay = forms.DecimalField(
        label="年度应发报酬（元）",
        max_digits=10,
        decimal_places=0,
        error_messages={"invalid": "请填写金额（元，整数）"},
    )


class IncomeForm(forms.Form):
    year = forms.IntegerField(label="年度", error_messages={"invalid": "请填写年份，如 2025"})
    income = forms.DecimalField(
        label="城镇居民人均可支配收入（元）",
        max_digits=10,
        decimal_places=0,
        error_messages={"invalid": "请填写金额（元，整数）"},
    )


class CandidateForm(forms.Form):
    region = forms.CharField(label="所在社区（村）", max_length=15)
    name = forms.CharField(label="姓名", max_length=64, required=False)
    birth_year = forms.IntegerField(label="出生年份", error_messages={"invalid": "请填写出生年份，如 1992"})
    education = forms.CharField(label="学历", max_length=20, required=False)
    current_work = forms.CharField(label="现工作", max_length=100, required=False)
    intended_post = forms.CharField(label="拟培养岗位", max_length=40, required=False)


class CandidateLeaveForm(forms.Form):
    status = forms.ChoiceField(label="出库", choices=[("placed", "已任用"), ("withdrawn", "已退出")])
    outcome = forms.CharField(label="任用的岗位 / 退出的原因", max_length=100, required=False)
    on = forms.DateField(
        label="日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请按 年-月-日 填写日期"},
    )


class CandidateFilter(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("pool", "在库培养"), ("placed", "已任用"), ("withdrawn", "已退出"), ("all", "全部")],
    )
    page = forms.IntegerField(required=False)
