"""The rules that must hold under concurrency, raced with threads on PostgreSQL: one ballot per voter,
one support per resident, no proxy holder beyond the limit, distinct topic numbers."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.utils import timezone

from linli.deliberation import services
from linli.deliberation.models import Attendance, Ballot, Participation, Procedure, Topic
from linli.testing.factories import PersonFactory
from linli.testing.races import on_postgresql, race

pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True)]


def test_one_ballot_per_voter_and_one_support(world, owners) -> None:
    cw = world.accounts.community_worker
    topic = services.topic_raise(
        by=cw,
        title="9号楼加装电梯",
        description="9号楼加装电梯，业主表决",
        region=world.tree.community_a,
        scope="owners",
        building=owners.building,
        procedure=Procedure.objects.get(code="sifang_yishi"),
    )
    vote = services.vote_open(topic=topic, by=cw, question="是否同意", rule="art278_special", phone=True)
    voter = owners.accounts[0]
    outcomes = race([partial(services.ballot_cast, vote=vote, by=voter, choice=c) for c in ["yes", "no"] * 3])
    assert sorted(outcomes) == ["ok"] + ["vote.already_voted"] * 5
    assert Ballot.objects.filter(vote=vote).count() == 1 == Participation.objects.filter(vote=vote).count()

    raised = services.topic_raise(
        by=world.accounts.resident, title="增设座椅", description="公交站增设爱心座椅"
    )
    outcomes = race([partial(services.topic_support, topic=raised, by=voter) for _ in range(5)])
    assert sorted(outcomes) == ["ok"] + ["topic.supported"] * 4
    raised.refresh_from_db()
    assert raised.supports == 1


def test_proxy_limit_and_numbers_hold(world) -> None:
    cw = world.accounts.community_worker
    topic = services.topic_raise(
        by=cw, title="厂房招租", description="闲置厂房公开招租", region=world.tree.community_a
    )
    holder = PersonFactory.create(name="受托人", region=world.tree.grid_a1)
    givers = [PersonFactory.create(name=f"委托人{i}", region=world.tree.grid_a1) for i in range(4)]
    m = services.meeting_call(
        topic=topic,
        by=cw,
        body="representatives",
        agenda="议程",
        starts_at=timezone.now(),
        members=10,
        place="议事厅",
    )
    services.attendance_record(meeting=m, by=cw, person=holder)
    outcomes = race(
        [partial(services.attendance_record, meeting=m, by=cw, person=p, proxy=holder) for p in givers]
    )
    assert outcomes.count("ok") == 1 and all("最多接受 1 人委托" in o for o in outcomes if o != "ok")
    assert Attendance.objects.filter(meeting=m, proxy=holder).count() == 1

    attempts: list[Callable[[], Any]] = [
        partial(
            services.topic_raise,
            by=cw,
            title=f"议题{i}",
            description="并发提出的议题",
            region=world.tree.community_a,
        )
        for i in range(5)
    ]
    assert race(attempts) == ["ok"] * 5
    numbers = list(Topic.objects.filter(title__startswith="议题").values_list("number", flat=True))
    assert len(set(numbers)) == 5
