"""The volunteers step of the 洛江 demo (synthetic, ``source="demo"``).

Volunteers at a plausible share of the adult residents (each street its own share, some below the
18 % target), one to three teams per community with a 党员志愿服务队 in most, 双报到 of party members,
a year of activities sampled (a dozen per community) with signups, sign-ins and confirmed hours,
veterans with several years of hours (star levels reached), proofs issued and time-bank movements.
Everything is written with ``bulk_create`` in one transaction; the ledger's invariants hold (every
earned movement matches a record, spends never overdraw).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from linli.core.bulk import insert_rows
from linli.core.models import User
from linli.regions.models import Level, Region
from linli.registry.models import Building, Person, PersonStatus
from linli.services.models import TaxonomyTerm
from linli.volunteers.engine import stars
from linli.volunteers.models import (
    CONSENT_TEXT,
    LANGUAGES,
    SKILLS,
    Account,
    Activity,
    ActivityStatus,
    DualReport,
    Movement,
    NoteKind,
    Position,
    Proof,
    ProofCounter,
    ServiceRecord,
    Signup,
    StarReached,
    Team,
    TeamMember,
    Volunteer,
    VolunteerNote,
)

DEMO = "demo"
DISTRICT = "350504"
ACTIVITIES_PER_COMMUNITY = 12
VETERAN_SHARE = 0.003
AREAS = [
    "elderly",
    "elderly_home",
    "disability",
    "childcare",
    "education",
    "culture_sports",
    "health",
    "legal",
    "repair",
    "mental",
    "volunteer",
]
TITLES = [
    ("敬老院陪伴", "elderly", ["陪伴聊天", "文艺表演"]),
    ("独居老人上门探访", "elderly_home", ["探访", "记录"]),
    ("小区环境清洁", "volunteer", ["清扫", "垃圾分类督导"]),
    ("义诊与健康咨询", "health", ["量血压", "引导"]),
    ("四点半课堂", "education", ["作业辅导", "看护"]),
    ("家电义务维修", "repair", ["维修", "登记"]),
    ("反诈宣传进社区", "legal", ["讲解", "发放资料"]),
    ("助残出行陪护", "disability", ["陪护"]),
    ("文明交通劝导", "volunteer", ["路口劝导"]),
    ("邻里节文艺汇演", "culture_sports", ["文艺", "场务"]),
]
WORK_UNITS = [
    "洛江区教育局",
    "洛江区人民医院",
    "洛江区税务局",
    "泉州市供电公司洛江分公司",
    "洛江区市场监督管理局",
    "河市镇中心小学",
]
POSTS = ["楼栋联络员", "环境巡查", "政策宣讲", "帮扶结对", "文明劝导"]


def demo_loaded() -> bool:
    return Volunteer.objects.filter(source=DEMO).exists()


def demo_run(
    *, seed: int = 2026, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    if not Region.objects.current().subtree(DISTRICT).filter(level=Level.COMMUNITY).exists():
        return {}
    today = today or timezone.localdate()
    with transaction.atomic():
        return _load(random.Random(seed), today)


def _aware(d: dt.date, hour: float) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(d, dt.time()) + dt.timedelta(hours=hour))


class _Table:
    """Rows of one model written straight to the database (``executemany`` on SQLite, COPY on
    PostgreSQL): at tens of thousands of rows the ORM's per-object cost would dominate. Primary keys
    are allocated here, after the table's current maximum, so that children can point at parents."""

    def __init__(self, model: type[models.Model], fields: list[str]):
        self.model = model
        meta = model._meta
        self.columns = [str(cast(models.Field, meta.get_field(f)).column) for f in ["id", *fields]]
        self.next_pk = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> int:
        pk = self.next_pk
        self.next_pk += 1
        self.rows.append((pk, *values))
        return pk

    def flush(self) -> int:
        for i in range(0, len(self.rows), 5000):
            insert_rows(self.model, self.columns, self.rows[i : i + 5000])
        n = len(self.rows)
        self.rows = []
        return n


@dataclass(slots=True)
class _Vol:
    pk: int
    person: int
    community: str
    region_id: int
    party: bool
    registered: dt.datetime


