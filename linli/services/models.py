"""三项清单与随约服务: the service directory, needs, resources, projects, bookings and one-window items.

The plans ask each community to keep three lists — the residents' needs (居民需求清单), the
community's resources (社区资源清单) and the service projects that answer them (服务项目清单) — and to
match them; residents book services at any time (随约服务); government service items are taken in at
one window (一窗受理) and approved in the back office. The directory is exchanged as Open Referral
HSDS 3.0 (``linli.services.hsds``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class TaxonomyTerm(models.Model):
    """服务分类: the service areas the plans name (养老, 托育, 助残 …); data, loaded by migration."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.CharField("说明", max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    uuid = models.UUIDField("HSDS 标识", default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = verbose_name_plural = "服务分类"

    def __str__(self) -> str:
        return self.name


class ServiceKind(models.TextChoices):
    PUBLIC = "public", "公共服务"
    CONVENIENCE = "convenience", "便民服务"
    VOLUNTEER = "volunteer", "志愿服务"


class FeeKind(models.TextChoices):
    FREE = "free", "免费"
    LOW = "low", "低偿"
    PAID = "paid", "收费"


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", "提供中"
    SUSPENDED = "suspended", "暂停"
    CLOSED = "closed", "已停止"


class Service(models.Model):
    """服务: one service of the directory, given by a provider at a place on a weekly schedule.

    ``region`` is the service area: residents living in its subtree may use it. ``weekly_hours`` maps
    ISO weekday ("1"…"7") to opening intervals ``[["08:30", "11:30"], …]``; ``exceptions`` lists days
    closed or with other hours (``{"date": "2026-10-01", "closed": true, "note": "国庆"}``). Each slot
    of ``slot_minutes`` takes ``capacity`` bookings. ``eligible_tags`` are registry tag kinds (and the
    derived ``elderly_60``/``elderly_80``); a resident qualifies with any one of them.
    """

    uuid = models.UUIDField("HSDS 标识", default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("服务名称", max_length=120)
    description = models.TextField("服务内容", blank=True)
    kind = models.CharField("服务类型", max_length=12, choices=ServiceKind.choices)
    category = models.ForeignKey(
        TaxonomyTerm, verbose_name="服务分类", on_delete=models.PROTECT, related_name="services"
    )
    provider = models.ForeignKey(
        "registry.Organisation",
        verbose_name="提供单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="服务区域", on_delete=models.PROTECT, related_name="services"
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name="服务设施",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
    )
    address = models.CharField("服务地点", max_length=200, blank=True)
    lat = models.FloatField("纬度（WGS-84）", null=True, blank=True)
    lon = models.FloatField("经度（WGS-84）", null=True, blank=True)
    weekly_hours = models.JSONField("每周服务时间", default=dict, blank=True)
    exceptions = models.JSONField("例外日期", default=list, blank=True)
    slot_minutes = models.PositiveSmallIntegerField("每个时段（分钟）", default=60)
    capacity = models.PositiveIntegerField("每时段名额", default=1)
    bookable = models.BooleanField("可网上预约", default=True)
    eligible_tags = models.JSONField("服务对象（标签）", default=list, blank=True)
    min_age = models.PositiveSmallIntegerField("最低年龄", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("最高年龄", null=True, blank=True)
    fee_kind = models.CharField("收费方式", max_length=8, choices=FeeKind.choices, default=FeeKind.FREE)
    fee_amount = models.DecimalField("收费金额（元）", max_digits=9, decimal_places=2, null=True, blank=True)
    fee_note = models.CharField("收费说明", max_length=200, blank=True)
    contact_name = models.CharField("联系人", max_length=64, blank=True)
    contact_phone = models.CharField("服务电话", max_length=32, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    rating_count = models.PositiveIntegerField("评价数", default=0)
    rating_good = models.PositiveIntegerField("好评数", default=0)
    source = models.CharField("数据来源", max_length=20, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["category__sort", "name", "id"]
        verbose_name = verbose_name_plural = "服务"
        indexes = [models.Index(fields=["status", "category"], name="service_status_category")]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="service_capacity_positive"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="service_slot_minutes_min"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(min_age__lte=F("max_age")),
                name="service_age_range",
            ),
            models.CheckConstraint(
                condition=Q(fee_amount__isnull=True) | Q(fee_amount__gte=0), name="service_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(rating_good__lte=F("rating_count")), name="service_rating_good_le_count"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def satisfaction(self) -> float | None:
        """满意率: share of good ratings (4–5 stars), None before the first rating."""
        return self.rating_good / self.rating_count if self.rating_count else None

    @property
    def point(self) -> tuple[float, float] | None:
        if self.lat is not None and self.lon is not None:
            return (self.lat, self.lon)
        if (
            self.facility_id
            and self.facility
            and self.facility.lat is not None
            and self.facility.lon is not None
        ):
            return (self.facility.lat, self.facility.lon)
        return None

    @property
    def place(self) -> str:
        if self.facility_id and self.facility:
            return self.facility.name + (f"（{self.facility.address}）" if self.facility.address else "")
        return self.address


class SlotStatus(models.TextChoices):
    OPEN = "open", "可预约"
    CLOSED = "closed", "停约"


class Slot(models.Model):
    """预约时段: one period of a service with its places. ``booked`` never exceeds ``capacity``."""

    service = models.ForeignKey(Service, verbose_name="服务", on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("名额")
    booked = models.PositiveIntegerField("已约", default=0)
    status = models.CharField("状态", max_length=8, choices=SlotStatus.choices, default=SlotStatus.OPEN)

    class Meta:
        ordering = ["starts_at", "service_id"]
        verbose_name = verbose_name_plural = "预约时段"
        constraints = [
            models.UniqueConstraint(fields=["service", "starts_at"], name="slot_service_start_unique"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{local:%Y-%m-%d %H:%M}–{timezone.localtime(self.ends_at):%H:%M}"

    @property
    def left(self) -> int:
        return self.capacity - self.booked


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "已预约"
    CONFIRMED = "confirmed", "已确认"
    SERVED = "served", "已服务"
    CANCELLED = "cancelled", "已取消"
    NO_SHOW = "no_show", "未到"


ACTIVE_BOOKING = [BookingStatus.BOOKED, BookingStatus.CONFIRMED]


class Booking(models.Model):
    """预约: a resident's place in a slot; after the service, its record and the resident's rating."""

    slot = models.ForeignKey(Slot, verbose_name="时段", on_delete=models.PROTECT, related_name="bookings")
    service = models.ForeignKey(
        Service, verbose_name="服务", on_delete=models.PROTECT, related_name="bookings"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name="预约人", on_delete=models.PROTECT, related_name="service_bookings"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("预约时间", default=timezone.now)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    served_at = models.DateTimeField("服务时间", null=True, blank=True)
    service_record = models.CharField("服务记录", max_length=500, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    rating = models.PositiveSmallIntegerField("评价（1–5 星）", null=True, blank=True)
    rating_comment = models.CharField("评价内容", max_length=300, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    source = models.CharField("数据来源", max_length=20, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "预约"
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "person"],
                condition=Q(status__in=["booked", "confirmed"]),
                name="booking_one_active_per_person_slot",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="booking_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.slot}"


class NeedSource(models.TextChoices):
    REQUEST = "request", "居民申请"
    VISIT = "visit", "走访发现"
    SURVEY = "survey", "问卷调查"
    STAFF = "staff", "工作人员录入"


class Urgency(models.TextChoices):
    LOW = "low", "一般"
    NORMAL = "normal", "较急"
    HIGH = "high", "紧急"


class NeedStatus(models.TextChoices):
    OPEN = "open", "待对接"
    MATCHED = "matched", "已对接"
    SERVED = "served", "已服务"
    CLOSED = "closed", "已关闭"


class Period(models.TextChoices):
    ANY = "any", "不限"
    MORNING = "morning", "上午"
    AFTERNOON = "afternoon", "下午"
    EVENING = "evening", "晚上"


class Need(models.Model):
    """居民需求: what a resident needs (or a group, when no person), from where, how urgently, when.

    ``groups`` is the person's target groups when recorded (tag kinds, ``elderly_60`` …), kept so
    that the needs list can be counted by group without reading tags again.
    """

    person = models.ForeignKey(
        "registry.Person",
        verbose_name="居民",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_needs",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属社区/网格", on_delete=models.PROTECT, related_name="service_needs"
    )
    source = models.CharField("来源", max_length=10, choices=NeedSource.choices)
    category = models.ForeignKey(
        TaxonomyTerm, verbose_name="需求类别", on_delete=models.PROTECT, related_name="needs"
    )
    description = models.CharField("需求内容", max_length=500)
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.LOW)
    preferred_days = models.JSONField("希望的星期", default=list, blank=True)  # ISO weekdays 1–7
    preferred_period = models.CharField(
        "希望的时段", max_length=10, choices=Period.choices, default=Period.ANY
    )
    groups = models.JSONField("人群", default=list, blank=True)
    status = models.CharField("状态", max_length=8, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    matched_service = models.ForeignKey(
        Service, verbose_name="对接服务", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_resource = models.ForeignKey(
        "Resource",
        verbose_name="对接资源",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    booking = models.ForeignKey(
        Booking, verbose_name="预约", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    match_note = models.CharField("对接说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_label = models.CharField("数据来源", max_length=20, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "居民需求"
        indexes = [models.Index(fields=["status", "category"], name="need_status_category")]
        constraints = [
            # the same need recorded twice while the first is still open (a double submission, two
            # workers at once): only open needs count, a closed or served one may be recorded again
            models.UniqueConstraint(
                fields=["person", "category", "description"],
                condition=Q(status="open", person__isnull=False),
                name="need_one_open_per_person_text",
                violation_error_code="need.duplicate",
                violation_error_message="已登记过相同的需求，尚未对接",
            ),
            models.UniqueConstraint(
                fields=["region", "category", "description"],
                condition=Q(status="open", person__isnull=True),
                name="need_one_open_per_group_text",
                violation_error_code="need.duplicate",
                violation_error_message="已登记过相同的需求，尚未对接",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}：{self.description[:20]}"


class ResourceKind(models.TextChoices):
    SPACE = "space", "场地"
    FUND = "fund", "资金"
    GOODS = "goods", "物资"
    SKILL = "skill", "技能"
    TIME = "time", "时间（志愿）"


class OfferedBy(models.TextChoices):
    RESIDENT_UNIT = "resident_unit", "驻区单位"
    ORGANISATION = "organisation", "社会组织"
    VOLUNTEER = "volunteer", "志愿者"
    RESIDENT = "resident", "居民"


class ResourceStatus(models.TextChoices):
    AVAILABLE = "available", "可用"
    IN_USE = "in_use", "使用中"
    WITHDRAWN = "withdrawn", "已撤回"


class Resource(models.Model):
    """社区资源: a space with hours, funds, goods, a skill or time that someone offers the community.

    ``matched`` counts the needs it answers (matched or served); a need takes a share with one
    conditional ``UPDATE … SET matched = matched + 1 WHERE matched < capacity`` and the CHECK
    ``matched <= capacity`` stands behind it, as with a slot's places. One provider offers a resource
    of a name once per community while it is not withdrawn.
    """

    name = models.CharField("资源名称", max_length=120)
    kind = models.CharField("资源类型", max_length=8, choices=ResourceKind.choices)
    offered_by = models.CharField("提供方类型", max_length=16, choices=OfferedBy.choices)
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name="提供单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_resources",
    )
    provider_name = models.CharField("提供方", max_length=120)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属社区", on_delete=models.PROTECT, related_name="service_resources"
    )
    category = models.ForeignKey(
        TaxonomyTerm,
        verbose_name="可服务的类别",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    description = models.CharField("说明", max_length=500, blank=True)
    quantity = models.DecimalField("数量/金额", max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField("单位", max_length=16, blank=True)
    weekly_hours = models.JSONField("开放时间", default=dict, blank=True)
    available_from = models.DateField("可用起始", null=True, blank=True)
    available_to = models.DateField("可用截止", null=True, blank=True)
    conditions = models.CharField("使用条件", max_length=300, blank=True)
    capacity = models.PositiveIntegerField("可对接需求数", default=1)
    matched = models.PositiveIntegerField("已对接需求数", default=0, editable=False)
    lat = models.FloatField("纬度（WGS-84）", null=True, blank=True)
    lon = models.FloatField("经度（WGS-84）", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=ResourceStatus.choices, default=ResourceStatus.AVAILABLE
    )
    source = models.CharField("数据来源", max_length=20, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        ordering = ["region_id", "kind", "name"]
        verbose_name = verbose_name_plural = "社区资源"
        constraints = [
            models.CheckConstraint(
                condition=Q(available_to__isnull=True)
                | Q(available_from__isnull=True)
                | Q(available_to__gte=F("available_from")),
                name="resource_available_period",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=0), name="resource_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(matched__lte=F("capacity")),
                name="resource_not_overmatched",
                violation_error_code="resource.full",
                violation_error_message="可对接的需求数不能少于已对接的需求数",
            ),
            models.UniqueConstraint(
                fields=["region", "kind", "name", "provider_name"],
                condition=~Q(status="withdrawn"),
                name="resource_one_active_per_provider_name",
                violation_error_code="resource.duplicate",
                violation_error_message="该提供方已在本社区登记过同名资源",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FundingSource(models.TextChoices):
    PURCHASE = "purchase", "政府购买服务"
    VENTURE = "venture", "公益创投"
    COMMUNITY_FUND = "community_fund", "社区基金"
    CHARITY = "charity", "慈善"


class ProjectStage(models.TextChoices):
    APPROVED = "approved", "立项"
    BUDGETED = "budgeted", "预算"
    PUBLISHED = "published", "信息发布"
    MANAGED = "managed", "项目管理"
    EVALUATED = "evaluated", "绩效评估"


PROJECT_STAGES = [s.value for s in ProjectStage]


class Project(models.Model):
    """服务项目: a project answering needs with resources (政府购买服务 follows 立项→…→绩效评估)."""

    name = models.CharField("项目名称", max_length=120)
    description = models.TextField("项目内容", blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区域", on_delete=models.PROTECT, related_name="service_projects"
    )
    category = models.ForeignKey(
        TaxonomyTerm,
        verbose_name="服务领域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    funding_source = models.CharField("资金来源", max_length=16, choices=FundingSource.choices)
    budget = models.DecimalField("预算（元）", max_digits=12, decimal_places=2, default=0)
    implementer = models.ForeignKey(
        "registry.Organisation",
        verbose_name="承接单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_projects",
    )
    starts_on = models.DateField("开始日期", null=True, blank=True)
    ends_on = models.DateField("结束日期", null=True, blank=True)
    stage = models.CharField(
        "阶段", max_length=10, choices=ProjectStage.choices, default=ProjectStage.APPROVED
    )
    outputs = models.CharField("产出指标", max_length=300, blank=True)
    evaluation = models.CharField("绩效评估", max_length=500, blank=True)
    evaluation_score = models.PositiveSmallIntegerField("评估得分", null=True, blank=True)
    needs = models.ManyToManyField(Need, verbose_name="回应的需求", blank=True, related_name="projects")
    resources = models.ManyToManyField(
        Resource, verbose_name="使用的资源", blank=True, related_name="projects"
    )
    source = models.CharField("数据来源", max_length=20, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "服务项目"
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="project_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="project_period",
            ),
            models.CheckConstraint(
                condition=Q(evaluation_score__isnull=True) | Q(evaluation_score__lte=100),
                name="project_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectEvent(models.Model):
    """项目进展: one step of a project's follow-up (append-only)."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="events")
    stage = models.CharField("阶段", max_length=10, choices=ProjectStage.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "项目进展"

    def __str__(self) -> str:
        return f"{self.project} {self.get_stage_display()}"


class HandlingLevel(models.TextChoices):
    COMMUNITY = "community", "社区（村）办理"
    STREET = "street", "社区受理、街道（乡镇）审批"
    DISTRICT = "district", "社区代办、区级部门审批"


class ServiceItem(models.Model):
    """政务服务事项: a government service item the community handles or relays (一窗受理)."""

    code = models.SlugField("事项编码", max_length=40, unique=True)
    name = models.CharField("事项名称", max_length=100, unique=True)
    department = models.CharField("主管部门", max_length=60)
    level = models.CharField("办理层级", max_length=10, choices=HandlingLevel.choices)
    materials = models.JSONField("申请材料", default=list)
    time_limit_days = models.PositiveSmallIntegerField("法定办结时限（工作日）")
    promised_days = models.PositiveSmallIntegerField("承诺办结时限（工作日）", null=True, blank=True)
    fully_online = models.BooleanField("全程网办", default=False)
    fee = models.CharField("收费", max_length=60, default="不收费")
    basis = models.CharField("设定依据", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = verbose_name_plural = "政务服务事项"

    def __str__(self) -> str:
        return self.name


class ExcludedTask(models.Model):
    """社区工作准入负面清单 / 证明事项清单: tasks and certificates communities must not be burdened with."""

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", "证明事项（不应由社区出具）"
        TASK = "task", "工作事项（不得摊派给社区）"

    name = models.CharField("事项", max_length=100, unique=True)
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    keywords = models.JSONField("识别关键词", default=list, blank=True)
    handled_by = models.CharField("应由谁办理", max_length=120, blank=True)
    basis = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = verbose_name_plural = "社区工作负面清单"

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "前台已受理"
    APPROVING = "approving", "后台审批中"
    DONE = "done", "已办结"
    RETURNED = "returned", "退回补正"
    REFUSED = "refused", "不予受理"


class ApplicationCounter(models.Model):
    """办件编号计数: the day's last application serial, where no sequence is available (SQLite).

    PostgreSQL draws the serial from the sequence ``services_application_number_seq`` instead, so
    that concurrent intakes never wait on one counter row.
    """

    day = models.DateField("日期", unique=True)
    last = models.PositiveIntegerField("当日最后序号", default=0)

    class Meta:
        ordering = ["day"]
        verbose_name = verbose_name_plural = "办件编号计数"

    def __str__(self) -> str:
        return f"{self.day} {self.last}"


class Application(models.Model):
    """办件: a resident's application for a service item, with its materials and the steps it went through.

    ``number`` (办件编号, e.g. YC2026112200042) is what residents and the window quote; it is reserved
    from a sequence (see ``linli.services.services.application_number_next``) and unique in the database.
    """

    number = models.CharField("办件编号", max_length=24, unique=True)
    item = models.ForeignKey(
        ServiceItem, verbose_name="事项", on_delete=models.PROTECT, related_name="applications"
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name="申请人",
        on_delete=models.PROTECT,
        related_name="service_applications",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="受理社区",
        on_delete=models.PROTECT,
        related_name="service_applications",
    )
    materials = models.JSONField("材料清单", default=dict)  # material name → provided?
    status = models.CharField(
        "状态", max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    note = models.CharField("申请说明", max_length=300, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交账号",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("提交时间", default=timezone.now)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    due_on = models.DateField("办结期限", null=True, blank=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    result = models.CharField("办理结果", max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "办件"

    def __str__(self) -> str:
        return f"{self.number} {self.item}"

    @property
    def materials_complete(self) -> bool:
        return all(self.materials.get(m, False) for m in self.item.materials)


class ApplicationStep(models.Model):
    """办理过程: one step of an application (前台受理, 后台审批, 办结 …), append-only."""

    application = models.ForeignKey(
        Application, verbose_name="办件", on_delete=models.CASCADE, related_name="steps"
    )
    status = models.CharField("状态", max_length=10, choices=ApplicationStatus.choices)
    note = models.CharField("意见", max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by_name = models.CharField("经办人姓名", max_length=64, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "办理过程"

    def __str__(self) -> str:
        return f"{self.application.number} {self.get_status_display()}"
