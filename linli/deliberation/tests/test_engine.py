"""The rules in plain Python: quorum, majorities, the 民法典 art. 278 double majority at and around each
threshold (area and headcount disagreeing), proxies, counts that add up, and the 四议两公开 order."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from linli.deliberation.engine import procedure as pr
from linli.deliberation.engine import rules as r


def test_thresholds_exact_at_the_boundary() -> None:
    assert r.TWO_THIRDS.met(2, 3) and not r.TWO_THIRDS.met(D("1.999"), 3)
    assert not r.HALF.met(5, 10) and r.HALF.met(6, 10)  # 过半数 is strictly more than half
    assert r.THREE_QUARTERS.met(3, 4) and not r.THREE_QUARTERS.met(D("74.99"), 100)
    assert not r.HALF.met(0, 0)


def test_quorum_two_thirds() -> None:
    q = r.QUORUMS["two_thirds"]
    assert q.check(members=30, present=20).ok
    assert not q.check(members=30, present=19).ok
    assert "未达到" in q.check(members=30, present=19).reason
    assert not q.check(members=30, present=31).ok  # more present than members: the register is wrong


def test_majorities_of_present_and_of_members() -> None:
    c = r.Counts(yes=11, no=8, abstain=1)
    assert r.MAJORITIES["simple_present"].decide(c, present=20, members=30).ok  # 11 > 10
    assert not r.MAJORITIES["simple_members"].decide(c, present=20, members=30).ok  # 11 ≤ 15
    assert not r.MAJORITIES["two_thirds_present"].decide(c, present=20, members=30).ok
    assert (
        r.MAJORITIES["two_thirds_present"].decide(r.Counts(yes=14), present=21, members=30).ok
    )  # 14/21 = 2/3
    assert not r.MAJORITIES["simple_present"].decide(r.Counts(yes=10, no=10), present=20, members=30).ok
    over = r.MAJORITIES["simple_present"].decide(r.Counts(yes=15, no=10), present=20, members=30)
    assert not over.ok and "票数不符" in over.reason


def _tally(total_owners, total_area, ballots):
    return r.owner_tally(total_owners, D(total_area), [r.OwnerBallot(c, D(a)) for c, a in ballots])


def test_double_majority_participation_exactly_two_thirds_passes() -> None:
    # 9 owners, 900 ㎡; 6 owners with 600 ㎡ take part (exactly 2/3 of each): participation reached.
    t = _tally(9, 900, [("yes", 100)] * 5 + [("no", 100)])
    v = r.double_majority(t, r.SPECIAL)
    assert v.participation_ok and v.approval_by_area and v.approval_by_owners and v.passed  # 5/6 ≥ 3/4


def test_double_majority_participation_by_owners_but_not_by_area_fails() -> None:
    # 6 of 9 owners take part (2/3) but hold only 599 of 900 ㎡ (< 2/3): no valid decision.
    t = _tally(9, 900, [("yes", 100)] * 5 + [("yes", 99)])
    v = r.double_majority(t, r.ORDINARY)
    assert not v.participation_ok and not v.passed


def test_double_majority_participation_by_area_but_not_by_owners_fails() -> None:
    # 5 of 9 owners (< 2/3) holding 700 of 900 ㎡ (> 2/3).
    t = _tally(9, 900, [("yes", 140)] * 5)
    v = r.double_majority(t, r.ORDINARY)
    assert not v.participation_ok and not v.passed


def test_special_matter_area_and_headcount_disagree() -> None:
    # Lift: 8 owners take part with 800 ㎡. 6 agree (3/4 of owners) holding 590 ㎡ (< 3/4 of 800 = 600).
    ballots = [("yes", 100)] * 5 + [("yes", 90)] + [("no", 105)] * 2
    v = r.double_majority(_tally(10, 1000, ballots), r.SPECIAL)
    assert v.participation_ok and v.approval_by_owners and not v.approval_by_area and not v.passed
    # The same area at exactly 600 ㎡ passes (3/4 以上 includes 3/4).
    ballots = [("yes", 100)] * 6 + [("no", 100)] * 2
    v = r.double_majority(_tally(10, 1000, ballots), r.SPECIAL)
    assert v.passed
    # Area reached but only 5 of 8 owners agree (< 3/4): fails by headcount.
    ballots = [("yes", 130)] * 5 + [("no", 50)] * 3
    v = r.double_majority(_tally(10, 1000, ballots), r.SPECIAL)
    assert v.approval_by_area and not v.approval_by_owners and not v.passed


def test_ordinary_matter_needs_more_than_half_of_participants() -> None:
    # 8 take part with 800 ㎡: 4 owners (exactly half) with 500 ㎡: not more than half by headcount.
    ballots = [("yes", 125)] * 4 + [("no", 75)] * 4
    v = r.double_majority(_tally(10, 1000, ballots), r.ORDINARY)
    assert v.approval_by_area and not v.approval_by_owners and not v.passed
    ballots = [("yes", 80)] * 5 + [("no", 130), ("no", 135), ("no", 135)]  # 5 of 8 owners, 400 of 800 ㎡
    v = r.double_majority(_tally(10, 1000, ballots), r.ORDINARY)
    assert v.approval_by_owners and not v.approval_by_area and not v.passed
    # abstentions count as participation but not approval
    ballots = [("yes", 100)] * 4 + [("abstain", 100)] * 3 + [("no", 100)]
    v = r.double_majority(_tally(10, 1000, ballots), r.ORDINARY)
    assert v.participation_ok and not v.passed


def test_double_majority_refuses_more_than_the_roll() -> None:
    v = r.double_majority(_tally(3, 300, [("yes", 100)] * 4), r.ORDINARY)
    assert not v.passed and "票数不符" in v.reasons[0]


def test_proxies_and_counts() -> None:
    assert r.proxy_allowed(held=0, limit=1).ok
    assert not r.proxy_allowed(held=1, limit=1).ok
    assert r.counts_add_up(yes=10, no=2, abstain=1, invalid=0, collected=13).ok
    bad = r.counts_add_up(yes=10, no=2, abstain=1, invalid=0, collected=14)
    assert not bad.ok and "不符" in bad.reason


def test_four_deliberations_two_publications_order() -> None:
    steps = pr.step_defs("siyi_ligongkai")
    assert [s.name for s in steps][:2] == ["党组织提议", "两委会议商议"]
    pr.check_next(steps, [], 1)
    with pytest.raises(pr.StepOutOfOrder, match="请先完成“党组织提议”"):
        pr.check_next(steps, [], 2)
    with pytest.raises(pr.StepOutOfOrder, match="请先完成“党员大会审议”"):
        pr.check_next(steps, [1, 2], 4)
    with pytest.raises(pr.StepOutOfOrder, match="不能重复"):
        pr.check_next(steps, [1, 2], 2)
    for done in range(1, 7):
        pr.check_next(steps, range(1, done), done)
    assert pr.position(steps, [1, 2]) == (2, steps[2])
    assert pr.position(steps, range(1, 7))[1] is None


def test_optional_step_is_passed_over_but_not_recorded_late() -> None:
    steps = [pr.StepDef(1, "收集"), pr.StepDef(2, "论证", required=False), pr.StepDef(3, "决议")]
    pr.check_next(steps, [1], 3)
    with pytest.raises(pr.StepOutOfOrder, match="不能再补记"):
        pr.check_next(steps, [1, 3], 2)
