"""Writes of the deliberation module: each a keyword-only ``<thing>_<verb>`` inside one transaction,
called the same way from the pages and the API. Rules that must hold under concurrency are database
constraints (one support, one participation, one ballot per voter, one record per step) or a row lock
taken in a fixed order (topic, then meeting, then vote)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from linli.core.errors import Conflict, Forbidden, invalid
from linli.core.roles import REGISTRY_WRITERS, Role, effective_role
from linli.core.scope import region_in_scope, subtree_q
from linli.core.services import audit_record
from linli.deliberation import selectors
from linli.deliberation.engine import procedure as pr
from linli.deliberation.engine import rules
from linli.deliberation.engine.redact import personal_data_in
from linli.deliberation.models import (
    Attendance,
    Ballot,
    Body,
    Channel,
    Comment,
    CommunitySetting,
    Counter,
    Entitlement,
    Hall,
    Meeting,
    MeetingRecord,
    Notice,
    NoticeKind,
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
from linli.regions.models import Level, Region
from linli.registry.models import Building, Person, PersonStatus

log = logging.getLogger("linli.deliberation")

ADULT_YEARS = 18


def _require_staff(user: Any, region: Region) -> None:
    """Community workers (and above) of the region write deliberation records; out of scope reads as absent."""
    if effective_role(user) not in REGISTRY_WRITERS or effective_role(user) == Role.GRID_WORKER:
        raise Forbidden("只有社区（村）工作人员可以办理议事事项", code="topic.staff_only")
    if not region_in_scope(user, region):
        raise Forbidden("不在本账号的数据范围内", code="not_found")


def _resident(by: Any) -> Person:
    person = selectors.resident_person(by)
    if person is None:
        raise Forbidden("请使用已与居民信息关联的居民账号", code="topic.resident_only")
    if person.status != PersonStatus.ACTIVE:
        raise Forbidden("您的居民信息不是在册状态，请联系社区核实", code="topic.resident_only")
    return person


def _number(region: Region, year: int) -> str:
    Counter.objects.get_or_create(region=region, year=year)
    Counter.objects.filter(region=region, year=year).update(last=F("last") + 1)
    last = Counter.objects.get(region=region, year=year).last
    return f"YS{region.code}{year}{last:04d}"


def _in_scope_of_topic(person: Person, topic: Topic) -> bool:
    """Whether the person lives where the topic is decided (community; or the estate/building)."""
    if selectors.community_of(person) != topic.region.code:
        return False
    if topic.scope == TopicScope.COMMUNITY or topic.building_id is None:
        return True
    b = person.household.building if person.household_id and person.household else None
    return b is not None and (b.pk == topic.building_id or b.parent_id == topic.building_id)


def _check_scope(*, region: Region, scope: str, building: Building | None) -> None:
    if scope not in TopicScope.values:
        raise invalid("scope", "请选择议题范围", "topic.scope_invalid")
    if scope != TopicScope.COMMUNITY:
        if building is None:
            raise invalid("building", "请选择议题涉及的小区或楼栋", "topic.building_required")
        if not building.region.code.startswith(region.code):
            raise invalid("building", "该小区/楼栋不在本社区（村）", "topic.building_required")


@transaction.atomic
def topic_raise(
    *,
    by: Any,
    title: str,
    description: str,
    scope: str = TopicScope.COMMUNITY,
    building: Building | None = None,
    region: Region | None = None,
    procedure: Procedure | None = None,
) -> Topic:
    """提出议题: a resident raises one in his own community (it then collects supporters); a community
    worker raises one for a community in his scope (taken up at once, with its procedure)."""
    title, description = title.strip(), description.strip()
    if not title:
        raise invalid("title", "请填写议题", "topic.title_required")
    if len(description) < 5:
        raise invalid("description", "请把议题的内容说清楚（至少 5 个字）", "topic.description_required")
    now = timezone.now()
    if effective_role(by) == Role.RESIDENT:
        person = _resident(by)
        region = Region.objects.get(code=selectors.community_of(person))
        _check_scope(region=region, scope=scope, building=building)
        threshold, _limit = selectors.settings_for(region)
        topic = Topic.objects.create(
            number=_number(region, now.year),
            title=title,
            description=description,
            region=region,
            scope=scope,
            building=building,
            source=TopicSource.RESIDENT,
            raised_by=by,
            raiser=person,
            threshold=threshold,
        )
        return topic
    if region is None or region.level != Level.COMMUNITY:
        raise invalid("region", "请选择社区（村）", "topic.region_required")
    _require_staff(by, region)
    _check_scope(region=region, scope=scope, building=building)
    threshold, _limit = selectors.settings_for(region)
    return Topic.objects.create(
        number=_number(region, now.year),
        title=title,
        description=description,
        region=region,
        scope=scope,
        building=building,
        source=TopicSource.COMMUNITY,
        raised_by=by,
        procedure=procedure,
        status=TopicStatus.IN_PROCEDURE if procedure else TopicStatus.ACCEPTED,
        threshold=threshold,
        accepted_at=now,
    )


@transaction.atomic
def topic_from_case(
    *,
    by: Any,
    case: Any,
    title: str,
    scope: str = TopicScope.COMMUNITY,
    building: Building | None = None,
    procedure: Procedure | None = None,
) -> Topic:
    """从诉求发起议题: a request that needs a collective decision (加装电梯, 停车, 三资) becomes a topic of
    its community; the topic keeps the link back to the request. ``case`` comes from the requests
    module's ``visible_cases`` (the caller's scope)."""
    region = case.region
    if region.level != Level.COMMUNITY:
        region = Region.objects.filter(code=region.code[: selectors.COMMUNITY_CODE]).first() or region
    if Topic.objects.filter(case=case).exists():
        raise Conflict("case", f"诉求 {case.number} 已发起过议题", code="topic.case_taken")
    topic = topic_raise(
        by=by,
        title=title,
        description=case.public_description or case.description,
        scope=scope,
        building=building,
        region=region,
        procedure=procedure,
    )
    topic.source = TopicSource.REQUEST
    topic.case = case
    topic.save(update_fields=["source", "case"])
    return topic


@transaction.atomic
def topic_support(*, topic: Topic, by: Any) -> Topic:
    """附议: a resident of the topic's community (and building, for a building's topic) supports it once;
    when the supports reach the community's threshold the topic waits for the community to take it up."""
    person = _resident(by)
    if topic.status != TopicStatus.COLLECTING:
        raise invalid("topic", "该议题已不在征集附议阶段", "topic.not_collecting")
    if topic.raiser_id == person.pk:
        raise invalid("topic", "提出人本人无需附议", "topic.own")
    if not _in_scope_of_topic(person, topic):
        raise Forbidden("只有议题涉及范围内的居民可以附议", code="topic.not_entitled")
    try:
        with transaction.atomic():
            Support.objects.create(topic=topic, person=person)
    except IntegrityError:
        raise Conflict("topic", "您已经附议过这个议题", code="topic.supported") from None
    Topic.objects.filter(pk=topic.pk).update(supports=F("supports") + 1)
    Topic.objects.filter(pk=topic.pk, threshold_reached_at__isnull=True, supports__gte=F("threshold")).update(
        threshold_reached_at=timezone.now()
    )
    topic.refresh_from_db()
    return topic


