"""关爱巡访与政策找人: care rules, care files (电子档案/建档立卡), visits, 政策找人 alerts and referrals.

A ``CareRule`` declares a care group as data (its condition over the registry, the visit it is owed,
who visits, the policy it may qualify for); the nightly evaluation opens a ``CareFile`` for each
person a rule matches, with a ``CareMembership`` per rule (since / until). ``Visit`` rows are both the
plan (owed in a period, assigned to a worker) and its record (arrived, checklist, photos). Nothing
is deleted: a file is closed with its reason, a membership ended with its date.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from linli.care.engine.periods import FREQUENCIES


class Visitor(models.TextChoices):
    GRID_WORKER = "grid_worker", "网格员"
    CHILD_DIRECTOR = "child_director", "儿童主任"
    ASSISTANCE_ASSISTANT = "assistance_assistant", "社会救助协理员"
    SOCIAL_WORKER = "social_worker", "社会工作者"


# the posts a community designates (the grid worker is the account bound to the grid)
POST_CHOICES = [(v, label) for v, label in Visitor.choices if v != Visitor.GRID_WORKER]


class Frequency(models.TextChoices):
    NONE = "", "不需巡访（仅政策找人）"
    MONTHLY = "monthly", FREQUENCIES["monthly"]
    QUARTERLY = "quarterly", FREQUENCIES["quarterly"]


class CareRule(models.Model):
    """关爱人群规则: who is owed what, as data the district edits (not code)."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("人群名称", max_length=40, unique=True)
    description = models.CharField("口径说明", max_length=300, blank=True)
    condition = models.JSONField("条件")
    frequency = models.CharField("巡访频次", max_length=10, choices=Frequency.choices, blank=True)
    visitor = models.CharField("巡访人", max_length=24, choices=Visitor.choices, default=Visitor.GRID_WORKER)
    checklist = models.JSONField("巡访清单", default=list, blank=True)
    policy_item = models.CharField("可能符合的政策（一窗事项编码）", max_length=40, blank=True)
    policy_label = models.CharField("政策名称", max_length=40, blank=True)
    active = models.BooleanField("启用", default=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)
    updated_by = models.ForeignKey(
        "core.User", verbose_name="修改人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "关爱人群规则"
        verbose_name_plural = "关爱人群规则"
        ordering = ["sort", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=["", "monthly", "quarterly"]), name="care_rule_frequency_valid"
            ),
            models.CheckConstraint(
                condition=~Q(frequency="") | ~Q(policy_item=""), name="care_rule_visit_or_policy"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CareWorker(models.Model):
    """关爱岗位: the community's 儿童主任, 社会救助协理员 or social worker who visits its groups
    (the grid worker of the person's grid needs no designation: the account bound to the grid).
    A designation ends with its date (``until``) and stays as the post's history; never deleted."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="社区/村", on_delete=models.PROTECT, related_name="care_workers"
    )
    post = models.CharField("岗位", max_length=24, choices=Visitor.choices)
    user = models.ForeignKey(
        "core.User", verbose_name="账号", on_delete=models.PROTECT, related_name="care_posts"
    )
    since = models.DateField("任职日期", default=timezone.localdate)
    active = models.BooleanField("在岗", default=True)
    until = models.DateField("离岗日期", null=True, blank=True)
    end_reason = models.CharField("离岗原因", max_length=100, blank=True)
    assigned_by = models.ForeignKey(
        "core.User", verbose_name="指定人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        "core.User",
        verbose_name="办理离岗",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "关爱岗位"
        verbose_name_plural = "关爱岗位"
        ordering = ["region_id", "post", "-since", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "post"], condition=Q(active=True), name="care_worker_one_per_post"
            ),
            models.CheckConstraint(
                condition=Q(active=False) | Q(until__isnull=True), name="care_worker_active_not_ended"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")), name="care_worker_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.user}"


class NeedLevel(models.TextChoices):
    LOW = "low", "一般"
    MEDIUM = "medium", "较高"
    HIGH = "high", "高"


class CareFile(models.Model):
    """关爱档案 (电子档案/建档立卡): one per person ever in a care group; closed with its reason when
    they leave every group, reopened when they join one again. Never deleted."""

    person = models.OneToOneField(
        "registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="care_file"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属网格/社区", on_delete=models.PROTECT, related_name="care_files"
    )
    opened_on = models.DateField("建档日期")
    closed_on = models.DateField("结档日期", null=True, blank=True)
    closing_reason = models.CharField("结档原因", max_length=200, blank=True)
    living_conditions = models.CharField("居住情况", max_length=300, blank=True)
    health = models.CharField("健康状况", max_length=300, blank=True)
    income_source = models.CharField("经济来源", max_length=200, blank=True)
    guardians = models.CharField("监护人（儿童）", max_length=200, blank=True)
    emergency_contacts = models.CharField("紧急联系人", max_length=200, blank=True)
    need_level = models.CharField("需求等级", max_length=8, choices=NeedLevel.choices, blank=True)
    assessed_on = models.DateField("评估日期", null=True, blank=True)
    assessment = models.CharField("评估意见", max_length=500, blank=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "关爱档案"
        verbose_name_plural = "关爱档案"
        ordering = ["region_id", "id"]
        indexes = [models.Index(fields=["region", "closed_on"], name="care_file_region_open")]

    def __str__(self) -> str:
        return f"{self.person}的关爱档案"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class CareMembership(models.Model):
    """在册关爱人群: the person belongs to the rule's group from ``since`` until ``until`` (open: null),
    with the engine's explanation of the match."""

    file = models.ForeignKey(
        CareFile, verbose_name="档案", on_delete=models.PROTECT, related_name="memberships"
    )
    rule = models.ForeignKey(
        CareRule, verbose_name="人群", on_delete=models.PROTECT, related_name="memberships"
    )
    since = models.DateField("纳入日期")
    until = models.DateField("退出日期", null=True, blank=True)
    reason = models.CharField("纳入依据", max_length=200)
    end_reason = models.CharField("退出原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "关爱人群成员"
        verbose_name_plural = "关爱人群成员"
        ordering = ["file_id", "rule_id", "since"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "rule"], condition=Q(until__isnull=True), name="care_membership_one_open"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="care_membership_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.since}–{self.until or ''}"


class VisitStatus(models.TextChoices):
    DUE = "due", "待巡访"
    DONE = "done", "已巡访"
    OVERDUE = "overdue", "逾期未访"


class Visit(models.Model):
    """巡访: owed to a file for a rule in a period (the plan) and, once done, its record on the phone."""

    file = models.ForeignKey(CareFile, verbose_name="档案", on_delete=models.PROTECT, related_name="visits")
    rule = models.ForeignKey(CareRule, verbose_name="人群", on_delete=models.PROTECT, related_name="visits")
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属网格/社区", on_delete=models.PROTECT, related_name="care_visits"
    )
    period_start = models.DateField("周期开始")
    due_on = models.DateField("应访截止")
    visitor = models.CharField("巡访人类别", max_length=24, choices=Visitor.choices)
    assigned_to = models.ForeignKey(
        "core.User",
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_visits",
    )
    staff = models.ForeignKey(
        "registry.Staff",
        verbose_name="责任网格员/工作人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_visits",
    )
    status = models.CharField("状态", max_length=8, choices=VisitStatus.choices, default=VisitStatus.DUE)
    visited_at = models.DateTimeField("到访时间", null=True, blank=True)
    lat = models.FloatField("到访纬度", null=True, blank=True)
    lon = models.FloatField("到访经度", null=True, blank=True)
    answers = models.JSONField("巡访清单结果", default=dict, blank=True)
    note = models.CharField("情况记录", max_length=500, blank=True)
    next_visit_on = models.DateField("下次巡访日期", null=True, blank=True)
    recorded_by = models.ForeignKey(
        "core.User", verbose_name="记录人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "巡访"
        verbose_name_plural = "巡访"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["assigned_to", "status", "due_on"], name="care_visit_worker"),
            models.Index(fields=["period_start", "rule"], name="care_visit_period"),
            models.Index(fields=["status", "due_on"], name="care_visit_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "rule", "period_start"], name="care_visit_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["due", "done", "overdue"]), name="care_visit_status"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(visited_at__isnull=False), name="care_visit_done_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.period_start:%Y-%m}"


class VisitMonth(models.Model):
    """巡访月汇总: the visits owed in a month (by ``due_on``) per community and care group, with how many
    were done and how many missed. Kept by delta in the same transaction as every write of a visit
    (``care.services``) and rebuilt from the visits by the nightly job; the rate pages roll it up by
    region prefix instead of counting a year of visits."""

    month = models.DateField("月份")
    region_code = models.CharField("社区/村编码", max_length=12)
    rule = models.ForeignKey(CareRule, verbose_name="人群", on_delete=models.CASCADE, related_name="+")
    owed = models.IntegerField("应访", default=0)
    visited = models.IntegerField("已访", default=0)
    overdue = models.IntegerField("逾期未访", default=0)

    class Meta:
        verbose_name = "巡访月汇总"
        verbose_name_plural = "巡访月汇总"
        ordering = ["month", "region_code", "rule_id"]
        constraints = [
            models.UniqueConstraint(fields=["month", "region_code", "rule"], name="care_visit_month_key"),
        ]
        # a region's missed visits of all months (the home page's 逾期巡访) read its rows by code, not
        # the whole table (770 000 rows at city scale, bench/city.py)
        indexes = [models.Index(fields=["region_code", "month"], name="care_visit_month_region")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.month:%Y-%m} {self.visited}/{self.owed}"


class GroupCount(models.Model):
    """关爱人群人数: the open memberships per community and care group. Recounted by ``care_evaluate`` —
    the one writer of memberships — for the communities an evaluation touched (the whole table after
    the nightly evaluation of every rule), in the same transaction; the pages sum it by region prefix
    instead of counting the memberships."""

    region_code = models.CharField("社区/村编码", max_length=12)
    rule = models.ForeignKey(CareRule, verbose_name="人群", on_delete=models.CASCADE, related_name="+")
    n = models.IntegerField("人数", default=0)

    class Meta:
        verbose_name = "关爱人群人数"
        verbose_name_plural = "关爱人群人数"
        ordering = ["region_code", "rule_id"]
        constraints = [models.UniqueConstraint(fields=["region_code", "rule"], name="care_group_count_key")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.rule_id} {self.n}"


class AlertCount(models.Model):
    """政策找人待核实: the open alerts per community and care rule. Recounted by ``care_evaluate`` (which
    raises them) for the communities it raised some in, and by the nightly job; a confirm or dismiss
    takes one off in the same transaction. A street's or a city's home page sums it by region prefix
    instead of counting the open alerts (450 000 in a city)."""

    region_code = models.CharField("社区/村编码", max_length=12)
    rule = models.ForeignKey(CareRule, verbose_name="规则", on_delete=models.CASCADE, related_name="+")
    n = models.IntegerField("待核实", default=0)

    class Meta:
        verbose_name = "政策找人待核实数"
        verbose_name_plural = "政策找人待核实数"
        ordering = ["region_code", "rule_id"]
        constraints = [models.UniqueConstraint(fields=["region_code", "rule"], name="care_alert_count_key")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.rule_id} {self.n}"


class EvaluationRun(models.Model):
    """One nightly evaluation of the care rules: over every person (the first night, after a rule
    changed, or asked for), or over the persons whose match could have changed since the run before
    without a registry write telling the care module (a birthday crossing a rule's age, a tag's start
    or end date, persons and tags bulk-loaded). The marks are the largest person and tag ids at the
    start: the run after next evaluates everything above them (a day's overlap, so a load that
    committed during a run is not missed)."""

    day = models.DateField("评估日期")
    full = models.BooleanField("全量评估", default=False)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    seconds = models.FloatField("用时（秒）", default=0)
    persons = models.IntegerField("评估人数", null=True, blank=True)  # null: everyone
    person_mark = models.BigIntegerField("人员编号水位", default=0)
    tag_mark = models.BigIntegerField("标签编号水位", default=0)
    rules_key = models.CharField("规则指纹", max_length=64)

    class Meta:
        verbose_name = "关爱人群评估记录"
        verbose_name_plural = "关爱人群评估记录"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.day} {'全量' if self.full else '增量'}"


