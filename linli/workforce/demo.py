"""The workforce step of the 洛江 demo (synthetic, labelled ``synthetic=True`` / 演示): grid rules and
teams (some incomplete), two months of patrols with tracks along the synthetic road network for a
sample of grids (some behind), the duty catalogue with 协助事项 and funding, the 证明事项, grid tasks
from two departments (one issued and half done, one waiting for the street), posts and grades of the
community workers with last year's income, and the 后备人才库. Training records are the registry's;
the rotation rules added here would find most of them overdue, so this step adds a recent rotation
training (titled 演示) for most so that some 10–20 % stay overdue and a few fall due soon."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from linli.core.models import User
from linli.core.roles import Role
from linli.indicators.models import Plan, PlanAdoption
from linli.lifecircle.models import RoadNetwork
from linli.lifecircle.services import load_network
from linli.regions.models import Level, Region
from linli.registry.models import Building, Organisation, OrganisationKind, Staff, StaffKind, Training
from linli.workforce import selectors
from linli.workforce.engine import track
from linli.workforce.models import (
    Candidate,
    Duty,
    DutyKind,
    GridRule,
    GridTask,
    IncomeBaseline,
    Patrol,
    PatrolStatus,
    Proof,
    RotationRule,
    StaffGrade,
    TaskItem,
    TaskKind,
    TaskPer,
    TaskStatus,
    TeamMember,
    TeamPost,
    TrackPoint,
)

DISTRICT = "350504"
HOME_COMMUNITY = "350504001001"  # 万福社区: the demo's community and grid worker (wangge)
SAMPLE_GRIDS = 6
DAYS = 60
# older demo tracks are stored as the retention task leaves them (coarse), to keep the step short
FULL_DAYS = 10
SPEED_MS = 1.1

DUTIES = [
    (
        "居民委员会选举和居务公开",
        DutyKind.STATUTORY,
        ["选举", "居务公开"],
        "区民政局",
        "",
        "居民委员会组织法",
    ),
    ("社区议事协商", DutyKind.STATUTORY, ["议事协商", "协商"], "区民政局", "", "城乡社区协商意见"),
    (
        "人口信息登记与更新",
        DutyKind.STATUTORY,
        ["人口信息", "入户登记"],
        "区公安分局",
        "",
        "社区职责事项清单",
    ),
    (
        "特殊群体关爱走访",
        DutyKind.STATUTORY,
        ["关爱走访", "独居老人走访"],
        "区民政局",
        "",
        "社区职责事项清单",
    ),
    ("社区环境卫生监督", DutyKind.STATUTORY, ["环境卫生"], "区城管局", "", "社区职责事项清单"),
    ("政策宣传", DutyKind.STATUTORY, ["宣传", "反诈"], "相关部门", "", "社区职责事项清单"),
    (
        "协助燃气安全入户排查",
        DutyKind.ASSISTING,
        ["燃气", "安全隐患排查"],
        "区住建局",
        "每户 5 元工作经费",
        "社区协助事项清单",
    ),
    (
        "协助开展医保参保动员",
        DutyKind.ASSISTING,
        ["医保", "参保"],
        "区医保局",
        "每人 2 元工作经费",
        "社区协助事项清单",
    ),
    (
        "协助开展疫苗接种摸底",
        DutyKind.ASSISTING,
        ["疫苗", "接种"],
        "区卫健局",
        "按社区常住户数核拨",
        "社区协助事项清单",
    ),
    (
        "协助开展就业失业登记",
        DutyKind.ASSISTING,
        ["就业", "失业登记"],
        "区人社局",
        "每年每社区 3000 元",
        "社区协助事项清单",
    ),
]
PROOFS = [
    ("居住情况证明（用于入学）", ["入学居住证明"], "证明事项保留清单"),
    ("临时救助申请初审意见", ["临时救助"], "社会救助暂行办法"),
    ("低保申请入户调查意见", ["低保调查", "低保申请"], "社会救助暂行办法"),
    ("困难残疾人生活补贴初审", ["残疾人补贴"], "证明事项保留清单"),
]


def demo_loaded() -> bool:
    return Patrol.objects.filter(synthetic=True).exists() or GridTask.objects.filter(synthetic=True).exists()


def demo_run(
    *, seed: int = 2026, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    district = Region.objects.current().filter(code=DISTRICT).first()
    if (
        district is None
        or not Region.objects.current().filter(code__startswith=DISTRICT, level=Level.GRID).exists()
    ):
        return {}
    today = today or timezone.localdate()
    rnd = random.Random(seed)
    with transaction.atomic():
        return load(rnd, district, today, log)


def load(rnd: random.Random, district: Region, today: dt.date, log: Callable[[str], None]) -> dict[str, int]:
    out: dict[str, int] = {}
    GridRule.objects.get_or_create(
        region=district,
        defaults={
            "patrols_per_day": 2,
            "required_posts": [TeamPost.LEADER, TeamPost.WORKER, TeamPost.POLICE],
        },
    )
    RotationRule.objects.get_or_create(
        key="director",
        defaults={"name": "村(居)委会主任、书记", "every_years": 1, "post_words": ["主任", "书记"]},
    )
    RotationRule.objects.get_or_create(
        key="member",
        defaults={
            "name": "村(居)委会成员及专职社区工作者",
            "every_years": 2,
            "post_words": ["副主任", "委员", "社区工作者"],
        },
    )
    IncomeBaseline.objects.get_or_create(
        region=district, year=today.year - 1, defaults={"income": Decimal(58600)}
    )
    out["网格团队成员"] = _teams(rnd, district)
    log("网格团队")
    out["巡查"], out["轨迹点"] = _patrols(rnd, district, today)
    log("巡查轨迹")
    duties = {}
    for name, kind, words, dept, funding, basis in DUTIES:
        duties[name], _ = Duty.objects.get_or_create(
            region=district,
            name=name,
            defaults={
                "kind": kind,
                "keywords": words,
                "department": dept,
                "funding": funding,
                "basis": basis,
            },
        )
    for name, words, basis in PROOFS:
        Proof.objects.get_or_create(region=district, name=name, defaults={"keywords": words, "basis": basis})
    out["职责事项"] = len(DUTIES)
    out["网格任务填报项"] = _tasks(rnd, district, today, duties)
    out["岗位等级"] = _grades(rnd, district)
    out["轮训记录"] = _trainings(rnd, district, today)
    log("轮训记录")
    out["后备人才"] = _candidates(rnd, district)
    _adopt(district)
    return out


def _teams(rnd: random.Random, district: Region) -> int:
    grids = list(
        Region.objects.current()
        .filter(code__startswith=DISTRICT, level=Level.GRID)
        .defer("boundary")
        .order_by("code")
    )
    workers: dict[int, list[Staff]] = {}
    for s in Staff.objects.filter(kind=StaffKind.GRID_WORKER, active=True).prefetch_related("grids"):
        for g in s.grids.all():
            workers.setdefault(g.pk, []).append(s)
    leaders: dict[int, Staff] = {}
    for s in Staff.objects.filter(kind=StaffKind.COMMUNITY_WORKER, active=True).order_by("pk"):
        if any(w in s.post for w in ("书记", "主任")):
            leaders.setdefault(s.region_id, s)
    wangge = User.objects.filter(username="wangge").first()
    rows = []
    for i, g in enumerate(grids):
        skip_worker = g.code[:12] != HOME_COMMUNITY and i % 19 == 7  # a few grids without a grid worker
        for s in [] if skip_worker else workers.get(g.pk, [])[:2]:
            acct = wangge if wangge is not None and wangge.region_id == g.pk else None
            rows.append(TeamMember(grid=g, post=TeamPost.WORKER, staff=s, account=acct))
        leader = leaders.get(g.parent_id or 0)
        if leader is not None:
            rows.append(TeamMember(grid=g, post=TeamPost.LEADER, staff=leader))
        if i % 7 != 3:  # a few teams still miss their police officer
            rows.append(
                TeamMember(
                    grid=g,
                    post=TeamPost.POLICE,
                    name=f"民警{'赵钱孙李周吴郑王'[i % 8]}警官（演示）",
                    unit="洛江区公安分局",
                )
            )
        if i % 2 == 0:
            rows.append(
                TeamMember(
                    grid=g,
                    post=TeamPost.SPECIALIST,
                    name=f"{'陈林黄'[i % 3]}医生（演示）",
                    unit="社区卫生服务站",
                )
            )
        for k in range(1 + i % 3):
            rows.append(
                TeamMember(
                    grid=g, post=TeamPost.BUILDING_HEAD, name=f"楼栋长{k + 1}（演示）", unit=f"{k + 1}号楼"
                )
            )
    TeamMember.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _inside(n: int, lat: list[float], lon: list[float], geometry: dict | None, memo: dict[int, bool]) -> bool:
    if n not in memo:
        memo[n] = track.in_area(lat[n], lon[n], geometry)
    return memo[n]


def _walk(
    coords: tuple[list[float], list[float]],
    rnd: random.Random,
    start: int,
    adj: list[list[int]],
    seconds: float,
    geometry: dict | None,
    memo: dict[int, bool],
) -> list[tuple[float, float, float]]:
    """Positions (t, lat, lon) every 30–60 s along a random walk on the network from ``start``,
    staying in the grid where a neighbour inside it exists."""
    lat, lon = coords
    path = [start]
    prev = -1
    length = 0.0
    need = seconds * SPEED_MS + 200
    while length < need and len(path) < 2000:
        here = path[-1]
        nbrs = [n for n in adj[here] if n != prev] or adj[here]
        if not nbrs:
            break
        inside = [n for n in nbrs if _inside(n, lat, lon, geometry, memo)]
        nxt = rnd.choice(inside or nbrs)
        length += track.distance_m(lat[here], lon[here], lat[nxt], lon[nxt])
        prev = here
        path.append(nxt)
    cum = [0.0]
    for a, b in zip(path, path[1:], strict=False):
        cum.append(cum[-1] + track.distance_m(lat[a], lon[a], lat[b], lon[b]))
    out = []
    t = 0.0
    seg = 0
    while t <= seconds:
        d = min(t * SPEED_MS, cum[-1])
        while seg < len(cum) - 2 and cum[seg + 1] < d:
            seg += 1
        a, b = path[seg], path[min(seg + 1, len(path) - 1)]
        span = (cum[seg + 1] - cum[seg]) if seg + 1 < len(cum) else 0
        f = (d - cum[seg]) / span if span > 0 else 0
        out.append((t, float(lat[a] + (lat[b] - lat[a]) * f), float(lon[a] + (lon[b] - lon[a]) * f)))
        t += rnd.uniform(30, 60)
    return out


def _patrols(rnd: random.Random, district: Region, today: dt.date) -> tuple[int, int]:
    rn = RoadNetwork.objects.filter(active=True, region__code=DISTRICT).first()
    if rn is None:
        return 0, 0
    net = load_network(rn)
    coords = (net.lat.tolist(), net.lon.tolist())
    adj: list[list[int]] = [[] for _ in range(len(net.lat))]
    for u, v in zip(net.u.tolist(), net.v.tolist(), strict=True):
        adj[u].append(v)
        adj[v].append(u)
    home = list(
        Region.objects.current().filter(code__startswith=HOME_COMMUNITY, level=Level.GRID).order_by("code")
    )
    others = list(
        Region.objects.current()
        .filter(code__startswith=DISTRICT, level=Level.GRID, boundary__isnull=False)
        .exclude(code__startswith=HOME_COMMUNITY)
        .order_by("code")
    )
    grids = (home + rnd.sample(others, min(len(others), max(0, SAMPLE_GRIDS - len(home)))))[:SAMPLE_GRIDS]
    wangge = User.objects.filter(username="wangge").first()
    tz = timezone.get_current_timezone()
    patrols: list[Patrol] = []
    tracks: list[list[tuple[float, float, float, bool]]] = []
    for gi, g in enumerate(grids):
        worker = wangge if wangge is not None and wangge.region_id == g.pk else _demo_worker(g)
        ring = (g.boundary or {}).get("coordinates", [[[]]])[0]
        clat = g.centroid_lat or (sum(p[1] for p in ring) / len(ring) if ring else 24.95)
        clon = g.centroid_lon or (sum(p[0] for p in ring) / len(ring) if ring else 118.67)
        start = _nearest(net, clat, clon)
        blds = [
            (pk, float(la), float(lo))
            for pk, la, lo in Building.objects.filter(region=g, lat__isnull=False).values_list(
                "pk", "lat", "lon"
            )
            if la is not None and lo is not None
        ]
        memo: dict[int, bool] = {}
        behind = gi % 4 == 3  # some grids are behind: one patrol on most days, some too short
        for back in range(DAYS, 0, -1):
            day = today - dt.timedelta(days=back)
            slots = [9] if behind and back % 3 else [9, 15]
            if behind and back % 5 == 0:
                slots = []
            for hour in slots:
                minutes = rnd.uniform(12, 25) if behind and rnd.random() < 0.4 else rnd.uniform(35, 55)
                begin = dt.datetime.combine(day, dt.time(hour, rnd.randrange(0, 50)), tzinfo=tz)
                pts = _walk(coords, rnd, start, adj, minutes * 60, g.boundary, memo)
                points = [track.Point(begin.timestamp() + t, la, lo) for t, la, lo in pts]
                if rnd.random() < 0.05 and len(points) > 5:  # a GPS jump now and then, flagged
                    j = len(points) // 2
                    points[j] = track.Point(points[j].t, points[j].lat + 0.02, points[j].lon)
                flags = track.flag_jumps(points)
                s = track.summarise(points, flags, g.boundary, blds)
                patrols.append(
                    Patrol(
                        worker=worker,
                        grid=g,
                        day=day,
                        started_at=begin,
                        ended_at=begin + dt.timedelta(seconds=pts[-1][0]),
                        status=PatrolStatus.DONE,
                        consent_at=begin,
                        distance_m=round(s.distance_m, 1),
                        distance_in_grid_m=round(s.distance_in_grid_m, 1),
                        minutes_in_grid=round(s.seconds_in_grid / 60, 1),
                        buildings_passed=len(s.buildings),
                        points=s.points,
                        flagged=s.flagged,
                        synthetic=True,
                    )
                )
                if back > FULL_DAYS:
                    kept = track.coarsen([p for p, f in zip(points, flags, strict=True) if not f])
                    tracks.append([(p.t, p.lat, p.lon, False) for p in kept])
                    patrols[-1].coarsened = True
                else:
                    tracks.append([(p.t, p.lat, p.lon, f) for p, f in zip(points, flags, strict=True)])
    Patrol.objects.bulk_create(patrols, batch_size=1000)
    # the points go in with one executemany: Django's bulk_create spends most of its time building
    # the SQL of each row, and these are tens of thousands of plain rows
    table = TrackPoint._meta.db_table
    sqlite = connection.vendor == "sqlite"  # SQLite stores UTC as text, which str() of a naive time is
    rows = [
        (
            p.pk,
            str(dt.datetime.fromtimestamp(t, tz=dt.UTC).replace(tzinfo=None))
            if sqlite
            else dt.datetime.fromtimestamp(t, tz=dt.UTC),
            la,
            lo,
            f,
        )
        for p, tr in zip(patrols, tracks, strict=True)
        for t, la, lo, f in tr
    ]
    with connection.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {table} (patrol_id, at, lat, lon, flagged) VALUES (%s, %s, %s, %s, %s)", rows
        )
    return len(patrols), len(rows)


def _nearest(net: Any, lat: float, lon: float) -> int:
    d = (net.lat - lat) ** 2 + ((net.lon - lon) * math.cos(math.radians(lat))) ** 2
    return int(d.argmin())


def _demo_worker(grid: Region) -> User:
    """A grid worker account for a sampled grid (演示, no password: it cannot sign in)."""
    user, made = User.objects.get_or_create(
        username=f"demo_grid_{grid.code}",
        defaults={"role": Role.GRID_WORKER, "region": grid, "display_name": f"{grid.name}网格员（演示）"},
    )
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _tasks(rnd: random.Random, district: Region, today: dt.date, duties: dict[str, Duty]) -> int:
    orgs = {o.name: o for o in Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT)}
    housing = orgs.get("洛江区住建局") or next(iter(orgs.values()), None)
    civil = orgs.get("洛江区民政局") or housing
    community = Region.objects.current().filter(code=HOME_COMMUNITY).first()
    street = Region.objects.current().filter(code=HOME_COMMUNITY[:9]).first()
    if community is None or street is None:
        return 0
    made = 0
    first = GridTask.objects.create(
        number=f"RW{today:%Y%m}0001",
        title="居民家庭燃气安全入户排查",
        kind=TaskKind.SURVEY,
        content="逐栋排查燃气软管老化、私接乱改，发现隐患拍照上报。",
        per=TaskPer.BUILDING,
        fields=[
            {"key": "f1", "label": "是否发现燃气安全隐患", "type": "yesno"},
            {"key": "f2", "label": "使用燃气户数", "type": "number"},
            {"key": "f3", "label": "情况说明", "type": "text"},
        ],
        deadline=today + dt.timedelta(days=10),
        issuer_org=housing,
        issuer_region=district,
        region=community,
        duty=duties["协助燃气安全入户排查"],
        funding="每户 5 元工作经费，由区住建局拨付",
        status=TaskStatus.ISSUED,
        decision="assisting",
        reason="协助事项“协助燃气安全入户排查”，经费：每户 5 元工作经费，由区住建局拨付",
        synthetic=True,
    )
    made += _items(rnd, first, community, TaskPer.BUILDING, done_share=0.55, today=today)
    second = GridTask.objects.create(
        number=f"RW{today:%Y%m}0002",
        title="独居老人关爱走访与信息核查",
        kind=TaskKind.CHECK,
        content="核查独居老人登记信息是否准确，了解近况。",
        per=TaskPer.BUILDING,
        fields=[
            {"key": "f1", "label": "登记信息是否准确", "type": "yesno"},
            {"key": "f2", "label": "需要的帮助", "type": "text"},
        ],
        deadline=today + dt.timedelta(days=20),
        issuer_org=civil,
        issuer_region=district,
        region=street,
        duty=duties["特殊群体关爱走访"],
        status=TaskStatus.ISSUED,
        decision="accepted",
        reason="属于社区依法履职事项“特殊群体关爱走访”",
        synthetic=True,
    )
    made += _items(rnd, second, street, TaskPer.BUILDING, done_share=0.3, today=today)
    GridTask.objects.create(
        number=f"RW{today:%Y%m}0003",
        title="电动自行车停放充电情况采集",
        kind=TaskKind.COLLECT,
        per=TaskPer.BUILDING,
        fields=[{"key": "f1", "label": "楼内充电车辆数", "type": "number"}],
        deadline=today + dt.timedelta(days=15),
        issuer_org=housing,
        issuer_region=district,
        region=street,
        status=TaskStatus.PENDING,
        decision="to_street",
        reason="不在社区职责事项清单内，须报街道（乡镇）审核同意后才能派给网格",
        synthetic=True,
    )
    return made


def _items(
    rnd: random.Random, task: GridTask, region: Region, per: str, *, done_share: float, today: dt.date
) -> int:
    grids = {
        g.code: g.pk
        for g in Region.objects.current()
        .filter(code__startswith=region.code, level=Level.GRID)
        .only("pk", "code")
    }
    wangge = User.objects.filter(username="wangge").first()
    rows = []
    for pk, code in Building.objects.filter(region__code__startswith=region.code).values_list(
        "pk", "region__code"
    ):
        if code not in grids:
            continue
        done = rnd.random() < done_share
        answers = (
            {
                f["key"]: ("no" if f["type"] == "yesno" else "3" if f["type"] == "number" else "正常")
                for f in task.fields
            }
            if done
            else {}
        )
        at = (
            timezone.make_aware(
                dt.datetime.combine(today - dt.timedelta(days=rnd.randrange(1, 6)), dt.time(10))
            )
            if done
            else None
        )
        rows.append(
            TaskItem(
                task=task,
                grid_id=grids[code],
                building_id=pk,
                answers=answers,
                done_at=at,
                done_by=wangge if done else None,
            )
        )
    TaskItem.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _grades(rnd: random.Random, district: Region) -> int:
    rows = []
    for s in Staff.objects.filter(
        kind=StaffKind.COMMUNITY_WORKER, active=True, region__code__startswith=DISTRICT
    ):
        if "主任" in s.post and "副" not in s.post or "书记" in s.post:
            post, lo, hi, base = "principal", 10, 18, 78000
        elif "副主任" in s.post:
            post, lo, hi, base = "deputy", 6, 14, 68000
        else:
            post, lo, hi, base = "member", 1, 10, 54000
        grade = rnd.randint(lo, hi)
        rows.append(
            StaffGrade(
                staff=s,
                post=post,
                grade=grade,
                annual_pay=Decimal(base + grade * 900 + rnd.randrange(-3000, 3000)),
                synthetic=True,
            )
        )
    StaffGrade.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


OVERDUE_SHARE = 0.15  # of the community workers under a rotation rule, left overdue
DUE_SOON_SHARE = 0.05  # and falling due within the next 60 days


def _trainings(rnd: random.Random, district: Region, today: dt.date) -> int:
    """A recent rotation training for the overdue workers but some (~15 %), a few of them due soon."""
    rows = selectors.training_rows(district, today)
    overdue = [r for r in rows if r.state == "overdue" and r.rule is not None]
    keep = round(len(rows) * OVERDUE_SHARE)
    rnd.shuffle(overdue)
    soon = round(len(rows) * DUE_SOON_SHARE)
    made = []
    for i, r in enumerate(overdue[keep:]):
        assert r.rule is not None
        span = r.rule.every_years * 365
        # the first few were trained so long ago they fall due within 60 days; the rest well inside
        back = span - rnd.randint(5, 55) if i < soon else rnd.randint(20, span - 90)
        end = today - dt.timedelta(days=back)
        start = end - dt.timedelta(days=rnd.randint(0, 2))
        made.append(
            Training(
                staff=r.staff,
                title=f"{end.year}年{r.rule.name}轮训（演示）",
                organiser="洛江区委社会工作部（演示）",
                start_date=start,
                end_date=end,
                hours=Decimal(rnd.choice([8, 16, 24])),
            )
        )
    Training.objects.bulk_create(made, batch_size=2000)
    return len(made)


def _candidates(rnd: random.Random, district: Region) -> int:
    communities = list(
        Region.objects.current()
        .filter(code__startswith=DISTRICT, level=Level.COMMUNITY)
        .order_by("code")[:30]
    )
    rows = []
    for i, c in enumerate(communities):
        for k in range(1 + i % 3):
            rows.append(
                Candidate(
                    region=c,
                    name=f"{'陈林黄张吴刘蔡'[(i + k) % 7]}某某（演示）",
                    birth_year=rnd.randint(1986, 2000),
                    education=rnd.choice(["大专", "本科", "本科", "研究生"]),
                    current_work=rnd.choice(["社区专职工作者", "返乡大学生", "退役军人", "企业职员"]),
                    intended_post=rnd.choice(["社区党组织书记", "居委会主任", "网格长"]),
                    synthetic=True,
                )
            )
    Candidate.objects.bulk_create(rows)
    return len(rows)


def _adopt(district: Region) -> None:
    plan = Plan.objects.filter(code="workforce-standards").first()
    if plan is not None:
        PlanAdoption.objects.get_or_create(plan=plan, region=district)