@transaction.atomic
def topic_accept(*, topic: Topic, by: Any, procedure: Procedure) -> Topic:
    """受理议题: the community takes a topic up and chooses its procedure."""
    _require_staff(by, topic.region)
    n = Topic.objects.filter(pk=topic.pk, status__in=[TopicStatus.COLLECTING, TopicStatus.ACCEPTED]).update(
        status=TopicStatus.IN_PROCEDURE, procedure=procedure, accepted_at=timezone.now()
    )
    if n == 0:
        raise invalid("topic", "该议题已在议事程序中", "topic.already_accepted")
    topic.refresh_from_db()
    audit_record(
        actor=by,
        action="update",
        subject=topic,
        subject_label=topic.number,
        detail={"procedure": procedure.code},
    )
    return topic


def _lock_topic(topic: Topic) -> Topic:
    return (
        Topic.objects.select_for_update(of=("self",)).select_related("region", "procedure").get(pk=topic.pk)
    )


def _resolution_passed(topic: Topic, meeting: Meeting | None) -> None:
    if meeting is None:
        raise invalid("meeting", "请选择形成决议的会议", "procedure.meeting_required")
    if meeting.topic_id != topic.pk or meeting.signed_at is None:
        raise invalid("meeting", "该会议记录尚未由记录人签署", "procedure.meeting_unsigned")
    if not Resolution.objects.filter(meeting=meeting).exists():
        raise invalid("meeting", "该会议没有形成决议，不能记录决议步骤", "procedure.no_resolution")


