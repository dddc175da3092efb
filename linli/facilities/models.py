"""服务设施: the places where community services are given, and their types.

The type catalogue covers the facilities the plans and the 完整居住社区建设标准 (seed 002 专栏5) name;
it is data (``FacilityType``), loaded by migration and editable by administrators. A facility sits
in a region (normally a community or village), at a WGS-84 point, with its areas in m² and its
weekly opening hours. Other modules read facilities: the indicators (areas per 100 households),
the life circle (walking time from every building to the nearest open facility of a type).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FacilityCategory(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "综合服务"
    ELDERLY = "elderly", "养老服务"
    HEALTH = "health", "医疗卫生"
    CHILDREN = "children", "托育与教育"
    CULTURE_SPORTS = "culture_sports", "文化体育"
    SOCIAL = "social", "社会工作与志愿服务"
    SAFETY = "safety", "平安与应急"
    LEGAL = "legal", "法律服务"
    COMMERCE = "commerce", "便民商业"
    MUNICIPAL = "municipal", "市政配套"
    SPACE = "space", "公共活动空间"
    PROPERTY = "property", "物业管理"


class FacilityType(models.Model):
    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60, unique=True)
    category = models.CharField("类别", max_length=20, choices=FacilityCategory.choices)
    description = models.CharField("说明", max_length=300, blank=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = verbose_name_plural = "设施类型"

    def __str__(self) -> str:
        return self.name


class FacilityStatus(models.TextChoices):
    OPEN = "open", "运营中"
    PLANNED = "planned", "规划中"
    BUILDING = "building", "建设中"
    SUSPENDED = "suspended", "暂停服务"
    VACANT = "vacant", "闲置用房"  # an existing space that could host a new facility (siting candidate)
    CLOSED = "closed", "已关闭"


_AREA = [MinValueValidator(Decimal("0"))]


class Facility(models.Model):
    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=120)
    type = models.ForeignKey(
        FacilityType, verbose_name="类型", on_delete=models.PROTECT, related_name="facilities"
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所在区划",
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    lat = models.FloatField("纬度（WGS-84）", null=True, blank=True)
    lon = models.FloatField("经度（WGS-84）", null=True, blank=True)
    building_area = models.DecimalField(
        "总建筑面积（㎡）", max_digits=10, decimal_places=2, null=True, blank=True, validators=_AREA
    )
    activity_area = models.DecimalField(
        "居民活动区域面积（㎡）", max_digits=10, decimal_places=2, null=True, blank=True, validators=_AREA
    )
    office_area = models.DecimalField(
        "办公区域面积（㎡）", max_digits=10, decimal_places=2, null=True, blank=True, validators=_AREA
    )
    commercial_area = models.DecimalField(
        "商业及综合服务面积（㎡）", max_digits=10, decimal_places=2, null=True, blank=True, validators=_AREA
    )
    land_area = models.DecimalField(
        "用地面积（㎡）", max_digits=10, decimal_places=2, null=True, blank=True, validators=_AREA
    )
    # {"1": [["08:30", "12:00"], ["14:30", "18:00"]], …, "7": []}: ISO weekday → opening intervals.
    opening_hours = models.JSONField("开放时间", default=dict, blank=True)
    hours_per_week = models.DecimalField(
        "每周开放时长（小时）", max_digits=5, decimal_places=2, null=True, blank=True, validators=_AREA
    )
    # Days the facility opens but for less than 8 hours (the plans ask "不少于每天8小时"), computed.
    short_days = models.PositiveSmallIntegerField("每天开放不足 8 小时的天数", default=0)
    operator = models.ForeignKey(
        "registry.Organisation",
        verbose_name="运营单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilities",
    )
    operator_name = models.CharField("运营单位名称", max_length=120, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=FacilityStatus.choices, default=FacilityStatus.OPEN
    )
    opened_on = models.DateField("投用日期", null=True, blank=True)
    source = models.CharField("数据来源", max_length=20, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["type__sort", "name"]
        verbose_name = verbose_name_plural = "服务设施"
        indexes = [models.Index(fields=["type", "status"], name="facility_type_status")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lon__isnull=True))
                | (Q(lat__gte=-90) & Q(lat__lte=90) & Q(lon__gte=-180) & Q(lon__lte=180)),
                name="facility_lat_lon_valid",
            ),
            models.CheckConstraint(
                condition=(Q(building_area__isnull=True) | Q(building_area__gte=0))
                & (Q(activity_area__isnull=True) | Q(activity_area__gte=0))
                & (Q(office_area__isnull=True) | Q(office_area__gte=0))
                & (Q(commercial_area__isnull=True) | Q(commercial_area__gte=0))
                & (Q(land_area__isnull=True) | Q(land_area__gte=0)),
                name="facility_areas_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistAttestation(models.Model):
    """人工确认: a community's statement on a 完整居住社区 item the data cannot answer (e.g. 管理机制).

    Append-only: a later attestation of the same item supersedes the earlier one; the history stays.
    """

    region = models.ForeignKey(
        "regions.Region",
        verbose_name="社区/村",
        on_delete=models.PROTECT,
        related_name="checklist_attestations",
    )
    item = models.PositiveSmallIntegerField("标准条目", validators=[MinValueValidator(1)])
    met = models.BooleanField("已达到")
    attested_on = models.DateField("确认日期")
    attested_by = models.ForeignKey(
        "core.User", verbose_name="确认人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    attested_by_name = models.CharField("确认人姓名", max_length=64)
    evidence = models.CharField("依据说明", max_length=500)
    source = models.CharField("数据来源", max_length=20, blank=True)
    created_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        ordering = ["region", "item", "-attested_on", "-id"]
        verbose_name = verbose_name_plural = "完整社区人工确认"
        constraints = [
            models.CheckConstraint(condition=Q(item__gte=1) & Q(item__lte=20), name="attestation_item_1_20"),
        ]

    def __str__(self) -> str:
        return f"{self.region} 第{self.item}项 {'已达到' if self.met else '未达到'}"
