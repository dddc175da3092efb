"""The services step of the 洛江 demo (synthetic, ``source="demo"``): a directory of a few hundred
services across the taxonomy, needs and resources per community, projects, bookable slots for the
coming two weeks, a month of booking history with ratings, and one-window applications.

One module per concern: ``data`` (the fixed material) and ``load`` (the writes).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from linli.regions.models import Level, Region
from linli.services.demo.data import DEMO, DISTRICT
from linli.services.demo.load import load
from linli.services.models import Service

__all__ = ["DEMO", "DISTRICT", "demo_loaded", "demo_run"]


def demo_loaded() -> bool:
    return Service.objects.filter(source=DEMO).exists()


def demo_run(
    *, seed: int = 2026, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    district = (
        Region.objects.current().filter(code=DISTRICT, source=DEMO).first()
        or Region.objects.current().filter(code=DISTRICT).first()
    )
    if district is None or not Region.objects.current().subtree(DISTRICT).filter(level=Level.GRID).exists():
        return {}
    today = today or timezone.localdate()
    rnd = random.Random(seed)
    with transaction.atomic():
        return load(rnd, district, today, log)
