"""Fixtures of the services tests: a small directory in the standard world."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from linli.services.models import Service, ServiceKind, TaxonomyTerm
from linli.testing.factories import World

ALL_DAY = {str(d): [["08:00", "12:00"], ["14:00", "20:00"]] for d in range(1, 8)}


@pytest.fixture
def make_service(db: None) -> Callable[..., Service]:
    def make(region: Any, **kw: Any) -> Service:
        values: dict[str, Any] = {
            "name": "长者助餐",
            "kind": ServiceKind.PUBLIC,
            "category": TaxonomyTerm.objects.get(code=kw.pop("category", "elderly_meal")),
            "region": region,
            "opening_hours": ALL_DAY,
            "capacity": 2,
            "slot_minutes": 60,
            "lat": 24.961,
            "lon": 118.671,
            "address": "阳光花园党群服务中心",
        }
        values.update(kw)
        return Service.objects.create(**values)

    return make


@pytest.fixture
def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture
def meal(world: World, make_service: Callable[..., Service]) -> Service:
    """长者助餐 for the elderly (60+) of community A."""
    return make_service(world.tree.community_a, eligible_tags=["elderly_60"])
