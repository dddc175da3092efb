"""平战结合: the emergency module's records — peacetime organisation (灾害信息员, 最小应急单元, 应急预案),
warnings (预警, CAP 1.2 in and out), responses (分级响应) with their level steps, tasks and timeline,
the vulnerable-person check list, shelters with their stays, supplies with their movements, and drills.

The rules that must hold under concurrency are database rules: a shelter's occupancy never exceeds
its capacity and a supply's quantity never goes below zero (check constraints, reached by one
conditional UPDATE each), one check-list row per person and event, one open stay per person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

LEVELS = ["I", "II", "III", "IV"]  # I is the highest


class Hazard(models.TextChoices):
    TYPHOON = "typhoon", "台风"
    FLOOD = "flood", "洪涝"
    FIRE = "fire", "火灾"
    EARTHQUAKE = "earthquake", "地震"
    EPIDEMIC = "epidemic", "传染病疫情"
    LANDSLIDE = "landslide", "山体滑坡/地质灾害"
    OTHER = "other", "其他"


class ResponseLevel(models.TextChoices):
    I = "I", "Ⅰ级（特别重大）"  # noqa: E741 — the level's own name
    II = "II", "Ⅱ级（重大）"
    III = "III", "Ⅲ级（较大）"
    IV = "IV", "Ⅳ级（一般）"


class InfoOfficer(models.Model):
    """灾害信息员: the person who reports disasters for a community (at least one per community)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="社区/村", on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "registry.Staff",
        verbose_name="工作人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField("姓名", max_length=64)
    since = models.DateField("任职日期", default=timezone.localdate)
    until = models.DateField("离任日期", null=True, blank=True)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "灾害信息员"
        verbose_name_plural = "灾害信息员"
        ordering = ["region_id", "since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "staff"],
                condition=Q(until__isnull=True, staff__isnull=False),
                name="infoofficer_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（灾害信息员）"


class EmergencyUnit(models.Model):
    """最小应急单元: a small team for an estate or building, with a leader and members drawn from the
    grid team, volunteers and residents."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="社区/村", on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        "registry.Building", verbose_name="小区/楼栋", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("名称", max_length=80)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="单元长账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    leader_name = models.CharField("单元长", max_length=64)
    active = models.BooleanField("在用", default=True)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "最小应急单元"
        verbose_name_plural = "最小应急单元"
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["building"], condition=Q(active=True), name="unit_one_per_building"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MemberSource(models.TextChoices):
    GRID_TEAM = "grid_team", "网格团队"
    VOLUNTEER = "volunteer", "志愿者"
    RESIDENT = "resident", "居民"
    UNLISTED = "unlisted", "名册外人员"


class UnitMember(models.Model):
    """最小应急单元成员: a member linked to the record they were chosen from — a grid team member
    (workforce), a registered volunteer, a registry resident — with the account that gets the unit's
    tasks where there is one; ``source`` ``unlisted`` is someone typed by name, in none of the lists.
    ``leader``: the unit's 单元长 (at most one)."""

    unit = models.ForeignKey(
        EmergencyUnit, verbose_name="单元", on_delete=models.CASCADE, related_name="members"
    )
    source = models.CharField("来源", max_length=12, choices=MemberSource.choices)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name="居民",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team_member = models.ForeignKey(
        "workforce.TeamMember",
        verbose_name="网格团队成员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name="志愿者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField("姓名", max_length=64)
    duty = models.CharField("分工", max_length=60, blank=True)
    leader = models.BooleanField("单元长", default=False)

    class Meta:
        verbose_name = "应急单元成员"
        verbose_name_plural = "应急单元成员"
        ordering = ["unit_id", "-leader", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=Q(leader=True), name="unitmember_one_leader"),
        ]

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """应急预案: a hazard's plan for a community or street — its levels and the actions each starts
    (the document as ``linli.emergency.engine.plans`` validates it)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="社区/街道", on_delete=models.PROTECT, related_name="+"
    )
    hazard = models.CharField("灾种", max_length=12, choices=Hazard.choices)
    title = models.CharField("名称", max_length=120)
    document = models.JSONField("预案内容")
    updated_at = models.DateTimeField("修改时间", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "应急预案"
        verbose_name_plural = "应急预案"
        ordering = ["region_id", "hazard"]
        constraints = [models.UniqueConstraint(fields=["region", "hazard"], name="plan_one_per_hazard")]

    def __str__(self) -> str:
        return self.title


class WarningSource(models.TextChoices):
    ENTERED = "entered", "录入"
    CAP = "cap", "CAP 导入"
    ISSUED = "issued", "街道/区发布"


class WarningStatus(models.TextChoices):
    ACTIVE = "active", "生效中"
    EXPIRED = "expired", "已过期"
    CANCELLED = "cancelled", "已解除"


class Severity(models.TextChoices):
    EXTREME = "Extreme", "特别严重（红色）"
    SEVERE = "Severe", "严重（橙色）"
    MODERATE = "Moderate", "较重（黄色）"
    MINOR = "Minor", "一般（蓝色）"
    UNKNOWN = "Unknown", "未知"


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", "立即"
    EXPECTED = "Expected", "预计 1 小时内"
    FUTURE = "Future", "近期"
    PAST = "Past", "已过去"
    UNKNOWN = "Unknown", "未知"


class Certainty(models.TextChoices):
    OBSERVED = "Observed", "已发生"
    LIKELY = "Likely", "很可能"
    POSSIBLE = "Possible", "可能"
    UNLIKELY = "Unlikely", "不太可能"
    UNKNOWN = "Unknown", "未知"


class Warning(models.Model):  # noqa: A001 — the domain's word
    """预警: a warning received (entered, imported as CAP 1.2) or issued by the street or district,
    for an area (a set of communities and/or a polygon) and a time window."""

    number = models.CharField("预警编号", max_length=24, unique=True)
    identifier = models.CharField("CAP 标识", max_length=200, unique=True)
    sender = models.CharField("发布机构标识", max_length=200)
    sender_name = models.CharField("发布机构", max_length=120, blank=True)
    source = models.CharField("来源", max_length=8, choices=WarningSource.choices)
    hazard = models.CharField("灾种", max_length=12, choices=Hazard.choices)
    event = models.CharField("事件", max_length=120)
    severity = models.CharField("严重程度", max_length=10, choices=Severity.choices)
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices)
    certainty = models.CharField("确定程度", max_length=10, choices=Certainty.choices)
    headline = models.CharField("标题", max_length=160)
    description = models.TextField("内容")
    instruction = models.TextField("防御指引", blank=True)
    sent = models.DateTimeField("发布时间")
    onset = models.DateTimeField("起始时间")
    expires = models.DateTimeField("截止时间")
    status = models.CharField(
        "状态", max_length=10, choices=WarningStatus.choices, default=WarningStatus.ACTIVE
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="发布/接收单位区划", on_delete=models.PROTECT, related_name="+"
    )
    regions = models.ManyToManyField(
        "regions.Region", verbose_name="影响社区/村", related_name="+", blank=True
    )
    area_desc = models.CharField("影响范围", max_length=300)
    polygon = models.JSONField("范围多边形（纬度, 经度）", default=list, blank=True)
    cap_xml = models.TextField("原始 CAP 报文", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-sent", "-id"]
        indexes = [models.Index(fields=["status", "expires"], name="warning_status_expires")]
        constraints = [
            models.CheckConstraint(condition=Q(expires__gt=F("onset")), name="warning_window_order"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.headline}"


class Counter(models.Model):
    """编号计数: the last serial of each kind and day (a row updated atomically)."""

    kind = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "编号计数"
        verbose_name_plural = "编号计数"
        ordering = ["kind", "day"]
        constraints = [models.UniqueConstraint(fields=["kind", "day"], name="emergency_counter_one")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}: {self.last}"


class EventStatus(models.TextChoices):
    ACTIVE = "active", "响应中"
    ENDED = "ended", "已结束"


class Event(models.Model):
    """应急事件: one response (分级响应) over an area, from its declaration to its end."""

    number = models.CharField("事件编号", max_length=24, unique=True)
    hazard = models.CharField("灾种", max_length=12, choices=Hazard.choices)
    title = models.CharField("名称", max_length=120)
    region = models.ForeignKey(
        "regions.Region", verbose_name="指挥单位区划", on_delete=models.PROTECT, related_name="+"
    )
    regions = models.ManyToManyField("regions.Region", verbose_name="响应社区/村", related_name="+")
    level = models.CharField("响应级别", max_length=4, choices=ResponseLevel.choices, blank=True)
    status = models.CharField("状态", max_length=8, choices=EventStatus.choices, default=EventStatus.ACTIVE)
    warning = models.ForeignKey(
        Warning, verbose_name="预警", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    started_at = models.DateTimeField("启动时间", default=timezone.now)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "应急事件"
        verbose_name_plural = "应急事件"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status="ended") | ~Q(level=""), name="event_active_has_level"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class LevelStep(models.Model):
    """响应级别变更: a level declared, raised, lowered or ended — who and why (append-only)."""

    event = models.ForeignKey(Event, verbose_name="事件", on_delete=models.CASCADE, related_name="steps")
    old_level = models.CharField("原级别", max_length=4, blank=True)
    new_level = models.CharField("新级别", max_length=4, blank=True)  # "" ends the response
    reason = models.CharField("理由", max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "响应级别变更"
        verbose_name_plural = "响应级别变更"
        ordering = ["event_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.old_level or '—'} → {self.new_level or '结束'}"


class TaskStatus(models.TextChoices):
    OPEN = "open", "待完成"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已取消"


class ActionTask(models.Model):
    """响应任务: one action of the plan, started by a level, given to a named account with a deadline."""

    event = models.ForeignKey(Event, verbose_name="事件", on_delete=models.CASCADE, related_name="tasks")
    step = models.ForeignKey(LevelStep, verbose_name="启动于", on_delete=models.CASCADE, related_name="tasks")
    region = models.ForeignKey(
        "regions.Region", verbose_name="社区/村", on_delete=models.PROTECT, related_name="+"
    )
    action_key = models.CharField("动作", max_length=40)
    level = models.CharField("级别", max_length=4)
    title = models.CharField("任务", max_length=120)
    description = models.CharField("说明", max_length=500, blank=True)
    who = models.CharField("责任类别", max_length=20)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee_label = models.CharField("责任人", max_length=120)
    unit = models.ForeignKey(
        EmergencyUnit,
        verbose_name="应急单元",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_at = models.DateTimeField("完成时限")
    status = models.CharField("状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    note = models.CharField("完成情况", max_length=300, blank=True)

    class Meta:
        verbose_name = "响应任务"
        verbose_name_plural = "响应任务"
        ordering = ["event_id", "due_at", "id"]
        indexes = [models.Index(fields=["assignee", "status"], name="actiontask_assignee_status")]

    def __str__(self) -> str:
        return self.title


class LogKind(models.TextChoices):
    WARNING = "warning", "预警"
    DECISION = "decision", "决策"
    ACTION = "action", "行动"
    CHECK = "check", "核查"
    REPORT = "report", "报告"
    SHELTER = "shelter", "转移安置"
    SUPPLY = "supply", "物资"


class EventLog(models.Model):
    """事件时间线: what happened during an event, in order (append-only)."""

    event = models.ForeignKey(Event, verbose_name="事件", on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField("时间", default=timezone.now)
    kind = models.CharField("类别", max_length=10, choices=LogKind.choices)
    text = models.CharField("内容", max_length=300)
    by_name = models.CharField("记录人", max_length=64, blank=True)

    class Meta:
        verbose_name = "事件记录"
        verbose_name_plural = "事件记录"
        ordering = ["event_id", "at", "id"]

    def __str__(self) -> str:
        return self.text


class CheckStatus(models.TextChoices):
    PENDING = "pending", "未联系上"
    SAFE = "safe", "平安"
    SHELTERED = "sheltered", "已转移安置"
    NEEDS_HELP = "needs_help", "需要帮助"


class CheckItem(models.Model):
    """重点人员核查: one vulnerable person on an event's list, the responder assigned and what they found."""

    event = models.ForeignKey(Event, verbose_name="事件", on_delete=models.CASCADE, related_name="checks")
    person = models.ForeignKey(
        "registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="网格/社区", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    community_code = models.CharField("社区代码", max_length=12, db_index=True)
    building = models.ForeignKey(
        "registry.Building",
        verbose_name="楼栋",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    categories = models.CharField("类别", max_length=200)
    priority = models.PositiveSmallIntegerField("优先级", default=9)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核查人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(
        "核查结果", max_length=12, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    shelter = models.ForeignKey(
        "facilities.Facility",
        verbose_name="安置场所",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_number = models.CharField("求助诉求编号", max_length=20, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核查人账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "重点人员核查"
        verbose_name_plural = "重点人员核查"
        ordering = ["event_id", "priority", "building_id", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="checkitem_one_per_person")]
        indexes = [
            models.Index(fields=["event", "assignee", "status"], name="checkitem_assignee"),
            models.Index(fields=["event", "community_code", "status"], name="checkitem_community"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.person_id} {self.status}"


class Shelter(models.Model):
    """避难场所 in use: a facility of type shelter with its capacity and current occupancy."""

    facility = models.OneToOneField(
        "facilities.Facility", verbose_name="场所", on_delete=models.PROTECT, related_name="shelter"
    )
    capacity = models.PositiveIntegerField("容纳人数")
    occupancy = models.PositiveIntegerField("在场人数", default=0)
    is_open = models.BooleanField("开放中", default=False)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "避难场所"
        verbose_name_plural = "避难场所"
        ordering = ["facility__region__code", "facility__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(occupancy__lte=F("capacity")), name="shelter_not_over_capacity"
            ),
            models.CheckConstraint(condition=Q(occupancy__gte=0), name="shelter_occupancy_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.facility.name}（{self.occupancy}/{self.capacity}）"

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.occupancy)


class ShelterStay(models.Model):
    """安置登记: a person checked in to a shelter (and out again)."""

    shelter = models.ForeignKey(
        Shelter, verbose_name="避难场所", on_delete=models.PROTECT, related_name="stays"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name="户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="人员所属区划", on_delete=models.PROTECT, related_name="+"
    )
    event = models.ForeignKey(
        Event, verbose_name="事件", null=True, blank=True, on_delete=models.SET_NULL, related_name="stays"
    )
    checked_in_at = models.DateTimeField("入住时间", default=timezone.now)
    checked_out_at = models.DateTimeField("离开时间", null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "安置登记"
        verbose_name_plural = "安置登记"
        ordering = ["shelter_id", "-checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(checked_out_at__isnull=True), name="stay_one_open_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.shelter_id}"


class SupplyStore(models.Model):
    """应急物资储备点: a store of supplies of a community or street."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="社区/街道", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("名称", max_length=80)
    address = models.CharField("地址", max_length=200, blank=True)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "应急物资储备点"
        verbose_name_plural = "应急物资储备点"
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class Supply(models.Model):
    """物资: one kind of supply in a store (one batch per expiry date), with its quantity on hand."""

    store = models.ForeignKey(
        SupplyStore, verbose_name="储备点", on_delete=models.PROTECT, related_name="supplies"
    )
    name = models.CharField("物资名称", max_length=60)
    unit = models.CharField("单位", max_length=8)
    quantity = models.IntegerField("库存数量", default=0)
    expires_on = models.DateField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = "物资"
        verbose_name_plural = "物资"
        ordering = ["store_id", "name", "expires_on"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="supply_never_below_zero"),
            models.UniqueConstraint(
                fields=["store", "name", "expires_on"],
                condition=Q(expires_on__isnull=False),
                name="supply_one_batch",
            ),
            models.UniqueConstraint(
                fields=["store", "name"],
                condition=Q(expires_on__isnull=True),
                name="supply_one_lasting_batch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.quantity}{self.unit}"


class MovementKind(models.TextChoices):
    RECEIVED = "received", "入库"
    ISSUED = "issued", "发放"
    RETURNED = "returned", "归还"


class SupplyMovement(models.Model):
    """物资出入库: a movement of a supply (append-only; the quantity on hand follows it)."""

    supply = models.ForeignKey(
        Supply, verbose_name="物资", on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField("类别", max_length=10, choices=MovementKind.choices)
    quantity = models.PositiveIntegerField("数量")
    shelter = models.ForeignKey(
        Shelter,
        verbose_name="发往避难场所",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name="发往住户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.ForeignKey(
        Event, verbose_name="事件", null=True, blank=True, on_delete=models.SET_NULL, related_name="movements"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "物资出入库"
        verbose_name_plural = "物资出入库"
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="movement_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity}"


class Drill(models.Model):
    """应急演练: a drill held by a community — date, scenario, participants and findings."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="社区/村", on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField("演练日期")
    hazard = models.CharField("灾种", max_length=12, choices=Hazard.choices)
    scenario = models.CharField("演练科目", max_length=200)
    participants = models.PositiveIntegerField("参与人数")
    findings = models.TextField("发现的问题与改进", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "应急演练"
        verbose_name_plural = "应急演练"
        ordering = ["-held_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(participants__gt=0), name="drill_has_participants")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.scenario}"
