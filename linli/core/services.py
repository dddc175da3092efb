"""Writes of the kernel: audit records, revealing a full personal value, and the account writes
(password change and reset, login lockout and its lifting)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction

from linli.core.errors import Forbidden
from linli.core.models import AccountRegion, AuditAction, AuditLog, User
from linli.core.personal import SensitiveValue
from linli.core.request_context import client_ip, current_client_ip
from linli.core.scope import OutOfScope, require_object_in_scope
from linli.core.selectors import accounts_manageable, is_system_admin

if TYPE_CHECKING:
    from django.http import HttpRequest

REVEAL_PERMISSION = "core.reveal_personal_data"
EXPORT_PERMISSION = "core.export_personal_data"


def audit_record(
    *,
    actor: User | None,
    action: str,
    subject: models.Model | None = None,
    subject_label: str = "",
    field: str = "",
    reason: str = "",
    region_code: str = "",
    row_count: int = 0,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
    actor_name: str = "",
) -> AuditLog:
    """Append one audit record.

    The client address is taken from ``request`` or else from the request being served (see
    ``linli.core.request_context``). ``actor`` is None only for what nobody signed in did (a login
    lockout): ``actor_name`` then says in whose name.
    """
    if subject is not None and not region_code:
        region = getattr(subject, "region", None)
        region_code = getattr(region, "code", "") if region is not None else ""
    return AuditLog.objects.create(
        actor=actor,
        actor_name=(actor.get_username() if actor is not None else actor_name)[:150],
        actor_role=getattr(actor, "role", ""),
        action=action,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_label=subject_label or (str(subject) if subject is not None else ""),
        field=field,
        reason=reason,
        region_code=region_code,
        row_count=row_count,
        client_ip=client_ip(request) if request is not None else current_client_ip(),
        detail=detail or {},
    )


def account_regions_set(*, user: User, regions: list[Any]) -> list[str]:
    """Make ``regions`` (``regions.Region`` rows) the account's additional regions, replacing those it
    had, and keep ``User.more_region_codes`` beside them. Who may grant what is the caller's rule
    (``linli.accounts``); the account's own region is never an additional one. Returns the codes."""
    wanted = {r.pk: r for r in regions if r.pk != user.region_id}
    codes = sorted({r.code for r in wanted.values()})
    with transaction.atomic():
        AccountRegion.objects.filter(user=user).exclude(region_id__in=wanted).delete()
        have = set(AccountRegion.objects.filter(user=user).values_list("region_id", flat=True))
        AccountRegion.objects.bulk_create(
            [AccountRegion(user=user, region=r) for pk, r in wanted.items() if pk not in have]
        )
        User.objects.filter(pk=user.pk).update(more_region_codes=codes)
    user.more_region_codes = codes
    return codes


def personal_reveal(
    *, actor: User, obj: models.Model, field: str, reason: str, request: HttpRequest | None = None
) -> str:
    """Return the full value of ``obj.<field>`` and write the audit record (who, when, whose, what, why)."""
    if not actor.has_perm(REVEAL_PERMISSION):
        raise Forbidden("本账号没有查看完整个人信息的权限", code="reveal.not_permitted")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError(
            {"reason": ValidationError("请填写查看事由（至少 2 个字）", code="reveal.reason_required")}
        )
    require_object_in_scope(actor, obj)
    value = getattr(obj, field, None)
    if not isinstance(value, SensitiveValue):
        message = f"字段 {field} 不是受保护的个人信息"
        raise ValidationError({"field": ValidationError(message, code="reveal.not_personal_data")})
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditAction.REVEAL, subject=obj, field=field, reason=reason, request=request
        )
    return value.reveal()


# --- accounts --------------------------------------------------------------------------------------

# A one-time password: no look-alike characters (0/O, 1/l/I), read out over the telephone.
ONE_TIME_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 12


def one_time_password() -> str:
    """A random password of ONE_TIME_LENGTH characters with at least one letter and one digit."""
    while True:
        password = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def password_change(*, user: User, new_password: str, request: HttpRequest | None = None) -> User:
    """Set ``user``'s own new password (the caller has checked the current one); clears the must-change flag."""
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit_record(
            actor=user,
            action=AuditAction.PASSWORD_CHANGE,
            subject=user,
            subject_label=f"账号 {user.get_username()}",
            request=request,
        )
    return user


def password_reset(*, user: User, by: User, request: HttpRequest | None = None) -> str:
    """Give ``user`` a one-time password, returned once and never stored in clear.

    ``user`` must change it at the next sign-in; their open sessions end (the password hash changed),
    and a login lockout of the account is lifted with it. Only an account ``by`` manages may be reset
    (``accounts_manageable``); any other reads as absent.
    """
    if not accounts_manageable(by).filter(pk=user.pk).exists():
        raise OutOfScope("账号不存在，或不在本账号的管理范围内")
    password = one_time_password()
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        cleared = axes_reset(username=user.get_username())
        audit_record(
            actor=by,
            action=AuditAction.PASSWORD_RESET,
            subject=user,
            subject_label=f"账号 {user.get_username()}",
            request=request,
            detail={"lockout_lifted": cleared > 0},
        )
    return password


def account_lockout_record(*, username: str, request: HttpRequest | None = None) -> AuditLog:
    """Audit that sign-in for ``username`` was locked after repeated failures (called when axes locks it).

    The account need not exist: a lock on a name nobody has is recorded too, seen by system administrators.
    """
    user = User.objects.select_related("region").filter(username=username).first()
    with transaction.atomic():
        return audit_record(
            actor=user,
            actor_name=username,
            action=AuditAction.LOCKOUT,
            subject=user,
            subject_label=f"账号 {username}"[:200],
            request=request,
            detail={
                "failures": settings.AXES_FAILURE_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )


def account_unlock(*, username: str, by: User, request: HttpRequest | None = None) -> int:
    """Lift the login lockout of ``username`` (system administrators only); returns the attempts cleared."""
    if not is_system_admin(by):
        raise Forbidden("只有系统管理员可以解除登录锁定")
    user = User.objects.select_related("region").filter(username=username).first()
    with transaction.atomic():
        cleared = axes_reset(username=username)
        if cleared == 0:
            raise ValidationError(
                {"username": ValidationError("该账号当前没有被锁定", code="account.not_locked")}
            )
        audit_record(
            actor=by,
            action=AuditAction.UNLOCK,
            subject=user,
            subject_label=f"账号 {username}"[:200],
            request=request,
            detail={"attempts_cleared": cleared},
        )
    return cleared
