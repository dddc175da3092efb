import datetime as dt

import pytest

from linli.cases.engine import classifier, timing
from linli.cases.engine import workflow as wf
from linli.cases.engine.geo import bbox, haversine_m, mask_name

CN = dt.timezone(dt.timedelta(hours=8))


def test_transition_table_walks_the_closed_loop() -> None:
    s = wf.RECEIVED
    for action in ["accept", "dispatch", "start", "reply"]:
        s = wf.next_state(s, action)
    assert s == wf.REPLIED
    assert wf.next_state(s, "rate", rating=wf.SATISFIED) == wf.CLOSED
    assert wf.next_state(s, "rate", rating=wf.UNSATISFIED) == wf.REVIEW
    assert wf.next_state(wf.REVIEW, "reopen", reopens=0) == wf.IN_PROGRESS
    assert wf.next_state(wf.DISPATCHED, "return") == wf.RETURNED
    assert wf.next_state(wf.RETURNED, "dispatch") == wf.DISPATCHED
    assert wf.next_state(wf.IN_PROGRESS, "request_extension") == wf.IN_PROGRESS


def test_illegal_transitions_say_why_in_chinese() -> None:
    with pytest.raises(wf.TransitionError, match="已办结.*不能派单"):
        wf.next_state(wf.CLOSED, "dispatch")
    with pytest.raises(wf.TransitionError, match="不能再次重办"):
        wf.next_state(wf.REVIEW, "reopen", reopens=1)
    with pytest.raises(wf.TransitionError, match="评价应为"):
        wf.next_state(wf.REPLIED, "rate", rating="great")


def test_allowed_actions_depend_on_the_part_played() -> None:
    handler = {a.name for a in wf.allowed_actions(wf.DISPATCHED, {wf.HANDLER})}
    assert handler == {"return", "start"}
    dispatcher = {a.name for a in wf.allowed_actions(wf.DISPATCHED, {wf.DISPATCHER})}
    assert {"reassign", "summon", "escalate", "merge", "remind"} <= dispatcher
    assert "start" not in dispatcher
    assert [a.name for a in wf.allowed_actions(wf.REPLIED, {wf.REPORTER})] == ["rate"]


def test_working_days_skip_weekends_and_holidays_and_count_makeup_days() -> None:
    holidays = {dt.date(2026, 10, d) for d in range(1, 8)}
    workdays = {dt.date(2026, 9, 27), dt.date(2026, 10, 10)}  # 10-10 is a Saturday worked
    start = dt.datetime(2026, 9, 30, 10, 0, tzinfo=CN)  # Wednesday before National Day
    due = timing.add_working_days(start, 3, holidays, workdays)
    # 10-01..07 holiday, 10-08 Thu (1), 10-09 Fri (2), 10-10 Sat worked (3)
    assert due.date() == dt.date(2026, 10, 10)
    assert (due.hour, due.minute) == (23, 59)
    assert timing.deadline(start, hours=2) == start + dt.timedelta(hours=2)
    assert timing.deadline(start, days=7).date() == dt.date(2026, 10, 7)
    assert not timing.is_workday(dt.date(2026, 10, 3), holidays, workdays)


def test_haversine_and_box() -> None:
    d = haversine_m(24.96, 118.67, 24.961, 118.67)
    assert 110 < d < 112
    lo_lat, hi_lat, lo_lon, hi_lon = bbox(24.96, 118.67, 150)
    assert lo_lat < 24.96 < hi_lat and lo_lon < 118.67 < hi_lon
    assert haversine_m(24.96, 118.67, hi_lat, 118.67) == pytest.approx(150, rel=0.01)
    assert mask_name("林建国") == "林**"


def test_naive_bayes_learns_and_reports_confidence() -> None:
    samples = [
        (["垃圾", "异味"], "sanitation"),
        (["垃圾", "清运"], "sanitation"),
        (["电梯", "停运"], "property"),
        (["电梯", "物业"], "property"),
    ]
    model = classifier.train(samples)
    ranked = classifier.predict(model, ["垃圾"])
    assert ranked[0][0] == "sanitation" and ranked[0][1] > 0.6
    assert sum(p for _, p in classifier.predict(model, ["电梯"], top=10)) == pytest.approx(1.0)
    assert classifier.predict({}, ["x"]) == []
    assert classifier.clean(["的", "，", "123", "电梯"]) == ["电梯"]
