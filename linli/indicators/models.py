"""规划指标与监测: data elements, their values, indicators, plans and targets, plan tasks.

- ``DataElement`` (数据元): a count or an area, either computed from the other modules
  (``kind=computed``, contributed by each module through ``linli.core.data_elements``) or reported
  by a unit (``kind=reported``).
- ``DataValue``: one reported value of one element for one region and period. Append-only:
  a correction is a new version pointing at the one it replaces, with its reason; approved
  values are locked.
- ``Indicator`` (指标): numerator / denominator × factor over data elements.
- ``Plan`` (规划) with its ``Target`` rows; ``PlanAdoption`` of a plan by a region; a region's own
  targets are ``Target`` rows with a region and no plan.
- ``PlanTask`` (任务清单及工作台账) and ``TaskProgress`` reports with evidence files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from linli.regions.models import Level


class ElementKind(models.TextChoices):
    COMPUTED = "computed", "系统计算"
    REPORTED = "reported", "单位填报"


class HierarchyAgg(models.TextChoices):
    SUM = "sum", "求和"
    AVG = "avg", "平均"


class TimeAgg(models.TextChoices):
    SUM = "sum", "各期求和"
    AVG = "avg", "各期平均"
    LAST = "last", "取最新一期"


class DataElement(models.Model):
    """数据元: one countable or measurable fact, with how it aggregates over the hierarchy and time."""

    code = models.SlugField("编码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=80)
    unit = models.CharField("计量单位", max_length=12, blank=True)
    kind = models.CharField("来源", max_length=10, choices=ElementKind.choices)
    entry_level = models.PositiveSmallIntegerField(
        "填报/计算层级", default=5, help_text="值登记在哪一级区划：3 区县、4 街道/乡镇、5 社区/村"
    )
    hierarchy_agg = models.CharField("层级汇总", max_length=4, choices=HierarchyAgg.choices, default="sum")
    time_agg = models.CharField("时间汇总", max_length=4, choices=TimeAgg.choices, default="last")
    monthly = models.BooleanField("按月填报", default=False)
    non_negative = models.BooleanField("不能为负", default=True)
    applies_to = models.CharField(
        "适用",
        max_length=8,
        blank=True,
        help_text="urban：只由城市社区填报；rural：只由农村社区填报；空：全部",
    )
    description = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "数据元"
        constraints = [
            models.CheckConstraint(condition=Q(entry_level__gte=1, entry_level__lte=6), name="element_level")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def entry_level_label(self) -> str:
        return Level(self.entry_level).label

    @property
    def standing(self) -> bool:
        """A standing count (时点数): the last value of the year counts, never the sum of periods."""
        return self.time_agg == TimeAgg.LAST


class ValueStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "已审核"
    REJECTED = "rejected", "已退回"


class DataValue(models.Model):
    """A reported value (填报值); one current version per element, region, year and period."""

    element = models.ForeignKey(
        DataElement, verbose_name="数据元", on_delete=models.PROTECT, related_name="values"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="indicator_values"
    )
    year = models.PositiveSmallIntegerField("年度")
    period = models.PositiveSmallIntegerField("月份", default=0, help_text="0 表示全年")
    value = models.DecimalField("数值", max_digits=18, decimal_places=4)
    status = models.CharField(
        "状态", max_length=10, choices=ValueStatus.choices, default=ValueStatus.SUBMITTED
    )
    version = models.PositiveIntegerField("版本", default=1)
    current = models.BooleanField("当前版本", default=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name="更正的版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    reason = models.CharField("更正原因", max_length=200, blank=True)
    source = models.CharField("来源", max_length=12, default="form")  # form / import / api / demo / snapshot
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField("填报时间", default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=200, blank=True)

    class Meta:
        ordering = ["element", "region__code", "year", "period", "-version"]
        verbose_name = verbose_name_plural = "指标填报值"
        indexes = [
            models.Index(fields=["year", "element", "current"], name="datavalue_year_element"),
            # the values page and the approval queue read the reported values, never the snapshot's
            # (a city's snapshot holds hundreds of thousands of rows a year)
            models.Index(
                fields=["year", "region"],
                condition=Q(current=True) & ~Q(source="snapshot"),
                name="datavalue_reported",
            ),
            models.Index(
                fields=["year", "region"],
                condition=Q(current=True, status="submitted"),
                name="datavalue_submitted",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["element", "region", "year", "period"],
                condition=Q(current=True),
                name="datavalue_one_current",
            ),
            models.UniqueConstraint(
                fields=["element", "region", "year", "period", "version"], name="datavalue_version"
            ),
            models.CheckConstraint(condition=Q(period__lte=12), name="datavalue_period"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""), name="datavalue_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.element} {self.region_id} {self.year}: {self.value}"

    @property
    def locked(self) -> bool:
        return self.status == ValueStatus.APPROVED


class Indicator(models.Model):
    """指标: numerator / denominator × factor, evaluated per region and year after aggregation."""

    code = models.SlugField("编码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=80)
    numerator = models.CharField("分子公式", max_length=500)
    denominator = models.CharField("分母公式", max_length=500, blank=True)
    factor = models.DecimalField("系数", max_digits=12, decimal_places=4, default=1)
    unit = models.CharField("单位", max_length=12, blank=True)
    decimals = models.PositiveSmallIntegerField("小数位", default=1)
    description = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "指标"

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """规划: a set of indicators with targets issued by a region (e.g. 洛江区“十四五”主要指标)."""

    code = models.SlugField("编码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=120)
    seed = models.CharField("文本编号", max_length=8, blank=True)
    issuer_code = models.CharField("发布区划代码", max_length=15, blank=True)
    source = models.CharField("出处", max_length=200, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    year_from = models.PositiveSmallIntegerField("起始年度", default=2021)
    year_to = models.PositiveSmallIntegerField("终止年度", default=2025)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "规划"

    def __str__(self) -> str:
        return self.name


class Comparison(models.TextChoices):
    GE = "ge", "≥"
    LE = "le", "≤"
    EQ = "eq", "="


class Attribute(models.TextChoices):
    BINDING = "binding", "约束性"
    EXPECTED = "expected", "预期性"
    UNSPECIFIED = "", "未注明"


class Target(models.Model):
    """目标值: of a plan (``plan`` set) or a region's own (``region`` set, ``plan`` empty)."""

    plan = models.ForeignKey(
        Plan, verbose_name="规划", null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="自定目标的区划",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="targets"
    )
    baseline_year = models.PositiveSmallIntegerField("基期年度", null=True, blank=True)
    baseline_value = models.DecimalField("基期值", max_digits=14, decimal_places=4, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField("目标年度", default=2025)
    target_value = models.DecimalField("目标值", max_digits=14, decimal_places=4)
    comparison = models.CharField("比较", max_length=2, choices=Comparison.choices, default=Comparison.GE)
    attribute = models.CharField("属性", max_length=10, choices=Attribute.choices, blank=True)
    source_section = models.CharField("出处", max_length=120, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField("序号", default=0)

    class Meta:
        ordering = ["plan", "region", "sort", "id"]
        verbose_name = verbose_name_plural = "目标值"
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False) | Q(region__isnull=False), name="target_plan_or_region"
            ),
            models.UniqueConstraint(
                fields=["plan", "indicator"], condition=Q(plan__isnull=False), name="target_one_per_plan"
            ),
            models.UniqueConstraint(
                fields=["region", "indicator"],
                condition=Q(plan__isnull=True),
                name="target_one_own_per_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.get_comparison_display()} {self.target_value}"


class PlanAdoption(models.Model):
    """A region adopts a plan: its targets apply to the region and everything below it."""

    plan = models.ForeignKey(Plan, verbose_name="规划", on_delete=models.CASCADE, related_name="adoptions")
    region = models.ForeignKey(
        "regions.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    adopted_at = models.DateTimeField("采用时间", default=timezone.now)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["region__code", "plan__code"]
        verbose_name = verbose_name_plural = "规划采用"
        constraints = [models.UniqueConstraint(fields=["plan", "region"], name="adoption_unique")]

    def __str__(self) -> str:
        return f"{self.region_id} ← {self.plan}"


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"


class PlanTask(models.Model):
    """任务清单及工作台账: one task of a plan for a region, with lead and supporting units."""

    plan = models.ForeignKey(Plan, verbose_name="规划", on_delete=models.CASCADE, related_name="tasks")
    region = models.ForeignKey(
        "regions.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField("序号")
    section = models.CharField("规划章节", max_length=120, blank=True)
    title = models.CharField("任务名称", max_length=120, blank=True)
    text = models.TextField("任务内容")
    lead_units = models.CharField("牵头单位", max_length=200)
    lead_organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name="牵头单位（组织）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    supporting_units = models.CharField("配合单位", max_length=400, blank=True)
    deadline = models.DateField("完成时限", null=True, blank=True)
    indicators = models.ManyToManyField(Indicator, verbose_name="关联指标", blank=True, related_name="tasks")
    status = models.CharField(
        "状态", max_length=12, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    percent = models.PositiveSmallIntegerField("完成进度（%）", default=0)
    source = models.CharField("来源", max_length=12, blank=True)

    class Meta:
        ordering = ["plan", "region__code", "number"]
        verbose_name = verbose_name_plural = "规划任务"
        constraints = [
            models.UniqueConstraint(fields=["plan", "region", "number"], name="task_number_unique"),
            models.CheckConstraint(condition=Q(percent__lte=100), name="task_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title or self.text[:20]}"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return bool(self.deadline and self.deadline < today and self.status != TaskStatus.DONE)


def evidence_path(instance: TaskProgress, filename: str) -> str:
    return f"indicators/evidence/{instance.task_id}/{filename}"


class TaskProgress(models.Model):
    """工作台账: a progress report on a task by the responsible unit, optionally with an evidence file."""

    task = models.ForeignKey(PlanTask, verbose_name="任务", on_delete=models.CASCADE, related_name="reports")
    unit_name = models.CharField("报送单位", max_length=60)
    text = models.TextField("进展情况")
    percent = models.PositiveSmallIntegerField("完成进度（%）")
    evidence = models.FileField("佐证材料", upload_to=evidence_path, blank=True)
    evidence_name = models.CharField("材料名称", max_length=120, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_at = models.DateTimeField("报送时间", default=timezone.now)

    class Meta:
        ordering = ["task", "-reported_at", "-id"]
        verbose_name = verbose_name_plural = "任务进展"
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="progress_percent")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.percent}%"
