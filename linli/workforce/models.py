"""The records of the front line and the staff side: grid teams, patrols and their tracks, grid tasks,
the community's duty catalogue, and the posts, grades and training rules of community workers.

Grids and staff are read from ``regions`` / ``registry``; nothing there depends on these records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from linli.workforce.engine import rules


class TeamPost(models.TextChoices):
    """The posts of 一格一长一警一专多兼 and the 三长."""

    LEADER = "leader", "网格长"
    WORKER = "worker", "网格员"
    POLICE = "police", "社区民警"
    SPECIALIST = "specialist", "专业力量"
    BUILDING_HEAD = "building_head", "楼栋长"
    UNIT_HEAD = "unit_head", "单元长"


class GridRule(models.Model):
    """网格工作规则: how a region (district, street or community) sets up its grids — patrols owed a
    day (一日两巡) and the posts every team must have. The nearest rule up the tree applies."""

    region = models.OneToOneField(
        "regions.Region", verbose_name="区划", on_delete=models.CASCADE, related_name="grid_rule"
    )
    patrols_per_day = models.PositiveSmallIntegerField("每日巡查次数", default=rules.PATROLS_PER_DAY)
    required_posts = models.JSONField("必备岗位", default=list, blank=True)

    class Meta:
        verbose_name = "网格工作规则"
        verbose_name_plural = "网格工作规则"
        ordering = ["region__code"]
        constraints = [
            models.CheckConstraint(condition=Q(patrols_per_day__lte=6), name="gridrule_patrols_sane"),
        ]

    def __str__(self) -> str:
        return f"{self.region}：每日{self.patrols_per_day}巡"


class TeamMember(models.Model):
    """网格团队成员: one member of a grid's team in one post — a staff member, a resident (楼栋长、单元长)
    or someone from outside the registry (the police officer, a professional) by name."""

    grid = models.ForeignKey(
        "regions.Region", verbose_name="网格", on_delete=models.CASCADE, related_name="team"
    )
    post = models.CharField("岗位", max_length=16, choices=TeamPost.choices)
    staff = models.ForeignKey(
        "registry.Staff",
        verbose_name="工作人员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name="居民",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    name = models.CharField("姓名", max_length=64, blank=True)
    unit = models.CharField("所在单位/负责楼栋", max_length=100, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    since = models.DateField("任职日期", default=timezone.localdate)
    until = models.DateField("离任日期", null=True, blank=True)  # ended, kept as history: never deleted

    class Meta:
        verbose_name = "网格团队成员"
        verbose_name_plural = "网格团队成员"
        ordering = ["grid__code", "post", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(staff__isnull=False) | Q(person__isnull=False) | ~Q(name=""),
                name="teammember_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.label}"

    @property
    def label(self) -> str:
        if self.staff is not None:
            return self.staff.name
        if self.person is not None:
            return self.person.name
        return self.name


class PatrolStatus(models.TextChoices):
    ACTIVE = "active", "巡查中"
    DONE = "done", "已结束"


class Patrol(models.Model):
    """巡查: one patrol of a grid by a grid worker, from start to end, with its measured summary."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="网格员", on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "regions.Region", verbose_name="网格", on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField("日期", db_index=True)
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    status = models.CharField("状态", max_length=8, choices=PatrolStatus.choices, default=PatrolStatus.ACTIVE)
    consent_at = models.DateTimeField("同意记录位置时间")
    distance_m = models.FloatField("里程（米）", default=0)
    distance_in_grid_m = models.FloatField("网格内里程（米）", default=0)
    minutes_in_grid = models.FloatField("网格内时长（分钟）", default=0)
    buildings_passed = models.PositiveIntegerField("经过楼栋数", default=0)
    points = models.PositiveIntegerField("定位点数", default=0)
    flagged = models.PositiveIntegerField("异常点数", default=0)
    coarsened = models.BooleanField("轨迹已粗化", default=False)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "巡查"
        verbose_name_plural = "巡查"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["grid", "day"], name="patrol_grid_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"], condition=Q(status="active"), name="patrol_one_active_per_worker"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="patrol_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.day:%Y-%m-%d} 巡查"


class TrackPoint(models.Model):
    """轨迹点: the phone's position during a patrol (WGS-84). ``flagged``: reached at an impossible
    speed from the last trusted point — kept, not trusted."""

    patrol = models.ForeignKey(Patrol, verbose_name="巡查", on_delete=models.CASCADE, related_name="track")
    at = models.DateTimeField("时间")
    lat = models.FloatField("纬度")
    lon = models.FloatField("经度")
    accuracy = models.FloatField("精度（米）", null=True, blank=True)
    flagged = models.BooleanField("异常", default=False)

    class Meta:
        verbose_name = "轨迹点"
        verbose_name_plural = "轨迹点"
        ordering = ["patrol_id", "at"]
        indexes = [models.Index(fields=["patrol", "at"], name="trackpoint_patrol_at")]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} ({self.lat:.5f}, {self.lon:.5f})"