def _load(rnd: random.Random, today: dt.date) -> dict[str, int]:
    ops = connection.ops
    now = timezone.now()

    sqlite = connection.vendor == "sqlite"

    def ts(value: dt.datetime) -> Any:  # what ``adapt_datetimefield_value`` gives, without its per-call cost
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ") if sqlite else value

    communities = {
        r.code: r for r in Region.objects.current().subtree(DISTRICT).filter(level=Level.COMMUNITY)
    }
    streets = sorted({c[:9] for c in communities})
    # each street its own share of adults: a third of the streets below the 18 % target
    share = {
        s: (rnd.uniform(0.10, 0.15) if i % 3 == 1 else rnd.uniform(0.19, 0.26)) for i, s in enumerate(streets)
    }
    terms = {t.code: t.pk for t in TaxonomyTerm.objects.filter(code__in=AREAS)}
    term_codes = sorted(terms)
    staff = {u.region_id: u.pk for u in User.objects.filter(role="community_worker")}
    any_staff = (
        User.objects.filter(role__in=["community_worker", "district_admin", "system_admin"])
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    demo_person = User.objects.filter(username="jumin").values_list("person_id", flat=True).first()
    points: dict[str, tuple[float, float]] = {}
    for c, lat, lon in Building.objects.filter(
        region__code__startswith=DISTRICT, lat__isnull=False
    ).values_list("region__code", "lat", "lon"):
        if lat is not None and lon is not None:
            points.setdefault(c[:12], (lat, lon))
    young, old = today.replace(year=today.year - 18), today.replace(year=today.year - 72)
    people = Person.objects.filter(
        status=PersonStatus.ACTIVE,
        region__code__startswith=DISTRICT,
        birth_date__lte=young,
        birth_date__gte=old,
    ).values_list("pk", "region__code")
    # --- volunteers (real-name, consent recorded) and their service areas
    vt = _Table(
        Volunteer,
        [
            "person",
            "region",
            "number",
            "status",
            "registered_by",
            "registered_by_user",
            "consent_at",
            "consent_text",
            "skills",
            "languages",
            "available_days",
            "available_period",
            "preferred_distance_m",
            "party_member",
            "registered_at",
            "source",
        ],
    )
    at = _Table(Volunteer.service_areas.through, ["volunteer", "taxonomyterm"])
    vols: list[_Vol] = []
    skill_sets = [json.dumps(rnd.sample(SKILLS, rnd.randint(1, 3)), ensure_ascii=False) for _ in range(60)]
    lang_sets = [json.dumps(rnd.sample(LANGUAGES, 2), ensure_ascii=False) for _ in range(20)]
    local_langs = json.dumps(["普通话", "闽南话"], ensure_ascii=False)
    day_sets = [json.dumps(sorted(rnd.sample(range(1, 8), rnd.randint(1, 4)))) for _ in range(40)]
    for pk, code in people.iterator(chunk_size=20000):
        comm = communities.get(code[:12])
        if comm is None or (
            pk != demo_person and rnd.random() > share[code[:9]] * 1.25
        ):  # adults ≈ 80 % of residents
            continue
        party = rnd.random() < 0.15
        registered = now - dt.timedelta(days=rnd.randint(30, 1500))
        when = ts(registered)
        vpk = vt.add(
            pk,
            comm.pk,
            f"ZY{pk:09d}",
            "active",
            "self" if rnd.random() < 0.7 else "office",
            None,
            when,
            CONSENT_TEXT,
            rnd.choice(skill_sets),
            local_langs if rnd.random() < 0.8 else rnd.choice(lang_sets),
            rnd.choice(day_sets),
            rnd.choice(["any", "morning", "afternoon", "evening"]),
            rnd.choice([1000, 2000, 3000, 5000]),
            party,
            when,
            DEMO,
        )
        vols.append(_Vol(vpk, pk, comm.code, comm.pk, party, registered))
        for area in rnd.sample(term_codes, 1 if rnd.random() < 0.75 else 2):
            at.add(vpk, terms[area])
    n_vols = vt.flush()
    at.flush()
    by_comm: dict[str, list[_Vol]] = defaultdict(list)
    for v in vols:
        by_comm[v.community].append(v)
    # --- teams: one or more per community, a 党员志愿服务队 in about nine of ten
    teams: list[Team] = []
    for code, comm in sorted(communities.items()):
        members = by_comm.get(code, [])
        if not members:
            continue
        members_party = [v for v in members if v.party]
        if members_party and rnd.random() < 0.9:
            teams.append(
                Team(
                    region=comm,
                    name=f"{comm.name}党员志愿服务队",
                    party_team=True,
                    leader_id=members_party[0].pk,
                    source=DEMO,
                )
            )
        teams.append(
            Team(region=comm, name=f"{comm.name}邻里守望志愿服务队", leader_id=members[0].pk, source=DEMO)
        )
        if rnd.random() < 0.4:
            teams.append(
                Team(region=comm, name=f"{comm.name}巾帼志愿服务队", leader_id=members[-1].pk, source=DEMO)
            )
    Team.objects.bulk_create(teams)
    mt = _Table(TeamMember, ["team", "volunteer", "joined_at"])
    for t in teams:
        pool = [v for v in by_comm[t.region.code] if v.party] if t.party_team else by_comm[t.region.code]
        chosen = {v.pk for v in rnd.sample(pool, min(len(pool), rnd.randint(8, 30)))}
        if t.leader_id is not None:
            chosen.add(t.leader_id)
        for vpk in sorted(chosen):
            mt.add(t.pk, vpk, ts(now - dt.timedelta(days=rnd.randint(1, 700))))
    mt.flush()
    # --- 双报到: a quarter of the party members work elsewhere
    reports = [
        DualReport(
            volunteer_id=v.pk,
            region_id=v.region_id,
            work_unit_name=rnd.choice(WORK_UNITS),
            posts=rnd.sample(POSTS, rnd.randint(1, 2)),
            reported_at=v.registered,
        )
        for v in vols
        if v.party and rnd.random() < 0.25
    ]
    DualReport.objects.bulk_create(reports, batch_size=5000)
    # --- a year of activities (a dozen per community), one under way now and one in a few days
    teams_of: dict[str, list[Team]] = defaultdict(list)
    for t in teams:
        teams_of[t.region.code].append(t)
    activities: list[Activity] = []
    meta: list[tuple[Activity, list[str], str]] = []
    start_day = today - dt.timedelta(days=365)
    for code, comm in sorted(communities.items()):
        if not by_comm.get(code):
            continue
        pt = points.get(code)
        for i in range(ACTIVITIES_PER_COMMUNITY + 2):
            title, area, posts = TITLES[rnd.randrange(len(TITLES))]
            hour = rnd.choice([8.5, 9, 14, 14.5, 19])
            if i < ACTIVITIES_PER_COMMUNITY:
                day = start_day + dt.timedelta(days=rnd.randint(0, 360))
            elif i == ACTIVITIES_PER_COMMUNITY:  # under way now: sign in on the spot
                local = timezone.localtime(now)
                day, hour = local.date(), local.hour - 1
            else:
                day = today + dt.timedelta(days=3)
            a = Activity(
                title=title,
                region=comm,
                team=rnd.choice(teams_of[code]) if teams_of[code] else None,
                category_id=terms.get(area),
                description=f"{comm.name}{title}，欢迎报名。",
                place=f"{comm.name}党群服务中心",
                lat=pt[0] if pt else None,
                lon=pt[1] if pt else None,
                starts_at=_aware(day, hour),
                ends_at=_aware(day, hour + rnd.choice([2, 2.5, 3])),
                checkin_code=f"{rnd.randrange(1_000_000):06d}",
                status=ActivityStatus.CLOSED if _aware(day, hour + 3) < now else ActivityStatus.PUBLISHED,
                created_by_id=staff.get(comm.pk) or any_staff,
                source=DEMO,
            )
            activities.append(a)
            meta.append((a, posts, code))
    Activity.objects.bulk_create(activities, batch_size=2000)
    positions: list[Position] = []
    pos_of: dict[int, list[Position]] = {}
    for a, posts, _ in meta:
        pos_of[id(a)] = [Position(activity=a, name=p, needed=rnd.randint(3, 8)) for p in posts]
        positions += pos_of[id(a)]
    Position.objects.bulk_create(positions, batch_size=5000)
    st = _Table(
        Signup,
        [
            "activity",
            "position",
            "volunteer",
            "status",
            "signed_up_at",
            "signed_in_at",
            "signed_in_by",
            "signed_out_at",
        ],
    )
    rt = _Table(
        ServiceRecord,
        [
            "volunteer",
            "activity",
            "signup",
            "content",
            "started_at",
            "ended_at",
            "hours",
            "confirmed_by",
            "confirmed_at",
            "corrects",
            "reason",
            "source",
        ],
    )
    earned: list[
        tuple[_Vol, int, Decimal, str, Any, dt.datetime]
    ] = []  # (volunteer, record, hours, note, by, at)
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    n_signups = 0
    for a, _, code in meta:
        past = a.ends_at < now
        for p in pos_of[id(a)]:
            k = rnd.randint(max(1, p.needed - 3), p.needed) if past else rnd.randint(0, max(0, p.needed - 2))
            for v in rnd.sample(by_comm[code], min(k, len(by_comm[code]))):
                if (
                    v.person == demo_person
                    and not past
                    or any(a.starts_at < e and s < a.ends_at for s, e in busy[v.pk])
                ):
                    continue
                busy[v.pk].append((a.starts_at, a.ends_at))
                signed_in = signed_out = None
                if past and rnd.random() < 0.93:
                    signed_in = a.starts_at + dt.timedelta(minutes=rnd.randint(-10, 15))
                    signed_out = a.ends_at + dt.timedelta(minutes=rnd.randint(-15, 10))
                spk = st.add(
                    a.pk,
                    p.pk,
                    v.pk,
                    "signed_up",
                    ts(a.starts_at - dt.timedelta(days=rnd.randint(1, 10))),
                    ts(signed_in) if signed_in else None,
                    rnd.choice(["position", "code"]) if signed_in else "",
                    ts(signed_out) if signed_out else None,
                )
                n_signups += 1
                # a few of the last fortnight's still wait for the organiser (older ones were confirmed)
                waiting = a.ends_at > now - dt.timedelta(days=14) and rnd.random() < 0.3
                if signed_in is None or signed_out is None or waiting:
                    continue
                start, end = max(signed_in, a.starts_at), min(signed_out, a.ends_at)
                hours = (Decimal((end - start).total_seconds()) / 3600).quantize(Decimal("0.1"))
                content = f"{a.title}（{p.name}）"
                at_ = a.ends_at + dt.timedelta(hours=rnd.randint(1, 48))
                rpk = rt.add(
                    v.pk,
                    a.pk,
                    spk,
                    content,
                    ts(start),
                    ts(end),
                    str(hours),
                    a.created_by_id,
                    ts(at_),
                    None,
                    "",
                    DEMO,
                )
                earned.append((v, rpk, hours, content, a.created_by_id, at_))
    st.flush()
    # veterans: years of days at the station, going back from a year ago (star levels reached)
    veterans = rnd.sample(vols, max(1, int(len(vols) * VETERAN_SHARE)))
    demo_vol = next((v for v in vols if v.person == demo_person), None)
    if demo_vol is not None and demo_vol not in veterans:
        veterans.append(demo_vol)
    for v in veterans:
        days = 16 if v is demo_vol else rnd.choice([15, 15, 20, 30, 40, 60, 90, 130, 200])
        by = staff.get(v.region_id) or any_staff
        for w in range(days):
            day = start_day - dt.timedelta(days=9 * (w + 1) + rnd.randint(0, 3))
            start = _aware(day, 8.5)
            end = start + dt.timedelta(hours=rnd.choice([6, 7, 8]))
            hours = Decimal((end - start).seconds // 3600)
            rpk = rt.add(
                v.pk,
                None,
                None,
                "志愿服务站值班",
                ts(start),
                ts(end),
                str(hours),
                by,
                ts(end + dt.timedelta(hours=2)),
                None,
                "",
                DEMO,
            )
            earned.append((v, rpk, hours, "志愿服务站值班", by, end + dt.timedelta(hours=2)))
    n_records = rt.flush()
    # --- the time bank: every record's hours earned; some spent and donated, never overdrawn
    act = _Table(Account, ["kind", "region", "person", "created_at"])
    person_acc: dict[int, int] = {}
    for v, *_ in earned:
        if v.person not in person_acc:
            person_acc[v.person] = act.add("person", v.region_id, v.person, ts(v.registered))
    region_acc = {
        (comm.pk, kind): act.add(kind, comm.pk, None, ts(now))
        for comm in communities.values()
        for kind in ("issuer", "pool", "expiry")
    }
    act.flush()
    mvt = _Table(Movement, ["debit", "credit", "amount", "kind", "record", "note", "by", "created_at"])
    total: dict[int, Decimal] = defaultdict(Decimal)
    owner: dict[int, _Vol] = {}
    for v, rpk, hours, note, by, at_ in earned:
        mvt.add(
            region_acc[(v.region_id, "issuer")],
            person_acc[v.person],
            str(hours),
            "earned",
            rpk,
            note,
            by,
            ts(at_),
        )
        total[v.person] += hours
        owner[v.person] = v
    for pid, hours_total in total.items():
        v = owner[pid]
        left = hours_total
        if left >= 10 and rnd.random() < 0.2:
            amt = Decimal(rnd.randint(2, min(20, int(left // 2))))
            mvt.add(
                person_acc[pid],
                region_acc[(v.region_id, "issuer")],
                str(amt),
                "spent",
                None,
                rnd.choice(["兑换上门理发", "兑换家电维修", "兑换助餐服务"]),
                staff.get(v.region_id),
                ts(now - dt.timedelta(days=rnd.randint(1, 60))),
            )
            left -= amt
        if left >= 4 and rnd.random() < 0.1:
            mvt.add(
                person_acc[pid],
                region_acc[(v.region_id, "pool")],
                "2",
                "donated",
                None,
                "捐入社区公益池",
                None,
                ts(now - dt.timedelta(days=rnd.randint(1, 30))),
            )
    n_movements = mvt.flush()
    # --- star levels reached, proofs, and the record's other parts
    srt = _Table(StarReached, ["volunteer", "level", "reached_at", "seen"])
    for pid, hours_total in total.items():
        for lv in range(1, stars.level_for(hours_total) + 1):
            srt.add(owner[pid].pk, lv, ts(now - dt.timedelta(days=rnd.randint(1, 300))), True)
    srt.flush()
    counts: dict[int, int] = defaultdict(int)
    for v, *_ in earned:
        counts[v.pk] += 1
    year = today.year
    comm_name = {c.pk: c.name for c in communities.values()}
    proofs = [
        Proof(
            serial=f"ZYZM{year}{i:06d}",
            verify_code="".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(10)),
            volunteer_id=v.pk,
            period_to=today - dt.timedelta(days=rnd.randint(1, 90)),
            hours=total.get(v.person, Decimal(0)),
            records=counts[v.pk],
            issuer=f"{comm_name[v.region_id]}志愿服务站",
            issued_by_id=staff.get(v.region_id) or any_staff,
        )
        for i, v in enumerate([v for v in veterans if v is not demo_vol][:60], 1)
    ]
    Proof.objects.bulk_create(proofs)
    ProofCounter.objects.update_or_create(year=year, defaults={"last": len(proofs)})
    VolunteerNote.objects.bulk_create(
        [
            VolunteerNote(
                volunteer_id=v.pk,
                kind=rnd.choice(NoteKind.values),
                title=rnd.choice(["志愿服务通用培训（4学时）", "区优秀志愿者", "服务对象评价：满意"]),
                on=today - dt.timedelta(days=rnd.randint(1, 700)),
                by_id=any_staff,
            )
            for v in veterans
        ]
    )
    if connection.vendor == "postgresql":  # explicit primary keys: move the sequences past them
        with connection.cursor() as cursor:
            for sql in ops.sequence_reset_sql(
                no_style(),
                [
                    Volunteer,
                    TeamMember,
                    Signup,
                    ServiceRecord,
                    Account,
                    Movement,
                    StarReached,
                    Volunteer.service_areas.through,
                ],
            ):
                cursor.execute(sql)
    return {
        "注册志愿者": n_vols,
        "志愿服务队": len(teams),
        "双报到党员": len(reports),
        "志愿活动": len(activities),
        "活动报名": n_signups,
        "服务记录": n_records,
        "时间银行流水": n_movements,
        "志愿服务证明": len(proofs),
    }
