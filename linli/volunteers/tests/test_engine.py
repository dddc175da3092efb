"""The plain-Python rules: star levels, the ledger, hours records."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from linli.volunteers.engine import hours, ledger, stars

D = Decimal
T0 = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)


def test_star_levels_from_hours_and_editable_thresholds():
    assert [stars.level_for(D(h)) for h in (0, 99.9, 100, 299, 300, 1499, 1500, 9000)] == [
        0,
        0,
        1,
        1,
        2,
        4,
        5,
        5,
    ]
    assert stars.to_next(D(250)) == D(50) and stars.to_next(D(1600)) is None
    assert stars.levels_reached(D(90), D(310)) == [1, 2]
    assert stars.level_for(D(60), [D(50), D(100)]) == 1
    with pytest.raises(stars.ThresholdError, match="须大于上一级"):
        stars.check_thresholds([D(100), D(100)])


def test_ledger_random_sequences_keep_every_balance_and_the_total():
    rnd = random.Random(7)
    issuer, accounts = 0, list(range(1, 11))
    accepted: list[ledger.Movement] = []
    bal = dict.fromkeys(accounts, D(0))
    for _ in range(2000):
        kind = rnd.choice(["earned", "spent", "donated"])
        amount = D(rnd.randint(1, 40)) / 2
        if kind == "earned":
            m = ledger.Movement(issuer, rnd.choice(accounts), amount, kind)
        else:
            a, b = rnd.sample(accounts, 2)
            m = ledger.Movement(a, issuer if kind == "spent" else b, amount, kind)
        ledger.check_movement(m)
        if m.debit != issuer and not ledger.may_debit(bal[m.debit], m.amount):
            with pytest.raises(ledger.LedgerError) as exc:
                ledger.check_debit(bal[m.debit], m.amount)
            assert exc.value.code == "timebank.overdraft"
            continue
        accepted.append(m)
        bal[m.debit] = bal.get(m.debit, D(0)) - m.amount
        bal[m.credit] = bal.get(m.credit, D(0)) + m.amount
    derived = ledger.balances(accepted)
    assert sum(derived.values()) == 0
    assert all(derived.get(a, D(0)) == bal[a] >= 0 for a in accounts)


def test_ledger_refuses_bad_movements_and_allows_a_regional_limit():
    with pytest.raises(ledger.LedgerError, match="大于 0"):
        ledger.check_movement(ledger.Movement(1, 2, D(0), "spent"))
    with pytest.raises(ledger.LedgerError, match="同一个账户"):
        ledger.check_movement(ledger.Movement(1, 1, D(1), "spent"))
    assert ledger.may_debit(D(1), D(3), limit=D(2)) and not ledger.may_debit(D(1), D(3.5), limit=D(2))


def test_hours_rules():
    span = hours.Span(T0, T0 + dt.timedelta(hours=2, minutes=20))
    assert hours.hours_between(span.start, span.end) == D("2.3")
    with pytest.raises(hours.HoursError) as exc:
        hours.check_span(span, hours.Span(T0 + dt.timedelta(minutes=30), T0 + dt.timedelta(hours=3)))
    assert exc.value.code == "record.outside_activity"
    other = hours.Span(T0 + dt.timedelta(hours=2), T0 + dt.timedelta(hours=4))
    with pytest.raises(hours.HoursError, match="重叠"):
        hours.check_no_overlap(span, [other])
    hours.check_no_overlap(span, [hours.Span(span.end, span.end + dt.timedelta(hours=1))])  # touching is fine
    with pytest.raises(hours.HoursError, match="自己"):
        hours.check_confirmer(5, 5)
    assert hours.counting([(1, None), (2, 1), (3, None)]) == {2, 3}
