"""The pure engines: weekly hours → slots, and matching (scores, explanations, optimal assignment)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from linli.services.engine import matching, schedule


def test_slots_from_opening_hours_with_exception() -> None:
    weekly = {"1": [["08:30", "11:30"]], "3": [["14:00", "16:00"]]}
    monday = dt.date(2026, 11, 23)
    got = list(schedule.slots(weekly, [{"date": "2026-11-25", "closed": True}], monday, 7, 60))
    assert [(s.strftime("%a %H:%M"), e.strftime("%H:%M")) for s, e in got] == [
        ("Mon 08:30", "09:30"),
        ("Mon 09:30", "10:30"),
        ("Mon 10:30", "11:30"),
    ]
    assert schedule.weekly_minutes(weekly) == 300
    assert schedule.describe(weekly) == "周一 08:30–11:30；周三 14:00–16:00"
    week = {str(d): [["08:30", "11:30"]] for d in range(1, 6)} | {"6": [["09:00", "11:00"]]}
    assert schedule.describe(week) == "周一至周五 08:30–11:30；周六 09:00–11:00"


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({}, "0 小时"),
        ({"1": []}, "0 小时"),
        ({"1": [["11:00", "10:00"]]}, "结束早于开始"),
        ({"1": [["08:00", "10:00"], ["09:00", "11:00"]]}, "重叠"),
        ({"8": [["08:00", "10:00"]]}, "1–7"),
        ({"1": [["8点", "10:00"]]}, "HH:MM"),
    ],
)
def test_bad_schedules_are_refused(weekly: dict, message: str) -> None:
    with pytest.raises(schedule.ScheduleError, match=message):
        list(schedule.slots(weekly, [], dt.date(2026, 11, 23), 7, 60))


def _random(n: int, m: int, seed: int) -> tuple[matching.Needs, matching.Providers]:
    rng = np.random.default_rng(seed)
    cats = rng.integers(0, 6, n)
    needs = matching.Needs(
        ids=list(range(n)),
        category=cats,
        parent=cats // 2,
        tags=rng.integers(0, 4, n).astype(np.int64),
        age=rng.integers(5, 95, n),
        region=["350504001001001"] * n,
        lat=25 + rng.random(n) * 0.05,
        lon=118.6 + rng.random(n) * 0.05,
        days=rng.integers(0, 128, n),
        periods=rng.integers(0, 8, n),
        urgency=rng.choice([1.0, 1.2, 1.5], n),
    )
    pc = rng.integers(0, 6, m)
    providers = matching.Providers(
        ids=[f"s{j}" for j in range(m)],
        category=pc,
        parent=pc // 2,
        tags=np.where(rng.random(m) < 0.3, rng.integers(1, 4, m), 0).astype(np.int64),
        min_age=np.full(m, -1),
        max_age=np.where(rng.random(m) < 0.2, 12, -1),
        region=["350504001"] * m,
        lat=25 + rng.random(m) * 0.05,
        lon=118.6 + rng.random(m) * 0.05,
        days=rng.integers(0, 128, m),
        periods=rng.integers(0, 8, m),
        capacity=rng.integers(1, 4, m),
    )
    return needs, providers


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_optimal_assignment_equals_exact_solvers_and_beats_greedy(seed: int) -> None:
    needs, providers = _random(80, 15, seed)
    scores = matching.score_block(needs, providers)
    best = matching.assign_optimal(scores, needs.urgency, providers.capacity)
    lsa = matching.assign_lsa(scores, needs.urgency, providers.capacity)
    milp = matching.assign_milp(scores, needs.urgency, providers.capacity)
    greedy = matching.assign_greedy(scores, needs.urgency, providers.capacity)
    for a in (best, lsa, milp, greedy):
        matching.check_assignment(a.pairs, scores, providers.capacity)
    assert best.total == pytest.approx(lsa.total) == pytest.approx(milp.total)
    assert best.total >= greedy.total - 1e-9
    # the LP path (large components) gives the same optimum as the dense Hungarian path
    rows, cols, w = matching.candidate_pairs(np.where(scores >= 0, scores * needs.urgency[:, None], -1))
    lp = matching.assign_pairs(rows, cols, w, len(needs), providers.capacity, dense_limit=0)
    assert matching.total_of(lp, np.where(scores >= 0, scores * needs.urgency[:, None], -1)) == pytest.approx(
        best.total
    )


def test_greedy_is_not_optimal_on_a_crafted_case() -> None:
    # need 0 could use A (90) or B (80); need 1 only A (85). Greedy gives A to need 0 and leaves need 1 out.
    scores = np.array([[90, 80], [85, -1]], dtype=np.float32)
    urgency, cap = np.ones(2), np.array([1, 1])
    assert matching.assign_greedy(scores, urgency, cap).total == 90
    best = matching.assign_optimal(scores, urgency, cap)
    assert best.total == 165 and sorted(best.pairs) == [(0, 1), (1, 0)]


def test_infeasible_pairs_and_explanation_add_up() -> None:
    needs, providers = _random(30, 10, 7)
    scores = matching.score_block(needs, providers)
    for i in range(30):
        for j in range(10):
            same = (
                needs.category[i] == providers.category[j]
                or needs.parent[i] == providers.parent[j]
                or needs.parent[i] == providers.category[j]
                or needs.category[i] == providers.parent[j]
            )
            if not same:
                assert scores[i, j] == -1
            if scores[i, j] >= 0:
                parts = matching.explain(needs, providers, i, j)
                assert [p[0] for p in parts] == ["类别", "资格", "距离", "时间", "容量"]
                assert sum(p[1] for p in parts) == pytest.approx(float(scores[i, j]), abs=0.1)
    ranked = matching.rank(needs, providers, 0, k=3)
    assert [s for _, s in ranked] == sorted([s for _, s in ranked], reverse=True)


def test_targeted_provider_excludes_people_outside_its_groups() -> None:
    needs, providers = _random(1, 1, 1)
    needs.category[:] = providers.category[:] = 1
    providers.tags[:] = 0b10
    needs.tags[:] = 0b01
    assert matching.score_block(needs, providers)[0, 0] == -1
    needs.tags[:] = 0b11
    assert matching.score_block(needs, providers)[0, 0] >= 50
