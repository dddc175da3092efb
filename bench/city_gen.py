"""The synthetic 广州 of ``bench/city.py``: every table written with COPY, deterministic from the seed.

Scaling: the region tree is the whole city at every scale — 11 districts with their real codes
(440103 荔湾 … 440118 增城), 176 streets, 2 851 communities and villages, 20 000 grids — and what lives
in it is multiplied by ``scale``: buildings (≈50 a grid at scale 1, so ≈1 M), and with them households
(≈6.5 a building), persons (≈2.9 a household, 18.7 M), requests (0.16 a person a year, ≈3 M),
volunteers (≈23 % of persons, 4.31 M), bookings, visits and the walking network (≈1 M nodes, one
network per district). Facilities (≈9 a community), services, care workers and accounts are the
city's own and do not scale. A community at scale 0.1 is thus a tenth as dense, not a tenth as many.

Rows get their ids here (the database is new), so nothing is read back; the identity sequences are
moved past them at the end. Big tables lose their foreign keys and secondary indexes for the COPY
and get them back after it (one validating pass and one index build each instead of a check and an
index insert per row). Personal fields that are encrypted (ID numbers, phones) stay empty: encrypting
18.7 M values is an import's cost, measured by ``bench/import_persons.py``, not the city's.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import time
import uuid
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

# 广州's districts: code, name, streets, share of villages among its communities
DISTRICTS = [
    ("440103", "荔湾区", 22, 0.0),
    ("440104", "越秀区", 18, 0.0),
    ("440105", "海珠区", 18, 0.0),
    ("440106", "天河区", 21, 0.0),
    ("440111", "白云区", 25, 0.3),
    ("440112", "黄埔区", 16, 0.2),
    ("440113", "番禺区", 16, 0.3),
    ("440114", "花都区", 10, 0.6),
    ("440115", "南沙区", 9, 0.6),
    ("440117", "从化区", 8, 0.7),
    ("440118", "增城区", 13, 0.6),
]
COMMUNITIES = 2851
GRIDS = 20_000
FULL_PERSONS = 18_700_000
BUILDINGS_PER_GRID = 50  # at scale 1: ≈1 M buildings
HOUSEHOLDS_PER_BUILDING = 6.5
CASES_PER_PERSON = 3_000_000 / FULL_PERSONS
VOLUNTEER_SHARE = 4_310_000 / FULL_PERSONS
NETWORK_NODES = 1_000_000  # at scale 1
FACILITIES_PER_COMMUNITY = 9
DAY = dt.date(2026, 12, 1)  # "today" of the city: a year of requests ends here
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
PASSWORD = "linli-city-2026"

WORDS = [
    "沙河",
    "五山",
    "石牌",
    "员村",
    "车陂",
    "新塘",
    "龙洞",
    "棠下",
    "天园",
    "兴华",
    "黄村",
    "珠吉",
    "凤凰",
    "猎德",
    "冼村",
    "林和",
    "登峰",
    "华林",
    "逢源",
    "昌华",
    "多宝",
    "金花",
    "彩虹",
    "南源",
    "西村",
    "站前",
    "桥中",
    "冲口",
    "花地",
    "石围塘",
    "茶滘",
    "东漖",
    "海龙",
    "白鹤洞",
    "北京",
    "人民",
    "光塔",
    "六榕",
    "流花",
    "东山",
    "农林",
    "梅花村",
    "黄花岗",
    "华乐",
    "建设",
    "大塘",
    "珠光",
    "大东",
    "白云",
    "矿泉",
    "赤岗",
    "新港",
    "滨江",
    "素社",
    "海幢",
    "南华西",
    "龙凤",
    "沙园",
    "江海",
    "凤阳",
    "瑞宝",
    "江南中",
    "昌岗",
    "南石头",
    "官洲",
    "华洲",
    "琶洲",
    "南洲",
    "三元里",
    "松洲",
    "景泰",
    "同德",
    "黄石",
    "京溪",
    "永平",
    "嘉禾",
    "均禾",
    "石井",
    "金沙",
    "云城",
    "鹤龙",
    "白云湖",
    "石门",
    "龙归",
    "人和",
    "太和",
    "钟落潭",
    "江高",
    "萝岗",
    "夏港",
    "鱼珠",
    "长洲",
    "红山",
    "大沙",
    "文冲",
    "穗东",
    "南岗",
    "联和",
    "永和",
    "长岭",
    "九佛",
    "龙湖",
    "新龙",
    "市桥",
    "沙头",
    "东环",
    "桥南",
    "小谷围",
    "大石",
    "洛浦",
    "钟村",
    "石壁",
    "大龙",
    "石碁",
    "南村",
    "新造",
    "化龙",
    "石楼",
    "沙湾",
    "新华",
    "花城",
    "秀全",
    "新雅",
    "狮岭",
    "花山",
    "花东",
    "炭步",
    "赤坭",
    "梯面",
    "南沙",
    "珠江",
    "龙穴",
    "万顷沙",
    "黄阁",
    "横沥",
    "大岗",
    "东涌",
    "榄核",
    "街口",
    "城郊",
    "江埔",
    "太平",
    "温泉",
    "良口",
    "吕田",
    "鳌头",
    "荔城",
    "增江",
    "朱村",
    "永宁",
    "荔湖",
    "宁西",
    "派潭",
    "正果",
    "小楼",
    "仙村",
    "石滩",
    "中新",
    "新塘",
    "荔景",
    "翠湖",
    "明珠",
    "康乐",
    "锦绣",
    "金碧",
    "荔港",
    "富丽",
    "碧桂",
    "祈福",
    "丽江",
    "星河",
    "雅居",
    "华景",
]
SURNAMES = list("陈李黄张梁林刘吴何罗郑谢冯叶蔡邓曾彭许苏潘钟卢杨朱麦周胡赵徐江孙马高关欧")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉坤锦荣伦妹嫦好彩")
# age bands of 广州 (2020 census shape): (from, to, weight %)
AGES = [(0, 3, 4.0), (3, 6, 4.0), (6, 15, 7.0), (15, 25, 12.0), (25, 40, 30.0), (40, 60, 31.6)]
AGES += [(60, 70, 6.5), (70, 80, 3.4), (80, 90, 1.3), (90, 101, 0.2)]
HH_SIZES = [(1, 22), (2, 25), (3, 22), (4, 16), (5, 9), (6, 6)]


def pick(rng: random.Random, table: list[tuple[Any, float]]) -> Any:
    r = rng.random() * sum(w for _, w in table)
    for v, w in table:
        r -= w
        if r < 0:
            return v
    return table[-1][0]


@dataclass
class City:
    """What the generator made (ids), for the tables that refer to earlier ones and for the bench."""

    scale: float
    seed: int
    regions: dict[str, int] = field(default_factory=dict)  # code → id
    districts: list[str] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)
    rural: set[str] = field(default_factory=set)
    grids: dict[str, list[str]] = field(default_factory=dict)  # community code → grid codes
    cells: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)  # community → rect
    buildings: dict[str, tuple[int, int]] = field(default_factory=dict)  # grid code → building id range
    persons: int = 0
    person_range: dict[str, tuple[int, int]] = field(default_factory=dict)  # community → person ids
    volunteer_seed: array = field(default_factory=lambda: array("q"))
    households: int = 0
    users: dict[str, int] = field(default_factory=dict)  # username → id
    timings: list[tuple[str, int, float]] = field(default_factory=list)


# --- COPY ----------------------------------------------------------------------------------------


def _constant(f: Any) -> Any:
    """The value a NOT NULL column gets when the generator leaves it out: the field's default."""
    from django.db import models

    value = f.get_default()
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return NOW
    if isinstance(f, models.JSONField):
        return json.dumps(value if value is not None else {})
    if isinstance(f, models.UUIDField):
        raise ValueError(f"{f.model.__name__}.{f.name}: give uuids per row")
    if value is None and not f.null:
        raise ValueError(f"{f.model.__name__}.{f.name} needs a value")
    return value


