"""Accounts, the audit log and API tokens: the kernel every module relies on."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from linli.core.roles import Role


class User(AbstractUser):
    """An account (账号). Bound to a region subtree and/or an organisation; its role says what it does.

    A resident account may be linked to the resident's own person record.
    """

    role = models.CharField("角色", max_length=32, choices=Role.choices, default=Role.RESIDENT)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所辖区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name="本人档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    display_name = models.CharField("姓名", max_length=64, blank=True)
    must_change_password = models.BooleanField(
        "须修改密码",
        default=False,
        help_text="管理员重置密码后为是：登录后必须先修改密码，才能使用其他功能。",
    )
    # The codes of the account's additional regions (``AccountRegion``), kept beside them in the same
    # transaction by ``account_regions_set`` so that every scoped read knows them without a query.
    more_region_codes = models.JSONField("其他区域编码", default=list, blank=True, editable=False)

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
        ordering = ["username"]
        permissions = [
            ("reveal_personal_data", "查看完整的身份证号和电话号码"),
            ("export_personal_data", "导出个人信息"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def region_code(self) -> str:
        """The statistical code of the bound region ("" when unbound)."""
        return self.region.code if self.region is not None else ""

    @property
    def region_codes(self) -> list[str]:
        """The codes of every region the account is bound to: its own first, then the additional ones
        (a grid worker covering two grids); [] when unbound."""
        code = self.region_code
        return [code, *(c for c in self.more_region_codes or [] if c != code)] if code else []

    @property
    def role_label(self) -> str:
        return Role(self.role).label


class AccountRegion(models.Model):
    """账号的其他区域: a region an account covers besides its own (``User.region``), at the same level —
    a grid worker responsible for two grids of a community, say. Scope is the OR of the subtrees."""

    user = models.ForeignKey(
        User, verbose_name="账号", on_delete=models.CASCADE, related_name="extra_regions"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField("添加时间", default=timezone.now)

    class Meta:
        verbose_name = "账号的其他区域"
        verbose_name_plural = "账号的其他区域"
        ordering = ["user", "region__code"]
        constraints = [models.UniqueConstraint(fields=["user", "region"], name="core_accountregion_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.region}"


class AuthedHttpRequest(HttpRequest):
    """A request from a signed-in account (for type checking views behind login_required)."""

    user: User


class AuditAction(models.TextChoices):
    REVEAL = "reveal", "查看完整信息"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DENIED = "denied", "越权访问被拒绝"
    KEY_ROTATION = "key_rotation", "密钥轮换"
    LOCKOUT = "lockout", "登录失败过多被锁定"
    UNLOCK = "unlock", "解除登录锁定"
    PASSWORD_CHANGE = "password_change", "修改密码"
    PASSWORD_RESET = "password_reset", "重置密码"


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("审计日志只能追加，不能修改")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("审计日志只能追加，不能删除")


class AuditLog(models.Model):
    """审计日志: who did what to whose personal data, when and why. Append-only."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人账号", max_length=150)
    actor_role = models.CharField("操作人角色", max_length=32, blank=True)
    action = models.CharField("操作", max_length=20, choices=AuditAction.choices, db_index=True)
    subject_type = models.CharField("对象类型", max_length=64, blank=True)
    subject_id = models.CharField("对象编号", max_length=64, blank=True)
    subject_label = models.CharField("对象", max_length=200, blank=True)
    field = models.CharField("字段", max_length=64, blank=True)
    reason = models.CharField("事由", max_length=500, blank=True)
    region_code = models.CharField("所属区域编码", max_length=15, blank=True, db_index=True)
    row_count = models.PositiveIntegerField("涉及条数", default=0)
    client_ip = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.subject_label}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("审计日志只能追加，不能删除")

    FIELD_LABELS = {"id_number": "身份证号", "phone": "电话"}

    @property
    def field_label(self) -> str:
        return "、".join(self.FIELD_LABELS.get(f, f) for f in self.field.split(",") if f)


