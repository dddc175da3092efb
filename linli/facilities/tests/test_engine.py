"""The pure engines: opening hours and the 完整居住社区 checklist rules, by hand."""

from __future__ import annotations

import pytest

from linli.facilities.engine import checklist as ck
from linli.facilities.engine import hours


def test_parse_day_and_summary() -> None:
    assert hours.parse_day("14:30-18:00，08:30-12:00", 1) == [["08:30", "12:00"], ["14:30", "18:00"]]
    assert hours.parse_day("休息", 6) == []
    assert hours.parse_day("全天", 7) == [["00:00", "24:00"]]
    week, errors = hours.parse_week(
        {1: "08:30-12:00, 14:30-18:00", 2: "08:00-12:00,14:00-18:00", 6: "9:00-11:00"}
    )
    assert errors == {}
    s = hours.summarise(week)
    assert s.daily[1] == 7.0 and s.daily[2] == 8.0 and s.daily[6] == 2.0 and s.daily[7] == 0
    assert s.weekly == 17.0
    assert s.short_days == (1, 6)  # open but under 8 h; closed days are not "short"
    assert s.closed_days == (3, 4, 5, 7)
    assert s.short_labels == "周一、周六"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("08:00-12:00, 11:00-13:00", "重叠"),
        ("12:00-08:00", "结束时间应晚于开始时间"),
        ("8点到12点", "应为 开始-结束"),
        ("08:00-25:00", "不存在"),
        ("08:70-09:00", "不存在"),
    ],
)
def test_bad_hours_name_the_day(text: str, message: str) -> None:
    _, errors = hours.parse_week({3: text})
    assert list(errors) == [3]
    assert errors[3].startswith("周三：") and message in errors[3]


def test_normalise_json_value() -> None:
    assert hours.normalise({"2": [["14:00", "18:00"], ["08:00", "12:00"]], "7": []}) == {
        "2": [["08:00", "12:00"], ["14:00", "18:00"]]
    }
    with pytest.raises(hours.HoursError, match="1–7"):
        hours.normalise({"8": [["08:00", "12:00"]]})
    with pytest.raises(hours.HoursError, match="周一"):
        hours.normalise({"1": [["12:00", "08:00"]]})


CODE = "350504001001"
CENTRE = (24.96, 118.67)


def _place(t: str, area: float | None = None, land: float | None = None, **kw: object) -> ck.Place:
    defaults: dict[str, object] = {"lat": CENTRE[0], "lon": CENTRE[1], "region_code": CODE}
    defaults.update(kw)
    return ck.Place(type=t, name=f"测试{t}", building_area=area, land_area=land, **defaults)  # type: ignore[arg-type]


def _facts(*places: ck.Place, **kw: object) -> ck.CommunityFacts:
    return ck.CommunityFacts(code=CODE, name="万福社区居委会", centre=CENTRE, facilities=list(places), **kw)  # type: ignore[arg-type]


def _item(result: ck.ChecklistResult, n: int) -> ck.ItemResult:
    return next(i for i in result.items if i.number == n)


def test_twenty_items_in_six_sections() -> None:
    assert [i.number for i in ck.ITEMS] == list(range(1, 21))
    assert len({i.section for i in ck.ITEMS}) == 6
    assert ck.MANUAL_ITEMS == (9, 12, 17, 18, 19, 20)


def test_empty_community() -> None:
    r = ck.evaluate(_facts())
    assert r.met == 0 and r.total == 20
    assert _item(r, 1).verdict == ck.Verdict.NOT_MET and _item(r, 1).reason == "无社区综合服务站"
    assert _item(r, 11).verdict == ck.Verdict.UNKNOWN  # no dwellings with coordinates
    assert all(_item(r, n).verdict == ck.Verdict.UNKNOWN for n in ck.MANUAL_ITEMS)
    assert r.unknown == 7 and r.not_met == 13


def test_service_station_area() -> None:
    r = ck.evaluate(_facts(_place("community_center", 620)))
    assert _item(r, 1).verdict == ck.Verdict.NOT_MET
    assert _item(r, 1).reason == "社区综合服务站建筑面积 620㎡，低于 800㎡（测试community_center）"
    r = ck.evaluate(_facts(_place("community_center", 620), households=200))
    assert _item(r, 1).reason.endswith("；合计每百户 310.0㎡（200 户）")
    r = ck.evaluate(_facts(_place("community_center", 620), _place("party_center", 850)))
    assert _item(r, 1).verdict == ck.Verdict.MET
    r = ck.evaluate(_facts(_place("party_center", None)))
    assert _item(r, 1).verdict == ck.Verdict.UNKNOWN and "未登记建筑面积" in _item(r, 1).reason
    # a closed or planned one does not count, but is mentioned
    r = ck.evaluate(_facts(_place("party_center", 900, status="planned")))
    assert _item(r, 1).verdict == ck.Verdict.NOT_MET and "规划中" in _item(r, 1).reason


