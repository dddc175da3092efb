"""公开脱敏: what of a request may be published without login (no Django).

The public Open311 feed shows a request the way FixMyStreet does: the problem, never the person.
Residents type their phone numbers, ID numbers, names and room numbers into the description, so
the published text is made from the typed text by these rules:

- mobile numbers (1[3-9] + 9 digits, also written 139-1234-5678 or +86 …), landlines with an
  area code (0595-22345678, (0595)22345678) and numbers after 电话/手机/座机/联系方式: every digit
  becomes ``*``;
- ID numbers (18 digits, the last may be X; 15 digits) and any other run of 15 or more digits
  (bank cards): every character becomes ``*``;
- names: the reporter's own name(s) wherever they appear, the name after 姓名/联系人/我叫/名叫/
  户主：/业主：…, and "我是/本人" + a common surname + one or two characters before a pause; they
  keep the surname only (张三丰 → 张**), as names are masked everywhere;
- rooms: unit, floor, room and door numbers inside a building are dropped, so an address reads
  no finer than the building (3号楼2单元501室 → 3号楼; 5栋1502 → 5栋; 3-2-501 → 3号楼).

The published position is snapped to the centre of a grid cell (``coarsen``); the real position
stays stored for the staff. Masking is idempotent: masking published text again changes nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from linli.cases.engine.geo import mask_name

# --- numbers -------------------------------------------------------------------------------------

_LONG_DIGITS = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15,})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![\d*])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?![\d*])")
_LANDLINE = re.compile(
    r"(?<![\d*])(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[\s-]?)\d{7,8}(?:[-转]\d{1,5})?(?![\d*])"
)
_AFTER_PHONE_WORD = re.compile(
    r"((?:电话|手机|座机|联系方式|号码|tel|TEL|Tel)\s*(?:是|为|号)?\s*[:：]?\s*)(\d[\d\s-]{5,14}\d)(?![\d*])"
)

# --- names ---------------------------------------------------------------------------------------

_HAN = "\u3400-\u9fff"
_NAME_AFTER = re.compile(
    r"((?:姓名|联系人|报事人|反映人|投诉人|申请人|我叫|本人叫|名叫|叫做)\s*(?:是|为)?\s*[:：]?\s*"
    r"|(?:户主|业主|住户)\s*[:：]\s*)"
    rf"([{_HAN}·]{{2,3}})"
)
_NOT_A_NAME = ("电话", "手机", "号码", "方式", "地址", "信息", "姓名", "本人", "不详", "未知", "匿名")
# "我是张三丰，…": only a common surname followed by one or two characters and a pause counts as a name
# here ("我是业主，" and "我是本小区的" stay).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕"
    "单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池"
    "查麻苑迟邝洪黄"
)
_SELF_NAMED = re.compile(
    rf"((?:我是|本人是?|我系)\s*)([{SURNAMES}][{_HAN}]{{1,2}})(?=[，,。.;；！!\s]|电话|手机|$)"
)

# --- rooms ---------------------------------------------------------------------------------------

_CN_NUM = "一二三四五六七八九十两"
_ROOMS: list[tuple[re.Pattern[str], str]] = [
    # 3-2-501 (building-unit-room) → 3号楼
    (re.compile(r"(?<![\d*])(\d{1,3})\s*[-－]\s*\d{1,2}\s*[-－]\s*\d{3,4}(?![\d*])"), r"\1号楼"),
    # 房号501, 门牌号 23
    (re.compile(r"(?:房号|房间号|门牌号?)\s*[:：]?\s*[A-Za-z]?\d+[A-Za-z]?"), ""),
    # 2单元501室, 二单元, 2单元 1502
    (re.compile(rf"(?:\d+|[{_CN_NUM}]+)\s*单元\s*(?:[-－]?\s*\d{{2,4}}\s*(?:室|号房|号|房|户)?)?"), ""),
    # 501室, 1502房, 1203号房, 802户
    (re.compile(r"[A-Za-z]?(?:\d{2,5}\s*室|\d{3,5}\s*(?:号房|房间|房|户))"), ""),
    # 5栋1502, 3号楼-501, B座1203 → 5栋 / 3号楼 / B座
    (re.compile(r"(号楼|[栋幢座])\s*[-－]?\s*\d{3,4}(?![\d*])"), r"\1"),
    # 12号501 → 12号 (a room after the door number of a building)
    (re.compile(r"(\d+号)\s*[-－]?\s*\d{3,4}(?![\d*号楼栋幢座层年月日元点时分米])"), r"\1"),
    # 第5层, 18楼, 5F (floors inside a building; 3号楼 is a building, not a floor)
    (re.compile(r"第?(?<![\d号])\d{1,2}\s*(?:层|楼(?![号栋幢道])|[Ff](?![A-Za-z]))"), ""),
]
_TIDY_END = re.compile(r"[\s,，、;；:：\-－]+$")

# --- position ------------------------------------------------------------------------------------

PUBLIC_CELL_DEG = 0.002  # about 220 m north-south, 200 m east-west at 25°N


def mask_digits(value: str) -> str:
    """Every digit (and the X of an ID number) becomes ``*``; separators stay."""
    return re.sub(r"[\dXx]", "*", value)


def _mask_names(text: str, names: Iterable[str]) -> str:
    known = sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True)
    for name in known:
        text = text.replace(name, mask_name(name))

    def after(m: re.Match[str]) -> str:
        name = m.group(2)
        if name.startswith(_NOT_A_NAME):
            return m.group(0)
        return m.group(1) + mask_name(name)

    text = _NAME_AFTER.sub(after, text)
    return _SELF_NAMED.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)


def mask_numbers(text: str) -> str:
    """ID, bank card, mobile and landline numbers masked (see the module docstring)."""
    text = _LONG_DIGITS.sub(lambda m: "*" * len(m.group(0)), text)
    text = _MOBILE.sub(lambda m: mask_digits(m.group(0)), text)
    text = _LANDLINE.sub(lambda m: mask_digits(m.group(0)), text)
    return _AFTER_PHONE_WORD.sub(lambda m: m.group(1) + mask_digits(m.group(2)), text)


def strip_rooms(text: str) -> str:
    """Drop unit, floor, room and door numbers inside a building (see the module docstring)."""
    for pattern, repl in _ROOMS:
        text = pattern.sub(repl, text)
    return text


def mask_text(text: str, names: Iterable[str] = ()) -> str:
    """The publishable form of ``text``: numbers, names and rooms masked. ``names`` are names known
    to belong to the request (the reporter's); they are masked wherever they occur."""
    if not text:
        return ""
    return strip_rooms(_mask_names(mask_numbers(text), names))


def public_address(address: str, names: Iterable[str] = ()) -> str:
    """The address cut to the building: 阳光花园3号楼2单元501室 → 阳光花园3号楼."""
    return _TIDY_END.sub("", mask_text(address.strip(), names))


def coarsen(lat: float, lon: float, cell: float = PUBLIC_CELL_DEG) -> tuple[float, float]:
    """The centre of the grid cell (``cell`` degrees square) holding the point: every point of a cell
    publishes the same position."""

    def snap(v: float) -> float:
        return round((math.floor(v / cell) + 0.5) * cell, 6)

    return snap(lat), snap(lon)
