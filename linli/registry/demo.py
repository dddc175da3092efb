"""演示数据: a synthetic but plausible 泉州市洛江区 (district 350504) and the demo accounts.

The regions are real (the 2023 statistical codes, loaded by ``division_import``); everything under
them is synthetic and deterministic from the seed: grids (``source="demo"``, so every page shows
"演示数据（合成）"), buildings, households, about 230 000 persons shaped like the 2020 census
(household size ≈ 2.9, 0–14 ≈ 19 %, 15–59 ≈ 64 %, 60+ ≈ 17 %, 80+ ≈ 2.3 %, sex ratio ≈ 105), their
tags, organisations, staff and training records.

A handful of defects are planted on purpose so that the four-no-miss audit (居不漏格、格不漏楼、
楼不漏户、户不漏人) and the duplicate-ID check have something to find: buildings placed just outside
their grid, buildings and households with nobody in them, persons without a household and pairs of
persons sharing one ID number (legacy data). ``DemoResult.planted`` lists them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

import numpy as np
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from linli.core.bulk import insert_rows
from linli.core.engine import idnumber
from linli.core.models import User
from linli.core.personal import EncryptedField, SensitiveValue, cipher
from linli.core.roles import DEFAULT_EXPORT, DEFAULT_REVEAL, Role
from linli.regions.models import Level, Region, UrbanRural
from linli.regions.services import division_import
from linli.registry.models import (
    Building,
    BuildingKind,
    CertificateLevel,
    DisabilityCategory,
    Household,
    Organisation,
    OrganisationKind,
    Person,
    PersonTag,
    Relation,
    ResidenceType,
    Staff,
    StaffKind,
    TagKind,
    Training,
)

DISTRICT_CODE = "350504"
DISTRICT_NAME = "洛江区"
ADDRESS_PREFIX = "福建省泉州市洛江区"
DEFAULT_SEED = 2026
FULL_POPULATION = 230_000
DEMO_SOURCE = "demo"
DEMO_PASSWORD = "linli-demo-2026"
BATCH = 5000

HOUSEHOLDS_PER_GRID = 300
# Deliberate defects for the audits (absolute numbers, whatever the scale).
PLANT_OUTSIDE_BUILDINGS = 5
PLANT_EMPTY_BUILDINGS = 10
PLANT_EMPTY_HOUSEHOLDS = 10
PLANT_UNHOUSED_PERSONS = 20
PLANT_DUPLICATE_IDS = 5

M_PER_DEG_LAT = 110_950.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(25.05))

# Where each street/town's communities are laid out (lat_min, lat_max, lon_min, lon_max), inside
# 洛江's real extent (24.93–25.22 N, 118.55–118.80 E); the urban streets sit around 24.96 N 118.67 E.
ZONES: dict[str, tuple[float, float, float, float]] = {
    "350504001": (24.935, 24.985, 118.645, 118.705),  # 万安街道
    "350504002": (24.985, 25.030, 118.600, 118.680),  # 双阳街道
    "350504100": (24.990, 25.215, 118.550, 118.600),  # 罗溪镇
    "350504101": (25.030, 25.140, 118.600, 118.690),  # 马甲镇
    "350504102": (24.990, 25.110, 118.690, 118.800),  # 河市镇
    "350504200": (25.140, 25.220, 118.600, 118.760),  # 虹山乡
}
DISTRICT_BOX = (24.93, 25.22, 118.55, 118.80)

# --- the stream of random numbers ------------------------------------------------------------------


class Stream:
    """Uniform numbers drawn from ``numpy.random.default_rng(seed)`` in blocks (fast scalar draws)."""

    def __init__(self, seed: int, block: int = 1 << 16):
        self.rng = np.random.default_rng(seed)
        self.block = block
        self.buf: list[float] = []
        self.i = 0

    def u(self) -> float:
        if self.i >= len(self.buf):
            self.buf = self.rng.random(self.block).tolist()
            self.i = 0
        v = self.buf[self.i]
        self.i += 1
        return v

    def between(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""
        return lo + min(int(self.u() * (hi - lo + 1)), hi - lo)

    def uniform(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.u()

    def chance(self, p: float) -> bool:
        return self.u() < p

    def choice[V](self, items: Sequence[V]) -> V:
        return items[self.between(0, len(items) - 1)]

    def weighted[V](self, table: Weighted[V]) -> V:
        return table.items[min(bisect.bisect_right(table.cum, self.u() * table.total), len(table.items) - 1)]

    def sample[V](self, items: Sequence[V], k: int) -> list[V]:
        """k distinct items, uniformly (partial Fisher–Yates)."""
        pool = list(items)
        k = min(k, len(pool))
        for i in range(k):
            j = self.between(i, len(pool) - 1)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def weighted_sample[V](self, items: Sequence[V], weights: Sequence[float], k: int) -> list[V]:
        """k distinct items, with probability proportional to weight (Efraimidis–Spirakis keys)."""
        keys = [(self.u() ** (1.0 / w) if w > 0 else -1.0, n) for n, w in enumerate(weights)]
        keys.sort(reverse=True)
        return [items[n] for key, n in keys[: min(k, len(keys))] if key >= 0]


class Weighted[V]:
    """A discrete distribution: items with weights."""

    def __init__(self, pairs: Sequence[tuple[V, float]]):
        self.pairs = list(pairs)
        self.items = [p[0] for p in pairs]
        self.cum = list(itertools.accumulate(p[1] for p in pairs))
        self.total = self.cum[-1]

    def boosted(self, item: V, share: float) -> Weighted[V]:
        """The same distribution with ``item`` given an extra ``share`` of the whole (a clan village)."""
        extra = share / (1 - share) * self.total
        return Weighted([(i, w + (extra if i == item else 0.0)) for i, w in self.pairs])


# --- names -------------------------------------------------------------------------------------


def _weights(spec: str) -> Weighted[str]:
    """'陈13 林9 …' → a distribution over single-character surnames."""
    return Weighted([(tok[0], float(tok[1:])) for tok in spec.split()])


def _words(spec: str) -> list[str]:
    return spec.split()


# Surnames as common in 泉州 (陈、林、黄… lead), and nationally for people from elsewhere.
LOCAL_SURNAMES = _weights(
    "陈13.0 林9.0 黄8.0 王5.0 李4.5 张4.0 吴4.0 刘3.0 "
    "蔡3.5 郑3.5 苏2.0 庄2.0 许2.0 洪1.8 杨1.8 何1.0 谢1.2 "
    "周1.0 郭1.2 邱0.8 傅0.8 施1.0 曾1.0 柯0.8 颜0.7 戴0.6 "
    "肖0.6 潘0.7 卢0.6 方0.6 龚0.5 詹0.5 康0.4 连0.4 骆0.3 "
    "留0.3 尤0.4 余0.5 徐0.6 叶0.7 "
)
NATIONAL_SURNAMES = _weights(
    "王7.1 李7.0 张6.7 刘5.4 陈4.5 杨3.1 黄2.2 赵2.1 吴2.0 "
    "周1.9 徐1.5 孙1.5 马1.4 朱1.3 胡1.3 郭1.2 何1.2 罗1.1 "
    "高1.1 林1.0 梁0.9 宋0.9 郑0.8 谢0.8 韩0.8 唐0.8 冯0.8 "
    "曹0.7 彭0.7 曾0.7 邓0.7 肖0.6 "
)
# Given-name characters by sex and by when the person was born.
GIVEN = {
    ("M", 0): "金水福德木土添财国庆文忠荣明清泉源发旺振坤炳火宗顺春生秋辉",
    ("F", 0): "秀英兰珠梅凤玉珍桂花春香美琴月霞宝锦素丽淑碧娥彩",
    ("M", 1): "伟强明建志斌军杰勇华鹏辉东海峰斌鑫毅亮晓俊辉锋松超磊",
    ("F", 1): "芳丽娟敏燕艳玲婷静雪霞红慧琳萍妹丹颖莉晶佳雅云",
    ("M", 2): "宇浩子轩睿博涵泽铭浚锦逸俊晨阳煜钧梓豪航哲宸恒凯",
    ("F", 2): "欣怡诗涵梓萱雨婷佳琪晨可馨悦妍思彤语嘉琳一菲若茜",
}

# Streets of the urban area, for addresses.
ROADS = _words(
    "万安西路 万新路 安吉路 双阳路 塘西路 桥南路 福厦路 万盛路 秀峰路 朝阳路 阳山路 江滨北路 坪山路 南山路 河市路 罗溪路 马甲路 新阳路 前洋路 万虹路"
)
ESTATE_HEADS = _words(
    "阳光 锦绣 滨江 紫荆 万安 刺桐 清源 桂园 融侨 星光 金山 学府 碧水 翠园 龙湖 世纪 东方 江南 双阳 洛阳 安泰 福林 海丝 书香 嘉园 丰盛 御景 悦城 云山 天骄"
)
ESTATE_TAILS = _words("花园 新村 名苑 家园 公寓 华庭 小区 雅居 佳园 府 城 里")
VILLAGE_HEADS = "后前上下东西南北新大小顶尾内外中"
VILLAGE_CORES = "垵厝坑洋坂埔山岭溪林田墩坪寮兜头格宅埕园井美塘"

AREA_QUANZHOU_OTHER = _words("350502 350503 350505 350521 350524 350525 350526 350581 350582 350583")
AREA_FUJIAN_OTHER = _words("350102 350104 350203 350206 350322 350402 350602 350702 350802 350902")
AREA_OTHER_PROVINCES = _words(
    "360102 360781 361102 510104 510722 511623 520102 522422 500101 500235 410102 411723 340102 "
    "341221 430124 431021 420102 421125 530102 532128 450102"
)
PHONE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 170 173 175 176 "
    "177 178 180 181 182 183 185 186 187 188 189 191 193 195 198 199"
)

HOUSEHOLD_SIZE = Weighted([(1, 0.20), (2, 0.27), (3, 0.22), (4, 0.16), (5, 0.09), (6, 0.04), (7, 0.02)])
# Residence type of a household, urban and rural. With the spouses who married in from elsewhere
# (see ``community``) the district lands near 户籍 75 %, 常住 10 %, 流动 10 %, 人户分离 5 %.
RESIDENCE = {
    True: Weighted(
        [
            (ResidenceType.REGISTERED, 0.69),
            (ResidenceType.RESIDENT, 0.10),
            (ResidenceType.FLOATING, 0.15),
            (ResidenceType.SEPARATED, 0.06),
        ]
    ),
    False: Weighted(
        [
            (ResidenceType.REGISTERED, 0.84),
            (ResidenceType.RESIDENT, 0.05),
            (ResidenceType.FLOATING, 0.07),
            (ResidenceType.SEPARATED, 0.04),
        ]
    ),
}
MINORITY = Weighted([("畲族", 0.55), ("回族", 0.30), ("苗族", 0.05), ("土家族", 0.05), ("壮族", 0.05)])
DISABILITY = Weighted(
    [
        (DisabilityCategory.PHYSICAL, 0.45),
        (DisabilityCategory.VISUAL, 0.13),
        (DisabilityCategory.HEARING, 0.12),
        (DisabilityCategory.SPEECH, 0.02),
        (DisabilityCategory.INTELLECTUAL, 0.07),
        (DisabilityCategory.MENTAL, 0.08),
        (DisabilityCategory.MULTIPLE, 0.13),
    ]
)
DISABILITY_GRADE = Weighted([(1, 0.1), (2, 0.2), (3, 0.3), (4, 0.4)])

CERTIFICATE_MARK = {
    CertificateLevel.ASSISTANT: "Z",
    CertificateLevel.SOCIAL_WORKER: "S",
    CertificateLevel.SENIOR: "G",
}
DEPARTMENTS = ["民政局", "住建局", "卫健局", "城管局", "人社局", "公安分局", "市场监管局", "教育局"]
TRAININGS = [
    ("社区工作者能力提升培训", "洛江区民政局"),
    ("网格员业务培训", "洛江区委政法委"),
    ("社会工作实务培训", "泉州市民政局"),
    ("民政政策法规培训", "洛江区民政局"),
    ("应急管理与安全生产培训", "洛江区应急管理局"),
    ("基层治理数字化应用培训", "洛江区委组织部"),
    ("养老服务与关爱巡访培训", "洛江区民政局"),
    ("矛盾纠纷调解培训", "洛江区司法局"),
    ("个人信息保护与数据安全培训", "洛江区委网信办"),
    ("社区志愿服务管理培训", "洛江区委文明办"),
]


def community_short_name(name: str) -> str:
    """'万福社区居委会' → '万福社区', '双溪村委会' → '双溪村'."""
    if name.endswith("居委会"):
        return name[:-3]
    if name.endswith("村委会"):
        return name[:-2]
    return name


def urban_of(region: Region) -> bool:
    """A community's class: kept when set, otherwise by its name (居委会/社区 → urban)."""
    if region.urban_rural:
        return region.urban_rural == UrbanRural.URBAN
    return region.name.endswith(("居委会", "社区"))


