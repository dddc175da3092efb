"""完整居住社区建设标准（试行）: the 20-item checklist of seed 002 专栏5, evaluated for one community.

Pure Python (no Django): ``evaluate(facts)`` takes what the selector gathered about a community
(its open facilities with areas and places, household count, dwelling coordinates, property
companies, manual attestations, and the open facilities around it) and returns, for each item,
met / not met / cannot be judged from the data, with the reason in Chinese
("社区综合服务站建筑面积 620㎡，低于 800㎡", "无幼儿园；最近的在 1.4 km 外").

The items that no data can answer (水电路气热信, 无障碍, 物业管理服务平台, 管理机制, 综合管理服务,
社区文化) are judged from a manual attestation recorded per community (date, who, evidence note).
Only facilities in service (status ``open``) count; planned or building ones are mentioned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

OPEN = "open"
WALK_10_MIN_M = (
    800.0  # 10 minutes' walk, straight line (≈ 80 m/min); the life circle module has the network time
)


class Verdict(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {"met": "达标", "not_met": "未达标", "unknown": "无法从数据判断"}[self.value]


@dataclass(frozen=True)
class Place:
    """A facility as the checklist sees it."""

    type: str
    name: str
    status: str = OPEN
    building_area: float | None = None
    land_area: float | None = None
    lat: float | None = None
    lon: float | None = None
    region_code: str = ""
    region_name: str = ""


@dataclass(frozen=True)
class Attestation:
    """人工确认: a community's statement on an item the data cannot answer."""

    item: int
    met: bool
    on: str  # YYYY-MM-DD
    by: str
    note: str = ""


@dataclass
class CommunityFacts:
    code: str
    name: str
    urban: bool = True
    households: int = 0
    centre: tuple[float, float] | None = None  # (lat, lon)
    facilities: list[Place] = field(default_factory=list)  # every facility of the community, any status
    dwellings: list[tuple[float, float]] = field(default_factory=list)  # (lat, lon) of its buildings
    property_companies: int = 0
    attestations: dict[int, Attestation] = field(default_factory=dict)
    # Open facilities around (the district), by type: for "the nearest is … away" and bus-stop reach.
    around: Mapping[str, Sequence[Place]] = field(default_factory=dict)

    def open_of(self, *types: str) -> list[Place]:
        return [p for p in self.facilities if p.type in types and p.status == OPEN]

    def pending_of(self, *types: str) -> list[Place]:
        return [p for p in self.facilities if p.type in types and p.status in ("planned", "building")]


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class Item:
    number: int
    section: str
    title: str
    requirement: str
    rule: Callable[[CommunityFacts], Outcome] | None  # None: judged by attestation only
    types: tuple[str, ...] = ()  # facility types the item is about (for maps and links)


@dataclass(frozen=True)
class ItemResult:
    number: int
    section: str
    title: str
    requirement: str
    verdict: Verdict
    reason: str
    manual: bool

    @property
    def verdict_label(self) -> str:
        return self.verdict.label


@dataclass
class ChecklistResult:
    code: str
    name: str
    items: list[ItemResult]

    @property
    def met(self) -> int:
        return sum(1 for i in self.items if i.verdict == Verdict.MET)

    @property
    def not_met(self) -> int:
        return sum(1 for i in self.items if i.verdict == Verdict.NOT_MET)

    @property
    def unknown(self) -> int:
        return sum(1 for i in self.items if i.verdict == Verdict.UNKNOWN)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def score(self) -> str:
        return f"{self.met}/{self.total}"


# --- helpers ---------------------------------------------------------------------------------------


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def within(point: tuple[float, float], others: Iterable[tuple[float, float]], metres: float) -> bool:
    """Whether any of ``others`` lies within ``metres`` of ``point`` (local flat approximation, < 0.5 % off at 1 km)."""
    lat0, lon0 = point
    ky, kx = 110_950.0, 111_320.0 * math.cos(math.radians(lat0))
    limit = metres * metres
    for lat, lon in others:
        dy, dx = (lat - lat0) * ky, (lon - lon0) * kx
        if dy * dy + dx * dx <= limit:
            return True
    return False