@transaction.atomic
def step_record(
    *, topic: Topic, step: ProcedureStep, by: Any, note: str = "", meeting: Meeting | None = None
) -> TopicStep:
    """记录议事步骤: only the next step of the topic's procedure (the engine's rule); a step held as a
    meeting names its signed meeting; a resolution step needs the meeting's resolution; a publishing
    step needs the notice on the board."""
    topic = _lock_topic(topic)
    _require_staff(by, topic.region)
    meeting = Meeting.objects.get(pk=meeting.pk) if meeting is not None else None
    if topic.procedure_id is None or step.procedure_id != topic.procedure_id:
        raise invalid("step", "该步骤不属于本议题的议事程序", "procedure.step_out_of_order")
    steps = list(ProcedureStep.objects.filter(procedure_id=topic.procedure_id))
    done = list(TopicStep.objects.filter(topic=topic).values_list("step__order", flat=True))
    try:
        pr.check_next([pr.StepDef(s.order, s.name, s.required) for s in steps], done, step.order)
    except pr.StepOutOfOrder as e:
        raise invalid("step", str(e), "procedure.step_out_of_order") from None
    if step.kind == "resolve":
        _resolution_passed(topic, meeting)
    elif step.body:
        if meeting is None or meeting.topic_id != topic.pk:
            raise invalid(
                "meeting", f"“{step.name}”须召开会议，请选择本议题的会议", "procedure.meeting_required"
            )
        if meeting.signed_at is None:
            raise invalid("meeting", "该会议记录尚未由记录人签署", "procedure.meeting_unsigned")
    if step.kind in ("publish", "publish_result"):
        kind = NoticeKind.RESOLUTION if step.kind == "publish" else NoticeKind.RESULT
        if not Notice.objects.filter(resolution__topic=topic, kind=kind).exists():
            raise invalid("step", f"请先在公开栏发布{kind.label}", "procedure.notice_required")
    try:
        with transaction.atomic():
            row = TopicStep.objects.create(
                topic=topic, step=step, by=by, note=note.strip()[:300], meeting=meeting
            )
    except IntegrityError:
        raise Conflict("step", f"“{step.name}”已记录", code="procedure.step_out_of_order") from None
    last = max(s.order for s in steps)
    if step.order == last:
        Topic.objects.filter(pk=topic.pk).update(status=TopicStatus.CLOSED)
    return row


@transaction.atomic
def meeting_call(
    *,
    topic: Topic,
    by: Any,
    body: str,
    agenda: str,
    starts_at: dt.datetime,
    members: int,
    quorum: str = "two_thirds",
    facility: Any = None,
    place: str = "",
) -> Meeting:
    """召集会议: agenda, time, place (a facility of the community) and the body that meets."""
    _require_staff(by, topic.region)
    if body not in Body.values:
        raise invalid("body", "请选择会议机构", "meeting.body_invalid")
    if not agenda.strip():
        raise invalid("agenda", "请填写会议议程", "meeting.agenda_required")
    if members < 1:
        raise invalid("members", "应到人数至少为 1", "meeting.members_invalid")
    if quorum not in rules.QUORUMS:
        raise invalid("quorum", "请选择法定人数规则", "meeting.members_invalid")
    if facility is not None and not facility.region.code.startswith(topic.region.code[:9]):
        raise invalid("facility", "会议地点须为本社区（街道）的设施", "meeting.facility_invalid")
    if facility is None and not place.strip():
        raise invalid("place", "请选择或填写会议地点", "meeting.facility_invalid")
    return Meeting.objects.create(
        topic=topic,
        body=body,
        agenda=agenda.strip(),
        starts_at=starts_at,
        members=members,
        quorum=quorum,
        facility=facility,
        place=place.strip(),
        called_by=by,
    )


