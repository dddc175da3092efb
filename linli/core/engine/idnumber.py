"""公民身份号码 (GB 11643-1999): checksum validation and the facts the number carries.

Pure Python, no Django import.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


class IdNumberError(ValueError):
    """The ID number is not a valid 18-character GB 11643 number (message in Chinese)."""


@dataclass(frozen=True)
class IdFacts:
    number: str
    area_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"


_ZERO_OFFSET = ord("0") * sum(WEIGHTS)

# The first two digits of the address code: the provincial divisions of GB/T 2260 (11 北京 … 65 新疆,
# 71 台湾, 81 香港, 82 澳门) and 83, which the residence permits of Taiwan residents carry
# (those of Hong Kong and Macao residents carry 81 and 82).
PROVINCES = frozenset(
    ["11", "12", "13", "14", "15", "21", "22", "23"]
    + [f"{n}" for n in range(31, 38)]
    + [f"{n}" for n in range(41, 47)]
    + [f"{n}" for n in range(50, 55)]
    + [f"{n}" for n in range(61, 66)]
    + ["71", "81", "82", "83"]
)
# Outside the mainland the address code names only the region (810000, 820000, 830000).
_REGION_ONLY = frozenset(["71", "81", "82", "83"])


def check_area_code(code: str) -> None:
    """Raise IdNumberError unless ``code`` (6 digits) can be the address code of an ID number: a real
    province and, on the mainland, a prefecture part other than 00 (350504 洛江区, not 000000 or 350000)."""
    if code[:2] not in PROVINCES or (code[:2] not in _REGION_ONLY and code[2:4] == "00"):
        raise IdNumberError(f"身份证号前 6 位地址码 {code} 不是有效的行政区划代码")


def check_char(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    return CHECK_CHARS[(sum(map(operator.mul, first17.encode("ascii"), WEIGHTS)) - _ZERO_OFFSET) % 11]


# Full-width digits and Ｘ, as a Chinese input method types them, read as their ASCII forms.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


def parse(value: str, *, today: dt.date | None = None) -> IdFacts:
    """Validate ``value`` and return its area code, birth date and sex; raise IdNumberError."""
    v = value.strip().translate(_FULL_WIDTH).upper()
    if len(v) != 18:
        raise IdNumberError(f"身份证号应为 18 位，实际 {len(v)} 位")
    if not (v.isascii() and v[:17].isdigit() and (v[17].isdigit() or v[17] == "X")):
        raise IdNumberError("身份证号前 17 位应为数字，末位为数字或 X")
    check_area_code(v[:6])
    try:
        birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError as exc:
        raise IdNumberError(f"身份证号中的出生日期 {v[6:14]} 不存在") from exc
    if birth.year < 1890 or birth > (today or dt.date.today()):
        raise IdNumberError(f"身份证号中的出生日期 {birth:%Y-%m-%d} 不合理")
    if check_char(v[:17]) != v[17]:
        raise IdNumberError("身份证号校验位不符")
    return IdFacts(v, v[:6], birth, "M" if int(v[16]) % 2 else "F")


def make(area_code: str, birth: dt.date, sequence: int, sex: str) -> str:
    """Compose a valid number (used by the synthetic demo and tests)."""
    seq = sequence % 500 * 2 + (1 if sex == "M" else 0)
    first17 = f"{area_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
