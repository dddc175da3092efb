"""The services step's writes, all in the caller's transaction: the directory, slots and a month of
booking history, needs, resources, projects and one-window applications (``source="demo"``)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from linli.facilities.models import Facility
from linli.regions.models import Level, Region
from linli.registry.models import Building, Organisation, OrganisationKind, Person, PersonStatus, PersonTag
from linli.services.demo.data import (
    DEMO,
    DISTRICT,
    NEED_TEXT,
    PER_COMMUNITY,
    TAG_NEEDS,
    TEMPLATES,
    WEEKDAY_AM,
    WEEKEND,
)
from linli.services.engine import schedule
from linli.services.models import (
    Application,
    ApplicationStatus,
    ApplicationStep,
    Booking,
    BookingStatus,
    FeeKind,
    FundingSource,
    Need,
    NeedSource,
    NeedStatus,
    OfferedBy,
    Period,
    Project,
    ProjectEvent,
    ProjectStage,
    Resource,
    ResourceKind,
    Service,
    ServiceItem,
    ServiceKind,
    Slot,
    TaxonomyTerm,
    Urgency,
)
from linli.services.services.bookings import bookings_codes_reconcile


def _centres() -> dict[str, tuple[float, float]]:
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for code, lat, lon in Building.objects.filter(
        region__code__startswith=DISTRICT, lat__isnull=False, lon__isnull=False
    ).values_list("region__code", "lat", "lon"):
        acc = sums[code[:12]]
        acc[0] += float(lat or 0)
        acc[1] += float(lon or 0)
        acc[2] += 1
    return {c: (a[0] / a[2], a[1] / a[2]) for c, a in sums.items() if a[2]}


def load(rnd: random.Random, district: Region, today: dt.date, log: Callable[[str], None]) -> dict[str, int]:
    tz = timezone.get_current_timezone()
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    communities = list(
        Region.objects.current()
        .subtree(DISTRICT)
        .filter(level=Level.COMMUNITY)
        .select_related("parent")
        .order_by("code")
    )
    streets = list(Region.objects.current().subtree(DISTRICT).filter(level=Level.STREET).order_by("code"))
    centres = _centres()
    orgs: dict[str, list[Organisation]] = defaultdict(list)
    for o in Organisation.objects.filter(region__code__startswith=DISTRICT).select_related("region"):
        orgs[o.region.code[:12]].append(o)
    facilities: dict[str, list[Facility]] = defaultdict(list)
    for f in Facility.objects.filter(region__code__startswith=DISTRICT, status="open").select_related(
        "region"
    ):
        facilities[f.region.code[:12]].append(f)

    log("服务清单…")
    services: list[Service] = []

    def make(t: tuple[Any, ...], region: Region, centre: tuple[float, float] | None, prefix: str) -> Service:
        cat, kind, name, tags, lo, hi, fee, amount, cap, hours, minutes = t
        place_orgs = orgs.get(region.code[:12]) or orgs.get(region.code[:9]) or []
        if kind == ServiceKind.VOLUNTEER:
            pick = [
                o
                for o in place_orgs
                if o.kind in (OrganisationKind.VOLUNTEER_TEAM, OrganisationKind.SOCIAL_ORG)
            ]
        elif kind == ServiceKind.CONVENIENCE:
            pick = [
                o
                for o in place_orgs
                if o.kind in (OrganisationKind.PROPERTY_COMPANY, OrganisationKind.RESIDENT_UNIT)
            ]
        else:
            pick = [
                o
                for o in place_orgs
                if o.kind
                in (
                    OrganisationKind.COMMITTEE,
                    OrganisationKind.SOCIAL_WORK_STATION,
                    OrganisationKind.SOCIAL_ORG,
                )
            ]
        provider = rnd.choice(pick or place_orgs) if (pick or place_orgs) else None
        facility = (
            rnd.choice(facilities[region.code])
            if facilities.get(region.code) and rnd.random() < 0.6
            else None
        )
        lat = lon = None
        if facility is None and centre is not None:
            lat, lon = centre[0] + rnd.uniform(-0.004, 0.004), centre[1] + rnd.uniform(-0.004, 0.004)
        return Service(
            name=f"{prefix}{name}",
            description=f"{name}：由{provider.name if provider else region.name}提供。{terms[cat].description}。",
            kind=kind,
            category=terms[cat],
            provider=provider,
            region=region,
            facility=facility,
            address="" if facility else f"{region.parent.name if region.parent else ''}{prefix}党群服务中心",
            lat=lat,
            lon=lon,
            opening_hours=hours,
            exceptions=[
                {"date": (today + dt.timedelta(days=10)).isoformat(), "closed": True, "note": "设施检修"}
            ]
            if rnd.random() < 0.1
            else [],
            slot_minutes=minutes,
            capacity=cap,
            eligible_tags=tags,
            min_age=lo,
            max_age=hi,
            fee_kind=fee,
            fee_amount=Decimal(amount) if amount else None,
            fee_note="低保、特困对象免费" if fee == FeeKind.LOW else "",
            contact_name=f"{prefix}服务站",
            contact_phone=f"0595-2{rnd.randrange(10_000_000):07d}",
            source=DEMO,
        )

    for c in communities:
        short = c.name.removesuffix("居委会").removesuffix("村委会").removesuffix("委员会")
        for t in rnd.sample(TEMPLATES, PER_COMMUNITY):
            services.append(make(t, c, centres.get(c.code), short))
    for st in streets:
        members = [centres[c.code] for c in communities if c.code.startswith(st.code) and c.code in centres]
        centre = (
            (sum(p[0] for p in members) / len(members), sum(p[1] for p in members) / len(members))
            if members
            else None
        )
        for t in rnd.sample(TEMPLATES, 6):
            services.append(make(t, st, centre, st.name))
    Service.objects.bulk_create(services, batch_size=500)

    log("预约时段…")
    now = timezone.now()
    slots: list[Slot] = []
    history: list[Slot] = []
    for s in services:
        for start, end in schedule.slots(
            s.opening_hours, s.exceptions, today - dt.timedelta(days=28), 42, s.slot_minutes
        ):
            t_start, t_end = timezone.make_aware(start, tz), timezone.make_aware(end, tz)
            if t_start > now:
                slots.append(Slot(service=s, starts_at=t_start, ends_at=t_end, capacity=s.capacity))
            elif rnd.random() < 0.15:
                history.append(Slot(service=s, starts_at=t_start, ends_at=t_end, capacity=s.capacity))

    log("居民与预约记录…")
    people: dict[str, list[tuple[int, int]]] = {}
    # by the ids of each community's subtree (the community and its grids): a join on the code prefix
    # makes SQLite walk the persons table once per community
    below: dict[str, list[int]] = defaultdict(list)
    for pk, code in Region.objects.filter(code__startswith=DISTRICT).values_list("pk", "code"):
        below[code[:12]].append(pk)
    for c in communities:
        people[c.code] = list(
            Person.objects.filter(region_id__in=below[c.code], status=PersonStatus.ACTIVE)
            .order_by("pk")
            .values_list("pk", "birth_date__year")[:60]
        )
    tags_of: dict[int, set[str]] = defaultdict(set)
    all_ids = [p for ps in people.values() for p, _ in ps]
    for pid, kind in (
        PersonTag.objects.valid_on(today).filter(person_id__in=all_ids).values_list("person_id", "kind")
    ):
        tags_of[pid].add(kind)

    def groups_of(pid: int, year: int) -> list[str]:
        age = today.year - year
        return [g for g, lim in (("elderly_60", 60), ("elderly_80", 80)) if age >= lim] + sorted(tags_of[pid])

    def eligible(s: Service, pid: int, year: int) -> bool:
        age = today.year - year
        g = set(groups_of(pid, year))
        return (
            (not s.eligible_tags or bool(g & set(s.eligible_tags)))
            and (s.min_age is None or age >= s.min_age)
            and (s.max_age is None or age <= s.max_age)
        )

    bookings: list[Booking] = []
    taken: dict[int, int] = defaultdict(int)
    comments = [
        "服务很周到",
        "工作人员很耐心",
        "准时上门，满意",
        "等候时间有点长",
        "环境不错",
        "希望增加次数",
        "",
    ]
    pools: dict[int, list[tuple[int, int]]] = {}
    for slot in history + rnd.sample(slots, min(len(slots), 400)):
        s = slot.service
        if id(s) not in pools:
            pools[id(s)] = [
                p
                for p in people.get(s.region.code[:12], [])
                or [x for code, ps in people.items() if code.startswith(s.region.code) for x in ps]
                if eligible(s, *p)
            ]
        pool = pools[id(s)]
        if not pool:
            continue
        for pid, _ in rnd.sample(pool, min(len(pool), rnd.randint(1, max(1, min(slot.capacity, 3))))):
            past = slot.starts_at <= now
            stars = (
                rnd.choices([5, 4, 3, 2, 1], [55, 28, 10, 5, 2])[0] if past and rnd.random() < 0.7 else None
            )
            status = (
                (BookingStatus.SERVED if rnd.random() < 0.9 else BookingStatus.NO_SHOW)
                if past
                else BookingStatus.BOOKED
            )
            bookings.append(
                Booking(
                    slot=slot,
                    service=s,
                    person_id=pid,
                    status=status,
                    created_at=slot.starts_at - dt.timedelta(days=rnd.randint(1, 6)),
                    served_at=slot.ends_at if status == BookingStatus.SERVED else None,
                    service_record="已按约提供服务" if status == BookingStatus.SERVED else "",
                    rating=stars if status == BookingStatus.SERVED else None,
                    rating_comment=rnd.choice(comments) if stars else "",
                    rated_at=slot.ends_at + dt.timedelta(hours=3)
                    if stars and status == BookingStatus.SERVED
                    else None,
                    source=DEMO,
                )
            )
            taken[id(slot)] += 1
    for slot in slots + history:
        slot.booked = taken.get(id(slot), 0)
    Slot.objects.bulk_create(slots + history, batch_size=2000)  # with their places taken already counted
    Booking.objects.bulk_create(bookings, batch_size=1000)
    bookings_codes_reconcile()  # their residents' and services' region codes, in two statements
    rated: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for booking in bookings:
        if booking.rating:
            rated[booking.service.pk][0] += 1
            rated[booking.service.pk][1] += booking.rating >= 4
    for s in services:
        s.rating_count, s.rating_good = rated[s.pk]
    Service.objects.bulk_update(services, ["rating_count", "rating_good"], batch_size=500)

    log("需求、资源与项目…")
    needs: list[Need] = []
    person_region = dict(Person.objects.filter(pk__in=all_ids).values_list("pk", "region_id"))
    for c in communities:
        for pid, year in rnd.sample(people[c.code], min(len(people[c.code]), 15)):
            groups = groups_of(pid, year)
            options = [cat for g in groups for cat in TAG_NEEDS.get(g, [])] or list(NEED_TEXT)
            cat = rnd.choice(options)
            needs.append(
                Need(
                    person_id=pid,
                    region_id=person_region.get(pid, c.pk),
                    source=rnd.choice(list(NeedSource.values)),
                    category=terms[cat],
                    description=NEED_TEXT[cat],
                    urgency=rnd.choices(list(Urgency.values), [60, 30, 10])[0],
                    preferred_days=sorted(rnd.sample(range(1, 8), rnd.randint(0, 3))),
                    preferred_period=rnd.choice(list(Period.values)),
                    groups=groups,
                    status=rnd.choices(
                        [NeedStatus.OPEN, NeedStatus.MATCHED, NeedStatus.SERVED], [70, 20, 10]
                    )[0],
                    source_label=DEMO,
                    created_at=now - dt.timedelta(days=rnd.randint(0, 60)),
                )
            )
    Need.objects.bulk_create(needs, batch_size=1000)

    resources: list[Resource] = []
    RES = [
        (
            ResourceKind.SPACE,
            OfferedBy.RESIDENT_UNIT,
            "会议室、活动场地开放",
            "culture_sports",
            "间",
            WEEKEND,
        ),
        (
            ResourceKind.SPACE,
            OfferedBy.RESIDENT_UNIT,
            "停车场夜间错时开放",
            "property",
            "个车位",
            {str(d): [["19:00", "23:00"]] for d in range(1, 8)},
        ),
        (ResourceKind.SPACE, OfferedBy.RESIDENT_UNIT, "运动场地周末开放", "culture_sports", "块", WEEKEND),
        (ResourceKind.FUND, OfferedBy.ORGANISATION, "社区基金微项目资助", "assistance", "元", {}),
        (ResourceKind.GOODS, OfferedBy.ORGANISATION, "爱心物资（米面油）", "assistance", "份", {}),
        (
            ResourceKind.SKILL,
            OfferedBy.VOLUNTEER,
            "退休医生健康讲座",
            "health",
            "次",
            {"6": [["09:00", "11:00"]]},
        ),
        (
            ResourceKind.SKILL,
            OfferedBy.VOLUNTEER,
            "法律志愿者咨询",
            "legal",
            "次",
            {"3": [["19:00", "21:00"]]},
        ),
        (
            ResourceKind.TIME,
            OfferedBy.RESIDENT,
            "低龄老人结对探访（时间银行）",
            "elderly_home",
            "小时",
            WEEKDAY_AM,
        ),
        (ResourceKind.SKILL, OfferedBy.VOLUNTEER, "大学生课业辅导", "education", "小时", WEEKEND),
        (
            ResourceKind.SKILL,
            OfferedBy.VOLUNTEER,
            "水电师傅义务维修",
            "repair",
            "次",
            {"6": [["09:00", "12:00"]]},
        ),
    ]
    for c in communities:
        for kind, by, name, cat, unit, hours in rnd.sample(RES, 4):
            org = (
                rnd.choice(orgs[c.code])
                if orgs.get(c.code) and by in (OfferedBy.RESIDENT_UNIT, OfferedBy.ORGANISATION)
                else None
            )
            centre = centres.get(c.code)
            resources.append(
                Resource(
                    name=name,
                    kind=kind,
                    offered_by=by,
                    organisation=org,
                    provider_name=org.name
                    if org
                    else ("社区志愿者" if by == OfferedBy.VOLUNTEER else "热心居民"),
                    region=c,
                    category=terms[cat],
                    description=f"{name}（演示数据）",
                    quantity=Decimal(rnd.choice([2, 5, 10, 20, 5000, 20000]))
                    if kind in (ResourceKind.FUND, ResourceKind.GOODS, ResourceKind.SPACE)
                    else None,
                    unit=unit,
                    opening_hours=hours,
                    available_from=today - dt.timedelta(days=30),
                    available_to=today + dt.timedelta(days=rnd.randint(60, 365)),
                    conditions=rnd.choice(
                        ["提前三天预约", "仅限公益活动使用", "需社区盖章申请", "不得用于营利"]
                    ),
                    capacity=rnd.randint(2, 10),
                    lat=centre[0] if centre else None,
                    lon=centre[1] if centre else None,
                    source=DEMO,
                )
            )
    Resource.objects.bulk_create(resources, batch_size=500)

    projects = []
    PROJ = [
        ("“长者饭堂”助餐服务", "elderly_meal", FundingSource.PURCHASE, 180000, "每日供餐 120 人次"),
        (
            "困境儿童“护苗”关爱计划",
            "social_work",
            FundingSource.VENTURE,
            60000,
            "服务困境儿童 40 名，开展小组活动 12 次",
        ),
        ("居家养老上门服务", "elderly_home", FundingSource.PURCHASE, 240000, "上门服务 3000 人次"),
        ("邻里互助微基金", "volunteer", FundingSource.COMMUNITY_FUND, 30000, "资助微项目 10 个"),
        ("残疾人康复进社区", "disability", FundingSource.CHARITY, 50000, "康复训练 800 人次"),
        ("“家门口”就业服务站", "employment", FundingSource.PURCHASE, 80000, "推荐就业 150 人"),
    ]
    stage_list = list(ProjectStage)
    code_of = dict(Region.objects.current().subtree(DISTRICT).values_list("pk", "code"))
    events = []
    for st in streets:
        for name, cat, funding, budget, outputs in rnd.sample(PROJ, 2):
            stage = rnd.choice(stage_list)
            impl = [
                o
                for code, os in orgs.items()
                if code.startswith(st.code)
                for o in os
                if o.kind in (OrganisationKind.SOCIAL_ORG, OrganisationKind.SOCIAL_WORK_STATION)
            ]
            p = Project.objects.create(
                name=f"{st.name}{name}",
                description=f"回应{st.name}居民需求清单中的{terms[cat].name}需求。",
                region=st,
                category=terms[cat],
                funding_source=funding,
                budget=Decimal(budget),
                implementer=rnd.choice(impl) if impl else None,
                starts_on=today - dt.timedelta(days=rnd.randint(30, 200)),
                ends_on=today + dt.timedelta(days=rnd.randint(60, 300)),
                stage=stage,
                outputs=outputs,
                evaluation="按合同完成产出指标，服务对象满意度 92%"
                if stage == ProjectStage.EVALUATED
                else "",
                evaluation_score=rnd.randint(80, 96) if stage == ProjectStage.EVALUATED else None,
                source=DEMO,
            )
            projects.append(p)
            for s2 in stage_list[: stage_list.index(stage) + 1]:
                events.append(ProjectEvent(project=p, stage=s2, note=f"{s2.label}（演示）"))
            linked = [
                n for n in needs if code_of[n.region_id].startswith(st.code) and n.category.code == cat
            ][:10]
            p.needs.set(linked)
            p.resources.set(
                [
                    r
                    for r in resources
                    if r.region.code.startswith(st.code) and r.category and r.category.code == cat
                ][:3]
            )
    ProjectEvent.objects.bulk_create(events)

    log("一窗受理办件…")
    items = list(ServiceItem.objects.all())
    apps, steps = [], []
    flow = [
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.APPROVING,
        ApplicationStatus.DONE,
    ]
    n = 0
    for c in communities[::2]:
        for pid, _year in rnd.sample(people[c.code], min(len(people[c.code]), 2)):
            item = rnd.choice(items)
            k = rnd.randint(0, 3)
            n += 1
            created = now - dt.timedelta(days=rnd.randint(1, 20))
            app = Application(
                number=f"YC{timezone.localtime(created):%Y%m%d}D{n:04d}",
                item=item,
                person_id=pid,
                region=c,
                materials={m: True for m in item.materials},
                status=flow[k],
                created_at=created,
                accepted_at=created + dt.timedelta(hours=2) if k >= 1 else None,
                done_at=created + dt.timedelta(days=item.promised_days or 3) if k == 3 else None,
                result="准予办理" if k == 3 else "",
            )
            apps.append(app)
            for j in range(k + 1):
                steps.append(
                    ApplicationStep(
                        application=app,
                        status=flow[j],
                        note=["窗口登记", "材料齐全，予以受理", "转后台审批", "办结"][j],
                        by_name="社区工作人员（演示）",
                        at=created + dt.timedelta(hours=2 * j),
                    )
                )
    Application.objects.bulk_create(apps)
    ApplicationStep.objects.bulk_create(steps)
    return {
        "服务": len(services),
        "预约时段": len(slots) + len(history),
        "预约记录": len(bookings),
        "居民需求": len(needs),
        "社区资源": len(resources),
        "服务项目": len(projects),
        "一窗办件": len(apps),
    }
