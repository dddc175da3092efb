"""公开脱敏 rules (plain Python, no database): what the public feed may show of a typed text."""

import pytest

from linli.cases.engine.redact import coarsen, mask_numbers, mask_text, public_address, strip_rooms


@pytest.mark.parametrize(
    ("typed", "hidden"),
    [
        ("电话13912345678请回电", "13912345678"),
        ("手机 139-1234-5678", "139-1234-5678"),
        ("打 139 1234 5678 找我", "1234 5678"),
        ("+86 13912345678", "13912345678"),
        ("座机0595-22345678", "22345678"),
        ("座机（0595）22345678", "22345678"),
        ("(0595)22345678转123", "22345678"),
        ("电话：22345678", "22345678"),
        ("身份证350504199001011234", "350504199001011234"),
        ("身份证号35050419900101123X", "35050419900101123X"),
        ("老证号350504900101123", "350504900101123"),
        ("卡号6222021234567890123", "6222021234567890123"),
    ],
)
def test_numbers_are_masked(typed: str, hidden: str) -> None:
    out = mask_text(typed)
    assert hidden not in out
    assert not any(ch.isdigit() for ch in out), out  # every digit of the number is gone
    assert "*" in out


def test_numbers_that_are_not_personal_stay() -> None:
    text = "诉求20261122-000123：3号楼电梯停了2天，损失50元，2026年3月12号下午3点"
    assert mask_numbers(text) == text
    assert mask_text(text) == text


def test_names_are_masked_to_the_surname() -> None:
    assert mask_text("我叫林建国，住这里", ["林建国"]) == "我叫林**，住这里"
    assert mask_text("林建国反映楼道灯坏了", ["林建国"]) == "林**反映楼道灯坏了"
    # from the usual patterns, without knowing the name
    assert mask_text("联系人：张三 电话稍后给") == "联系人：张* 电话稍后给"
    assert mask_text("姓名王小明，") == "姓名王**，"
    assert mask_text("户主：陈秀英。") == "户主：陈**。"
    assert mask_text("我是张三丰，家里漏水") == "我是张**，家里漏水"
    assert mask_text("本人李四电话见上") == "本人李*电话见上"
    # words after the pattern that are not names stay
    assert mask_text("我是业主，我是本小区的住户") == "我是业主，我是本小区的住户"
    assert mask_text("联系人电话13912345678") == "联系人电话***********"
    assert mask_text("业主反映楼道灯坏了") == "业主反映楼道灯坏了"


@pytest.mark.parametrize(
    ("typed", "published"),
    [
        ("3号楼2单元501室", "3号楼"),
        ("阳光花园5栋1502漏水", "阳光花园5栋漏水"),
        ("3-2-501 水管爆了", "3号楼 水管爆了"),
        ("B座1203门口", "B座门口"),
        ("万安路12号501", "万安路12号"),
        ("18楼电梯坏了，第5层也是", "电梯坏了，也是"),
        ("房号：602楼上漏水", "楼上漏水"),
        ("三单元门口堆满杂物", "门口堆满杂物"),
        ("3号楼电梯停运两天了", "3号楼电梯停运两天了"),
    ],
)
def test_rooms_are_dropped_to_the_building(typed: str, published: str) -> None:
    assert strip_rooms(typed) == published


@pytest.mark.parametrize(
    ("address", "published"),
    [
        ("万安街道万福社区阳光花园3号楼2单元501室", "万安街道万福社区阳光花园3号楼"),
        ("万安街道万福社区阳光花园1号楼", "万安街道万福社区阳光花园1号楼"),
        ("xx路12号3幢201室", "xx路12号3幢"),
        ("双阳村5组23号", "双阳村5组23号"),  # a village house is its own building
        ("阳光小区501室", "阳光小区"),
        ("阳光小区 3-1-402，", "阳光小区 3号楼"),
    ],
)
def test_public_address_is_no_finer_than_the_building(address: str, published: str) -> None:
    assert public_address(address) == published


def test_the_example_of_the_issue() -> None:
    typed = "我是3号楼2单元501室的住户林建国，电话13859001234，身份证350504195803141234，楼上漏水"
    out = mask_text(typed, ["林建国"])
    assert out == "我是3号楼的住户林**，电话***********，身份证******************，楼上漏水"
    for secret in ("501", "2单元", "建国", "13859001234", "350504195803141234"):
        assert secret not in out


def test_masking_is_idempotent() -> None:
    typed = "联系人：张三 13912345678，3号楼2单元501室，0595-22345678"
    once = mask_text(typed, ["张三"])
    assert mask_text(once, ["张三"]) == once


def test_positions_snap_to_a_cell_of_about_200_m() -> None:
    a = coarsen(24.96012, 118.67049)
    assert a == (24.961, 118.671)
    # every point of a cell publishes the same position; the next cell another
    assert coarsen(24.9600001, 118.6700001) == coarsen(24.9619999, 118.6719999) == a
    assert coarsen(24.9620001, 118.671) != a
    # never further than half a cell's diagonal from the truth, and never the truth itself here
    lat, lon = 24.960123, 118.670456
    plat, plon = coarsen(lat, lon)
    assert abs(plat - lat) <= 0.001 and abs(plon - lon) <= 0.001
    assert (plat, plon) != (round(lat, 4), round(lon, 4))
    assert coarsen(-33.8999, -70.0999) == (-33.899, -70.099)
