"""诉求办理 (有呼必应 / 接诉即办): requests from residents, their routing, handling and rating.

A request (``Case``) moves through the state machine of ``linli.cases.engine.workflow``; every step is
an append-only ``CaseEvent``. Reporter contact details are encrypted and masked like the registry's.
What the public may see of a request (``published_*``) is made by ``linli.cases.engine.redact``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from linli.cases.engine import redact
from linli.cases.engine import workflow as wf
from linli.core.personal import EncryptedField


class Kind(models.TextChoices):
    """诉求类型: the first level of the catalogue."""

    CONSULT = "consult", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    SUGGEST = "suggest", "建议"


class Channel(models.TextChoices):
    APP = "app", "居民手机端"
    HOTLINE = "hotline", "热线电话"
    WALK_IN = "walk_in", "窗口来访"
    PATROL = "patrol", "网格巡查"
    API = "api", "系统对接"
    OPEN311 = "open311", "Open311 接口"


class TimeLimit(models.Model):
    """办理时限规则: response and resolution limits, in clock hours, calendar or working days."""

    code = models.CharField("编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=40)
    response_hours = models.PositiveIntegerField("响应时限（小时）", default=24)
    resolve_hours = models.PositiveIntegerField("办结时限（小时）", default=0, help_text="填 0 则按天计")
    resolve_days = models.PositiveIntegerField("办结时限（天）", default=7)
    working_days = models.BooleanField("按工作日计", default=True)
    remind_before_hours = models.PositiveIntegerField("到期前催办（小时）", default=4)

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"
        ordering = ["resolve_hours", "resolve_days", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolve_hours__gt=0) | Q(resolve_days__gt=0), name="timelimit_has_resolve"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def resolve_label(self) -> str:
        if self.resolve_hours:
            return f"{self.resolve_hours} 小时"
        return f"{self.resolve_days} 个{'工作日' if self.working_days else '自然日'}"


class Holiday(models.Model):
    """节假日与调休: a public holiday (is_workday False) or a weekend day worked instead (True)."""

    date = models.DateField("日期", unique=True)
    name = models.CharField("名称", max_length=20)
    is_workday = models.BooleanField("调休上班", default=False)

    class Meta:
        verbose_name = "节假日"
        verbose_name_plural = "节假日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}{'（调休上班）' if self.is_workday else ''}"


class Category(models.Model):
    """诉求分类: type (咨询/求助/投诉/举报/建议) × subject (物业, 环境卫生 …); an Open311 service."""

    code = models.CharField("编码", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    subject = models.CharField("事项", max_length=20)
    description = models.CharField("说明", max_length=200, blank=True)
    keywords = models.CharField("关键词", max_length=200, blank=True)
    time_limit = models.ForeignKey(
        TimeLimit, verbose_name="办理时限", on_delete=models.PROTECT, related_name="categories"
    )
    attributes = models.JSONField("附加信息项", default=list, blank=True)
    active = models.BooleanField("启用", default=True)
    public = models.BooleanField(
        "公开办理情况",
        default=True,
        help_text="是否在 Open311 公开接口中列出此类诉求（涉及个人境况的类别，如社会救助、养老，应不公开）",
    )

    class Meta:
        verbose_name = "诉求分类"
        verbose_name_plural = "诉求分类"
        ordering = ["subject", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "subject"], name="category_kind_subject")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.get_kind_display()}·{self.subject}"


class DispatchRule(models.Model):
    """派单目录: who handles a category in a region subtree (the most specific region wins)."""

    category = models.ForeignKey(
        Category, verbose_name="诉求分类", on_delete=models.CASCADE, related_name="rules"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="适用区域", on_delete=models.CASCADE, related_name="dispatch_rules"
    )
    unit_region = models.ForeignKey(
        "regions.Region",
        verbose_name="责任社区/街道",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="留空表示由诉求所在社区/街道办理",
    )
    unit_level = models.PositiveSmallIntegerField("责任层级", default=5, help_text="5 社区/村，4 街道/乡镇")
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name="责任部门",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dispatch_rules",
    )

    class Meta:
        verbose_name = "派单目录"
        verbose_name_plural = "派单目录"
        ordering = ["category_id", "region__code"]
        constraints = [models.UniqueConstraint(fields=["category", "region"], name="dispatch_rule_unique")]

    def __str__(self) -> str:
        return f"{self.category} @ {self.region}"


class CaseCounter(models.Model):
    """The day's last request number (for numbers like 20261122-000123)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.last}"


