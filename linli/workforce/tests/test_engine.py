"""The plain rules: track cleaning and measuring, coarsening, 准入, grades, training rotation."""

from __future__ import annotations

import datetime as dt

from linli.workforce.engine import rules, track

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[118.0, 25.0], [118.01, 25.0], [118.01, 25.01], [118.0, 25.01], [118.0, 25.0]]],
}


def test_distance_of_a_degree_of_latitude() -> None:
    assert abs(track.distance_m(25.0, 118.0, 26.0, 118.0) - 111_195) < 50


def test_an_impossible_jump_is_flagged_and_does_not_move_the_last_trusted_point() -> None:
    pts = [
        track.Point(0, 25.0, 118.0),
        track.Point(30, 25.0003, 118.0),  # 33 m in 30 s: a walk
        track.Point(60, 25.05, 118.0),  # 5.5 km in 30 s: a jump
        track.Point(90, 25.0006, 118.0),  # back near the walk: trusted again
    ]
    assert track.flag_jumps(pts) == [False, False, True, False]


def test_summary_counts_time_and_distance_inside_the_grid_and_buildings_passed() -> None:
    pts = [track.Point(i * 30, 25.001 + i * 0.0003, 118.005) for i in range(10)]  # ~300 m north inside
    pts.append(track.Point(300, 25.02, 118.005))  # outside the grid (and far): flagged as a jump
    flags = track.flag_jumps(pts)
    blds = [(1, 25.0025, 118.0051), (2, 25.009, 118.009)]
    s = track.summarise(pts, flags, SQUARE, blds, radius_m=30)
    assert s.flagged == 1
    assert s.seconds_in_grid == 270
    assert abs(s.distance_in_grid_m - 9 * 33.36) < 2
    assert s.buildings == frozenset({1})


def test_time_outside_the_grid_does_not_count() -> None:
    pts = [track.Point(0, 25.005, 117.99), track.Point(60, 25.005, 117.9905)]  # west of the grid
    s = track.summarise(pts, [False, False], SQUARE)
    assert s.seconds_in_grid == 0 and s.distance_m > 0


def test_coarsening_keeps_one_rounded_point_per_five_minutes() -> None:
    pts = [track.Point(i * 30, 25.00123 + i * 1e-5, 118.00456) for i in range(40)]  # 20 minutes
    out = track.coarsen(pts)
    assert [p.t for p in out] == [0, 300, 600, 900]
    assert all(round(p.lat, 3) == p.lat for p in out)


def test_admission_refuses_the_negative_list_with_the_reason() -> None:
    forbidden = [rules.Forbidden("招商引资、协税护税任务", ("招商引资",), "政府职能部门", "负面清单")]
    d = rules.admit("协助完成年度招商引资任务", None, "", [], forbidden)
    assert d.outcome == rules.REFUSED and "政府职能部门" in d.reason


def test_admission_of_assisting_statutory_and_unlisted_tasks() -> None:
    duties = [
        rules.Duty(1, "协助燃气安全入户排查", ("燃气",), True, "每户5元"),
        rules.Duty(2, "政策宣传", ("宣传",), False, ""),
    ]
    assert rules.admit("燃气入户排查", None, "", duties, []).outcome == rules.REFUSED  # no funding
    assert rules.admit("燃气入户排查", None, "每户5元", duties, []).outcome == rules.ASSISTING
    assert rules.admit("反诈宣传", None, "", duties, []).outcome == rules.ACCEPTED
    assert rules.admit("电动车充电情况采集", None, "", duties, []).outcome == rules.TO_STREET


def test_grades_are_three_posts_and_eighteen_levels() -> None:
    rules.check_grade("deputy", 18)
    for post, grade in (("deputy", 0), ("deputy", 19), ("boss", 3)):
        try:
            rules.check_grade(post, grade)
        except rules.RuleError:
            continue
        raise AssertionError((post, grade))


def test_training_rotation() -> None:
    today = dt.date(2026, 12, 1)
    assert rules.training_due(None, 1, today) == "overdue"
    assert rules.training_due(dt.date(2025, 11, 1), 1, today) == "overdue"
    assert rules.training_due(dt.date(2025, 12, 20), 1, today) == "due"
    assert rules.training_due(dt.date(2025, 11, 1), 2, today) == "ok"


def test_patrols_that_count_for_the_rule() -> None:
    day = rules.counts([45, 12, 30], 2)
    assert day.done == 2 and day.met and day.missed == 0
    assert rules.counts([45], 2).missed == 1


def test_the_set_based_summary_agrees_with_the_per_patrol_engine() -> None:
    """Many patrols of several grids (one with a hole, one undrawn) measured at once give the same
    figures as measuring each on its own: jumps, gaps, leaving the grid, buildings."""
    import random

    import numpy as np

    from linli.workforce.engine import batch

    holed = {
        "type": "Polygon",
        "coordinates": [
            SQUARE["coordinates"][0],
            [[118.004, 25.004], [118.006, 25.004], [118.006, 25.006], [118.004, 25.006], [118.004, 25.004]],
        ],
    }
    geoms: dict[object, dict | None] = {"a": SQUARE, "b": holed, "c": None}
    blds: dict[object, list[tuple[int, float, float]]] = {
        "a": [(1, 25.0025, 118.0051), (2, 25.009, 118.009)],
        "b": [(3, 25.005, 118.005)],
        "c": [],
    }
    rnd = random.Random(7)
    area_of: dict[int, object] = {}
    cols: tuple[list, list, list, list, list] = ([], [], [], [], [])
    expected = {}
    for pk in rnd.sample(range(1, 500), 30):
        key = rnd.choice("abc")
        area_of[pk] = key
        lat, lon, t, pts = 25.005, 118.005, 0.0, []
        for _ in range(rnd.randint(0, 60)):
            t += rnd.choice((30, 30, 30, 700))
            lat += rnd.uniform(-0.0004, 0.0004) + (0.03 if rnd.random() < 0.03 else 0)
            lon += rnd.uniform(-0.0004, 0.0004)
            pts.append(track.Point(t, lat, lon))
        flags = track.flag_jumps(pts)
        expected[pk] = track.summarise(pts, flags, geoms[key], blds[key], radius_m=30)
        for p, f in zip(pts, flags, strict=True):
            for c, v in zip(cols, (pk, p.t, p.lat, p.lon, f), strict=True):
                c.append(v)
    order = np.lexsort((np.array(cols[1]), np.array(cols[0])))
    a_pid, a_t, a_lat, a_lon, a_flag = (np.array(c)[order] for c in cols)
    got = batch.summarise_many(a_pid, a_t, a_lat, a_lon, a_flag, area_of, geoms, blds, radius_m=30)
    assert set(got) == set(expected)
    for pk, e in expected.items():
        g = got[pk]
        assert (g.points, g.flagged, g.buildings) == (e.points, e.flagged, e.buildings)
        assert abs(g.distance_m - e.distance_m) < 1e-6
        assert abs(g.distance_in_grid_m - e.distance_in_grid_m) < 1e-6
        assert g.seconds_in_grid == e.seconds_in_grid