def km(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{round(metres, -1):.0f} m"


def area(v: float | None) -> str:
    return "未登记面积" if v is None else f"{v:,.0f}㎡"


def _nearest(facts: CommunityFacts, types: Iterable[str]) -> tuple[Place, float] | None:
    if facts.centre is None:
        return None
    best: tuple[Place, float] | None = None
    for p in (p for t in types for p in facts.around.get(t, ())):
        if p.status != OPEN or p.lat is None or p.lon is None:
            continue
        if p.region_code.startswith(facts.code):
            continue
        d = distance_m(facts.centre, (p.lat, p.lon))
        if best is None or d < best[1]:
            best = (p, d)
    return best


def _where(p: Place) -> str:
    """The facility's name, with its community unless the name already says it."""
    short = p.region_name.removesuffix("居委会").removesuffix("村委会")
    return p.name if not short or p.name.startswith(short[:2]) else f"{p.name}，{p.region_name}"


def _absent(facts: CommunityFacts, label: str, types: Sequence[str]) -> str:
    text = f"无{label}"
    pending = facts.pending_of(*types)
    if pending:
        text += f"（{pending[0].name}{'规划中' if pending[0].status == 'planned' else '建设中'}）"
    near = _nearest(facts, types)
    if near is not None:
        p, d = near
        text += f"；最近的在 {km(d)} 外（{_where(p)}）"
    elif facts.centre is None:
        text += "；本社区无坐标，无法估算最近距离"
    return text


def _largest(places: list[Place], attr: str = "building_area") -> Place:
    return max(places, key=lambda p: getattr(p, attr) or -1)


def _sized(
    facts: CommunityFacts, types: Sequence[str], label: str, least: float, *, attr: str = "building_area"
) -> Outcome:
    """One facility of ``types`` with ``attr`` of at least ``least`` m²."""
    places = facts.open_of(*types)
    if not places:
        return Outcome(Verdict.NOT_MET, _absent(facts, label, types))
    best = _largest(places, attr)
    value = getattr(best, attr)
    what = "建筑面积" if attr == "building_area" else "用地面积"
    if value is None:
        return Outcome(Verdict.UNKNOWN, f"有{label}（{best.name}），但未登记{what}")
    if value < least:
        return Outcome(Verdict.NOT_MET, f"{label}{what} {area(value)}，低于 {least:,.0f}㎡（{best.name}）")
    return Outcome(Verdict.MET, f"{best.name}，{what} {area(value)}")


# --- the rules, one per item ----------------------------------------------------------------------

CENTRE_TYPES = ("community_center", "party_center")
ELDERLY_TYPES = ("elderly_station", "day_care", "yikang", "elder_canteen")
OTHER_SHOPS = {
    "barber": "理发店",
    "laundry": "洗衣店",
    "pharmacy": "药店",
    "repair": "维修点",
    "housekeeping": "家政服务网点",
    "restaurant": "餐饮店",
}


def _service_station(f: CommunityFacts) -> Outcome:
    out = _sized(f, CENTRE_TYPES, "社区综合服务站", 800)
    total = sum(p.building_area or 0 for p in f.open_of(*CENTRE_TYPES))
    if f.households and total:  # the plans' other yardstick: ≥ 30–33 m² per 100 households
        return Outcome(
            out.verdict, f"{out.reason}；合计每百户 {total * 100 / f.households:.1f}㎡（{f.households} 户）"
        )
    return out


def _kindergarten(f: CommunityFacts) -> Outcome:
    out = _sized(f, ("kindergarten",), "幼儿园", 2200)
    if out.verdict != Verdict.MET:
        return out
    best = _largest(f.open_of("kindergarten"))
    if best.land_area is not None and best.land_area < 3500:
        return Outcome(Verdict.NOT_MET, f"幼儿园用地面积 {area(best.land_area)}，低于 3,500㎡（{best.name}）")
    return out


def _nursery(f: CommunityFacts) -> Outcome:
    return _sized(f, ("nursery",), "托儿所（托育机构）", 200)


def _elderly(f: CommunityFacts) -> Outcome:
    places = f.open_of(*ELDERLY_TYPES)
    if not places:
        return Outcome(Verdict.NOT_MET, _absent(f, "老年服务站", ELDERLY_TYPES))
    names = "、".join(p.name for p in places[:3])
    day_care = [p for p in places if p.type == "day_care" and (p.building_area or 0) >= 350]
    extra = "；另有日间照料中心不小于 350㎡" if day_care else ""
    return Outcome(Verdict.MET, f"{names}{extra}")


def _health(f: CommunityFacts) -> Outcome:
    if not f.open_of("health_station") and f.open_of("village_clinic"):
        clinic = _largest(f.open_of("village_clinic"))
        near = _nearest(f, ("health_station",))
        tail = f"；最近的社区卫生服务站在 {km(near[1])} 外" if near else ""
        return Outcome(
            Verdict.NOT_MET,
            f"仅有村卫生室（{clinic.name}，{area(clinic.building_area)}），无社区卫生服务站{tail}",
        )
    return _sized(f, ("health_station",), "社区卫生服务站", 120)


def _supermarket(f: CommunityFacts) -> Outcome:
    big = [p for p in f.open_of("supermarket") if (p.building_area or 0) >= 300]
    if big:
        return Outcome(Verdict.MET, f"{big[0].name}，建筑面积 {area(big[0].building_area)}")
    stores = f.open_of("convenience_store")
    if len(stores) >= 2:
        return Outcome(Verdict.MET, f"无 300㎡ 以上综合超市，以 {len(stores)} 个便利店提供相应服务")
    small = f.open_of("supermarket")
    if small:
        s = _largest(small)
        return Outcome(
            Verdict.NOT_MET,
            f"综合超市建筑面积 {area(s.building_area)}，低于 300㎡，便利店 {len(stores)} 个（少于 2 个）",
        )
    return Outcome(
        Verdict.NOT_MET, _absent(f, "综合超市", ("supermarket",)) + f"；便利店 {len(stores)} 个（少于 2 个）"
    )


def _express(f: CommunityFacts) -> Outcome:
    n = len(f.open_of("express"))
    if n >= 2:
        return Outcome(Verdict.MET, f"邮件快件寄递服务设施 {n} 处")
    if n == 1:
        return Outcome(Verdict.NOT_MET, "邮件快件寄递服务设施仅 1 处，标准要求多个")
    return Outcome(Verdict.NOT_MET, _absent(f, "邮件快件寄递服务设施", ("express",)))


def _other_shops(f: CommunityFacts) -> Outcome:
    missing = [label for t, label in OTHER_SHOPS.items() if not f.open_of(t)]
    if not missing:
        return Outcome(Verdict.MET, "理发、洗衣、药店、维修、家政、餐饮网点齐全")
    return Outcome(Verdict.NOT_MET, "缺少" + "、".join(missing))


def _parking(f: CommunityFacts) -> Outcome:
    missing = [label for t, label in (("parking", "停车场"), ("ev_charging", "充电设施")) if not f.open_of(t)]
    if not missing:
        return Outcome(
            Verdict.MET, f"停车场 {len(f.open_of('parking'))} 处，充电设施 {len(f.open_of('ev_charging'))} 处"
        )
    return Outcome(Verdict.NOT_MET, "无" + "、".join(missing))


def _bus(f: CommunityFacts) -> Outcome:
    stops = {
        (p.lat, p.lon)
        for p in (*f.open_of("bus_stop"), *f.around.get("bus_stop", ()))
        if p.lat is not None and p.lon is not None and p.status == OPEN
    }
    if not f.dwellings:
        return Outcome(Verdict.UNKNOWN, "本社区楼栋无坐标，无法判断步行距离")
    if not stops:
        return Outcome(Verdict.NOT_MET, "未登记任何公交站点")
    # Only the stops near the community's bounding box can be within reach (≈ 0.0075° ≥ 800 m here).
    lats, lons = [d[0] for d in f.dwellings], [d[1] for d in f.dwellings]
    pad_lat = WALK_10_MIN_M / 110_950.0 * 1.01
    pad_lon = WALK_10_MIN_M / (111_320.0 * math.cos(math.radians(max(map(abs, lats))))) * 1.01
    near = [
        (a, b)
        for a, b in stops
        if min(lats) - pad_lat <= a <= max(lats) + pad_lat and min(lons) - pad_lon <= b <= max(lons) + pad_lon
    ]
    far = (
        sum(1 for d in set(f.dwellings) if not within(d, near, WALK_10_MIN_M))
        if near
        else len(set(f.dwellings))
    )
    total = len(set(f.dwellings))
    if far == 0:
        return Outcome(Verdict.MET, f"全部 {total} 栋楼 800 m（步行约 10 分钟）内有公交站点")
    return Outcome(
        Verdict.NOT_MET,
        f"{far} / {total} 栋楼距最近公交站点超过 800 m（直线，约步行 10 分钟）",
    )


def _sanitation(f: CommunityFacts) -> Outcome:
    problems = []
    if not f.open_of("waste_station"):
        problems.append("无生活垃圾分类收集点/收集站")
    toilets = f.open_of("public_toilet")
    if not toilets:
        problems.append("无公共厕所")
    else:
        t = _largest(toilets)
        if t.building_area is not None and t.building_area < 30:
            problems.append(f"公共厕所建筑面积 {area(t.building_area)}，低于 30㎡")
    if problems:
        return Outcome(Verdict.NOT_MET, "；".join(problems))
    return Outcome(
        Verdict.MET, f"垃圾分类收集点 {len(f.open_of('waste_station'))} 处，公共厕所 {len(toilets)} 处"
    )


def _ground(f: CommunityFacts) -> Outcome:
    places = f.open_of("activity_ground", "sports")
    if not places:
        return Outcome(Verdict.NOT_MET, _absent(f, "公共活动场地", ("activity_ground", "sports")))
    best = _largest(places, "land_area")
    if best.land_area is None:
        return Outcome(Verdict.UNKNOWN, f"有公共活动场地（{best.name}），但未登记用地面积")
    if best.land_area < 150:
        return Outcome(Verdict.NOT_MET, f"公共活动场地用地面积 {area(best.land_area)}，低于 150㎡")
    return Outcome(Verdict.MET, f"{best.name}，用地面积 {area(best.land_area)}")


def _green(f: CommunityFacts) -> Outcome:
    places = f.open_of("green_space")
    if places:
        return Outcome(Verdict.MET, "、".join(p.name for p in places[:3]))
    return Outcome(Verdict.NOT_MET, _absent(f, "开放的公共绿地", ("green_space",)))


def _property(f: CommunityFacts) -> Outcome:
    offices = f.open_of("property_office")
    if offices or f.property_companies:
        bits = []
        if f.property_companies:
            bits.append(f"物业服务企业 {f.property_companies} 家")
        if offices:
            bits.append(f"物业管理用房 {len(offices)} 处")
        return Outcome(Verdict.MET, "，".join(bits))
    return Outcome(
        Verdict.NOT_MET, "未登记物业服务企业或物业管理用房（可由社区托管、社会组织代管或居民自管）"
    )


S1, S2, S3, S4, S5, S6 = (
    "一、基本公共服务设施完善",
    "二、便民商业服务设施健全",
    "三、市政配套基础设施完备",
    "四、公共活动空间充足",
    "五、物业管理全覆盖",
    "六、社区管理机制健全",
)

ITEMS: list[Item] = [
    Item(1, S1, "一个社区综合服务站", "建筑面积以 800㎡ 为宜", _service_station, CENTRE_TYPES),
    Item(
        2,
        S1,
        "一个幼儿园",
        "不小于 6 班，建筑面积不小于 2 200㎡，用地面积不小于 3 500㎡",
        _kindergarten,
        ("kindergarten",),
    ),
    Item(3, S1, "一个托儿所", "建筑面积不小于 200㎡", _nursery, ("nursery",)),
    Item(
        4,
        S1,
        "一个老年服务站",
        "与社区综合服务站统筹建设；日间照料中心不小于 350㎡（具备条件的）",
        _elderly,
        ELDERLY_TYPES,
    ),
    Item(5, S1, "一个社区卫生服务站", "建筑面积不小于 120㎡", _health, ("health_station",)),
    Item(
        6,
        S2,
        "一个综合超市",
        "建筑面积不小于 300㎡；受条件约束的可建 2—3 个便利店",
        _supermarket,
        ("supermarket", "convenience_store"),
    ),
    Item(
        7,
        S2,
        "多个邮件和快件寄递服务设施",
        "智能信包箱、智能快递箱、邮政快递末端综合服务站",
        _express,
        ("express",),
    ),
    Item(
        8,
        S2,
        "其他便民商业网点",
        "理发店、洗衣店、药店、维修点、家政服务网点、餐饮店等",
        _other_shops,
        tuple(OTHER_SHOPS),
    ),
    Item(9, S3, "水、电、路、气、热、信等设施", "设施完好、运行安全、供给稳定；光纤入户；智能安防", None),
    Item(10, S3, "停车及充电设施", "停车位、电动车集中停放和充电场所", _parking, ("parking", "ev_charging")),
    Item(11, S3, "慢行系统", "居民步行 10 分钟可以到达公交站点", _bus, ("bus_stop",)),
    Item(12, S3, "无障碍设施", "出入口轮椅坡道和扶手，户外环境符合无障碍设计要求", None),
    Item(
        13,
        S3,
        "环境卫生设施",
        "多处垃圾分类收集点；建筑面积不小于 30㎡ 的公共厕所",
        _sanitation,
        ("waste_station", "public_toilet"),
    ),
    Item(14, S4, "公共活动场地", "至少一片，用地面积不小于 150㎡", _ground, ("activity_ground", "sports")),
    Item(15, S4, "公共绿地", "至少一片开放的公共绿地", _green, ("green_space",)),
    Item(
        16,
        S5,
        "物业服务",
        "专业化物业服务或社区托管、社会组织代管、居民自管；物业管理用房",
        _property,
        ("property_office",),
    ),
    Item(17, S5, "物业管理服务平台", "建立物业管理服务平台，线上线下社区服务", None),
    Item(18, S6, "管理机制", "“党委领导、政府组织、业主参与、企业服务”的管理机制", None),
    Item(19, S6, "综合管理服务", "依法查处私搭乱建；组织居民参与环境整治、垃圾分类", None),
    Item(20, S6, "社区文化", "举办文化活动，制定发布社区居民公约", None),
]
MANUAL_ITEMS = tuple(i.number for i in ITEMS if i.rule is None)
ITEM_TITLES = {i.number: i.title for i in ITEMS}


def _attested(facts: CommunityFacts, item: Item) -> Outcome:
    a = facts.attestations.get(item.number)
    if a is None:
        return Outcome(Verdict.UNKNOWN, "数据无法判断，待社区人工确认")
    tail = f"：{a.note}" if a.note else ""
    return Outcome(
        Verdict.MET if a.met else Verdict.NOT_MET,
        f"人工确认（{a.on}，{a.by}）{'已达到' if a.met else '未达到'}{tail}",
    )


def evaluate(facts: CommunityFacts) -> ChecklistResult:
    results = []
    for item in ITEMS:
        outcome = item.rule(facts) if item.rule is not None else _attested(facts, item)
        results.append(
            ItemResult(
                number=item.number,
                section=item.section,
                title=item.title,
                requirement=item.requirement,
                verdict=outcome.verdict,
                reason=outcome.reason,
                manual=item.rule is None,
            )
        )
    return ChecklistResult(code=facts.code, name=facts.name, items=results)


def most_missing(results: Iterable[ChecklistResult], top: int = 5) -> list[tuple[int, str, int]]:
    """The items most often not met across communities: (number, title, communities)."""
    counts: dict[int, int] = {}
    for r in results:
        for i in r.items:
            if i.verdict == Verdict.NOT_MET:
                counts[i.number] = counts.get(i.number, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [(n, ITEM_TITLES[n], c) for n, c in ranked]