def _open_meeting(meeting: Meeting) -> Meeting:
    m = Meeting.objects.select_for_update(of=("self",)).select_related("topic__region").get(pk=meeting.pk)
    if m.signed_at is not None:
        raise invalid("meeting", "会议记录已签署，不能再修改（如需更正请追加更正记录）", "meeting.signed")
    return m


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, by: Any, person: Person, proxy: Person | None = None
) -> Attendance:
    """签到: a member present, or represented by a proxy holder present at the meeting; no holder may take
    more proxies than the community's limit (checked under the meeting's row lock)."""
    meeting = _open_meeting(meeting)
    _require_staff(by, meeting.topic.region)
    if Attendance.objects.filter(meeting=meeting).count() >= meeting.members:
        raise invalid("person", f"实到人数已达应到人数 {meeting.members}", "meeting.over_members")
    if proxy is not None:
        if proxy.pk == person.pk:
            raise invalid("proxy", "不能委托本人", "meeting.proxy_limit")
        _threshold, limit = selectors.settings_for(meeting.topic.region)
        if not Attendance.objects.filter(meeting=meeting, person=proxy, proxy__isnull=True).exists():
            raise invalid("proxy", "受托人须本人到会签到", "meeting.proxy_absent")
        held = Attendance.objects.filter(meeting=meeting, proxy=proxy).count()
        v = rules.proxy_allowed(held=held, limit=limit)
        if not v.ok:
            raise invalid("proxy", v.reason, "meeting.proxy_limit")
    try:
        with transaction.atomic():
            return Attendance.objects.create(meeting=meeting, person=person, proxy=proxy)
    except IntegrityError:
        raise Conflict("person", f"{person.name}已签到", code="meeting.attended") from None


@transaction.atomic
def meeting_record_add(
    *, meeting: Meeting, by: Any, kind: str, text: str, corrects: MeetingRecord | None = None
) -> MeetingRecord:
    """追加会议记录或决议文本 (append-only); after sign-off only a correction pointing at a record."""
    m = Meeting.objects.select_for_update(of=("self",)).select_related("topic__region").get(pk=meeting.pk)
    _require_staff(by, m.topic.region)
    if not text.strip():
        raise invalid("text", "请填写内容", "meeting.text_required")
    if m.signed_at is not None and kind != RecordKind.CORRECTION:
        raise invalid("kind", "会议记录已签署，只能追加更正记录", "meeting.signed")
    if kind == RecordKind.CORRECTION and (corrects is None or corrects.meeting_id != m.pk):
        raise invalid("corrects", "请选择要更正的记录", "meeting.text_required")
    return MeetingRecord.objects.create(meeting=m, kind=kind, text=text.strip(), corrects=corrects, by=by)


@transaction.atomic
def meeting_sign(*, meeting: Meeting, by: Any) -> Meeting:
    """记录人签署: once; afterwards the attendance, minutes and resolution text are fixed."""
    m = _open_meeting(meeting)
    _require_staff(by, m.topic.region)
    if not MeetingRecord.objects.filter(meeting=m, kind=RecordKind.MINUTES).exists():
        raise invalid("meeting", "请先填写会议记录再签署", "meeting.text_required")
    Meeting.objects.filter(pk=m.pk, signed_at__isnull=True).update(signed_by=by, signed_at=timezone.now())
    m.refresh_from_db()
    return m


# --- votes ------------------------------------------------------------------------------------------


def _roll_for(topic: Topic, meeting: Meeting | None, rule: str) -> list[tuple[int, Decimal]]:
    if rule in (VoteRule.ART278_ORDINARY, VoteRule.ART278_SPECIAL):
        if topic.building is None:
            raise invalid("rule", "业主共同决定须针对一个小区或楼栋", "vote.roll_empty")
        return selectors.owner_roll(topic.building)
    if meeting is not None:
        people = Attendance.objects.filter(meeting=meeting).values_list("person_id", flat=True)
        return [(p, Decimal(0)) for p in people]
    today = timezone.localdate()
    adult = (
        today.replace(year=today.year - ADULT_YEARS)
        if not (today.month == 2 and today.day == 29)
        else (today - dt.timedelta(days=365 * ADULT_YEARS + 5))
    )
    qs = Person.objects.filter(
        subtree_q(topic.region.code, "region__code"), status=PersonStatus.ACTIVE, birth_date__lte=adult
    )
    if topic.building_id:
        qs = qs.filter(
            Q(household__building_id=topic.building_id) | Q(household__building__parent_id=topic.building_id)
        )
    return [(p, Decimal(0)) for p in qs.values_list("pk", flat=True)]


