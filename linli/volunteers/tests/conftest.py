"""Fixtures of the volunteers tests: a volunteer and an activity under way in community A."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.services.models import TaxonomyTerm
from linli.testing.factories import World
from linli.volunteers import services
from linli.volunteers.models import Activity, Volunteer


@pytest.fixture
def volunteer(world: World) -> Volunteer:
    return services.volunteer_register(
        actor=world.accounts.resident,
        person=world.people.head,
        consent=True,
        skills=["陪伴聊天"],
        available_days=[6, 7],
        service_areas=[TaxonomyTerm.objects.get(code="elderly")],
    )


@pytest.fixture
def make_activity(world: World) -> Any:
    def make(start: dt.datetime | None = None, hours: float = 3, **kw: Any) -> Activity:
        start = start or timezone.now() - dt.timedelta(minutes=30)
        values: dict[str, Any] = {
            "actor": world.accounts.community_worker,
            "region": world.tree.community_a,
            "title": "敬老院陪伴",
            "place": "阳光花园党群服务中心",
            "starts_at": start,
            "ends_at": start + dt.timedelta(hours=hours),
            "positions": [("陪伴聊天", 2), ("文艺表演", 1)],
            "lat": 24.961,
            "lon": 118.671,
        }
        values.update(kw)
        return services.activity_create(**values)

    return make
