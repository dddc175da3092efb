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