@transaction.atomic
def vote_open(
    *,
    topic: Topic,
    by: Any,
    question: str,
    rule: str,
    meeting: Meeting | None = None,
    secret: bool = False,
    phone: bool = False,
    closes_at: dt.datetime | None = None,
) -> Vote:
    """发起表决: fixes the roll of entitled voters (owners with their summed area for 民法典 art. 278;
    the members present for a meeting vote; the adult residents of the scope otherwise)."""
    _require_staff(by, topic.region)
    if rule not in VoteRule.values:
        raise invalid("rule", "请选择表决规则", "vote.rule_invalid")
    if not question.strip():
        raise invalid("question", "请填写表决事项", "vote.question_required")
    if meeting is not None and meeting.topic_id != topic.pk:
        raise invalid("meeting", "会议不属于本议题", "vote.rule_invalid")
    roll = _roll_for(topic, meeting, rule)
    if not roll:
        raise invalid("rule", "没有有表决权的人（业主名册或签到为空）", "vote.roll_empty")
    members = (
        meeting.members
        if meeting is not None and rule not in ("art278_ordinary", "art278_special")
        else len(roll)
    )
    vote = Vote.objects.create(
        topic=topic,
        meeting=meeting,
        question=question.strip(),
        rule=rule,
        secret=secret,
        phone=phone,
        closes_at=closes_at,
        members=members,
        total_area=sum((a for _p, a in roll), Decimal(0)),
    )
    Entitlement.objects.bulk_create(
        [Entitlement(vote=vote, person_id=p, area=a) for p, a in roll], batch_size=2000
    )
    return vote


def _cast(vote: Vote, person: Person, choice: str, channel: str) -> None:
    ent = Entitlement.objects.filter(vote=vote, person=person).first()
    if ent is None:
        raise Forbidden(f"{person.name}不在本次表决的有表决权名单中", code="vote.not_entitled")
    if choice not in rules.CHOICES:
        raise invalid("choice", "请选择同意、反对或弃权", "vote.choice_invalid")
    try:
        with transaction.atomic():
            Participation.objects.create(vote=vote, person=person, channel=channel)
            Ballot.objects.create(
                vote=vote,
                voter=None if vote.secret else person,
                choice=choice,
                area=ent.area,
                channel=channel,
            )
    except IntegrityError:
        raise Conflict(
            "choice", f"{person.name}已经投过票，每人只能投一次", code="vote.already_voted"
        ) from None


def _open_vote(vote: Vote) -> Vote:
    v = Vote.objects.select_for_update(of=("self",)).select_related("topic__region").get(pk=vote.pk)
    if v.status != VoteStatus.OPEN:
        raise invalid("vote", "表决已结束", "vote.closed")
    return v


@transaction.atomic
def ballot_cast(*, vote: Vote, by: Any, choice: str) -> None:
    """手机投票: the resident account's own person, verified against the vote's roll; once."""
    person = _resident(by)
    v = Vote.objects.select_related("topic").get(pk=vote.pk)
    if v.status != VoteStatus.OPEN or not v.phone:
        raise invalid("vote", "该表决不接受手机投票或已结束", "vote.closed")
    if v.closes_at and v.closes_at < timezone.now():
        raise invalid("vote", "投票已截止", "vote.closed")
    _cast(v, person, choice, Channel.PHONE)


@transaction.atomic
def ballots_record(
    *, vote: Vote, by: Any, ballots: list[tuple[Person, str]], channel: str = Channel.PAPER
) -> int:
    """录入纸质表决票 (or votes cast at the meeting by name): each voter once, all or nothing."""
    v = _open_vote(vote)
    _require_staff(by, v.topic.region)
    seen: set[int] = set()
    for person, choice in ballots:
        if person.pk in seen:
            raise Conflict("ballots", f"{person.name}的表决票重复", code="vote.already_voted")
        seen.add(person.pk)
        _cast(v, person, choice, channel)
    return len(ballots)


