"""Pure parts of the demo: household composition by age, the geometry of communities and grids,
and unified social credit codes. No database; tested on their own."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from linli.registry.demo.data import M_PER_DEG_LAT, M_PER_DEG_LON
from linli.registry.demo.stream import Stream
from linli.registry.models import Relation

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
