"""议事协商与村(居)务公开: topics, procedures as data, meetings with attendance, votes and ballots,
resolutions followed to execution, and the public notice board.

The rules (quorum, majorities, 民法典第二百七十八条, the order of steps) live in ``engine/``; these
models hold what happened. Minutes, resolution texts, progress reports and notices are append-only:
a correction is a new row pointing at the one it corrects.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from linli.deliberation.engine import rules


class TopicScope(models.TextChoices):
    COMMUNITY = "community", "全社区（村）"
    ESTATE = "estate", "一个小区"
    BUILDING = "building", "一个楼栋"
    OWNERS = "owners", "一个楼栋的业主"


class TopicSource(models.TextChoices):
    RESIDENT = "resident", "居民提出"
    REQUEST = "request", "由诉求转来"
    COMMUNITY = "community", "社区（村）提出"


class TopicStatus(models.TextChoices):
    COLLECTING = "collecting", "征集附议中"
    ACCEPTED = "accepted", "已受理，待议"
    IN_PROCEDURE = "in_procedure", "议事中"
    RESOLVED = "resolved", "已形成决议"
    REJECTED = "rejected", "未通过"
    CLOSED = "closed", "已办结"


class Body(models.TextChoices):
    """开会的机构."""

    PARTY_BRANCH = "party_branch", "党组织会议"
    TWO_COMMITTEES = "two_committees", "两委会议"
    PARTY_MEMBERS = "party_members", "党员大会"
    REPRESENTATIVES = "representatives", "居（村）民代表会议"
    RESIDENTS = "residents", "居（村）民会议"
    OWNERS = "owners", "业主大会"
    COUNCIL = "council", "议事会"
    FOUR_PARTY = "four_party", "“四方”联席会议"


class CommunitySetting(models.Model):
    """议事规则设置 of one community: how many supporters a resident's topic needs before the community
    must take it up (as CONSUL's supports threshold), and how many proxies one attendee may hold."""

    region = models.OneToOneField(
        "regions.Region", verbose_name="社区（村）", on_delete=models.CASCADE, related_name="+"
    )
    support_threshold = models.PositiveSmallIntegerField("附议人数门槛", default=10)
    proxy_limit = models.PositiveSmallIntegerField("每人最多接受委托数", default=1)

    class Meta:
        ordering = ["region"]
        verbose_name = verbose_name_plural = "议事规则设置"
        constraints = [
            models.CheckConstraint(condition=Q(support_threshold__gte=1), name="delib_threshold_pos")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} 附议门槛 {self.support_threshold}"


class Hall(models.Model):
    """民主议事厅: the community's designated deliberation room, in one of its facilities."""

    region = models.OneToOneField(
        "regions.Region", verbose_name="社区（村）", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("名称", max_length=80)
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name="所在设施",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_on = models.DateField("启用日期", default=timezone.localdate)
    synthetic = models.BooleanField("演示数据", default=False, editable=False)

    class Meta:
        ordering = ["region"]
        verbose_name = verbose_name_plural = "民主议事厅"

    def __str__(self) -> str:
        return self.name


class OwnerShare(models.Model):
    """业主名册: one unit (专有部分) of a building, its owner and its exclusive floor area (专有部分面积).

    Built from the registry's households (which carry no floor area); the owners' votes of 民法典
    第二百七十八条 are counted by this roll: area summed per owner, one owner counted once."""

    building = models.ForeignKey(
        "registry.Building", verbose_name="楼栋", on_delete=models.PROTECT, related_name="+"
    )
    household = models.OneToOneField(
        "registry.Household", verbose_name="户（房屋）", on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        "registry.Person", verbose_name="业主", on_delete=models.PROTECT, related_name="+"
    )
    area = models.DecimalField("专有部分面积（㎡）", max_digits=9, decimal_places=2)
    synthetic = models.BooleanField("演示数据", default=False, editable=False)

    class Meta:
        ordering = ["building", "household"]
        verbose_name = verbose_name_plural = "业主名册"
        constraints = [models.CheckConstraint(condition=Q(area__gt=0), name="delib_share_area_pos")]
        indexes = [models.Index(fields=["building", "owner"], name="delib_share_bld_owner")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.area}㎡"


class Procedure(models.Model):
    """议事程序 (四议两公开, 116 工作法 …): a catalogue row; its steps are ``ProcedureStep`` rows."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    description = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = "议事程序"

    def __str__(self) -> str:
        return self.name


class ProcedureStep(models.Model):
    """One step of a procedure, in ``order``; ``body`` names who meets for it (empty: no meeting)."""

    procedure = models.ForeignKey(
        Procedure, verbose_name="程序", on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("名称", max_length=40)
    kind = models.CharField("环节", max_length=20)
    body = models.CharField("会议机构", max_length=20, choices=Body.choices, blank=True)
    required = models.BooleanField("必经", default=True)

    class Meta:
        ordering = ["procedure", "order"]
        verbose_name = verbose_name_plural = "程序步骤"
        constraints = [models.UniqueConstraint(fields=["procedure", "order"], name="delib_step_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class Counter(models.Model):
    """The last serial number given per community and year (议题编号), taken with an atomic update."""

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["region", "year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="delib_counter_unique")]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.year}: {self.last}"


class Topic(models.Model):
    """议题: a matter for collective decision, traceable from raising to result."""

    number = models.CharField("议题编号", max_length=32, unique=True)
    title = models.CharField("议题", max_length=80)
    description = models.TextField("内容", max_length=2000)
    region = models.ForeignKey(
        "regions.Region", verbose_name="社区（村）", on_delete=models.PROTECT, related_name="+"
    )
    scope = models.CharField("范围", max_length=12, choices=TopicScope.choices, default=TopicScope.COMMUNITY)
    building = models.ForeignKey(
        "registry.Building",
        verbose_name="小区/楼栋",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField("来源", max_length=12, choices=TopicSource.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="来源诉求",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出账号",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raiser = models.ForeignKey(
        "registry.Person",
        verbose_name="提出人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name="议事程序",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="topics",
    )
    status = models.CharField(
        "状态", max_length=14, choices=TopicStatus.choices, default=TopicStatus.COLLECTING
    )
    supports = models.PositiveIntegerField("附议人数", default=0)
    threshold = models.PositiveSmallIntegerField("附议门槛", default=10)
    created_at = models.DateTimeField("提出时间", default=timezone.now)
    threshold_reached_at = models.DateTimeField("达到门槛时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    synthetic = models.BooleanField("演示数据", default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "议题"
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="community") | Q(building__isnull=False), name="delib_topic_scope_building"
            ),
            models.CheckConstraint(
                condition=~Q(source="request") | Q(case__isnull=False), name="delib_topic_case"
            ),
        ]
        indexes = [models.Index(fields=["region", "status"], name="delib_topic_region_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Support(models.Model):
    """附议: one resident's support of a topic (one per person: a database rule)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="support_rows")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "附议"
        constraints = [models.UniqueConstraint(fields=["topic", "person"], name="delib_support_once")]

    def __str__(self) -> str:
        return f"{self.topic_id}←{self.person_id}"


class TopicStep(models.Model):
    """A step of the topic's procedure, recorded once and in order (append-only)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(ProcedureStep, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey("Meeting", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        ordering = ["topic", "step__order"]
        verbose_name = verbose_name_plural = "议事步骤记录"
        constraints = [models.UniqueConstraint(fields=["topic", "step"], name="delib_topic_step_once")]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.step_id}"


class Meeting(models.Model):
    """会议: called with agenda, time, place and the body that meets; signed off once by the recorder."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="meetings")
    body = models.CharField("会议机构", max_length=20, choices=Body.choices)
    agenda = models.TextField("议程", max_length=2000)
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name="地点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.CharField("地点说明", max_length=120, blank=True)
    starts_at = models.DateTimeField("开会时间")
    members = models.PositiveIntegerField("应到人数")
    quorum = models.CharField(
        "法定人数规则", max_length=12, choices=list(rules.QUORUM_LABELS.items()), default="two_thirds"
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField("签署时间", null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = verbose_name_plural = "会议"
        constraints = [models.CheckConstraint(condition=Q(members__gte=1), name="delib_meeting_members")]

    def __str__(self) -> str:
        return f"{self.get_body_display()} {self.starts_at:%Y-%m-%d}"


class Attendance(models.Model):
    """签到: a member present in person, or represented by a proxy holder (委托), one row per member."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(
        "registry.Person", verbose_name="成员", on_delete=models.PROTECT, related_name="+"
    )
    proxy = models.ForeignKey(
        "registry.Person",
        verbose_name="受托人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = verbose_name_plural = "签到"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="delib_attend_once"),
            models.CheckConstraint(condition=~Q(proxy=models.F("person")), name="delib_proxy_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.person_id}"


class RecordKind(models.TextChoices):
    MINUTES = "minutes", "会议记录"
    RESOLUTION = "resolution", "决议文本"
    CORRECTION = "correction", "更正"


class MeetingRecord(models.Model):
    """会议记录/决议文本: appended, never edited; a correction is a new row pointing at the old."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField("类别", max_length=12, choices=RecordKind.choices)
    text = models.TextField("内容", max_length=5000)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "at", "id"]
        verbose_name = verbose_name_plural = "会议记录"

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.kind}"


class VoteRule(models.TextChoices):
    SIMPLE_PRESENT = "simple_present", "实到过半数同意"
    SIMPLE_MEMBERS = "simple_members", "全体成员过半数同意"
    TWO_THIRDS_PRESENT = "two_thirds_present", "实到三分之二以上同意"
    TWO_THIRDS_MEMBERS = "two_thirds_members", "全体成员三分之二以上同意"
    ART278_ORDINARY = "art278_ordinary", "业主共同决定·一般事项（双过半）"
    ART278_SPECIAL = "art278_special", "业主共同决定·重大事项（双四分之三）"


class VoteStatus(models.TextChoices):
    OPEN = "open", "投票中"
    CLOSED = "closed", "已计票"


class Vote(models.Model):
    """表决: a question put to the entitled voters under one rule; counted from its ballots."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="votes")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="votes"
    )
    question = models.CharField("表决事项", max_length=200)
    rule = models.CharField("表决规则", max_length=20, choices=VoteRule.choices)
    secret = models.BooleanField("无记名投票", default=False)
    phone = models.BooleanField("允许手机投票", default=False)
    status = models.CharField("状态", max_length=8, choices=VoteStatus.choices, default=VoteStatus.OPEN)
    members = models.PositiveIntegerField("有表决权人数", default=0)
    total_area = models.DecimalField("总专有面积（㎡）", max_digits=14, decimal_places=2, default=0)
    closes_at = models.DateTimeField("截止时间", null=True, blank=True)
    # the result, written once when counted
    yes = models.PositiveIntegerField(default=0)
    no = models.PositiveIntegerField(default=0)
    abstain = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    yes_area = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cast_area = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    passed = models.BooleanField(null=True)
    explanation = models.TextField("计票说明", blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "表决"

    def __str__(self) -> str:
        return self.question

    @property
    def owners_vote(self) -> bool:
        return self.rule in (VoteRule.ART278_ORDINARY, VoteRule.ART278_SPECIAL)


class Entitlement(models.Model):
    """有表决权的人: the roll of a vote, fixed when it opens (owners with their summed area)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="roll")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    area = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        ordering = ["vote", "id"]
        constraints = [models.UniqueConstraint(fields=["vote", "person"], name="delib_roll_once")]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.person_id}"


