"""The three lists beside the directory: residents' needs, community resources and service projects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from linli.services.models.directory import Booking, Service, TaxonomyTerm


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
    opening_hours = models.JSONField("开放时间", default=dict, blank=True)
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