def copy_rows(model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """COPY ``rows`` (values in ``columns`` order) into ``model``'s table; the other NOT NULL columns
    get their field defaults. Rows are streamed: a generator of millions is fine."""
    from django.db import connection

    given = set(columns)
    extra = [
        f
        for f in model._meta.concrete_fields
        if f.column not in given and not f.null and not (f.primary_key and "id" not in given)
    ]
    consts = tuple(_constant(f) for f in extra)
    cols = ", ".join(connection.ops.quote_name(c) for c in [*columns, *(f.column for f in extra)])
    n = 0
    with (
        connection.cursor() as cur,
        cur.cursor.copy(f"COPY {model._meta.db_table} ({cols}) FROM STDIN") as copy,
    ):
        for r in rows:
            copy.write_row(r + consts if consts else r)
            n += 1
    return n


class SideCopy:
    """A COPY into ``model`` on a connection of its own, written row by row beside another COPY."""

    def __init__(self, model: Any, columns: list[str]) -> None:
        self.model, self.columns = model, columns
        self.n = 0

    def __enter__(self) -> SideCopy:
        import psycopg
        from django.db import connection

        s = connection.settings_dict
        self.conn = psycopg.connect(
            host=s["HOST"], port=s["PORT"] or None, dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"]
        )
        cols = ", ".join(f'"{c}"' for c in self.columns)
        self.ctx = self.conn.cursor().copy(f"COPY {self.model._meta.db_table} ({cols}) FROM STDIN")
        self.copy = self.ctx.__enter__()
        return self

    def write(self, row: tuple[Any, ...]) -> None:
        self.copy.write_row(row)
        self.n += 1

    def __exit__(self, *exc: Any) -> None:
        self.ctx.__exit__(*exc)
        if exc[0] is None:
            self.conn.commit()
        self.conn.close()


HH_COLS = ["id", "code", "region_id", "building_id", "unit", "room", "address", "created_at"]
TAG_COLS = [
    "id",
    "person_id",
    "kind",
    "disability_category",
    "disability_grade",
    "valid_from",
    "valid_to",
    "note",
]
TAG_COLS += ["created_at"]


class Loose:
    """Drop a table's foreign keys and secondary (non-unique) indexes for a big COPY, restore them after."""

    def __init__(self, *tables: str) -> None:
        self.tables = tables
        self.restore: list[str] = []

    def __enter__(self) -> Loose:
        from django.db import connection

        with connection.cursor() as cur:
            for t in self.tables:
                cur.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f'",
                    [t],
                )
                for name, definition in cur.fetchall():
                    self.restore.append(f'ALTER TABLE {t} ADD CONSTRAINT "{name}" {definition}')
                    cur.execute(f'ALTER TABLE {t} DROP CONSTRAINT "{name}"')
                cur.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                    "AND i.indexdef NOT LIKE 'CREATE UNIQUE%%' "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                    [t],
                )
                for name, definition in cur.fetchall():
                    self.restore.insert(0, definition)
                    cur.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc: object) -> None:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            for sql in self.restore:
                cur.execute(sql)
            for t in self.tables:
                cur.execute(f"ANALYZE {t}")


def timed(city: City, label: str, fn: Any, *args: Any) -> Any:
    t = time.perf_counter()
    out = fn(*args)
    n = out if isinstance(out, int) else 0
    s = time.perf_counter() - t
    city.timings.append((label, n, s))
    rate = f"{n / s:,.0f}/s" if n and s > 0 else ""
    print(f"  {label:<34}{n:>12,} rows {s:8.1f} s  {rate}", flush=True)
    return out


# --- regions ---------------------------------------------------------------------------------------


