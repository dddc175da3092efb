"""A person search of one character (a surname, one name in fourteen) is counted to a smaller bound than
other filters: its matches are found by reading the scope's persons until the bound."""

from __future__ import annotations

import pytest

from linli.core import paging
from linli.registry import selectors

pytestmark = pytest.mark.django_db


def test_a_one_character_search_is_counted_to_its_own_bound(world, monkeypatch) -> None:
    user = world.accounts.community_worker
    names = list(selectors.person_list(user=user).values_list("name", flat=True))
    char = max({n[0] for n in names}, key=lambda c: sum(c in n for n in names))
    found = sum(char in n for n in names)
    assert found >= 2
    monkeypatch.setattr(paging, "BROAD_SEARCH_UP_TO", 1)
    one = selectors.person_list_count(user=user, filters=selectors.PersonFilter(q=char))
    assert (one.n, one.more) == (1, True)
    monkeypatch.setattr(paging, "BROAD_SEARCH_UP_TO", 1_000)
    whole = selectors.person_list_count(user=user, filters=selectors.PersonFilter(q=char))
    assert (whole.n, whole.more) == (found, False)
    name = next(n for n in names if len(n) >= 2)
    monkeypatch.setattr(paging, "BROAD_SEARCH_UP_TO", 0)  # two characters: the usual bound
    two = selectors.person_list_count(user=user, filters=selectors.PersonFilter(q=name[:2]))
    assert not two.more and two.n >= 1
