"""Helpers for tests that race writers against each other (the rules the database must hold).

    outcomes = race([lambda: person_create(...) for _ in range(6)])
    assert sorted(outcomes) == ["ok"] + ["person.id_number_taken"] * 5

Threads race for real only on PostgreSQL (SQLite runs one writer at a time); mark such tests with
``on_postgresql`` and ``pytest.mark.django_db(transaction=True)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from linli.core.errors import Conflict

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads race only on PostgreSQL (SQLite runs one writer at a time)",
)


def race(attempts: list[Callable[[], Any]], *, timeout: float = 60) -> list[str]:
    """Run every attempt at once, each in its own thread with its own connection; return for each
    "ok", the Conflict's stable code, "invalid: …" for another refusal, or "error: …" for anything
    else (what would have been a server error)."""
    outcomes = [""] * len(attempts)
    barrier = threading.Barrier(len(attempts))

    def run(i: int, attempt: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            attempt()
            outcomes[i] = "ok"
        except Conflict as exc:
            outcomes[i] = exc.code
        except ValidationError as exc:
            outcomes[i] = f"invalid: {exc.messages}"
        except Exception as exc:  # noqa: BLE001 - the test reports it as the failure it is
            outcomes[i] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return outcomes
