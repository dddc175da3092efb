"""Accounts: the login lockout (django-axes), changing and resetting passwords, exports that a cross-site
link cannot start, and the client address on every audit record.

The issue's examples: 30 wrong passwords in 23 s and then the right one signed in; the full person
export was a GET any link could trigger; audit records had no address unless the caller passed the request.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from linli.core import context
from linli.core.models import AuditAction, AuditLog, User
from linli.core.request_context import client_ip
from linli.core.roles import Role
from linli.core.services import audit_record
from linli.testing.factories import PASSWORD, UserFactory, World

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="threads race only on PostgreSQL (SQLite runs one writer at a time)",
)


@pytest.fixture
def core_account_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Core's own 账号管理 page, as a kernel without the accounts module serves it."""
    monkeypatch.setattr(context, "ACCOUNT_ADMIN", {})


def login(client: Client, username: str, password: str, ip: str = "10.9.8.7") -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def without_tokens(html: str | bytes) -> str:
    """A page with its CSRF tokens blanked (each render masks the token anew)."""
    text = html.decode() if isinstance(html, bytes) else html
    text = re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', text)


# --- lockout -------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(world: World) -> None:
    user = world.accounts.community_worker
    client = Client()
    for n in range(4):
        r = login(client, user.username, f"wrong-{n}")
        assert r.status_code == 200 and LOCKED not in r.content.decode()
    fifth = login(client, user.username, "wrong-4")
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode() and "30 分钟" in fifth.content.decode()
    right = login(client, user.username, PASSWORD)
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert not signed_in(client)
    assert client.get(reverse("home")).status_code == 302  # still signed out
    lock = AuditLog.objects.get(action=AuditAction.LOCKOUT)  # one record for the lock, not one per attempt
    assert (lock.actor, lock.actor_name, lock.subject_id, lock.client_ip) == (
        user,
        user.username,
        str(user.pk),
        "10.9.8.7",
    )
    assert lock.region_code == world.tree.community_a.code  # the district administrator sees it
    kept = "".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "wrong-" not in kept and PASSWORD not in kept  # the guesses are not kept in clear


def test_the_lock_is_per_account_from_every_address_and_spares_other_accounts(world: World) -> None:
    user, other = world.accounts.community_worker, world.accounts.grid_worker
    for n in range(5):
        login(Client(), user.username, "wrong", ip=f"10.0.0.{n + 1}")  # a new address for every guess
    assert login(Client(), user.username, PASSWORD, ip="10.0.0.99").status_code == 429
    client = Client()
    assert login(client, other.username, PASSWORD, ip="10.0.0.1").status_code == 302  # same office address
    assert signed_in(client)


def test_the_admin_site_login_is_locked_too(world: World) -> None:
    admin_user = world.accounts.system_admin
    User.objects.filter(pk=admin_user.pk).update(is_staff=True)
    for _ in range(5):
        login(Client(), admin_user.username, "wrong")
    r = Client().post(
        "/admin/login/", {"username": admin_user.username, "password": PASSWORD}, REMOTE_ADDR="10.9.8.7"
    )
    assert r.status_code == 429 and LOCKED in r.content.decode()


def test_a_name_nobody_has_is_locked_with_the_same_words(world: World) -> None:
    pages = []
    for name in ("no_such_account", world.accounts.grid_worker.username):
        for _ in range(5):
            r = login(Client(), name, "wrong")
        pages.append(without_tokens(r.content))
    assert pages[0] == pages[1]  # the page says nothing about whether the account exists
    ghost = AuditLog.objects.get(action=AuditAction.LOCKOUT, actor_name="no_such_account")
    assert ghost.actor is None and ghost.region_code == ""


def test_a_correct_sign_in_clears_the_count(world: World) -> None:
    user = world.accounts.community_worker
    for _ in range(4):
        login(Client(), user.username, "wrong")
    assert login(Client(), user.username, PASSWORD).status_code == 302
    for _ in range(4):
        login(Client(), user.username, "wrong")
    assert login(Client(), user.username, PASSWORD).status_code == 302
    assert not AuditLog.objects.filter(action=AuditAction.LOCKOUT).exists()


