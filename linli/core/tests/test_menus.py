"""Every role's menu offers only pages that work for it: each link opens (no 403/404) and shows content.

The test world gets one row of each kind in 万福社区 (community A) and its grid A1 — a request filed by
the resident and one dispatched to the district's department, a facility, a service, a need — so that a
page that stays empty for a role is an empty shell for it, not a page waiting for data.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from linli.cases import services as case_services
from linli.cases.models import Channel
from linli.cases.tests.conftest import build_cases_world, grid_center
from linli.core.context import navigation
from linli.emergency.tests.seed import seed as emergency_seed
from linli.facilities import services as facility_services
from linli.registry.models import OrganisationKind
from linli.services import services as service_services
from linli.services.models import Service, ServiceKind, TaxonomyTerm
from linli.testing.factories import OrganisationFactory, StaffFactory, World
from linli.volunteers import services as volunteer_services

# What a list or a page says when it has nothing for the account (the import page's history is not its
# content: the page is the upload form).
EMPTY = re.compile(r"共 0 |没有符合条件|没有服务|暂无(?!导入记录)|所选期间没有")
ALL_DAY = {str(d): [["08:00", "12:00"], ["14:00", "20:00"]] for d in range(1, 8)}


def _seed(world: World) -> None:
    a = world.accounts
    tree = world.tree
    build_cases_world(world)
    lat, lon = grid_center(0)  # grid A1
    case_services.case_create(
        by=a.resident,
        category="sanitation.complaint",
        description="楼下垃圾桶满了",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
    )
    hotline = case_services.case_create(
        by=a.community_worker,
        category="sanitation.complaint",
        description="老人申请高龄津贴不知道怎么办",
        channel=Channel.HOTLINE,
        lat=lat,
        lon=lon,
        reporter_name="陈秀英",
    )
    case_services.case_dispatch(
        case=hotline, by=a.community_worker, organisation=a.department_handler.organisation
    )
    for up in (
        [a.community_worker],
        [a.community_worker, a.street_coordinator],
    ):  # to the street, to the district
        case = case_services.case_create(
            by=a.community_worker,
            category="sanitation.complaint",
            description="河道漂浮垃圾多，社区无力清理",
            channel=Channel.HOTLINE,
            lat=lat,
            lon=lon,
        )
        for by in up:
            case = case_services.case_act(
                case=case, by=by, action="escalate", version=case.version, note="超出本级处置能力"
            )
    OrganisationFactory.create(
        name="阳光花园物业", kind=OrganisationKind.PROPERTY_COMPANY, region=tree.community_a
    )
    StaffFactory.create(name="陈社工", region=tree.community_a)
    facility_services.facility_create(
        by=a.district_admin,
        data={
            "name": "万福社区党群服务中心",
            "type": "party_center",
            "region_code": tree.community_a.code,
            "building_area": "620",
            "activity_area": "400",
            "office_area": "100",
            "commercial_area": "20",
            "lat": "24.961",
            "lon": "118.671",
            "hours_1": "08:30-12:00, 14:30-18:00",
        },
    )
    meal = TaxonomyTerm.objects.get(code="elderly_meal")
    Service.objects.create(
        name="长者助餐",
        kind=ServiceKind.PUBLIC,
        category=meal,
        region=tree.community_a,
        opening_hours=ALL_DAY,
        capacity=2,
        slot_minutes=60,
        lat=24.961,
        lon=118.671,
        address="阳光花园党群服务中心",
    )
    service_services.need_create(
        actor=a.community_worker, category=meal, description="希望就近助餐", person=world.people.head
    )
    volunteer_services.volunteer_register(actor=a.community_worker, person=world.people.spouse, consent=True)
    emergency_seed(world)


def _text(html: str) -> str:
    main = re.search(r"<main.*?</main>", html, re.S)
    body = re.sub(
        r"<script.*?</script>|<style.*?</style>|<select.*?</select>",
        "",
        main.group(0) if main else html,
        flags=re.S,
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.mark.django_db
def test_every_menu_link_opens_a_page_with_content(world: World, client: Client) -> None:
    _seed(world)
    failures = []
    a = world.accounts
    for user in (
        a.resident,
        a.grid_worker,
        a.community_worker,
        a.street_coordinator,
        a.department_handler,
        a.district_admin,
        a.system_admin,
    ):
        client.force_login(user)
        nav, _ = navigation(user)
        for name, label in nav:
            r = client.get(reverse(name), follow=True)
            if r.status_code != 200:
                failures.append(f"{user.username} {label}: HTTP {r.status_code}")
                continue
            empty = EMPTY.search(_text(r.content.decode()))
            if empty:
                failures.append(f"{user.username} {label}: empty ({empty.group(0)})")
    assert not failures, "\n".join(failures)
