"""Forms of the deliberation pages: every page input goes through one of these, then a service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from linli.deliberation.engine import rules
from linli.deliberation.models import Body, NoticeKind, Procedure, RecordKind, TopicScope, VoteRule

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ResidentTopicForm(forms.Form):
    title = forms.CharField(label="议题（一句话说清想商量的事）", max_length=80)
    description = forms.CharField(label="具体内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    scope = forms.ChoiceField(
        label="涉及范围",
        choices=[(TopicScope.COMMUNITY, "全社区（村）"), (TopicScope.BUILDING, "我住的楼栋")],
        initial=TopicScope.COMMUNITY,
    )


class StaffTopicForm(forms.Form):
    region = forms.ChoiceField(label="社区（村）")
    title = forms.CharField(label="议题", max_length=80)
    description = forms.CharField(label="内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    scope = forms.ChoiceField(label="范围", choices=TopicScope.choices)
    building = forms.CharField(
        label="小区/楼栋编码", max_length=32, required=False, help_text="范围为小区、楼栋或业主时填写"
    )
    procedure = forms.ModelChoiceField(
        label="议事程序", queryset=Procedure.objects.all(), required=False, empty_label="暂不选择"
    )

    def __init__(self, *args: object, regions: list[tuple[str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["region"].choices = regions or []  # type: ignore[attr-defined]


class FromCaseForm(forms.Form):
    case = forms.CharField(label="诉求编号", max_length=20)
    title = forms.CharField(label="议题", max_length=80)
    scope = forms.ChoiceField(label="范围", choices=TopicScope.choices)
    building = forms.CharField(label="小区/楼栋编码", max_length=32, required=False)
    procedure = forms.ModelChoiceField(
        label="议事程序", queryset=Procedure.objects.all(), required=False, empty_label="暂不选择"
    )


class AcceptForm(forms.Form):
    procedure = forms.ModelChoiceField(label="议事程序", queryset=Procedure.objects.all(), empty_label=None)


class StepForm(forms.Form):
    meeting = forms.TypedChoiceField(label="对应会议", coerce=int, required=False, empty_value=None)
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(
        self, *args: object, meetings: list[tuple[int, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["meeting"].choices = [("", "（无需会议）")] + list(meetings or [])  # type: ignore[attr-defined]


class MeetingForm(forms.Form):
    body = forms.ChoiceField(label="会议机构", choices=Body.choices)
    agenda = forms.CharField(label="议程", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    starts_at = forms.DateTimeField(
        label="开会时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    facility = forms.TypedChoiceField(label="地点（设施）", coerce=int, required=False, empty_value=None)
    place = forms.CharField(label="其他地点", max_length=120, required=False)
    members = forms.IntegerField(label="应到人数", min_value=1, max_value=100000)
    quorum = forms.ChoiceField(
        label="法定人数", choices=list(rules.QUORUM_LABELS.items()), initial="two_thirds"
    )

    def __init__(
        self, *args: object, facilities: list[tuple[int, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["facility"].choices = [("", "（在下面填写地点）")] + list(facilities or [])  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("starts_at", timezone.localtime().replace(second=0, microsecond=0))


class AttendanceForm(forms.Form):
    name = forms.CharField(label="成员姓名", max_length=64)
    proxy_name = forms.CharField(label="委托给（受托人姓名，本人到会则不填）", max_length=64, required=False)


class RecordForm(forms.Form):
    kind = forms.ChoiceField(
        label="类别",
        choices=[(RecordKind.MINUTES, "会议记录"), (RecordKind.RESOLUTION, "决议文本")],
        initial=RecordKind.MINUTES,
    )
    text = forms.CharField(label="内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class CorrectionForm(forms.Form):
    """更正 a signed meeting's record: a new record pointing at the one it corrects, never an edit."""

    corrects = forms.TypedChoiceField(label="更正哪一条记录", coerce=int)
    text = forms.CharField(
        label="更正内容",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="写明更正后的内容及原因",
    )

    def __init__(self, *args: Any, records: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["corrects"].choices = records  # type: ignore[attr-defined]


class VoteForm(forms.Form):
    question = forms.CharField(label="表决事项", max_length=200)
    rule = forms.ChoiceField(label="表决规则", choices=VoteRule.choices)
    secret = forms.BooleanField(label="无记名投票", required=False)
    phone = forms.BooleanField(label="允许居民在手机上投票", required=False)
    at_meeting = forms.BooleanField(label="在本会议上表决（按签到人员）", required=False, initial=True)
    closes_at = forms.DateTimeField(
        label="投票截止时间（可不填）",
        required=False,
        widget=DATETIME,
        help_text="到截止时间后系统自动计票；纸质票请在截止前录入。不填则由工作人员手动计票。",
    )

    def clean_closes_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("closes_at")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError("截止时间须晚于现在")
        return value


class CountsForm(forms.Form):
    yes = forms.IntegerField(label="同意", min_value=0)
    no = forms.IntegerField(label="反对", min_value=0)
    abstain = forms.IntegerField(label="弃权", min_value=0)
    invalid_ = forms.IntegerField(label="废票", min_value=0, initial=0)
    collected = forms.IntegerField(label="收回票数", min_value=0)


class PaperBallotForm(forms.Form):
    name = forms.CharField(label="业主（投票人）姓名", max_length=64)
    choice = forms.ChoiceField(label="表决意见", choices=[(k, v) for k, v in rules.CHOICES.items()])


class ResolutionForm(forms.Form):
    text = forms.CharField(label="决议内容", max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))
    responsible = forms.TypedChoiceField(label="执行责任人", coerce=int)
    due = forms.DateField(label="完成时限", widget=DATE)
    vote = forms.TypedChoiceField(label="依据的表决", coerce=int, required=False, empty_value=None)

    def __init__(
        self,
        *args: object,
        people: list[tuple[int, str]] | None = None,
        votes: list[tuple[int, str]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["responsible"].choices = list(people or [])  # type: ignore[attr-defined]
        self.fields["vote"].choices = [("", "（未表决）")] + list(votes or [])  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("due", timezone.localdate() + dt.timedelta(days=30))


class ProgressForm(forms.Form):
    text = forms.CharField(label="进展情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    percent = forms.IntegerField(label="完成进度（%）", min_value=0, max_value=100)
    evidence = forms.CharField(label="佐证材料（验收记录、照片说明等）", max_length=300, required=False)


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label="公开类别", choices=NoticeKind.choices)
    title = forms.CharField(label="标题", max_length=80)
    body = forms.CharField(label="内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    days = forms.IntegerField(label="公示期（天）", min_value=1, max_value=365, initial=7)
    resolution = forms.TypedChoiceField(label="对应决议", coerce=int, required=False, empty_value=None)

    def __init__(
        self, *args: object, resolutions: list[tuple[int, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["resolution"].choices = [("", "（无）")] + list(resolutions or [])  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    text = forms.CharField(label="我的意见", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    objection = forms.BooleanField(label="我对此有异议", required=False)


class SettingForm(forms.Form):
    support_threshold = forms.IntegerField(label="居民议题附议人数门槛", min_value=1, max_value=10000)
    proxy_limit = forms.IntegerField(label="每人最多接受委托数", min_value=0, max_value=50)


class ChoiceForm(forms.Form):
    choice = forms.ChoiceField(choices=[("yes", "同意"), ("no", "反对"), ("abstain", "弃权")])


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="答复",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="答复将显示在公开栏该条意见下方，请勿写电话、身份证号码。",
    )