@transaction.atomic
def counts_record(
    *, vote: Vote, by: Any, yes: int, no: int, abstain: int, invalid_: int = 0, collected: int
) -> None:
    """录入会上举手或无记名投票的票数: the counts must add up to the ballots collected, and no more
    ballots than members present; stored as unlinked ballots so the tally is reproducible."""
    v = _open_vote(vote)
    _require_staff(by, v.topic.region)
    if v.owners_vote:
        raise invalid("vote", "业主表决须逐户录入表决票（计算专有面积）", "vote.count_mismatch")
    ok = rules.counts_add_up(yes=yes, no=no, abstain=abstain, invalid=invalid_, collected=collected)
    if not ok.ok:
        raise invalid("collected", ok.reason, "vote.count_mismatch")
    used = (
        Participation.objects.filter(vote=v).count()
        + Ballot.objects.filter(vote=v, channel=Channel.MEETING).count()
    )
    entitled = selectors.present_count(v.meeting) if v.meeting else Entitlement.objects.filter(vote=v).count()
    room = entitled - used
    if collected > room:
        raise invalid(
            "collected",
            f"收回票数 {collected} 多于可投票人数 {max(room, 0)}，票数不符",
            "vote.count_mismatch",
        )
    rows = [("yes", yes), ("no", no), ("abstain", abstain), ("invalid", invalid_)]
    Ballot.objects.bulk_create(
        [Ballot(vote=v, voter=None, choice=c, channel=Channel.MEETING) for c, n in rows for _ in range(n)]
    )


def tally(vote: Vote) -> dict[str, Any]:
    """The count from the ballots alone (one GROUP BY): headcount and area per choice."""
    out: dict[str, Any] = {c: 0 for c in rules.CHOICES} | {f"{c}_area": Decimal(0) for c in rules.CHOICES}
    for row in (
        Ballot.objects.filter(vote=vote).values("choice").annotate(n=Count("id"), a=Sum("area")).order_by()
    ):
        out[row["choice"]] = row["n"]
        out[f"{row['choice']}_area"] = Decimal(row["a"] or 0).quantize(Decimal("0.01"))
    return out


@transaction.atomic
def vote_count(*, vote: Vote, by: Any) -> Vote:
    """计票: close the vote and decide it by its rule, from the ballots; the explanation says why."""
    v = _open_vote(vote)
    _require_staff(by, v.topic.region)
    return _count(v)


@dataclass
class DueVotes:
    """What one run of :func:`votes_close_due` did: votes counted (of which passed) and votes it could not
    count (no quorum at the meeting, ballots not matching the participants), left open for a person."""

    counted: int = 0
    passed: int = 0
    refused: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"counted": self.counted, "passed": self.passed, "refused": len(self.refused)}


