"""API authentication: sessions (with CSRF), bearer tokens (issue, use, revoke, expire), /api/me per role."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from linli.core.models import ApiToken, AuditAction, AuditLog
from linli.core.roles import Role
from linli.testing.factories import issue_token

pytestmark = pytest.mark.django_db


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_unauthenticated_is_401_in_chinese(world):
    response = Client().get("/api/persons")
    assert response.status_code == 401
    assert response.json() == {"detail": "未登录，或接口令牌无效、已吊销、已过期", "code": "unauthenticated"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unauthenticated_unsafe_method_is_401_not_a_csrf_403(world):
    """No session means nothing for a forged request to ride on: the answer is 'sign in', not 'CSRF'."""
    response = Client(enforce_csrf_checks=True).post(
        f"/api/persons/{world.people.head.pk}/reveal",
        {"field": "id_number", "reason": "核对身份"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL).exists()


def test_session_post_without_csrf_token_is_refused(world, client_for):
    client = client_for(world.accounts.community_worker, enforce_csrf_checks=True)
    response = client.post(
        f"/api/persons/{world.people.head.pk}/reveal",
        {"field": "id_number", "reason": "核对身份"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not AuditLog.objects.filter(action=AuditAction.REVEAL).exists()


def test_session_post_with_csrf_token_passes(world, client_for):
    client = client_for(world.accounts.community_worker, enforce_csrf_checks=True)
    secret = get_random_string(32)  # what a page's csrftoken cookie holds; the page echoes it in the header
    client.cookies["csrftoken"] = secret
    response = client.post(
        f"/api/persons/{world.people.head.pk}/reveal",
        {"field": "id_number", "reason": "核对身份"},
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert response.status_code == 200
    assert response.json()["value"] == world.people.head.id_number.reveal()


def test_token_auth_needs_no_csrf(world):
    key = issue_token(world.accounts.community_worker)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})
    response = client.post(
        f"/api/persons/{world.people.head.pk}/reveal",
        {"field": "phone", "reason": "电话回访"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"field": "phone", "value": "13859001234"}


def test_token_acts_as_its_account(world):
    key = issue_token(world.accounts.grid_worker)
    response = bearer(key).get("/api/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "grid_worker"
    assert body["via"] == "token"
    assert body["region_code"] == world.tree.grid_a1.code
    names = {p["name"] for p in bearer(key).get("/api/persons").json()["items"]}
    assert names == {"林建国", "陈秀英", "林晓东"}


@pytest.mark.parametrize(
    "header", ["Bearer ll_not-a-real-key", "Bearer ", "Token ll_x", "Basic dXNlcjpwYXNz"]
)
def test_unknown_or_malformed_token_is_401(world, header):
    response = Client(headers={"Authorization": header}).get("/api/me")
    assert response.status_code == 401


def test_revoked_token_fails(world):
    user = world.accounts.community_worker
    key = issue_token(user)
    assert bearer(key).get("/api/me").status_code == 200
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    response = bearer(key).post(f"/api/tokens/{token.pk}/revoke")
    assert response.status_code == 200
    assert response.json()["revoked"] is True
    assert bearer(key).get("/api/me").status_code == 401
    assert bearer(key).get("/api/persons").status_code == 401
    assert AuditLog.objects.filter(
        action=AuditAction.UPDATE, subject_type="core.apitoken", subject_id=str(token.pk), actor=user
    ).exists()


def test_expired_token_fails(world):
    key = issue_token(world.accounts.community_worker)
    ApiToken.objects.filter(key_hash=ApiToken.hash_key(key)).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert bearer(key).get("/api/me").status_code == 401


def test_token_of_inactive_account_fails(world):
    user = world.accounts.community_worker
    key = issue_token(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert bearer(key).get("/api/me").status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    key = issue_token(world.accounts.district_admin)
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    assert token.last_used_at is None
    client = bearer(key)
    client.get("/api/tokens")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with django_assert_num_queries(2):  # the token (with its account) and the token list; no UPDATE
        client.get("/api/tokens")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get("/api/tokens")
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=2)


def test_issue_token_returns_the_key_once_and_stores_only_its_hash(world, client_for):
    user = world.accounts.community_worker
    client = client_for(user)
    response = client.post(
        "/api/tokens", {"name": "民政数据交换", "expires_in_days": 30}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    key = body["key"]
    assert key.startswith("ll_") and len(key) > 40
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == user
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in (token.name, token.prefix, token.key_hash)
    assert token.expires_at is not None and token.expires_at > timezone.now() + dt.timedelta(days=29)
    listed = client.get("/api/tokens").json()
    assert [t["id"] for t in listed] == [token.pk]
    assert "key" not in listed[0]
    assert bearer(key).get("/api/me").json()["username"] == user.username
    assert (
        AuditLog.objects.filter(action=AuditAction.CREATE, subject_type="core.apitoken", actor=user).count()
        == 1
    )


def test_a_token_cannot_issue_tokens(world):
    key = issue_token(world.accounts.district_admin)
    response = bearer(key).post("/api/tokens", {"name": "再签一个"}, content_type="application/json")
    assert response.status_code == 401
    assert ApiToken.objects.count() == 1


def test_issue_token_needs_a_name(world, client_for):
    response = client_for(world.accounts.community_worker).post(
        "/api/tokens", {"name": ""}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "name" in response.json()["errors"]
    assert not ApiToken.objects.exists()


def test_tokens_of_another_account_are_invisible_and_cannot_be_revoked(world, client_for):
    key = issue_token(world.accounts.community_worker_b)
    other = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    client = client_for(world.accounts.community_worker)
    assert client.get("/api/tokens").json() == []
    assert client.post(f"/api/tokens/{other.pk}/revoke").status_code == 404
    other.refresh_from_db()
    assert other.revoked is False
    assert bearer(key).get("/api/me").status_code == 200


@pytest.mark.parametrize(
    ("account", "role", "region", "reveal", "export"),
    [
        ("resident", Role.RESIDENT, "350504001001", False, False),
        ("grid_worker", Role.GRID_WORKER, "350504001001001", True, False),
        ("community_worker", Role.COMMUNITY_WORKER, "350504001001", True, True),
        ("street_coordinator", Role.STREET_COORDINATOR, "350504001", False, False),
        ("department_handler", Role.DEPARTMENT_HANDLER, "350504", False, False),
        ("district_admin", Role.DISTRICT_ADMIN, "350504", True, True),
        ("system_admin", Role.SYSTEM_ADMIN, None, True, True),
    ],
)
def test_me(world, client_for, account, role, region, reveal, export):
    user = getattr(world.accounts, account)
    body = client_for(user).get("/api/me").json()
    assert body["username"] == user.username
    assert body["display_name"] == user.display_name
    assert body["role"] == role.value
    assert body["role_label"] == role.label
    assert body["region_code"] == region
    assert body["permissions"] == {"reveal": reveal, "export": export}
    assert body["via"] == "session"
    if account == "resident":
        assert body["person_id"] == world.people.head.pk
    if account == "department_handler":
        assert body["organisation"] == "洛江区民政局"
