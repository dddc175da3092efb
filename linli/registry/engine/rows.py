"""Validation of registry rows (persons, households, buildings) as they arrive from a file or a form.

Pure Python, no Django import: each ``clean_*`` takes a dict of texts and returns the cleaned
values and a list of (column key, message) problems. References to other rows (household code,
region code, building code) are returned as codes; the service resolves them in batches.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from linli.core.engine import idnumber
from linli.core.engine.text import clean_name, clean_text

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
CODE_RE = re.compile(r"^[0-9A-Za-z-]{1,32}$")

RELATIONS = {
    "户主": "head",
    "配偶": "spouse",
    "子女": "child",
    "儿子": "child",
    "女儿": "child",
    "父母": "parent",
    "父亲": "parent",
    "母亲": "parent",
    "孙子女": "grandchild",
    "孙子": "grandchild",
    "孙女": "grandchild",
    "祖父母": "grandparent",
    "兄弟姐妹": "sibling",
    "儿媳/女婿": "child_in_law",
    "儿媳": "child_in_law",
    "女婿": "child_in_law",
    "其他": "other",
}
RESIDENCE = {"户籍": "registered", "常住": "resident", "流动": "floating", "人户分离": "separated"}
SEXES = {"男": "M", "女": "F"}
BUILDING_KINDS = {"小区": "estate", "楼栋": "building", "自然村": "natural_village", "自建房": "house"}

Problems = list[tuple[str, str]]


def parse_date(text: str) -> dt.date:
    t = text.strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    if len(t) == 8 and t.isdigit():
        t = f"{t[:4]}-{t[4:6]}-{t[6:]}"
    return dt.date.fromisoformat("-".join(p.zfill(2) for p in t.split("-")))


def clean_person(
    row: dict[str, str], *, ethnicities: frozenset[str], today: dt.date
) -> tuple[dict[str, Any], Problems]:
    out: dict[str, Any] = {}
    problems: Problems = []
    out["name"] = _text(row, "name", problems, name=True, max_length=64)

    raw_id = row.get("id_number", "").strip().upper()
    out["id_number"] = raw_id
    facts = None
    if raw_id:
        if "E+" in raw_id or ("." in raw_id and raw_id.replace(".", "").isdigit()):
            problems.append(
                ("id_number", "身份证号被 Excel 转成了数字（科学计数法），请把该列设为文本后重新填写")
            )
        else:
            try:
                facts = idnumber.parse(raw_id, today=today)
                out["id_number"] = facts.number  # normalised: full-width digits become ASCII
            except idnumber.IdNumberError as exc:
                problems.append(("id_number", str(exc)))

    sex_text, birth_text = row.get("sex", "").strip(), row.get("birth_date", "").strip()
    if facts is not None:
        out["sex"], out["birth_date"] = facts.sex, facts.birth_date
        if sex_text and SEXES.get(sex_text) != facts.sex:
            problems.append(("sex", f"与身份证号不符（身份证号为{'男' if facts.sex == 'M' else '女'}）"))
        if birth_text:
            try:
                if parse_date(birth_text) != facts.birth_date:
                    problems.append(
                        ("birth_date", f"与身份证号不符（身份证号为 {facts.birth_date:%Y-%m-%d}）")
                    )
            except ValueError:
                problems.append(("birth_date", "日期格式应为 YYYY-MM-DD"))
    elif not raw_id:
        if sex_text not in SEXES:
            problems.append(("sex", "无身份证号时必填，应为 男 或 女"))
        else:
            out["sex"] = SEXES[sex_text]
        try:
            out["birth_date"] = parse_date(birth_text)
            if out["birth_date"] > today:
                problems.append(("birth_date", "出生日期晚于今天"))
        except ValueError:
            problems.append(("birth_date", "无身份证号时必填，格式 YYYY-MM-DD"))

    phone = row.get("phone", "").strip().replace(" ", "")
    if phone and not PHONE_RE.match(phone):
        problems.append(("phone", "应为 11 位手机号或带区号的固定电话"))
    out["phone"] = phone

    rel = row.get("relation", "").strip()
    if rel and rel not in RELATIONS:
        problems.append(("relation", "应为：" + "、".join(k for k in RELATIONS if len(k) <= 4)))
    out["relation"] = RELATIONS.get(rel, "")

    res = row.get("residence_type", "").strip() or "户籍"
    if res not in RESIDENCE:
        problems.append(("residence_type", "应为 户籍/常住/流动/人户分离"))
    out["residence_type"] = RESIDENCE.get(res, "registered")

    eth = row.get("ethnicity", "").strip() or "汉族"
    if not eth.endswith("族"):
        eth += "族"
    if eth not in ethnicities:
        problems.append(("ethnicity", "不是 56 个民族之一"))
    out["ethnicity"] = eth

    out["household_code"] = row.get("household_code", "").strip()
    if out["household_code"] and not CODE_RE.match(out["household_code"]):
        problems.append(("household_code", "户编号只能含数字、字母和连字符"))
    out["region_code"] = row.get("region_code", "").strip()
    if not out["household_code"] and not out["region_code"]:
        problems.append(("region_code", "无户编号时必须填写所属网格/社区编码"))
    elif out["region_code"] and not (out["region_code"].isdigit() and len(out["region_code"]) in (12, 15)):
        problems.append(("region_code", "应为 12 位社区/村代码或 15 位网格编码"))
    out["note"] = _text(row, "note", problems, max_length=200)
    return out, problems


def _text(row: dict[str, str], key: str, problems: Problems, *, name: bool = False, max_length: int) -> str:
    """The cleaned text of ``row[key]`` (see ``linli.core.engine.text``); a problem when it is refused."""
    value = row.get(key, "") or ""
    try:
        return clean_name(value, max_length=max_length) if name else clean_text(value, max_length=max_length)
    except ValueError as exc:
        problems.append((key, str(exc)))
        return value.strip()


def clean_household(row: dict[str, str]) -> tuple[dict[str, Any], Problems]:
    problems: Problems = []
    out = {k: row.get(k, "").strip() for k in ("code", "region_code", "building_code")}
    if not out["code"]:
        problems.append(("code", "必填"))
    elif not CODE_RE.match(out["code"]):
        problems.append(("code", "户编号只能含数字、字母和连字符，最长 32 位"))
    if not (out["region_code"].isdigit() and len(out["region_code"]) in (12, 15)):
        problems.append(("region_code", "应为 12 位社区/村代码或 15 位网格编码"))
    for key, limit in (("unit", 16), ("room", 16), ("address", 200)):
        out[key] = _text(row, key, problems, max_length=limit)
    if out["building_code"] and not CODE_RE.match(out["building_code"]):
        problems.append(("building_code", "楼栋编码格式不对"))
    return out, problems


def clean_building(row: dict[str, str]) -> tuple[dict[str, Any], Problems]:
    problems: Problems = []
    out: dict[str, Any] = {k: row.get(k, "").strip() for k in ("code", "region_code", "parent_code")}
    if not out["code"] or not CODE_RE.match(out["code"]):
        problems.append(("code", "必填，只能含数字、字母和连字符"))
    out["name"] = _text(row, "name", problems, name=True, max_length=100)
    out["address"] = _text(row, "address", problems, max_length=200)
    if out["parent_code"] and not CODE_RE.match(out["parent_code"]):
        problems.append(("parent_code", "编码只能含数字、字母和连字符"))
    kind = row.get("kind", "").strip() or "楼栋"
    if kind not in BUILDING_KINDS:
        problems.append(("kind", "应为 小区/楼栋/自然村/自建房"))
    out["kind"] = BUILDING_KINDS.get(kind, "building")
    if not (out["region_code"].isdigit() and len(out["region_code"]) in (12, 15)):
        problems.append(("region_code", "应为 12 位社区/村代码或 15 位网格编码"))
    for key, lo, hi in (("lat", 3.0, 54.0), ("lon", 73.0, 136.0)):
        text = row.get(key, "").strip()
        if not text:
            out[key] = None
            continue
        try:
            out[key] = float(text)
            if not lo <= out[key] <= hi:
                problems.append((key, f"不在中国境内的范围（{lo}–{hi}）"))
        except ValueError:
            problems.append((key, "应为数字（WGS-84 经纬度）"))
    floors = row.get("floors", "").strip()
    try:
        out["floors"] = int(floors) if floors else None
        if out["floors"] is not None and not 1 <= out["floors"] <= 200:
            problems.append(("floors", "层数应在 1–200 之间"))
    except ValueError:
        problems.append(("floors", "应为整数"))
    return out, problems