class Channel(models.TextChoices):
    MEETING = "meeting", "会上表决"
    PHONE = "phone", "手机投票"
    PAPER = "paper", "纸质表决票"


class Participation(models.Model):
    """参与表决: that an entitled person has voted (one per person per vote: a database rule). For a
    secret vote this is the only link to the person; the ballot itself carries no voter."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["vote", "id"]
        constraints = [models.UniqueConstraint(fields=["vote", "person"], name="delib_participate_once")]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.person_id}"


class Ballot(models.Model):
    """选票: a choice (and, for owners, the area it weighs). ``voter`` is set for open votes only; a
    secret ballot is stored unlinked (its participation row records who voted, not how)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(max_length=8, choices=list(rules.CHOICES.items()))
    area = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    channel = models.CharField(max_length=8, choices=Channel.choices)

    class Meta:
        ordering = ["vote", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "voter"], condition=Q(voter__isnull=False), name="delib_ballot_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vote_id} {self.choice}"


class ResolutionStatus(models.TextChoices):
    EXECUTING = "executing", "执行中"
    EXECUTED = "executed", "已执行"


class Resolution(models.Model):
    """决议: what was decided, who carries it out and by when; followed to execution."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="resolutions")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="resolutions")
    vote = models.ForeignKey(Vote, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("决议内容", max_length=3000)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="责任人", on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField("完成时限")
    status = models.CharField(
        max_length=10, choices=ResolutionStatus.choices, default=ResolutionStatus.EXECUTING
    )
    percent = models.PositiveSmallIntegerField("进度（%）", default=0)
    resolved_at = models.DateTimeField("决议时间", default=timezone.now)
    executed_at = models.DateTimeField("执行完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-resolved_at", "-id"]
        verbose_name = verbose_name_plural = "决议"
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="delib_resolution_percent")]

    def __str__(self) -> str:
        return self.text[:30]


class Progress(models.Model):
    """执行进展: a report on a resolution with its evidence (append-only)."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField("进展情况", max_length=2000)
    evidence = models.CharField("佐证材料", max_length=300, blank=True)
    percent = models.PositiveSmallIntegerField("完成进度（%）")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resolution", "at", "id"]
        verbose_name = verbose_name_plural = "执行进展"
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="delib_progress_percent")]

    def __str__(self) -> str:
        return f"{self.resolution_id} {self.percent}%"


