"""一窗受理: the government service items, the negative list and the applications with their steps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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
