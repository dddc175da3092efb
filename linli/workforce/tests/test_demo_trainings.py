"""The demo's rotation trainings: most overdue community workers get a recent one, some stay overdue."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from linli.registry.models import StaffKind, Training
from linli.testing.factories import StaffFactory
from linli.workforce import demo, selectors

from .conftest import Front

pytestmark = pytest.mark.django_db


def test_some_stay_overdue_and_a_few_fall_due(front: Front) -> None:
    tree, today = front.world.tree, timezone.localdate()
    for i in range(40):
        StaffFactory.create(
            kind=StaffKind.COMMUNITY_WORKER,
            post="居委会主任" if i % 4 == 0 else "居委会委员",
            region=tree.community_a if i % 2 else tree.community_b,
            grids=[],
        )
    before = selectors.training_rows(tree.district, today)
    assert len(before) == 40 and all(r.state == "overdue" for r in before)  # never trained
    made = demo._trainings(random.Random(7), tree.district, today)
    states = [r.state for r in selectors.training_rows(tree.district, today)]
    assert made == 34 and states.count("overdue") == 6  # 15 % of 40
    assert states.count("due") == 2 and states.count("ok") == 32
    assert Training.objects.filter(title__endswith="（演示）").count() == made  # labelled synthetic
