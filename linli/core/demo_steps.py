"""The demo's later steps: each module adds its synthetic data after the registry's (演示数据).

A module registers a ``DemoStep`` from its ``AppConfig.ready``. ``manage.py demo_load`` loads the
registry first and then runs every step, in ``order``, whose data is not loaded yet, so that a
database made before a module existed gets that module's demo data on the next ``make run``.

Every page says when the data shown is synthetic: a module whose rows mark the demo registers a
check with ``register_presence`` (regions: a region loaded from the demo), and ``present`` asks them.

The module that makes the demo accounts registers ``register_accounts(list_them)``; the login page of
a demo database lists them (the terminal's copy scrolls away under the server's output).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class DemoStep:
    name: str
    label: str  # Chinese, shown while loading
    order: int
    # run(seed=, today=, log=) loads the step's data in one transaction and returns {中文标签: 数量}.
    run: Callable[..., dict[str, int]]
    loaded: Callable[[], bool]


STEPS: dict[str, DemoStep] = {}


def register(step: DemoStep) -> None:
    STEPS[step.name] = step


def ordered() -> list[DemoStep]:
    return sorted(STEPS.values(), key=lambda s: (s.order, s.name))


def run_steps(
    *, seed: int, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> list[tuple[DemoStep, dict[str, int] | None]]:
    """Run every registered step not yet loaded; ``None`` counts mean the step was already loaded."""
    today = today or timezone.localdate()
    done: list[tuple[DemoStep, dict[str, int] | None]] = []
    for step in ordered():
        if step.loaded():
            done.append((step, None))
            continue
        log(f"正在加载{step.label}…")
        started = time.perf_counter()
        counts = step.run(seed=seed, today=today, log=log)
        log(f"  {step.label}：用时 {time.perf_counter() - started:.1f} 秒")
        done.append((step, counts))
    return done


PRESENCE: list[Callable[[], bool]] = []


def register_presence(check: Callable[[], bool]) -> None:
    """Register a check answering whether this module's synthetic demo rows are in the database."""
    if check not in PRESENCE:
        PRESENCE.append(check)


def present() -> bool:
    """Whether any synthetic demo data is loaded (the banner on every page)."""
    return any(check() for check in PRESENCE)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # Chinese label
    place: str  # the region or organisation it works for
    password: str


ACCOUNT_LISTERS: list[Callable[[], list[DemoAccount]]] = []


def register_accounts(list_them: Callable[[], list[DemoAccount]]) -> None:
    """Register the function listing the demo accounts that exist (shown on a demo's login page)."""
    if list_them not in ACCOUNT_LISTERS:
        ACCOUNT_LISTERS.append(list_them)


def accounts() -> list[DemoAccount]:
    return [account for list_them in ACCOUNT_LISTERS for account in list_them()]