# --- household composition (pure) -------------------------------------------------------------

Member = tuple[str, int, str]  # (relation, age, sex)


def _elder_age(s: Stream) -> int:
    x = s.u()
    if x < 0.40:
        return s.between(60, 66)
    if x < 0.70:
        return s.between(67, 73)
    if x < 0.865:
        return s.between(74, 79)
    if x < 0.97:
        return s.between(80, 87)
    return s.between(88, 99)


def _other(sex: str) -> str:
    return "F" if sex == "M" else "M"


def _spouse_age(s: Stream, age: int, least: int) -> int:
    return min(99, max(least, age + s.between(-4, 3)))


def _kid_sex(s: Stream) -> str:
    return "M" if s.chance(0.52) else "F"


def household_compose(s: Stream, size: int, rural: bool) -> tuple[list[Member], bool]:
    """The members of one household, head first, with ages consistent with their relations.

    Returns (members, skipped_generation): the latter when grandparents live with grandchildren
    whose parents are away (rural only; these children are 留守儿童).
    Tuned so that the district lands near the 2020 census shares (see module docstring).
    """
    m: list[Member] = []
    if size == 1:
        if s.chance(0.25):
            m.append((Relation.HEAD, _elder_age(s), "F" if s.chance(0.6) else "M"))
        else:
            m.append((Relation.HEAD, s.between(20, 59), "M" if s.chance(0.55) else "F"))
        return m, False
    x = s.u()
    hsex = "M" if s.chance(0.82) else "F"
    if size == 2:
        if x < 0.27:
            a = _elder_age(s)
            m += [(Relation.HEAD, a, hsex), (Relation.SPOUSE, _spouse_age(s, a, 60), _other(hsex))]
        elif x < 0.57:
            a = s.between(22, 59)
            m += [(Relation.HEAD, a, hsex), (Relation.SPOUSE, _spouse_age(s, a, 20), _other(hsex))]
        elif x < 0.72:
            a = s.between(30, 56)
            m += [(Relation.HEAD, a, hsex), (Relation.CHILD, max(0, a - s.between(22, 34)), _kid_sex(s))]
        else:
            a = s.between(35, 62)
            m += [
                (Relation.HEAD, a, hsex),
                (Relation.PARENT, min(99, a + s.between(24, 32)), "F" if s.chance(0.65) else "M"),
            ]
        return m, False
    three_gen = x < {3: 0.0, 4: 0.12, 5: 0.4, 6: 0.55, 7: 0.55}[size]
    if not three_gen and rural and size in (3, 4) and s.chance(0.12):
        a = s.between(55, 75)
        m += [(Relation.HEAD, a, hsex), (Relation.SPOUSE, _spouse_age(s, a, 20), _other(hsex))]
        m += [(Relation.GRANDCHILD, s.between(0, 15), _kid_sex(s)) for _ in range(size - 2)]
        return m, True
    if three_gen:
        a = s.between(48, 74)
        c = max(20, a - s.between(24, 32))
        m += [
            (Relation.HEAD, a, hsex),
            (Relation.SPOUSE, _spouse_age(s, a, 20), _other(hsex)),
            (Relation.CHILD, c, "M"),
            (Relation.CHILD_IN_LAW, max(20, c + s.between(-3, 2)), "F"),
        ]
        for _ in range(size - 4):
            g = c - s.between(23, 33)
            m.append((Relation.GRANDCHILD, g if g >= 0 else s.between(0, 8), _kid_sex(s)))
        return m, False
    a = s.between(26, 53)
    m += [(Relation.HEAD, a, hsex), (Relation.SPOUSE, _spouse_age(s, a, 20), _other(hsex))]
    parents = 0
    if size >= 4 and s.chance(0.2):
        parents = 1 if size == 4 else min(2, size - 4)
    if size >= 6:
        parents = 2
    kids = size - 2 - parents
    m += [(Relation.CHILD, max(0, a - s.between(22, 36)), _kid_sex(s)) for _ in range(kids)]
    for i in range(parents):
        sex = ("M" if s.chance(0.4) else "F") if parents == 1 else ("M" if i == 0 else "F")
        m.append((Relation.PARENT, min(99, a + s.between(24, 32)), sex))
    return m, False


