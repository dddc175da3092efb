"""Page forms of the emergency module: they parse and type; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linli.emergency.models import LEVELS, Certainty, CheckStatus, Hazard, MemberSource, Severity, Urgency

WHO_WORDS = {
    "网格团队": "grid_team",
    "应急单元": "unit",
    "最小应急单元": "unit",
    "灾害信息员": "info_officer",
    "志愿者": "volunteers",
    "社区工作人员": "community_staff",
    "社区": "community_staff",
    "街道工作人员": "street_staff",
    "街道": "street_staff",
}
LEVEL_WORDS = {"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV", **{x: x for x in LEVELS}}
MAX_CAP_BYTES = 1024 * 1024


def codes_field(required: bool = False) -> forms.CharField:
    return forms.CharField(required=required, max_length=4000)


def split_codes(text: str) -> list[str]:
    return [c for c in text.replace("，", ",").replace(" ", ",").split(",") if c]


class OfficerForm(forms.Form):
    region = forms.CharField(max_length=15)
    staff = forms.IntegerField(required=False, min_value=1)
    name = forms.CharField(required=False, max_length=64)


class UnitForm(forms.Form):
    building = forms.CharField(max_length=32, label="小区/楼栋编码")
    name = forms.CharField(max_length=80, required=False)
    leader_name = forms.CharField(max_length=64, required=False)


class MemberForm(forms.Form):
    """A member chosen from a list (``source`` and the record's id) or, ``unlisted``, typed by name."""

    source = forms.ChoiceField(choices=MemberSource.choices)
    record = forms.IntegerField(required=False, min_value=1)
    name = forms.CharField(required=False, max_length=64)
    duty = forms.CharField(required=False, max_length=60)
    leader = forms.BooleanField(required=False)


class MemberChangeForm(forms.Form):
    member = forms.IntegerField(min_value=1)
    change = forms.ChoiceField(choices=[("leader", "设为单元长"), ("remove", "移出")])


class PlanForm(forms.Form):
    """The plan as lines a community worker can edit: 级别 | 责任 | 时限（分钟） | 任务 | 说明."""

    region = forms.CharField(max_length=15)
    hazard = forms.ChoiceField(choices=Hazard.choices)
    title = forms.CharField(max_length=120)
    actions = forms.CharField(widget=forms.Textarea, max_length=20000)

    def clean_actions(self) -> dict[str, list[dict[str, Any]]]:
        levels: dict[str, list[dict[str, Any]]] = {}
        for i, line in enumerate(self.cleaned_data["actions"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 4:
                raise ValidationError(
                    f"第 {i} 行应为“级别 | 责任 | 时限（分钟） | 任务 | 说明”", code="emergency.plan_invalid"
                )
            level = LEVEL_WORDS.get(parts[0].replace("级", ""))
            who = WHO_WORDS.get(parts[1], parts[1])
            if level is None:
                raise ValidationError(f"第 {i} 行：级别应为 Ⅰ、Ⅱ、Ⅲ、Ⅳ", code="emergency.plan_invalid")
            try:
                minutes = int(parts[2])
            except ValueError:
                raise ValidationError(f"第 {i} 行：时限应为分钟数", code="emergency.plan_invalid") from None
            levels.setdefault(level, []).append(
                {  # no key: the service keeps each action's key across edits (``plans.carry_keys``)
                    "title": parts[3],
                    "who": who,
                    "due_minutes": minutes,
                    "description": parts[4] if len(parts) > 4 else "",
                }
            )
        return levels


class WarningForm(forms.Form):
    hazard = forms.ChoiceField(choices=Hazard.choices)
    severity = forms.ChoiceField(choices=Severity.choices)
    urgency = forms.ChoiceField(choices=Urgency.choices)
    certainty = forms.ChoiceField(choices=Certainty.choices)
    headline = forms.CharField(max_length=160)
    description = forms.CharField(widget=forms.Textarea, max_length=4000)
    instruction = forms.CharField(widget=forms.Textarea, max_length=2000, required=False)
    onset = forms.DateTimeField(required=False)
    expires = forms.DateTimeField()
    regions = codes_field()
    polygon = forms.CharField(required=False, max_length=8000)
    issue = forms.BooleanField(required=False)

    ERROR_FIELDS = {"area": "regions"}

    def clean_polygon(self) -> list[list[float]] | None:
        """“纬度,经度” points separated by ; or new lines."""
        text = self.cleaned_data["polygon"].strip()
        if not text:
            return None
        pts = []
        for chunk in text.replace("\n", ";").split(";"):
            if not chunk.strip():
                continue
            try:
                a, b = (float(x) for x in chunk.replace("，", ",").split(","))
            except ValueError:
                raise ValidationError(
                    "多边形应为“纬度,经度”点，用分号隔开", code="emergency.polygon_invalid"
                ) from None
            pts.append([a, b])
        return pts


class CapImportForm(forms.Form):
    file = forms.FileField(required=False)
    xml = forms.CharField(required=False, widget=forms.Textarea, max_length=MAX_CAP_BYTES)
    regions = codes_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_CAP_BYTES:
                raise ValidationError(
                    {"file": ValidationError("文件超过 1 MB", code="emergency.cap_invalid")}
                )
            data["payload"] = upload.read()
        elif data.get("xml", "").strip():
            data["payload"] = data["xml"].strip().encode()
        else:
            raise ValidationError(
                {"xml": ValidationError("请上传 CAP 文件或粘贴报文", code="emergency.cap_invalid")}
            )
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300)


class DeclareForm(forms.Form):
    hazard = forms.ChoiceField(choices=Hazard.choices)
    title = forms.CharField(max_length=120, required=False)
    level = forms.ChoiceField(choices=[(x, x) for x in LEVELS])
    regions = codes_field()
    polygon = forms.CharField(required=False, max_length=8000)
    warning = forms.CharField(max_length=24, required=False)
    reason = forms.CharField(max_length=300)

    ERROR_FIELDS = {"area": "regions"}
    clean_polygon = WarningForm.clean_polygon


class StepForm(forms.Form):
    level = forms.CharField(max_length=4)  # "" ends
    reason = forms.CharField(max_length=300, required=False)


class ReportForm(forms.Form):
    text = forms.CharField(max_length=300)


class CheckForm(forms.Form):
    status = forms.ChoiceField(choices=[c for c in CheckStatus.choices if c[0] != CheckStatus.PENDING])
    shelter = forms.IntegerField(required=False, min_value=1)
    note = forms.CharField(required=False, max_length=300)


class TaskDoneForm(forms.Form):
    note = forms.CharField(required=False, max_length=300)


class ShelterSetupForm(forms.Form):
    facility = forms.IntegerField(min_value=1)
    capacity = forms.IntegerField(min_value=1, max_value=1_000_000)
    is_open = forms.BooleanField(required=False)


class CheckinForm(forms.Form):
    name = forms.CharField(max_length=64)
    id_number = forms.CharField(max_length=18, label="身份证号")
    household = forms.BooleanField(required=False, label="全户入住")


class SearchForm(forms.Form):
    name = forms.CharField(max_length=64)
    id_digits = forms.CharField(min_length=4, max_length=18, label="身份证号后几位")


class NearestForm(forms.Form):
    building = forms.CharField(max_length=32)


class StoreForm(forms.Form):
    region = forms.CharField(max_length=15)
    name = forms.CharField(max_length=80)
    address = forms.CharField(max_length=200, required=False)


class ReceiveForm(forms.Form):
    store = forms.IntegerField(min_value=1)
    name = forms.CharField(max_length=60)
    unit = forms.CharField(max_length=8)
    quantity = forms.IntegerField(min_value=1, max_value=10_000_000)
    expires_on = forms.DateField(required=False)


class IssueForm(forms.Form):
    supply = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(min_value=1, max_value=10_000_000)
    shelter = forms.IntegerField(required=False, min_value=1)
    household = forms.CharField(required=False, max_length=32, label="户编号")
    returned = forms.BooleanField(required=False)


class DrillForm(forms.Form):
    region = forms.CharField(max_length=15)
    held_on = forms.DateField()
    hazard = forms.ChoiceField(choices=Hazard.choices)
    scenario = forms.CharField(max_length=200)
    participants = forms.IntegerField(min_value=1, max_value=100000)
    findings = forms.CharField(required=False, max_length=4000, widget=forms.Textarea)
