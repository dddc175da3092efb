"""The API and the pages as their users meet them: a second support and a second ballot answer 409
with their codes, out of scope reads as absent, the public board and feed carry no personal data, the
to-do items, and the annual report's two indicators computed from the resolutions and the halls."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from linli.core import home
from linli.deliberation import services, todo
from linli.deliberation.indicators import halls, resolutions
from linli.deliberation.models import CommunitySetting, Hall, NoticeKind, Procedure, RecordKind
from linli.indicators.models import Indicator, Target

pytestmark = pytest.mark.django_db


def _council_with_head(topic, cw, world):
    """A one-member council meeting on ``topic`` that the household head attends (quorum reached)."""
    m = services.meeting_call(
        topic=topic,
        by=cw,
        body="council",
        agenda="议程",
        starts_at=dt.datetime.now(dt.UTC),
        members=1,
        place="议事厅",
    )
    services.attendance_record(meeting=m, by=cw, person=world.people.head)
    return m


def test_api_support_and_ballot_conflicts(world, owners, client_for) -> None:
    CommunitySetting.objects.create(region=world.tree.community_a, support_threshold=1)
    r = client_for(world.accounts.resident).post(
        "/api/deliberation/topics",
        {"title": "增设快递柜", "description": "小区没有快递柜，取件不便"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    c = client_for(owners.accounts[0])
    assert c.post(f"/api/deliberation/topics/{number}/supports").status_code == 200
    again = c.post(f"/api/deliberation/topics/{number}/supports")
    assert again.status_code == 409 and again.json()["code"] == "topic.supported"
    # another community's worker: the topic reads as absent
    assert (
        client_for(world.accounts.community_worker_b).get(f"/api/deliberation/topics/{number}").status_code
        == 404
    )
    cw = world.accounts.community_worker
    detail = client_for(cw).get(f"/api/deliberation/topics/{number}").json()
    assert detail["supports"] == 1 and detail["steps"] == []

    topic = services.topic_raise(
        by=cw,
        title="9号楼加装电梯",
        description="9号楼加装电梯，业主表决",
        region=world.tree.community_a,
        scope="owners",
        building=owners.building,
        procedure=Procedure.objects.get(code="sifang_yishi"),
    )
    vote = services.vote_open(
        topic=topic, by=cw, question="是否同意加装电梯", rule="art278_special", phone=True
    )
    voter = client_for(owners.accounts[1])
    assert (
        voter.post(
            f"/api/deliberation/votes/{vote.pk}/ballots", {"choice": "yes"}, content_type="application/json"
        ).status_code
        == 201
    )
    second = voter.post(
        f"/api/deliberation/votes/{vote.pk}/ballots", {"choice": "no"}, content_type="application/json"
    )
    assert second.status_code == 409 and second.json()["code"] == "vote.already_voted"
    bad = voter.post(
        f"/api/deliberation/votes/{vote.pk}/ballots", {"choice": "maybe"}, content_type="application/json"
    )
    assert bad.status_code == 422
    counted = client_for(cw).post(f"/api/deliberation/votes/{vote.pk}/count").json()
    assert (
        counted["passed"] is False and counted["yes"] == 1 and "参与表决业主 1 人" in counted["explanation"]
    )


def test_public_board_and_feed_without_login_carry_no_personal_data(world, client) -> None:
    cw = world.accounts.community_worker
    topic = services.topic_raise(
        by=cw, title="路灯增设", description="背街小巷增设路灯", region=world.tree.community_a
    )
    m = _council_with_head(topic, cw, world)
    res = services.resolution_make(meeting=m, by=cw, text="同意增设路灯", responsible=cw, due=dt.date.today())
    services.meeting_record_add(meeting=m, by=cw, kind=RecordKind.MINUTES, text="林建国到会")
    services.notice_publish(
        region=world.tree.community_a,
        by=cw,
        kind=NoticeKind.RESOLUTION,
        title="决议公开：路灯增设",
        body=res.text,
        resolution=res,
    )
    page = client.get(f"/deliberation/public/{world.tree.community_a.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "决议公开：路灯增设" in text and "林建国" not in text and "13859001234" not in text
    feed = client.get(f"/deliberation/public/{world.tree.community_a.code}/feed/")
    assert (
        feed["Content-Type"].startswith("application/atom+xml")
        and "决议公开：路灯增设" in feed.content.decode()
    )
    assert client.get(f"/deliberation/public/{world.tree.community_a.code}/print/").status_code == 200
    assert client.get("/deliberation/public/999999999999/").status_code == 404
    # the staff pages need a login
    assert client.get("/deliberation/").status_code == 302


def test_todo_overdue_resolution_and_topic_waiting(world) -> None:
    cw = world.accounts.community_worker
    CommunitySetting.objects.create(region=world.tree.community_a, support_threshold=1)
    topic = services.topic_raise(
        by=cw, title="广场照明", description="广场夜间照明改造", region=world.tree.community_a
    )
    m = _council_with_head(topic, cw, world)
    res = services.resolution_make(meeting=m, by=cw, text="同意改造", responsible=cw, due=dt.date.today())
    type(res).objects.filter(pk=res.pk).update(due=dt.date.today() - dt.timedelta(days=3))
    raised = services.topic_raise(by=world.accounts.resident, title="增设座椅", description="公交站增设座椅")
    services.topic_support(topic=raised, by=_neighbour(world))
    items = todo.items(cw)
    overdue = [i for i in items if i.title == "落实决议：广场照明"]
    assert overdue and overdue[0].urgency == home.OVERDUE and "已超期" in overdue[0].urgency_words()
    assert any(i.title == "增设座椅" and i.state == "待受理议题" for i in items)
    assert not todo.items(world.accounts.community_worker_b)
    # the community takes its topics up; the street above does not get them as its own work
    assert not [i for i in todo.items(world.accounts.street_coordinator) if i.state == "待受理议题"]


def _neighbour(world):
    from linli.core.roles import Role
    from linli.testing.factories import PersonFactory, UserFactory

    p = PersonFactory.create(name="邻居", region=world.tree.grid_a2)
    return UserFactory.create(
        username="neighbour_t", role=Role.RESIDENT, region=world.tree.community_a, person=p
    )


def test_execution_rate_and_hall_coverage_elements(world) -> None:
    cw = world.accounts.community_worker
    a, b = world.tree.community_a, world.tree.community_b
    Hall.objects.create(region=a, name="万福社区民主议事厅")
    for i, done in enumerate((True, True, False)):
        topic = services.topic_raise(by=cw, title=f"议题{i}", description="需要共同商议的事项", region=a)
        m = services.meeting_call(
            topic=topic,
            by=cw,
            body="council",
            agenda="议程",
            starts_at=dt.datetime.now(dt.UTC),
            members=1,
            place="议事厅",
        )
        services.attendance_record(meeting=m, by=cw, person=world.people.head)
        r = services.resolution_make(meeting=m, by=cw, text="决议", responsible=cw, due=dt.date.today())
        if done:
            services.progress_report(resolution=r, by=cw, text="完成", percent=100, evidence="验收记录")
    district = world.tree.district.code
    got = resolutions(12, district)
    assert (
        got[a.code]["deliberation_resolutions"] == 3 and got[a.code]["deliberation_resolutions_executed"] == 2
    )
    assert b.code not in got
    assert halls(12, district)[a.code]["communities_with_deliberation_hall"] == 1
    # the indicators and the 洛江 plan's targets the annual report reads
    rate = Indicator.objects.get(code="deliberation_execution_rate")
    assert (rate.numerator, rate.denominator) == (
        "deliberation_resolutions_executed",
        "deliberation_resolutions",
    )
    assert Target.objects.filter(
        plan__code="luojiang-2021-2025", indicator__code="deliberation_hall_coverage"
    ).exists()
    cache.clear()


def test_signed_minutes_are_corrected_by_a_new_record_shown_in_the_history(world, client_for) -> None:
    cw = world.accounts.community_worker
    topic = services.topic_raise(
        by=cw, title="车棚改造", description="车棚加装充电桩", region=world.tree.community_a
    )
    m = _council_with_head(topic, cw, world)
    wrong = services.meeting_record_add(meeting=m, by=cw, kind=RecordKind.MINUTES, text="同意加装 8 个充电桩")
    services.meeting_sign(meeting=m, by=cw)
    client = client_for(cw)
    page = client.get(f"/deliberation/meetings/{m.pk}/").content.decode()
    assert "追加更正" in page and "记录人签署</button>" not in page
    # an empty correction is refused, nothing written
    r = client.post(f"/deliberation/meetings/{m.pk}/correct/", {"corrects": wrong.pk, "text": " "})
    assert r.status_code == 302 and m.records.count() == 1
    r = client.post(
        f"/deliberation/meetings/{m.pk}/correct/",
        {"corrects": wrong.pk, "text": "应为 6 个充电桩，笔误"},
        follow=True,
    )
    assert "已追加更正（更正第1条记录）" in r.content.decode()
    fix = m.records.get(kind=RecordKind.CORRECTION)
    assert fix.corrects_id == wrong.pk and fix.by == cw
    wrong.refresh_from_db()
    assert wrong.text == "同意加装 8 个充电桩"  # the original stays as it was
    page = client.get(f"/deliberation/meetings/{m.pk}/").content.decode()
    assert "同意加装 8 个充电桩" in page and "应为 6 个充电桩，笔误" in page
    assert "更正第1条" in page and 'href="#record-2">第2条</a>' in page
    # a plain record can no longer be appended, and another meeting's record cannot be "corrected" here
    r = client.post(f"/deliberation/meetings/{m.pk}/record/", {"kind": "minutes", "text": "补充"})
    assert m.records.count() == 2
    # out of scope: the other community's worker sees nothing and can write nothing
    other = client_for(world.accounts.community_worker_b)
    assert other.get(f"/deliberation/meetings/{m.pk}/").status_code == 404
    r = other.post(f"/deliberation/meetings/{m.pk}/correct/", {"corrects": wrong.pk, "text": "改"})
    assert r.status_code == 404 and m.records.count() == 2


def test_staff_answer_a_comment_once_and_the_board_shows_it_under_the_masked_name(
    world, client_for, client
) -> None:
    from linli.deliberation.models import Comment, Notice

    cw = world.accounts.community_worker
    notice = services.notice_publish(
        region=world.tree.community_a,
        by=cw,
        kind=NoticeKind.AFFAIRS,
        title="垃圾分类亭选址",
        body="拟设于3号楼旁",
        days=7,
    )
    head = world.people.head
    c = Comment.objects.create(notice=notice, person=head, text="离窗户太近，有异味", objection=True)
    leak = Comment.objects.create(notice=notice, person=head, text="请打电话 13812345678 联系我")
    staff = client_for(cw)
    url = f"/deliberation/board/comments/{c.pk}/reply/"
    # an answer carrying a phone number is refused (it is public), nothing written
    r = staff.post(url, {"text": "请联系 13900001111"}, follow=True)
    assert "不能含有电话号码" in r.content.decode()
    c.refresh_from_db()
    assert c.replied_at is None and c.reply == ""
    r = staff.post(url, {"text": "已调整到5号楼东侧空地，距住宅20米"}, follow=True)
    assert "已答复" in r.content.decode()
    c.refresh_from_db()
    assert c.replied_by == cw and c.reply == "已调整到5号楼东侧空地，距住宅20米"
    staff.post(url, {"text": "再答复一次"})  # answered once: a second answer is refused
    c.refresh_from_db()
    assert c.reply == "已调整到5号楼东侧空地，距住宅20米"
    # another community's worker: as if absent
    assert client_for(world.accounts.community_worker_b).post(url, {"text": "越权答复"}).status_code == 404
    # the public board (no login): surname only, the answer under the comment, the leaking comment withheld
    page = client.get(f"/deliberation/public/{world.tree.community_a.code}/").content.decode()
    masked = head.name[0] + "*" * max(len(head.name) - 1, 1)
    assert masked in page and head.name not in page
    assert "离窗户太近，有异味" in page and "社区答复" in page and "已调整到5号楼东侧空地" in page
    assert "13812345678" not in page and "意见含个人信息" in page
    assert Notice.objects.filter(pk=notice.pk).exists() and leak.pk
