"""演示数据: facilities of every type for the 洛江 demo (district 350504), some communities short on purpose.

Deterministic from the seed. Facilities sit near their community's buildings (or inside its
boundary when it has none), the services for the whole community (service station, clinic, elderly
station, nursery, market…) among the buildings nearest its middle, the shops anywhere, at plausible
sizes; a quarter of the urban communities have a service station under 800 m², many have no
nursery, some villages have only a 村卫生室; a few spaces are "闲置用房" (siting candidates for the life circle module), a few facilities are planned or being
built, and about one in five of the community centres opens 7 hours a day. Operators are the
registry's organisations where one fits (村（居）委会, 社工站, 物业服务企业, 志愿服务队, 协会).
All rows carry ``source="demo"``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction

from linli.facilities.engine import hours as hours_engine
from linli.facilities.models import ChecklistAttestation, Facility, FacilityStatus, FacilityType
from linli.regions.models import Level, Region
from linli.registry.demo import ADDRESS_PREFIX, DEMO_SOURCE, DISTRICT_CODE, Stream, community_short_name
from linli.registry.models import Building, BuildingKind, Organisation, OrganisationKind

M_PER_DEG = 111_000.0

# Opening hours patterns (ISO weekday → intervals).
_WORKDAY = [["08:00", "12:00"], ["14:00", "18:00"]]
_SHORT = [["08:30", "12:00"], ["14:30", "18:00"]]  # 7 h: flagged
HOURS: dict[str, dict[str, list[list[str]]]] = {
    "office": {**{str(d): _WORKDAY for d in range(1, 6)}, "6": [["09:00", "17:00"]]},
    "office_short": {**{str(d): _SHORT for d in range(1, 6)}, "6": [["09:00", "12:00"]]},
    "daily": {str(d): [["08:00", "17:30"]] for d in range(1, 8)},
    "shop": {str(d): [["07:00", "22:00"]] for d in range(1, 8)},
    "school": {str(d): [["07:30", "17:30"]] for d in range(1, 6)},
    "clinic": {**{str(d): [["08:00", "12:00"], ["14:30", "17:30"]] for d in range(1, 7)}},
    "outdoor": {str(d): [["06:00", "22:00"]] for d in range(1, 8)},
    "always": {str(d): [["00:00", "24:00"]] for d in range(1, 8)},
    "evening": {**{str(d): [["19:00", "21:30"]] for d in range(1, 6)}, "6": [["09:00", "17:00"]]},
}
PATTERN = {
    "comprehensive": "office",
    "elderly": "daily",
    "health": "clinic",
    "children": "school",
    "culture_sports": "outdoor",
    "social": "office",
    "safety": "always",
    "legal": "office",
    "commerce": "shop",
    "municipal": "always",
    "space": "outdoor",
    "property": "office",
}
PATTERN_BY_TYPE = {
    "culture_center": "daily",
    "library": "daily",
    "children_home": "evening",
    "parent_school": "evening",
    "women_home": "evening",
    "pharmacy": "shop",
    "shelter": "",
    "police_room": "office",
}
# (building area range m², land area range or None) per type, for a plausible facility.
SIZE: dict[str, tuple[tuple[int, int], tuple[int, int] | None]] = {
    "party_center": ((600, 1500), None),
    "community_center": ((800, 1400), None),
    "elderly_station": ((150, 400), None),
    "day_care": ((350, 800), None),
    "yikang": ((1200, 3000), None),
    "elder_canteen": ((80, 250), None),
    "community_canteen": ((120, 300), None),
    "health_station": ((120, 350), None),
    "village_clinic": ((60, 150), None),
    "pharmacy": ((40, 150), None),
    "nursery": ((200, 500), None),
    "kindergarten": ((2200, 4200), (3500, 6000)),
    "primary_school": ((6000, 15000), (15000, 30000)),
    "children_home": ((40, 120), None),
    "parent_school": ((40, 100), None),
    "social_work_station": ((80, 250), None),
    "volunteer_station": ((20, 80), None),
    "women_home": ((20, 80), None),
    "culture_center": ((200, 800), None),
    "library": ((50, 200), None),
    "sports": ((0, 0), (300, 2500)),
    "police_room": ((20, 60), None),
    "fire_station": ((30, 80), None),
    "shelter": ((0, 0), (2000, 12000)),
    "legal_service": ((15, 50), None),
    "supermarket": ((300, 1500), None),
    "convenience_store": ((50, 110), None),
    "grocery": ((60, 600), None),
    "express": ((15, 60), None),
    "repair": ((15, 60), None),
    "housekeeping": ((20, 80), None),
    "barber": ((20, 80), None),
    "laundry": ((20, 80), None),
    "restaurant": ((40, 300), None),
    "bus_stop": ((0, 0), None),
    "parking": ((0, 0), (500, 4000)),
    "ev_charging": ((0, 0), (50, 400)),
    "public_toilet": ((30, 80), None),
    "waste_station": ((0, 0), (60, 200)),
    "activity_ground": ((0, 0), (150, 1500)),
    "green_space": ((0, 0), (800, 6000)),
    "property_office": ((50, 200), None),
}
# Probability of each type in an urban community and in a village ((urban p, rural p), how many at most).
MIX: dict[str, tuple[float, float, int]] = {
    "elderly_station": (0.9, 0.55, 1),
    "day_care": (0.4, 0.05, 1),
    "elder_canteen": (0.5, 0.25, 1),
    "community_canteen": (0.25, 0.0, 1),
    "health_station": (0.8, 0.08, 1),
    "pharmacy": (0.85, 0.3, 2),
    "nursery": (0.55, 0.05, 1),
    "kindergarten": (0.65, 0.2, 1),
    "children_home": (0.85, 0.7, 1),
    "parent_school": (0.5, 0.35, 1),
    "volunteer_station": (0.9, 0.7, 1),
    "women_home": (0.6, 0.5, 1),
    "culture_center": (0.6, 0.6, 1),
    "library": (0.7, 0.5, 1),
    "sports": (0.55, 0.7, 1),
    "police_room": (0.6, 0.2, 1),
    "fire_station": (0.5, 0.3, 1),
    "shelter": (0.3, 0.4, 1),
    "legal_service": (0.7, 0.6, 1),
    "supermarket": (0.7, 0.1, 1),
    "convenience_store": (0.9, 0.85, 3),
    "grocery": (0.7, 0.4, 1),
    "express": (0.95, 0.6, 3),
    "repair": (0.8, 0.3, 1),
    "housekeeping": (0.7, 0.1, 1),
    "barber": (0.9, 0.5, 2),
    "laundry": (0.75, 0.1, 1),
    "restaurant": (0.95, 0.6, 3),
    "bus_stop": (0.95, 0.7, 3),
    "parking": (0.8, 0.3, 1),
    "ev_charging": (0.6, 0.15, 1),
    "public_toilet": (0.8, 0.75, 1),
    "waste_station": (0.95, 0.9, 2),
    "activity_ground": (0.85, 0.75, 1),
    "green_space": (0.6, 0.3, 1),
    "property_office": (0.7, 0.0, 1),
}
SUFFIX = {
    "party_center": "党群服务中心",
    "community_center": "社区综合服务站",
    "elderly_station": "居家养老服务站",
    "day_care": "老年人日间照料中心",
    "elder_canteen": "长者食堂",
    "community_canteen": "社区食堂",
    "health_station": "社区卫生服务站",
    "village_clinic": "村卫生室",
    "nursery": "托育园",
    "kindergarten": "幼儿园",
    "children_home": "儿童之家",
    "parent_school": "家长学校",
    "volunteer_station": "志愿服务站",
    "women_home": "妇女微家",
    "culture_center": "综合性文化服务中心",
    "library": "农家书屋",
    "sports": "健身广场",
    "police_room": "警务室",
    "fire_station": "微型消防站",
    "shelter": "应急避难场所",
    "legal_service": "公共法律服务工作室",
    "supermarket": "综合超市",
    "convenience_store": "便利店",
    "grocery": "菜市场",
    "express": "快递驿站",
    "repair": "家电维修部",
    "housekeeping": "家政服务点",
    "barber": "理发店",
    "laundry": "干洗店",
    "pharmacy": "大药房",
    "restaurant": "小吃店",
    "bus_stop": "公交站",
    "parking": "停车场",
    "ev_charging": "电动车充电站",
    "public_toilet": "公共厕所",
    "waste_station": "垃圾分类收集点",
    "activity_ground": "居民活动广场",
    "green_space": "口袋公园",
    "property_office": "物业服务中心",
    "yikang": "颐康中心",
    "social_work_station": "社会工作服务站",
    "primary_school": "中心小学",
}


# Services for the whole community stand in its middle, among the homes (the shops spread out).
CENTRAL = frozenset(
    {"elderly_station", "day_care", "elder_canteen", "health_station", "nursery", "kindergarten", "grocery"}
)


def _central(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The third of the community's buildings nearest the middle of them (all when few)."""
    if len(pts) < 6:
        return pts
    mid_lat = sorted(p[0] for p in pts)[len(pts) // 2]
    mid_lon = sorted(p[1] for p in pts)[len(pts) // 2]
    ranked = sorted(pts, key=lambda p: (p[0] - mid_lat) ** 2 + (p[1] - mid_lon) ** 2)
    return ranked[: max(1, len(ranked) // 3)]


def loaded() -> bool:
    return Facility.objects.filter(source=DEMO_SOURCE).exists()


def _money(v: float) -> Decimal:
    return Decimal(str(round(v))).quantize(Decimal("0.01"))


class _Builder:
    def __init__(self, s: Stream, types: dict[str, FacilityType], today: dt.date):
        self.s, self.types, self.today = s, types, today
        self.rows: list[Facility] = []
        self.serial: dict[str, int] = defaultdict(int)

    def place(
        self, anchor: list[tuple[float, float]], rect: tuple[float, float, float, float] | None
    ) -> tuple[float | None, float | None]:
        s = self.s
        if anchor:
            lat, lon = s.choice(anchor)
            return round(lat + s.uniform(-60, 60) / M_PER_DEG, 6), round(
                lon + s.uniform(-60, 60) / M_PER_DEG, 6
            )
        if rect:
            return round(s.uniform(rect[0], rect[1]), 6), round(s.uniform(rect[2], rect[3]), 6)
        return None, None

    def add(
        self,
        type_code: str,
        region: Region,
        name: str,
        where: tuple[float | None, float | None],
        *,
        area: float | None = None,
        status: str = FacilityStatus.OPEN,
        operator: Organisation | None = None,
        hours: str | None = None,
        address: str = "",
    ) -> Facility:
        s, t = self.s, self.types[type_code]
        (lo, hi), land = SIZE.get(type_code, ((50, 200), None))
        b = area if area is not None else (s.uniform(lo, hi) if hi else None)
        building = _money(b) if b else None
        activity = office = commercial = None
        if building is not None:
            if t.category == "commerce":
                commercial = building
            elif t.category == "comprehensive":
                activity = _money(float(building) * s.uniform(0.55, 0.72))
                office = _money(float(building) * s.uniform(0.10, 0.2))
                commercial = _money(float(building) * s.uniform(0.04, 0.12))
            elif t.category not in ("municipal", "space"):
                activity = _money(float(building) * s.uniform(0.6, 0.8))
                office = _money(float(building) * s.uniform(0.05, 0.15))
        pattern = hours if hours is not None else PATTERN_BY_TYPE.get(type_code, PATTERN.get(t.category, ""))
        week = HOURS.get(pattern, {}) if status in (FacilityStatus.OPEN, FacilityStatus.SUSPENDED) else {}
        summary = hours_engine.summarise(week)
        key = region.code if len(region.code) >= 12 else region.code + "000"
        self.serial[key] += 1
        f = Facility(
            code=f"{key}F{self.serial[key]:04d}",
            name=name,
            type=t,
            region=region,
            address=address,
            lat=where[0],
            lon=where[1],
            building_area=building,
            activity_area=activity,
            office_area=office,
            commercial_area=commercial,
            land_area=_money(s.uniform(*land)) if land else None,
            opening_hours=week,
            hours_per_week=Decimal(str(summary.weekly)).quantize(Decimal("0.01")) if week else None,
            short_days=len(summary.short_days),
            operator=operator,
            operator_name=operator.name if operator else "",
            status=status,
            opened_on=self.today - dt.timedelta(days=s.between(200, 4000))
            if status == FacilityStatus.OPEN
            else None,
            source=DEMO_SOURCE,
        )
        self.rows.append(f)
        return f


def run(*, seed: int, today: dt.date, log: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    district = Region.objects.current().filter(code=DISTRICT_CODE).first()
    if (
        district is None
        or not Region.objects.current().subtree(DISTRICT_CODE).filter(level=Level.GRID).exists()
    ):
        return {}
    s = Stream(seed * 7919 + 10)
    with transaction.atomic():
        types = {t.code: t for t in FacilityType.objects.all()}
        regions = list(
            Region.objects.current()
            .subtree(DISTRICT_CODE)
            .filter(level__in=[Level.STREET, Level.COMMUNITY])
            .order_by("code")
        )
        streets = [r for r in regions if r.level == Level.STREET]
        communities = [r for r in regions if r.level == Level.COMMUNITY]
        street_names = {r.code: r.name for r in streets}
        anchors: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for code, lat, lon in (
            Building.objects.filter(region__code__startswith=DISTRICT_CODE, lat__isnull=False)
            .exclude(kind__in=[BuildingKind.ESTATE, BuildingKind.NATURAL_VILLAGE])
            .values_list("region__code", "lat", "lon")
            .order_by("pk")
        ):
            if lat is not None and lon is not None:
                anchors[code[:12]].append((lat, lon))
        orgs: dict[tuple[str, str], list[Organisation]] = defaultdict(list)
        for o in (
            Organisation.objects.filter(region__code__startswith=DISTRICT_CODE)
            .select_related("region")
            .order_by("pk")
        ):
            orgs[(o.region.code, o.kind)].append(o)

        def org(code: str, kind: str, contains: str = "") -> Organisation | None:
            for o in orgs.get((code, kind), []):
                if contains in o.name:
                    return o
            return None

        b = _Builder(s, types, today)
        for c in communities:
            urban = c.urban_rural != "rural"
            short = community_short_name(c.name)
            pts = anchors.get(c.code, [])
            rect = _rect(c.boundary)
            committee = org(c.code, OrganisationKind.COMMITTEE)
            street = c.code[:9]

            central = _central(pts)

            def at() -> tuple[float | None, float | None]:
                return b.place(pts, rect)  # noqa: B023

            def at_centre() -> tuple[float | None, float | None]:
                return b.place(central, rect)  # noqa: B023

            # 1. the service station: a quarter of the urban communities (and most villages) under 800 m².
            small = s.chance(0.25) if urban else s.chance(0.6)
            area: float | None = s.uniform(420, 780) if small else s.uniform(820, 1400)
            b.add(
                "party_center" if s.chance(0.5) or not urban else "community_center",
                c,
                f"{short}党群服务中心",
                at_centre(),
                area=area,
                operator=committee,
                hours="office_short" if s.chance(0.2) else "office",
                address=f"{ADDRESS_PREFIX}{street_names.get(street, '')}{short}",
            )
            if not urban:
                b.add("village_clinic", c, f"{short}村卫生室", at_centre())
            for code, (pu, pr, most) in MIX.items():
                p = pu if urban else pr
                n = 0
                while n < most and s.chance(p if n == 0 else 0.5):
                    n += 1
                for i in range(n):
                    operator = None
                    if code in ("children_home", "women_home", "legal_service", "culture_center", "library"):
                        operator = committee
                    elif code == "volunteer_station":
                        operator = org(c.code, OrganisationKind.VOLUNTEER_TEAM) or committee
                    elif code in ("elderly_station", "elder_canteen"):
                        operator = org(c.code, OrganisationKind.SOCIAL_ORG, "老年人协会") or committee
                    elif code == "parent_school":
                        operator = org(c.code, OrganisationKind.SOCIAL_ORG, "家长学校") or committee
                    elif code == "property_office":
                        operator = org(c.code, OrganisationKind.PROPERTY_COMPANY)
                    status = FacilityStatus.OPEN
                    if code in ("kindergarten", "nursery", "day_care") and s.chance(0.12):
                        status = s.choice([FacilityStatus.PLANNED, FacilityStatus.BUILDING])
                    area = None
                    if code in ("nursery", "health_station", "public_toilet") and s.chance(0.2):
                        area = {
                            "nursery": s.uniform(90, 190),
                            "health_station": s.uniform(60, 115),
                            "public_toilet": s.uniform(12, 28),
                        }[code]
                    label = SUFFIX.get(code, types[code].name)
                    if code == "library" and urban:
                        label = "社区图书室"
                    b.add(
                        code,
                        c,
                        f"{short}{label}{'' if i == 0 else f'（{i + 1}）'}",
                        at_centre() if code in CENTRAL and i == 0 else at(),
                        area=area,
                        status=status,
                        operator=operator,
                    )
            # A vacant space (siting candidate) in about one community in twelve.
            if s.chance(0.09):
                kind = s.choice(["elderly_station", "nursery", "community_center"])
                what = "闲置架空层" if urban else "原村小学闲置校舍"
                b.add(kind, c, f"{short}{what}", at(), area=s.uniform(150, 600), status=FacilityStatus.VACANT)
            # Manual attestations: about half the communities have confirmed 管理机制 and 社区文化.
            if s.chance(0.5):
                for item, evidence in (
                    (18, "街道党工委会议纪要明确居住社区管理机制"),
                    (20, "社区居民公约已于公开栏发布，年内举办文化活动 6 场"),
                ):
                    ChecklistAttestation.objects.create(
                        region=c,
                        item=item,
                        met=True,
                        attested_on=today - dt.timedelta(days=s.between(10, 300)),
                        attested_by_name=f"{short}书记（演示）",
                        evidence=evidence,
                        source=DEMO_SOURCE,
                    )
        for st in streets:
            mine = [c for c in communities if c.code.startswith(st.code)]
            pts = [p for c in mine for p in anchors.get(c.code, [])]
            rect = _rect(mine[0].boundary) if mine else None
            host = mine[0] if mine else st
            b.add("yikang", st, f"{st.name}颐康中心", b.place(pts, rect))
            b.add(
                "social_work_station",
                st,
                f"{st.name}社会工作服务站",
                b.place(pts, rect),
                operator=org(st.code, OrganisationKind.SOCIAL_WORK_STATION),
            )
            b.add("culture_center", st, f"{st.name}综合文化站", b.place(pts, rect), area=s.uniform(800, 2000))
            b.add(
                "primary_school",
                st,
                f"{st.name.removesuffix('街道').removesuffix('镇')}中心小学",
                b.place(pts, rect),
            )
            b.add("shelter", st, f"{st.name}应急避难场所", b.place(pts, rect))
            if s.chance(0.5):
                b.add(
                    "yikang",
                    host,
                    f"{st.name}第二颐康中心（规划）",
                    b.place(pts, rect),
                    status=FacilityStatus.PLANNED,
                )
        present = {f.type.code for f in b.rows}
        urban_communities = [c for c in communities if c.urban_rural != "rural"] or communities
        for code in sorted(set(types) - present):
            c = s.choice(urban_communities)
            b.add(
                code,
                c,
                f"{community_short_name(c.name)}{SUFFIX.get(code, types[code].name)}",
                b.place(anchors.get(c.code, []), _rect(c.boundary)),
            )
        Facility.objects.bulk_create(b.rows, batch_size=2000)
    vacant = sum(1 for f in b.rows if f.status == FacilityStatus.VACANT)
    short_days = sum(1 for f in b.rows if f.short_days)
    log(f"服务设施 {len(b.rows)} 处")
    return {"服务设施": len(b.rows), "闲置用房（选址候选）": vacant, "每天开放不足 8 小时的设施": short_days}


def _rect(boundary: Any) -> tuple[float, float, float, float] | None:
    """(lat min, lat max, lon min, lon max) of a GeoJSON polygon's outer ring, shrunk by 10 %."""
    try:
        ring = boundary["coordinates"][0]
    except (TypeError, KeyError, IndexError):
        return None
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    dy, dx = (max(lats) - min(lats)) * 0.1, (max(lons) - min(lons)) * 0.1
    return (min(lats) + dy, max(lats) - dy, min(lons) + dx, max(lons) - dx)