def test_nearest_outside_the_community() -> None:
    # 1.4 km north, in the next community
    far = _place(
        "kindergarten",
        2500,
        4000,
        lat=CENTRE[0] + 1400 / 111_195,
        region_code="350504001002",
        region_name="桥南社区居委会",
    )
    r = ck.evaluate(_facts(around={"kindergarten": [far]}))
    assert _item(r, 2).reason == "无幼儿园；最近的在 1.4 km 外（测试kindergarten，桥南社区居委会）"
    r = ck.evaluate(_facts(_place("kindergarten", 2500, 3000)))
    assert (
        _item(r, 2).verdict == ck.Verdict.NOT_MET and "用地面积 3,000㎡，低于 3,500㎡" in _item(r, 2).reason
    )
    r = ck.evaluate(_facts(_place("kindergarten", 2500, 3600)))
    assert _item(r, 2).verdict == ck.Verdict.MET


def test_village_with_only_a_clinic() -> None:
    r = ck.evaluate(_facts(_place("village_clinic", 80)))
    assert _item(r, 5).verdict == ck.Verdict.NOT_MET
    assert _item(r, 5).reason.startswith("仅有村卫生室（测试village_clinic，80㎡），无社区卫生服务站")
    assert ck.evaluate(_facts(_place("health_station", 119))).items[4].verdict == ck.Verdict.NOT_MET
    assert ck.evaluate(_facts(_place("health_station", 120))).items[4].verdict == ck.Verdict.MET


def test_commerce_items() -> None:
    r = ck.evaluate(_facts(_place("convenience_store", 80), _place("convenience_store", 60)))
    assert _item(r, 6).verdict == ck.Verdict.MET and "2 个便利店" in _item(r, 6).reason
    r = ck.evaluate(_facts(_place("supermarket", 200)))
    assert _item(r, 6).verdict == ck.Verdict.NOT_MET and "200㎡，低于 300㎡" in _item(r, 6).reason
    r = ck.evaluate(_facts(_place("express")))
    assert _item(r, 7).reason == "邮件快件寄递服务设施仅 1 处，标准要求多个"
    r = ck.evaluate(_facts(_place("barber"), _place("pharmacy"), _place("restaurant")))
    assert _item(r, 8).reason == "缺少洗衣店、维修点、家政服务网点"


def test_bus_stop_within_ten_minutes() -> None:
    near = (CENTRE[0] + 500 / 111_195, CENTRE[1])
    far = (CENTRE[0] + 1500 / 111_195, CENTRE[1])
    stop = _place("bus_stop")
    r = ck.evaluate(_facts(stop, dwellings=[near, far]))
    assert _item(r, 11).verdict == ck.Verdict.NOT_MET and _item(r, 11).reason.startswith("1 / 2 栋楼")
    r = ck.evaluate(_facts(stop, dwellings=[near]))
    assert _item(r, 11).verdict == ck.Verdict.MET
    # a stop in the next community counts too
    r = ck.evaluate(
        _facts(dwellings=[near], around={"bus_stop": [_place("bus_stop", region_code="350504001002")]})
    )
    assert _item(r, 11).verdict == ck.Verdict.MET


def test_sanitation_grounds_property_and_attestation() -> None:
    r = ck.evaluate(_facts(_place("waste_station"), _place("public_toilet", 20)))
    assert _item(r, 13).reason == "公共厕所建筑面积 20㎡，低于 30㎡"
    r = ck.evaluate(_facts(_place("activity_ground", None, 120)))
    assert _item(r, 14).reason == "公共活动场地用地面积 120㎡，低于 150㎡"
    r = ck.evaluate(_facts(property_companies=1))
    assert _item(r, 16).verdict == ck.Verdict.MET
    a = ck.Attestation(20, True, "2026-03-01", "王书记", "居民公约已公布")
    r = ck.evaluate(_facts(attestations={20: a}))
    assert _item(r, 20).verdict == ck.Verdict.MET
    assert _item(r, 20).reason == "人工确认（2026-03-01，王书记）已达到：居民公约已公布"


def test_most_missing() -> None:
    results = [ck.evaluate(_facts()), ck.evaluate(_facts(_place("party_center", 900)))]
    top = ck.most_missing(results, top=3)
    assert top[0][2] == 2 and top[0][0] == 2  # item 2 (kindergarten) missing in both, lowest number first
    assert (1, "一个社区综合服务站", 1) not in top[:1]
