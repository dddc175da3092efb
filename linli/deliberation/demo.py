"""A synthetic year of 议事协商 for the 洛江 demo (演示数据, rows marked ``synthetic``).

Per community: its 议事规则 (support threshold), a 民主议事厅 in its party-service centre (a few
communities still without one, so the coverage indicator shows the gap), about three topics (a sample) raised over
the year — by residents (with supporters), from requests, by the community — taken through their
procedures (四议两公开 in villages, the 116 工作法 in urban communities, 两议两评两公开, 四方议事 for
property matters) with signed meetings, attendance and counted votes, resolutions with execution
reports (an execution rate near but below 广州's 92.6 %), and a notice board (决议、结果、党务、居务、
财务公开). In 万福社区: the owners of the demo resident's building vote on adding a lift (民法典第二百七十八条,
counted by area and by headcount), a topic collecting supports, an open phone vote and work waiting
for the community worker. Bulk inserts: the step runs in a few seconds on the full demo.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from linli.core.models import User
from linli.core.roles import Role
from linli.core.scope import subtree_q
from linli.deliberation.engine import rules
from linli.deliberation.models import (
    Attendance,
    Ballot,
    Channel,
    Comment,
    CommunitySetting,
    Counter,
    Entitlement,
    Hall,
    Meeting,
    MeetingRecord,
    Notice,
    OwnerShare,
    Participation,
    Procedure,
    ProcedureStep,
    Progress,
    RecordKind,
    Resolution,
    ResolutionStatus,
    Support,
    Topic,
    TopicScope,
    TopicSource,
    TopicStatus,
    TopicStep,
    Vote,
    VoteRule,
    VoteStatus,
)
from linli.facilities.models import Facility
from linli.regions.models import Level, Region
from linli.registry.models import Household, Person, PersonStatus, Relation

DISTRICT = "350504"
HOME = "350504001001"  # 万福社区: the demo accounts' community
EXECUTION_TARGET = 0.915  # near but below 广州's 92.6 %
TOPICS_PER_COMMUNITY = 3  # a sample: ~260 topics a year in the district
NO_HALL_EVERY = 19  # every 19th community still lacks a 议事厅

MATTERS = [
    ("小区停车位划线与收费方案", "小区停车难，拟在空地增划停车位，并商定收费标准", "sifang_yishi"),
    ("村集体闲置厂房公开招租", "集体“三资”：闲置厂房对外公开招租，租金纳入集体收入", "siyi_ligongkai"),
    ("背街小巷路灯增设", "夜间照明不足，拟在三条巷道增设路灯", "gongzuofa_116"),
    ("垃圾分类投放点调整", "投放点离住户太近有异味，拟调整位置并设定时投放", "gongzuofa_116"),
    ("老年食堂就餐补贴标准", "社区长者食堂就餐补贴标准调整", "liangyi_liangping"),
    ("文化广场夜间活动时间", "广场舞噪声扰民，拟约定活动时段与音量", "liangyi_liangping"),
    ("村道硬化与排水沟修缮", "村道坑洼积水，拟使用村级公益事业资金修缮", "siyi_ligongkai"),
    ("电动车集中充电棚建设", "楼道充电有火灾隐患，拟建集中充电棚", "sifang_yishi"),
    ("小区绿化改造", "部分绿地荒废，拟改造为口袋公园", "gongzuofa_116"),
    ("物业服务费调整", "物业公司提出调整服务费，须业主共同决定", "sifang_yishi"),
]
BODY_SIZE = {
    "party_branch": (5, 7),
    "two_committees": (7, 9),
    "party_members": (10, 18),
    "representatives": (12, 20),
    "residents": (20, 40),
    "owners": (16, 30),
    "council": (7, 11),
    "four_party": (8, 10),
}


def demo_loaded() -> bool:
    # a small demo may raise no topic at all: the communities' settings mark the step as run
    return Topic.objects.filter(synthetic=True).exists() or CommunitySetting.objects.exists()


@functools.lru_cache(maxsize=4096)
def _aware(day: dt.date, hour: int = 19) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


class _Ids:
    """Primary keys handed out in Python so that rows of several tables can be bulk-inserted at once."""

    def __init__(self, *models: Any) -> None:
        self.next: dict[Any, int] = {}
        for m in models:
            last = m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            self.next[m] = last + 1

    def take(self, model: Any) -> int:
        n = self.next[model]
        self.next[model] = n + 1
        return n

    def reset_sequences(self) -> None:
        """After the bulk inserts: PostgreSQL's sequences move past the keys handed out here, so rows
        created the ordinary way afterwards (万福's story) do not collide with them."""
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.next)):
                cursor.execute(sql)


