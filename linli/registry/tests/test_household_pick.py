"""换户 on the phone: the person form picks the household by address, building or head of household."""

from __future__ import annotations

import pytest

from linli.registry.selectors import household_search
from linli.testing.factories import World


@pytest.mark.django_db
def test_household_search_by_address_building_or_head_within_scope(world: World, client_for) -> None:
    household = world.people.head.household
    worker = world.accounts.grid_worker
    assert household is not None
    for q in ("阳光花园1号楼1单元", world.people.building.name, "林建国"):
        hits = household_search(user=worker, q=q)
        assert [h.code for h in hits] == [household.code], q
        assert hits[0].head == "林**"
    assert household_search(user=world.accounts.community_worker_b, q="林建国") == []  # another community's
    assert household_search(user=worker, q="  ") == []
    page = client_for(worker).get("/registry/households/search/", {"q": "林建国"}).content.decode()
    assert f'data-code="{household.code}"' in page and "户主 林**" in page and "林建国" not in page
    form = client_for(worker).get(f"/registry/persons/{world.people.child.pk}/edit/").content.decode()
    assert 'id="household-search"' in form and "household-pick.js" in form


@pytest.mark.django_db
def test_household_search_is_one_query(world: World, django_assert_num_queries) -> None:
    user = world.accounts.community_worker
    user.region  # the account's region is loaded with the session's user  # noqa: B018
    with django_assert_num_queries(1):
        household_search(user=user, q="阳光花园")
