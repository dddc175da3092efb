"""Revealing a full ID or phone number and exporting persons: permissions, reasons, audit records."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from linli.core.models import AuditAction, AuditLog
from linli.registry.services import PERSON_COLUMNS
from linli.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

JSON = {"content_type": "application/json"}


# --- reveal --------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["id_number", "phone"])
def test_reveal_returns_the_value_and_writes_the_audit_record(world, client_for, field):
    user, person = world.accounts.community_worker, world.people.spouse
    response = client_for(user).post(
        f"/api/persons/{person.pk}/reveal",
        {"field": field, "reason": "办理低保核对"},
        REMOTE_ADDR="10.1.2.3",
        **JSON,
    )
    assert response.status_code == 200
    assert response.json() == {"field": field, "value": getattr(person, field).reveal()}
    assert response.headers["Cache-Control"] == "no-store"
    log = AuditLog.objects.get(action=AuditAction.REVEAL)
    assert (log.actor, log.actor_name, log.actor_role) == (user, "community_worker", "community_worker")
    assert (log.field, log.reason) == (field, "办理低保核对")
    assert (log.subject_type, log.subject_id, log.subject_label) == (
        "registry.person",
        str(person.pk),
        "陈秀英",
    )
    assert log.region_code == world.tree.grid_a1.code
    assert log.client_ip == "10.1.2.3"


def test_reveal_by_token(world, token_client_for):
    response = token_client_for(world.accounts.district_admin).post(
        f"/api/persons/{world.people.in_c.pk}/reveal",
        {"field": "id_number", "reason": "高龄津贴核对"},
        **JSON,
    )
    assert response.status_code == 200
    assert AuditLog.objects.get(action=AuditAction.REVEAL).actor == world.accounts.district_admin


@pytest.mark.parametrize("account", ["street_coordinator", "resident"])
def test_reveal_without_permission_is_403(world, client_for, account):
    response = client_for(getattr(world.accounts, account)).post(
        f"/api/persons/{world.people.head.pk}/reveal", {"field": "id_number", "reason": "核对身份"}, **JSON
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "本账号没有查看完整个人信息的权限"
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_permission_can_be_withdrawn(world, client_for):
    user = UserFactory(role="community_worker", region=world.tree.community_a, default_permissions=False)
    response = client_for(user).post(
        f"/api/persons/{world.people.head.pk}/reveal", {"field": "phone", "reason": "回访"}, **JSON
    )
    assert response.status_code == 403


@pytest.mark.parametrize("reason", ["", " ", "看"])
def test_reveal_without_a_reason_is_422(world, client_for, reason):
    response = client_for(world.accounts.community_worker).post(
        f"/api/persons/{world.people.head.pk}/reveal", {"field": "id_number", "reason": reason}, **JSON
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["reason"]
    assert world.people.head.id_number.reveal() not in response.content.decode()
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_of_another_field_is_422(world, client_for):
    response = client_for(world.accounts.community_worker).post(
        f"/api/persons/{world.people.head.pk}/reveal", {"field": "name", "reason": "核对身份"}, **JSON
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["field"]


@pytest.mark.parametrize(
    ("account", "person"),
    [("community_worker", "in_b"), ("grid_worker", "in_a2"), ("community_worker_b", "head")],
)
def test_reveal_out_of_scope_is_404(world, client_for, account, person):
    target = getattr(world.people, person)
    response = client_for(getattr(world.accounts, account)).post(
        f"/api/persons/{target.pk}/reveal", {"field": "id_number", "reason": "核对身份"}, **JSON
    )
    assert response.status_code == 404
    assert target.id_number.reveal() not in response.content.decode()
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL).exists()


# --- export --------------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_masked_csv_export_is_audited_with_its_row_count(world, client_for):
    user = world.accounts.community_worker
    response = client_for(user).get("/api/persons/export")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == [c.header for c in PERSON_COLUMNS]
    assert {r[0] for r in rows[1:]} == {"林建国", "陈秀英", "林晓东", "黄美玲"}
    full_ids = {p.id_number.reveal() for p in world.people.all()}
    assert not full_ids & {r[1] for r in rows[1:]}
    assert all("*" in r[1] and "*" in r[4] for r in rows[1:])
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (log.actor, log.row_count, log.field, log.region_code) == (
        user,
        4,
        "",
        world.tree.community_a.code,
    )
    assert log.detail == {"filters": {"status": "active"}, "full": False}


def test_full_export_needs_a_reason_and_gives_full_values(world, client_for):
    client = client_for(world.accounts.community_worker)
    refused = client.get("/api/persons/export?full=1")
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["reason"]
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()

    rows = _csv_rows(client.get("/api/persons/export?full=1&reason=低保年审&sex=M"))
    assert {(r[0], r[1], r[4]) for r in rows[1:]} == {
        ("林建国", world.people.head.id_number.reveal(), "13859001234"),
        ("林晓东", world.people.child.id_number.reveal(), world.people.child.phone.reveal()),
    }
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (log.row_count, log.reason, log.field) == (2, "低保年审", "id_number,phone")
    assert log.detail == {"filters": {"status": "active", "sex": "M"}, "full": True}


def test_xlsx_export(world, client_for):
    response = client_for(world.accounts.district_admin).get(
        f"/api/persons/export?format=xlsx&region={world.tree.town.code}"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [c.header for c in PERSON_COLUMNS]
    assert [r[0] for r in rows[1:]] == ["苏阿婆"]
    assert rows[1][1] != world.people.in_c.id_number.reveal() and "*" in rows[1][1]
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (log.row_count, log.region_code) == (1, world.tree.town.code)


def test_every_export_is_audited(world, client_for):
    client = client_for(world.accounts.district_admin)
    for query in ("", "?format=xlsx", "?tag=elderly_60", "?full=1&reason=核对"):
        assert client.get("/api/persons/export" + query).status_code == 200
    assert [log.row_count for log in AuditLog.objects.filter(action=AuditAction.EXPORT).order_by("id")] == [
        6,
        6,
        3,
        6,
    ]


def test_a_searched_id_number_is_masked_in_the_audit_log(world, client_for):
    number = world.people.head.id_number.reveal()
    client_for(world.accounts.community_worker).get(f"/api/persons/export?q={number}")
    log = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert log.row_count == 1
    assert number not in str(log.detail) and log.detail["filters"]["q"].startswith("3505****")


@pytest.mark.parametrize("account", ["street_coordinator", "grid_worker", "resident", "department_handler"])
def test_export_without_permission_is_403_and_streams_nothing(world, client_for, account):
    response = client_for(getattr(world.accounts, account)).get("/api/persons/export")
    assert response.status_code == 403
    assert response.json()["detail"] == "本账号没有导出个人信息的权限"
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_full_export_needs_the_reveal_permission_too(world, client_for):
    user = UserFactory(role="community_worker", region=world.tree.community_a, default_permissions=False)
    user.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    client = client_for(user)
    refused = client.get("/api/persons/export?full=1&reason=核对")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "本账号没有查看完整个人信息的权限，只能导出脱敏数据"
    assert client.get("/api/persons/export").status_code == 200
    assert AuditLog.objects.get(action=AuditAction.EXPORT).detail["full"] is False
