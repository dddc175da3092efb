"""The service directory: the taxonomy, the services, their booking slots and the bookings (随约服务)."""

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

    ``region`` is the service area: residents living in its subtree may use it. ``opening_hours`` maps
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
    opening_hours = models.JSONField("每周服务时间", default=dict, blank=True)
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
        # the bookings list runs newest slot first: read from this index, not a sort of every booking
        indexes = [models.Index(fields=["starts_at"], name="slot_starts_at")]
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
    # the codes of the booker's region and of the service's, kept on the booking (``services.bookings``
    # keeps them when a resident moves or a service changes region): staff scope is then a range of
    # these columns' indexes, not a join through the city's persons
    region_code = models.CharField("预约人所在区域代码", max_length=15, default="", editable=False)
    provider_code = models.CharField("服务所在区域代码", max_length=15, default="", editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "预约"
        indexes = [
            models.Index(fields=["region_code", "created_at"], name="booking_region_time"),
            models.Index(fields=["provider_code", "created_at"], name="booking_provider_time"),
        ]
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

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.person_id and not self.region_code:  # bulk writers call ``bookings_codes_reconcile``
            self.region_code = self.person.region.code
        if self.service_id and not self.provider_code:
            self.provider_code = self.service.region.code
        super().save(*args, **kwargs)
