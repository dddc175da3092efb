"""Page input of the care module: every write reads its fields through one of these forms."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import QuerySet

from linli.care.models import POST_CHOICES, CareFile, NeedLevel, ReferralOutcome
from linli.core.models import User


class VisitForm(forms.Form):
    """The visit on the phone: when (default now), where (the phone's position), the checklist,
    photos, a need raised on the spot and the next visit's date."""

    visited_at = forms.DateTimeField(label="到访时间", required=False)
    lat = forms.FloatField(label="纬度", required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label="经度", required=False, min_value=-180, max_value=180)
    note = forms.CharField(label="情况记录", required=False, max_length=500)
    next_visit_on = forms.DateField(label="下次巡访日期", required=False)
    need_category = forms.CharField(label="需求类别", required=False, max_length=40)
    need_description = forms.CharField(label="需求内容", required=False, max_length=500)

    def __init__(self, *args: Any, checklist: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        for n, item in enumerate(checklist):
            self.fields[f"check_{n}"] = forms.ChoiceField(
                label=item, choices=[("正常", "正常"), ("需关注", "需关注")], required=False
            )

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        answers = {item: d[f"check_{n}"] for n, item in enumerate(self.checklist) if d.get(f"check_{n}")}
        return {
            "visited_at": d.get("visited_at"),
            "lat": d.get("lat"),
            "lon": d.get("lon"),
            "answers": answers,
            "note": d.get("note") or "",
            "next_visit_on": d.get("next_visit_on"),
            "need_category": d.get("need_category") or "",
            "need_description": d.get("need_description") or "",
        }


class AlertDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="处理", choices=[("confirm", "发起申请"), ("dismiss", "排除")])
    reason = forms.CharField(label="排除原因", required=False, max_length=200)


class ReferralForm(forms.Form):
    """转介: one list of where it can go, grouped by kind (request categories, need categories, one-window
    items, social workers), each option ``kind:target`` with its Chinese name."""

    to = forms.ChoiceField(label="转介给")
    summary = forms.CharField(label="转介事由", max_length=300)

    def __init__(self, *args: Any, targets: list[tuple[str, list[tuple[str, str]]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "请选择转介去向"), *targets]

    def values(self) -> dict[str, str]:
        kind, _, target = self.cleaned_data["to"].partition(":")
        return {"kind": kind, "target": target, "summary": self.cleaned_data["summary"]}


# a worker closing a referral says how it ended (已办结 without a word is the handler's closing)
MANUAL_OUTCOMES = [
    c for c in ReferralOutcome.choices if c[0] not in (ReferralOutcome.OPEN, ReferralOutcome.DONE)
]


class ReferralCloseForm(forms.Form):
    outcome = forms.ChoiceField(label="结果", choices=MANUAL_OUTCOMES)
    note = forms.CharField(label="结果说明", required=False, max_length=300)


class FileForm(forms.ModelForm):
    class Meta:
        model = CareFile
        fields = [
            "living_conditions",
            "health",
            "income_source",
            "guardians",
            "emergency_contacts",
            "need_level",
            "assessed_on",
            "assessment",
        ]

    need_level = forms.ChoiceField(label="需求等级", choices=[("", "—"), *NeedLevel.choices], required=False)


class RuleForm(forms.Form):
    name = forms.CharField(label="人群名称", max_length=40)
    description = forms.CharField(label="口径说明", required=False, max_length=300)
    condition = forms.CharField(label="条件（JSON）", widget=forms.Textarea(attrs={"rows": 8}))
    frequency = forms.CharField(label="巡访频次", required=False)
    visitor = forms.CharField(label="巡访人")
    checklist = forms.CharField(
        label="巡访清单（每行一项）", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    policy_item = forms.CharField(label="一窗事项编码", required=False, max_length=40)
    policy_label = forms.CharField(label="政策名称", required=False, max_length=40)
    active = forms.BooleanField(label="启用", required=False)

    def clean_condition(self) -> Any:
        try:
            return json.loads(self.cleaned_data["condition"])
        except ValueError as exc:
            raise forms.ValidationError("条件不是有效的 JSON", code="care.rule_json") from exc

    def values(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["checklist"] = [line.strip() for line in (d.get("checklist") or "").splitlines() if line.strip()]
        return d


class RateFilterForm(forms.Form):
    month = forms.CharField(label="月份", required=False, max_length=7)


class PostAssignForm(forms.Form):
    """指定关爱岗位: the post, the account (staff of the community's street) and the start date."""

    post = forms.ChoiceField(
        label="岗位",
        choices=POST_CHOICES,
    )
    user = forms.ModelChoiceField(label="人员", queryset=User.objects.none(), empty_label="请选择")
    since = forms.DateField(label="任职日期", required=False)

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates


class PostEndForm(forms.Form):
    until = forms.DateField(label="离岗日期", required=False)
    reason = forms.CharField(label="离岗原因", required=False, max_length=100)