class NoticeKind(models.TextChoices):
    RESOLUTION = "resolution", "决议公开"
    RESULT = "result", "实施结果公开"
    PARTY = "party", "党务公开"
    AFFAIRS = "affairs", "居（村）务公开"
    FINANCE = "finance", "财务公开"


class Notice(models.Model):
    """公开栏: an item posted on the community's board with its posting date and the days it must stay
    posted; residents may comment or object until it comes down. Published text carries no personal data."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="社区（村）", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("公开类别", max_length=12, choices=NoticeKind.choices)
    title = models.CharField("标题", max_length=80)
    body = models.TextField("内容", max_length=5000)
    resolution = models.ForeignKey(
        Resolution, null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    posted_on = models.DateField("公开日期")
    days = models.PositiveSmallIntegerField("公示期（天）", default=7)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    synthetic = models.BooleanField("演示数据", default=False, editable=False)

    class Meta:
        ordering = ["-posted_on", "-id"]
        verbose_name = verbose_name_plural = "公开事项"
        constraints = [models.CheckConstraint(condition=Q(days__gte=1), name="delib_notice_days")]
        indexes = [models.Index(fields=["region", "posted_on"], name="delib_notice_region")]

    def __str__(self) -> str:
        return self.title

    @property
    def until(self):  # type: ignore[no-untyped-def]
        import datetime as dt

        return self.posted_on + dt.timedelta(days=self.days - 1)


class Comment(models.Model):
    """居民意见: a comment or an objection (异议) on a notice, within its posting period."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="comments")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    objection = models.BooleanField("提出异议", default=False)
    text = models.TextField("意见", max_length=1000)
    reply = models.TextField("答复", max_length=1000, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["notice", "at", "id"]
        verbose_name = verbose_name_plural = "居民意见"

    def __str__(self) -> str:
        return f"{self.notice_id} {self.person_id}"
