"""The full evaluation takes its new members a part at a time (``services.NEW_PART_PERSONS``): in parts of
one person each it opens the same files, memberships (with the same reasons) and alerts as in one part."""

from __future__ import annotations

import random
from typing import Any

import pytest

from linli.care import services
from linli.care.models import Alert, CareFile, CareMembership
from linli.care.tests.test_bulk import random_registry


def _snapshot() -> tuple[list[Any], list[Any], list[Any]]:
    return (
        sorted(CareFile.objects.values_list("person_id", "opened_on", "closed_on")),
        sorted(CareMembership.objects.values_list("file__person_id", "rule_id", "since", "until", "reason")),
        sorted(Alert.objects.values_list("file__person_id", "rule_id", "region_id", "reason", "raised_on")),
    )


def test_by_person_never_splits_a_person() -> None:
    pairs = [(1, 1), (1, 2), (2, 1), (3, 1), (3, 2), (3, 3), (4, 2)]
    parts = list(services._by_person(pairs, 2))
    assert parts == [[(1, 1), (1, 2), (2, 1)], [(3, 1), (3, 2), (3, 3), (4, 2)]]
    assert list(services._by_person(pairs, 1)) == [
        [(1, 1), (1, 2)],
        [(2, 1)],
        [(3, 1), (3, 2), (3, 3)],
        [(4, 2)],
    ]
    assert list(services._by_person([], 5)) == []


@pytest.mark.django_db
def test_an_evaluation_in_parts_equals_one_in_a_single_part(monkeypatch: pytest.MonkeyPatch) -> None:
    random_registry(random.Random(11))
    whole = services.care_evaluate()
    once = _snapshot()
    assert whole.opened > 1 and once[1]
    Alert.objects.all().delete()
    CareMembership.objects.all().delete()
    CareFile.objects.all().delete()
    monkeypatch.setattr(services, "NEW_PART_PERSONS", 1)
    parts = services.care_evaluate()
    assert _snapshot() == once
    assert (parts.opened, parts.files_opened, parts.alerts) == (
        whole.opened,
        whole.files_opened,
        whole.alerts,
    )
