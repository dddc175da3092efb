"""What a public notice must not carry (个人信息保护法): phone numbers and ID numbers, found in text."""

from __future__ import annotations

import re

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def personal_data_in(text: str) -> str:
    """The kind of personal data found in ``text`` (Chinese words), or "" when none."""
    if ID_NUMBER.search(text):
        return "身份证号码"
    if MOBILE.search(text) or LANDLINE.search(text):
        return "电话号码"
    return ""


def mask_name(name: str) -> str:
    """A person's name as a public page may show it: the surname and a star per other character."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
