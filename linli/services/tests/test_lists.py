"""The three lists (needs, resources, projects), their aggregation, scope, and matching confirmed by staff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from linli.core.models import AuditLog
from linli.core.scope import OutOfScope
from linli.registry.models import TagKind
from linli.services import selectors, services
from linli.services.engine import matching
from linli.services.models import Need, NeedStatus, ProjectStage, Resource, Service, TaxonomyTerm
from linli.testing.factories import PersonTagFactory, World


def term(code: str) -> TaxonomyTerm:
    return TaxonomyTerm.objects.get(code=code)


def test_need_for_a_person_outside_scope_is_refused(world: World) -> None:
    with pytest.raises(OutOfScope):
        services.need_create(
            actor=world.accounts.community_worker,
            person=world.people.in_b,
            category=term("health"),
            description="随访",
        )
    with pytest.raises(OutOfScope):
        services.need_create(
            actor=world.accounts.community_worker,
            region=world.tree.community_b,
            category=term("health"),
            description="群体需求",
        )
    assert not Need.objects.exists()
    with pytest.raises(ValidationError, match="需求内容"):
        services.need_create(
            actor=world.accounts.community_worker,
            person=world.people.head,
            category=term("health"),
            description="",
        )
    with pytest.raises(ValidationError, match="星期"):
        services.need_create(
            actor=world.accounts.community_worker,
            person=world.people.head,
            category=term("health"),
            description="体检",
            preferred_days=[9],
        )
    assert not Need.objects.exists()


def test_needs_are_counted_by_community_and_group(world: World) -> None:
    PersonTagFactory.create(person=world.people.spouse, kind=TagKind.LIVING_ALONE)
    worker = world.accounts.community_worker
    n = services.need_create(
        actor=worker,
        person=world.people.head,
        category=term("elderly_meal"),
        description="助餐",
        source="visit",
    )
    assert n.groups == ["elderly_60"] and n.region == world.tree.grid_a1
    assert AuditLog.objects.filter(subject_type="services.need", subject_id=str(n.pk)).exists()
    services.need_create(
        actor=worker, person=world.people.spouse, category=term("elderly_meal"), description="送餐"
    )
    services.need_create(
        actor=worker, person=world.people.child, category=term("employment"), description="找工作"
    )
    services.need_create(
        actor=world.accounts.community_worker_b,
        person=world.people.in_b,
        category=term("legal"),
        description="咨询",
    )
    summary = selectors.need_summary(worker)
    assert summary["categories"] == ["老年助餐", "就业"]
    assert summary["communities"] == [
        {
            "code": world.tree.community_a.code,
            "name": world.tree.community_a.name,
            "counts": [2, 1],
            "total": 3,
        }
    ]
    groups = {g["label"]: g["counts"] for g in summary["groups"]}
    assert groups == {"60周岁以上老年人": [2, 0], "独居": [1, 0], "一般居民": [0, 1]}
    district = selectors.need_summary(world.accounts.district_admin)
    assert sum(c["total"] for c in district["communities"]) == 4
    # a resident sees the needs of their own household, not their neighbours'
    assert {x.person.name for x in selectors.need_list(world.accounts.resident) if x.person} == {
        "林建国",
        "陈秀英",
        "林晓东",
    }


def test_resident_records_own_need_only(world: World) -> None:
    n = services.need_create(actor=world.accounts.resident, category=term("repair"), description="水管漏水")
    assert n.person == world.people.head and n.source == "request"
    with pytest.raises(OutOfScope):
        services.need_create(
            actor=world.accounts.resident,
            person=world.people.in_a2,
            category=term("repair"),
            description="代报",
        )


def test_project_stages_and_links(world: World) -> None:
    worker = world.accounts.community_worker
    need = services.need_create(
        actor=worker, person=world.people.head, category=term("elderly_meal"), description="助餐"
    )
    res = services.resource_create(
        actor=worker,
        name="食堂场地",
        kind="space",
        offered_by="resident_unit",
        provider_name="某小学",
        region=world.tree.community_a,
        category=term("elderly_meal"),
        opening_hours={"6": [["09:00", "11:00"]]},
    )
    with pytest.raises(ValidationError, match="资金来源"):
        services.project_create(
            actor=worker, name="X", region=world.tree.community_a, funding_source="lottery", budget=Decimal(1)
        )
    p = services.project_create(
        actor=worker,
        name="长者饭堂",
        region=world.tree.community_a,
        funding_source="purchase",
        budget=Decimal("180000"),
        needs=[need],
        resources=[res],
    )
    assert Need.objects.get(pk=need.pk).status == NeedStatus.MATCHED
    for _ in range(3):
        services.project_advance(actor=worker, project=p)
    with pytest.raises(ValidationError, match="得分"):
        services.project_advance(actor=worker, project=p)
    services.project_advance(actor=worker, project=p, score=90, note="满意度 95%")
    assert p.stage == ProjectStage.EVALUATED and list(p.events.values_list("stage", flat=True)) == [
        "approved",
        "budgeted",
        "published",
        "managed",
        "evaluated",
    ]
    with pytest.raises(OutOfScope):
        services.project_advance(actor=world.accounts.community_worker_b, project=p)
    with pytest.raises(ValidationError, match="0 小时|格式|HH:MM"):
        services.resource_create(
            actor=worker,
            name="坏",
            kind="space",
            offered_by="resident",
            provider_name="某人",
            region=world.tree.community_a,
            opening_hours={"1": [["9点", "10:00"]]},
        )


def test_matching_batch_confirm_makes_a_booking(
    world: World, make_service: Callable[..., Service], meal: Service, tomorrow: dt.date
) -> None:
    worker = world.accounts.community_worker
    services.slots_generate(service=meal, start=tomorrow, days=3)
    make_service(
        world.tree.community_a, name="青年就业指导", category="employment", eligible_tags=[], capacity=1
    )
    n1 = services.need_create(
        actor=worker,
        person=world.people.head,
        category=term("elderly_meal"),
        description="助餐",
        urgency="high",
    )
    n2 = services.need_create(
        actor=worker, person=world.people.child, category=term("elderly_meal"), description="也想助餐"
    )
    n3 = services.need_create(
        actor=worker, person=world.people.in_a2, category=term("employment"), description="找工作"
    )
    res = Resource.objects.create(
        name="爱心食堂",
        kind="space",
        offered_by="organisation",
        provider_name="某协会",
        region=world.tree.community_a,
        category=term("elderly_meal"),
        capacity=1,
    )
    batch = selectors.match_batch(worker, [n1, n2, n3])
    na, pa = batch.arrays
    assert pa.ids[:2] == [f"s{meal.pk}", pa.ids[1]] and f"r{res.pk}" in pa.ids
    assert batch.scores[1, pa.ids.index(f"s{meal.pk}")] == -1  # 林晓东 (37) is not 60+
    best = matching.assign_optimal(batch.scores, na.urgency, pa.capacity)
    chosen = {batch.needs[i].pk: pa.ids[j] for i, j in best.pairs}
    assert chosen[n1.pk] == f"s{meal.pk}" and chosen[n2.pk] == f"r{res.pk}"
    parts = matching.explain(na, pa, 0, pa.ids.index(f"s{meal.pk}"))
    assert parts[0] == ("类别", 40, "服务类别与需求一致") and "米" in parts[2][2]
    done = services.match_confirm(actor=worker, need=n1, service=meal)
    assert (
        done.status == NeedStatus.MATCHED
        and done.booking is not None
        and done.booking.person == world.people.head
    )
    services.match_confirm(actor=worker, need=n2, resource=res)
    n4 = services.need_create(
        actor=worker, person=world.people.spouse, category=term("elderly_meal"), description="助餐"
    )
    with pytest.raises(ValidationError, match="已满"):
        services.match_confirm(actor=worker, need=n4, resource=res)
    assert Need.objects.get(pk=n4.pk).status == NeedStatus.OPEN
    services.booking_serve(actor=worker, booking=done.booking, record="已送餐")
    assert Need.objects.get(pk=n1.pk).status == NeedStatus.SERVED
