"""A synthetic year of 诉求 for the 洛江 demo (演示数据, ``source="demo"``).

Requests across categories, channels, units and outcomes — some returned, escalated with summoned
departments, overdue, merged or reopened — each with the event history its path implies, so that
queues, measures, the map and the Open311 endpoints show real-looking data at once. Deterministic
from the seed; written with bulk inserts in one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.cases import services
from linli.cases.engine import redact
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, CaseCounter, CaseEvent, Category, Channel, DispatchRule
from linli.core.models import User
from linli.regions.models import Level, Region
from linli.registry.models import Organisation, OrganisationKind, Person

DISTRICT_CODE = "350504"
DEMO = "demo"

# Departments and utilities that answer requests (created if the registry demo lacks them).
UNITS = {
    "城管": "洛江区城管局",
    "住建": "洛江区住建局",
    "公安": "洛江区公安分局",
    "人社": "洛江区人社局",
    "卫健": "洛江区卫健局",
    "民政": "洛江区民政局",
    "教育": "洛江区教育局",
    "市场": "洛江区市场监管局",
    "水务": "泉州市自来水公司洛江营业所",
    "供电": "国网泉州供电公司洛江供电中心",
    "燃气": "泉州燃气公司洛江服务站",
}
# subject → responsible unit: a department key above, or "level:5" (community) / "level:4" (street).
CATALOGUE = {
    "物业": "level:5",
    "环境卫生": "城管",
    "市政设施": "住建",
    "占道经营": "城管",
    "噪声扰民": "城管",
    "供水": "水务",
    "供电": "供电",
    "燃气": "燃气",
    "治安": "公安",
    "消防安全": "level:4",
    "养老": "民政",
    "就业": "人社",
    "社会救助": "民政",
    "医疗卫生": "卫健",
    "教育": "教育",
    "邻里纠纷": "level:5",
    "违章建筑": "level:4",
    "其他": "level:5",
}
WEIGHTS = {
    "物业": 16,
    "环境卫生": 14,
    "市政设施": 10,
    "占道经营": 6,
    "噪声扰民": 8,
    "供水": 5,
    "供电": 4,
    "燃气": 2,
    "治安": 4,
    "消防安全": 3,
    "养老": 6,
    "就业": 4,
    "社会救助": 4,
    "医疗卫生": 4,
    "教育": 3,
    "邻里纠纷": 5,
    "违章建筑": 3,
    "其他": 3,
}
TEXTS = {
    "物业": [
        "{p}电梯停运{n}天了，老人上下楼很困难",
        "{p}地下车库照明坏了很久，物业一直不修",
        "{p}楼道堆满杂物，物业不清理",
        "{p}物业费上涨没有公示，想咨询是否合规",
        "{p}外墙瓷砖脱落，存在安全隐患",
    ],
    "环境卫生": [
        "{p}门口垃圾桶满了没人清运，气味很大",
        "{p}附近有人乱倒建筑垃圾",
        "{p}下水道堵塞污水外溢",
        "{p}公厕卫生太差，长期无人打扫",
    ],
    "市政设施": [
        "{p}路灯不亮已经一周",
        "{p}人行道井盖松动，晚上很危险",
        "{p}路面坑洼积水严重",
        "{p}公交站台的座椅损坏",
    ],
    "占道经营": ["{p}早市摊贩占用人行道，行人只能走机动车道", "{p}店铺在门外摆摊经营，影响通行"],
    "噪声扰民": [
        "{p}工地夜间施工噪音太大，影响休息",
        "{p}广场舞音响声音过大，晚上十点还没停",
        "{p}楼下烧烤店夜间噪音扰民",
    ],
    "供水": ["{p}停水{n}小时了还没有恢复", "{p}水压太低，高层住户用不上水", "{p}路边水管爆裂漏水"],
    "供电": ["{p}突然停电，整栋楼都没电", "{p}电线杆上的电线垂得很低，担心安全"],
    "燃气": ["{p}楼道里有明显的煤气味", "{p}燃气表漏气，请尽快派人检查"],
    "治安": ["{p}晚上有可疑人员在小区里转悠", "{p}电动车被盗，希望加强巡逻", "{p}有人在路口打架"],
    "消防安全": ["{p}电动车在楼道里充电，存在火灾隐患", "{p}消防通道被车辆堵塞"],
    "养老": [
        "想咨询八十岁以上老人的高龄补贴怎么申请",
        "{p}希望社区开设老年助餐点",
        "家里老人独居，想申请居家养老上门服务",
    ],
    "就业": ["失业了想咨询失业保险金怎么领取", "想报名参加社区组织的技能培训", "咨询灵活就业人员社保补贴"],
    "社会救助": [
        "家庭收入低，想咨询低保申请条件",
        "家里突遭变故，申请临时救助",
        "特困人员供养的申请材料有哪些",
    ],
    "医疗卫生": ["咨询家庭医生签约怎么办理", "{p}社区卫生服务站排队时间太长", "咨询医保异地就医备案"],
    "教育": ["咨询孩子入学需要准备哪些材料", "{p}幼儿园学位紧张，希望增加学位"],
    "邻里纠纷": ["{p}楼上漏水到我家，协商不成请求调解", "{p}邻居长期占用公共楼道，多次沟通无果"],
    "违章建筑": ["{p}有住户在楼顶违规搭建", "{p}一楼住户私自扩建围墙占用绿地"],
    "其他": ["建议在{p}增设公共自行车停放点", "{p}希望增加健身器材"],
}
REPLIES = {
    True: [
        "已派人现场处理，问题已解决",
        "经核实已整改完毕，请您查看",
        "已协调相关单位处置完成",
        "已按政策办理，并电话告知申请流程",
    ],
    False: ["经核实不属于政府职责范围，已向您说明解决途径", "问题涉及历史遗留，已纳入计划逐步解决"],
}
CHANNELS = [
    (Channel.APP, 40),
    (Channel.HOTLINE, 30),
    (Channel.WALK_IN, 12),
    (Channel.PATROL, 13),
    (Channel.API, 3),
    (Channel.OPEN311, 2),
]
RATINGS = [(wf.SATISFIED, 72), (wf.BASIC, 18), (wf.UNSATISFIED, 10)]


def demo_cases_loaded() -> bool:
    return Case.objects.filter(source=DEMO).exists()


def _pick(rng: random.Random, table: list[tuple[Any, int]] | dict[Any, int]) -> Any:
    items = list(table.items()) if isinstance(table, dict) else table
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def _ensure_units(district: Region) -> dict[str, Organisation]:
    found = {
        o.name: o for o in Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT, region=district)
    }
    out = {}
    for key, name in UNITS.items():
        org = found.get(name)
        if org is None:
            org = Organisation.objects.create(
                name=name, kind=OrganisationKind.DEPARTMENT, region=district, address="泉州市洛江区"
            )
        out[key] = org
    return out


def _ensure_catalogue(district: Region, units: dict[str, Organisation]) -> int:
    rules = []
    existing = set(DispatchRule.objects.filter(region=district).values_list("category_id", flat=True))
    for c in Category.objects.all():
        if c.pk in existing:
            continue
        target = CATALOGUE.get(c.subject, "level:5")
        if target.startswith("level:"):
            rules.append(DispatchRule(category=c, region=district, unit_level=int(target[6:])))
        else:
            rules.append(DispatchRule(category=c, region=district, organisation=units[target], unit_level=3))
    DispatchRule.objects.bulk_create(rules)
    return len(rules)


def demo_cases_load(
    *, seed: int = 2026, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    district = Region.objects.current().filter(code=DISTRICT_CODE).first()
    if district is None:
        return {}
    today = today or timezone.localdate()
    rng = random.Random(seed * 31 + 3)
    with transaction.atomic():
        units = _ensure_units(district)
        rules = _ensure_catalogue(district, units)
        grids = list(
            Region.objects.current()
            .filter(code__startswith=DISTRICT_CODE, level=Level.GRID, boundary__isnull=False)
            .select_related("parent", "parent__parent")
        )
        if not grids:
            return {"派单目录": rules}
        counts = _generate(rng, grids, units, today, log)
    services.caches_clear()
    log("  正在训练派单助手…")
    model = services.routing_train()
    counts["派单目录"] = rules
    counts["派单助手样本"] = model.samples
    services.case_measures_roll(full=True)  # the year of requests went in by bulk: its monthly summary
    return counts


STUCK_DAYS_MAX = 40  # requests older than this were answered in the end, however late

# The work in hand today (the year's requests above are nearly all answered by now): in the first grid of
# the district (the demo's grid worker's) and at each level above it, requests waiting to be accepted,
# overdue, due within a day, returned, answered and awaiting the return visit, escalated to the street
# and to the district, and dispatched to the civil affairs bureau (the demo's department account).
# (subject, channel, what happened, hours ago received, unit level of the coordinator)
WORK_IN_HAND = [
    ("环境卫生", Channel.PATROL, "received", 1, 5),
    ("物业", Channel.HOTLINE, "overdue", 24 * 12, 5),
    ("邻里纠纷", Channel.WALK_IN, "due_soon", 0, 5),
    ("占道经营", Channel.APP, "returned", 30, 5),
    ("市政设施", Channel.PATROL, "replied", 24 * 4, 5),
    ("违章建筑", Channel.HOTLINE, "escalated", 26, 4),
    ("噪声扰民", Channel.HOTLINE, "escalated", 50, 3),
    ("养老", Channel.APP, "dispatched", 3, 5),
    ("社会救助", Channel.HOTLINE, "due_soon", 0, 5),
]
Event = tuple[str, dt.datetime, str, str, str, str, str]


def _work_in_hand(
    rng: random.Random,
    grids: list[Region],
    units: dict[str, Organisation],
    by_subject: dict[str, list[Category]],
    staff: dict[int | None, User],
    now: dt.datetime,
    per_day: dict[dt.date, int],
) -> list[tuple[Case, list[Event]]]:
    grid = min(grids, key=lambda g: g.code)
    community = grid.parent
    street = community.parent if community is not None else None
    district = street.parent if street is not None else None
    if community is None or street is None or district is None:
        return []
    worker = staff.get(community.pk)
    wname = worker.display_name if worker else "社区工作人员"
    lo_lat, hi_lat, lo_lon, hi_lon = _bounds(grid.boundary or {})
    out = []
    for subject, channel, path, hours, level in WORK_IN_HAND:
        cat = by_subject[subject][0]
        if path == "due_soon":  # received so that the resolution deadline falls within the coming day
            received = now - dt.timedelta(hours=2)
            for back in range(2, 24 * 90):  # complex requests have 30 working days
                received = now - dt.timedelta(hours=back)
                if services.deadlines(cat, received)[1] <= now + dt.timedelta(hours=20):
                    break
        else:
            received = now - dt.timedelta(hours=hours, minutes=rng.randint(0, 50))
        response_due, resolve_due = services.deadlines(cat, received)
        target = CATALOGUE.get(subject, "level:5")
        org = units[target] if not target.startswith("level:") else None
        region_unit = None if org else (community if target == "level:5" else street)
        unit_name = org.name if org else (region_unit.name if region_unit else "")
        status, coordinator, handler_org, handler_region = wf.RECEIVED, community, None, None
        accepted = received + dt.timedelta(minutes=40)
        dispatched = accepted + dt.timedelta(minutes=30)
        actor = wname if channel != Channel.APP else "居民"
        events: list[Event] = [
            ("create", received, "", wf.RECEIVED, actor, community.name, f"{Channel(channel).label}登记")
        ]
        fields: dict[str, Any] = {}
        if path != "received":
            events.append(("accept", accepted, wf.RECEIVED, wf.ACCEPTED, wname, community.name, ""))
            status = wf.ACCEPTED
            fields.update(accepted_at=accepted, responded_at=accepted)
        if path in ("overdue", "due_soon", "returned", "replied", "dispatched"):
            events.append(
                ("dispatch", dispatched, wf.ACCEPTED, wf.DISPATCHED, wname, unit_name, "按派单目录派单")
            )
            status, handler_org, handler_region = wf.DISPATCHED, org, region_unit
            fields["dispatched_at"] = dispatched
        if path in ("overdue", "due_soon", "replied"):
            events.append(
                (
                    "start",
                    dispatched + dt.timedelta(hours=1),
                    wf.DISPATCHED,
                    wf.IN_PROGRESS,
                    "承办单位",
                    unit_name,
                    "",
                )
            )
            status = wf.IN_PROGRESS
        if path == "overdue":
            events.append(
                ("overdue", resolve_due, status, status, services.SYSTEM_NAME, "", "已超过办结期限")
            )
            fields["overdue"] = True
        if path == "returned":
            returned_at = dispatched + dt.timedelta(hours=3)
            events.append(
                (
                    "return",
                    returned_at,
                    wf.DISPATCHED,
                    wf.RETURNED,
                    "承办单位",
                    unit_name,
                    "摊点位于小区内部道路，属物业管理范围，请重新派单",
                )
            )
            status, handler_org, handler_region = wf.RETURNED, None, None
        if path == "replied":
            replied = now - dt.timedelta(hours=20)
            answer = REPLIES[True][0]
            events.append(("reply", replied, wf.IN_PROGRESS, wf.REPLIED, "承办单位", "", answer))
            status = wf.REPLIED
            fields.update(replied_at=replied, resolved=True, reply=answer)
        if path == "escalated":
            up = street
            events.append(
                (
                    "escalate",
                    dispatched,
                    wf.ACCEPTED,
                    wf.ACCEPTED,
                    wname,
                    street.name,
                    "涉及多个部门，社区无法协调，提请街道协调",
                )
            )
            if level == 3:
                up = district
                events.append(
                    (
                        "escalate",
                        dispatched + dt.timedelta(hours=20),
                        wf.ACCEPTED,
                        wf.ACCEPTED,
                        f"{street.name}协调员",
                        district.name,
                        "跨街道、多部门，提请区里协调",
                    )
                )
            coordinator = up
        lat = round(rng.uniform(lo_lat + (hi_lat - lo_lat) * 0.2, hi_lat - (hi_lat - lo_lat) * 0.2), 6)
        lon = round(rng.uniform(lo_lon + (hi_lon - lo_lon) * 0.2, hi_lon - (hi_lon - lo_lon) * 0.2), 6)
        place = community.name.replace("居委会", "").replace("村委会", "村")
        text = TEXTS[subject][0].format(p=place, n=3)
        day = timezone.localdate(received)
        per_day[day] = per_day.get(day, 0) + 1
        case = Case(
            number=f"{day:%Y%m%d}-{per_day[day]:06d}",
            category=cat,
            channel=channel,
            description=text,
            public_description=redact.mask_text(text, []),
            status=status,
            region=community,
            region_code=community.code,
            grid=grid,
            lat=lat,
            lon=lon,
            address=f"福建省泉州市洛江区{street.name}{community.name}",
            reporter_phone=f"13{rng.randint(100000000, 999999999)}" if channel != Channel.PATROL else "",
            created_by=worker if channel in (Channel.HOTLINE, Channel.WALK_IN) else None,
            owner_region=community,
            coordinator=coordinator,
            handler_region=handler_region,
            handler_org=handler_org,
            escalation_level=coordinator.level,
            received_at=received,
            updated_at=events[-1][1],
            response_due=response_due,
            resolve_due=resolve_due,
            source=DEMO,
            **fields,
        )
        out.append((case, events))
    return out


def _bounds(boundary: dict[str, Any]) -> tuple[float, float, float, float]:
    geom = boundary.get("geometry", boundary)
    ring = geom["coordinates"][0] if geom["type"] == "Polygon" else geom["coordinates"][0][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lats), max(lats), min(lons), max(lons)


def _generate(
    rng: random.Random,
    grids: list[Region],
    units: dict[str, Organisation],
    today: dt.date,
    log: Callable[[str], None],
) -> dict[str, int]:
    categories = list(Category.objects.filter(active=True).select_related("time_limit"))
    by_subject: dict[str, list[Category]] = {}
    for c in categories:
        by_subject.setdefault(c.subject, []).append(c)
    persons = list(
        Person.objects.filter(region__code__startswith=DISTRICT_CODE)
        .order_by("pk")
        .values_list("pk", "name", "region_id")[:: max(1, Person.objects.count() // 4000 or 1)][:4000]
    )
    staff = {
        u.region_id: u
        for u in User.objects.filter(role__in=["community_worker", "street_coordinator"]).exclude(region=None)
    }
    n = max(200, min(3600, 12 * len(grids)))
    log(f"  正在生成 {n} 件诉求…")
    now = timezone.now()
    start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=365), dt.time(8)))
    span = (now - start).total_seconds()
    times = sorted(start + dt.timedelta(seconds=rng.random() * span) for _ in range(n))
    per_day: dict[dt.date, int] = {}
    for counter in CaseCounter.objects.filter(day__gte=start.date()):
        per_day[counter.day] = counter.last
    for number in Case.objects.filter(received_at__gte=start).values_list("number", flat=True):
        prefix, _, serial = number.partition("-")  # numbers already given (e.g. from a sequence)
        if serial.isdigit():
            d = dt.date(int(prefix[:4]), int(prefix[4:6]), int(prefix[6:8]))
            per_day[d] = max(per_day.get(d, 0), int(serial))
    cases: list[Case] = []
    plans: list[list[tuple[str, dt.datetime, str, str, str, str, str]]] = []  # events per case
    summons: list[tuple[int, Organisation]] = []
    merges: list[tuple[int, int]] = []
    grids_by_pk = {g.pk: g for g in grids}
    for i, received in enumerate(times):
        dup_of = None  # about one report in 25 is a second report of a recent, nearby request
        if cases and rng.random() < 0.04:
            j = rng.randrange(max(0, len(cases) - 15), len(cases))
            if cases[j].status != wf.MERGED and (received - cases[j].received_at) < dt.timedelta(days=3):
                dup_of = j
        if dup_of is not None:
            cat, grid = cases[dup_of].category, grids_by_pk[cases[dup_of].grid_id or 0]
            subject = cat.subject
        else:
            subject = _pick(rng, WEIGHTS)
            cat = rng.choice(by_subject[subject])
            grid = rng.choice(grids)
        community = grid.parent
        assert community is not None
        street = community.parent
        lo_lat, hi_lat, lo_lon, hi_lon = _bounds(grid.boundary or {})
        lat = round(rng.uniform(lo_lat + (hi_lat - lo_lat) * 0.1, hi_lat - (hi_lat - lo_lat) * 0.1), 6)
        lon = round(rng.uniform(lo_lon + (hi_lon - lo_lon) * 0.1, hi_lon - (hi_lon - lo_lon) * 0.1), 6)
        if dup_of is not None:  # within about 50 m of the first report
            lat = round((cases[dup_of].lat or lat) + rng.uniform(-0.0003, 0.0003), 6)
            lon = round((cases[dup_of].lon or lon) + rng.uniform(-0.0003, 0.0003), 6)
        place = community.name.replace("居委会", "").replace("村委会", "村")
        text = rng.choice(TEXTS[subject]).format(p=place, n=rng.randint(2, 5))
        channel = _pick(rng, CHANNELS)
        person = (
            rng.choice(persons)
            if persons and channel in (Channel.APP, Channel.HOTLINE, Channel.WALK_IN)
            else None
        )
        anonymous = channel == Channel.APP and rng.random() < 0.08
        response_due, resolve_due = services.deadlines(cat, received)
        day = timezone.localdate(received)
        per_day[day] = per_day.get(day, 0) + 1
        target = CATALOGUE.get(subject, "level:5")
        handler_org = units[target] if not target.startswith("level:") else None
        handler_region = None if handler_org else (community if target == "level:5" else street)
        age_days = (now - received).total_seconds() / 86400
        limit_days = max(0.1, (resolve_due - received).total_seconds() / 86400)
        # the path of this request
        late_response = rng.random() < 0.06
        accepted = received + dt.timedelta(
            hours=rng.uniform(0.1, 3) if not late_response else rng.uniform(25, 60)
        )
        dispatched = accepted + dt.timedelta(hours=rng.uniform(0.1, 4))
        on_time = rng.random() < 0.88
        replied = dispatched + dt.timedelta(
            days=limit_days * (rng.uniform(0.1, 0.9) if on_time else rng.uniform(1.05, 1.8))
        )
        returned = rng.random() < 0.07
        stuck = rng.random() < 0.03  # never answered: overdue by now if old enough
        # a real office chases what is long overdue: only the last weeks' requests are still stuck
        stuck = stuck and age_days < STUCK_DAYS_MAX
        escalated = rng.random() < 0.05
        events: list[tuple[str, dt.datetime, str, str, str, str, str]] = []
        owner = community
        coordinator = community
        worker = staff.get(community.pk)
        wname = worker.display_name if worker else f"{place}工作人员"
        sname = f"{street.name}协调员" if street else "街道协调员"
        status = wf.RECEIVED
        e_note = f"{Channel(channel).label}登记"
        events.append(
            (
                "create",
                received,
                "",
                wf.RECEIVED,
                wname if channel in (Channel.HOTLINE, Channel.WALK_IN, Channel.PATROL) else "居民",
                owner.name,
                e_note,
            )
        )
        fields: dict[str, Any] = {
            "accepted_at": None,
            "dispatched_at": None,
            "responded_at": None,
            "replied_at": None,
            "closed_at": None,
            "rating": "",
            "resolved": None,
            "reply": "",
            "overdue": False,
            "reopen_count": 0,
            "rated_at": None,
        }

        def step(action: str, when: dt.datetime, to: str, actor: str, unit: str = "", note: str = "") -> None:
            nonlocal status
            events.append((action, when, status, to, actor, unit, note))  # noqa: B023
            status = to

        if accepted < now:
            step("accept", accepted, wf.ACCEPTED, wname, owner.name)
            fields["accepted_at"] = fields["responded_at"] = accepted
        if dispatched < now and status == wf.ACCEPTED:
            if escalated and street is not None:
                step(
                    "escalate", dispatched, wf.ACCEPTED, wname, street.name, "涉及多个部门，提请街道吹哨协调"
                )
                coordinator = street
                dispatched += dt.timedelta(hours=2)
                lead = handler_org or units["城管"]
                step(
                    "summon",
                    dispatched,
                    wf.DISPATCHED,
                    sname,
                    f"{lead.name}、{units['住建'].name}",
                    "街道吹哨，部门报到",
                )
                summons.append((i, lead))
                if lead.pk != units["住建"].pk:
                    summons.append((i, units["住建"]))
                handler_org, handler_region = lead, None
            else:
                unit = handler_org.name if handler_org else (handler_region.name if handler_region else "")
                step("dispatch", dispatched, wf.DISPATCHED, wname, unit, "按派单目录派单")
            fields["dispatched_at"] = dispatched
            if returned and dispatched + dt.timedelta(hours=5) < now:
                step(
                    "return",
                    dispatched + dt.timedelta(hours=4),
                    wf.RETURNED,
                    "承办单位",
                    handler_org.name if handler_org else "",
                    "不属于本单位职责，请重新派单",
                )
                dispatched += dt.timedelta(hours=6)
                if dispatched < now:
                    handler_org, handler_region = None, community
                    step("dispatch", dispatched, wf.DISPATCHED, wname, community.name, "改由社区牵头办理")
            if status == wf.DISPATCHED and dispatched + dt.timedelta(hours=1) < now:
                step(
                    "start",
                    dispatched + dt.timedelta(hours=1),
                    wf.IN_PROGRESS,
                    "承办单位",
                    handler_org.name if handler_org else (handler_region.name if handler_region else ""),
                )
        prev = dup_of
        if prev is not None:  # 并单: a second report of the same thing, merged at once
            status = wf.RECEIVED
            events = events[:1]
            fields.update(
                accepted_at=None, dispatched_at=None, responded_at=accepted if accepted < now else None
            )
            handler_org = handler_region = None
            coordinator = community
            step(
                "merge",
                received + dt.timedelta(minutes=30),
                wf.MERGED,
                wname,
                cases[prev].number,
                f"并入 {cases[prev].number}",
            )
            merges.append((i, prev))
            first_report = cases[prev]  # merged requests share the outcome
            fields.update(
                reply=first_report.reply,
                replied_at=first_report.replied_at,
                resolved=first_report.resolved,
                closed_at=first_report.closed_at,
            )
        if status == wf.IN_PROGRESS and replied < now and not stuck:
            resolved = rng.random() < 0.9
            answer = rng.choice(REPLIES[resolved])
            step("reply", replied, wf.REPLIED, "承办单位", "", answer)
            fields.update(replied_at=replied, resolved=resolved, reply=answer)
            rated = replied + dt.timedelta(days=rng.uniform(0.2, 3))
            if rated < now and rng.random() < 0.85:
                rating = _pick(rng, RATINGS if resolved else [(wf.BASIC, 40), (wf.UNSATISFIED, 60)])
                fields.update(rating=rating, rated_at=rated)
                if rating == wf.UNSATISFIED:
                    step("rate", rated, wf.REVIEW, "居民", "", "不满意")
                    review = rated + dt.timedelta(days=1)
                    if review < now and rng.random() < 0.6:
                        step("reopen", review, wf.IN_PROGRESS, wname, "", "复核属实，重新办理")
                        fields["reopen_count"] = 1
                        again = review + dt.timedelta(days=rng.uniform(1, 5))
                        if again < now:
                            answer = "已再次处理，问题已解决"
                            step("reply", again, wf.REPLIED, "承办单位", "", answer)
                            fields.update(replied_at=again, resolved=True, reply=answer, rating="")
                            if again + dt.timedelta(days=1) < now:
                                step("rate", again + dt.timedelta(days=1), wf.CLOSED, "居民", "", "基本满意")
                                fields.update(
                                    rating=wf.BASIC,
                                    rated_at=again + dt.timedelta(days=1),
                                    closed_at=again + dt.timedelta(days=1),
                                )
                    elif review < now:
                        step("close", review, wf.CLOSED, wname, "", "复核后办结：已说明情况")
                        fields["closed_at"] = review
                else:
                    step("rate", rated, wf.CLOSED, "居民", "", wf.RATING_LABELS[rating])
                    fields["closed_at"] = rated
            elif age_days > 10:
                close_at = replied + dt.timedelta(days=7)
                if close_at < now:
                    step("close", close_at, wf.CLOSED, wname, "", "回访未接通，按规定办结")
                    fields["closed_at"] = close_at
        if status in (wf.ACCEPTED, wf.DISPATCHED, wf.IN_PROGRESS, wf.RETURNED) and resolve_due < now:
            fields["overdue"] = True
            events.append(
                ("overdue", resolve_due, status, status, services.SYSTEM_NAME, "", "已超过办结期限")
            )
        case = Case(
            number=f"{day:%Y%m%d}-{per_day[day]:06d}",
            category=cat,
            channel=channel,
            description=text,
            public_description=redact.mask_text(text, [person[1]] if person else []),
            status=status,
            region=community,
            region_code=community.code,
            grid=grid,
            lat=lat,
            lon=lon,
            address=f"福建省泉州市洛江区{street.name if street else ''}{community.name}",
            reporter_person_id=person[0] if person and not anonymous else None,
            reporter_name="" if anonymous or person is None else person[1],
            reporter_phone=f"1{rng.choice('35789')}{rng.randint(100000000, 999999999)}"
            if channel != Channel.PATROL
            else "",
            anonymous=anonymous,
            owner_region=owner,
            coordinator=coordinator,
            handler_region=handler_region if status not in (wf.RECEIVED, wf.ACCEPTED) else None,
            handler_org=handler_org if status not in (wf.RECEIVED, wf.ACCEPTED) else None,
            escalation_level=coordinator.level,
            received_at=received,
            updated_at=events[-1][1],
            response_due=response_due,
            resolve_due=resolve_due,
            source=DEMO,
            **fields,
        )
        cases.append(case)
        plans.append(events)
    for case, events in _work_in_hand(rng, grids, units, by_subject, staff, now, per_day):
        cases.append(case)
        plans.append(events)
    Case.objects.bulk_create(cases, batch_size=1000)
    for i, prev in merges:
        cases[i].merged_into_id = cases[prev].pk
    Case.objects.bulk_update([cases[i] for i, _ in merges], ["merged_into"], batch_size=1000)
    Case.summoned.through.objects.bulk_create(
        [Case.summoned.through(case_id=cases[i].pk, organisation_id=o.pk) for i, o in summons],
        ignore_conflicts=True,
    )
    events_rows = [
        CaseEvent(
            case_id=c.pk,
            at=at,
            actor_name=actor,
            action=action,
            from_status=fr,
            to_status=to,
            unit=unit[:200],
            note=note,
            public=action != "overdue",
        )
        for c, plan in zip(cases, plans, strict=True)
        for action, at, fr, to, actor, unit, note in plan
    ]
    CaseEvent.objects.bulk_create(events_rows, batch_size=2000)
    for day, last in per_day.items():
        CaseCounter.objects.update_or_create(day=day, defaults={"last": last})
    services.number_sequence_advance()
    return {
        "诉求": len(cases),
        "办理记录": len(events_rows),
        "超期": sum(1 for c in cases if c.overdue),
        "重办": sum(1 for c in cases if c.reopen_count),
        "并单": len(merges),
        "吹哨": len({i for i, _ in summons}),
    }
