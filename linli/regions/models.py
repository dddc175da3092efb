"""行政区划与网格: the hierarchy province → city → district → street/town → community/village → grid."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from linli.core.scope import subtree_q, subtree_range

__all__ = [  # subtree_q / subtree_range: the kernel's code-range filter, re-exported for the apps
    "CODE_LENGTH",
    "LEVEL_OF_LENGTH",
    "Level",
    "Region",
    "RegionQuerySet",
    "SKETCHED",
    "UrbanRural",
    "subtree_q",
    "subtree_range",
]


class Level(models.IntegerChoices):
    PROVINCE = 1, "省"
    CITY = 2, "市"
    DISTRICT = 3, "区县"
    STREET = 4, "街道/乡镇"
    COMMUNITY = 5, "社区/村"
    GRID = 6, "网格"


# Length of the statistical code at each level (a grid is its village's 12 digits + 3).
CODE_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.DISTRICT: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
}
LEVEL_OF_LENGTH = {n: lvl for lvl, n in CODE_LENGTH.items()}


# ``Region.boundary_source`` of outlines drawn from the demo's synthetic buildings (示意边界)
SKETCHED = "demo"


class UrbanRural(models.TextChoices):
    URBAN = "urban", "城镇社区"
    RURAL = "rural", "农村（行政村）"


class RegionQuerySet(models.QuerySet["Region"]):
    def current(self, on: dt.date | None = None) -> RegionQuerySet:
        if on is None:
            return self.filter(valid_to__isnull=True)
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on)

    def subtree(self, code: str, *, include_self: bool = True) -> RegionQuerySet:
        qs = self.filter(subtree_q(code))
        return qs if include_self else qs.exclude(code=code)


class Region(models.Model):
    """区划: one node of the hierarchy, keyed by its statistical code (2/4/6/9/12 digits; grids 15).

    Rows are never rewritten by a re-division: the old row gets ``valid_to`` and a new row starts.
    """

    code = models.CharField("统计用区划代码", max_length=15, db_index=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    urban_rural = models.CharField("城乡分类", max_length=8, choices=UrbanRural.choices, blank=True)
    urban_rural_manual = models.BooleanField("城乡分类人工指定", default=False)
    boundary = models.JSONField("边界（GeoJSON）", null=True, blank=True)
    # SKETCHED when the boundary is drawn from the demo's synthetic buildings (示意边界), "" when surveyed
    boundary_source = models.CharField("边界来源", max_length=40, blank=True, default="")
    centroid_lat = models.FloatField("中心纬度", null=True, blank=True)
    centroid_lon = models.FloatField("中心经度", null=True, blank=True)
    valid_from = models.DateField("生效日期", default=dt.date(2023, 1, 1))
    valid_to = models.DateField("失效日期", null=True, blank=True)
    source = models.CharField("来源", max_length=40, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = "区划"
        verbose_name_plural = "区划"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True), name="region_one_current_per_code"
            ),
            models.UniqueConstraint(fields=["code", "valid_from"], name="region_code_valid_from_unique"),
            models.CheckConstraint(
                condition=(
                    Q(Exact(Length("code"), 2), level=1)
                    | Q(Exact(Length("code"), 4), level=2)
                    | Q(Exact(Length("code"), 6), level=3)
                    | Q(Exact(Length("code"), 9), level=4)
                    | Q(Exact(Length("code"), 12), level=5)
                    | Q(Exact(Length("code"), 15), level=6)
                ),
                name="region_code_length_matches_level",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="region_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def boundary_sketched(self) -> bool:
        """Whether the boundary is a sketch drawn from the demo's buildings, not a surveyed line."""
        return self.boundary_source == SKETCHED

    @property
    def level_label(self) -> str:
        return Level(self.level).label

    @property
    def urban_rural_label(self) -> str:
        """城镇社区 / 农村（行政村）, or "" when not classified."""
        return self.get_urban_rural_display() if self.urban_rural else ""

    def ancestors_codes(self) -> list[str]:
        return [self.code[:n] for n in sorted(set(CODE_LENGTH.values())) if n < len(self.code)]

    @property
    def parent_code(self) -> str | None:
        """The code of the region above (from the code itself, no query); None for a province."""
        codes = self.ancestors_codes()
        return codes[-1] if codes else None

    def ancestors(self) -> list[Region]:
        """Path from the root, in one query."""
        return list(Region.objects.current().filter(code__in=self.ancestors_codes()).order_by("level"))

    @cached_property
    def ancestor_list(self) -> list[Region]:
        """``ancestors()``, queried once per instance however often it is read."""
        return self.ancestors()

    def full_name(self) -> str:
        return "".join(r.name for r in self.ancestor_list if r.level >= Level.CITY) + self.name

    def contains(self, code: str) -> bool:
        return code.startswith(self.code)