def demo_load(
    *, seed: int = 2026, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    today = today or timezone.localdate()
    communities = list(
        Region.objects.current().filter(level=Level.COMMUNITY, code__startswith=DISTRICT).order_by("code")
    )
    if not communities:
        return {}
    rng = random.Random(seed * 17 + 15)
    with transaction.atomic():
        return _load(rng, communities, today, log)


def _load(
    rng: random.Random, communities: list[Region], today: dt.date, log: Callable[[str], None]
) -> dict[str, int]:
    procs = {p.code: p for p in Procedure.objects.all()}
    steps = {p: list(ProcedureStep.objects.filter(procedure=procs[p]).order_by("order")) for p in procs}
    staff: dict[str, User] = {}
    for u in User.objects.filter(
        role=Role.COMMUNITY_WORKER, region__code__startswith=DISTRICT
    ).select_related("region"):
        if u.region is not None:
            staff.setdefault(u.region.code, u)
    fallback = (
        User.objects.filter(role__in=[Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN]).order_by("pk").first()
        or User.objects.order_by("pk").first()
    )
    places: dict[str, list[int]] = {}  # a community and its grids: persons are found by the region index
    for pk, code in Region.objects.filter(subtree_q(DISTRICT), level__gte=Level.COMMUNITY).values_list(
        "pk", "code"
    ):
        places.setdefault(code[:12], []).append(pk)
    halls: dict[str, int] = {}
    for pk, code in Facility.objects.filter(
        subtree_q(DISTRICT, "region__code"), type__code__in=["party_center", "community_center"]
    ).values_list("pk", "region__code"):
        halls.setdefault(code[:12], pk)
    cases: dict[str, list[Any]] = {}
    from linli.cases.models import Case  # noqa: PLC0415 (the requests module is below this one; only the demo reads it)

    for row in (
        Case.objects.filter(subtree_q(DISTRICT, "region__code"))
        .filter(Q(category__subject__in=["物业", "市政设施", "环境卫生", "噪声扰民"]))
        .order_by("-received_at")
        .values("pk", "region__code", "number")[:600]
    ):
        cases.setdefault(row["region__code"][:12], []).append(row)
    ids = _Ids(Topic, Meeting, Vote, Resolution)
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "topic",
            "support",
            "step",
            "meeting",
            "attend",
            "record",
            "vote",
            "ballot",
            "res",
            "progress",
            "notice",
        )
    }
    year_ago = today - dt.timedelta(days=365)
    settings_rows, hall_rows, counters = [], [], []
    log("  正在生成议题、会议、表决与决议…")
    for ci, c in enumerate(communities):
        threshold = rng.choice([5, 8, 10])
        settings_rows.append(CommunitySetting(region=c, support_threshold=threshold, proxy_limit=1))
        if ci % NO_HALL_EVERY != 7:
            hall_rows.append(
                Hall(
                    region=c,
                    name=f"{c.name}民主议事厅",
                    facility_id=halls.get(c.code),
                    opened_on=year_ago,
                    synthetic=True,
                )
            )
        people = list(
            Person.objects.filter(
                region_id__in=places.get(c.code, []), status=PersonStatus.ACTIVE
            ).values_list("pk", flat=True)[:80]
        )
        if len(people) < 20:
            continue
        worker = staff.get(c.code) or fallback
        if worker is None:
            continue
        urban = c.name.endswith("社区")
        for n in range(TOPICS_PER_COMMUNITY):
            title, text, proc_code = MATTERS[(ci * 3 + n) % len(MATTERS)]
            if not urban and proc_code == "gongzuofa_116":
                proc_code = "siyi_ligongkai"
            age = int(365 * (1 - (n + rng.random() * 0.8) / TOPICS_PER_COMMUNITY)) + 3
            created = today - dt.timedelta(days=age)
            kind = n % 4
            source = (
                TopicSource.RESIDENT
                if kind in (0, 2)
                else TopicSource.REQUEST
                if kind == 1 and cases.get(c.code)
                else TopicSource.COMMUNITY
            )
            case = cases[c.code].pop() if source == TopicSource.REQUEST else None
            tid = ids.take(Topic)
            number = f"YS{c.code}{created.year}{n + 1:04d}"
            supporters = (
                rng.sample(people[1:], min(len(people) - 1, threshold + rng.randint(0, 6)))
                if source == TopicSource.RESIDENT
                else []
            )
            topic = Topic(
                pk=tid,
                number=number,
                title=title,
                description=text,
                region=c,
                scope=TopicScope.COMMUNITY,
                source=source,
                case_id=case["pk"] if case else None,
                raised_by=worker if source != TopicSource.RESIDENT else None,
                raiser_id=people[0] if source == TopicSource.RESIDENT else None,
                procedure=procs[proc_code],
                status=TopicStatus.IN_PROCEDURE,
                supports=len(supporters),
                threshold=threshold,
                created_at=_aware(created, 10),
                threshold_reached_at=_aware(created + dt.timedelta(days=3), 12) if supporters else None,
                accepted_at=_aware(created + dt.timedelta(days=5)),
                synthetic=True,
            )
            rows["topic"].append(topic)
            rows["support"] += [
                Support(topic_id=tid, person_id=p, at=_aware(created + dt.timedelta(days=1 + i % 3), 20))
                for i, p in enumerate(supporters)
            ]
            # how far along: topics older than ~70 days are through; newer ones part way
            proc_steps = steps[proc_code]
            done_n = len(proc_steps) if age > 70 else max(1, min(len(proc_steps) - 2, age // 12))
            day = created + dt.timedelta(days=6)
            res_id = None
            for st in proc_steps[:done_n]:
                meeting_id = None
                if st.body:
                    meeting_id = ids.take(Meeting)
                    lo, hi = BODY_SIZE.get(st.body, (9, 15))
                    members = rng.randint(lo, min(hi, len(people)))
                    present = max(1, int(members * rng.uniform(0.72, 0.95)))
                    present = max(present, -(-2 * members // 3))  # the demo's meetings reach their quorum
                    rows["meeting"].append(
                        Meeting(
                            pk=meeting_id,
                            topic_id=tid,
                            body=st.body,
                            agenda=f"{st.name}：{title}",
                            facility_id=halls.get(c.code),
                            place="" if halls.get(c.code) else f"{c.name}会议室",
                            starts_at=_aware(day),
                            members=members,
                            quorum="two_thirds",
                            called_by=worker,
                            signed_by=worker,
                            signed_at=_aware(day, 21),
                        )
                    )
                    attendees = people[:present]
                    proxy_holder = attendees[0] if present > 3 else None
                    for i, p in enumerate(attendees):
                        rows["attend"].append(
                            Attendance(
                                meeting_id=meeting_id,
                                person_id=p,
                                proxy_id=proxy_holder
                                if i == present - 1 and proxy_holder and p != proxy_holder
                                else None,
                                at=_aware(day),
                            )
                        )
                    rows["record"].append(
                        MeetingRecord(
                            meeting_id=meeting_id,
                            kind=RecordKind.MINUTES,
                            text=f"应到{members}人，实到{present}人。会议就“{title}”进行了{st.name}，与会人员充分发表意见。",
                            by=worker,
                            at=_aware(day, 21),
                        )
                    )
                    if st.kind == "resolve":
                        vid = ids.take(Vote)
                        yes = max(present // 2 + 1, int(present * rng.uniform(0.7, 0.95)))
                        no = rng.randint(0, present - yes)
                        abstain = present - yes - no
                        rule = "simple_present"
                        verdict = rules.MAJORITIES[rule].decide(
                            rules.Counts(yes, no, abstain), present=present, members=members
                        )
                        rows["vote"].append(
                            Vote(
                                pk=vid,
                                topic_id=tid,
                                meeting_id=meeting_id,
                                question=f"是否同意：{title}",
                                rule=rule,
                                status=VoteStatus.CLOSED,
                                members=members,
                                yes=yes,
                                no=no,
                                abstain=abstain,
                                passed=verdict.ok,
                                explanation=verdict.reason,
                                counted_at=_aware(day, 21),
                                created_at=_aware(day, 20),
                            )
                        )
                        rows["ballot"] += [
                            Ballot(vote_id=vid, choice=ch, channel=Channel.MEETING)
                            for ch, k in (("yes", yes), ("no", no), ("abstain", abstain))
                            for _ in range(k)
                        ]
                        res_id = ids.take(Resolution)
                        rtext = f"同意{title}。{text}，由社区（村）组织实施。"
                        rows["record"].append(
                            MeetingRecord(
                                meeting_id=meeting_id,
                                kind=RecordKind.RESOLUTION,
                                text=rtext,
                                by=worker,
                                at=_aware(day, 21),
                            )
                        )
                        rows["res"].append(
                            Resolution(
                                pk=res_id,
                                topic_id=tid,
                                meeting_id=meeting_id,
                                vote_id=vid,
                                text=rtext,
                                responsible=worker,
                                due=day + dt.timedelta(days=rng.randint(30, 90)),
                                resolved_at=_aware(day, 21),
                            )
                        )
                rows["step"].append(
                    TopicStep(topic_id=tid, step=st, meeting_id=meeting_id, by=worker, at=_aware(day, 21))
                )
                if st.kind in ("publish", "publish_result") and res_id:
                    kind_n = "resolution" if st.kind == "publish" else "result"
                    rows["notice"].append(
                        Notice(
                            region=c,
                            kind=kind_n,
                            title=f"{'决议公开' if kind_n == 'resolution' else '实施结果公开'}：{title}",
                            body=(
                                rows["res"][-1].text
                                if kind_n == "resolution"
                                else f"“{title}”已按决议实施完成，欢迎居民监督。"
                            ),
                            resolution_id=res_id,
                            posted_on=day,
                            days=7,
                            by=worker,
                            synthetic=True,
                        )
                    )
                day += dt.timedelta(days=rng.randint(4, 12))
            topic.status = (
                TopicStatus.CLOSED
                if done_n == len(proc_steps)
                else TopicStatus.RESOLVED
                if res_id
                else TopicStatus.IN_PROCEDURE
            )
        counters.append(Counter(region=c, year=today.year, last=TOPICS_PER_COMMUNITY))
        for q in range(4):
            posted = today - dt.timedelta(days=90 * q + 5)
            rows["notice"].append(
                Notice(
                    region=c,
                    kind="finance",
                    title=f"{posted.year}年第{(posted.month - 1) // 3 + 1}季度财务收支公开",
                    body=f"本期收入 {rng.randint(8, 60)}.{rng.randint(0, 9)} 万元，支出 {rng.randint(5, 50)}.{rng.randint(0, 9)} 万元；明细见村（居）务公开栏附表。",
                    posted_on=posted,
                    days=30,
                    by=worker,
                    synthetic=True,
                )
            )
        rows["notice"].append(
            Notice(
                region=c,
                kind="party",
                title="党员发展与党费收缴情况公开",
                body="本年度发展党员、党费收缴及使用情况，欢迎党员群众监督。",
                posted_on=today - dt.timedelta(days=rng.randint(2, 40)),
                days=15,
                by=worker,
                synthetic=True,
            )
        )
        rows["notice"].append(
            Notice(
                region=c,
                kind="affairs",
                title="低保、临时救助审核结果公示",
                body="本月新增低保 2 户、临时救助 3 户（户主以姓氏公示：林某、陈某等），公示期内可提出异议。",
                posted_on=today - dt.timedelta(days=rng.randint(1, 6)),
                days=7,
                by=worker,
                synthetic=True,
            )
        )
    # executed: the oldest resolutions, up to the target share (the rest in hand; some behind time)
    res_sorted = sorted(rows["res"], key=lambda r: r.due)
    n_exec = int(len(res_sorted) * EXECUTION_TARGET)
    executed_ids = {r.pk for r in res_sorted[:n_exec]}
    now = timezone.now()
    pending = {r.topic_id: r.pk for r in rows["res"] if r.pk not in executed_ids}
    result_steps = {st.pk for ss in steps.values() for st in ss if st.kind == "publish_result"}
    rows["step"] = [s for s in rows["step"] if not (s.topic_id in pending and s.step_id in result_steps)]
    rows["notice"] = [
        n for n in rows["notice"] if not (n.kind == "result" and n.resolution_id in pending.values())
    ]
    for t in rows["topic"]:
        if t.pk in pending and t.status == TopicStatus.CLOSED:
            t.status = TopicStatus.RESOLVED
    for r in rows["res"]:
        half = r.resolved_at + dt.timedelta(days=10)
        rows["progress"].append(
            Progress(resolution_id=r.pk, text="已制定实施方案并启动", percent=40, by=r.responsible, at=half)
        )
        if r.pk in executed_ids:
            r.status, r.percent, r.executed_at = (
                ResolutionStatus.EXECUTED,
                100,
                max(
                    min(_aware(r.due - dt.timedelta(days=3), 17), now - dt.timedelta(days=1)),
                    half + dt.timedelta(days=1),
                ),
            )
            rows["progress"].append(
                Progress(
                    resolution_id=r.pk,
                    text="已实施完成并组织验收",
                    percent=100,
                    evidence="验收记录及现场照片已存档（社区档案室）",
                    by=r.responsible,
                    at=r.executed_at,
                )
            )
        else:
            r.percent = 60
            rows["progress"].append(
                Progress(
                    resolution_id=r.pk,
                    text="正在实施",
                    percent=60,
                    by=r.responsible,
                    at=half + dt.timedelta(days=10),
                )
            )
    log("  正在写入…")
    CommunitySetting.objects.bulk_create(settings_rows, ignore_conflicts=True)
    Hall.objects.bulk_create(hall_rows)
    Counter.objects.bulk_create(counters)
    Topic.objects.bulk_create(rows["topic"], batch_size=500)
    Support.objects.bulk_create(rows["support"], batch_size=2000)
    Meeting.objects.bulk_create(rows["meeting"], batch_size=500)
    Attendance.objects.bulk_create(rows["attend"], batch_size=2000)
    MeetingRecord.objects.bulk_create(rows["record"], batch_size=1000)
    Vote.objects.bulk_create(rows["vote"], batch_size=500)
    Ballot.objects.bulk_create(rows["ballot"], batch_size=2000)
    Resolution.objects.bulk_create(rows["res"], batch_size=500)
    TopicStep.objects.bulk_create(rows["step"], batch_size=1000)
    Progress.objects.bulk_create(rows["progress"], batch_size=1000)
    Notice.objects.bulk_create(rows["notice"], batch_size=1000)
    ids.reset_sequences()
    home = next((c for c in communities if c.code == HOME), None)
    home_worker = staff.get(HOME) or fallback
    extra = _home(rng, home, procs, steps, home_worker, today) if home and home_worker else {}
    executed = sum(1 for r in rows["res"] if r.status == ResolutionStatus.EXECUTED)
    return {
        "议题": len(rows["topic"]) + extra.get("topics", 0),
        "会议": len(rows["meeting"]) + extra.get("meetings", 0),
        "签到": len(rows["attend"]),
        "表决票": len(rows["ballot"]) + extra.get("ballots", 0),
        "决议": len(rows["res"]) + extra.get("resolutions", 0),
        "已执行决议": executed,
        "公开事项": len(rows["notice"]) + extra.get("notices", 0),
        "民主议事厅": len(hall_rows),
        "居民意见": extra.get("comments", 0),
    }


def _home(
    rng: random.Random,
    c: Region,
    procs: dict[str, Procedure],
    steps: dict[str, list[ProcedureStep]],
    worker: User,
    today: dt.date,
) -> dict[str, int]:
    """万福社区: the lift vote in the demo resident's building, a topic collecting supports, an open phone
    vote, a topic waiting to be taken up and a resolution behind time for the community worker."""
    from linli.deliberation import services  # noqa: PLC0415 (the demo writes its 万福 story through the services)

    resident = User.objects.filter(username="jumin").select_related("person__household__building").first()
    person = resident.person if resident else None
    building = person.household.building if person and person.household_id and person.household else None
    out = {"topics": 0, "meetings": 0, "ballots": 0, "resolutions": 0, "notices": 0}
    people = list(
        Person.objects.filter(subtree_q(c.code, "region__code"), status=PersonStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)[:40]
    )
    if building is not None:
        shares = []
        for h in Household.objects.filter(building=building).order_by("code"):
            owner = (
                Person.objects.filter(household=h, status=PersonStatus.ACTIVE)
                .order_by("pk")
                .filter(relation=Relation.HEAD)
                .first()
                or Person.objects.filter(household=h, status=PersonStatus.ACTIVE).order_by("pk").first()
            )
            if owner is not None:
                shares.append(
                    OwnerShare(
                        building=building,
                        household=h,
                        owner=owner,
                        area=Decimal(rng.randint(6800, 13200)) / 100,
                        synthetic=True,
                    )
                )
        OwnerShare.objects.bulk_create(shares)
        sifang = steps["sifang_yishi"]
        start = today - dt.timedelta(days=40)
        topic = Topic.objects.create(
            number=f"YS{c.code}{today.year}0901",
            title=f"{building.name}加装电梯",
            description=f"{building.name}为多层老旧住宅，住户多为老年人，提出加装电梯；费用按楼层分摊，申请既有住宅加装电梯补助。",
            region=c,
            scope=TopicScope.OWNERS,
            building=building,
            source=TopicSource.COMMUNITY,
            raised_by=worker,
            procedure=procs["sifang_yishi"],
            status=TopicStatus.IN_PROCEDURE,
            threshold=10,
            created_at=_aware(start, 9),
            accepted_at=_aware(start, 10),
            synthetic=True,
        )
        out["topics"] += 1
        for i, st in enumerate(sifang[:2]):
            m = Meeting.objects.create(
                topic=topic,
                body=st.body,
                agenda=f"{st.name}：{topic.title}",
                place=f"{c.name}民主议事厅",
                starts_at=_aware(start + dt.timedelta(days=3 + 5 * i)),
                members=8,
                quorum="two_thirds",
                called_by=worker,
                signed_by=worker,
                signed_at=_aware(start + dt.timedelta(days=3 + 5 * i), 21),
            )
            Attendance.objects.bulk_create([Attendance(meeting=m, person_id=p) for p in people[:7]])
            MeetingRecord.objects.create(
                meeting=m,
                kind=RecordKind.MINUTES,
                text=(
                    f"社区党组织提议{topic.title}，建议按“四方”议事协调程序办理。"
                    if i == 0
                    else f"社区党组织、居委会、业委会、物业服务企业四方就{topic.title}的方案、费用分摊和施工安排进行协商，同意提交业主表决。"
                ),
                at=_aware(start + dt.timedelta(days=3 + 5 * i), 21),
                by=worker,
            )
            TopicStep.objects.create(topic=topic, step=st, meeting=m, by=worker, at=m.starts_at)
            out["meetings"] += 1
        day = start + dt.timedelta(days=20)
        m = Meeting.objects.create(
            topic=topic,
            body="owners",
            agenda=f"业主表决：{topic.title}（民法典第二百七十八条，双三分之二参与、双四分之三同意）",
            place=f"{building.name}楼下",
            starts_at=_aware(day),
            members=len(shares),
            quorum="two_thirds",
            called_by=worker,
        )
        roll: dict[int, Decimal] = {}
        for s in shares:
            roll[s.owner_id] = roll.get(s.owner_id, Decimal(0)) + s.area
        vote = Vote.objects.create(
            topic=topic,
            meeting=m,
            question=f"是否同意{topic.title}",
            rule=VoteRule.ART278_SPECIAL,
            phone=True,
            members=len(roll),
            total_area=sum(roll.values(), Decimal(0)),
            created_at=_aware(day - dt.timedelta(days=7)),
        )
        Entitlement.objects.bulk_create(
            [Entitlement(vote=vote, person_id=p, area=a) for p, a in roll.items()]
        )
        owners = list(roll)
        voters = owners[: max(len(owners) - 2, 1)]
        parts, ballots = [], []
        for i, p in enumerate(voters):
            choice = "no" if i == 1 else "abstain" if i == 2 and len(voters) > 6 else "yes"
            channel = Channel.PHONE if person and p == person.pk or i % 2 else Channel.PAPER
            parts.append(Participation(vote=vote, person_id=p, channel=channel))
            ballots.append(Ballot(vote=vote, voter_id=p, choice=choice, area=roll[p], channel=channel))
        if person and person.pk in roll and person.pk not in voters:
            parts.append(Participation(vote=vote, person_id=person.pk, channel=Channel.PHONE))
            ballots.append(
                Ballot(
                    vote=vote, voter_id=person.pk, choice="yes", area=roll[person.pk], channel=Channel.PHONE
                )
            )
        Participation.objects.bulk_create(parts)
        Ballot.objects.bulk_create(ballots)
        Attendance.objects.bulk_create([Attendance(meeting=m, person_id=p.person_id) for p in parts])
        out["ballots"] += len(ballots)
        MeetingRecord.objects.create(
            meeting=m,
            kind=RecordKind.MINUTES,
            text="业主表决：现场投票与手机投票结合，当场计票。",
            by=worker,
            at=_aware(day, 21),
        )
        services.vote_count(vote=vote, by=worker)
        vote.refresh_from_db()
        out["meetings"] += 1
        if vote.passed:
            res = services.resolution_make(
                meeting=m,
                by=worker,
                text=f"经业主共同决定，同意{topic.title}。由社区牵头，业委会、物业配合，申请加装电梯补助并组织施工。",
                responsible=worker,
                due=today + dt.timedelta(days=120),
                vote=vote,
            )
            Meeting.objects.filter(pk=m.pk).update(signed_by=worker, signed_at=_aware(day, 21))
            TopicStep.objects.create(topic=topic, step=sifang[2], meeting=m, by=worker, at=_aware(day, 21))
            services.progress_report(
                resolution=res, by=worker, text="已完成设计方案并报住建部门审批", percent=30
            )
            Notice.objects.create(
                region=c,
                kind="resolution",
                title=f"决议公开：{topic.title}",
                body=f"{res.text}\n表决结果：{vote.explanation}",
                resolution=res,
                posted_on=day + dt.timedelta(days=1),
                days=15,
                by=worker,
                synthetic=True,
            )
            TopicStep.objects.create(
                topic=topic, step=sifang[3], by=worker, at=_aware(day + dt.timedelta(days=1), 9)
            )
            out["resolutions"] += 1
            out["notices"] += 1
    # a resident's topic collecting supports (the demo resident may support it), one waiting to be taken up
    for title, text, n_sup, code in (
        (
            "社区增设爱心座椅",
            "公交站和菜市场门口没有座位，老人走累了没地方歇脚，建议增设爱心座椅。",
            3,
            "0902",
        ),
        ("楼道堆物清理约定", "楼道堆放杂物影响消防通道，建议全社区统一清理并约定。", 12, "0903"),
    ):
        raiser = people[-1] if people else None
        t = Topic.objects.create(
            number=f"YS{c.code}{today.year}{code}",
            title=title,
            description=text,
            region=c,
            source=TopicSource.RESIDENT,
            raiser_id=raiser,
            threshold=10,
            supports=n_sup,
            created_at=_aware(today - dt.timedelta(days=4), 9),
            threshold_reached_at=_aware(today - dt.timedelta(days=1), 9) if n_sup >= 10 else None,
            synthetic=True,
        )
        Support.objects.bulk_create(
            [Support(topic=t, person_id=p) for p in people[:n_sup] if p != (person.pk if person else None)]
        )
        Topic.objects.filter(pk=t.pk).update(supports=Support.objects.filter(topic=t).count())
        out["topics"] += 1
    # an open phone vote of the whole community (adults), and a resolution behind time for the worker
    t = Topic.objects.create(
        number=f"YS{c.code}{today.year}0904",
        title="文化广场夜间活动时段",
        description="征求全体居民意见：广场夜间活动（广场舞等）结束时间定为晚上 9 点。",
        region=c,
        source=TopicSource.COMMUNITY,
        raised_by=worker,
        procedure=procs["gongzuofa_116"],
        status=TopicStatus.IN_PROCEDURE,
        accepted_at=_aware(today - dt.timedelta(days=3)),
        created_at=_aware(today - dt.timedelta(days=5)),
        synthetic=True,
    )
    adult = today - dt.timedelta(days=365 * 18 + 5)
    roll_ids = list(
        Person.objects.filter(
            subtree_q(c.code, "region__code"), status=PersonStatus.ACTIVE, birth_date__lte=adult
        ).values_list("pk", flat=True)
    )
    v = Vote.objects.create(
        topic=t,
        question="是否同意广场夜间活动晚上 9 点结束",
        rule=VoteRule.SIMPLE_PRESENT,
        phone=True,
        secret=True,
        members=len(roll_ids),
        closes_at=_aware(today + dt.timedelta(days=5), 20),
    )
    Entitlement.objects.bulk_create([Entitlement(vote=v, person_id=p) for p in roll_ids], batch_size=2000)
    late = (
        Resolution.objects.filter(topic__region=c, status=ResolutionStatus.EXECUTING).order_by("due").first()
    )
    if late is not None and late.due >= today:
        Resolution.objects.filter(pk=late.pk).update(due=today - dt.timedelta(days=3))
    out["topics"] += 1
    out["comments"] = _home_comments(c, people, worker, today)
    return out


def _home_comments(c: Region, people: list[int], worker: User, today: dt.date) -> int:
    """Residents' opinions on 万福's board: a question on the quarter's accounts the community answered,
    an objection to the assistance list still waiting for its reply (the worker's 待办)."""
    notices = {
        n.kind: n for n in Notice.objects.filter(region=c, synthetic=True).order_by("posted_on", "pk")
    }  # the latest of each kind
    rows = []
    finance, relief = notices.get("finance"), notices.get("affairs")
    if finance is not None and len(people) > 2:
        rows.append(
            Comment(
                notice=finance,
                person_id=people[1],
                text="停车位收入这一项比上季度少了不少，是什么原因？",
                reply="上季度有一笔半年度的租金一次性到账，本季度按月计收，全年合计没有减少。",
                replied_by=worker,
                replied_at=_aware(today - dt.timedelta(days=1), 10),
                at=_aware(today - dt.timedelta(days=2), 20),
            )
        )
    if relief is not None and len(people) > 3:
        rows.append(
            Comment(
                notice=relief,
                person_id=people[2],
                objection=True,
                text="名单里有一户家里新买了车，请社区再核实一下。",
                at=_aware(today, 8),
            )
        )
    Comment.objects.bulk_create(rows)
    return len(rows)
