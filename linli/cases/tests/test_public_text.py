"""修改公开内容: staff acting on a request rewrite what the public feed shows; the private text stays,
the edit is audited, and two editors at once cannot both win."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client

from linli.cases import services
from linli.cases.models import PUBLIC_TEXT_ACTION, Case, CaseEvent, Channel
from linli.core.models import AuditAction, AuditLog

from .conftest import CasesWorld, build_cases_world, grid_center

TYPED = "3号楼门口垃圾堆了三天，我姓黄，邻居都知道"


def _case(cw: CasesWorld) -> Case:
    lat, lon = grid_center(0)
    return services.case_create(
        by=cw.world.accounts.resident,
        category="sanitation.complaint",
        description=TYPED,
        channel=Channel.APP,
        lat=lat,
        lon=lon,
    )


def _published(number: str) -> str:
    return Client().get(f"/open311/v2/requests/{number}.json").json()[0]["description"]  # type: ignore[no-any-return]


def test_staff_edit_the_public_text_the_private_text_stays_and_the_edit_is_audited(cw: CasesWorld) -> None:
    case = _case(cw)
    worker = cw.world.accounts.community_worker
    assert _published(case.number) == TYPED  # nothing the automatic masking recognises
    edited = services.case_public_text_edit(
        case=case, text="3号楼门口垃圾堆积，已反映（电话 13912345678）", by=worker, version=case.version
    )
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.description == TYPED
    assert fresh.public_description == "3号楼门口垃圾堆积，已反映（电话 ***********）"  # masked again
    assert fresh.version == case.version == edited.version
    assert _published(case.number) == fresh.public_description
    log = AuditLog.objects.get(action=AuditAction.UPDATE, field="public_description")
    assert log.subject_id == str(case.pk) and log.actor == worker
    assert log.detail == {"before": TYPED, "after": fresh.public_description}
    event = CaseEvent.objects.get(case=case, action=PUBLIC_TEXT_ACTION)
    assert not event.public and event.action_label == "修改公开内容"


def test_an_edit_still_hides_an_anonymous_reporters_name(cw: CasesWorld) -> None:
    lat, lon = grid_center(0)
    case = services.case_create(
        by=cw.world.accounts.resident,  # 林建国, living with 陈秀英
        category="sanitation.complaint",
        description="门口垃圾",
        channel=Channel.APP,
        lat=lat,
        lon=lon,
        anonymous=True,
    )
    edited = services.case_public_text_edit(
        case=Case.objects.get(pk=case.pk),
        text="林建国和陈秀英家门口垃圾",
        by=cw.world.accounts.community_worker,
    )
    assert edited.public_description == "林**和陈**家门口垃圾"


def test_only_staff_acting_on_the_request_may_edit_it(cw: CasesWorld) -> None:
    case = _case(cw)
    a = cw.world.accounts
    for user in (a.resident, a.community_worker_b, cw.dept_user, a.department_handler):
        with pytest.raises(PermissionDenied):
            services.case_public_text_edit(case=case, text="改写", by=user)
    with pytest.raises(ValidationError) as exc:
        services.case_public_text_edit(case=case, text="<b>改写</b>", by=a.community_worker)
    assert "text" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.case_public_text_edit(case=case, text="  ", by=a.community_worker)
    assert Case.objects.get(pk=case.pk).public_description == TYPED
    assert not AuditLog.objects.filter(field="public_description").exists()


def test_a_stale_version_is_a_conflict_and_changes_nothing(cw: CasesWorld) -> None:
    case = _case(cw)
    worker = cw.world.accounts.community_worker
    services.case_public_text_edit(case=case, text="第一次修改", by=worker, version=case.version)
    stale = Case.objects.get(pk=case.pk)
    with pytest.raises(services.Conflict):
        services.case_public_text_edit(case=stale, text="第二次修改", by=worker, version=stale.version - 1)
    assert Case.objects.get(pk=case.pk).public_description == "第一次修改"
    assert AuditLog.objects.filter(field="public_description").count() == 1


def test_the_staff_page_shows_both_texts_and_edits_through_the_same_service(
    cw: CasesWorld, client_for
) -> None:
    case = _case(cw)
    worker = client_for(cw.world.accounts.community_worker)
    page = worker.get(f"/cases/{case.number}/").content.decode()
    assert 'id="public-description"' in page and "修改公开内容" in page and "原文，不公开" in page
    r = worker.post(
        f"/cases/{case.number}/public-text/", {"text": "3号楼门口垃圾堆积", "version": case.version}
    )
    assert r.status_code == 302
    page = worker.get(f"/cases/{case.number}/").content.decode()
    assert TYPED in page and "3号楼门口垃圾堆积</div>" in page
    # a stale form: 409 and what was typed is kept
    r = worker.post(f"/cases/{case.number}/public-text/", {"text": "我的改写", "version": case.version})
    assert (
        r.status_code == 409
        and "刚刚已被其他人处理" in r.content.decode()
        and "我的改写" in r.content.decode()
    )
    r = worker.post(f"/cases/{case.number}/public-text/", {"text": "", "version": case.version + 1})
    assert r.status_code == 422
    # the reporter sees neither the form nor the public text; out of scope is absent
    mine = client_for(cw.world.accounts.resident).get(f"/cases/{case.number}/").content.decode()
    assert "修改公开内容" not in mine and 'id="public-description"' not in mine
    assert (
        client_for(cw.world.accounts.resident)
        .post(f"/cases/{case.number}/public-text/", {"text": "x", "version": case.version + 1})
        .status_code
        == 403
    )
    other = client_for(cw.world.accounts.community_worker_b)
    assert other.post(f"/cases/{case.number}/public-text/", {"text": "x", "version": 1}).status_code == 404


def test_the_api_edits_through_the_same_service(cw: CasesWorld, token_client_for) -> None:
    case = _case(cw)
    c = token_client_for(cw.world.accounts.community_worker)
    r = c.post(
        f"/api/cases/{case.number}/public-text",
        {"text": "门口垃圾堆积，联系人：黄美玲", "version": case.version},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["public_description"] == "门口垃圾堆积，联系人：黄**" and r.json()["description"] == TYPED
    stale = c.post(
        f"/api/cases/{case.number}/public-text",
        {"text": "x", "version": case.version},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["code"] == "case.conflict"
    bad = c.post(
        f"/api/cases/{case.number}/public-text", {"text": "", "version": 2}, content_type="application/json"
    )
    assert bad.status_code == 422 and "text" in bad.json()["errors"]
    other = token_client_for(cw.world.accounts.community_worker_b)
    assert (
        other.post(
            f"/api/cases/{case.number}/public-text",
            {"text": "x", "version": 3},
            content_type="application/json",
        ).status_code
        == 404
    )
    resident = token_client_for(cw.world.accounts.resident)
    assert (
        resident.post(
            f"/api/cases/{case.number}/public-text",
            {"text": "x", "version": 3},
            content_type="application/json",
        ).status_code
        == 403
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_editors_at_once_exactly_one_wins(world) -> None:  # type: ignore[no-untyped-def]
    """Eight threads edit the public text from the same version: one conditional UPDATE wins."""
    cw = build_cases_world(world)
    case = _case(cw)
    worker = cw.world.accounts.community_worker
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def attempt(i: int) -> None:
        mine = Case.objects.get(pk=case.pk)
        barrier.wait()
        try:
            services.case_public_text_edit(case=mine, text=f"修改{i}", by=worker, version=case.version)
            outcomes.append(f"修改{i}")
        except services.Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o != "conflict"]
    assert len(winners) == 1 and outcomes.count("conflict") == 7
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.public_description == winners[0] and fresh.version == case.version + 1
    assert AuditLog.objects.filter(field="public_description").count() == 1
    assert CaseEvent.objects.filter(case=case, action=PUBLIC_TEXT_ACTION).count() == 1
