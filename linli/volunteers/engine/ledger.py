"""时间银行: a double-entry ledger of time credits.

A movement takes ``amount`` hours from its debit account and gives them to its credit account; a
balance is never stored, it is the sum of the account's credits minus the sum of its debits. Every
movement adds +amount and -amount, so the sum of all balances is zero at every moment.

Kinds of movement (what the hours are for):
- earned   发放: the region's issuing account → the volunteer (hours confirmed at an activity);
- spent    兑换: the volunteer → the region's service pool (a service received);
- donated  捐赠: the volunteer → a family member's account or the community's pool;
- expired  过期: the volunteer → the region's expiry account (by the region's rule).

Accounts of kind ``issuer`` and ``expiry`` are the system's side and may go negative/positive
without limit; a person's or a pool's account may not be overdrawn beyond the region's limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

KINDS = {"earned": "服务获得", "spent": "兑换服务", "donated": "转赠", "expired": "到期清零"}
UNLIMITED_KINDS = frozenset({"issuer", "expiry"})


class LedgerError(ValueError):
    """A movement the ledger refuses; ``code`` says which rule."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Movement:
    debit: int
    credit: int
    amount: Decimal
    kind: str


def check_movement(m: Movement) -> None:
    if m.amount <= 0:
        raise LedgerError("时长须大于 0", "timebank.amount_invalid")
    if m.debit == m.credit:
        raise LedgerError("转出与转入不能是同一个账户", "timebank.same_account")
    if m.kind not in KINDS:
        raise LedgerError("未知的变动类型", "timebank.kind_invalid")


def balances(movements: Iterable[Movement]) -> dict[int, Decimal]:
    """Every account's balance: credits minus debits."""
    out: dict[int, Decimal] = {}
    for m in movements:
        out[m.debit] = out.get(m.debit, Decimal(0)) - m.amount
        out[m.credit] = out.get(m.credit, Decimal(0)) + m.amount
    return out


def may_debit(
    balance: Decimal, amount: Decimal, *, limit: Decimal = Decimal(0), unlimited: bool = False
) -> bool:
    """Whether an account holding ``balance`` may give ``amount``: never below ``-limit``."""
    return unlimited or balance - amount >= -limit


def check_debit(
    balance: Decimal, amount: Decimal, *, limit: Decimal = Decimal(0), unlimited: bool = False
) -> None:
    if not may_debit(balance, amount, limit=limit, unlimited=unlimited):
        extra = f"（本地区允许透支 {limit} 小时）" if limit else ""
        raise LedgerError(
            f"余额不足：当前余额 {balance} 小时，不能转出 {amount} 小时{extra}", "timebank.overdraft"
        )