STATUS_CHOICES = list(wf.STATE_LABELS.items())
RATING_CHOICES = list(wf.RATING_LABELS.items())


class Case(models.Model):
    """诉求: one request, from intake to rating. ``version`` guards against two people acting at once."""

    number = models.CharField("诉求编号", max_length=20, unique=True)
    category = models.ForeignKey(
        Category, verbose_name="分类", on_delete=models.PROTECT, related_name="cases"
    )
    channel = models.CharField("来源渠道", max_length=10, choices=Channel.choices)
    description = models.TextField("诉求内容")
    public_description = models.TextField(
        "公开内容",
        blank=True,
        help_text="公开接口显示的内容：登记时由诉求内容脱敏生成（电话、证件号、姓名、房号已隐去），工作人员可修改",
    )
    attributes = models.JSONField("附加信息", default=dict, blank=True)
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES, default=wf.RECEIVED)
    version = models.PositiveIntegerField("版本", default=1)
    # where
    region = models.ForeignKey(
        "regions.Region", verbose_name="所在社区/村", on_delete=models.PROTECT, related_name="cases"
    )
    # the community's code, copied when the request is filed (its community never changes): the
    # staff scope and the place filter are a range of this column's indexes, without joining regions
    region_code = models.CharField("所在社区代码", max_length=15, default="", editable=False)
    grid = models.ForeignKey(
        "regions.Region",
        verbose_name="所在网格",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lat = models.FloatField("纬度（WGS-84）", null=True, blank=True)
    lon = models.FloatField("经度（WGS-84）", null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    # who
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="反映人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases_reported",
    )
    reporter_person = models.ForeignKey(
        "registry.Person",
        verbose_name="反映人档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_name = EncryptedField("反映人姓名", kind="name")
    reporter_phone = EncryptedField("联系电话", kind="phone", index_field="reporter_phone_index")
    reporter_phone_index = models.CharField(
        "电话盲索引", max_length=40, blank=True, db_index=True, editable=False
    )
    anonymous = models.BooleanField("匿名", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases_created",
    )
    # who handles it
    owner_region = models.ForeignKey(
        "regions.Region",
        verbose_name="首问负责单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    coordinator = models.ForeignKey(
        "regions.Region",
        verbose_name="当前协调单位",
        on_delete=models.PROTECT,
        related_name="cases_coordinated",
    )
    handler_region = models.ForeignKey(
        "regions.Region",
        verbose_name="承办社区/街道",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler_org = models.ForeignKey(
        "registry.Organisation",
        verbose_name="承办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_handled",
    )
    summoned = models.ManyToManyField(
        "registry.Organisation", verbose_name="吹哨召集部门", blank=True, related_name="cases_summoned"
    )
    escalation_level = models.PositiveSmallIntegerField("协调层级", default=5)
    # when
    received_at = models.DateTimeField("登记时间", default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    responded_at = models.DateTimeField("响应时间", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)
    response_due = models.DateTimeField("响应期限")
    resolve_due = models.DateTimeField("办结期限", db_index=True)
    overdue = models.BooleanField("已超期", default=False)
    reminded_at = models.DateTimeField("最近催办", null=True, blank=True)
    extension_requested = models.BooleanField("申请延期中", default=False)
    extension_days = models.PositiveSmallIntegerField("申请延期天数", default=0)
    # outcome
    reply = models.TextField("答复内容", blank=True)
    resolved = models.BooleanField("已解决", null=True, blank=True)
    rating = models.CharField("评价", max_length=12, choices=RATING_CHOICES, blank=True)
    rating_comment = models.CharField("评价意见", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    merged_into = models.ForeignKey(
        "self", verbose_name="并入", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    open311_token = models.CharField("Open311 令牌", max_length=40, blank=True, db_index=True)
    source = models.CharField("数据来源", max_length=10, blank=True)

    class Meta:
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "resolve_due"], name="case_status_due"),
            models.Index(fields=["category", "status", "received_at"], name="case_cat_status_time"),
            models.Index(fields=["updated_at"], name="case_updated"),
            # the sweep's two reads (every five minutes): the working requests not yet overdue, and
            # those not yet reminded, by deadline; the city's closed requests are not in them
            models.Index(
                fields=["resolve_due"],
                name="case_sweep_late",
                condition=Q(status__in=wf.SWEPT_WORKING, overdue=False),
            ),
            models.Index(
                fields=["resolve_due"],
                name="case_sweep_remind",
                condition=Q(status__in=wf.SWEPT_REMINDED, overdue=False, reminded_at__isnull=True),
            ),
            # the queues of open requests (待我处理, 全部在办, 已超期) by deadline: a year's closed
            # requests, most of the table, are not in it
            models.Index(
                fields=["resolve_due", "id"], name="case_open_due", condition=Q(status__in=wf.OPEN_LIST)
            ),
            # 待我处理's clauses of requests behind time (``selectors.late_arms``), by deadline: the
            # region, the filer and the overdue flag are read from the index (an index-only scan that
            # stops at the page's 200), not from 15 000 overdue rows of a district's heap
            models.Index(
                fields=["resolve_due", "id"],
                name="case_late_due",
                include=["region_code", "created_by", "overdue"],
                condition=Q(status__in=[wf.ACCEPTED, wf.DISPATCHED, wf.IN_PROGRESS, wf.RETURNED]),
            ),
            # a region's requests (scope and place filter), newest first; and its open ones, by
            # category (the kind and topic filters of the queues are categories)
            models.Index(fields=["region_code", "received_at"], name="case_region_time"),
            models.Index(
                fields=["region_code", "category"],
                name="case_region_open",
                condition=Q(status__in=wf.OPEN_LIST),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=-90, lat__lte=90), name="case_lat_range"
            ),
            models.CheckConstraint(
                condition=Q(lon__isnull=True) | Q(lon__gte=-180, lon__lte=180), name="case_lon_range"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="case_version_positive"),
            models.CheckConstraint(condition=Q(status__in=list(wf.STATE_LABELS)), name="case_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.region_id and not self.region_code:  # bulk writers set it themselves
            self.region_code = self.region.code
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in wf.OPEN_STATES

    @property
    def status_label(self) -> str:
        return wf.STATE_LABELS.get(self.status, self.status)

    @property
    def handler_label(self) -> str:
        return Case.label_of(
            self.handler_org.name if self.handler_org_id and self.handler_org is not None else None,
            self.handler_region.name if self.handler_region_id and self.handler_region is not None else None,
            self.coordinator.name if self.coordinator_id else None,
        )

    @staticmethod
    def label_of(org: str | None, region: str | None, coordinator: str | None) -> str:
        """Who handles a request, by the names of its handling organisation, handling region and
        coordinator (None where it has none): the first of them it has."""
        return org or region or coordinator or ""

    @property
    def reporter_display(self) -> str:
        return "匿名" if self.anonymous else (str(self.reporter_name) or "—")

    @property
    def known_names(self) -> list[str]:
        """The reporter's names this row knows, masked wherever they occur in published text."""
        name = self.reporter_name
        return [name.reveal()] if name else []

    @property
    def published_description(self) -> str:
        """The description as the public sees it (rows from before public texts are masked on the fly)."""
        return self.public_description or redact.mask_text(self.description, self.known_names)

    @property
    def published_address(self) -> str:
        """The address cut to the building, with numbers and names masked."""
        return redact.public_address(self.address, self.known_names)

    @property
    def published_point(self) -> tuple[float, float] | None:
        """The position snapped to a grid cell of about 200 m (the real one stays for the staff)."""
        if self.lat is None or self.lon is None:
            return None
        return redact.coarsen(self.lat, self.lon)


class CasePhoto(models.Model):
    """诉求照片: decoded and re-encoded at upload (JPEG, or PNG when transparent), without metadata,
    under an unguessable name. Personal data: served only through the request's scoped photo view."""

    case = models.ForeignKey(Case, verbose_name="诉求", on_delete=models.CASCADE, related_name="photos")
    image = models.FileField("照片", upload_to="cases/%Y/%m/")
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "诉求照片"
        verbose_name_plural = "诉求照片"
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return self.image.name or ""


PUBLIC_TEXT_ACTION = "public_text"
ASSIGN_ACTION = "assign"  # a new request told to its grid's post holder (``cases.hooks``)


class CaseEventQuerySet(models.QuerySet["CaseEvent"]):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("办理记录只能追加，不能修改")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("办理记录只能追加，不能删除")


class CaseEvent(models.Model):
    """办理记录: one step of a request (append-only; a correction is a new event)."""

    case = models.ForeignKey(Case, verbose_name="诉求", on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人", max_length=150)
    action = models.CharField("操作", max_length=24)
    from_status = models.CharField("原状态", max_length=12, blank=True)
    to_status = models.CharField("新状态", max_length=12, blank=True)
    unit = models.CharField("涉及单位", max_length=200, blank=True)
    note = models.TextField("说明", blank=True)
    public = models.BooleanField("对反映人可见", default=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["case_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action_label}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise PermissionError("办理记录只能追加，不能修改")
        super().save(*args, **kwargs)

    @property
    def action_label(self) -> str:
        if self.action == "create":
            return "登记"
        if self.action == "auto_dispatch":
            return "智能派单"
        if self.action == "overdue":
            return "超期"
        if self.action == PUBLIC_TEXT_ACTION:
            return "修改公开内容"
        if self.action == ASSIGN_ACTION:
            return "按岗位推送"
        a = wf.ACTIONS.get(self.action)
        return a.label if a else self.action

    @property
    def to_label(self) -> str:
        return wf.STATE_LABELS.get(self.to_status, "")


class Notification(models.Model):
    """站内通知: a message to an account about a request."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        Case,
        verbose_name="诉求",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField("标题", max_length=100)
    body = models.CharField("内容", max_length=500, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.title


class RoutingModel(models.Model):
    """派单助手模型: the naive Bayes model trained from past requests (the newest row is used)."""

    trained_at = models.DateTimeField("训练时间", default=timezone.now)
    samples = models.PositiveIntegerField("样本数", default=0)
    category_model = models.JSONField("分类模型", default=dict)
    unit_model = models.JSONField("派单模型", default=dict)

    class Meta:
        verbose_name = "派单助手模型"
        verbose_name_plural = "派单助手模型"
        ordering = ["-trained_at", "-id"]

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M}（{self.samples} 条）"


class MeasureDim(models.TextChoices):
    PLACE = "place", "所在社区/村"  # key: the request's region (community); area: its code
    CATEGORY = "category", "分类"  # key: the category; area: the street's code (9 digits)
    ORG = "org", "承办部门"  # key: the handling department; area: the street's code
    UNIT = "unit", "承办社区/街道"  # key: the handling (else coordinating) region; area: the street's code


class CaseMonth(models.Model):
    """诉求统计月汇总: the counts behind 响应率、按期办结率、解决率、满意率 of the requests received in a
    month (local time), per place, per category and per handling unit (``dim``, ``key``) within an
    area (``area_code``: the community for places, its street otherwise — what data scope filters by).

    Holds the requests received up to ``CaseMonthMark.through``: the nightly job adds each past day
    once; an action on such a request afterwards moves its counts in the same transaction (by delta).
    Requests received later (today) are counted live. Merged requests count nowhere."""

    month = models.DateField("月份")
    dim = models.CharField("维度", max_length=8, choices=MeasureDim.choices)
    area_code = models.CharField("区划编码", max_length=12)
    key = models.BigIntegerField("分组")
    total = models.IntegerField("诉求", default=0)
    responded_on_time = models.IntegerField("按时响应", default=0)
    finished = models.IntegerField("已答复", default=0)
    finished_on_time = models.IntegerField("按期答复", default=0)
    resolved = models.IntegerField("已解决", default=0)
    rated = models.IntegerField("已评价", default=0)
    satisfied = models.IntegerField("满意", default=0)

    class Meta:
        verbose_name = "诉求统计月汇总"
        verbose_name_plural = "诉求统计月汇总"
        ordering = ["month", "dim", "area_code", "key"]
        constraints = [
            models.UniqueConstraint(fields=["dim", "month", "area_code", "key"], name="case_month_key"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dim} {self.area_code} {self.key}: {self.total}"


class CaseMonthMark(models.Model):
    """诉求统计汇总截止日: one row — ``CaseMonth`` holds the requests received up to ``through`` (local
    date; null: nothing summarised yet, everything is counted live)."""

    through = models.DateField("汇总截止日", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "诉求统计汇总截止日"
        verbose_name_plural = "诉求统计汇总截止日"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"汇总至 {self.through or '—'}"
