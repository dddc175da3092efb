"""API authentication: bearer tokens for other systems, the session for pages; and the token writes.

Every endpoint accepts either (``API_AUTH``):

- ``Authorization: Bearer ll_…`` — an ``ApiToken`` looked up by the SHA-256 of the key (only the
  hash is stored); refused when revoked, expired or its account is inactive. ``last_used_at`` is
  written at most once a minute, so a busy integration does not turn every read into a write.
- the Django session of a signed-in page, with Django's CSRF check on unsafe methods (ninja's
  ``django_auth``). The check runs only when a session is signed in: a request without one carries
  no ambient credential a forged request could ride on, and must get 401, not a CSRF 403.

Reads that hand out personal data in bulk and write an audit record (the person export) take
``PERSONAL_DATA_AUTH`` instead: there the session must show the CSRF token on reads too, in the
``X-CSRFToken`` header as the pages' htmx requests send it. A cross-site link, image or form could
otherwise start such an export in a signed-in browser (the session cookie is sent with a top-level
GET from another site), and a cross-site script cannot set that header. Bearer tokens are never sent
by a browser on its own, so they need nothing more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware, RejectRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from linli.core.errors import Forbidden
from linli.core.models import ApiToken, AuditAction, User
from linli.core.services import audit_record

TOKEN_PREFIX = "ll_"
LAST_USED_EVERY = dt.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """接口令牌认证: ``Authorization: Bearer ll_…``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = token_lookup(token)
        if found is None:
            return None
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


def token_lookup(key: str) -> ApiToken | None:
    """The live token for ``key`` (not revoked, not expired, its account active), or None.

    One indexed query with the account; ``last_used_at`` is refreshed at most every LAST_USED_EVERY.
    Other doors that take a key (Open311's ``api_key``) call this too, so a revoked key stops at once.
    """
    key = key.strip()
    if not key.startswith(TOKEN_PREFIX):
        return None
    found = (
        ApiToken.objects.select_related("user", "user__region", "user__person")
        .filter(key_hash=ApiToken.hash_key(key), revoked=False)
        .first()
    )
    now = timezone.now()
    if found is None or not found.user.is_active:
        return None
    if found.expires_at is not None and found.expires_at <= now:
        return None
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found


class SessionAuth(NinjaSessionAuth):
    """会话认证: the signed-in page's session; unsafe methods must pass Django's CSRF check.

    With ``csrf_on_read`` reads must pass it too (the token in the ``X-CSRFToken`` header).
    """

    def __init__(self, *, csrf_on_read: bool = False) -> None:
        super().__init__()
        self.csrf_on_read = csrf_on_read

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if self.csrf_on_read and request.method in SAFE_METHODS and not csrf_token_shown(request):
            raise HttpError(403, "CSRF token missing or incorrect on a read of personal data")
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if request.user.is_authenticated else None


SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def _refuse(request: HttpRequest) -> HttpResponse:
    return HttpResponseForbidden()


def csrf_token_shown(request: HttpRequest) -> bool:
    """Whether ``request`` carries this session's CSRF token (header or form field), by Django's own check.

    Django checks the token only on unsafe methods; its check is run here for a read. The test client's
    switch (``enforce_csrf_checks=False``) is honoured, as Django's middleware honours it.
    """
    if getattr(request, "_dont_enforce_csrf_checks", False):
        return True
    try:
        CsrfViewMiddleware(_refuse)._check_token(request)  # type: ignore[attr-defined]  # not in the stubs
    except RejectRequest:
        return False
    return True


token_auth = TokenAuth()
session_auth = SessionAuth()
API_AUTH: list[Any] = [token_auth, session_auth]
# For reads of personal data in bulk (exports): a session must show its CSRF token even on GET.
PERSONAL_DATA_AUTH: list[Any] = [token_auth, SessionAuth(csrf_on_read=True)]


def api_token_issue(
    *, user: User, name: str, expires_at: dt.datetime | None = None, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; the key is returned once and never stored."""
    with transaction.atomic():
        token, key = ApiToken.issue(user=user, name=name.strip())
        if expires_at is not None:
            token.expires_at = expires_at
            token.save(update_fields=["expires_at"])
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            subject=token,
            subject_label=f"接口令牌 {token}",
            region_code=user.region_code,
            request=request,
        )
    return token, key


def api_token_revoke(*, token: ApiToken, by: User, request: HttpRequest | None = None) -> ApiToken:
    """Revoke ``token`` (kept for the record; it never authenticates again). Only its own account may."""
    if token.user_id != by.pk and not by.is_superuser:
        raise Forbidden("只能吊销本账号的接口令牌")
    with transaction.atomic():
        if not token.revoked:
            token.revoked = True
            token.save(update_fields=["revoked"])
            audit_record(
                actor=by,
                action=AuditAction.UPDATE,
                subject=token,
                subject_label=f"吊销接口令牌 {token}",
                region_code=by.region_code,
                request=request,
            )
    return token