class ApiToken(models.Model):
    """接口令牌: a bearer token for another system acting as an account. Only its hash is stored."""

    user = models.ForeignKey(User, verbose_name="账号", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("前缀", max_length=8, db_index=True)
    key_hash = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked = models.BooleanField("已吊销", default=False)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple[ApiToken, str]:
        key = "ll_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:8], key_hash=cls.hash_key(key))
        return token, key


class ImportRun(models.Model):
    """导入记录: one import (or dry run) of a file, with its outcome and error report."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        CHECKED = "checked", "预检通过（未写入）"
        DONE = "done", "已导入"
        REJECTED = "rejected", "有错误，未导入"
        FAILED = "failed", "系统出错，未导入"

    class Mode(models.TextChoices):
        CREATE = "create", "只新增"
        UPDATE = "update", "新增并更新"

    kind = models.CharField("数据类型", max_length=20)
    filename = models.CharField("文件名", max_length=200)
    actor = models.ForeignKey(
        User, verbose_name="操作人", on_delete=models.PROTECT, related_name="import_runs"
    )
    region_code = models.CharField("范围", max_length=15, blank=True, db_index=True)
    dry_run = models.BooleanField("仅预检", default=False)
    status = models.CharField("结果", max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField("数据行数", default=0)
    created = models.PositiveIntegerField("新增条数", default=0)
    mode = models.CharField("方式", max_length=10, choices=Mode.choices, default=Mode.CREATE)
    changed = models.PositiveIntegerField("变更条数", default=0)
    rows_done = models.PositiveIntegerField("已处理行数", default=0)
    stored_file = models.CharField(
        "暂存文件", max_length=100, blank=True, help_text="私有目录中的文件名；导入后或一天后删除"
    )
    source = models.ForeignKey(
        "self",
        verbose_name="预检记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commits",
        help_text="这次导入确认的预检",
    )
    errors_total = models.PositiveIntegerField("错误数", default=0)
    error_rows = models.PositiveIntegerField("出错行数", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)
    summary = models.JSONField("变更摘要", default=dict, blank=True)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    seconds = models.FloatField("用时（秒）", default=0)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-started_at", "-id"]

    KIND_LABELS = {"persons": "人员", "households": "户", "buildings": "楼栋", "grids": "网格"}

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def pending(self) -> bool:
        """Queued or running: the page polls it."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def confirmable(self) -> bool:
        """A dry run that passed, whose file is still kept: it can be imported without choosing it again."""
        return self.dry_run and self.status == self.Status.CHECKED and bool(self.stored_file)

    @property
    def kind_label(self) -> str:
        return self.KIND_LABELS.get(self.kind, self.kind)


def export_file_path(run: ExportRun, filename: str) -> str:
    """Where an export's file is kept: a random name under ``exports/`` (never served by URL)."""
    return f"exports/{run.created_at:%Y%m%d}/{secrets.token_hex(16)}.{filename.rsplit('.', 1)[-1]}"


class ExportRun(models.Model):
    """导出任务: one export run in the background, its progress and the file it made.

    Generic: ``kind`` names what is exported (``"registry.persons"``); the app that starts the run
    writes its rows through ``linli.core.jobs``. The file is given only to the account that asked,
    and deleted a day after it was made (``linli.core.jobs.EXPORT_KEPT``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("数据类型", max_length=40)
    label = models.CharField("名称", max_length=100)
    actor = models.ForeignKey(
        User, verbose_name="操作人", on_delete=models.PROTECT, related_name="export_runs"
    )
    region_code = models.CharField("范围", max_length=15, blank=True, db_index=True)
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField("已写行数", default=0)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    file = models.FileField("文件", upload_to=export_file_path, blank=True, max_length=200)
    filename = models.CharField("下载文件名", max_length=200)
    created_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="core_exportrun_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["done", "failed"]) | models.Q(finished_at__isnull=False),
                name="core_exportrun_finished_when_over",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        """Rows written as a whole percentage of the rows counted when it was asked (0–100)."""
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0


class ScheduledRun(models.Model):
    """定时任务运行记录: one due time of one periodic job (``linli.core.schedule``).

    The unique (job, due time) pair is the lock: of several schedulers, the one whose INSERT lands
    enqueues the run; of several workers, the one whose conditional UPDATE sets ``started_at`` runs it.
    """

    class Outcome(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "运行中"
        OK = "ok", "成功"
        FAILED = "failed", "失败"

    job = models.CharField("任务", max_length=64)
    due_at = models.DateTimeField("应运行时间")
    enqueued_at = models.DateTimeField("入队时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.QUEUED)
    duration_ms = models.PositiveIntegerField("用时（毫秒）", null=True, blank=True)
    worker = models.CharField("执行进程", max_length=100, blank=True)
    result = models.JSONField("结果摘要", default=dict, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "定时任务运行记录"
        verbose_name_plural = "定时任务运行记录"
        ordering = ["-due_at", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "due_at"], name="core_scheduledrun_once_per_due_time"),
            models.CheckConstraint(
                condition=models.Q(outcome__in=["queued", "running", "ok", "failed"]),
                name="core_scheduledrun_outcome_valid",
            ),
        ]
        indexes = [models.Index(fields=["job", "-due_at"], name="core_scheduledrun_job_due")]

    def __str__(self) -> str:
        return f"{self.job} {self.due_at:%Y-%m-%d %H:%M:%S}（{self.get_outcome_display()}）"
