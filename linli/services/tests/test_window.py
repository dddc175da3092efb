"""One-window items: the application from intake to completion, the materials rule and the negative list."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from linli.core.scope import OutOfScope
from linli.services import selectors, services
from linli.services.models import ApplicationStatus, ServiceItem
from linli.testing.factories import World


def test_application_goes_from_intake_to_completion(world: World) -> None:
    item = ServiceItem.objects.get(code="elderly_allowance")
    resident, worker = world.accounts.resident, world.accounts.community_worker
    app = services.application_submit(actor=resident, item=item, provided=["居民身份证"])
    assert app.status == ApplicationStatus.SUBMITTED and app.region == world.tree.community_a
    assert app.materials == {"居民身份证": True, "户口簿": False, "本人银行卡（社保卡）": False}
    with pytest.raises(ValidationError, match="材料不齐.*户口簿"):
        services.application_act(actor=worker, application=app, action="accept")
    with pytest.raises(ValidationError, match="不能进行此操作"):
        services.application_act(actor=worker, application=app, action="complete")
    app = services.application_act(actor=worker, application=app, action="accept", provided=item.materials)
    assert app.status == ApplicationStatus.ACCEPTED and app.due_on is not None
    app = services.application_act(actor=worker, application=app, action="approve")
    app = services.application_act(actor=worker, application=app, action="complete", note="准予发放")
    assert app.status == ApplicationStatus.DONE and app.result == "准予发放"
    assert list(app.steps.values_list("status", flat=True)) == ["submitted", "accepted", "approving", "done"]
    # the resident follows it; community B's worker does not see it
    assert list(selectors.application_list(resident)) == [app]
    assert not selectors.application_list(world.accounts.community_worker_b).exists()
    with pytest.raises(OutOfScope):
        services.application_act(
            actor=world.accounts.community_worker_b, application=app, action="return", note="xx"
        )
    with pytest.raises(PermissionDenied):
        services.application_act(actor=resident, application=app, action="accept")


def test_unknown_material_and_other_person_refused(world: World) -> None:
    item = ServiceItem.objects.get(code="dibao")
    with pytest.raises(ValidationError, match="不是本事项的材料"):
        services.application_submit(actor=world.accounts.resident, item=item, provided=["护照"])
    with pytest.raises(OutOfScope):
        services.application_submit(actor=world.accounts.resident, item=item, person=world.people.in_a2)


@pytest.mark.parametrize(
    "text", ["出具无犯罪记录证明", "开具亲属关系证明", "社区协助招商引资任务", "请社区开个健在证明"]
)
def test_negative_list_refuses_community_tasks(world: World, text: str) -> None:
    with pytest.raises(ValidationError, match="负面清单") as exc:
        services.check_not_excluded(text)
    assert "应由" in str(exc.value)
    with pytest.raises(ValidationError, match="负面清单"):
        services.service_item_create(
            actor=world.accounts.district_admin,
            code="x",
            name=text,
            department="某局",
            level="community",
            materials=[],
            time_limit_days=5,
        )
    assert not ServiceItem.objects.filter(code="x").exists()


def test_catalogue_is_seeded_and_ordinary_items_accepted(world: World) -> None:
    names = set(ServiceItem.objects.values_list("name", flat=True))
    assert {
        "居住证办理",
        "高龄津贴申领",
        "最低生活保障申请",
        "残疾人证办理",
        "临时救助申请",
        "城乡居民医保参保登记",
    } <= names
    services.check_not_excluded("高龄津贴申领")
    item = services.service_item_create(
        actor=world.accounts.district_admin,
        code="canteen_card",
        name="长者饭堂就餐卡办理",
        department="民政局",
        level="community",
        materials=["居民身份证"],
        time_limit_days=3,
    )
    assert item.pk
    with pytest.raises(PermissionDenied):
        services.service_item_create(
            actor=world.accounts.community_worker,
            code="y",
            name="某事项",
            department="d",
            level="community",
            materials=[],
            time_limit_days=1,
        )