class LogKind(models.TextChoices):
    EVENT = "event", "上报事件"
    VISIT = "visit", "走访"
    BUILDING = "building", "楼栋信息更正"
    TASK = "task", "网格任务"
    NOTE = "note", "巡查记录"


class PatrolLog(models.Model):
    """巡查日志: what the worker saw or did on the way."""

    patrol = models.ForeignKey(Patrol, verbose_name="巡查", on_delete=models.CASCADE, related_name="logs")
    at = models.DateTimeField("时间", default=timezone.now)
    kind = models.CharField("类型", max_length=10, choices=LogKind.choices)
    text = models.CharField("内容", max_length=300)
    lat = models.FloatField("纬度", null=True, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    ref = models.CharField("关联编号", max_length=40, blank=True)  # request number, building code …

    class Meta:
        verbose_name = "巡查日志"
        verbose_name_plural = "巡查日志"
        ordering = ["patrol_id", "at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.text[:20]}"


# --- duty catalogue and 准入 ------------------------------------------------------------------------


class DutyKind(models.TextChoices):
    STATUTORY = "statutory", "依法履职事项"
    ASSISTING = "assisting", "协助事项"


class Duty(models.Model):
    """社区职责事项: what a community does by law, or assists a department with (协助事项, with the
    funding that must follow it: 费随事转)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="制定区划", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField("事项名称", max_length=100)
    kind = models.CharField("类别", max_length=10, choices=DutyKind.choices)
    keywords = models.JSONField("关键词", default=list, blank=True)
    department = models.CharField("主管部门", max_length=100, blank=True)
    funding = models.CharField("随事转移的经费", max_length=200, blank=True)
    basis = models.CharField("依据", max_length=200, blank=True)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "社区职责事项"
        verbose_name_plural = "社区职责事项"
        ordering = ["region__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="duty_name_unique"),
            models.CheckConstraint(
                condition=Q(kind="statutory") | ~Q(funding=""), name="duty_assisting_funded"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Proof(models.Model):
    """证明事项: a certificate the community may issue."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="制定区划", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField("证明名称", max_length=100)
    keywords = models.JSONField("关键词", default=list, blank=True)
    basis = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "证明事项"
        verbose_name_plural = "证明事项"
        ordering = ["region__code", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="proof_name_unique")]

    def __str__(self) -> str:
        return self.name


# --- grid tasks --------------------------------------------------------------------------------------


class TaskKind(models.TextChoices):
    CHECK = "check", "核查"
    SURVEY = "survey", "排查"
    PUBLICITY = "publicity", "宣传"
    COLLECT = "collect", "采集"


class TaskPer(models.TextChoices):
    BUILDING = "building", "每栋楼"
    HOUSEHOLD = "household", "每户"


class TaskStatus(models.TextChoices):
    PENDING = "pending", "待街道审核"
    ISSUED = "issued", "已下发"
    REFUSED = "refused", "不予准入"


class GridTask(models.Model):
    """网格任务: a task a department or a street sends to the grids of communities, with a deadline
    and the form of what must be reported per building or household. Its 准入 decision is kept."""

    number = models.CharField("任务编号", max_length=20, unique=True)
    title = models.CharField("任务名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=TaskKind.choices)
    content = models.TextField("任务内容", blank=True)
    per = models.CharField("填报单位", max_length=10, choices=TaskPer.choices, default=TaskPer.BUILDING)
    fields = models.JSONField(
        "填报项", default=list
    )  # [{"key": "f1", "label": "…", "type": "yesno|text|number"}]
    deadline = models.DateField("截止日期")
    issuer_org = models.ForeignKey(
        "registry.Organisation",
        verbose_name="派出部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issuer_region = models.ForeignKey(
        "regions.Region", verbose_name="派出单位", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="下发范围", on_delete=models.PROTECT, related_name="+"
    )
    duty = models.ForeignKey(
        Duty, verbose_name="对应职责事项", null=True, blank=True, on_delete=models.PROTECT
    )
    funding = models.CharField("随事转移的经费", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=TaskStatus.choices)
    decision = models.CharField("准入结论", max_length=12)
    reason = models.CharField("准入理由", max_length=300)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "网格任务"
        verbose_name_plural = "网格任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class TaskItem(models.Model):
    """网格任务填报: one building or household of a task, in its grid; done when its answers are in."""

    task = models.ForeignKey(GridTask, verbose_name="任务", on_delete=models.CASCADE, related_name="items")
    grid = models.ForeignKey(
        "regions.Region", verbose_name="网格", on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        "registry.Building", verbose_name="楼栋", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name="户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answers = models.JSONField("填报内容", default=dict, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "网格任务填报"
        verbose_name_plural = "网格任务填报"
        ordering = ["task_id", "grid__code", "building__code", "id"]
        indexes = [models.Index(fields=["task", "grid"], name="taskitem_task_grid")]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "building"],
                condition=Q(household__isnull=True),
                name="taskitem_building_once",
            ),
            models.UniqueConstraint(
                fields=["task", "household"],
                condition=Q(household__isnull=False),
                name="taskitem_household_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.number} {self.building}"


# --- staff side ----------------------------------------------------------------------------------------


class StaffGrade(models.Model):
    """岗位等级: a community worker's post and grade in 三岗十八级 and annual pay (one per staff member)."""

    staff = models.OneToOneField(
        "registry.Staff", verbose_name="工作人员", on_delete=models.CASCADE, related_name="grade"
    )
    post = models.CharField("岗位（三岗）", max_length=10, choices=list(rules.POSTS.items()))
    grade = models.PositiveSmallIntegerField("等级（十八级）")
    annual_pay = models.DecimalField("年度应发报酬（元）", max_digits=10, decimal_places=0)
    rotation = models.ForeignKey(
        "RotationRule",
        verbose_name="轮训规则",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "岗位等级"
        verbose_name_plural = "岗位等级"
        ordering = ["staff_id"]
        constraints = [
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=18), name="staffgrade_grade_1_18"),
            models.CheckConstraint(condition=Q(post__in=list(rules.POSTS)), name="staffgrade_post_known"),
            models.CheckConstraint(condition=Q(annual_pay__gte=0), name="staffgrade_pay_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_post_display()}{self.grade}级"


class RotationRule(models.Model):
    """轮训规则: how often a post must be trained (村(居)委会主任每年, 成员每两年), editable."""

    key = models.SlugField("编码", max_length=20, unique=True)
    name = models.CharField("适用岗位", max_length=40)
    every_years = models.PositiveSmallIntegerField("每几年轮训一次")
    post_words = models.JSONField("岗位关键词", default=list, blank=True)  # matched in Staff.post

    class Meta:
        verbose_name = "轮训规则"
        verbose_name_plural = "轮训规则"
        ordering = ["every_years", "key"]
        constraints = [
            models.CheckConstraint(condition=Q(every_years__gte=1), name="rotation_years_positive")
        ]

    def __str__(self) -> str:
        return f"{self.name}：每{self.every_years}年"


class IncomeBaseline(models.Model):
    """上年度城镇居民人均可支配收入: the value the district enters per year, against which pay is read."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="区划", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    income = models.DecimalField("城镇居民人均可支配收入（元）", max_digits=10, decimal_places=0)

    class Meta:
        verbose_name = "城镇居民人均可支配收入"
        verbose_name_plural = "城镇居民人均可支配收入"
        ordering = ["region__code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="income_region_year"),
            models.CheckConstraint(condition=Q(income__gt=0), name="income_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}年 {self.income}元"


class CandidateStatus(models.TextChoices):
    POOL = "pool", "在库培养"
    PLACED = "placed", "已任用"
    WITHDRAWN = "withdrawn", "已退出"


class Candidate(models.Model):
    """后备人才: a candidate for the community's 两委 or staff posts; leaves the pool when placed in a
    post (已任用) or withdrawn (已退出), kept as history."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="社区/村", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("姓名", max_length=64)
    birth_year = models.PositiveSmallIntegerField("出生年份")
    education = models.CharField("学历", max_length=20, blank=True)
    current_work = models.CharField("现工作", max_length=100, blank=True)
    intended_post = models.CharField("拟培养岗位", max_length=40, blank=True)
    added_on = models.DateField("入库日期", default=timezone.localdate)
    status = models.CharField(
        "状态", max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.POOL
    )
    left_on = models.DateField("出库日期", null=True, blank=True)
    outcome = models.CharField("去向/退出原因", max_length=100, blank=True)
    synthetic = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "后备人才"
        verbose_name_plural = "后备人才库"
        ordering = ["region__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pool", "placed", "withdrawn"]), name="candidate_status_known"
            ),
            models.CheckConstraint(
                condition=Q(status="pool", left_on__isnull=True)
                | (~Q(status="pool") & Q(left_on__isnull=False)),
                name="candidate_left_when_out",
            ),
            models.CheckConstraint(condition=Q(birth_year__gte=1900), name="candidate_birth_year_sane"),
        ]

    def __str__(self) -> str:
        return self.name
