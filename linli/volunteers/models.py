"""志愿服务与时间银行: registered volunteers, teams, activities, hours records, star levels, proofs and
the time bank's double-entry ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from linli.volunteers.engine.stars import STAR_NAMES


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """History is kept: rows of these tables are never updated or deleted in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("只追加的记录不可修改：请新增一条更正记录")

    def delete(self) -> tuple[int, dict[str, int]]:  # type: ignore[override]
        raise TypeError("只追加的记录不可删除")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("只追加的记录不可修改：请新增一条更正记录")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("只追加的记录不可删除")


class Period(models.TextChoices):
    ANY = "any", "不限"
    MORNING = "morning", "上午"
    AFTERNOON = "afternoon", "下午"
    EVENING = "evening", "晚上"


class RegisteredBy(models.TextChoices):
    SELF = "self", "本人注册"
    OFFICE = "office", "社区代为登记"


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    WITHDRAWN = "withdrawn", "已注销"


SKILLS = [
    "陪伴聊天",
    "助老助残",
    "家政保洁",
    "维修",
    "医疗护理",
    "心理疏导",
    "法律咨询",
    "文艺",
    "教育辅导",
    "应急救援",
    "驾驶",
    "摄影宣传",
    "信息技术",
]
LANGUAGES = ["普通话", "闽南话", "客家话", "粤语", "英语", "手语"]
CONSENT_TEXT = (
    "本人自愿注册为志愿者，同意社区依照《志愿服务条例》和《志愿服务记录与证明出具办法（试行）》"
    "记录本人的志愿服务信息，并用于志愿服务的组织、记录和证明出具。"
)


class Volunteer(models.Model):
    """注册志愿者: a registry person who has registered (real name) as a volunteer, with consent."""

    person = models.OneToOneField(
        "registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="volunteer"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属社区", on_delete=models.PROTECT, related_name="volunteers"
    )
    number = models.CharField("志愿者编号", max_length=24, unique=True)
    status = models.CharField(
        "状态", max_length=10, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE
    )
    registered_by = models.CharField("注册方式", max_length=8, choices=RegisteredBy.choices)
    registered_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    consent_at = models.DateTimeField("同意记录时间")
    consent_text = models.TextField("同意内容")
    skills = models.JSONField("技能特长", default=list, blank=True)
    languages = models.JSONField("语言", default=list, blank=True)
    available_days = models.JSONField("可服务的星期", default=list, blank=True)  # ISO weekdays 1–7
    available_period = models.CharField(
        "可服务时段", max_length=10, choices=Period.choices, default=Period.ANY
    )
    service_areas = models.ManyToManyField(
        "services.TaxonomyTerm", verbose_name="服务领域", blank=True, related_name="volunteers"
    )
    preferred_distance_m = models.PositiveIntegerField("愿意前往的距离（米）", default=2000)
    party_member = models.BooleanField("中共党员", default=False)
    registered_at = models.DateTimeField("注册时间", default=timezone.now, db_index=True)
    source = models.CharField("来源", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "注册志愿者"
        ordering = ["-registered_at", "pk"]
        indexes = [models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.masked_name}"

    @property
    def masked_name(self) -> str:
        name = self.person.name
        return name[:1] + "*" * (len(name) - 1) if name else ""


class Team(models.Model):
    """志愿服务队: a team of a community or an organisation, with a leader; may be a 党员志愿服务队."""

    name = models.CharField("队名", max_length=80)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属社区", on_delete=models.PROTECT, related_name="volunteer_teams"
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name="所属组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    leader = models.ForeignKey(
        Volunteer,
        verbose_name="队长",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )
    members = models.ManyToManyField(
        Volunteer, verbose_name="队员", through="TeamMember", related_name="teams"
    )
    party_team = models.BooleanField("党员志愿服务队", default=False)
    description = models.CharField("简介", max_length=300, blank=True)
    created_at = models.DateTimeField("成立时间", default=timezone.now)
    source = models.CharField("来源", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "志愿服务队"
        ordering = ["region__code", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="volunteers_team_name_unique")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """志愿服务队队员."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField("加入时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "队员"
        ordering = ["team", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="volunteers_member_unique")]

    def __str__(self) -> str:
        return f"{self.team} · {self.volunteer}"


class DualReport(models.Model):
    """在职党员双报到: a party member working elsewhere reports to the community where they live and
    claims posts (设岗定责); their hours are reported back to the work unit."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="dual_reports"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="报到社区", on_delete=models.PROTECT, related_name="+"
    )
    work_unit = models.ForeignKey(
        "registry.Organisation",
        verbose_name="工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    work_unit_name = models.CharField("工作单位名称", max_length=120)
    posts = models.JSONField("认领岗位", default=list)
    reported_at = models.DateTimeField("报到时间", default=timezone.now)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "在职党员双报到"
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "region"], condition=Q(active=True), name="volunteers_dualreport_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} → {self.region}"


