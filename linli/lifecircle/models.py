"""生活圈: walking networks, the standard's facility list per circle, access results, coverage, siting.

- ``RoadNetwork``: one walking network per city/district (compressed node and edge arrays).
- ``CircleStandard``: GB 50180-2018's facility list per life-circle level (5/10/15 minutes), with the
  target group of each facility type — data, editable in the admin.
- ``CircleRule``: the 便民/优质生活圈 rule (seed 001: 90 % of urban communities and 50 % of villages
  便民, 50 % / 10 % 优质) — data as well.
- ``Access``: for every building and facility type, the walk to the nearest open facility and the
  number of facilities within the threshold (recomputed in the background).
- ``Coverage``: per community, type and target group, the residents within the type's threshold
  (``within``, GB 50180's 5/10/15 minutes) and within 15 minutes (``within_15``, what the rules judge).
- ``SitingRun``: a stored siting result (chosen sites, residents gained, gap).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

# The circle every coverage share is judged on: 15 minutes' walk (一刻钟便民生活圈; villages: the
# rural circle of ``LifeCircleSettings``), whatever level GB 50180 gives the type (its 5/10/15 minutes
# colour the map and set ``Access.within``).
RULE_MINUTES = 15


class NetworkSource(models.TextChoices):
    OSM_PBF = "osm_pbf", "OpenStreetMap（.osm.pbf）"
    GEOJSON = "geojson", "GeoJSON 道路线"
    SYNTHETIC = "synthetic", "合成路网（演示）"


class RoadNetwork(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属城市/区县", on_delete=models.PROTECT, related_name="road_networks"
    )
    name = models.CharField("名称", max_length=100)
    source = models.CharField("来源", max_length=12, choices=NetworkSource.choices)
    datum = models.CharField("原始坐标系", max_length=8, default="wgs84")
    node_count = models.PositiveIntegerField("节点数", default=0)
    edge_count = models.PositiveIntegerField("路段数", default=0)
    length_km = models.FloatField("道路总长（千米）", default=0)
    data = models.BinaryField("路网数据（npz）")
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("导入时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "步行路网"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def synthetic(self) -> bool:
        return self.source == NetworkSource.SYNTHETIC


class TargetGroup(models.TextChoices):
    ALL = "all", "全体居民"
    ELDERLY = "elderly", "60岁及以上老年人"
    INFANT = "infant", "0–3岁婴幼儿"
    CHILD = "child", "3–6岁儿童"
    PUPIL = "pupil", "6–12岁儿童"


class CircleLevel(models.IntegerChoices):
    FIVE = 5, "5分钟生活圈"
    TEN = 10, "10分钟生活圈"
    FIFTEEN = 15, "15分钟生活圈"


class CircleStandard(models.Model):
    """One line of the standard: facility type → life-circle level (minutes) and target group."""

    type = models.OneToOneField(
        "facilities.FacilityType", verbose_name="设施类型", on_delete=models.CASCADE, related_name="circle"
    )
    minutes = models.PositiveSmallIntegerField("生活圈（分钟）", choices=CircleLevel.choices, default=15)
    group = models.CharField("服务对象", max_length=8, choices=TargetGroup.choices, default=TargetGroup.ALL)
    basis = models.CharField("依据", max_length=120, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "生活圈配套标准"
        ordering = ["minutes", "type__sort"]

    def __str__(self) -> str:
        return f"{self.type} · {self.get_minutes_display()}"


class LifeCircleSettings(models.Model):
    """Singleton (pk=1): walking speed, fallback detour factor, rural circle."""

    walking_speed = models.FloatField(
        "步行速度（米/秒）", default=1.1, validators=[MinValueValidator(0.3), MaxValueValidator(3)]
    )
    detour_factor = models.FloatField(
        "无路网时的绕行系数", default=1.4, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    rural_minutes = models.PositiveSmallIntegerField("农村社区生活圈（分钟）", default=30)
    rural_mode = models.BooleanField("农村社区按农村生活圈计", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "生活圈参数"

    def __str__(self) -> str:
        return "生活圈参数"

    @classmethod
    def get(cls) -> LifeCircleSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class CircleRule(models.Model):
    """便民/优质生活圈: a community meets it when, for every listed type, at least ``min_share`` of the
    type's target group lives within the circle; the district goal is a share of communities."""

    code = models.SlugField("编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=40)
    types = models.ManyToManyField("facilities.FacilityType", verbose_name="必备设施类型", related_name="+")
    min_share = models.FloatField(
        "每类设施覆盖居民比例下限", default=0.8, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    goal_urban = models.FloatField(
        "城市社区达标比例目标", default=0.9, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    goal_rural = models.FloatField(
        "农村社区达标比例目标", default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "生活圈达标规则"
        ordering = ["sort"]

    def __str__(self) -> str:
        return self.name


class Method(models.TextChoices):
    NETWORK = "network", "路网步行距离"
    STRAIGHT = "straight", "直线距离×绕行系数（无路网）"


class Access(models.Model):
    # A derived table of about (buildings × types) rows, rewritten in bulk: no database-level foreign
    # keys (their deferred checks would double the time of a district's recompute); Django cascades.
    building = models.ForeignKey(
        "registry.Building",
        verbose_name="楼栋",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    type = models.ForeignKey(
        "facilities.FacilityType",
        verbose_name="设施类型",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    distance_m = models.FloatField("步行距离（米）", null=True)  # null: no facility reachable
    minutes = models.FloatField("步行时间（分钟）", null=True)
    within = models.PositiveIntegerField("生活圈内设施数", default=0)
    threshold_min = models.PositiveSmallIntegerField("生活圈（分钟）")
    snap_m = models.FloatField("接入路网距离（米）", default=0)
    method = models.CharField("计算方法", max_length=8, choices=Method.choices)

    class Meta:
        verbose_name = verbose_name_plural = "步行可达性"
        constraints = [models.UniqueConstraint(fields=["type", "building"], name="lifecircle_access_unique")]

    def __str__(self) -> str:
        return f"{self.building_id}→{self.type_id}: {self.minutes} 分钟"


class Coverage(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name="社区/村", on_delete=models.CASCADE, related_name="+"
    )
    type = models.ForeignKey(
        "facilities.FacilityType", verbose_name="设施类型", on_delete=models.CASCADE, related_name="+"
    )
    group = models.CharField("服务对象", max_length=8, choices=TargetGroup.choices)
    population = models.PositiveIntegerField("服务对象人数", default=0)
    within = models.PositiveIntegerField("生活圈内人数", default=0)  # at the type's own threshold
    # within the 15-minute circle (villages: the rural circle) whatever the type's level: what the
    # 便民/优质 rules judge (一刻钟便民生活圈)
    within_15 = models.PositiveIntegerField("步行15分钟内人数", default=0)
    buildings_short = models.PositiveIntegerField("生活圈外楼栋数", default=0)
    threshold_min = models.PositiveSmallIntegerField("生活圈（分钟）")
    method = models.CharField("计算方法", max_length=8, choices=Method.choices)

    class Meta:
        verbose_name = verbose_name_plural = "生活圈覆盖"
        constraints = [models.UniqueConstraint(fields=["region", "type"], name="lifecircle_coverage_unique")]

    def __str__(self) -> str:
        return f"{self.region_id}·{self.type_id}: {self.within}/{self.population}"

    @property
    def share(self) -> float | None:
        return self.within / self.population if self.population else None

    @property
    def share_15(self) -> float | None:
        return self.within_15 / self.population if self.population else None


class ComputeRun(models.Model):
    """One recomputation of access and coverage for a city/district, or one incremental update of
    the buildings around changed facilities."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="区域", on_delete=models.CASCADE, related_name="+"
    )
    network = models.ForeignKey(
        RoadNetwork, verbose_name="路网", null=True, blank=True, on_delete=models.SET_NULL
    )
    method = models.CharField("计算方法", max_length=8, choices=Method.choices)
    buildings = models.PositiveIntegerField("楼栋数", default=0)
    types = models.PositiveIntegerField("设施类型数", default=0)
    seconds = models.FloatField("用时（秒）", default=0)
    # an update around changed facilities (its ``buildings`` are those recomputed), not the whole root
    incremental = models.BooleanField("增量更新", default=False)
    finished_at = models.DateTimeField("完成时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "生活圈计算记录"
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.finished_at:%Y-%m-%d %H:%M}"


class Problem(models.TextChoices):
    COVERING = "covering", "让更多居民步行可达"
    MEDIAN = "median", "让居民平均步行时间最短"


class SitingRun(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name="区域", on_delete=models.CASCADE, related_name="+"
    )
    type = models.ForeignKey(
        "facilities.FacilityType", verbose_name="设施类型", on_delete=models.CASCADE, related_name="+"
    )
    problem = models.CharField("测算目标", max_length=8, choices=Problem.choices)
    k = models.PositiveSmallIntegerField("新增设施数")
    group = models.CharField("服务对象", max_length=8, choices=TargetGroup.choices)
    candidates = models.CharField("候选点", max_length=12)
    result = models.JSONField("结果", default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "选址测算"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_problem_display()} k={self.k}"
