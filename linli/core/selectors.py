"""Reads of the kernel: which accounts an administrator manages, which are locked out, the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from linli.core.models import AuditLog, User
from linli.core.roles import Role, effective_role
from linli.core.scope import scoped, subtree_q


def is_system_admin(user: User | Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and effective_role(user) == Role.SYSTEM_ADMIN


def accounts_manageable(by: User | Any) -> QuerySet[User]:
    """The accounts whose password ``by`` may reset: never their own (that is changed, not reset).

    A system administrator manages every account but the superusers (unless one himself); a district
    administrator the accounts of their region subtree below the administrators, except accounts with
    access to the admin site. Everyone else manages none.
    """
    qs = User.objects.select_related("region")
    if not getattr(by, "is_authenticated", False) or not by.is_active:
        return qs.none()
    qs = qs.exclude(pk=by.pk)
    if is_system_admin(by):
        return qs if by.is_superuser else qs.filter(is_superuser=False)
    if by.role == Role.DISTRICT_ADMIN and by.region_id:
        return qs.filter(subtree_q(by.region_code, "region__code")).exclude(
            Q(role__in=[Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN]) | Q(is_superuser=True) | Q(is_staff=True)
        )
    return qs.none()


@dataclass(frozen=True)
class LockedAccount:
    """A name whose sign-in is locked: how many failures, the last one, and when the lock ends."""

    username: str
    failures: int
    last_attempt: dt.datetime
    locked_until: dt.datetime
    account: User | None


def locked_accounts() -> list[LockedAccount]:
    """Every name locked now (axes' attempts within the cool-off reaching the limit), latest first."""
    cooloff: dt.timedelta = settings.AXES_COOLOFF_TIME
    rows = list(
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cooloff, username__isnull=False)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last", "username")
    )
    accounts = User.objects.in_bulk([r["username"] for r in rows], field_name="username")
    return [
        LockedAccount(
            username=r["username"],
            failures=r["failures"],
            last_attempt=r["last"],
            locked_until=r["last"] + cooloff,
            account=accounts.get(r["username"]),
        )
        for r in rows
    ]


def audit_entries(
    *,
    by: User | Any,
    action: str = "",
    actor_contains: str = "",
    subject_contains: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditLog]:
    """The audit records ``by`` may read (``linli.core.scope``), filtered as the audit log page asks."""
    qs = scoped(AuditLog.objects.all(), by)
    if action:
        qs = qs.filter(action=action)
    if actor_contains:
        qs = qs.filter(actor_name__includes=actor_contains)
    if subject_contains:
        qs = qs.filter(subject_label__includes=subject_contains)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs
