"""Page and API are two doors to the same services: the same write gives the same state, and a refused
one the same stable code (page: the form's error code; API: ``code`` of the JSON answer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client

from linli.core.models import User
from linli.services import services
from linli.services.models import Booking, Need, Service, Slot, TaxonomyTerm
from linli.testing.factories import World


def _page_code(response, field: str) -> str:  # type: ignore[no-untyped-def]
    """The code of the first error of ``field`` on the page's form ("__all__": not a field's)."""
    assert response.status_code == 200, response.status_code
    return str(response.context["form"].errors.as_data()[field][0].code)


def test_booking_through_page_and_api(
    world: World,
    meal: Service,
    make_service: Callable[..., Service],
    tomorrow: dt.date,
    client_for: Callable[[User], Client],
) -> None:
    services.slots_generate(service=meal, start=tomorrow, days=1)
    first, second = Slot.objects.filter(service=meal).order_by("starts_at")[:2]
    c = client_for(world.accounts.resident)
    page = c.post(f"/services/{meal.pk}/book/", {"slot": first.pk})
    api = c.post("/api/services/bookings", {"slot": second.pk}, content_type="application/json")
    assert page.status_code == 302 and api.status_code == 201
    by_page, by_api = Booking.objects.get(slot=first), Booking.objects.get(slot=second)
    assert (by_page.person, by_page.status, by_page.booked_by) == (
        by_api.person,
        by_api.status,
        by_api.booked_by,
    )
    assert [s.booked for s in Slot.objects.filter(pk__in=[first.pk, second.pk])] == [1, 1]
    # the same place twice: a Conflict, the same code at both doors, nothing written
    page = c.post(f"/services/{meal.pk}/book/", {"slot": first.pk})
    api = c.post("/api/services/bookings", {"slot": first.pk}, content_type="application/json")
    assert api.status_code == 409
    assert _page_code(page, "slot") == api.json()["code"] == "booking.duplicate"
    # a service the resident may not use (children only): the same code, on no field of the form
    kids = make_service(world.tree.community_a, name="儿童托管", category="childcare", max_age=12)
    services.slots_generate(service=kids, start=tomorrow, days=1)
    slot = Slot.objects.filter(service=kids).first()
    assert slot is not None
    page = c.post(f"/services/{kids.pk}/book/", {"slot": slot.pk})
    api = c.post("/api/services/bookings", {"slot": slot.pk}, content_type="application/json")
    assert api.status_code == 422
    assert _page_code(page, "__all__") == api.json()["code"] == "booking.not_eligible"
    assert Booking.objects.count() == 2 and Slot.objects.get(pk=slot.pk).booked == 0


def test_need_through_page_and_api(world: World, client_for: Callable[[User], Client]) -> None:
    worker = world.accounts.community_worker
    c = client_for(worker)
    head, spouse = world.people.head, world.people.spouse
    form = {
        "category": "elderly_meal",
        "description": "希望每天中午助餐",
        "source": "visit",
        "urgency": "low",
    }
    page = c.post("/services/needs/", {**form, "person": head.name, "days": ["1", "3"]})
    api = c.post(
        "/api/services/needs",
        {
            "person_id": spouse.pk,
            "category": "elderly_meal",
            "description": "希望每天中午助餐",
            "source": "visit",
            "preferred_days": [1, 3],
        },
        content_type="application/json",
    )
    assert page.status_code == 302 and api.status_code == 201, api.json()
    fields = (
        "category",
        "description",
        "source",
        "urgency",
        "preferred_days",
        "status",
        "region",
        "recorded_by",
    )
    by_page, by_api = Need.objects.get(person=head), Need.objects.get(person=spouse)
    assert [getattr(by_page, f) for f in fields] == [getattr(by_api, f) for f in fields]
    assert by_page.category == TaxonomyTerm.objects.get(code="elderly_meal")
    # the same open need again: Conflict need.duplicate at both doors
    page = c.post("/services/needs/", {**form, "person": head.name})
    api = c.post(
        "/api/services/needs",
        {
            "person_id": head.pk,
            "category": "elderly_meal",
            "description": "希望每天中午助餐",
            "source": "visit",
        },
        content_type="application/json",
    )
    assert api.status_code == 409
    assert _page_code(page, "description") == api.json()["code"] == "need.duplicate"
    # too short a description: the service's rule, the same code
    page = c.post("/services/needs/", {**form, "person": head.name, "description": "饭"})
    api = c.post(
        "/api/services/needs",
        {"person_id": head.pk, "category": "elderly_meal", "description": "饭"},
        content_type="application/json",
    )
    assert api.status_code == 422
    assert _page_code(page, "description") == api.json()["code"] == "need.description_required"
    assert Need.objects.count() == 2