def votes_close_due(*, now: dt.datetime | None = None) -> DueVotes:
    """到期自动计票 (periodic): count every open vote whose deadline passed, each in its own transaction
    under the vote's row lock, so that a second run (or a person counting at the same time) finds it closed
    and does nothing. A vote that cannot be counted stays open and is reported (the 待办 still shows it)."""
    now = now or timezone.now()
    done = DueVotes()
    due = Vote.objects.filter(status=VoteStatus.OPEN, closes_at__lte=now).order_by("closes_at", "pk")
    for pk in list(due.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                v = Vote.objects.select_for_update(of=("self",)).select_related("topic__region").get(pk=pk)
                if v.status != VoteStatus.OPEN:
                    continue  # counted meanwhile
                v = _count(v)
        except ValidationError as exc:
            done.refused.append(f"{pk}: {'；'.join(exc.messages)}")
            log.warning("到期表决未能自动计票", extra={"vote": pk, "reason": "；".join(exc.messages)})
            continue
        done.counted += 1
        done.passed += bool(v.passed)
    return done


def _count(v: Vote) -> Vote:
    """Decide the locked open vote ``v`` from its ballots and close it (one conditional UPDATE)."""
    t = tally(v)
    cast = sum(t[c] for c in rules.CHOICES)
    if v.owners_vote:
        owners = rules.OwnerTally(
            total_owners=v.members,
            total_area=v.total_area,
            owners=cast,
            area=sum((t[f"{c}_area"] for c in rules.CHOICES), Decimal(0)),
            yes_owners=t["yes"],
            yes_area=t["yes_area"],
        )
        verdict = rules.double_majority(owners, v.rule)
        passed, explanation = verdict.passed, "\n".join(verdict.reasons)
    else:
        present = selectors.present_count(v.meeting) if v.meeting else cast
        if v.meeting is not None:
            q = selectors.quorum_verdict(v.meeting)
            if not q.ok:
                raise invalid("vote", f"会议未达到法定人数，不能表决：{q.reason}", "vote.no_quorum")
        d = rules.MAJORITIES[v.rule].decide(
            rules.Counts(t["yes"], t["no"], t["abstain"], t["invalid"]), present=present, members=v.members
        )
        if "票数不符" in d.reason:
            raise invalid("vote", d.reason, "vote.count_mismatch")
        passed, explanation = d.ok, d.reason
    if Participation.objects.filter(vote=v).count() > cast:
        raise invalid("vote", "参与表决人数与选票数不符", "vote.count_mismatch")
    Vote.objects.filter(pk=v.pk, status=VoteStatus.OPEN).update(
        status=VoteStatus.CLOSED,
        yes=t["yes"],
        no=t["no"],
        abstain=t["abstain"],
        invalid=t["invalid"],
        yes_area=t["yes_area"],
        cast_area=sum((t[f"{c}_area"] for c in rules.CHOICES), Decimal(0)),
        passed=passed,
        explanation=explanation,
        counted_at=timezone.now(),
    )
    v.refresh_from_db()
    return v


# --- resolutions ----------------------------------------------------------------------------------


@transaction.atomic
def resolution_make(
    *, meeting: Meeting, by: Any, text: str, responsible: Any, due: dt.date, vote: Vote | None = None
) -> Resolution:
    """形成决议: only by a meeting that has its quorum and, where a vote was held, whose vote passed;
    names who carries it out and by when. The resolution text is appended to the meeting's record."""
    m = _open_meeting(meeting)
    _require_staff(by, m.topic.region)
    q = selectors.quorum_verdict(m)
    if not q.ok:
        raise invalid("meeting", f"会议未达到法定人数，不能形成决议：{q.reason}", "resolution.no_quorum")
    if vote is not None:
        if vote.topic_id != m.topic_id or vote.status != VoteStatus.CLOSED:
            raise invalid("vote", "请先完成本议题的表决计票", "resolution.vote_failed")
        if not vote.passed:
            raise invalid("vote", "表决未通过，不能形成决议", "resolution.vote_failed")
    if not text.strip():
        raise invalid("text", "请填写决议内容", "resolution.text_required")
    if responsible is None:
        raise invalid("responsible", "请指定决议的执行责任人", "resolution.responsible_required")
    if due < timezone.localdate():
        raise invalid("due", "完成时限不能早于今天", "resolution.due_past")
    MeetingRecord.objects.create(meeting=m, kind=RecordKind.RESOLUTION, text=text.strip(), by=by)
    r = Resolution.objects.create(
        topic=m.topic, meeting=m, vote=vote, text=text.strip(), responsible=responsible, due=due
    )
    Topic.objects.filter(pk=m.topic_id).exclude(status=TopicStatus.CLOSED).update(status=TopicStatus.RESOLVED)
    return r


@transaction.atomic
def progress_report(
    *, resolution: Resolution, by: Any, text: str, percent: int, evidence: str = ""
) -> Progress:
    """报告执行进展 with its evidence; 100 % marks the resolution executed (once)."""
    r = (
        Resolution.objects.select_for_update(of=("self",))
        .select_related("topic__region")
        .get(pk=resolution.pk)
    )
    if by.pk != r.responsible_id:
        _require_staff(by, r.topic.region)
    if not text.strip():
        raise invalid("text", "请填写进展情况", "resolution.text_required")
    if not 0 <= percent <= 100:
        raise invalid("percent", "进度须在 0 到 100 之间", "resolution.percent_invalid")
    if percent < r.percent:
        raise invalid("percent", f"进度不能低于已报告的 {r.percent}%", "resolution.percent_invalid")
    if percent == 100 and not evidence.strip():
        raise invalid(
            "evidence", "执行完成须附佐证材料（如验收记录、照片说明）", "resolution.evidence_required"
        )
    p = Progress.objects.create(
        resolution=r, text=text.strip(), evidence=evidence.strip(), percent=percent, by=by
    )
    fields: dict[str, Any] = {"percent": percent}
    if percent == 100:
        fields |= {"status": ResolutionStatus.EXECUTED, "executed_at": timezone.now()}
    Resolution.objects.filter(pk=r.pk).update(**fields)
    return p


# --- the notice board -------------------------------------------------------------------------------


@transaction.atomic
def notice_publish(
    *,
    region: Region,
    by: Any,
    kind: str,
    title: str,
    body: str,
    posted_on: dt.date | None = None,
    days: int = 7,
    resolution: Resolution | None = None,
) -> Notice:
    """公开: post on the community's board for ``days`` days. The text is the community's own words;
    it must not carry phones or ID numbers (refused), and names of persons come masked from the pages."""
    _require_staff(by, region)
    if region.level != Level.COMMUNITY:
        raise invalid("region", "公开栏以社区（村）为单位", "notice.region_invalid")
    if kind not in NoticeKind.values:
        raise invalid("kind", "请选择公开类别", "notice.kind_invalid")
    if not title.strip() or not body.strip():
        raise invalid("body", "请填写标题和内容", "notice.text_required")
    if not 1 <= days <= 365:
        raise invalid("days", "公示期须在 1 到 365 天之间", "notice.days_invalid")
    found = personal_data_in(title + "\n" + body)
    if found:
        raise invalid("body", f"公开内容不能含有{found}，请删去后再发布", "notice.personal_data")
    if resolution is not None:
        resolution = Resolution.objects.select_related("topic").get(pk=resolution.pk)
    if resolution is not None and resolution.topic.region_id != region.pk:
        raise invalid("resolution", "决议不属于本社区（村）", "notice.region_invalid")
    if (
        kind == NoticeKind.RESULT
        and resolution is not None
        and resolution.status != ResolutionStatus.EXECUTED
    ):
        raise invalid("kind", "决议尚未执行完成，不能发布实施结果", "notice.not_executed")
    return Notice.objects.create(
        region=region,
        kind=kind,
        title=title.strip(),
        body=body.strip(),
        posted_on=posted_on or timezone.localdate(),
        days=days,
        resolution=resolution,
        by=by,
    )


@transaction.atomic
def comment_add(*, notice: Notice, by: Any, text: str, objection: bool = False) -> Comment:
    """居民意见/异议: a resident of the community, while the notice is posted."""
    person = _resident(by)
    if selectors.community_of(person) != notice.region.code:
        raise Forbidden("只有本社区（村）的居民可以提出意见", code="notice.not_resident")
    today = timezone.localdate()
    if not notice.posted_on <= today <= notice.until:
        raise invalid("text", "公示期已过，不能再提出意见", "notice.period_over")
    if len(text.strip()) < 2:
        raise invalid("text", "请填写意见内容", "notice.text_required")
    return Comment.objects.create(notice=notice, person=person, text=text.strip(), objection=objection)


@transaction.atomic
def comment_reply(*, comment: Comment, by: Any, text: str) -> Comment:
    """答复居民意见: a worker of the community (or above) answers a comment or objection once; the answer is
    shown under it on the public board, so it must carry no phone or ID number. One conditional UPDATE:
    of two workers answering at once, the second is told it was answered."""
    c = Comment.objects.select_related("notice__region").get(pk=comment.pk)
    _require_staff(by, c.notice.region)
    text = text.strip()
    if len(text) < 2:
        raise invalid("text", "请填写答复内容", "notice.text_required")
    found = personal_data_in(text)
    if found:
        raise invalid("text", f"答复会在公开栏展示，不能含有{found}", "notice.personal_data")
    n = Comment.objects.filter(pk=c.pk, replied_at__isnull=True).update(
        reply=text, replied_by=by, replied_at=timezone.now()
    )
    if n == 0:
        raise Conflict("text", "该意见已经答复过", code="notice.already_replied")
    c.refresh_from_db()
    audit_record(
        actor=by, action="update", subject=c.notice, subject_label=c.notice.title, detail={"reply_to": c.pk}
    )
    return c


@transaction.atomic
def setting_save(*, region: Region, by: Any, support_threshold: int, proxy_limit: int) -> None:
    """议事规则设置 of a community: the supporters a resident's topic needs, the proxies one may hold."""
    _require_staff(by, region)
    if support_threshold < 1:
        raise invalid("support_threshold", "附议人数门槛至少为 1", "topic.region_required")
    CommunitySetting.objects.update_or_create(
        region=region, defaults={"support_threshold": support_threshold, "proxy_limit": proxy_limit}
    )
    Topic.objects.filter(region=region, status=TopicStatus.COLLECTING).update(threshold=support_threshold)


@transaction.atomic
def hall_designate(*, region: Region, by: Any, name: str, facility: Any = None) -> Hall:
    """设立民主议事厅 of a community (in one of its facilities)."""
    _require_staff(by, region)
    hall, _ = Hall.objects.update_or_create(
        region=region, defaults={"name": name.strip() or "民主议事厅", "facility": facility}
    )
    return hall
