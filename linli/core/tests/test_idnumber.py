import datetime as dt

import pytest

from linli.core.engine import idnumber


def test_known_valid_number():
    # The GB 11643 example number.
    facts = idnumber.parse("11010519491231002X")
    assert facts.birth_date == dt.date(1949, 12, 31) and facts.sex == "F" and facts.area_code == "110105"


def test_make_produces_valid_numbers_with_the_given_facts():
    n = idnumber.make("350504", dt.date(1990, 2, 28), 17, "M")
    facts = idnumber.parse(n)
    assert facts.sex == "M" and facts.birth_date == dt.date(1990, 2, 28) and n.startswith("350504")


@pytest.mark.parametrize(
    "value, message",
    [
        ("35050419900101123", "18 位"),
        ("3505041990010112A4", "前 17 位"),
        ("350504199002301234", "不存在"),
        ("350504299001011234", "不合理"),
    ],
)
def test_invalid_numbers_say_why(value, message):
    with pytest.raises(idnumber.IdNumberError, match=message):
        idnumber.parse(value, today=dt.date(2026, 11, 22))


def test_checksum_error():
    good = idnumber.make("350504", dt.date(1980, 5, 5), 3, "F")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(idnumber.IdNumberError, match="校验位"):
        idnumber.parse(bad)


def test_age_on_birthday_boundary():
    assert idnumber.age_on(dt.date(1966, 11, 22), dt.date(2026, 11, 22)) == 60
    assert idnumber.age_on(dt.date(1966, 11, 23), dt.date(2026, 11, 22)) == 59


def test_full_width_digits_are_read_and_other_digits_refused():
    n = idnumber.make("350504", dt.date(1990, 2, 28), 17, "M")
    full_width = n.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert idnumber.parse(full_width).number == n
    with pytest.raises(idnumber.IdNumberError, match="前 17 位"):
        idnumber.parse("٣" + n[1:])  # an Arabic-Indic digit is a digit to Python, not to GB 11643


def _with_check(first17: str) -> str:
    return first17 + idnumber.check_char(first17)


@pytest.mark.parametrize(
    "area",
    [
        "000000",  # no address code at all
        "990101",  # no such province
        "190101",
        "700000",
        "840000",
        "350000",  # a province, not a county
        "350012",  # prefecture part 00 on the mainland
    ],
)
def test_an_impossible_address_code_is_refused_even_with_a_valid_checksum(area):
    with pytest.raises(idnumber.IdNumberError, match=f"地址码 {area} 不是有效的行政区划代码"):
        idnumber.parse(_with_check(f"{area}19900101123"), today=dt.date(2026, 11, 22))


@pytest.mark.parametrize(
    "area",
    ["110105", "350504", "429004", "500235", "659001", "810000", "820000", "830000", "710000"],
)
def test_real_address_codes_and_residence_permits_are_accepted(area):
    facts = idnumber.parse(_with_check(f"{area}19900101123"), today=dt.date(2026, 11, 22))
    assert facts.area_code == area


def test_every_province_code_is_listed():
    assert len(idnumber.PROVINCES) == 35  # 34 provincial divisions and the 83 of Taiwan residents' permits
    assert {"11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82"} <= (
        idnumber.PROVINCES
    )


@pytest.mark.parametrize(
    ("birth", "message"),
    [
        ("18891231", "不合理"),  # before 1890
        ("20261123", "不合理"),  # after today
        ("19900230", "不存在"),  # 30 February
        ("19901301", "不存在"),
    ],
)
def test_the_birth_date_must_be_real_and_plausible(birth, message):
    with pytest.raises(idnumber.IdNumberError, match=message):
        idnumber.parse(_with_check(f"350504{birth}123"), today=dt.date(2026, 11, 22))
    assert idnumber.parse(
        _with_check("35050418900101123"), today=dt.date(2026, 11, 22)
    ).birth_date == dt.date(1890, 1, 1)