class VisitPhoto(models.Model):
    """巡访照片: re-encoded by ``core.images`` (no EXIF, no GPS)."""

    visit = models.ForeignKey(Visit, verbose_name="巡访", on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("照片", upload_to="care/%Y/%m/")
    created_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "巡访照片"
        verbose_name_plural = "巡访照片"
        ordering = ["visit_id", "id"]

    def __str__(self) -> str:
        return f"巡访照片 {self.pk}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待核实"
    CONFIRMED = "confirmed", "已发起申请"
    DISMISSED = "dismissed", "已排除"


class Alert(models.Model):
    """政策找人预警: the person may qualify for the rule's policy; the worker confirms (and starts the
    one-window application) or dismisses with a reason."""

    file = models.ForeignKey(CareFile, verbose_name="档案", on_delete=models.PROTECT, related_name="alerts")
    rule = models.ForeignKey(CareRule, verbose_name="规则", on_delete=models.PROTECT, related_name="alerts")
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属网格/社区", on_delete=models.PROTECT, related_name="care_alerts"
    )
    reason = models.CharField("依据", max_length=200)
    status = models.CharField("状态", max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    raised_on = models.DateField("预警日期")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        "core.User", verbose_name="处理人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismiss_reason = models.CharField("排除原因", max_length=200, blank=True)
    application_id = models.PositiveIntegerField("一窗办件", null=True, blank=True)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "政策找人预警"
        verbose_name_plural = "政策找人预警"
        ordering = ["-raised_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "rule"], condition=Q(status="open"), name="care_alert_one_open"
            ),
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(dismiss_reason=""), name="care_alert_dismiss_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"可能符合{self.rule.policy_label}"


class ReferralKind(models.TextChoices):
    CASE = "case", "诉求（接诉即办）"
    NEED = "need", "需求清单"
    APPLICATION = "application", "一窗受理"
    SOCIAL_CASE = "social_case", "社工个案"


class ReferralOutcome(models.TextChoices):
    OPEN = "", "办理中"
    DONE = "done", "已办结"  # the handler closed it without saying whether it was solved
    RESOLVED = "resolved", "已解决"
    PARTLY = "partly", "部分解决"
    UNRESOLVED = "unresolved", "未能解决"
    DECLINED = "declined", "本人不需要"


class Referral(models.Model):
    """转介: from a visit or a file to the handler (a request, a need, a one-window application or a
    social worker's case), shown on the file until closed with its outcome."""

    file = models.ForeignKey(
        CareFile, verbose_name="档案", on_delete=models.PROTECT, related_name="referrals"
    )
    visit = models.ForeignKey(
        Visit, verbose_name="巡访", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属网格/社区",
        on_delete=models.PROTECT,
        related_name="care_referrals",
    )
    kind = models.CharField("转介去向", max_length=12, choices=ReferralKind.choices)
    target_id = models.PositiveIntegerField("去向编号")
    summary = models.CharField("转介事由", max_length=300)
    outcome = models.CharField("结果", max_length=12, choices=ReferralOutcome.choices, blank=True)
    outcome_note = models.CharField("结果说明", max_length=300, blank=True)
    created_at = models.DateTimeField("转介时间", default=timezone.now)
    created_by = models.ForeignKey(
        "core.User", verbose_name="转介人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "转介"
        verbose_name_plural = "转介"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["case", "need", "application", "social_case"]),
                name="care_referral_kind",
            ),
            models.CheckConstraint(
                condition=Q(outcome="", closed_at__isnull=True)
                | (~Q(outcome="") & Q(closed_at__isnull=False)),
                name="care_referral_closed_with_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"转介{self.get_kind_display()}"


class SocialCase(models.Model):
    """社工个案: a social worker's care case opened by a referral ("社工+儿童主任" 精准关爱)."""

    file = models.ForeignKey(
        CareFile, verbose_name="档案", on_delete=models.PROTECT, related_name="social_cases"
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属网格/社区",
        on_delete=models.PROTECT,
        related_name="care_social_cases",
    )
    worker = models.ForeignKey(
        "core.User", verbose_name="社工", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    goal = models.CharField("服务目标", max_length=300)
    opened_at = models.DateTimeField("开案时间", default=timezone.now)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    closing_note = models.CharField("结案评估", max_length=300, blank=True)

    class Meta:
        verbose_name = "社工个案"
        verbose_name_plural = "社工个案"
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"社工个案 {self.pk}"
