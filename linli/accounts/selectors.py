"""Reads of 账号管理: the accounts and staff an administrator manages, residents' link requests."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from linli.accounts.engine import RANK, manages
from linli.accounts.models import PersonLink
from linli.core.models import User
from linli.core.roles import Role, effective_role
from linli.core.scope import scoped, subtree_q
from linli.registry.models import Staff


def manager_code(by: User | Any) -> str:
    """The region code of a manager's subtree ("" for a system administrator: everything)."""
    return "" if effective_role(by) == Role.SYSTEM_ADMIN else by.region_code


def is_manager(by: User | Any) -> bool:
    role = effective_role(by)
    return (
        bool(getattr(by, "is_authenticated", False))
        and by.is_active
        and manages(role)
        and (role == Role.SYSTEM_ADMIN or bool(by.region_id))
    )


def accounts_managed(by: User | Any) -> QuerySet[User]:
    """The accounts ``by`` manages: a role below their own, bound inside their subtree (never their own
    account, never a superuser). Anything else reads as absent."""
    qs = User.objects.select_related("region", "organisation")
    if not is_manager(by):
        return qs.none()
    qs = qs.exclude(pk=by.pk).exclude(is_superuser=True)
    role = effective_role(by)
    if role == Role.SYSTEM_ADMIN:
        return qs.exclude(role=Role.SYSTEM_ADMIN)
    lower = [r for r, rank in RANK.items() if rank < RANK[role]]
    return qs.filter(subtree_q(by.region_code, "region__code"), role__in=lower).exclude(is_staff=True)


def accounts_search(*, by: User | Any, q: str = "", role: str = "", status: str = "") -> QuerySet[User]:
    qs = accounts_managed(by)
    q = q.strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q) | Q(region__name__contains=q))
    if role:
        qs = qs.filter(role=role)
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    elif status == "must_change":
        qs = qs.filter(is_active=True, must_change_password=True)
    return qs.select_related("staff_link__staff").order_by("region__code", "username")


def staff_without_account(*, by: User | Any, q: str = "") -> QuerySet[Staff]:
    """Staff of ``by``'s subtree, in post, who have no account yet (those an account can be opened for)."""
    if not is_manager(by):
        return Staff.objects.none()
    qs = Staff.objects.filter(active=True, account_link__isnull=True).select_related("region", "organisation")
    code = manager_code(by)
    if code:
        qs = qs.filter(subtree_q(code, "region__code"))
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    return qs.prefetch_related("grids").order_by("region__code", "kind", "name")


def staff_for_account(*, by: User | Any, pk: int) -> Staff | None:
    return staff_without_account(by=by).filter(pk=pk).first()


def person_links_to_check(*, by: User | Any) -> QuerySet[PersonLink]:
    """Pending link requests of ``by``'s communities (community workers and above)."""
    if effective_role(by) not in {
        Role.COMMUNITY_WORKER,
        Role.STREET_COORDINATOR,
        Role.DISTRICT_ADMIN,
        Role.SYSTEM_ADMIN,
    }:
        return PersonLink.objects.none()
    return (
        scoped(PersonLink.objects.filter(status=PersonLink.Status.PENDING), by)
        .select_related("user", "person", "region")
        .order_by("asked_at")
    )


def person_link_of(user: User) -> PersonLink | None:
    """The latest link request of a resident account."""
    return PersonLink.objects.filter(user=user).select_related("person", "region").first()