def gen_regions(city: City) -> int:
    from linli.regions.models import Level, Region

    rng = random.Random(city.seed)
    rows: list[tuple[Any, ...]] = []
    nid = 0

    def add(code: str, name: str, level: int, parent: str | None, ur: str) -> None:
        nonlocal nid
        nid += 1
        city.regions[code] = nid
        rows.append((nid, code, name, level, city.regions[parent] if parent else None, ur, "bench", DAY))

    add("44", "广东省", Level.PROVINCE, None, "urban")
    add("4401", "广州市", Level.CITY, "44", "urban")
    street_counts = [d[2] for d in DISTRICTS]
    per_street = [COMMUNITIES // sum(street_counts)] * sum(street_counts)
    for i in range(COMMUNITIES - sum(per_street)):
        per_street[i * 5 % len(per_street)] += 1
    grids_left = GRIDS
    k = 0
    word = 0
    for code, name, streets, village_share in DISTRICTS:
        add(code, name, Level.DISTRICT, "4401", "urban")
        city.districts.append(code)
        for s in range(streets):
            rural_street = rng.random() < village_share
            scode = f"{code}{(100 if rural_street else 0) + s + 1:03d}"
            sname = WORDS[word % len(WORDS)] + ("镇" if rural_street else "街道")
            word += 1
            add(scode, sname, Level.STREET, code, "rural" if rural_street else "urban")
            city.streets.append(scode)
            for c in range(per_street[k]):
                village = rural_street and rng.random() < 0.8
                ccode = f"{scode}{(200 if village else 0) + c + 1:03d}"
                cname = WORDS[(word * 7 + c) % len(WORDS)] + ("村" if village else "社区")
                add(ccode, cname, Level.COMMUNITY, scode, "rural" if village else "urban")
                city.communities.append(ccode)
                if village:
                    city.rural.add(ccode)
            k += 1
    # grids: 7 a community, the rest one more in the bigger ones
    extra = grids_left - 7 * len(city.communities)
    for i, ccode in enumerate(city.communities):
        n = 7 + (1 if i * extra // len(city.communities) != (i + 1) * extra // len(city.communities) else 0)
        city.grids[ccode] = []
        for g in range(1, n + 1):
            gcode = f"{ccode}{g:03d}"
            add(gcode, f"第{g}网格", Level.GRID, ccode, "rural" if ccode in city.rural else "urban")
            city.grids[ccode].append(gcode)
    # geometry: communities on a 54-column layout of ≈1.3 km cells, district after district
    for i, ccode in enumerate(city.communities):
        row, col = divmod(i, 54)
        lat0, lon0 = 22.95 + row * 0.012, 113.05 + col * 0.013
        city.cells[ccode] = (lat0, lat0 + 0.011, lon0, lon0 + 0.012)
    return copy_rows(
        Region, ["id", "code", "name", "level", "parent_id", "urban_rural", "source", "valid_from"], rows
    )


# --- buildings, households, persons, tags -----------------------------------------------------------


def gen_buildings(city: City) -> int:
    from linli.registry.models import Building

    rng = random.Random(city.seed + 1)
    per = BUILDINGS_PER_GRID * city.scale
    nid = 0

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal nid
        for ccode in city.communities:
            lat0, lat1, lon0, lon1 = city.cells[ccode]
            gs = city.grids[ccode]
            rural = ccode in city.rural
            for gi, gcode in enumerate(gs):
                x = per * rng.uniform(0.5, 1.5)  # rounded at random: a tenth of 0.5 is 0 or 1
                n = max(1 if gi == 0 else 0, int(x) + (rng.random() < x - int(x)))
                first = nid + 1
                w = (lon1 - lon0) / len(gs)
                for b in range(n):
                    nid += 1
                    yield (
                        nid,
                        f"G{gcode}B{b + 1:04d}",
                        f"{b + 1}号{'屋' if rural else '楼'}",
                        "house" if rural else "building",
                        city.regions[gcode],
                        f"{WORDS[nid % len(WORDS)]}路{nid % 300 + 1}号",
                        round(rng.uniform(lat0, lat1), 6),
                        round(rng.uniform(lon0 + gi * w, lon0 + (gi + 1) * w), 6),
                        3 if rural else rng.choice((6, 9, 18, 33)),
                        NOW,
                    )
                city.buildings[gcode] = (first, nid)

    with Loose("registry_building"):
        return copy_rows(
            Building,
            ["id", "code", "name", "kind", "region_id", "address", "lat", "lon", "floors", "created_at"],
            rows(),
        )


def _birth(rng: random.Random, lo: int, hi: int) -> dt.date:
    return DAY - dt.timedelta(days=int(rng.uniform(lo, hi) * 365.25) + 1)


def _age_band(rng: random.Random) -> tuple[int, int]:
    return pick(rng, [((a, b), w) for a, b, w in AGES])


def gen_people(city: City) -> int:
    """Households in every building, persons in households with ages that fit (a head, a spouse, children
    a generation younger, a grandparent in the big ones), tags from their circumstances. Returns persons."""
    from bench.synthetic_registry import PERSON_COPY_COLUMNS
    from linli.registry.models import Household, Person, PersonTag

    rng = random.Random(city.seed + 2)
    hh_out: list[SideCopy] = []
    tag_out: list[SideCopy] = []
    vols = array("q")  # person id, community region id, person id, …
    pid = 0
    hid = 0
    tid = 0

    def tag(person: int, kind: str, rng: random.Random, disabled: bool = False) -> None:
        nonlocal tid
        tid += 1
        start = DAY - dt.timedelta(days=rng.randrange(30, 3650))
        tag_out[0].write(
            (
                tid,
                person,
                kind,
                rng.choice(["physical", "visual", "hearing", "intellectual", "mental"]) if disabled else "",
                rng.choice((1, 2, 3, 3, 4, 4)) if disabled else None,
                start,
                None,
                "",
                NOW,
            )
        )

    started = time.perf_counter()

    def persons() -> Iterator[tuple[Any, ...]]:
        nonlocal pid, hid
        for ccode in city.communities:
            cid = city.regions[ccode]
            first_person = pid + 1
            for gcode in city.grids[ccode]:
                gid = city.regions[gcode]
                b0, b1 = city.buildings[gcode]
                for b in range(b0, b1 + 1):
                    for h in range(max(1, round(HOUSEHOLDS_PER_BUILDING * rng.uniform(0.5, 1.5)))):
                        hid += 1
                        hh_out[0].write(
                            (
                                hid,
                                f"H{hid:09d}",
                                gid,
                                b,
                                f"{h // 4 + 1}单元",
                                f"{h % 4 + 1}0{h % 2 + 1}",
                                "",
                                NOW,
                            )
                        )
                        size = pick(rng, HH_SIZES)
                        head_lo, head_hi = _age_band(rng)
                        head_lo = max(head_lo, 22)
                        head_hi = max(head_hi, head_lo + 3)
                        head_birth = _birth(rng, head_lo, head_hi)
                        head_age = (DAY - head_birth).days / 365.25
                        members: list[tuple[str, dt.date]] = [("head", head_birth)]
                        if size >= 2:
                            members.append(
                                ("spouse", head_birth + dt.timedelta(days=rng.randrange(-1500, 1500)))
                            )
                        for _ in range(size - len(members) - (1 if size >= 5 else 0)):
                            child_age = max(0.1, head_age - rng.uniform(22, 38))
                            members.append(("child", DAY - dt.timedelta(days=int(child_age * 365.25))))
                        if size >= 5:
                            members.append(
                                (
                                    "parent",
                                    DAY
                                    - dt.timedelta(
                                        days=int(min(100, head_age + rng.uniform(22, 32)) * 365.25)
                                    ),
                                )
                            )
                        alone = size == 1
                        elderly_pair = size == 2 and head_age >= 60
                        for relation, birth in members:
                            pid += 1
                            if pid % 1_000_000 == 0:  # a long stream says how far it got
                                took = time.perf_counter() - started
                                print(
                                    f"    … {pid:,} persons in {took:.0f} s ({pid / took:,.0f}/s)", flush=True
                                )
                            age = (DAY - birth).days / 365.25
                            status = "active"
                            r = rng.random()
                            if r < 0.012:
                                status = "moved_out"
                            elif r < 0.018:
                                status = "deceased"
                            name = rng.choice(SURNAMES) + "".join(
                                rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
                            )
                            if status == "active":
                                if age >= 60 and alone and rng.random() < 0.9:
                                    tag(pid, "living_alone", rng)
                                if age >= 60 and elderly_pair and rng.random() < 0.5:
                                    tag(pid, "empty_nest", rng)
                                if rng.random() < 0.025 + (0.05 if age >= 60 else 0):
                                    tag(pid, "disabled", rng, disabled=True)
                                if rng.random() < 0.006:
                                    tag(pid, "dibao", rng)
                                elif rng.random() < 0.003:
                                    tag(pid, "dibao_edge", rng)
                                if age >= 60 and rng.random() < 0.004:
                                    tag(pid, "tekun", rng)
                                if age >= 60 and rng.random() < 0.01:
                                    tag(pid, "left_behind_elderly", rng)
                                if age < 16 and rng.random() < 0.004:
                                    tag(pid, "left_behind_child", rng)
                                if age < 18 and rng.random() < 0.0008:
                                    tag(pid, "child_in_difficulty", rng)
                                if age >= 35 and rng.random() < 0.01:
                                    tag(pid, "veteran", rng)
                                if rng.random() < 0.003:
                                    tag(pid, "key_care", rng)
                                if 18 <= age < 75 and rng.random() < VOLUNTEER_SHARE / 0.75:
                                    vols.extend((pid, cid))
                            yield (
                                pid,
                                name,
                                "",
                                "",
                                "M" if rng.random() < 0.51 else "F",
                                birth,
                                "",
                                "",
                                hid,
                                relation,
                                rng.choice(("registered", "registered", "resident", "floating", "separated")),
                                "汉族"
                                if rng.random() < 0.97
                                else rng.choice(("壮族", "回族", "满族", "土家族", "瑶族")),
                                gid,
                                status,
                                "",
                                False,
                                NOW,
                                NOW,
                            )
            city.person_range[ccode] = (first_person, pid)

    cols = ["id", *PERSON_COPY_COLUMNS]
    t = time.perf_counter()
    with Loose("registry_household", "registry_person", "registry_persontag"):
        # households and tags stream through connections of their own beside the persons' COPY
        with SideCopy(Household, HH_COLS) as hh_copy, SideCopy(PersonTag, TAG_COLS) as tag_copy:
            hh_out.append(hh_copy)
            tag_out.append(tag_copy)
            n = copy_rows(Person, cols, persons())
        tp = time.perf_counter()
        for label, rows in (("registry_person", n), ("registry_household", hid), ("registry_persontag", tid)):
            city.timings.append((label, rows, tp - t))
            print(f"  {label:<34}{rows:>12,} rows {tp - t:8.1f} s  (one stream)", flush=True)
    print(f"  {'(registry indexes and keys)':<34}{'':>12}      {time.perf_counter() - tp:8.1f} s", flush=True)
    city.timings.append(("registry indexes and keys", 0, time.perf_counter() - tp))
    city.persons, city.households = n, hid
    city.volunteer_seed = vols
    return n


# --- accounts, organisations, facilities ------------------------------------------------------------


def gen_accounts(city: City) -> int:
    """A city administrator (``city_admin``), an administrator per district (``qu440106`` …, 天河's is
    the bench's district account), a coordinator per street, a worker per community, a grid worker per
    grid; one password (``PASSWORD``). Staff roles get the personal-data permissions their role has."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission

    from linli.core.models import User
    from linli.core.roles import DEFAULT_EXPORT, DEFAULT_REVEAL, Role

    pw = make_password(PASSWORD)
    rows = []
    specs = [("city_admin", Role.DISTRICT_ADMIN, "4401", "广州市管理员")]
    specs += [(f"qu{d}", Role.DISTRICT_ADMIN, d, f"{d}区管理员") for d in city.districts]
    specs += [(f"jd{s}", Role.STREET_COORDINATOR, s, f"街道{s}") for s in city.streets]
    specs += [(f"sq{c}", Role.COMMUNITY_WORKER, c, f"社区{c}") for c in city.communities]
    specs += [(f"wg{g}", Role.GRID_WORKER, g, f"网格员{g}") for gs in city.grids.values() for g in gs]
    for i, (username, role, code, display) in enumerate(specs, start=1):
        city.users[username] = i
        rows.append((i, pw, username, "", "", "", True, NOW, role, city.regions[code], display, False, False))
    n = copy_rows(
        User,
        ["id", "password", "username", "first_name", "last_name", "email", "is_active", "date_joined", "role"]
        + ["region_id", "display_name", "is_superuser", "is_staff"],
        rows,
    )
    perms = dict(Permission.objects.filter(content_type__app_label="core").values_list("codename", "pk"))
    through = User.user_permissions.through
    grants = [
        (uid, perms[code])
        for (username, role, _, _), uid in zip(specs, range(1, len(specs) + 1), strict=True)
        for code, granted in (
            ("reveal_personal_data", DEFAULT_REVEAL),
            ("export_personal_data", DEFAULT_EXPORT),
        )
        if role in granted
    ]
    copy_rows(through, ["user_id", "permission_id"], grants)
    return n


DEPARTMENTS = ["城管局", "住建局", "公安分局", "人社局", "卫健局", "民政局", "教育局", "市场监管局", "水务局"]
SUBJECT_UNIT = {
    "物业": "level:5",
    "环境卫生": "城管局",
    "市政设施": "住建局",
    "占道经营": "城管局",
    "噪声扰民": "城管局",
    "供水": "水务局",
    "治安": "公安分局",
    "养老": "民政局",
    "社会救助": "民政局",
    "就业": "人社局",
    "医疗卫生": "卫健局",
    "教育": "教育局",
    "邻里纠纷": "level:5",
    "违章建筑": "level:4",
    "消防安全": "level:4",
}


def gen_organisations(city: City) -> int:
    """The departments of every district (they answer requests)."""
    from linli.registry.models import Organisation

    rows = []
    oid = 0
    city.departments = {}  # type: ignore[attr-defined]
    names = {d[0]: d[1] for d in DISTRICTS}
    for d in city.districts:
        for dep in DEPARTMENTS:
            oid += 1
            city.departments[(d, dep)] = oid  # type: ignore[attr-defined]
            rows.append((oid, f"广州市{names[d]}{dep}", "department", "", city.regions[d], "", "", "", True))
    return copy_rows(
        Organisation,
        [
            "id",
            "name",
            "kind",
            "credit_code",
            "region_id",
            "address",
            "contact_name",
            "contact_phone",
            "active",
        ],
        rows,
    )


def gen_facilities(city: City) -> int:
    """≈9 facilities a community: the 党群服务中心 and a 卫生站 everywhere, the rest drawn from the types
    (villages: 村卫生室 instead of the station); a few planned or vacant (siting candidates)."""
    from linli.facilities.models import Facility, FacilityType

    rng = random.Random(city.seed + 3)
    types = dict(FacilityType.objects.values_list("code", "pk"))
    names = dict(FacilityType.objects.values_list("code", "name"))
    others = [c for c in types if c not in ("party_center", "health_station", "village_clinic")]
    rows = []
    fid = 0
    city.facilities = {}  # type: ignore[attr-defined]
    for ccode in city.communities:
        lat0, lat1, lon0, lon1 = city.cells[ccode]
        rural = ccode in city.rural
        chosen = ["party_center", "village_clinic" if rural else "health_station"]
        chosen += rng.sample(others, FACILITIES_PER_COMMUNITY - 2)
        for code in chosen:
            fid += 1
            status = "open" if rng.random() < 0.94 else rng.choice(("planned", "vacant", "suspended"))
            city.facilities.setdefault(ccode, []).append(fid)  # type: ignore[attr-defined]
            rows.append(
                (
                    fid,
                    f"F{fid:07d}",
                    f"{WORDS[fid % len(WORDS)]}{names[code]}",
                    types[code],
                    city.regions[ccode],
                    f"{WORDS[(fid * 3) % len(WORDS)]}路{fid % 200 + 1}号",
                    round(rng.uniform(lat0, lat1), 6),
                    round(rng.uniform(lon0, lon1), 6),
                    round(rng.uniform(60, 1500), 1),
                    "",
                    status,
                    "bench",
                    NOW,
                    NOW,
                )
            )
    return copy_rows(
        Facility,
        ["id", "code", "name", "type_id", "region_id", "address", "lat", "lon", "building_area"]
        + ["operator_name", "status", "source", "created_at", "updated_at"],
        rows,
    )


# --- a year of requests -----------------------------------------------------------------------------

CASE_TEXTS = [
    "{p}电梯停运好几天了，老人上下楼很困难",
    "{p}楼道堆满杂物，物业不清理",
    "{p}门口垃圾桶满了没人清运，气味很大",
    "{p}路灯不亮已经一周",
    "{p}人行道井盖松动，晚上很危险",
    "{p}早市摊贩占用人行道",
    "{p}工地夜间施工噪音太大，影响休息",
    "{p}停水十几个小时了还没有恢复",
    "{p}晚上有可疑人员在小区里转悠",
    "{p}电动车在楼道里充电，存在火灾隐患",
    "想咨询八十岁以上老人的高龄补贴怎么申请",
    "家庭收入低，想咨询低保申请条件",
    "咨询家庭医生签约怎么办理",
    "{p}楼上漏水到我家，协商不成请求调解",
    "{p}有住户在楼顶违规搭建",
]
CHANNELS = [("app", 40), ("hotline", 30), ("walk_in", 12), ("patrol", 13), ("api", 3), ("open311", 2)]
OPEN_MIX = [
    ("received", 5),
    ("accepted", 10),
    ("dispatched", 20),
    ("in_progress", 25),
    ("replied", 10),
    ("review", 3),
    ("returned", 2),
    ("closed", 25),
]


def gen_cases(city: City) -> int:
    """≈0.16 requests a person over the year before ``DAY``: older ones closed (a few still open and
    overdue), the last month in every state; each with its events (登记, 受理, 派单, 答复, 评价/办结)."""
    from linli.cases.models import Case, CaseCounter, CaseEvent, Category

    rng = random.Random(city.seed + 4)
    cats = list(
        Category.objects.filter(active=True).values_list(
            "pk", "subject", "time_limit__response_hours", "time_limit__resolve_days"
        )
    )
    per_day: dict[dt.date, int] = {}
    cid = 0
    eid = 0
    events_out: list[SideCopy] = []
    street_of = {c: c[:9] for c in city.communities}

    def ev(case: int, at: dt.datetime, action: str, frm: str, to: str, unit: str, note: str = "") -> None:
        nonlocal eid
        eid += 1
        events_out[0].write(
            (eid, case, at, "系统" if action == "overdue" else unit, action, frm, to, unit, note, True)
        )

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal cid
        for ccode in city.communities:
            p0, p1 = city.person_range[ccode]
            n = round((p1 - p0 + 1) * CASES_PER_PERSON * rng.uniform(0.7, 1.3))
            lat0, lat1, lon0, lon1 = city.cells[ccode]
            community = city.regions[ccode]
            street = city.regions[street_of[ccode]]
            district = ccode[:6]
            for _ in range(n):
                cid += 1
                cat, subject, resp_h, days = rng.choice(cats)
                received = NOW - dt.timedelta(seconds=rng.randrange(365 * 86400))
                day = received.date()
                per_day[day] = per_day.get(day, 0) + 1
                age = (NOW - received).days
                status = (
                    pick(rng, OPEN_MIX)
                    if age <= 30
                    else ("closed" if rng.random() < 0.985 else rng.choice(("in_progress", "replied")))
                )
                response_due = received + dt.timedelta(hours=resp_h or 24)
                resolve_due = received + dt.timedelta(days=days or 7)
                unit = SUBJECT_UNIT.get(subject, "level:5")
                org = city.departments.get((district, unit)) if not unit.startswith("level") else None  # type: ignore[attr-defined]
                handler_region = None if org else (street if unit == "level:4" else community)
                unit_name = unit if org else ("街道" if unit == "level:4" else "社区")
                accepted = received + dt.timedelta(hours=rng.uniform(0.2, 20))
                dispatched = accepted + dt.timedelta(hours=rng.uniform(0.1, 10))
                replied = dispatched + dt.timedelta(days=rng.uniform(0.2, (days or 7) * 1.1))
                closed = replied + dt.timedelta(days=rng.uniform(0.5, 5))
                reached = ["received", "accepted", "dispatched", "in_progress", "replied", "closed"]
                stage = reached.index(status) if status in reached else (4 if status == "review" else 2)
                rating = (
                    pick(rng, [("satisfied", 72), ("basic", 18), ("unsatisfied", 10)]) if stage >= 5 else ""
                )
                grid = city.grids[ccode][rng.randrange(len(city.grids[ccode]))]
                ev(cid, received, "create", "", "received", "社区", "登记")
                if stage >= 1:
                    ev(cid, accepted, "accept", "received", "accepted", "社区")
                if stage >= 2:
                    ev(cid, dispatched, "dispatch", "accepted", "dispatched", unit_name, f"派至{unit_name}")
                if stage >= 4:
                    ev(
                        cid,
                        replied,
                        "reply",
                        "in_progress",
                        "replied",
                        unit_name,
                        "已派人现场处理，问题已解决",
                    )
                if stage >= 5:
                    ev(cid, closed, "rate", "replied", "closed", "居民", rating)
                open_ = status not in ("closed",)
                overdue = open_ and resolve_due < NOW
                if overdue:
                    ev(cid, resolve_due, "overdue", status, status, "系统", "已超过办结期限")
                text = rng.choice(CASE_TEXTS).format(p=f"{WORDS[cid % len(WORDS)]}路{cid % 90 + 1}号")
                yield (
                    cid,
                    f"{day:%Y%m%d}-{per_day[day]:06d}",
                    cat,
                    pick(rng, CHANNELS),
                    text,
                    text,
                    status,
                    community,
                    ccode,
                    city.regions[grid],
                    round(rng.uniform(lat0, lat1), 6),
                    round(rng.uniform(lon0, lon1), 6),
                    rng.randint(p0, p1) if rng.random() < 0.6 else None,
                    community,
                    community if stage < 2 else (street if unit == "level:4" else community),
                    handler_region if stage >= 2 else None,
                    org if stage >= 2 else None,
                    5 if unit != "level:4" else 4,
                    received,
                    accepted if stage >= 1 else None,
                    dispatched if stage >= 2 else None,
                    dispatched + dt.timedelta(hours=2) if stage >= 3 else None,
                    replied if stage >= 4 else None,
                    closed if stage >= 5 else None,
                    closed if stage >= 5 else (replied if stage >= 4 else dispatched),
                    response_due,
                    resolve_due,
                    overdue,
                    "已派人现场处理，问题已解决" if stage >= 4 else "",
                    (rating != "unsatisfied") if stage >= 5 else None,
                    rating,
                    closed if rating else None,
                    "bench",
                )

    with (
        Loose("cases_case", "cases_caseevent"),
        SideCopy(
            CaseEvent,
            [
                "id",
                "case_id",
                "at",
                "actor_name",
                "action",
                "from_status",
                "to_status",
                "unit",
                "note",
                "public",
            ],
        ) as side,
    ):
        events_out.append(side)
        n = copy_rows(
            Case,
            ["id", "number", "category_id", "channel", "description", "public_description", "status"]
            + ["region_id", "region_code", "grid_id", "lat", "lon", "reporter_person_id", "owner_region_id"]
            + ["coordinator_id", "handler_region_id", "handler_org_id", "escalation_level", "received_at"]
            + ["accepted_at", "dispatched_at", "responded_at", "replied_at", "closed_at", "updated_at"]
            + [
                "response_due",
                "resolve_due",
                "overdue",
                "reply",
                "resolved",
                "rating",
                "rated_at",
                "source",
            ],
            rows(),
        )
    copy_rows(CaseCounter, ["day", "last"], sorted(per_day.items()))
    print(f"  {'  cases_caseevent':<34}{eid:>12,} rows (with the requests)", flush=True)
    return n


# --- services and bookings --------------------------------------------------------------------------


def gen_services(city: City) -> int:
    """Two services a community: a bookable one at its 党群服务中心 (mornings of weekdays, 10 places,
    from three months before ``DAY`` to two weeks after; ≈60 % of the places booked at scale 1) and a
    volunteer service without booking."""
    from linli.services.models import Booking, Service, Slot, TaxonomyTerm
    from linli.services.services.bookings import bookings_codes_reconcile

    rng = random.Random(city.seed + 5)
    terms = dict(TaxonomyTerm.objects.values_list("code", "pk"))
    bookable = ["elderly_meal", "health_checkup", "mental", "legal", "housekeeping", "repair", "government"]
    rows = []
    sid = 0
    services: list[tuple[int, str]] = []
    for ccode in city.communities:
        lat0, lat1, lon0, lon1 = city.cells[ccode]
        fac = city.facilities[ccode][0]  # type: ignore[attr-defined]
        for kind, term in (("public", rng.choice(bookable)), ("volunteer", "volunteer")):
            sid += 1
            hours = json.dumps({str(d): [["08:30", "11:30"]] for d in range(1, 6)})
            rows.append(
                (
                    sid,
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    f"{WORDS[sid % len(WORDS)]}{'便民' if kind == 'public' else '志愿'}服务",
                    "社区提供的服务",
                    kind,
                    terms[term],
                    city.regions[ccode],
                    fac,
                    round(rng.uniform(lat0, lat1), 6),
                    round(rng.uniform(lon0, lon1), 6),
                    hours,
                    kind == "public",
                    10,
                    "",
                    "",
                    "",
                    "bench",
                )
            )
            if kind == "public":
                services.append((sid, ccode))
    n = copy_rows(
        Service,
        ["id", "uuid", "name", "description", "kind", "category_id", "region_id", "facility_id", "lat", "lon"]
        + ["opening_hours", "bookable", "capacity", "fee_note", "contact_name", "contact_phone", "source"],
        rows,
    )
    per_slot = 6 * city.scale
    slots: list[tuple[Any, ...]] = []
    bookings: list[tuple[Any, ...]] = []
    slot_id = 0
    bid = 0
    tz = dt.timezone(dt.timedelta(hours=8))
    for sid, ccode in services:
        p0, p1 = city.person_range[ccode]
        for d in range(-91, 15):
            day = DAY + dt.timedelta(days=d)
            if day.weekday() >= 5:
                continue
            slot_id += 1
            start = dt.datetime(day.year, day.month, day.day, 8, 30, tzinfo=tz)
            k = int(per_slot) + (1 if rng.random() < per_slot - int(per_slot) else 0)
            booked = 0
            # distinct persons: one active booking a person and slot (``booking_one_active_per_person_slot``)
            for person in rng.sample(range(p0, p1 + 1), min(k, 10, p1 - p0 + 1)):
                bid += 1
                past = d < 0
                status = (
                    pick(rng, [("served", 85), ("no_show", 6), ("cancelled", 9)])
                    if past
                    else pick(rng, [("booked", 80), ("confirmed", 12), ("cancelled", 8)])
                )
                booked += status != "cancelled"
                made = start - dt.timedelta(days=rng.uniform(1, 10))
                bookings.append(
                    (
                        bid,
                        slot_id,
                        sid,
                        person,
                        status,
                        "",
                        made,
                        start + dt.timedelta(hours=1) if status == "served" else None,
                        "",
                        "",
                        "bench",
                        ccode,  # the service's community (the resident's grid: below)
                    )
                )
            slots.append((slot_id, sid, start, start + dt.timedelta(hours=3), 10, booked, "open"))
    copy_rows(Slot, ["id", "service_id", "starts_at", "ends_at", "capacity", "booked", "status"], slots)
    print(f"  {'  services_slot':<34}{len(slots):>12,} rows", flush=True)
    with Loose("services_booking"):
        nb = copy_rows(
            Booking,
            ["id", "slot_id", "service_id", "person_id", "status", "note", "created_at", "served_at"]
            + ["service_record", "rating_comment", "source", "provider_code"],
            bookings,
        )
    bookings_codes_reconcile()  # the residents' region codes (their grids), as the night keeps them
    print(f"  {'  services_booking':<34}{nb:>12,} rows", flush=True)
    return n + nb


# --- volunteers -------------------------------------------------------------------------------------


def gen_volunteers(city: City) -> int:
    """Registered volunteers (≈23 % of persons; their ids came with the persons), activities in every
    community over the year (≈50 a community at scale 1), and service hours for one volunteer in ten."""
    from linli.volunteers.models import CONSENT_TEXT, SKILLS, Activity, Position, ServiceRecord, Volunteer

    rng = random.Random(city.seed + 6)
    seed = city.volunteer_seed
    by_community: dict[int, list[int]] = {}

    def vols() -> Iterator[tuple[Any, ...]]:
        for i in range(0, len(seed), 2):
            pid, cid = seed[i], seed[i + 1]
            vid = i // 2 + 1
            if rng.random() < 0.1:
                by_community.setdefault(cid, []).append(vid)
            at = NOW - dt.timedelta(days=rng.randrange(3650))
            yield (
                vid,
                pid,
                cid,
                f"ZY{pid:09d}",
                "active" if rng.random() < 0.97 else "withdrawn",
                rng.choice(("self", "self", "office")),
                at,
                CONSENT_TEXT,
                json.dumps(rng.sample(SKILLS, 2), ensure_ascii=False),
                at,
                "bench",
            )

    with Loose("volunteers_volunteer"):
        n = copy_rows(
            Volunteer,
            [
                "id",
                "person_id",
                "region_id",
                "number",
                "status",
                "registered_by",
                "consent_at",
                "consent_text",
            ]
            + ["skills", "registered_at", "source"],
            vols(),
        )
    print(f"  {'  volunteers_volunteer':<34}{n:>12,} rows", flush=True)
    acts: list[tuple[Any, ...]] = []
    positions: list[tuple[Any, ...]] = []
    records: list[tuple[Any, ...]] = []
    aid = 0
    rid = 0
    per = max(1, round(50 * city.scale))
    for ccode in city.communities:
        cid = city.regions[ccode]
        lat0, lat1, lon0, lon1 = city.cells[ccode]
        mine: list[tuple[int, dt.datetime]] = []
        for _ in range(per):
            aid += 1
            start = NOW - dt.timedelta(days=rng.uniform(-14, 365))
            start = start.replace(minute=0, second=0, microsecond=0)
            past = start < NOW
            acts.append(
                (
                    aid,
                    f"{WORDS[aid % len(WORDS)]}{rng.choice(('敬老助餐', '环境清洁', '文明劝导', '义诊', '助学'))}志愿服务",
                    cid,
                    "社区组织的志愿服务活动",
                    f"{WORDS[aid % len(WORDS)]}党群服务中心",
                    round(rng.uniform(lat0, lat1), 6),
                    round(rng.uniform(lon0, lon1), 6),
                    start,
                    start + dt.timedelta(hours=3),
                    f"{aid % 1000000:06d}",
                    "closed" if past else "published",
                    NOW - dt.timedelta(days=400),
                    "bench",
                )
            )
            positions.append((aid, aid, "志愿者", 20))
            if past:
                mine.append((aid, start))
        for vid in by_community.get(cid, []):
            for _ in range(rng.randint(1, 8)):
                if not mine:
                    break
                a, start = rng.choice(mine)
                rid += 1
                hours = rng.choice((2, 2.5, 3))
                records.append(
                    (
                        rid,
                        vid,
                        a,
                        "参加志愿服务活动",
                        start,
                        start + dt.timedelta(hours=hours),
                        hours,
                        start + dt.timedelta(days=1),
                        "",
                        "bench",
                    )
                )
    copy_rows(
        Activity,
        [
            "id",
            "title",
            "region_id",
            "description",
            "place",
            "lat",
            "lon",
            "starts_at",
            "ends_at",
            "checkin_code",
        ]
        + ["status", "created_at", "source"],
        acts,
    )
    copy_rows(Position, ["id", "activity_id", "name", "needed"], positions)
    print(f"  {'  volunteers_activity':<34}{len(acts):>12,} rows", flush=True)
    with Loose("volunteers_servicerecord"):
        nr = copy_rows(
            ServiceRecord,
            [
                "id",
                "volunteer_id",
                "activity_id",
                "content",
                "started_at",
                "ended_at",
                "hours",
                "confirmed_at",
            ]
            + ["reason", "source"],
            records,
        )
    print(f"  {'  volunteers_servicerecord':<34}{nr:>12,} rows", flush=True)
    return n + len(acts) + nr


# --- care groups and visits -------------------------------------------------------------------------


def gen_care(city: City) -> int:
    """Care files and memberships as ``care_evaluate`` leaves them (the care bench's rule queries), and a
    year of visits for the groups visited monthly or quarterly: done, the last period's due or overdue."""
    from django.db import connection

    from bench.emergency import fill_care_groups

    fill_care_groups([city.regions[g] for gs in city.grids.values() for g in gs])
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO care_visit (file_id, rule_id, region_id, period_start, due_on, visitor, assigned_to_id,
                                    status, visited_at, answers, note, synthetic)
            SELECT f.id, r.id, f.region_id, p.start::date,
                   (p.start + CASE WHEN r.frequency = 'monthly' THEN interval '1 month'
                                   ELSE interval '3 months' END - interval '1 day')::date,
                   r.visitor, u.id,
                   CASE WHEN p.start >= %(last)s THEN 'due'
                        WHEN hashint4((f.id + extract(month FROM p.start))::int) %% 13 = 0 THEN 'overdue'
                        ELSE 'done' END,
                   CASE WHEN p.start >= %(last)s THEN NULL ELSE p.start + interval '5 days' END,
                   '{}'::jsonb, '', false
            FROM care_caremembership m
            JOIN care_carefile f ON f.id = m.file_id
            JOIN care_carerule r ON r.id = m.rule_id AND r.frequency IN ('monthly', 'quarterly')
            LEFT JOIN core_user u ON u.region_id = f.region_id AND u.role = 'grid_worker'
            CROSS JOIN LATERAL generate_series(%(first)s::timestamp, %(last)s::timestamp,
                CASE WHEN r.frequency = 'monthly' THEN interval '1 month' ELSE interval '3 months' END) p(start)
            WHERE m.until IS NULL
            """,
            {"first": dt.date(DAY.year - 1, DAY.month, 1), "last": DAY.replace(day=1)},
        )
        n = cur.rowcount
        cur.execute("ANALYZE care_visit")
    print(f"  {'  care_visit':<34}{n:>12,} rows", flush=True)
    return n


# --- walking networks ---------------------------------------------------------------------------------


def gen_networks(city: City) -> int:
    """A street grid over every community of each district (``engine.synthetic.grid_network``), about
    ``NETWORK_NODES`` × scale nodes over the city, saved as each district's active network."""
    from linli.lifecircle.engine.synthetic import grid_network
    from linli.lifecircle.models import NetworkSource
    from linli.lifecircle.services import network_save
    from linli.regions.models import Region

    per = NETWORK_NODES * city.scale / len(city.communities)
    spacing = math.sqrt(1200 * 1300 / max(per, 4))
    total = 0
    for i, d in enumerate(city.districts):
        comms = [c for c in city.communities if c.startswith(d)]
        rects = [city.cells[c] for c in comms]
        net = grid_network(rects, [spacing] * len(rects), seed=city.seed + i)
        network_save(
            region=Region.objects.get(pk=city.regions[d]),
            net=net,
            name=f"{d} 合成步行路网",
            source=NetworkSource.SYNTHETIC,
        )
        total += net.n
    return total


# --- the end --------------------------------------------------------------------------------------------


def finish(city: City) -> None:
    """Sequences past the ids given here, statistics for the planner."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'id' AND is_identity = 'YES'"
        )
        for (t,) in cur.fetchall():
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), coalesce((SELECT max(id) FROM {t}), 0) + 1, false)"
            )
        cur.execute("ANALYZE")


def generate(scale: float, seed: int) -> City:
    city = City(scale=scale, seed=seed)
    timed(city, "regions_region", gen_regions, city)
    timed(city, "core_user (accounts)", gen_accounts, city)
    timed(city, "registry_organisation", gen_organisations, city)
    timed(city, "registry_building", gen_buildings, city)
    gen_people(city)
    timed(city, "facilities_facility", gen_facilities, city)
    timed(city, "cases_case (+ events)", gen_cases, city)
    timed(city, "services (+ slots, bookings)", gen_services, city)
    timed(city, "volunteers (+ activities, hours)", gen_volunteers, city)
    timed(city, "care (files, groups, visits)", gen_care, city)
    timed(city, "lifecircle_roadnetwork (nodes)", gen_networks, city)
    timed(city, "sequences, ANALYZE", finish, city)
    timed(city, "registry_regioncount (kept counts)", gen_region_counts)
    return city


def gen_region_counts() -> int:
    """The registry's kept counts per region, as a deployment keeps them (the pages read them)."""
    from linli.registry.services.counts import region_counts_rebuild

    return region_counts_rebuild()