def test_the_lock_ends_after_thirty_minutes(world: World) -> None:
    user = world.accounts.community_worker
    for _ in range(5):
        login(Client(), user.username, "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
    assert login(Client(), user.username, PASSWORD).status_code == 302


@pytest.mark.usefixtures("core_account_page")
def test_a_system_administrator_lifts_the_lock(world: World, client_for: Any) -> None:
    user, admin = world.accounts.community_worker, world.accounts.system_admin
    for _ in range(5):
        login(Client(), user.username, "wrong")
    client = client_for(admin)
    page = client.get(reverse("account_admin")).content.decode()
    assert "登录被锁定的账号" in page and "解除锁定" in page and user.username in page

    assert client.get(reverse("account_unlock")).status_code == 405
    r = client.post(reverse("account_unlock"), {"username": user.username}, REMOTE_ADDR="10.1.1.1")
    assert r.status_code == 302
    assert f"已解除账号 {user.username} 的登录锁定" in client.get(r.url).content.decode()
    unlock = AuditLog.objects.get(action=AuditAction.UNLOCK)
    assert (unlock.actor, unlock.subject_id, unlock.client_ip) == (admin, str(user.pk), "10.1.1.1")

    fresh = Client()
    assert login(fresh, user.username, PASSWORD).status_code == 302 and signed_in(fresh)
    again = client.post(reverse("account_unlock"), {"username": user.username}, follow=True)
    assert "该账号当前没有被锁定" in again.content.decode()
    assert AuditLog.objects.filter(action=AuditAction.UNLOCK).count() == 1


@pytest.mark.parametrize("account", ["district_admin", "community_worker"])
@pytest.mark.usefixtures("core_account_page")
def test_only_a_system_administrator_lifts_a_lock(world: World, client_for: Any, account: str) -> None:
    user = world.accounts.grid_worker
    for _ in range(5):
        login(Client(), user.username, "wrong")
    client = client_for(getattr(world.accounts, account))
    assert client.post(reverse("account_unlock"), {"username": user.username}).status_code == 403
    assert login(Client(), user.username, PASSWORD).status_code == 429
    assert not AuditLog.objects.filter(action=AuditAction.UNLOCK).exists()
    if account == "district_admin":  # sees the account page, not the locked list
        page = client.get(reverse("account_admin")).content.decode()
        assert "登录被锁定的账号" not in page


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_simultaneous_wrong_passwords_still_lock(world: World) -> None:
    user = world.accounts.community_worker
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def guess(n: int) -> None:
        try:
            barrier.wait()
            statuses.append(login(Client(), user.username, f"wrong-{n}", ip=f"10.0.1.{n}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 10 and set(statuses) <= {200, 429}, statuses
    assert login(Client(), user.username, PASSWORD).status_code == 429
    assert AuditLog.objects.filter(action=AuditAction.LOCKOUT, actor=user).exists()


def test_test_clients_still_sign_in(world: World, client_for: Any) -> None:
    """``client_for`` (force_login) is unchanged; ``Client.login`` must hand axes a request, as axes
    documents: without one the lockout backend refuses rather than let a sign-in past unchecked."""
    from axes.exceptions import AxesBackendRequestParameterRequired
    from django.http import HttpRequest

    assert client_for(world.accounts.community_worker).get(reverse("home")).status_code == 200
    user = world.accounts.grid_worker
    client = Client()
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    with pytest.raises(AxesBackendRequestParameterRequired):
        Client().login(username=user.username, password=PASSWORD)


# --- changing one's own password ---------------------------------------------------------------------


def test_change_page_is_chinese_and_reachable_from_every_page(world: World, client_for: Any) -> None:
    client = client_for(world.accounts.resident)
    home = client.get(reverse("home")).content.decode()
    assert reverse("account_password") in home
    page = client.get(reverse("account_password")).content.decode()
    for text in ("账号设置 / 修改密码", "当前密码", "新密码", "再次输入新密码"):
        assert text in page


@pytest.mark.parametrize(
    ("old", "new1", "new2", "field", "message"),
    [
        ("wrong-pass", "Linli-new-2025", "Linli-new-2025", "old_password", "当前密码不正确"),
        (PASSWORD, "Linli-new-2025", "Linli-new-2026", "new_password2", "两次输入的新密码不一致"),
        (PASSWORD, "12345678", "12345678", "new_password2", "密码只包含数字"),
        (PASSWORD, "abc", "abc", "new_password2", "此密码太短"),
        (PASSWORD, PASSWORD, PASSWORD, "new_password1", "新密码不能与当前密码相同"),
    ],
)
def test_change_refuses_bad_input_naming_the_field(
    world: World, client_for: Any, old: str, new1: str, new2: str, field: str, message: str
) -> None:
    user = world.accounts.community_worker
    r = client_for(user).post(
        reverse("account_password"), {"old_password": old, "new_password1": new1, "new_password2": new2}
    )
    assert r.status_code == 200
    assert message in " ".join(r.context["form"].errors.get(field, [])), r.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditLog.objects.filter(action=AuditAction.PASSWORD_CHANGE).exists()


def test_change_keeps_the_session_and_is_audited(world: World, client_for: Any) -> None:
    user = world.accounts.community_worker
    client = client_for(user)
    r = client.post(
        reverse("account_password"),
        {"old_password": PASSWORD, "new_password1": "Linli-new-2025", "new_password2": "Linli-new-2025"},
        REMOTE_ADDR="10.2.2.2",
    )
    assert r.status_code == 302 and r.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200  # still signed in
    assert login(Client(), user.username, PASSWORD).status_code == 200  # the old one is refused
    assert login(Client(), user.username, "Linli-new-2025").status_code == 302
    log = AuditLog.objects.get(action=AuditAction.PASSWORD_CHANGE)
    assert (log.actor, log.subject_id, log.client_ip) == (user, str(user.pk), "10.2.2.2")
    assert "Linli-new-2025" not in str(log.detail)


# --- resetting another account's password -----------------------------------------------------------


def _one_time_password(html: str) -> str:
    found = re.search(r'id="one-time-password">([^<]+)<', html)
    assert found, html
    return found.group(1)


@pytest.mark.usefixtures("core_account_page")
def test_reset_shows_a_one_time_password_and_forces_a_change(world: World, client_for: Any) -> None:
    target, admin = world.accounts.community_worker, world.accounts.system_admin
    target_session = client_for(target)
    assert target_session.get(reverse("home")).status_code == 200

    r = client_for(admin).post(reverse("account_reset", args=[target.pk]), REMOTE_ADDR="10.3.3.3")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    password = _one_time_password(r.content.decode())
    assert len(password) == 12
    log = AuditLog.objects.get(action=AuditAction.PASSWORD_RESET)
    assert (log.actor, log.subject_id, log.client_ip) == (admin, str(target.pk), "10.3.3.3")
    assert password not in str(log.detail) and password not in log.subject_label

    assert target_session.get(reverse("home")).status_code == 302  # the open session has ended
    assert login(Client(), target.username, PASSWORD).status_code == 200  # the old password is gone

    client = Client()
    assert login(client, target.username, password).status_code == 302
    for url in (reverse("home"), reverse("registry:persons"), reverse("audit_log")):
        r = client.get(url)
        assert (r.status_code, r["Location"]) == (302, reverse("account_password"))
    api = client.get("/api/me")
    assert api.status_code == 403 and api.json()["code"] == "account.password_change_required"
    page = client.get(reverse("account_password")).content.decode()
    assert "本账号的密码已由管理员重置" in page
    r = client.post(
        reverse("account_password"),
        {"old_password": password, "new_password1": "Linli-mine-2025", "new_password2": "Linli-mine-2025"},
    )
    assert r.status_code == 302
    assert client.get(reverse("registry:persons")).status_code == 200
    target.refresh_from_db()
    assert not target.must_change_password


@pytest.mark.usefixtures("core_account_page")
def test_reset_lifts_a_lockout(world: World, client_for: Any) -> None:
    target = world.accounts.grid_worker
    for _ in range(5):
        login(Client(), target.username, "wrong")
    r = client_for(world.accounts.district_admin).post(reverse("account_reset", args=[target.pk]))
    password = _one_time_password(r.content.decode())
    assert login(Client(), target.username, password).status_code == 302
    assert AuditLog.objects.get(action=AuditAction.PASSWORD_RESET).detail == {"lockout_lifted": True}


@pytest.mark.usefixtures("core_account_page")
def test_reset_is_a_post(world: World, client_for: Any) -> None:
    target = world.accounts.community_worker
    client = client_for(world.accounts.system_admin)
    assert client.get(reverse("account_reset", args=[target.pk])).status_code == 405
    target.refresh_from_db()
    assert target.check_password(PASSWORD) and not target.must_change_password


@pytest.mark.parametrize(
    ("by", "target", "allowed"),
    [
        ("district_admin", "community_worker", True),
        ("district_admin", "grid_worker", True),
        ("district_admin", "resident", True),
        ("district_admin", "system_admin", False),  # above them
        ("district_admin", "district_admin", False),  # their own: changed, not reset
        ("district_admin", "outsider", False),  # no region in their subtree
        ("district_admin", "staff", False),  # an account with the admin site
        ("community_worker", "grid_worker", False),
        ("street_coordinator", "grid_worker", False),
        ("system_admin", "district_admin", True),
        ("system_admin", "outsider", True),
    ],
)
@pytest.mark.usefixtures("core_account_page")
def test_who_may_reset_whom_and_the_rest_reads_as_absent(
    world: World, client_for: Any, by: str, target: str, allowed: bool
) -> None:
    extra: dict[str, User] = {
        "outsider": UserFactory.create(username="outsider", role=Role.COMMUNITY_WORKER, region=None),
        "staff": UserFactory.create(username="staffer", role=Role.COMMUNITY_WORKER, is_staff=True),
    }
    account: User = extra.get(target) or getattr(world.accounts, target)
    client = client_for(getattr(world.accounts, by))
    r = client.post(reverse("account_reset", args=[account.pk]))
    assert r.status_code == (200 if allowed else 404)
    absent = client.post(reverse("account_reset", args=[999_999]))
    if not allowed:
        assert absent.status_code == 404  # out of scope reads as absent
        assert without_tokens(r.content) == without_tokens(absent.content)
    account.refresh_from_db()
    assert account.must_change_password is allowed
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_RESET).count() == int(allowed)
    listing = client.get(reverse("account_admin"), {"q": account.username})
    if by in ("district_admin", "system_admin"):
        assert (f">{account.username}<" in listing.content.decode()) is allowed
    else:
        assert listing.status_code == 403


@pytest.mark.usefixtures("core_account_page")
def test_account_admin_is_in_the_navigation_of_administrators_only(world: World, client_for: Any) -> None:
    url = reverse("account_admin")
    assert url in client_for(world.accounts.district_admin).get(reverse("home")).content.decode()
    assert url in client_for(world.accounts.system_admin).get(reverse("home")).content.decode()
    assert url not in client_for(world.accounts.community_worker).get(reverse("home")).content.decode()


def test_with_the_accounts_module_there_is_one_account_place(world: World, client_for: Any) -> None:
    """The accounts module takes 账号管理 over: one menu entry, and core's old pages redirect there."""
    client = client_for(world.accounts.district_admin)
    nav = dict(client.get(reverse("home")).context["nav"])
    assert nav.get("accounts:list") == "账号管理" and "account_admin" not in nav
    r = client.get(reverse("account_admin"), {"q": "grid"})
    assert r.status_code == 302 and r.url == reverse("accounts:list") + "?q=grid"
    assert client.get(r.url).status_code == 200
    target = world.accounts.grid_worker
    r = client.post(reverse("account_reset", args=[target.pk]))
    assert r.status_code == 302 and r.url == reverse("accounts:detail", args=[target.pk])
    assert User.objects.get(pk=target.pk).check_password(PASSWORD)  # nothing was reset by the old door
    r = client_for(world.accounts.system_admin).post(reverse("account_unlock"), {"username": target.username})
    assert r.status_code == 302 and r.url == reverse("accounts:list")


# --- exports a cross-site request cannot start --------------------------------------------------------


def test_the_page_export_is_a_post_with_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.accounts.community_worker)
    url = reverse("registry:export", args=["persons"])
    assert client.get(url, {"format": "csv", "full": "1", "reason": "核对"}).status_code == 405
    assert client.post(url, {"format": "csv"}).status_code == 403  # a forged form: no token
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()
    page = client.get(reverse("registry:persons")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token and f'action="{url}"' in page
    r = client.post(url, {"format": "csv", "csrfmiddlewaretoken": token.group(1)})
    assert r.status_code == 200 and "text/csv" in r["Content-Type"]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_a_session_read_of_the_api_export_needs_the_csrf_header(world: World, token_client_for: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.accounts.community_worker)
    url = "/api/persons/export?full=1&reason=核对"
    refused = client.get(url)  # what a link on another site does
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    client.get(reverse("home"))  # the page sets the CSRF cookie
    assert client.get(url, headers={"X-CSRFToken": "x" * 32}).status_code == 403
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()
    ok = client.get(url, headers={"X-CSRFToken": client.cookies["csrftoken"].value})
    assert ok.status_code == 200
    assert token_client_for(world.accounts.community_worker).get(url).status_code == 200  # tokens: no header
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == 2
    assert client.get("/api/persons").status_code == 200  # other reads are unchanged


# --- the client address on every audit record -----------------------------------------------------------


def test_every_audit_record_of_a_request_has_its_address(world: World, client_for: Any) -> None:
    """Services write audit records without the request (here: creating a person through the API)."""
    client = client_for(world.accounts.community_worker)
    r = client.post(
        "/api/persons",
        {"name": "新居民", "sex": "女", "birth_date": "1990-05-06", "region_code": world.tree.grid_a1.code},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.44",
    )
    assert r.status_code == 201, r.content
    log = AuditLog.objects.get(action=AuditAction.CREATE, subject_type="registry.person")
    assert log.client_ip == "192.0.2.44"
    item = client.get("/api/audit-log").json()["items"][0]
    assert item["client_ip"] == "192.0.2.44"
    page = client_for(world.accounts.district_admin).get(reverse("audit_log")).content.decode()
    assert "192.0.2.44" in page and "客户端地址" in page


def test_outside_a_request_there_is_no_address(world: World) -> None:
    log = audit_record(actor=world.accounts.system_admin, action=AuditAction.KEY_ROTATION)
    assert log.client_ip is None


def _request(remote: str, forwarded: str = "") -> Any:
    request = RequestFactory().get("/")
    request.META["REMOTE_ADDR"] = remote
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(settings: Any) -> None:
    settings.LINLI_TRUSTED_PROXIES = []
    assert client_ip(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"
    settings.LINLI_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"  # not from the proxy


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("203.0.113.9, 10.0.0.5", "203.0.113.9"),  # two proxies of ours
        ("6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the client wrote itself is left of it
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("not-an-address", "10.0.0.2"),
        ("", "10.0.0.2"),
    ],
)
def test_behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_hop(
    settings: Any, forwarded: str, expected: str
) -> None:
    settings.LINLI_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request("10.0.0.2", forwarded)) == expected


def test_the_lockout_counts_the_same_address_as_the_audit_log(world: World, settings: Any) -> None:
    settings.LINLI_TRUSTED_PROXIES = ["10.0.0.0/8"]
    user = world.accounts.community_worker
    for _ in range(5):
        Client().post(
            reverse("login"),
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    assert AuditLog.objects.get(action=AuditAction.LOCKOUT).client_ip == "203.0.113.9"
