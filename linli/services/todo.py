"""What 服务与预约 adds to the home page's 待办 (``linli.core.home.register_todo``): the bookings waiting
for confirmation, one item per service (its page is where they are confirmed), and the applications
of 一窗受理 waiting for the window or past their deadline — both read through the module's scoped
selectors, so the home page shows what the pages would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from linli.core import home
from linli.core.roles import Role, effective_role
from linli.services import selectors
from linli.services.models import ApplicationStatus, BookingStatus
from linli.services.services import STAFF_ROLES

ROLES: frozenset[str] = frozenset(STAFF_ROLES) - {Role.GRID_WORKER}  # his menu has no service lists
# The service page shows the bookings of its slots from a week ago to two weeks ahead.
PAST = dt.timedelta(days=7)
AHEAD = dt.timedelta(days=14)
SOON = dt.timedelta(hours=24)
APPLICATION_WAITS = {
    ApplicationStatus.SUBMITTED: "待受理",
    ApplicationStatus.ACCEPTED: "已受理，待转后台",
    ApplicationStatus.APPROVING: "后台审批中",
}


def _own_unit(user: Any, region_code: str) -> bool:
    """Whether a service or window of ``region_code`` is run by the account's own unit: a community worker
    runs everything in the community; a street or district its own services, the communities theirs."""
    return effective_role(user) == Role.COMMUNITY_WORKER or region_code == (user.region_code or None)


def booking_items(user: Any) -> list[home.TodoItem]:
    """预约待确认: per service of the account's own unit, the bookings still unconfirmed, ranked by the
    earliest slot among them (already begun: overdue; within a day: due soon). The services of the
    units below count only once their slots have begun unconfirmed, as one item to chase."""
    now = timezone.now()
    waiting = selectors.served_bookings(user).filter(
        status=BookingStatus.BOOKED, slot__starts_at__gte=now - PAST, slot__starts_at__lte=now + AHEAD
    )
    if effective_role(user) != Role.COMMUNITY_WORKER:  # below its own unit only what has begun counts
        waiting = waiting.filter(Q(provider_code=user.region_code) | Q(slot__starts_at__lt=now))
    # every service's row (a city's few thousand: the aggregate reads them all anyway), so the units
    # below are chased for all their begun slots, not those of the first page of services
    rows = list(
        waiting.order_by()
        .values("service_id", "service__name", "provider_code")
        .annotate(
            n=Count("pk"), first=Min("slot__starts_at"), begun=Count("pk", filter=Q(slot__starts_at__lt=now))
        )
        .order_by("first")
    )
    items = []
    late = [r for r in rows if not _own_unit(user, r["provider_code"]) and r["begun"]]
    if late:
        items.append(
            home.TodoItem(
                title=f"{sum(r['begun'] for r in late)} 个预约时段已开始仍未确认，请督促",
                url=reverse("services:manage"),
                urgency=home.OVERDUE,
                detail=f"{len(late)} 项服务 · 下级单位的服务清单",
                state="待督促",
                kind="预约",
                count=sum(r["begun"] for r in late),
                list_url=reverse("services:manage"),
            )
        )
    for r in [r for r in rows if _own_unit(user, r["provider_code"])][: home.TODO_PER_SOURCE]:
        first: dt.datetime = r["first"]
        rank = home.OVERDUE if first <= now else home.DUE_SOON if first <= now + SOON else home.WAITING
        when = timezone.localtime(first)
        detail = f"最早一个时段 {when:%m月%d日 %H:%M}"
        if r["begun"]:
            detail = f"其中 {r['begun']} 个时段已开始，请确认或登记服务情况"
        items.append(
            home.TodoItem(
                title=f"{r['service__name']}：{r['n']} 个预约待确认",
                url=reverse("services:service_admin", args=[r["service_id"]]),
                urgency=rank,
                detail=detail,
                due=first if rank != home.WAITING else None,
                state="待确认",
                kind="预约",
                count=r["n"],
                list_url=reverse("services:manage"),
            )
        )
    return items


def application_items(user: Any) -> list[home.TodoItem]:
    """办件: applications waiting at the account's window or in approval, past their deadline first;
    above the community (whose window takes them) only those past their deadline, to chase."""
    today = timezone.localdate()
    rows = selectors.application_list(user).filter(status__in=list(APPLICATION_WAITS))
    if effective_role(user) != Role.COMMUNITY_WORKER:
        rows = rows.filter(due_on__lt=today)
    rows = rows.order_by("due_on", "created_at", "id")[: home.TODO_PER_SOURCE]
    items = []
    for a in rows:
        if a.due_on is not None and a.due_on < today:
            rank = home.OVERDUE
        elif a.due_on is not None and a.due_on <= today + dt.timedelta(days=1):
            rank = home.DUE_SOON
        else:
            rank = home.WAITING
        due = (
            timezone.make_aware(dt.datetime.combine(a.due_on, dt.time(23, 59)))
            if a.due_on is not None
            else None
        )
        items.append(
            home.TodoItem(
                title=f"{a.item.name} · {a.person.name}",
                url=reverse("services:application", args=[a.pk]),
                urgency=rank,
                detail=f"{a.number} · {APPLICATION_WAITS[ApplicationStatus(a.status)]}"
                + (f" · 办结期限 {a.due_on:%m月%d日}" if a.due_on else ""),
                due=due,
                state=APPLICATION_WAITS[ApplicationStatus(a.status)],
                kind="办件",
                list_url=reverse("services:window"),
            )
        )
    return items


def register() -> None:
    home.register_todo("services.bookings", ROLES, booking_items)
    home.register_todo("services.applications", ROLES, application_items)
