"""指标公式: a small, safe arithmetic language over data element codes (no ``eval``).

Grammar::

    expr   := term (("+" | "-") term)*
    term   := factor (("*" | "/") factor)*
    factor := NUMBER | CODE | "(" expr ")" | "-" factor

A CODE is a data element code (letters, digits, underscores, not starting with a digit).
Evaluation takes a mapping code → Decimal | None; any missing operand makes the result missing
(``Missing`` names the codes) — never zero.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation

TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(.))")
MAX_LENGTH = 500


class FormulaError(ValueError):
    """The formula text cannot be parsed, or names an unknown data element."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message if position is None else f"{message}（第 {position + 1} 个字符）")
        self.position = position


class Missing(Exception):  # noqa: N818 — a result, not a failure
    """An operand has no value; ``codes`` names the data elements without one."""

    def __init__(self, codes: Iterable[str]):
        self.codes = sorted(set(codes))
        super().__init__("缺少数据：" + "、".join(self.codes))


class ZeroDivisor(Exception):  # noqa: N818
    """The formula divides by zero."""


@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Ref:
    code: str


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Node
    right: Node


Node = Num | Ref | Neg | BinOp


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None or m.end() == pos:  # only trailing whitespace left
            break
        start = m.start(m.lastindex or 0)
        if m.group(1) is not None:
            out.append(("num", m.group(1), start))
        elif m.group(2) is not None:
            out.append(("ref", m.group(2), start))
        elif m.group(3) is not None:
            ch = m.group(3)
            if ch not in "+-*/()":
                raise FormulaError(f"公式中有不允许的字符“{ch}”", start)
            out.append(("op", ch, start))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise FormulaError("公式不完整：结尾缺少运算数", len(self.text))
        self.i += 1
        return tok

    def expr(self) -> Node:
        node = self.term()
        while (tok := self.peek()) is not None and tok[1] in "+-" and tok[0] == "op":
            self.i += 1
            node = BinOp(tok[1], node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while (tok := self.peek()) is not None and tok[1] in "*/" and tok[0] == "op":
            self.i += 1
            node = BinOp(tok[1], node, self.factor())
        return node

    def factor(self) -> Node:
        kind, text, pos = self.take()
        if kind == "num":
            return Num(Decimal(text))
        if kind == "ref":
            return Ref(text)
        if text == "-":
            return Neg(self.factor())
        if text == "(":
            node = self.expr()
            close = self.peek()
            if close is None or close[1] != ")":
                raise FormulaError("括号没有闭合", pos)
            self.i += 1
            return node
        raise FormulaError(f"此处应为数据元编码或数字，而不是“{text}”", pos)


def parse(text: str, known: Iterable[str] | None = None) -> Node:
    """Parse ``text``; with ``known``, every referenced code must be one of them."""
    if not text or not text.strip():
        raise FormulaError("公式为空")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"公式过长（最多 {MAX_LENGTH} 个字符）")
    p = _Parser(text)
    node = p.expr()
    extra = p.peek()
    if extra is not None:
        raise FormulaError(f"多余的“{extra[1]}”", extra[2])
    if known is not None:
        known_set = set(known)
        unknown = sorted(references(node) - known_set)
        if unknown:
            raise FormulaError("未知的数据元：" + "、".join(unknown))
    return node


def references(node: Node) -> set[str]:
    if isinstance(node, Ref):
        return {node.code}
    if isinstance(node, Num):
        return set()
    if isinstance(node, Neg):
        return references(node.operand)
    return references(node.left) | references(node.right)


def evaluate(node: Node, values: Mapping[str, Decimal | None]) -> Decimal:
    """The value of ``node``; raises Missing (naming every missing code) or ZeroDivisor."""
    missing = sorted(c for c in references(node) if values.get(c) is None)
    if missing:
        raise Missing(missing)
    return _eval(node, values)


Fn = Callable[[Mapping[str, Decimal | None]], Decimal]


def _compile(node: Node) -> Fn:
    """The node as a Python closure (evaluated many thousand times: once per region and indicator)."""
    if isinstance(node, Num):
        value = node.value
        return lambda _v: value
    if isinstance(node, Ref):
        code = node.code
        return lambda v: v[code]  # type: ignore[return-value]  # checked for None before the call
    if isinstance(node, Neg):
        inner = _compile(node.operand)
        return lambda v: -inner(v)
    a, b = _compile(node.left), _compile(node.right)
    if node.op == "+":
        return lambda v: a(v) + b(v)
    if node.op == "-":
        return lambda v: a(v) - b(v)
    if node.op == "*":
        return lambda v: a(v) * b(v)

    def divide(v: Mapping[str, Decimal | None]) -> Decimal:
        d = b(v)
        if d == 0:
            raise ZeroDivisor()
        return a(v) / d

    return divide


class Formula:
    """A parsed formula with its references and compiled evaluator."""

    __slots__ = ("node", "refs", "_fn")

    def __init__(self, node: Node):
        self.node = node
        self.refs = tuple(sorted(references(node)))
        self._fn = _compile(node)

    @classmethod
    def parse(cls, text: str, known: Iterable[str] | None = None) -> Formula:
        return cls(parse(text, known))

    def evaluate(self, values: Mapping[str, Decimal | None]) -> Decimal:
        missing = [c for c in self.refs if values.get(c) is None]
        if missing:
            raise Missing(missing)
        return self._fn(values)


def _eval(node: Node, values: Mapping[str, Decimal | None]) -> Decimal:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Ref):
        v = values[node.code]
        assert v is not None
        return Decimal(v)
    if isinstance(node, Neg):
        return -_eval(node.operand, values)
    a, b = _eval(node.left, values), _eval(node.right, values)
    if node.op == "+":
        return a + b
    if node.op == "-":
        return a - b
    if node.op == "*":
        return a * b
    if b == 0:
        raise ZeroDivisor()
    try:
        return a / b
    except (DivisionByZero, InvalidOperation) as exc:  # pragma: no cover — guarded above
        raise ZeroDivisor() from exc
