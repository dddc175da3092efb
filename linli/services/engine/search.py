"""The resident's service search: the words typed, split, each widened by the words residents use for the
same thing (同义词). Plain Python: the selector turns the alternatives into one query."""

from __future__ import annotations

import re

# Each group: words that mean the same service to a resident; the first is the word the page suggests.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("助餐", "老年助餐", "长者助餐", "长者饭堂", "送餐", "吃饭", "饭堂", "食堂"),
    ("体检", "健康体检", "检查身体", "查体"),
    ("养老", "老人", "长者", "敬老", "托老", "照料"),
    ("助浴", "洗澡"),
    ("托育", "托管", "带孩子", "看孩子", "儿童", "婴幼儿", "四点半课堂", "课后"),
    ("维修", "修理", "水电", "家电维修", "管道", "疏通", "修水管"),
    ("卫生健康", "看病", "医生", "家庭医生", "医疗", "就医", "慢病"),
    ("心理疏导", "心理", "心理咨询", "谈心", "情绪"),
    ("法律", "律师", "法律咨询", "法律援助", "调解", "打官司"),
    ("家政", "保洁", "保姆", "月嫂", "打扫"),
    ("助残", "残疾", "康复", "辅具"),
    ("就业", "找工作", "招聘", "技能培训", "创业"),
    ("文化体育", "文体", "健身", "跳舞", "阅读", "看书"),
    ("志愿服务", "志愿者", "义工", "互助"),
    ("政务代办", "代办", "帮办", "办事"),
)

_SPLIT = re.compile(r"[\s,，、;；。/|]+")


def words(text: str) -> list[str]:
    """The words of a search (split on spaces and punctuation), each once, in the order typed."""
    out: list[str] = []
    for w in _SPLIT.split(text.strip()):
        if w and w not in out:
            out.append(w[:40])
    return out[:5]


def alternatives(word: str) -> list[str]:
    """``word`` and every word of a synonym group it belongs to (the word itself first)."""
    out = [word]
    for group in SYNONYMS:
        if word in group:
            out += [w for w in group if w not in out]
    return out
