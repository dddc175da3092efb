"""The volunteers pages' forms: each one's ``values()`` are the keyword arguments of one service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from linli.services.models import TaxonomyTerm
from linli.volunteers.models import LANGUAGES, SKILLS, NoteKind, Period, Team

WEEKDAYS = [(1, "周一"), (2, "周二"), (3, "周三"), (4, "周四"), (5, "周五"), (6, "周六"), (7, "周日")]
DT_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def error_messages(form: forms.Form) -> list[str]:
    return [str(m) for errors in form.errors.values() for m in errors]


class RegisterForm(forms.Form):
    """实名注册 (the resident's own, or a worker's on their behalf)."""

    skills = forms.MultipleChoiceField(
        label="技能特长",
        choices=[(s, s) for s in SKILLS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label="会说的语言",
        choices=[(s, s) for s in LANGUAGES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=["普通话"],
    )
    available_days = forms.TypedMultipleChoiceField(
        label="可服务的日子",
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    available_period = forms.ChoiceField(label="可服务的时段", choices=Period.choices, initial=Period.ANY)
    service_areas = forms.ModelMultipleChoiceField(
        label="愿意参与的服务领域",
        queryset=TaxonomyTerm.objects.filter(parent__isnull=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_distance_m = forms.TypedChoiceField(
        label="愿意前往的距离",
        coerce=int,
        initial=2000,
        choices=[
            (500, "500 米内"),
            (1000, "1 公里内"),
            (2000, "2 公里内"),
            (5000, "5 公里内"),
            (10000, "10 公里内"),
        ],
    )
    party_member = forms.BooleanField(label="我是中共党员", required=False)
    consent = forms.BooleanField(label="我已阅读并同意上述告知", required=False)

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class PersonPickForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)


class ActivityForm(forms.Form):
    title = forms.CharField(label="活动名称", max_length=100)
    category = forms.ModelChoiceField(label="服务领域", queryset=TaxonomyTerm.objects.all(), required=False)
    place = forms.CharField(label="地点", max_length=120)
    starts_at = forms.DateTimeField(label="开始时间", widget=DT_WIDGET, input_formats=DT_FORMATS)
    ends_at = forms.DateTimeField(label="结束时间", widget=DT_WIDGET, input_formats=DT_FORMATS)
    positions = forms.CharField(
        label="岗位与人数",
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="服务：5",
        help_text="每行一个岗位，写成“岗位：人数”，如“陪伴聊天：4”",
    )
    description = forms.CharField(
        label="活动内容", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    team = forms.ModelChoiceField(label="发起队伍", queryset=Team.objects.none(), required=False)
    min_age = forms.IntegerField(label="最低年龄", min_value=0, max_value=120, required=False)
    max_age = forms.IntegerField(label="最高年龄", min_value=0, max_value=120, required=False)
    party_only = forms.BooleanField(label="仅限党员", required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    need = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def clean_positions(self) -> list[tuple[str, int]]:
        out = []
        for line in self.cleaned_data["positions"].splitlines():
            line = line.strip()
            if not line:
                continue
            name, sep, num = line.replace(":", "：").rpartition("：")
            if not sep or not num.strip().isdigit():
                raise ValidationError(f"“{line}”应写成“岗位：人数”", code="activity.positions_invalid")
            out.append((name.strip(), int(num.strip())))
        return out

    def values(self) -> dict[str, Any]:
        v = dict(self.cleaned_data)
        v.pop("need", None)
        return v


class SignupForm(forms.Form):
    position = forms.IntegerField(label="岗位")


class SignInForm(forms.Form):
    code = forms.CharField(label="签到码", max_length=6, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)


class ConfirmForm(forms.Form):
    signup = forms.IntegerField(widget=forms.HiddenInput)
    started_at = forms.DateTimeField(label="开始", widget=DT_WIDGET, input_formats=DT_FORMATS, required=False)
    ended_at = forms.DateTimeField(label="结束", widget=DT_WIDGET, input_formats=DT_FORMATS, required=False)


class RecordForm(forms.Form):
    """Office mode: hours recorded by a worker for a volunteer who is not online."""

    started_at = forms.DateTimeField(label="开始时间", widget=DT_WIDGET, input_formats=DT_FORMATS)
    ended_at = forms.DateTimeField(label="结束时间", widget=DT_WIDGET, input_formats=DT_FORMATS)
    content = forms.CharField(label="服务内容", max_length=200)


class CorrectForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    started_at = forms.DateTimeField(
        label="更正后开始", widget=DT_WIDGET, input_formats=DT_FORMATS, required=False
    )
    ended_at = forms.DateTimeField(
        label="更正后结束", widget=DT_WIDGET, input_formats=DT_FORMATS, required=False
    )
    void = forms.BooleanField(label="作废此记录", required=False)
    reason = forms.CharField(label="更正原因", max_length=200)


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=NoteKind.choices)
    title = forms.CharField(label="内容", max_length=200)
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))


class TeamForm(forms.Form):
    name = forms.CharField(label="队名", max_length=80)
    party_team = forms.BooleanField(label="党员志愿服务队", required=False)
    leader = forms.CharField(label="队长（志愿者编号）", max_length=24, required=False)
    description = forms.CharField(label="简介", max_length=300, required=False)


class MemberForm(forms.Form):
    volunteer = forms.CharField(label="志愿者编号", max_length=24)


class DualReportForm(forms.Form):
    work_unit_name = forms.CharField(label="工作单位", max_length=120)
    posts = forms.CharField(
        label="认领岗位", max_length=200, help_text="多个岗位用逗号分开，如：楼栋联络员，政策宣讲"
    )

    def values(self) -> dict[str, Any]:
        raw = self.cleaned_data["posts"].replace("，", ",").replace("、", ",")
        return {
            "work_unit_name": self.cleaned_data["work_unit_name"],
            "posts": [p for p in raw.split(",") if p.strip()],
        }


class AmountField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=6, decimal_places=1, min_value=Decimal("0.1"), **kwargs)


class SpendForm(forms.Form):
    volunteer = forms.CharField(label="志愿者编号", max_length=24)
    amount = AmountField(label="兑换时长（小时）")
    note = forms.CharField(label="兑换的服务", max_length=200)


class DonateForm(forms.Form):
    amount = AmountField(label="转赠时长（小时）")
    to = forms.TypedChoiceField(label="转赠给", coerce=int, choices=[(0, "社区公益池")])

    def __init__(self, *args: Any, family: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(0, "社区公益池"), *family]  # type: ignore[attr-defined]


class ThresholdForm(forms.Form):
    star1 = forms.DecimalField(label="一星（小时）", min_value=1, max_digits=7, decimal_places=1)
    star2 = forms.DecimalField(label="二星", min_value=1, max_digits=7, decimal_places=1)
    star3 = forms.DecimalField(label="三星", min_value=1, max_digits=7, decimal_places=1)
    star4 = forms.DecimalField(label="四星", min_value=1, max_digits=7, decimal_places=1)
    star5 = forms.DecimalField(label="五星", min_value=1, max_digits=7, decimal_places=1)
    ERROR_FIELDS = {"hours": "star1"}

    def hours(self) -> list[Decimal]:
        return [self.cleaned_data[f"star{i}"] for i in range(1, 6)]


class RuleForm(forms.Form):
    overdraft_limit = forms.DecimalField(
        label="允许透支（小时）", min_value=0, max_value=100, max_digits=6, decimal_places=1, initial=0
    )
    expire_after_months = forms.IntegerField(
        label="有效期（月，0 为长期有效）", min_value=0, max_value=240, initial=0
    )


class VerifyForm(forms.Form):
    code = forms.CharField(label="验证码", max_length=12, min_length=4)


class RangeForm(forms.Form):
    q = forms.CharField(required=False, max_length=40)
