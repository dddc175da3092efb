"""Demo step of the emergency module (synthetic, 洛江): 灾害信息员 in most communities (some missing,
flagged), 最小应急单元 on the estates, the typhoon and flood plans of 万安街道, shelters from the
shelter facilities, supply stores with stock (a batch past its expiry), drills in the last year, and
a past typhoon: a CAP warning imported, a level-Ⅲ response over 万福 and 桥南 declared by the street,
its check list worked through (a few unreached, two needing help → requests), households checked in
to a shelter, supplies issued, the response lowered and ended. Every row is marked synthetic; the
past event's times are moved back to the storm's date."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from linli.care.engine.rules import born_on_or_before
from linli.core.models import User
from linli.core.roles import Role
from linli.emergency import services
from linli.emergency.engine import cap, plans
from linli.emergency.models import (
    ActionTask,
    CheckItem,
    CheckStatus,
    Drill,
    EmergencyUnit,
    Event,
    EventLog,
    InfoOfficer,
    LevelStep,
    MemberSource,
    MovementKind,
    Plan,
    Shelter,
    ShelterStay,
    Supply,
    SupplyMovement,
    SupplyStore,
    TaskStatus,
    UnitMember,
    Warning,
)
from linli.facilities.models import Facility
from linli.regions.models import Level, Region
from linli.registry.models import (
    Building,
    BuildingKind,
    Household,
    Person,
    PersonStatus,
    PersonTag,
    Staff,
    StaffKind,
    TagKind,
)

DISTRICT = "350504"
STREET = "350504001"  # 万安街道: the demo's street account
STORM_DAYS_AGO = 75
MISSING_SHARE = 0.12  # communities left without a 灾害信息员 (flagged)
SUPPLIES = [
    ("矿泉水", "箱", 400),
    ("方便面", "箱", 300),
    ("折叠床", "张", 120),
    ("帐篷", "顶", 40),
    ("手电筒", "个", 200),
]


def demo_loaded() -> bool:
    return (
        Warning.objects.filter(synthetic=True).exists() or InfoOfficer.objects.filter(synthetic=True).exists()
    )


def demo_run(
    *, seed: int = 2026, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    district = Region.objects.current().filter(code=DISTRICT).first()
    street_user = User.objects.filter(
        role=Role.STREET_COORDINATOR, region__code=STREET, is_active=True
    ).first()
    if district is None or street_user is None:
        return {}
    today = today or timezone.localdate()
    rnd = random.Random(seed)
    with transaction.atomic():
        return _load(rnd, today, street_user)


def _load(rnd: random.Random, today: dt.date, street_user: User) -> dict[str, int]:
    communities = list(
        Region.objects.current().filter(code__startswith=DISTRICT, level=Level.COMMUNITY).order_by("code")
    )
    staff_by_c: dict[str, list[Staff]] = {}
    for s in Staff.objects.filter(
        kind=StaffKind.COMMUNITY_WORKER, active=True, region__in=communities
    ).select_related("region"):
        staff_by_c.setdefault(s.region.code, []).append(s)
    officers = []
    for c in communities:
        people = staff_by_c.get(c.code, [])
        if not people or (rnd.random() < MISSING_SHARE and c.code[:9] != STREET):
            continue
        s = people[rnd.randrange(len(people))]
        officers.append(
            InfoOfficer(
                region=c,
                staff=s,
                name=s.name,
                since=today - dt.timedelta(days=rnd.randint(60, 900)),
                synthetic=True,
            )
        )
    InfoOfficer.objects.bulk_create(officers)
    # 最小应急单元 on the estates (and natural villages) of each community: leader and members picked from
    # the community's grid team, its volunteers and its residents (links, as the unit page picks them)
    units, members = _units(rnd, communities, staff_by_c)
    street = Region.objects.current().get(code=STREET)
    for hazard in ("typhoon", "flood"):
        p = plans.DEFAULT_PLANS[hazard]
        Plan.objects.create(
            region=street,
            hazard=hazard,
            title=f"{street.name}{p.title}",
            document=plans.plan_as_dict(p),
            synthetic=True,
        )
    # shelters: every shelter facility, a capacity by its size
    sites = list(
        Facility.objects.filter(type__code="shelter", region__code__startswith=DISTRICT).select_related(
            "region"
        )
    )
    Shelter.objects.bulk_create(
        [Shelter(facility=f, capacity=rnd.choice([300, 500, 800, 1200]), synthetic=True) for f in sites]
    )
    # supply stores: one per street, a few batches, one already past its expiry
    streets = list(
        Region.objects.current().filter(code__startswith=DISTRICT, level=Level.STREET).order_by("code")
    )
    stores = SupplyStore.objects.bulk_create(
        [SupplyStore(region=s, name=f"{s.name}应急物资储备点", synthetic=True) for s in streets]
    )
    admin = _any_admin()
    batches = []
    for store in stores:
        for name, unit, qty in SUPPLIES:
            expiry = today + dt.timedelta(days=rnd.randint(60, 700)) if name in ("矿泉水", "方便面") else None
            if name == "方便面" and rnd.random() < 0.3:
                expiry = today - dt.timedelta(days=20)
            batches.append(Supply(store=store, name=name, unit=unit, quantity=qty, expires_on=expiry))
    Supply.objects.bulk_create(batches)
    SupplyMovement.objects.bulk_create(
        [
            SupplyMovement(
                supply=b, kind=MovementKind.RECEIVED, quantity=b.quantity, note="演示：年度储备", by=admin
            )
            for b in batches
        ]
    )
    drills = [
        Drill(
            region=c,
            held_on=today - dt.timedelta(days=rnd.randint(10, 330)),
            hazard=rnd.choice(["typhoon", "flood", "fire", "earthquake"]),
            scenario=rnd.choice(["台风转移避险演练", "防汛抢险演练", "消防疏散演练", "地震应急避险演练"]),
            participants=rnd.randint(30, 180),
            findings=rnd.choice(["", "部分独居老人未接到通知，需补充楼栋长电话", "避难场所指示牌不清晰"]),
            synthetic=True,
        )
        for c in communities
        if rnd.random() < 0.65
    ]
    Drill.objects.bulk_create(drills)
    counts = {
        "灾害信息员": len(officers),
        "最小应急单元": len(units),
        "避难场所": len(sites),
        "演练": len(drills),
    }
    counts["卧床/孕产妇/重病标签"] = _tags(rnd, today)
    counts.update(_past_typhoon(rnd, today, street_user, sites))
    return counts


def _tags(rnd: random.Random, today: dt.date) -> int:
    """A few residents of each of 万安街道's communities tagged 失能/卧床 (75+), 孕产妇 (women 22–38) and
    重病, so that the check list shows those categories too (the tags' note says 演示)."""
    b22, b38, b45, b75 = (born_on_or_before(today, n) for n in (22, 38, 45, 75))
    # one pass over a sample of the street's residents (every 11th), read as plain values
    sample = list(
        Person.objects.filter(region__code__startswith=STREET, status=PersonStatus.ACTIVE)
        .annotate(k=F("id") % 11)
        .filter(k=0)
        .values_list("id", "sex", "birth_date")
    )
    pools = {
        TagKind.BEDRIDDEN: [p for p, _s, b in sample if b <= b75],
        TagKind.PREGNANT: [p for p, sex, b in sample if sex == "F" and b38 < b <= b22],
        TagKind.SERIOUS_ILLNESS: [p for p, _s, b in sample if b <= b45],
    }
    rows = []
    for kind, ids in pools.items():
        for pid in rnd.sample(ids, min(len(ids), 40)):
            rows.append(
                PersonTag(
                    person_id=pid,
                    kind=kind,
                    valid_from=today - dt.timedelta(days=rnd.randint(30, 400)),
                    note="演示数据",
                )
            )
    PersonTag.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _units(
    rnd: random.Random, communities: list[Region], staff_by_c: dict[str, list[Staff]]
) -> tuple[list[EmergencyUnit], list[UnitMember]]:
    """Two units on most communities' estates. The leader is a member of the grid team — in the grid
    of the demo's grid worker (``wangge``) linked to that account, with the demo resident (``jumin``) a
    member of the same unit, so that both logins see its tasks during a response — then a volunteer
    and a resident of the community. Read as plain values: loading person rows would decrypt their
    personal fields, seconds for nothing."""
    from linli.volunteers.models import Volunteer  # noqa: PLC0415 — read only here
    from linli.workforce.models import TeamMember  # noqa: PLC0415 — read only here

    by_code = {c.code: c for c in communities}
    team: dict[str, list[dict[str, Any]]] = {}
    for row in TeamMember.objects.filter(grid__code__startswith=DISTRICT, until__isnull=True).values(
        "id", "grid__code", "post", "staff__name", "person_id", "person__name", "name", "account_id"
    ):
        one: dict[str, Any] = dict(row)
        one["label"] = one["staff__name"] or one["person__name"] or one["name"]
        team.setdefault(one["grid__code"][:12], []).append(one)
    vols: dict[str, list[tuple[int, int, str]]] = {}
    for vid, pid, name, vcode in Volunteer.objects.filter(
        region__code__startswith=DISTRICT, status="active"
    ).values_list("id", "person_id", "person__name", "region__code")[:3000]:
        vols.setdefault(vcode[:12], []).append((vid, pid, name))
    residents: dict[str, list[tuple[int, str]]] = {}
    for pid, name, code in (
        Person.objects.filter(region__code__startswith=DISTRICT, status=PersonStatus.ACTIVE)
        .annotate(k=F("id") % 97)
        .filter(k=0)
        .values_list("id", "name", "region__code")
    ):
        residents.setdefault(code[:12], []).append((pid, name))
    worker = User.objects.filter(username="wangge", role=Role.GRID_WORKER, is_active=True).first()
    worker_grid = worker.region_code if worker is not None else ""
    resident = User.objects.filter(username="jumin", role=Role.RESIDENT, person__isnull=False).first()
    estates = Building.objects.filter(
        region__code__startswith=DISTRICT, kind__in=[BuildingKind.ESTATE, BuildingKind.NATURAL_VILLAGE]
    ).values_list("id", "name", "region__code")
    by_c: dict[str, list[tuple[int, str]]] = {}
    for bid, bname, bcode in estates:
        by_c.setdefault(bcode[:12], []).append((bid, bname))
    picked: list[tuple[EmergencyUnit, list[UnitMember]]] = []
    for code, blds in by_c.items():
        if code not in by_code:
            continue
        wanted = rnd.random() < 0.8 or code == worker_grid[:12]
        for k, (bid, bname) in enumerate(blds[: 2 if wanted else 0]):
            mine = worker is not None and code == worker_grid[:12] and k == 0
            crew = team.get(code, [])
            own = [t for t in crew if t["grid__code"] == worker_grid and t["post"] == "worker"]
            t = (own[0] if own else None) if mine else (crew[rnd.randrange(len(crew))] if crew else None)
            if mine or t is not None:
                lead = UnitMember(
                    source=MemberSource.GRID_TEAM,
                    team_member_id=t["id"] if t else None,
                    person_id=None if mine or t is None else t["person_id"],
                    account_id=worker.pk if mine and worker is not None else (t["account_id"] if t else None),
                    name=(worker.display_name if mine and worker is not None else "")
                    or (t["label"] if t else "网格员"),
                )
            else:
                staff = staff_by_c.get(code) or []
                lead = UnitMember(
                    source=MemberSource.UNLISTED,
                    name=staff[rnd.randrange(len(staff))].name if staff else "楼栋长",
                )
            lead.duty, lead.leader = "通知转移、统筹", True
            people = [lead]
            if vols.get(code):
                vid, pid, name = vols[code][rnd.randrange(len(vols[code]))]
                people.append(
                    UnitMember(source=MemberSource.VOLUNTEER, volunteer_id=vid, person_id=pid, name=name)
                )
                people[-1].duty = "物资发放"
            if mine and resident is not None and resident.person_id is not None:
                pid, name, account = resident.person_id, resident.display_name or "居民", resident.pk
            elif residents.get(code):
                (pid, name), account = residents[code][rnd.randrange(len(residents[code]))], None
            else:
                pid = 0
            if pid:
                people.append(
                    UnitMember(source=MemberSource.RESIDENT, person_id=pid, account_id=account, name=name)
                )
                people[-1].duty = "看护独居老人"
            unit = EmergencyUnit(
                region=by_code[code],
                building_id=bid,
                name=f"{bname}应急单元",
                leader_id=lead.account_id,
                leader_name=lead.name[:64],
                synthetic=True,
            )
            picked.append((unit, people))
    units = EmergencyUnit.objects.bulk_create([u for u, _ in picked])
    members = []
    for u, people in picked:
        for m in people:
            m.unit = u
            members.append(m)
    UnitMember.objects.bulk_create(members)
    return units, members


def _any_admin() -> User:
    found = (
        User.objects.filter(role=Role.DISTRICT_ADMIN, region__code=DISTRICT).first()
        or User.objects.filter(is_superuser=True).first()
    )
    assert found is not None
    return found


def _past_typhoon(
    rnd: random.Random, today: dt.date, street_user: User, sites: list[Facility]
) -> dict[str, int]:
    wanfu, qiaonan = "350504001001", "350504001002"
    area = list(Region.objects.current().filter(code__in=[wanfu, qiaonan]).order_by("code"))
    now = timezone.now()
    alert = cap.CapAlert(
        identifier=f"demo-qz-qxt-{today:%Y}-typhoon-07",
        sender="qxt@qz.example.gov.cn",
        sent=now.replace(microsecond=0),
        infos=[
            cap.CapInfo(
                event="台风橙色预警",
                urgency="Expected",
                severity="Severe",
                certainty="Likely",
                categories=["Met"],
                language="zh-CN",
                onset=now.replace(microsecond=0),
                expires=(now + dt.timedelta(hours=36)).replace(microsecond=0),
                sender_name="泉州市气象台（演示）",
                headline="台风“海葵”橙色预警（演示）",
                description="受台风“海葵”影响，预计未来24小时洛江区将出现10级以上大风和暴雨。",
                instruction="请关好门窗，收好阳台物品，不要外出；住在低洼处和危房里的居民请听从社区安排转移。",
                areas=[
                    cap.CapArea(
                        area_desc="洛江区万安街道万福社区、桥南社区",
                        geocodes=[("GB/T 2260", c.code) for c in area],
                    )
                ],
            )
        ],
    )
    w = services.warning_import_cap(by=street_user, xml=cap.render(alert))
    ev = services.response_declare(
        actor=street_user,
        level="III",
        regions=area,
        reason="市气象台发布台风橙色预警，预计今晚影响我街道",
        hazard="typhoon",
        title="台风“海葵”Ⅲ级应急响应（演示）",
        warning=w,
    )
    checks = list(CheckItem.objects.filter(event=ev).order_by("id"))
    open_sites = [
        s for s in Shelter.objects.filter(facility__in=sites, facility__region__code__startswith=STREET)
    ]
    for s in open_sites[:1]:
        Shelter.objects.filter(pk=s.pk).update(is_open=True)
    sheltered = 0
    if open_sites:
        shelter = Shelter.objects.get(pk=open_sites[0].pk)
        homes = list(Household.objects.filter(region__code__startswith=wanfu).order_by("id")[:4])
        for h in homes:
            try:
                sheltered += len(
                    services.shelter_checkin(by=street_user, shelter=shelter, household=h, event=ev)
                )
            except Exception:  # noqa: BLE001 — a demo household may be empty or too big: skip it
                continue
        store = SupplyStore.objects.filter(region__code=STREET).first()
        if store is not None:
            for sup in store.supplies.filter(expires_on__gte=today)[:2]:
                services.supply_issue(
                    by=street_user,
                    supply=sup,
                    quantity=20,
                    shelter=shelter,
                    event=ev,
                    note="演示：安置点发放",
                )
    # the responders' findings: most safe, some sheltered, two needing help, the rest left unreached
    statuses = {CheckStatus.SAFE: [], CheckStatus.SHELTERED: []}  # type: dict[str, list[int]]
    helpers: list[CheckItem] = []
    for i, c in enumerate(checks):
        r = rnd.random()
        if c.status != CheckStatus.PENDING:
            continue
        if r < 0.82:
            statuses[CheckStatus.SAFE].append(c.pk)
        elif r < 0.9:
            statuses[CheckStatus.SHELTERED].append(c.pk)
        elif len(helpers) < 2 and c.assignee_id is not None and i % 2 == 0:
            helpers.append(c)
    site = open_sites[0].facility_id if open_sites else None
    if site is None:
        statuses[CheckStatus.SAFE] += statuses.pop(CheckStatus.SHELTERED)
    for st, ids in statuses.items():
        CheckItem.objects.filter(pk__in=ids).update(
            status=st,
            checked_at=now,
            checked_by_id=F("assignee_id"),
            shelter_id=site if st == CheckStatus.SHELTERED else None,
        )
    for c in helpers:
        assignee = User.objects.get(pk=c.assignee_id or 0)
        services.check_mark(
            by=assignee,
            item=c,
            status=CheckStatus.NEEDS_HELP,
            note="行动不便，家中进水，需要协助转移（演示）",
        )
    done = list(ActionTask.objects.filter(event=ev, status=TaskStatus.OPEN).order_by("id"))
    ActionTask.objects.filter(pk__in=[t.pk for t in done[: len(done) * 4 // 5]]).update(
        status=TaskStatus.DONE, done_at=F("due_at") - dt.timedelta(minutes=15), note="已完成（演示）"
    )
    services.response_step(actor=_any_admin(), event=ev, level="IV", reason="台风减弱为热带风暴，降为Ⅳ级")
    services.response_end(actor=_any_admin(), event=ev, reason="台风已过境，转入灾后恢复")
    # move the storm back to its date
    shift = dt.timedelta(days=STORM_DAYS_AGO)
    Warning.objects.filter(pk=w.pk).update(
        sent=F("sent") - shift,
        onset=F("onset") - shift,
        expires=F("expires") - shift,
        created_at=F("created_at") - shift,
        status="expired",
        synthetic=True,
    )
    Event.objects.filter(pk=ev.pk).update(
        started_at=F("started_at") - shift, ended_at=F("ended_at") - shift, synthetic=True
    )
    LevelStep.objects.filter(event=ev).update(at=F("at") - shift)
    EventLog.objects.filter(event=ev).update(at=F("at") - shift)
    ActionTask.objects.filter(event=ev).update(due_at=F("due_at") - shift, done_at=F("done_at") - shift)
    CheckItem.objects.filter(event=ev, checked_at__isnull=False).update(checked_at=F("checked_at") - shift)
    ShelterStay.objects.filter(event=ev).update(
        checked_in_at=F("checked_in_at") - shift,
        checked_out_at=F("checked_in_at") - shift + dt.timedelta(days=2),
    )
    for s in Shelter.objects.filter(pk__in=[x.pk for x in open_sites]):
        Shelter.objects.filter(pk=s.pk).update(occupancy=0, is_open=False)
    SupplyMovement.objects.filter(event=ev).update(at=F("at") - shift)
    return {"预警": 1, "应急事件": 1, "重点人员核查": len(checks), "安置入住": sheltered}
