"""账号管理: which staff member an account belongs to, the history of deactivations, and residents'
requests to be linked to their registry person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class StaffAccount(models.Model):
    """工作人员账号: the account opened for a staff member of the registry (one each)."""

    staff = models.OneToOneField(
        "registry.Staff", verbose_name="工作人员", on_delete=models.PROTECT, related_name="account_link"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.PROTECT, related_name="staff_link"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="开通人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("开通时间", default=timezone.now)

    class Meta:
        verbose_name = "工作人员账号"
        verbose_name_plural = "工作人员账号"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.staff} → {self.user}"


class StatusChange(models.Model):
    """账号停用/启用记录: append-only; an account is never deleted, only deactivated with a reason."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.PROTECT, related_name="status_changes"
    )
    active = models.BooleanField("改为启用")
    reason = models.CharField("原因", max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "账号停用/启用记录"
        verbose_name_plural = "账号停用/启用记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {'启用' if self.active else '停用'}：{self.reason}"


class PersonLink(models.Model):
    """居民账号关联: a resident asks to be linked to their registry person; a community worker of the
    person's community checks it (in person, with the ID card) and confirms or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", "待核对"
        CONFIRMED = "confirmed", "已关联"
        DECLINED = "declined", "未通过"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="居民账号",
        on_delete=models.PROTECT,
        related_name="person_links",
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name="人员档案", on_delete=models.PROTECT, related_name="account_links"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="所在社区", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    asked_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核对人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("核对时间", null=True, blank=True)
    note = models.CharField("核对说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "居民账号关联"
        verbose_name_plural = "居民账号关联"
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="accounts_personlink_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "declined"]),
                name="accounts_personlink_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.person}（{self.get_status_display()}）"
