"""The deliberation services: a topic raised and supported, taken through 四议两公开 with meetings,
votes, a resolution, its execution and publication; the owners' double majority on a lift; and the
refusals of bad input, nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from linli.deliberation import selectors, services
from linli.deliberation.models import (
    Ballot,
    Body,
    CommunitySetting,
    Notice,
    NoticeKind,
    Participation,
    Procedure,
    RecordKind,
    ResolutionStatus,
    TopicScope,
    TopicStatus,
    TopicStep,
)
from linli.testing.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _codes(e: ValidationError) -> set[str]:
    if hasattr(e, "error_dict"):
        return {str(err.code) for errs in e.error_dict.values() for err in errs}
    return {str(e.code)}


def _meeting(topic, cw, body, members, people, quorum="two_thirds"):
    m = services.meeting_call(
        topic=topic,
        by=cw,
        body=body,
        agenda="议程：讨论议题",
        starts_at=timezone.now(),
        members=members,
        quorum=quorum,
        place="社区议事厅",
    )
    for p in people:
        services.attendance_record(meeting=m, by=cw, person=p)
    return m


def test_resident_topic_support_threshold(world, owners) -> None:
    CommunitySetting.objects.create(region=world.tree.community_a, support_threshold=2)
    topic = services.topic_raise(
        by=world.accounts.resident, title="小区增设电动车充电桩", description="楼下电动车乱停，想集中建充电棚"
    )
    assert topic.status == TopicStatus.COLLECTING and topic.threshold == 2
    assert topic.region == world.tree.community_a and topic.raiser == world.people.head
    with pytest.raises(ValidationError) as e:
        services.topic_support(topic=topic, by=world.accounts.resident)
    assert "topic.own" in _codes(e.value)
    services.topic_support(topic=topic, by=owners.accounts[0])
    with pytest.raises(ValidationError) as e:
        services.topic_support(topic=topic, by=owners.accounts[0])
    assert "topic.supported" in _codes(e.value)
    t = services.topic_support(topic=topic, by=owners.accounts[1])
    assert t.supports == 2 and t.threshold_reached_at is not None
    # a resident of another community may not support it
    other = UserFactory.create(
        username="b_res", role="resident", region=world.tree.community_b, person=world.people.in_b
    )
    with pytest.raises(PermissionDenied):
        services.topic_support(topic=topic, by=other)


def test_four_deliberations_two_publications_walk(world) -> None:
    cw = world.accounts.community_worker
    proc = Procedure.objects.get(code="siyi_ligongkai")
    topic = services.topic_raise(
        by=cw,
        title="村集体闲置厂房出租",
        description="三资管理：闲置厂房对外公开招租",
        region=world.tree.community_a,
        procedure=proc,
    )
    steps = list(proc.steps.order_by("order"))
    members = [PersonFactory.create(name=f"代表{i}", region=world.tree.grid_a1) for i in range(6)]
    # out of order: the third step before the first
    with pytest.raises(ValidationError) as e:
        services.step_record(topic=topic, step=steps[2], by=cw)
    assert "procedure.step_out_of_order" in _codes(e.value)
    # 1 党组织提议 (a meeting of the branch)
    m1 = _meeting(topic, cw, Body.PARTY_BRANCH, 3, members[:3])
    services.meeting_record_add(meeting=m1, by=cw, kind=RecordKind.MINUTES, text="支部提议出租厂房")
    services.meeting_sign(meeting=m1, by=cw)
    with pytest.raises(ValidationError) as e:  # signed: append-only
        services.attendance_record(meeting=m1, by=cw, person=members[4])
    assert "meeting.signed" in _codes(e.value)
    services.step_record(topic=topic, step=steps[0], by=cw, meeting=m1)
    for step, body in ((steps[1], Body.TWO_COMMITTEES), (steps[2], Body.PARTY_MEMBERS)):
        m = _meeting(topic, cw, body, 3, members[:3])
        services.meeting_record_add(meeting=m, by=cw, kind=RecordKind.MINUTES, text="同意提交")
        services.meeting_sign(meeting=m, by=cw)
        services.step_record(topic=topic, step=step, by=cw, meeting=m)
    # 4 代表会议决议: 6 members, only 3 present → no quorum (2/3 = 4)
    m4 = _meeting(topic, cw, Body.REPRESENTATIVES, 6, members[:3])
    vote = services.vote_open(
        topic=topic, by=cw, question="是否同意公开招租", rule="simple_present", meeting=m4
    )
    services.counts_record(vote=vote, by=cw, yes=3, no=0, abstain=0, collected=3)
    with pytest.raises(ValidationError) as e:
        services.vote_count(vote=vote, by=cw)
    assert "vote.no_quorum" in _codes(e.value)
    with pytest.raises(ValidationError) as e:
        services.resolution_make(meeting=m4, by=cw, text="出租", responsible=cw, due=dt.date.today())
    assert "resolution.no_quorum" in _codes(e.value)
    # a proxy beyond the limit (1): members[3] holds members[4]'s proxy, not also members[5]'s
    services.attendance_record(meeting=m4, by=cw, person=members[3])
    services.attendance_record(meeting=m4, by=cw, person=members[4], proxy=members[3])
    with pytest.raises(ValidationError) as e:
        services.attendance_record(meeting=m4, by=cw, person=members[5], proxy=members[3])
    assert "meeting.proxy_limit" in _codes(e.value)
    assert selectors.quorum_verdict(m4).ok  # 5 of 6
    # counts that do not add up
    with pytest.raises(ValidationError) as e:
        services.counts_record(vote=vote, by=cw, yes=1, no=0, abstain=0, collected=2)
    assert "vote.count_mismatch" in _codes(e.value)
    services.counts_record(vote=vote, by=cw, yes=1, no=1, abstain=0, collected=2)
    vote = services.vote_count(vote=vote, by=cw)
    assert vote.passed and vote.yes == 4 and Ballot.objects.filter(vote=vote).count() == 5
    with pytest.raises(ValidationError) as e:  # the resolution step needs the resolution first
        services.step_record(topic=topic, step=steps[3], by=cw, meeting=m4)
    res = services.resolution_make(
        meeting=m4,
        by=cw,
        text="同意公开招租，租期三年",
        responsible=cw,
        due=dt.date.today() + dt.timedelta(days=30),
        vote=vote,
    )
    services.meeting_record_add(meeting=m4, by=cw, kind=RecordKind.MINUTES, text="会议记录")
    services.meeting_sign(meeting=m4, by=cw)
    services.step_record(topic=topic, step=steps[3], by=cw, meeting=m4)
    # 5 决议公开: needs the notice first
    with pytest.raises(ValidationError) as e:
        services.step_record(topic=topic, step=steps[4], by=cw)
    assert "procedure.notice_required" in _codes(e.value)
    services.notice_publish(
        region=topic.region,
        by=cw,
        kind=NoticeKind.RESOLUTION,
        title="决议公开",
        body=res.text,
        resolution=res,
    )
    services.step_record(topic=topic, step=steps[4], by=cw)
    with pytest.raises(ValidationError):  # result before execution
        services.notice_publish(
            region=topic.region, by=cw, kind=NoticeKind.RESULT, title="结果", body="已出租", resolution=res
        )
    services.progress_report(resolution=res, by=cw, text="已发布招租公告", percent=40)
    with pytest.raises(ValidationError) as e:
        services.progress_report(resolution=res, by=cw, text="完成", percent=100)
    assert "resolution.evidence_required" in _codes(e.value)
    services.progress_report(
        resolution=res, by=cw, text="已签订租赁合同", percent=100, evidence="合同编号 2026-01"
    )
    res.refresh_from_db()
    assert res.status == ResolutionStatus.EXECUTED
    services.notice_publish(
        region=topic.region, by=cw, kind=NoticeKind.RESULT, title="实施结果", body="已出租", resolution=res
    )
    services.step_record(topic=topic, step=steps[5], by=cw)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.CLOSED
    assert [v.done is not None for v in selectors.topic_position(topic)] == [True] * 6
    assert TopicStep.objects.filter(topic=topic).count() == 6


def test_owners_vote_on_a_lift_double_majority(world, owners) -> None:
    cw = world.accounts.community_worker
    topic = services.topic_raise(
        by=cw,
        title="9号楼加装电梯",
        description="老旧小区9号楼加装电梯",
        region=world.tree.community_a,
        scope=TopicScope.OWNERS,
        building=owners.building,
        procedure=Procedure.objects.get(code="sifang_yishi"),
    )
    vote = services.vote_open(
        topic=topic, by=cw, question="是否同意加装电梯", rule="art278_special", phone=True
    )
    assert vote.members == 6 and vote.total_area == 600
    services.ballot_cast(vote=vote, by=owners.accounts[0], choice="yes")
    with pytest.raises(ValidationError) as e:
        services.ballot_cast(vote=vote, by=owners.accounts[0], choice="no")
    assert "vote.already_voted" in _codes(e.value)
    with pytest.raises(PermissionDenied):  # not an owner of this building
        services.ballot_cast(vote=vote, by=world.accounts.resident, choice="yes")
    services.ballot_cast(vote=vote, by=owners.accounts[1], choice="yes")
    services.ballot_cast(vote=vote, by=owners.accounts[2], choice="yes")
    # paper ballots: a duplicate in the batch refuses the whole batch
    with pytest.raises(ValidationError):
        services.ballots_record(
            vote=vote, by=cw, ballots=[(owners.owners[3], "yes"), (owners.owners[3], "no")]
        )
    assert Participation.objects.filter(vote=vote).count() == 3
    services.ballots_record(vote=vote, by=cw, ballots=[(owners.owners[3], "no")])
    # 4 of 6 owners (2/3), 420 of 600 ㎡ (70 % ≥ 2/3) took part; yes: 3 of 4 owners (3/4), 300 of 420 ㎡ (< 3/4)
    vote = services.vote_count(vote=vote, by=cw)
    assert vote.passed is False and "未达到" in vote.explanation
    assert (vote.yes, vote.no, vote.yes_area, vote.cast_area) == (3, 1, 300, 420)
    t = services.tally(vote)  # reproducible from the ballots alone
    assert (t["yes"], t["yes_area"]) == (3, 300)


def test_secret_ballot_is_unlinked(world) -> None:
    cw = world.accounts.community_worker
    topic = services.topic_raise(
        by=cw, title="选举议事会成员", description="无记名投票选出议事会成员", region=world.tree.community_a
    )
    vote = services.vote_open(
        topic=topic, by=cw, question="同意候选人", rule="simple_members", secret=True, phone=True
    )
    services.ballot_cast(vote=vote, by=world.accounts.resident, choice="yes")
    assert Participation.objects.filter(vote=vote, person=world.people.head).exists()
    assert list(Ballot.objects.filter(vote=vote).values_list("voter", flat=True)) == [None]


def test_notice_refuses_personal_data_and_comments_in_period(world) -> None:
    cw = world.accounts.community_worker
    with pytest.raises(ValidationError) as e:
        services.notice_publish(
            region=world.tree.community_a, by=cw, kind="finance", title="财务", body="联系人 13859001234"
        )
    assert "notice.personal_data" in _codes(e.value)
    assert not Notice.objects.exists()
    n = services.notice_publish(
        region=world.tree.community_a,
        by=cw,
        kind="finance",
        title="2026年第三季度财务收支",
        body="收入 1.2 万元",
        days=7,
    )
    c = services.comment_add(notice=n, by=world.accounts.resident, text="请说明支出明细", objection=True)
    assert c.objection
    from linli.deliberation import todo

    [waiting] = [i for i in todo.items(cw) if i.state == "待答复"]
    assert waiting.title == "答复居民异议：2026年第三季度财务收支" and waiting.url.endswith(
        f"#comment-{c.pk}"
    )
    assert not [i for i in todo.items(world.accounts.community_worker_b) if i.state == "待答复"]  # scoped
    assert not [i for i in todo.items(world.accounts.street_coordinator) if i.state == "待答复"]  # not theirs
    services.comment_reply(comment=c, by=cw, text="明细已张贴在公开栏")
    assert not [i for i in todo.items(cw) if i.state == "待答复"]  # answered: no longer waiting
    Notice.objects.filter(pk=n.pk).update(posted_on=dt.date.today() - dt.timedelta(days=10))
    n.refresh_from_db()
    with pytest.raises(ValidationError) as e:
        services.comment_add(notice=n, by=world.accounts.resident, text="再提意见")
    assert "notice.period_over" in _codes(e.value)
    with pytest.raises(PermissionDenied):  # another community's worker
        services.notice_publish(
            region=world.tree.community_a,
            by=world.accounts.community_worker_b,
            kind="affairs",
            title="x",
            body="y",
        )


def test_votes_past_their_deadline_are_counted_by_the_periodic_job_once(world, owners) -> None:
    from linli.core import schedule
    from linli.deliberation.models import Vote, VoteStatus

    cw = world.accounts.community_worker
    now = timezone.now()
    topic = services.topic_raise(
        by=cw,
        title="9号楼外墙维修",
        description="外墙渗水维修",
        region=world.tree.community_a,
        scope=TopicScope.OWNERS,
        building=owners.building,
        procedure=Procedure.objects.get(code="sifang_yishi"),
    )
    due = services.vote_open(
        topic=topic,
        by=cw,
        question="是否同意动用维修资金",
        rule="art278_ordinary",
        phone=True,
        closes_at=now + dt.timedelta(hours=1),
    )
    by_hand = services.vote_open(topic=topic, by=cw, question="是否更换施工单位", rule="art278_ordinary")
    for account in owners.accounts:
        services.ballot_cast(vote=due, by=account, choice="yes")
    services.ballots_record(vote=due, by=cw, ballots=[(owners.owners[3], "yes")])
    # a meeting vote that cannot be counted: 2 of 6 members present (quorum is two thirds)
    members = [PersonFactory.create(name=f"委员{i}", region=world.tree.grid_a1) for i in range(2)]
    m = _meeting(topic, cw, Body.COUNCIL, 6, members)
    no_quorum = services.vote_open(
        topic=topic,
        by=cw,
        question="会上表决",
        rule="simple_present",
        meeting=m,
        closes_at=now + dt.timedelta(hours=1),
    )
    assert services.votes_close_due(now=now).as_dict() == {"counted": 0, "passed": 0, "refused": 0}
    later = now + dt.timedelta(hours=2)
    first = services.votes_close_due(now=later)
    assert (first.counted, first.passed, len(first.refused)) == (1, 1, 1)
    assert "法定人数" in first.refused[0]
    due.refresh_from_db()
    # 4 of 6 owners, 420 of 600 ㎡ took part, all yes: double majority
    assert due.status == VoteStatus.CLOSED and due.passed is True and due.counted_at is not None
    assert (due.yes, due.yes_area) == (4, 420)
    counted_at = due.counted_at
    # a second run (or a second worker) changes nothing; the vote without deadline and the refused one stay open
    again = services.votes_close_due(now=later)
    assert again.counted == 0 and len(again.refused) == 1
    due.refresh_from_db()
    assert due.counted_at == counted_at
    assert set(Vote.objects.filter(status=VoteStatus.OPEN).values_list("pk", flat=True)) == {
        by_hand.pk,
        no_quorum.pk,
    }
    job = schedule.get("votes_close_due")
    assert job.cadence == "每 5 分钟"
