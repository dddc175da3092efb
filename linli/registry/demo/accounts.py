"""The eight demo accounts, one per role, bound to the demo district."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from linli.core.demo_steps import DemoAccount
from linli.core.models import User
from linli.core.roles import DEFAULT_EXPORT, DEFAULT_REVEAL, Role
from linli.regions.models import Region
from linli.registry.demo.data import DEMO_PASSWORD, DISTRICT_CODE
from linli.registry.demo.state import DemoError
from linli.registry.models import Organisation, OrganisationKind, Person, PersonStatus, Relation
from linli.registry.selectors import years_ago


@dataclass(frozen=True)
class _Account:
    username: str
    role: str
    region_code: str | None
    display_name: str


ACCOUNTS = [
    _Account("admin", Role.SYSTEM_ADMIN, None, "系统管理员"),
    _Account("quxian", Role.DISTRICT_ADMIN, DISTRICT_CODE, "洛江区民政局管理员"),
    _Account("jiedao", Role.STREET_COORDINATOR, "350504001", "万安街道协调员"),
    _Account("shequ", Role.COMMUNITY_WORKER, "350504001001", "万福社区工作者"),
    _Account("wangge", Role.GRID_WORKER, "350504001001001", "万福社区网格员"),
    _Account("bumen", Role.DEPARTMENT_HANDLER, DISTRICT_CODE, "区民政局办理人员"),
    _Account("jumin", Role.RESIDENT, "350504001001", "万福社区居民"),
    _Account("shequ2", Role.COMMUNITY_WORKER, "350504001002", "桥南社区工作者"),
]


def _resident_head(grid: Region) -> Person | None:
    """The demo resident: the head of the grid's first household living with an elderly parent (so the
    demo shows booking for a family member), else of its first household."""
    today = timezone.localdate()
    heads = Person.objects.filter(household__region=grid, relation=Relation.HEAD, status=PersonStatus.ACTIVE)
    with_parent = heads.filter(
        birth_date__gt=years_ago(today, 60),
        household__members__relation=Relation.PARENT,
        household__members__status=PersonStatus.ACTIVE,
        household__members__birth_date__lte=years_ago(today, 65),
    )
    return (
        with_parent.order_by("household__code", "pk").first()
        or heads.order_by("household__code", "pk").first()
    )


def demo_accounts_ensure() -> list[dict[str, str]]:
    """Create or reset the eight demo accounts (password ``linli-demo-2026``); return them.

    Raises ``DemoError`` when the demo district is not loaded.
    """
    codes = {a.region_code for a in ACCOUNTS if a.region_code}
    regions = {r.code: r for r in Region.objects.current().filter(code__in=codes)}
    missing = sorted(codes - regions.keys())
    if missing:
        raise DemoError(f"演示区划未加载（缺少 {'、'.join(missing)}），请先运行 manage.py demo_load")
    ct = ContentType.objects.get_for_model(User)
    reveal = Permission.objects.get(content_type=ct, codename="reveal_personal_data")
    export = Permission.objects.get(content_type=ct, codename="export_personal_data")
    department = (
        Organisation.objects.filter(
            kind=OrganisationKind.DEPARTMENT, region=regions[DISTRICT_CODE], name__endswith="区民政局"
        )
        .order_by("pk")
        .first()
    )
    head = _resident_head(regions["350504001001001"])
    out = []
    with transaction.atomic():
        for a in ACCOUNTS:
            region = regions.get(a.region_code) if a.region_code else None
            fields: dict[str, Any] = {
                "role": a.role,
                "region": region,
                "display_name": head.name if a.role == Role.RESIDENT and head else a.display_name,
                "is_active": True,
                "is_superuser": a.role == Role.SYSTEM_ADMIN,
                "is_staff": a.role == Role.SYSTEM_ADMIN,
                "organisation": department if a.role == Role.DEPARTMENT_HANDLER else None,
                "person": head if a.role == Role.RESIDENT else None,
            }
            user, _ = User.objects.update_or_create(username=a.username, defaults=fields)
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            for perm, granted in ((reveal, DEFAULT_REVEAL), (export, DEFAULT_EXPORT)):
                if a.role in granted:
                    user.user_permissions.add(perm)
                else:
                    user.user_permissions.remove(perm)
            out.append(
                {
                    "username": a.username,
                    "password": DEMO_PASSWORD,
                    "role": Role(a.role).label,
                    "region": region.name if region else "全部",
                }
            )
    return out


def demo_accounts_list() -> list[DemoAccount]:
    """The demo accounts that exist and are active, in the order of ``ACCOUNTS`` (the login page)."""
    users = User.objects.select_related("region", "organisation").filter(
        username__in=[a.username for a in ACCOUNTS], is_active=True
    )
    by_name = {u.username: u for u in users}
    shown = []
    for a in ACCOUNTS:
        user = by_name.get(a.username)
        if user is None or user.role != a.role:
            continue
        if a.role == Role.DEPARTMENT_HANDLER and user.organisation:
            place = user.organisation.name
        else:
            place = user.region.name if user.region else "全部"
        shown.append(DemoAccount(a.username, Role(a.role).label, place, DEMO_PASSWORD))
    return shown
