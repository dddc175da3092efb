"""应急预案 engine alone (no database): the default plans, what a step starts and cancels, and a community's
edited plan refused naming the field that is wrong."""

from __future__ import annotations

import copy

import pytest

from linli.emergency.engine import plans as eng

TYPHOON = eng.DEFAULT_PLANS["typhoon"]


def _keys(actions: list[eng.Action]) -> list[str]:
    return [a.key for a in actions]


def test_every_hazard_has_a_default_plan_with_four_levels() -> None:
    assert set(eng.DEFAULT_PLANS) == set(eng.HAZARDS)
    for plan in eng.DEFAULT_PLANS.values():
        assert list(plan.levels) == ["I", "II", "III", "IV"], plan.hazard
        for actions in plan.levels.values():
            assert actions and all(a.who in eng.WHO and 0 < a.due_minutes <= 24 * 60 for a in actions)
            assert all(a.title_zh and a.description for a in actions)


def test_the_typhoon_plan_reads_as_a_community_plan() -> None:
    assert (
        TYPHOON.hazard_zh == "台风" and eng.LEVEL_COLOUR["IV"] == "蓝色" and eng.LEVEL_COLOUR["I"] == "红色"
    )
    titles = {a.title_zh for actions in TYPHOON.levels.values() for a in actions}
    for expected in (
        "转移危险区域人员",
        "巡查低洼地带",
        "开放避难场所",
        "逐户排查独居老人等重点人员",
        "物资调拨",
        "信息报送",
    ):
        assert expected in titles
    assert {a.who for actions in TYPHOON.levels.values() for a in actions} == set(eng.WHO)


def test_declaring_starts_the_level_and_every_lower_one() -> None:
    start, stop = eng.actions_on_step(TYPHOON, None, "III")
    assert stop == []
    assert _keys(start) == [
        "info_report",
        "notify_residents",
        "patrol_low_lying",
        "count_supplies",
        "check_vulnerable",
        "open_shelters",
        "units_standby",
        "secure_objects",
    ]
    # 信息报送 is the Ⅲ definition (every 4 hours, within an hour), not Ⅳ's daily one
    (report,) = [a for a in start if a.key == "info_report"]
    assert report.due_minutes == 60 and "每 4 小时" in report.description
    assert _keys(eng.actions_on_step(TYPHOON, None, "IV")[0]) == [a.key for a in TYPHOON.levels["IV"]]


def test_raising_starts_only_what_the_graver_levels_add_or_redefine() -> None:
    start, stop = eng.actions_on_step(TYPHOON, "III", "I")
    assert set(_keys(start)) == {
        "info_report",
        "evacuate_danger",
        "stop_outdoor",
        "supplies_dispatch",
        "shelter_support",
        "evacuate_all",
        "stay_indoors",
        "street_duty",
    }
    (report,) = [a for a in start if a.key == "info_report"]
    assert "每小时" in report.description
    assert _keys(stop) == ["info_report"]  # the Ⅲ reporting rhythm gives way to Ⅰ's


def test_lowering_cancels_the_graver_actions_and_restores_the_lower_rhythm() -> None:
    start, stop = eng.actions_on_step(TYPHOON, "II", "III")
    assert set(_keys(stop)) == {
        "info_report",
        "evacuate_danger",
        "stop_outdoor",
        "supplies_dispatch",
        "shelter_support",
    }
    assert _keys(start) == ["info_report"] and "每 4 小时" in start[0].description


def test_ending_cancels_everything_in_force() -> None:
    start, stop = eng.actions_on_step(TYPHOON, "II", None)
    assert start == []
    assert set(_keys(stop)) == set(eng.in_force(TYPHOON, "II"))
    assert len(stop) == len(set(_keys(stop)))  # a redefined action is cancelled once


def test_a_round_trip_through_up_and_down_leaves_nothing_behind() -> None:
    running: dict[str, eng.Action] = {}
    for old, new in [(None, "IV"), ("IV", "II"), ("II", "I"), ("I", "III"), ("III", None)]:
        start, stop = eng.actions_on_step(TYPHOON, old, new)
        for a in stop:
            assert running.pop(a.key) == a
        for a in start:
            assert a.key not in running
            running[a.key] = a
        assert running == eng.in_force(TYPHOON, new)
    assert running == {}


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [(None, "III", "declare"), ("III", "II", "raise"), ("II", "IV", "lower"), ("I", None, "end")],
)
def test_step_kinds(old: str | None, new: str | None, kind: str) -> None:
    assert eng.step_kind(old, new) == kind
    assert eng.STEP_ZH[kind]


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("III", "III", "new_level", "没有变化"),
        (None, None, "new_level", "尚未启动"),
        ("III", "V", "new_level", "“V”"),
        ("3", "II", "old_level", "之一"),
    ],
)
def test_a_step_that_is_no_step_is_refused(old: str | None, new: str | None, field: str, words: str) -> None:
    with pytest.raises(eng.PlanError) as e:
        eng.actions_on_step(TYPHOON, old, new)
    assert e.value.field == field and words in e.value.message


