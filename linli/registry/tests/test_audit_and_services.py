"""Four-no-miss audit, person services, key rotation."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from linli.core.engine.crypto import new_key_spec
from linli.core.personal import cipher
from linli.core.scope import OutOfScope
from linli.core.services_keys import keys_rotate
from linli.registry import services
from linli.registry.models import Person, PersonTag
from linli.registry.selectors import PersonFilter, audit_details, four_no_miss, person_list
from linli.registry.services import person_create, person_tag_add, person_update
from linli.testing.factories import BuildingFactory, HouseholdFactory, PersonFactory

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[118.0, 24.0], [118.1, 24.0], [118.1, 24.1], [118.0, 24.1], [118.0, 24.0]]],
}


@pytest.mark.django_db
def test_four_no_miss_finds_each_kind_of_gap_per_region(world):
    t, p = world.tree, world.people
    t.grid_a1.boundary = SQUARE
    t.grid_a1.save()
    p.building.lat, p.building.lon = 24.05, 118.05
    p.building.save()
    BuildingFactory(region=t.grid_a1, lat=25.5, lon=118.05)  # outside its grid, no households
    HouseholdFactory(region=t.grid_a2)  # nobody lives there
    PersonFactory(region=t.community_b, name="未入格")  # no grid, no household
    # A duplicate ID registered before the rule (the unique index lets only such marked records be).
    PersonFactory(region=t.grid_b1, name="重号", id_number=p.in_b.id_number.reveal(), legacy_duplicate=True)
    rows, total = four_no_miss(user=world.accounts.district_admin, region=t.street)
    by = {r.region.code: r.counts for r in rows}
    a, b = by[t.community_a.code], by[t.community_b.code]
    assert a["buildings_outside_grid"] == 1 and a["buildings_without_households"] == 1
    assert a["households_without_persons"] == 1
    assert b["persons_without_grid"] == 1 and b["duplicate_persons"] == 2
    assert total.counts["persons_without_household"] == sum(
        r.counts["persons_without_household"] for r in rows
    )
    # A community worker of A sees only A's findings.
    _, total_a = four_no_miss(user=world.accounts.community_worker, region=t.street)
    assert total_a.counts["duplicate_persons"] == 0 and total_a.counts["buildings_outside_grid"] == 1
    names = {
        x.name
        for x in audit_details(user=world.accounts.district_admin, region=t.street, check="duplicate_persons")
    }
    assert names == {"郑志强", "重号"}


@pytest.mark.django_db
def test_person_create_validates_and_refuses_out_of_scope(world):
    w = world.accounts.community_worker
    with pytest.raises(ValidationError) as exc:
        person_create(by=w, data={"name": "", "id_number": "123", "region_code": world.tree.grid_a1.code})
    assert set(exc.value.message_dict) == {"name", "id_number"}
    with pytest.raises(ValidationError) as outside:  # another community's grid reads like an unknown one
        person_create(
            by=w,
            data={
                "name": "外",
                "sex": "男",
                "birth_date": "1990-01-01",
                "region_code": world.tree.grid_b1.code,
            },
        )
    assert outside.value.message_dict == {"region_code": ["所属网格编码：" + services.REGION_ABSENT]}
    with pytest.raises(ValidationError, match="已登记"):
        person_create(
            by=w,
            data={
                "name": "重",
                "id_number": world.people.head.id_number.reveal(),
                "region_code": world.tree.grid_a1.code,
            },
        )
    assert not Person.objects.filter(name__in=["外", "重"]).exists()


@pytest.mark.django_db
def test_person_update_keeps_unchanged_fields_and_moves_household(world):
    p = world.people.in_a2
    before_id = p.id_number.reveal()
    person_update(
        by=world.accounts.community_worker,
        person=p,
        data={"phone": "13700001234", "household_code": world.people.household.code, "relation": "其他"},
    )
    p.refresh_from_db()
    assert p.id_number.reveal() == before_id and p.phone.reveal() == "13700001234"
    assert p.household == world.people.household and p.region == world.tree.grid_a1
    assert person_list(user=world.accounts.community_worker, filters=PersonFilter(q="13700001234")).get() == p
    with pytest.raises(OutOfScope):
        person_update(by=world.accounts.community_worker_b, person=p, data={"name": "改名"})


@pytest.mark.django_db
def test_tags_have_periods_and_age_tags_are_derived(world):
    w, head = world.accounts.community_worker, world.people.head
    person_tag_add(by=w, person=head, kind="living_alone", valid_from=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError, match="已有效"):
        person_tag_add(by=w, person=head, kind="living_alone", valid_from=dt.date(2021, 1, 1))
    with pytest.raises(ValidationError, match="残疾类别"):
        person_tag_add(by=w, person=head, kind="disabled", valid_from=dt.date(2021, 1, 1))
    PersonTag.objects.create(
        person=world.people.child, kind="dibao", valid_from=dt.date(2019, 1, 1), valid_to=dt.date(2020, 1, 1)
    )
    found = set(person_list(user=w, filters=PersonFilter(tag="living_alone")))
    assert found == {head}
    assert not person_list(user=w, filters=PersonFilter(tag="dibao")).exists()  # ended
    elderly = set(
        person_list(
            user=world.accounts.district_admin,
            filters=PersonFilter(tag="elderly_80"),
            today=dt.date(2026, 11, 22),
        )
    )
    assert elderly == {world.people.in_c}


@pytest.mark.django_db
def test_keys_rotate_reencrypts_and_lookups_work_throughout(world):
    head = world.people.head
    plain = head.id_number.reveal()
    new = new_key_spec("k9")
    with override_settings(FIELD_KEYS=f"{new},{cipher().keys[0].key_id}:{_b64(cipher().keys[0].secret)}"):
        cipher.cache_clear()
        try:
            # Before rotation: the old index still finds the person.
            assert person_list(user=world.accounts.system_admin, filters=PersonFilter(q=plain)).get() == head
            counts = keys_rotate()
            assert counts["registry.Person"] == Person.objects.count()
            assert keys_rotate()["registry.Person"] == 0  # safe to run twice
            raw = (
                Person.objects.filter(pk=head.pk)
                .extra(select={"tok": "id_number"})
                .values_list("tok", flat=True)[0]
            )
            assert raw.startswith("k9$")
            assert person_list(user=world.accounts.system_admin, filters=PersonFilter(q=plain)).get() == head
        finally:
            cipher.cache_clear()


def _b64(secret: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(secret).decode()
