"""Text people type into names and short fields, cleaned before it is stored.

Pure Python, no Django import. A name is normalised to NFC and stripped of surrounding white
space; characters that change how text is shown without being seen are refused: control
characters (NUL, tab, line breaks, escape…), bidirectional overrides, embeddings, isolates and
marks (U+202E after a name shows the rest of every line that holds it reversed), zero-width
characters and the byte-order mark, and the other invisible format characters. Private-use
characters stay allowed: some offices type rare name characters (生僻字) with them.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200e\u200f\u061c"  # left-to-right, right-to-left and Arabic letter marks
)
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def _kind_of(ch: str) -> str | None:
    """What kind of forbidden character ``ch`` is, in Chinese; None when it is allowed."""
    if ch in BIDI_CONTROLS:
        return "文字方向控制符"
    if ch in ZERO_WIDTH:
        return "零宽字符"
    category = unicodedata.category(ch)
    if category == "Cc":
        return "控制字符"
    if category in ("Cf", "Zl", "Zp", "Cs"):
        return "不可见的格式字符"
    return None


def forbidden_character(value: str) -> str | None:
    """A Chinese description of the first forbidden character in ``value`` (None if there is none)."""
    for ch in value:
        kind = _kind_of(ch)
        if kind is not None:
            return f"{kind} U+{ord(ch):04X}"
    return None


def clean_text(value: str, *, max_length: int | None = None) -> str:
    """``value`` in NFC without surrounding white space; ValueError (Chinese) if it holds a forbidden
    character or is longer than ``max_length``. Empty text stays empty."""
    text = unicodedata.normalize("NFC", value).strip()
    found = forbidden_character(text)
    if found is not None:
        raise ValueError(f"含有{found}，请删除后重新填写")
    if max_length is not None and len(text) > max_length:
        raise ValueError(f"最长 {max_length} 个字")
    return text


def clean_name(value: str, *, max_length: int = 64) -> str:
    """A person's, building's or organisation's name: ``clean_text`` that must not be empty and holds
    no angle brackets (no name has them; markup does)."""
    text = clean_text(value, max_length=max_length)
    if not text:
        raise ValueError("必填")
    if "<" in text or ">" in text:
        raise ValueError("不能含有 < 或 >")
    return text