def test_a_plan_without_some_levels_still_steps() -> None:
    plan = eng.validate_plan(
        {
            "hazard": "fire",
            "title": "小区火灾预案",
            "levels": {"III": [{"key": "go", "title": "出动", "who": "unit", "due_minutes": 5}]},
        }
    )
    assert eng.actions_on_step(plan, None, "IV") == ([], [])
    assert _keys(eng.actions_on_step(plan, "IV", "I")[0]) == ["go"]


def test_plans_survive_storage_as_json() -> None:
    for plan in eng.DEFAULT_PLANS.values():
        assert eng.validate_plan(eng.plan_as_dict(plan)) == plan


def _edited(**changes: object) -> dict[str, object]:
    d = copy.deepcopy(eng.plan_as_dict(TYPHOON))
    for path, value in changes.items():
        node: object = d
        *head, last = path.split("__")
        for part in head:
            node = node[int(part) if part.isdigit() else part]  # type: ignore[index]
        if value is None:
            del node[int(last) if last.isdigit() else last]  # type: ignore[attr-defined]
        else:
            node[int(last) if last.isdigit() else last] = value  # type: ignore[index]
    return d


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ("不是对象", "plan", "对象"),
        (_edited(hazard="meteor"), "hazard", "台风"),
        (_edited(title="  "), "title", "不能为空"),
        (_edited(title="长" * 61), "title", "60"),
        (_edited(levels={}), "levels", "至少要有一个"),
        (_edited(levels__V=[]), "levels.V", "响应级别"),
        (_edited(levels__II=[]), "levels.II", "至少要有一项措施"),
        (_edited(levels__III__1__who="mayor"), "levels.III[2].who", "最小应急单元"),
        (_edited(levels__III__1__due_minutes=0), "levels.III[2].due_minutes", "完成时限"),
        (_edited(levels__III__1__due_minutes="60"), "levels.III[2].due_minutes", "完成时限"),
        (_edited(levels__III__1__due_minutes=True), "levels.III[2].due_minutes", "完成时限"),
        (_edited(levels__III__1__due_minutes=8 * 24 * 60), "levels.III[2].due_minutes", "7 天"),
        (_edited(levels__III__1__key="Check Old"), "levels.III[2].key", "措施编码"),
        (_edited(levels__III__1__key="info_report"), "levels.III[2].key", "重复"),
        (_edited(levels__III__1__title=""), "levels.III[2].title", "不能为空"),
        (_edited(levels__III__1__title=5), "levels.III[2].title", "文字"),
        (_edited(levels__III__1__description="长" * 301), "levels.III[2].description", "300"),
        (_edited(levels__III__1__owner="x"), "levels.III[2].owner", "未知的字段"),
        (_edited(levels__III__1=["check"]), "levels.III[2]", "对象"),
    ],
)
def test_an_edited_plan_is_refused_naming_the_field(raw: object, field: str, words: str) -> None:
    with pytest.raises(eng.PlanError) as e:
        eng.validate_plan(raw)
    assert e.value.field == field, str(e.value)
    assert words in e.value.message, str(e.value)
    assert e.value.code == "emergency.plan_invalid"


@pytest.mark.parametrize(
    ("event", "hazard"),
    [
        ("台风橙色预警", "typhoon"),
        ("暴雨红色预警信号", "flood"),
        ("城市内涝", "flood"),
        ("山体滑坡", "landslide"),
        ("地震", "earthquake"),
        ("森林火险", "fire"),
        ("传染病疫情", "epidemic"),
        ("大雾", None),
    ],
)
def test_the_hazard_of_a_warning_event(event: str, hazard: str | None) -> None:
    assert eng.hazard_of(event) == hazard


def test_carry_keys_keeps_kept_and_edited_lines_keys_and_gives_new_lines_new_ones() -> None:
    old = eng.validate_plan(
        {
            "hazard": "flood",
            "title": "洪涝预案",
            "levels": {
                "IV": [
                    eng._a("a1", "巡查", "grid_team", 60, ""),
                    eng._a("a2", "信息报送", "info_officer", 60, ""),
                ],
                "I": [eng._a("a2", "信息报送（每小时）", "info_officer", 30, "")],
            },
        }
    )
    edited = {
        "IV": [
            {"title": "广播", "who": "community_staff", "due_minutes": 10},
            {"title": "信息报送", "who": "info_officer", "due_minutes": 60},
            {"title": "巡查河道", "who": "grid_team", "due_minutes": 60},
        ],
        "I": [{"title": "信息报送（每半小时）", "who": "info_officer", "due_minutes": 30}],
    }
    got = eng.carry_keys(old, edited)
    assert [a["key"] for a in got["IV"]] == ["a3", "a2", "a1"] and got["I"][0]["key"] == "a2"
    assert "key" not in edited["IV"][0]  # the input is not changed
    assert [a["key"] for a in eng.carry_keys(None, edited)["IV"]] == ["a1", "a2", "a3"]