class ActivityStatus(models.TextChoices):
    PUBLISHED = "published", "招募中"
    CLOSED = "closed", "已结束"
    CANCELLED = "cancelled", "已取消"


class Activity(models.Model):
    """志愿活动: published by a community, team or organisation, with place, time, positions, numbers
    and eligibility; residents sign up and sign in and out on the spot."""

    title = models.CharField("活动名称", max_length=100)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属社区",
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
    )
    team = models.ForeignKey(
        Team,
        verbose_name="发起队伍",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name="发起组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    need = models.ForeignKey(
        "services.Need",
        verbose_name="来源需求",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.ForeignKey(
        "services.TaxonomyTerm",
        verbose_name="服务领域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField("活动内容", max_length=500, blank=True)
    place = models.CharField("地点", max_length=120)
    lat = models.FloatField("纬度（WGS-84）", null=True, blank=True)
    lon = models.FloatField("经度（WGS-84）", null=True, blank=True)
    radius_m = models.PositiveIntegerField("签到范围（米）", default=300)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间")
    min_age = models.PositiveSmallIntegerField("最低年龄", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("最高年龄", null=True, blank=True)
    party_only = models.BooleanField("仅限党员", default=False)
    checkin_code = models.CharField("现场签到码", max_length=6)
    status = models.CharField(
        "状态", max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PUBLISHED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="组织者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("发布时间", default=timezone.now)
    source = models.CharField("来源", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "志愿活动"
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="volunteers_activity_span"),
        ]

    def __str__(self) -> str:
        return self.title


class Position(models.Model):
    """活动岗位: a post of an activity and how many are needed."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="positions")
    name = models.CharField("岗位", max_length=40)
    needed = models.PositiveSmallIntegerField("需要人数")

    class Meta:
        verbose_name = verbose_name_plural = "活动岗位"
        ordering = ["activity", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "name"], name="volunteers_position_unique"),
            models.CheckConstraint(condition=Q(needed__gt=0), name="volunteers_position_needed"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.needed}人）"


class SignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", "已报名"
    CANCELLED = "cancelled", "已取消"


class Signup(models.Model):
    """活动报名 with the sign-in and sign-out on the spot."""

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="signups"
    )
    position = models.ForeignKey(
        Position, verbose_name="岗位", on_delete=models.PROTECT, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="signups"
    )
    status = models.CharField(
        "状态", max_length=10, choices=SignupStatus.choices, default=SignupStatus.SIGNED_UP
    )
    signed_up_at = models.DateTimeField("报名时间", default=timezone.now)
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    signed_in_by = models.CharField("签到方式", max_length=10, blank=True)  # "position" | "code" | "office"
    signed_out_at = models.DateTimeField("签退时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "活动报名"
        ordering = ["activity", "signed_up_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"],
                condition=Q(status="signed_up"),
                name="volunteers_signup_once",
            ),
            models.CheckConstraint(
                condition=Q(signed_out_at__isnull=True)
                | Q(signed_in_at__isnull=False, signed_out_at__gt=F("signed_in_at")),
                name="volunteers_signout_after_signin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.volunteer}"


class ServiceRecord(AppendOnly):
    """志愿服务记录: hours that count — who, which activity, start and end, hours, confirmed by whom and
    when. Append-only: a correction is a new record pointing at the old one (``corrects``); a record
    with 0 hours that corrects another voids it."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="records"
    )
    activity = models.ForeignKey(
        Activity, verbose_name="活动", null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    signup = models.ForeignKey(
        Signup, verbose_name="报名", null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    content = models.CharField("服务内容", max_length=200)
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间")
    hours = models.DecimalField("服务时长（小时）", max_digits=6, decimal_places=1)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField("确认时间", default=timezone.now)
    corrects = models.OneToOneField(
        "self",
        verbose_name="更正的记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
    )
    reason = models.CharField("更正原因", max_length=200, blank=True)
    source = models.CharField("来源", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "志愿服务记录"
        ordering = ["-started_at", "pk"]
        indexes = [models.Index(fields=["volunteer", "started_at"]), models.Index(fields=["started_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__gt=F("started_at")), name="volunteers_record_span"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="volunteers_record_hours"),
            models.UniqueConstraint(
                fields=["signup"],
                condition=Q(corrects__isnull=True),
                name="volunteers_record_once_per_signup",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.started_at:%Y-%m-%d} {self.hours}小时"


class NoteKind(models.TextChoices):
    TRAINING = "training", "培训情况"
    AWARD = "award", "表彰奖励情况"
    EVALUATION = "evaluation", "评价情况"


class VolunteerNote(AppendOnly):
    """The record's other parts the 办法 lists: 培训情况、表彰奖励情况和评价情况."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="notes"
    )
    kind = models.CharField("类别", max_length=12, choices=NoteKind.choices)
    title = models.CharField("内容", max_length=200)
    on = models.DateField("日期")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "培训、表彰与评价"
        ordering = ["-on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}"


class StarThreshold(models.Model):
    """星级标准: the hours a region requires for each star level (editable data; nearest region up wins)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="地区", on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveSmallIntegerField("星级")
    hours = models.DecimalField("累计时长（小时）", max_digits=7, decimal_places=1)

    class Meta:
        verbose_name = verbose_name_plural = "星级标准"
        ordering = ["region", "level"]
        constraints = [
            models.UniqueConstraint(fields=["region", "level"], name="volunteers_star_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="volunteers_star_level"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="volunteers_star_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {STAR_NAMES.get(self.level)} {self.hours}小时"


class StarReached(models.Model):
    """A star level a volunteer reached, kept to notify them once (the level itself is always derived)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="stars_reached")
    level = models.PositiveSmallIntegerField("星级")
    reached_at = models.DateTimeField("达到时间", default=timezone.now)
    seen = models.BooleanField("已读", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "星级通知"
        ordering = ["-reached_at"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "level"], name="volunteers_star_reached_once")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {STAR_NAMES.get(self.level)}"


class ProofCounter(models.Model):
    """The year's last 志愿服务证明 serial, incremented and read in one statement."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "证明编号计数"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Proof(AppendOnly):
    """志愿服务证明: issued to a volunteer with a serial and a verification code anyone can check."""

    serial = models.CharField("证明编号", max_length=24, unique=True)
    verify_code = models.CharField("验证码", max_length=12, unique=True)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="proofs"
    )
    period_from = models.DateField("服务起始日期", null=True, blank=True)
    period_to = models.DateField("服务截止日期")
    hours = models.DecimalField("累计服务时长", max_digits=8, decimal_places=1)
    records = models.PositiveIntegerField("服务记录条数")
    issuer = models.CharField("出具单位", max_length=120)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="出具人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField("出具时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "志愿服务证明"
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.serial


class AccountKind(models.TextChoices):
    PERSON = "person", "个人账户"
    POOL = "pool", "社区公益池"
    ISSUER = "issuer", "发放账户"
    EXPIRY = "expiry", "清零账户"


class Account(models.Model):
    """时间银行账户. The balance is never stored: it is derived from the movements."""

    kind = models.CharField("类型", max_length=8, choices=AccountKind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name="地区", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name="户主",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="time_accounts",
    )
    created_at = models.DateTimeField("开户时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "时间银行账户"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(kind="person"), name="volunteers_account_person_once"
            ),
            models.UniqueConstraint(
                fields=["region", "kind"], condition=~Q(kind="person"), name="volunteers_account_region_once"
            ),
            models.CheckConstraint(
                condition=Q(kind="person", person__isnull=False)
                | (~Q(kind="person") & Q(person__isnull=True)),
                name="volunteers_account_owner",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == AccountKind.PERSON and self.person_id:
            name = self.person.name  # type: ignore[union-attr]
            return f"{name[:1]}{'*' * (len(name) - 1)}的账户"
        return f"{self.region.name}{self.get_kind_display()}"


class MovementKind(models.TextChoices):
    EARNED = "earned", "服务获得"
    SPENT = "spent", "兑换服务"
    DONATED = "donated", "转赠"
    EXPIRED = "expired", "到期清零"


class Movement(AppendOnly):
    """时间银行流水: ``amount`` hours from ``debit`` to ``credit``. Append-only; never updated."""

    debit = models.ForeignKey(
        Account, verbose_name="转出账户", on_delete=models.PROTECT, related_name="debits"
    )
    credit = models.ForeignKey(
        Account, verbose_name="转入账户", on_delete=models.PROTECT, related_name="credits"
    )
    amount = models.DecimalField("时长（小时）", max_digits=8, decimal_places=1)
    kind = models.CharField("类型", max_length=8, choices=MovementKind.choices)
    record = models.ForeignKey(
        ServiceRecord,
        verbose_name="服务记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "时间银行流水"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="volunteers_movement_amount_positive"),
            models.CheckConstraint(condition=~Q(debit=F("credit")), name="volunteers_movement_two_accounts"),
            models.UniqueConstraint(
                fields=["record"], condition=Q(kind="earned"), name="volunteers_movement_earned_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}小时"


class TimeBankRule(models.Model):
    """The region's time-bank rule: how far a person's account may be overdrawn, when credits expire."""

    region = models.OneToOneField(
        "regions.Region", verbose_name="地区", on_delete=models.CASCADE, related_name="+"
    )
    overdraft_limit = models.DecimalField(
        "允许透支（小时）", max_digits=6, decimal_places=1, default=Decimal(0)
    )
    expire_after_months = models.PositiveSmallIntegerField("有效期（月，0 为长期有效）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "时间银行规则"
        ordering = ["region"]
        constraints = [
            models.CheckConstraint(condition=Q(overdraft_limit__gte=0), name="volunteers_rule_limit")
        ]

    def __str__(self) -> str:
        return f"{self.region} 透支上限 {self.overdraft_limit}"
