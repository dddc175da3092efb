"""A small fixture with numbers chosen so that every seed-000 indicator can be computed by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from linli.facilities.models import Facility, FacilityStatus, FacilityType
from linli.indicators.models import DataElement, DataValue, Indicator, ValueStatus
from linli.registry.models import CertificateLevel, ResidenceType, StaffKind
from linli.testing.factories import HouseholdFactory, PersonFactory, RegionTree, StaffFactory, UserFactory

# What the indicators catalogue itself ships (``data/catalogue.json``): modules above add their own
# indicators, targets and plans through their migrations, which these tests do not pin.
_CATALOGUE = json.loads((Path(__file__).resolve().parents[1] / "data" / "catalogue.json").read_text("utf-8"))
CATALOGUE_INDICATORS = frozenset(i["code"] for i in _CATALOGUE["indicators"])
CATALOGUE_PLANS = frozenset(p["code"] for p in _CATALOGUE["plans"])


def facility(region, type_code: str, building=None, activity=None, office=None, status=FacilityStatus.OPEN):
    n = Facility.objects.count() + 1
    return Facility.objects.create(
        code=f"F{n:05d}",
        name=f"{region.name}{type_code}",
        type=FacilityType.objects.get(code=type_code),
        region=region,
        building_area=building,
        activity_area=activity,
        office_area=office,
        status=status,
    )


def reported(code: str, region, value, year: int | None = None, period: int = 0, status=ValueStatus.APPROVED):
    return DataValue.objects.create(
        element=DataElement.objects.get(code=code),
        region=region,
        year=year or timezone.localdate().year,
        period=period,
        value=Decimal(str(value)),
        status=status,
    )


@dataclass
class Small:
    tree: RegionTree
    year: int


@pytest.fixture
def small(tree: RegionTree) -> Small:
    # these tests exercise a reported numerator: the volunteers module points the share at its register
    Indicator.objects.filter(code="volunteer_share").update(numerator="registered_volunteers")
    t = tree
    a1, b1, c1 = (
        t.grids[t.community_a.code][0],
        t.grids[t.community_b.code][0],
        t.grids[t.community_c.code][0],
    )
    # households: A 4, B 6, C 5, D 0
    hh = {a1: 4, b1: 6, c1: 5}
    made = {g: [HouseholdFactory(region=g) for _ in range(n)] for g, n in hh.items()}
    # persons: A 8 registered + 1 resident + 1 separated; B 12 resident; C 9 registered
    for i in range(8):
        PersonFactory(household=made[a1][i % 4], residence_type=ResidenceType.REGISTERED)
    PersonFactory(household=made[a1][0], residence_type=ResidenceType.RESIDENT)
    PersonFactory(household=made[a1][1], residence_type=ResidenceType.SEPARATED)
    for i in range(12):
        PersonFactory(household=made[b1][i % 6], residence_type=ResidenceType.RESIDENT)
    for i in range(9):
        PersonFactory(household=made[c1][i % 5], residence_type=ResidenceType.REGISTERED)
    # staff: A 2 workers (1 certified) + 1 inactive; B 1 certified worker + 1 certified grid worker; C 1 worker
    StaffFactory(region=t.community_a, certificate_level=CertificateLevel.ASSISTANT, certificate_no="S1")
    StaffFactory(region=t.community_a)
    StaffFactory(region=t.community_a, active=False)
    StaffFactory(region=t.community_b, certificate_level=CertificateLevel.SOCIAL_WORKER, certificate_no="S2")
    StaffFactory(
        region=b1,
        kind=StaffKind.GRID_WORKER,
        certificate_level=CertificateLevel.ASSISTANT,
        certificate_no="S1",
    )
    StaffFactory(region=t.community_c)
    # facilities
    facility(t.community_a, "party_center", 300, 200, 60)
    facility(t.community_a, "convenience_store", 120)
    facility(t.community_b, "community_center", 150, 80, 40)
    facility(t.community_c, "party_center", 200, 130, 50)
    facility(t.community_d, "party_center", 500, 400, 100, status=FacilityStatus.PLANNED)
    facility(t.community_a, "volunteer_station", 30)
    facility(a1, "police_room", 20)
    facility(t.community_a, "fire_station", 15)
    facility(t.community_c, "fire_station", 15)
    facility(t.community_b, "parent_school", 40)
    facility(t.community_c, "parent_school", 40)
    facility(t.community_a, "women_home", 25)
    facility(t.street, "social_work_station", 200)
    facility(t.community_c, "elderly_station", 180)
    year = timezone.localdate().year
    for region, v in ((t.community_a, 2), (t.community_b, 3), (t.community_c, 1)):
        reported("registered_volunteers", region, v, year)
    for region, v in (
        (t.community_a, 5000),
        (t.community_b, 4000),
        (t.community_c, 3000),
        (t.community_d, 2000),
    ):
        reported("community_floor_area", region, v, year)
    reported("urban_communities_with_selfservice", t.community_a, 1, year)
    reported("urban_communities_with_selfservice", t.community_b, 0, year)
    reported("new_residential_areas", t.district, 4, year)
    reported("new_residential_with_elderly", t.district, 3, year)
    reported("basic_medical_institutions", t.district, 10, year)
    reported("basic_medical_up_to_standard", t.district, 7, year)
    return Small(t, year)


@pytest.fixture
def users(tree: RegionTree):
    from linli.core.roles import Role

    return {
        "community_a": UserFactory(role=Role.COMMUNITY_WORKER, region=tree.community_a),
        "community_c": UserFactory(role=Role.COMMUNITY_WORKER, region=tree.community_c),
        "street": UserFactory(role=Role.STREET_COORDINATOR, region=tree.street),
        "town": UserFactory(role=Role.STREET_COORDINATOR, region=tree.town),
        "district": UserFactory(role=Role.DISTRICT_ADMIN, region=tree.district),
    }