def birth_for_age(s: Stream, age: int, today: dt.date) -> dt.date:
    """A birth date at which the person is exactly ``age`` today (and which is before today)."""
    if age < 0:
        raise ValueError(f"age {age} < 0")
    try:
        anniversary = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - age, day=28)
    return anniversary - dt.timedelta(days=1 + s.between(0, 363))


# --- geometry (pure) ---------------------------------------------------------------------------

Rect = tuple[float, float, float, float]  # (lat_min, lat_max, lon_min, lon_max)


def rect_polygon(r: Rect) -> dict[str, Any]:
    """A GeoJSON Polygon (lon, lat order, closed ring) for a rectangle."""
    a, b, c, d = (round(v, 6) for v in r)
    return {"type": "Polygon", "coordinates": [[[c, a], [d, a], [d, b], [c, b], [c, a]]]}


def zone_slots(zone: Rect, n: int) -> list[Rect]:
    """Split a zone into n lattice cells (row-major, south-west first), one per community."""
    h_m = (zone[1] - zone[0]) * M_PER_DEG_LAT
    w_m = (zone[3] - zone[2]) * M_PER_DEG_LON
    cols = max(1, math.ceil(math.sqrt(n * w_m / h_m)))
    rows = math.ceil(n / cols)
    dlat, dlon = (zone[1] - zone[0]) / rows, (zone[3] - zone[2]) / cols
    return [
        (
            zone[0] + (i // cols) * dlat,
            zone[0] + (i // cols + 1) * dlat,
            zone[2] + (i % cols) * dlon,
            zone[2] + (i % cols + 1) * dlon,
        )
        for i in range(n)
    ]


def community_tiles(s: Stream, slot: Rect, n_grids: int, urban: bool) -> tuple[Rect, list[Rect]]:
    """The community's rectangle inside its slot and its tiling into ``n_grids`` grid rectangles.

    Rows of equal height; each row is split into equal cells, so the grids cover the community's
    rectangle exactly (its boundary is their union). Cells ≈ 300 m urban, up to 900 m rural.
    """
    rows = max(1, math.isqrt(n_grids))
    per_row = [n_grids // rows + (1 if r < n_grids % rows else 0) for r in range(rows)]
    cols = max(per_row)
    slot_h = (slot[1] - slot[0]) * M_PER_DEG_LAT
    slot_w = (slot[3] - slot[2]) * M_PER_DEG_LON
    cell = min(300.0 if urban else 900.0, 0.85 * slot_h / rows, 0.85 * slot_w / cols)
    h_deg, w_deg = rows * cell / M_PER_DEG_LAT, cols * cell / M_PER_DEG_LON
    lat0 = slot[0] + s.uniform(0.05, 0.95) * ((slot[1] - slot[0]) - h_deg)
    lon0 = slot[2] + s.uniform(0.05, 0.95) * ((slot[3] - slot[2]) - w_deg)
    tiles: list[Rect] = []
    row_h = h_deg / rows
    for r, k in enumerate(per_row):
        cw = w_deg / k
        tiles += [
            (lat0 + r * row_h, lat0 + (r + 1) * row_h, lon0 + c * cw, lon0 + (c + 1) * cw) for c in range(k)
        ]
    return (lat0, lat0 + h_deg, lon0, lon0 + w_deg), tiles


def split_rect(r: Rect, k: int, *, along_lon: bool = True) -> list[Rect]:
    if along_lon:
        w = (r[3] - r[2]) / k
        return [(r[0], r[1], r[2] + i * w, r[2] + (i + 1) * w) for i in range(k)]
    h = (r[1] - r[0]) / k
    return [(r[0] + i * h, r[0] + (i + 1) * h, r[2], r[3]) for i in range(k)]


def point_in(s: Stream, r: Rect, margin: float = 0.08) -> tuple[float, float]:
    lat = r[0] + (r[1] - r[0]) * s.uniform(margin, 1 - margin)
    lon = r[2] + (r[3] - r[2]) * s.uniform(margin, 1 - margin)
    return round(lat, 6), round(lon, 6)


# --- unified social credit codes (GB 32100) ----------------------------------------------------

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(prefix: str, area: str, serial: int) -> str:
    """A valid 18-character 统一社会信用代码: prefix (2) + area (6) + org code (9, GB 11714) + check."""
    body = f"{serial:08d}"
    c9 = 11 - sum(int(ch) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    org = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    first17 = prefix + area + org
    total = sum(_CREDIT_CHARS.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return first17 + _CREDIT_CHARS[(31 - total % 31) % 31]


# --- the generator -----------------------------------------------------------------------------


class _Table:
    """Rows of one model written straight to the database: at 230 000 persons the ORM's per-row cost
    of ``bulk_create`` would dominate the load. SQLite takes them with ``executemany`` (a C loop),
    PostgreSQL with ``COPY … FROM STDIN``.

    Primary keys are allocated here (after the current maximum, the tables locked on PostgreSQL) so
    that children can point at parents before either is written; foreign keys are deferred to the
    commit on both databases.
    """

    def __init__(self, model: type[models.Model], fields: list[str], *, with_pk: bool = True):
        meta = model._meta
        self.model = model
        self.with_pk = with_pk
        names = (["id"] if with_pk else []) + fields
        self.columns = [str(cast(models.Field, meta.get_field(f)).column) for f in names]
        self.rows: list[tuple[Any, ...]] = []
        self.next_pk = 0
        self.written = 0

    def start(self) -> None:
        self.next_pk = (self.model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    def add(self, *values: Any) -> int:
        """Queue one row (values in field order); return its primary key (0 without one)."""
        if not self.with_pk:
            self.rows.append(values)
            return 0
        pk = self.next_pk
        self.next_pk += 1
        self.rows.append((pk, *values))
        return pk

    def flush(self) -> None:
        for i in range(0, len(self.rows), BATCH):
            insert_rows(self.model, self.columns, self.rows[i : i + BATCH])
        self.written += len(self.rows)
        self.rows = []


@dataclass(slots=True)
class _Fact:
    """What the tag pass needs to know about an inserted person."""

    pk: int
    age: int
    sex: str
    birth: dt.date
    rural: bool
    household: int  # index into the generator's households (-1: none)
    relation: str
    all_old: bool
    alone: bool
    skipped: bool


@dataclass(slots=True)
class _BuildingRef:
    pk: int
    code: str
    name: str
    address: str
    floors: int | None


@dataclass
class _GridRef:
    pk: int
    code: str
    rect: Rect
    community: Region
    urban: bool
    leaves: list[_BuildingRef] = field(default_factory=list)
    parents: list[_BuildingRef] = field(default_factory=list)
    next_building: int = 1
    next_household: int = 1


@dataclass
class DemoResult:
    """What ``demo_load`` did: counts by kind, the planted defects and the time it took."""

    counts: dict[str, int]
    planted: dict[str, list[str]]
    seconds: float
    divisions: dict[str, int]


class DemoError(Exception):
    """The demo cannot be loaded or the accounts cannot be created (message in Chinese)."""


# A household waiting for its grid: members, skipped generation, residence type, ethnicity, surnames.
_Pending = tuple[list[Member], bool, str, str, Weighted[str]]
# A leaf building's households: (index of the household in its community, unit, room).
_Rooms = list[tuple[int, str, str]]


class _Generator:
    def __init__(self, *, seed: int, scale: float, today: dt.date, log: Callable[[str], None]):
        self.s = Stream(seed)
        self.scale = scale
        self.today = today
        self.log = log
        self.used_ids: set[str] = set()
        self.facts: list[_Fact] = []
        self.hh_rural: list[bool] = []
        self.hh_pk: list[int] = []
        self.hh_region: list[int] = []
        self.hh_members: list[list[int]] = []  # indices into facts
        self.grids: list[_GridRef] = []
        self.community_people: dict[int, int] = {}
        self.counts: dict[str, int] = dict.fromkeys(
            _words(
                "grids estates buildings natural_villages houses households persons tags organisations staff trainings"
            ),
            0,
        )
        self.planted: dict[str, list[str]] = {}
        self.credit_serial = itertools.count(10_000_001)
        self.last_number: dict[str, int] = {}  # parent building code → its highest 楼/house number
        self.stations: dict[int, Organisation] = {}
        self.estate_names: list[str] = []
        self.estate_phase = 0
        self.village_names: set[tuple[int, str]] = set()  # (community pk, 自然村 name)
        ops = connection.ops
        self.now = ops.adapt_datetimefield_value(timezone.now())
        self.day = ops.adapt_datefield_value
        id_field = Person._meta.get_field("id_number")
        phone_field = Person._meta.get_field("phone")
        assert isinstance(id_field, EncryptedField) and isinstance(phone_field, EncryptedField)
        self.seal_id, self.seal_phone = id_field.get_prep_value, phone_field.get_prep_value
        self.blind = cipher().blind_index
        self.buildings = _Table(
            Building, _words("code name kind parent region address lat lon floors created_at")
        )
        self.households = _Table(Household, _words("code region building unit room address created_at"))
        self.persons = _Table(
            Person,
            _words(
                "name id_number id_number_index sex birth_date phone phone_index household relation residence_type ethnicity region status note legacy_duplicate created_at updated_at"
            ),
        )
        self.tag_rows = _Table(
            PersonTag,
            _words("person kind disability_category disability_grade valid_from valid_to note created_at"),
            with_pk=False,
        )

    # -- people ------------------------------------------------------------------------------

    def name_of(self, surname: str, sex: str, birth_year: int) -> str:
        era = 0 if birth_year < 1965 else (1 if birth_year < 1995 else 2)
        chars = GIVEN[(sex, era)]
        given = self.s.choice(chars)
        if self.s.chance(0.7):
            given += self.s.choice(chars)
            if given[0] == given[1] and not self.s.chance(0.15):
                given = given[0] + self.s.choice(chars)
        return surname + given

    def id_number(self, area: str, birth: dt.date, sex: str) -> str:
        seq = self.s.between(0, 499)
        for k in range(500):
            n = idnumber.make(area, birth, seq + k, sex)
            if n[:17] not in self.used_ids:
                self.used_ids.add(n[:17])
                return n
        raise DemoError(f"出生日期 {birth} 的身份证顺序码已用尽")  # pragma: no cover

    def phone(self) -> str:
        return self.s.choice(PHONE_PREFIXES) + f"{self.s.between(0, 99_999_999):08d}"

    def area_for(self, residence: str) -> str:
        s = self.s
        if residence == ResidenceType.REGISTERED:
            return DISTRICT_CODE
        if residence == ResidenceType.SEPARATED:
            return DISTRICT_CODE if s.chance(0.5) else s.choice(AREA_QUANZHOU_OTHER)
        if residence == ResidenceType.RESIDENT:
            return s.choice(AREA_QUANZHOU_OTHER) if s.chance(0.5) else s.choice(AREA_FUJIAN_OTHER)
        return s.choice(AREA_OTHER_PROVINCES) if s.chance(0.7) else s.choice(AREA_FUJIAN_OTHER)

    def person_row(
        self,
        *,
        name: str,
        id_plain: str,
        sex: str,
        birth: dt.date,
        phone: str,
        household_pk: int | None,
        relation: str,
        residence: str,
        ethnicity: str,
        region_pk: int,
        legacy_duplicate: bool = False,
    ) -> int:
        return self.persons.add(
            name,
            self.seal_id(id_plain),
            self.blind(id_plain),
            sex,
            self.day(birth),
            self.seal_phone(phone),
            self.blind(phone) if phone else "",
            household_pk,
            relation,
            residence,
            ethnicity,
            region_pk,
            "active",
            "",
            legacy_duplicate,
            self.now,
            self.now,
        )

    def person(
        self,
        *,
        surname: str,
        relation: str,
        age: int,
        sex: str,
        residence: str,
        ethnicity: str,
        region_pk: int,
        household_pk: int | None,
    ) -> tuple[int, dt.date]:
        """Generate and queue one person; return (pk, birth date)."""
        birth = birth_for_age(self.s, age, self.today)
        id_plain = self.id_number(self.area_for(residence), birth, sex)
        phone = self.phone() if age >= 18 and self.s.chance(0.85) else ""
        pk = self.person_row(
            name=self.name_of(surname, sex, birth.year),
            id_plain=id_plain,
            sex=sex,
            birth=birth,
            phone=phone,
            household_pk=household_pk,
            relation=relation,
            residence=residence,
            ethnicity=ethnicity,
            region_pk=region_pk,
        )
        return pk, birth

    # -- one community ---------------------------------------------------------------------------

    def community(self, community: Region, street: Region, slot: Rect, target: int, urban: bool) -> None:
        s = self.s
        rural = not urban
        short = community_short_name(community.name)
        # Households first: their number decides the grids.
        pending: list[_Pending] = []
        # Villages in 泉州 are often clan villages: one surname carries a third of the people.
        local = LOCAL_SURNAMES.boosted(s.weighted(LOCAL_SURNAMES), 0.3) if rural else LOCAL_SURNAMES
        people = 0
        while people < target:
            members, skipped = household_compose(s, s.weighted(HOUSEHOLD_SIZE), rural)
            residence: str = s.weighted(RESIDENCE[urban])
            ethnicity = "汉族" if s.chance(0.99) else s.weighted(MINORITY)
            names = NATIONAL_SURNAMES if residence == ResidenceType.FLOATING else local
            pending.append((members, skipped, residence, ethnicity, names))
            people += len(members)
        n_grids = max(1, round(len(pending) / HOUSEHOLDS_PER_GRID))
        rect, tiles = community_tiles(s, slot, n_grids, urban)
        community.centroid_lat = round((rect[0] + rect[1]) / 2, 6)
        community.centroid_lon = round((rect[2] + rect[3]) / 2, 6)
        community.boundary = rect_polygon(rect)
        if not community.urban_rural:
            community.urban_rural = UrbanRural.URBAN if urban else UrbanRural.RURAL

        grid_rows = [
            Region(
                code=f"{community.code}{i + 1:03d}",
                name=f"{short}第{i + 1}网格",
                level=Level.GRID,
                parent=community,
                source=DEMO_SOURCE,
                urban_rural=community.urban_rural,
                boundary=rect_polygon(t),
                centroid_lat=round((t[0] + t[1]) / 2, 6),
                centroid_lon=round((t[2] + t[3]) / 2, 6),
            )
            for i, t in enumerate(tiles)
        ]
        Region.objects.bulk_create(grid_rows)
        self.counts["grids"] += len(grid_rows)

        # Households are split among the grids in order, then given a building and a room.
        per_grid = [
            len(pending) // n_grids + (1 if i < len(pending) % n_grids else 0) for i in range(n_grids)
        ]
        base = len(self.hh_pk)
        self.hh_pk += [0] * len(pending)
        self.hh_region += [0] * len(pending)
        start = 0
        for grid, tile, n in zip(grid_rows, tiles, per_grid, strict=True):
            ref = _GridRef(grid.pk, grid.code, tile, community, urban)
            self.grids.append(ref)
            idx = list(range(start, start + n))
            start += n
            leaves = (
                self.place_urban(ref, street, idx) if urban else self.place_rural(ref, street, short, idx)
            )
            for b, rooms in leaves:
                for i, unit, room in rooms:
                    self.hh_pk[base + i] = self.households.add(
                        f"{ref.code}H{ref.next_household:05d}",
                        ref.pk,
                        b.pk,
                        unit,
                        room,
                        b.address + (f"{unit}{room}室" if unit else room),
                        self.now,
                    )
                    self.hh_region[base + i] = ref.pk
                    ref.next_household += 1

        count = 0
        for i, (members, skipped, residence, ethnicity, names) in enumerate(pending):
            h = base + i
            family = s.weighted(names)
            head_sex = members[0][2]
            has_spouse = any(r == Relation.SPOUSE for r, _, _ in members)
            all_old = all(a >= 60 for _, a, _ in members)
            ids = []
            for rel, age, sex in members:
                # Who carries the family surname: the men of the head couple, their children and grandchildren.
                blood = (
                    rel in (Relation.CHILD, Relation.GRANDCHILD)
                    or (sex == "M" and rel in (Relation.HEAD, Relation.SPOUSE))
                    or (rel == Relation.PARENT and sex == "M" and head_sex == "M")
                    or (rel == Relation.HEAD and not has_spouse)
                )
                res = residence
                if (
                    residence == ResidenceType.REGISTERED
                    and rel in (Relation.SPOUSE, Relation.CHILD_IN_LAW)
                    and s.chance(0.1)
                ):
                    res = ResidenceType.RESIDENT  # married in, 户口 still elsewhere
                pk, birth = self.person(
                    surname=family if blood else s.weighted(names),
                    relation=rel,
                    age=age,
                    sex=sex,
                    residence=res,
                    ethnicity=ethnicity,
                    region_pk=self.hh_region[h],
                    household_pk=self.hh_pk[h],
                )
                ids.append(len(self.facts))
                self.facts.append(
                    _Fact(pk, age, sex, birth, rural, h, rel, all_old, len(members) == 1, skipped)
                )
                count += 1
            self.hh_members.append(ids)
            self.hh_rural.append(rural)
        self.community_people[community.pk] = count
        for table in (self.buildings, self.households, self.persons):
            table.flush()

    def building(
        self,
        ref: _GridRef,
        *,
        name: str,
        kind: str,
        parent: _BuildingRef | None,
        address: str,
        lat: float,
        lon: float,
        floors: int | None = None,
        planted: bool = False,
    ) -> _BuildingRef:
        """Queue a building of the grid; keep a few as candidates for the planted defects."""
        code = f"{ref.code}B{ref.next_building:04d}"
        ref.next_building += 1
        pk = self.buildings.add(
            code, name, kind, parent.pk if parent else None, ref.pk, address, lat, lon, floors, self.now
        )
        b = _BuildingRef(pk, code, name, address, floors)
        if parent is None:
            ref.parents.append(b)
        elif len(ref.leaves) < 8 and not planted:
            ref.leaves.append(b)
        return b

    def estate_name(self) -> str:
        """A 小区 name not yet used in the district (二期, 三期… once the combinations run out)."""
        if not self.estate_names:
            self.estate_phase += 1
            phase = (
                "" if self.estate_phase == 1 else "二三四五六七八九十"[min(self.estate_phase, 10) - 2] + "期"
            )
            self.estate_names = self.s.sample(
                [h + t + phase for h in ESTATE_HEADS for t in ESTATE_TAILS], 10_000
            )
        return self.estate_names.pop()

    def village_name(self, community_pk: int) -> str:
        """A 自然村 name not yet used in the same village."""
        for _ in range(50):
            name = self.s.choice(VILLAGE_HEADS) + self.s.choice(VILLAGE_CORES)
            if (community_pk, name) not in self.village_names:
                break
        self.village_names.add((community_pk, name))
        return name

    def place_urban(self, ref: _GridRef, street: Region, idx: list[int]) -> list[tuple[_BuildingRef, _Rooms]]:
        """小区 with 楼栋 of 6–33 floors; households in rooms like 2单元1502."""
        s = self.s
        out: list[tuple[_BuildingRef, _Rooms]] = []
        n_estates = 1 if len(idx) < 150 else 2
        pos = 0
        for e, erect in enumerate(split_rect(ref.rect, n_estates, along_lon=False)):
            share = idx[pos:] if e == n_estates - 1 else idx[pos : pos + len(idx) // n_estates]
            pos += len(share)
            name = self.estate_name()
            address = f"{ADDRESS_PREFIX}{street.name}{s.choice(ROADS)}{s.between(1, 399)}号{name}"
            lat, lon = point_in(s, erect, 0.4)
            estate = self.building(
                ref, name=name, kind=BuildingKind.ESTATE, parent=None, address=address, lat=lat, lon=lon
            )
            self.counts["estates"] += 1
            number = 0
            left = share
            while left or number == 0:
                number += 1
                x = s.u()
                floors = s.between(6, 7) if x < 0.3 else (s.between(11, 18) if x < 0.6 else s.between(18, 33))
                units = s.between(1, 3)
                per_floor = 2 if units > 1 else s.between(2, 4)
                capacity = floors * units * per_floor
                take = left[: max(1, round(capacity * s.uniform(0.55, 0.9)))]
                left = left[len(take) :]
                rooms: _Rooms = []
                for i, slot in zip(take, sorted(s.sample(range(capacity), len(take))), strict=True):
                    unit, rest = divmod(slot, floors * per_floor)
                    floor, r = divmod(rest, per_floor)
                    rooms.append((i, f"{unit + 1}单元", f"{floor + 1}{r + 1:02d}"))
                lat, lon = point_in(s, erect)
                b = self.building(
                    ref,
                    name=f"{name}{number}号楼",
                    kind=BuildingKind.BUILDING,
                    parent=estate,
                    address=f"{address}{number}号楼",
                    lat=lat,
                    lon=lon,
                    floors=floors,
                )
                out.append((b, rooms))
                self.counts["buildings"] += 1
            self.last_number[estate.code] = number
        return out

    def place_rural(
        self, ref: _GridRef, street: Region, short: str, idx: list[int]
    ) -> list[tuple[_BuildingRef, _Rooms]]:
        """自然村 with 自建房 of 1–5 floors, mostly one household each (else one per floor)."""
        s = self.s
        out: list[tuple[_BuildingRef, _Rooms]] = []
        n_villages = min(max(1, len(idx) // 100), 3)
        pos = 0
        for v, vrect in enumerate(split_rect(ref.rect, n_villages)):
            share = idx[pos:] if v == n_villages - 1 else idx[pos : pos + len(idx) // n_villages]
            pos += len(share)
            name = self.village_name(ref.community.pk)
            address = f"{ADDRESS_PREFIX}{street.name}{short}{name}"
            lat, lon = point_in(s, vrect, 0.4)
            nv = self.building(
                ref,
                name=f"{name}自然村",
                kind=BuildingKind.NATURAL_VILLAGE,
                parent=None,
                address=address,
                lat=lat,
                lon=lon,
            )
            self.counts["natural_villages"] += 1
            number = 0
            i = 0
            while i < len(share) or number == 0:
                number += 1
                take = share[i : i + (2 if s.chance(0.12) else 1)]
                i += len(take)
                lat, lon = point_in(s, vrect, 0.03)
                rooms: _Rooms = [(h, "", f"{j + 1}层" if len(take) > 1 else "") for j, h in enumerate(take)]
                b = self.building(
                    ref,
                    name=f"{nv.name}{number}号",
                    kind=BuildingKind.HOUSE,
                    parent=nv,
                    address=f"{address}{number}号",
                    lat=lat,
                    lon=lon,
                    floors=max(len(take), s.between(1, 5)),
                )
                out.append((b, rooms))
                self.counts["houses"] += 1
            self.last_number[nv.code] = number
        return out

    # -- planted defects -------------------------------------------------------------------------

    def plant(self) -> None:
        s = self.s
        grids = self.grids
        # 格不漏楼: buildings just outside their grid's rectangle (≈ 60–120 m north of it).
        moved = []
        for ref in s.sample(grids, PLANT_OUTSIDE_BUILDINGS):
            b = ref.leaves[0]
            Building.objects.filter(pk=b.pk).update(
                lat=round(ref.rect[1] + s.uniform(60, 120) / M_PER_DEG_LAT, 6)
            )
            moved.append(b.code)
        self.planted["buildings_outside_grid"] = moved

        # 楼不漏户: new buildings nobody has been registered in yet.
        empty = []
        for ref in [s.choice(grids) for _ in range(PLANT_EMPTY_BUILDINGS)]:
            parent = ref.parents[-1]
            number = self.last_number[parent.code] + 1
            self.last_number[parent.code] = number
            suffix = f"{number}号楼" if ref.urban else f"{number}号"
            lat, lon = point_in(s, ref.rect)
            b = self.building(
                ref,
                name=parent.name + suffix,
                parent=parent,
                address=parent.address + suffix,
                kind=BuildingKind.BUILDING if ref.urban else BuildingKind.HOUSE,
                lat=lat,
                lon=lon,
                floors=s.between(11, 33) if ref.urban else s.between(2, 4),
                planted=True,
            )
            self.counts["buildings" if ref.urban else "houses"] += 1
            empty.append(b.code)
        self.buildings.flush()
        self.planted["buildings_without_households"] = empty

        # 户不漏人: households registered at a free room of a building, with nobody in them.
        hollow = []
        taken: dict[int, set[tuple[str, str]]] = {}
        for ref in [s.choice(grids) for _ in range(PLANT_EMPTY_HOUSEHOLDS)]:
            b = ref.leaves[-1]
            used = taken.setdefault(
                b.pk, set(Household.objects.filter(building_id=b.pk).values_list("unit", "room"))
            )
            if ref.urban:
                unit, room = next(
                    (u, f"{f}{r:02d}")
                    for u in ("1单元", "2单元", "3单元")
                    for f in range(b.floors or 1, 0, -1)
                    for r in range(1, 6)
                    if (u, f"{f}{r:02d}") not in used
                )
            else:
                unit, room = "", next(f"{k}层" for k in range(1, 50) if ("", f"{k}层") not in used)
            used.add((unit, room))
            code = f"{ref.code}H{ref.next_household:05d}"
            ref.next_household += 1
            self.households.add(
                code, ref.pk, b.pk, unit, room, b.address + (f"{unit}{room}室" if unit else room), self.now
            )
            hollow.append(code)
        self.households.flush()
        self.counts["households"] = self.households.written
        self.planted["households_without_persons"] = hollow

        # 居不漏格: persons registered at their community but in no household (and so in no grid).
        loose = []
        for ref in [s.choice(grids) for _ in range(PLANT_UNHOUSED_PERSONS)]:
            age = s.between(18, 70)
            sex = "M" if s.chance(0.55) else "F"
            pk, birth = self.person(
                surname=s.weighted(NATIONAL_SURNAMES),
                relation="",
                age=age,
                sex=sex,
                residence=ResidenceType.FLOATING,
                ethnicity="汉族",
                region_pk=ref.community.pk,
                household_pk=None,
            )
            self.facts.append(_Fact(pk, age, sex, birth, False, -1, "", False, False, False))
            loose.append(str(pk))
        self.persons.flush()
        self.planted["persons_without_household"] = loose

        # Legacy duplicates: the same person registered again, in another household, under the same ID,
        # before one registration per number was a rule (see Person: they carry the mark the migration
        # that made the rule gives such records).
        twins = []
        adults = [f for f in self.facts if f.household >= 0 and 25 <= f.age < 80]
        for f in s.sample(adults, PLANT_DUPLICATE_IDS):
            original = Person.objects.get(pk=f.pk)
            h = s.choice(range(len(self.hh_members)))
            while h == f.household or not self.hh_members[h]:
                h = s.choice(range(len(self.hh_members)))
            pk = self.person_row(
                name=original.name,
                id_plain=cast(SensitiveValue, original.id_number).reveal(),
                sex=original.sex,
                birth=original.birth_date,
                phone="",
                household_pk=self.hh_pk[h],
                relation=Relation.OTHER,
                residence=ResidenceType.RESIDENT,
                ethnicity=original.ethnicity,
                region_pk=self.hh_region[h],
                legacy_duplicate=True,
            )
            twins.append(str(pk))
        self.persons.flush()
        self.counts["persons"] = self.persons.written
        self.planted["duplicate_id_persons"] = twins

    # -- tags ------------------------------------------------------------------------------------

    def tag_dates(
        self, fact: _Fact, min_age_years: int, ended_share: float
    ) -> tuple[dt.date, dt.date | None]:
        """A start in the past (not before the person could have had the tag) and maybe an end."""
        s = self.s
        hi = self.today - dt.timedelta(days=30)
        try:
            lo = fact.birth.replace(year=fact.birth.year + min_age_years)
        except ValueError:
            lo = fact.birth.replace(year=fact.birth.year + min_age_years, day=28)
        lo = max(lo, dt.date(2012, 1, 1), fact.birth + dt.timedelta(days=30))
        if lo > hi:
            lo = hi = min(max(lo, fact.birth + dt.timedelta(days=1)), self.today - dt.timedelta(days=1))
        start = lo + dt.timedelta(days=s.between(0, (hi - lo).days))
        end = None
        latest_end = self.today - dt.timedelta(days=1)
        if s.chance(ended_share) and (latest_end - start).days > 60:
            end = start + dt.timedelta(days=s.between(30, (latest_end - start).days))
        return start, end

    def tag(
        self,
        fact: _Fact,
        kind: str,
        start: dt.date,
        end: dt.date | None,
        category: str = "",
        grade: int | None = None,
    ) -> None:
        self.tag_rows.add(
            fact.pk, kind, category, grade, self.day(start), self.day(end) if end else None, "", self.now
        )

    def tags(self) -> None:
        s = self.s
        facts = self.facts

        def add(chosen: list[_Fact], kind: str, min_age: int = 0, ended: float = 0.02) -> None:
            for f in chosen:
                self.tag(f, kind, *self.tag_dates(f, min_age, ended))

        housed = [f for f in facts if f.household >= 0]
        old = [f for f in housed if f.age >= 60]
        add(s.sample([f for f in old if f.alone], round(0.10 * len(old))), TagKind.LIVING_ALONE, 60)
        add(s.sample([f for f in old if f.all_old], round(0.40 * len(old))), TagKind.EMPTY_NEST, 60)

        disabled = s.weighted_sample(
            housed,
            [0.3 if f.age < 15 else 1.0 if f.age < 60 else 2.5 if f.age < 80 else 4.0 for f in housed],
            round(0.025 * len(housed)),
        )
        for f in disabled:
            self.tag(
                f,
                TagKind.DISABLED,
                *self.tag_dates(f, 0, 0.01),
                category=s.weighted(DISABILITY),
                grade=s.weighted(DISABILITY_GRADE),
            )
        disabled_pks = {f.pk for f in disabled}

        # 低保 and 低保边缘 are granted to a household: every member is tagged.
        def households_for(share: float, rural: bool, exclude: set[int]) -> list[int]:
            pool = [h for h, members in enumerate(self.hh_members) if self.hh_rural[h] == rural and members]
            need = share * sum(len(self.hh_members[h]) for h in pool)
            got, chosen = 0, []
            for h in s.sample(pool, len(pool)):
                if got >= need:
                    break
                if h not in exclude:
                    chosen.append(h)
                    got += len(self.hh_members[h])
            return chosen

        dibao = households_for(0.015, True, set()) + households_for(0.005, False, set())
        edge = households_for(0.005, True, set(dibao)) + households_for(0.005, False, set(dibao))
        for households, kind, ended in ((dibao, TagKind.DIBAO, 0.12), (edge, TagKind.DIBAO_EDGE, 0.10)):
            for h in households:
                start, end = self.tag_dates(facts[self.hh_members[h][0]], 0, ended)
                for i in self.hh_members[h]:
                    begins = max(start, facts[i].birth + dt.timedelta(days=1))
                    if end is None or begins <= end:  # not a child born after the household left
                        self.tag(facts[i], kind, begins, end)

        tekun_pool = [f for f in housed if f.alone and (f.age >= 60 or f.pk in disabled_pks)]
        add(s.sample(tekun_pool, round(0.0025 * len(housed))), TagKind.TEKUN, 16, 0.03)

        rural_kids = [f for f in housed if f.rural and f.age < 16]
        want = round(0.03 * len(rural_kids))
        first = s.sample([f for f in rural_kids if f.skipped], want)
        add(
            first + s.sample([f for f in rural_kids if not f.skipped], want - len(first)),
            TagKind.LEFT_BEHIND_CHILD,
            0,
            0.05,
        )

        rural_old = [f for f in old if f.rural]
        add(
            s.sample([f for f in rural_old if f.all_old], round(0.08 * len(rural_old))),
            TagKind.LEFT_BEHIND_ELDERLY,
            60,
        )
        women = [
            f
            for f in housed
            if f.rural
            and f.sex == "F"
            and 20 <= f.age < 60
            and f.relation in (Relation.SPOUSE, Relation.CHILD_IN_LAW)
        ]
        add(s.sample(women, round(0.01 * len(women))), TagKind.LEFT_BEHIND_WOMAN, 18, 0.05)

        kids = [f for f in housed if f.age < 18]
        add(s.sample(kids, max(1, round(0.003 * len(kids)))), TagKind.CHILD_IN_DIFFICULTY, 0, 0.05)

        men = [f for f in housed if f.sex == "M" and f.age >= 20]
        add(
            s.weighted_sample(men, [2.0 if f.age >= 40 else 1.0 for f in men], round(0.012 * len(men))),
            TagKind.VETERAN,
            20,
            0.0,
        )

        weights = [10.0 if f.pk in disabled_pks else 5.0 if f.age >= 80 else 1.0 for f in housed]
        add(s.weighted_sample(housed, weights, round(0.01 * len(housed))), TagKind.KEY_CARE, 0, 0.05)

        self.tag_rows.flush()
        self.counts["tags"] = self.tag_rows.written

    # -- organisations, staff, training ----------------------------------------------------------

    def org(self, name: str, kind: str, region: Region, prefix: str, address: str = "") -> Organisation:
        s = self.s
        return Organisation(
            name=name,
            kind=kind,
            region=region,
            address=address or f"{ADDRESS_PREFIX}{name}",
            credit_code=credit_code(prefix, DISTRICT_CODE, next(self.credit_serial)) if prefix else "",
            contact_name=self.name_of(
                s.weighted(LOCAL_SURNAMES), "M" if s.chance(0.5) else "F", s.between(1965, 1998)
            ),
            contact_phone=f"0595-2{s.between(0, 9_999_999):07d}",
        )

    def organisations(
        self, district: Region, streets: list[Region], communities: list[tuple[Region, Region, bool]]
    ) -> dict[int, Organisation]:
        s = self.s
        rows: list[Organisation] = []
        committees: dict[int, Organisation] = {}
        for community, street, urban in communities:
            short = community_short_name(community.name)
            where = f"{ADDRESS_PREFIX}{street.name}{short}"
            committee = self.org(
                f"{short}{'居民' if urban else '村民'}委员会",
                OrganisationKind.COMMITTEE,
                community,
                "54",
                where,
            )
            committees[community.pk] = committee
            rows.append(committee)
            kinds = (
                ["老年人协会", "文体协会", "妇女儿童之家", "邻里互助会", "书画协会", "家长学校"]
                if urban
                else ["老年人协会", "红白理事会", "乡贤理事会", "文体队"]
            )
            for k in s.sample(kinds, s.between(2, 3) if urban else s.between(1, 2)):
                rows.append(
                    self.org(
                        f"{short}{k}",
                        OrganisationKind.SOCIAL_ORG,
                        community,
                        "51" if s.chance(0.4) else "",
                        where,
                    )
                )
            if urban or s.chance(0.5):
                rows.append(
                    self.org(f"{short}志愿服务队", OrganisationKind.VOLUNTEER_TEAM, community, "", where)
                )
        urban_communities = [c for c, _, u in communities if u]
        names = [f"泉州市{h}{t}物业服务有限公司" for h in ESTATE_HEADS for t in ("", "安居", "优家", "锦程")]
        for name in s.sample(names, max(1, len(urban_communities) // 2)):
            rows.append(self.org(name, OrganisationKind.PROPERTY_COMPANY, s.choice(urban_communities), "91"))
        by_street: dict[int, list[Region]] = {}
        for c, st, _ in communities:
            by_street.setdefault(st.pk, []).append(c)
        for st in streets:
            place = st.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
            comms = by_street.get(st.pk, [])
            rows.append(self.org(f"{st.name}社会工作服务站", OrganisationKind.SOCIAL_WORK_STATION, st, "52"))
            rows.append(
                self.org(f"{st.name}新时代文明实践志愿服务队", OrganisationKind.VOLUNTEER_TEAM, st, "")
            )
            if not comms:
                continue
            urban_street = st.name.endswith("街道")
            units = [
                f"泉州市洛江区{place}中心小学",
                f"泉州市洛江区{place}中学",
                f"{st.name}社区卫生服务中心" if urban_street else f"{st.name}卫生院",
                f"{st.name}中心幼儿园",
            ]
            if st.code == "350504001":
                units.append("泉州市洛江区医院")
            for u in units:
                rows.append(self.org(u, OrganisationKind.RESIDENT_UNIT, s.choice(comms), "12"))
            firms = [
                f"泉州{h}{t}有限公司"
                for h in ESTATE_HEADS[:12]
                for t in ("鞋服", "石材", "机械", "食品", "包装", "电子", "建材", "纺织")
            ]
            for name in s.sample(firms, s.between(2, 4)):
                rows.append(
                    self.org(
                        name.replace("泉州", f"泉州{place}", 1),
                        OrganisationKind.RESIDENT_UNIT,
                        s.choice(comms),
                        "91",
                    )
                )
        yangen = next((c for c, _, _ in communities if "仰恩" in c.name), None)
        if yangen is not None:
            rows.append(self.org("仰恩大学", OrganisationKind.RESIDENT_UNIT, yangen, "52"))
        for d in DEPARTMENTS:
            rows.append(self.org(f"{DISTRICT_NAME}{d}", OrganisationKind.DEPARTMENT, district, "11"))
        Organisation.objects.bulk_create(rows)
        self.counts["organisations"] = len(rows)
        self.stations = {o.region_id: o for o in rows if o.kind == OrganisationKind.SOCIAL_WORK_STATION}
        return committees

    def staff(
        self,
        streets: list[Region],
        communities: list[tuple[Region, Region, bool]],
        committees: dict[int, Organisation],
    ) -> None:
        s = self.s
        rows: list[Staff] = []
        grid_links: list[tuple[int, int]] = []  # (index into rows, grid pk)

        def member(kind: str, post: str, region: Region, org: Organisation | None, **extra: Any) -> Staff:
            sex = "M" if s.chance(0.45) else "F"
            started = self.today - dt.timedelta(days=s.between(60, 365 * 15))
            return Staff(
                name=self.name_of(s.weighted(LOCAL_SURNAMES), sex, s.between(1968, 2000)),
                kind=kind,
                post=post,
                region=region,
                organisation=org,
                phone=self.phone(),
                started_on=started,
                **extra,
            )

        for community, _street, urban in communities:
            people = self.community_people.get(community.pk, 0)
            n = max(5, round(people * 18 / 10_000)) if urban else s.between(3, 7)
            head = "居委会" if urban else "村委会"
            posts = ["党委书记、" + head + "主任"] if s.chance(0.7) else ["党委书记", head + "主任"]
            posts += [head + "副主任"] * (2 if n >= 7 else 1) + [head + "委员"] * (3 if n >= 8 else 1)
            posts = posts[:n] + ["专职社区工作者"] * max(0, n - len(posts))
            org = committees.get(community.pk)
            rows += [member(StaffKind.COMMUNITY_WORKER, p, community, org) for p in posts]
        grids_by_community: dict[int, list[_GridRef]] = {}
        for ref in self.grids:
            grids_by_community.setdefault(ref.community.pk, []).append(ref)
        for community, _street, _urban in communities:
            for ref in grids_by_community.get(community.pk, []):
                grid_links.append((len(rows), ref.pk))
                rows.append(
                    member(
                        StaffKind.GRID_WORKER,
                        "专职网格员" if s.chance(0.8) else "兼职网格员",
                        community,
                        committees.get(community.pk),
                    )
                )
        street_people: dict[int, int] = {}
        for community, street, _ in communities:
            street_people[street.pk] = street_people.get(street.pk, 0) + self.community_people.get(
                community.pk, 0
            )
        levels = Weighted(
            [
                (CertificateLevel.ASSISTANT, 0.55),
                (CertificateLevel.SOCIAL_WORKER, 0.30),
                (CertificateLevel.SENIOR, 0.05),
                (CertificateLevel.NONE, 0.10),
            ]
        )
        serial = itertools.count(1)
        for st in streets:
            for _ in range(max(1, round(street_people.get(st.pk, 0) / 2000))):
                level = s.weighted(levels)
                number = (
                    f"{s.between(2012, 2025)}35{CERTIFICATE_MARK[level]}{next(serial):06d}" if level else ""
                )
                rows.append(
                    member(
                        StaffKind.SOCIAL_WORKER,
                        "驻站社工",
                        st,
                        self.stations.get(st.pk),
                        certificate_level=level,
                        certificate_no=number,
                    )
                )
        Staff.objects.bulk_create(rows, batch_size=BATCH)
        Staff.grids.through.objects.bulk_create(
            [Staff.grids.through(staff_id=rows[i].pk, region_id=g) for i, g in grid_links], batch_size=BATCH
        )
        self.counts["staff"] = len(rows)

        trainings = []
        for worker in rows:
            if not s.chance(0.7):
                continue
            for title, organiser in s.sample(TRAININGS, s.between(1, 3)):
                start = self.today - dt.timedelta(days=s.between(20, 3 * 365))
                days = s.between(0, 4)
                trainings.append(
                    Training(
                        staff_id=worker.pk,
                        title=title,
                        organiser=organiser,
                        start_date=start,
                        end_date=start + dt.timedelta(days=days),
                        hours=Decimal(min(40, (days + 1) * s.choice([3, 4, 6, 8]))).quantize(Decimal("0.1")),
                    )
                )
        Training.objects.bulk_create(trainings, batch_size=BATCH)
        self.counts["trainings"] = len(trainings)

    # -- the whole district ----------------------------------------------------------------------

    def run(self) -> None:
        s = self.s
        district = Region.objects.current().get(code=DISTRICT_CODE)
        streets = list(Region.objects.current().filter(parent=district, level=Level.STREET).order_by("code"))
        communities: list[tuple[Region, Region, bool]] = []
        for street in streets:
            if not street.urban_rural and not street.urban_rural_manual:
                street.urban_rural = UrbanRural.URBAN if street.name.endswith("街道") else UrbanRural.RURAL
            for c in Region.objects.current().filter(parent=street, level=Level.COMMUNITY).order_by("code"):
                communities.append((c, street, urban_of(c)))
        if not communities:
            raise DemoError("洛江区下没有社区/村（区划数据未导入）")

        raw = [s.uniform(3000, 6000) if urban else s.uniform(1000, 3500) for _, _, urban in communities]
        factor = FULL_POPULATION * self.scale / sum(raw)
        slots: dict[int, Rect] = {}
        for street in streets:
            mine = [c for c, st, _ in communities if st.pk == street.pk]
            for c, slot in zip(
                mine, zone_slots(ZONES.get(street.code, DISTRICT_BOX), len(mine)), strict=True
            ):
                slots[c.pk] = slot
        self.lock_and_start()
        for done, ((community, street, urban), r) in enumerate(zip(communities, raw, strict=True), start=1):
            self.community(community, street, slots[community.pk], max(1, round(r * factor)), urban)
            if done % 10 == 0 or done == len(communities):
                self.log(f"  已生成 {done}/{len(communities)} 个社区/村，{self.persons.written:,} 人")
        Region.objects.bulk_update(
            [c for c, _, _ in communities], ["centroid_lat", "centroid_lon", "boundary", "urban_rural"]
        )
        for street in streets:
            mine = [c for c, st, _ in communities if st.pk == street.pk]
            if mine and street.centroid_lat is None:
                street.centroid_lat = round(sum(c.centroid_lat or 0 for c in mine) / len(mine), 6)
                street.centroid_lon = round(sum(c.centroid_lon or 0 for c in mine) / len(mine), 6)
        Region.objects.bulk_update(streets, ["centroid_lat", "centroid_lon", "urban_rural"])
        if district.centroid_lat is None:
            district.centroid_lat, district.centroid_lon = 25.05, 118.67
            district.save(update_fields=["centroid_lat", "centroid_lon"])

        self.plant()
        self.log("  正在生成人员标签、组织和工作人员…")
        self.tags()
        committees = self.organisations(district, streets, communities)
        self.staff(streets, communities, committees)
        if connection.vendor == "postgresql":  # explicit primary keys: move the sequences past them
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Building, Household, Person]):
                    cursor.execute(sql)

    def lock_and_start(self) -> None:
        """Reserve primary keys: no other writer may insert into these tables until the commit."""
        if connection.vendor == "postgresql":
            tables = ", ".join(m._meta.db_table for m in (Building, Household, Person))
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        for table in (self.buildings, self.households, self.persons):
            table.start()


def demo_load(
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    today: dt.date | None = None,
    log: Callable[[str], None] | None = None,
) -> DemoResult:
    """Load 泉州市洛江区 with a synthetic population, in one transaction.

    Refuses (``DemoError``) when the district already has grids. ``scale`` multiplies the population
    (1.0 ≈ 230 000 persons); the same seed, scale and day give the same data.
    """
    if not (0 < scale <= 4):
        raise DemoError("--scale 应在 0 到 4 之间")
    started = time.perf_counter()
    today = today or timezone.localdate()
    with transaction.atomic():
        if Region.objects.current().subtree(DISTRICT_CODE).filter(level=Level.GRID).exists():
            raise DemoError("洛江区已有网格数据，演示数据不能重复加载（可用 --if-empty 跳过）")
        divisions = division_import(DISTRICT_CODE)
        gen = _Generator(seed=seed, scale=scale, today=today, log=log or (lambda _msg: None))
        gen.run()
    return DemoResult(
        counts=gen.counts, planted=gen.planted, seconds=time.perf_counter() - started, divisions=divisions
    )


# --- demo accounts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Account:
    username: str
    role: str
    region_code: str | None
    display_name: str


ACCOUNTS = [
    _Account("admin", Role.SYSTEM_ADMIN, None, "系统管理员"),
    _Account("quxian", Role.DISTRICT_ADMIN, DISTRICT_CODE, "洛江区民政局管理员"),
    _Account("jiedao", Role.STREET_COORDINATOR, "350504001", "万安街道协调员"),
    _Account("shequ", Role.COMMUNITY_WORKER, "350504001001", "万福社区工作者"),
    _Account("wangge", Role.GRID_WORKER, "350504001001001", "万福社区网格员"),
    _Account("bumen", Role.DEPARTMENT_HANDLER, DISTRICT_CODE, "区民政局办理人员"),
    _Account("jumin", Role.RESIDENT, "350504001001", "万福社区居民"),
    _Account("shequ2", Role.COMMUNITY_WORKER, "350504001002", "桥南社区工作者"),
]


def demo_accounts_ensure() -> list[dict[str, str]]:
    """Create or reset the eight demo accounts (password ``linli-demo-2026``); return them.

    Raises ``DemoError`` when the demo district is not loaded.
    """
    codes = {a.region_code for a in ACCOUNTS if a.region_code}
    regions = {r.code: r for r in Region.objects.current().filter(code__in=codes)}
    missing = sorted(codes - regions.keys())
    if missing:
        raise DemoError(f"演示区划未加载（缺少 {'、'.join(missing)}），请先运行 manage.py demo_load")
    ct = ContentType.objects.get_for_model(User)
    reveal = Permission.objects.get(content_type=ct, codename="reveal_personal_data")
    export = Permission.objects.get(content_type=ct, codename="export_personal_data")
    department = (
        Organisation.objects.filter(
            kind=OrganisationKind.DEPARTMENT, region=regions[DISTRICT_CODE], name__endswith="区民政局"
        )
        .order_by("pk")
        .first()
    )
    first = Household.objects.filter(region=regions["350504001001001"]).order_by("code").first()
    head = (
        Person.objects.filter(household=first, relation=Relation.HEAD).order_by("pk").first()
        if first
        else None
    )
    out = []
    with transaction.atomic():
        for a in ACCOUNTS:
            region = regions.get(a.region_code) if a.region_code else None
            fields: dict[str, Any] = {
                "role": a.role,
                "region": region,
                "display_name": head.name if a.role == Role.RESIDENT and head else a.display_name,
                "is_active": True,
                "is_superuser": a.role == Role.SYSTEM_ADMIN,
                "is_staff": a.role == Role.SYSTEM_ADMIN,
                "organisation": department if a.role == Role.DEPARTMENT_HANDLER else None,
                "person": head if a.role == Role.RESIDENT else None,
            }
            user, _ = User.objects.update_or_create(username=a.username, defaults=fields)
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            for perm, granted in ((reveal, DEFAULT_REVEAL), (export, DEFAULT_EXPORT)):
                if a.role in granted:
                    user.user_permissions.add(perm)
                else:
                    user.user_permissions.remove(perm)
            out.append(
                {
                    "username": a.username,
                    "password": DEMO_PASSWORD,
                    "role": Role(a.role).label,
                    "region": region.name if region else "全部",
                }
            )
    return out
