"""What 关爱巡访 adds to the home page's 待办 and to 附近: the worker's visits due and overdue (grid
worker, 儿童主任, 社会救助协理员 …), the 政策找人 alerts to check, and for the community the overdue
visits of its workers; near the worker's position, the visits due with the distance from the
person's building."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.urls import reverse
from django.utils import timezone

from linli.care import selectors
from linli.care.models import Visit, VisitStatus
from linli.core import home
from linli.core.nearby import NearbyItem
from linli.core.roles import REGISTRY_READERS, Role
from linli.core.scope import scoped

ROLES: frozenset[str] = frozenset(REGISTRY_READERS)
NEARBY_ROLES: frozenset[str] = frozenset({Role.GRID_WORKER, Role.COMMUNITY_WORKER})
SOON_DAYS = 3


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))


def visit_items(user: Any) -> list[home.TodoItem]:
    today = timezone.localdate()
    out: list[home.TodoItem] = []
    for v in selectors.my_visits(user, today)[: home.TODO_PER_SOURCE]:
        late = v.status == VisitStatus.OVERDUE or v.due_on < today
        soon = (v.due_on - today).days <= SOON_DAYS
        out.append(
            home.TodoItem(
                title=f"巡访 {v.file.person.name[:1]}**（{v.rule.name}）",
                url=reverse("care:visit", args=[v.pk]),
                urgency=home.OVERDUE if late else home.DUE_SOON if soon else home.WAITING,
                detail=f"本期 {v.period_start:%m-%d} 至 {v.due_on:%m-%d}",
                due=_end_of(v.due_on),
                state="待巡访",
                kind="巡访",
                list_url=reverse("care:index"),
            )
        )
    return out


SUPERVISING: frozenset[str] = frozenset({Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN})


def alert_items(user: Any) -> list[home.TodoItem]:
    """The community (and its grids) checks each alert; a street or district sees one line per policy of
    what still waits in its communities, not every person."""
    if getattr(user, "role", "") in SUPERVISING or getattr(user, "is_superuser", False):
        return [
            home.TodoItem(
                title=f"{n} 人可能符合{label}，待社区核实",
                url=reverse("care:index"),
                state="待督促",
                kind="政策找人",
                count=n,
            )
            for label, n in selectors.open_alert_counts(user)
        ]
    return [
        home.TodoItem(
            title=f"{a.file.person.name[:1]}** 可能符合{a.rule.policy_label}",
            url=reverse("care:alert", args=[a.pk]),
            detail=a.reason,
            state="待核实",
            kind="政策找人",
            list_url=reverse("care:index"),
        )
        for a in selectors.open_alerts(user)[: home.TODO_PER_SOURCE]
    ]


def overdue_items(user: Any) -> list[home.TodoItem]:
    """For the community and above: the overdue visits of the region, one item."""
    if getattr(user, "role", "") == Role.GRID_WORKER:
        return []
    # the region's from the monthly summary, less the account's own (its 待办 lists those one by one)
    own = scoped(Visit.objects.filter(status=VisitStatus.OVERDUE, assigned_to=user), user).count()
    n = selectors.overdue_count(user) - own
    if not n:
        return []
    return [
        home.TodoItem(
            title=f"辖区有 {n} 人次巡访逾期未访",
            url=reverse("care:overview") + "#overdue",
            urgency=home.OVERDUE,
            detail="特殊困难老年人月探访率目标 100%",
            state="逾期未访",
            kind="逾期巡访",
        )
    ]


def items(user: Any) -> list[home.TodoItem]:
    return visit_items(user) + alert_items(user) + overdue_items(user)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * r * math.asin(math.sqrt(a)))


def visits_near(user: Any, lon: float, lat: float, radius_m: int) -> list[NearbyItem]:
    """The account's visits due whose person's building lies within ``radius_m`` (a box, then the
    great-circle distance)."""
    dlat = radius_m / 111_195.0
    dlon = radius_m / (111_195.0 * max(0.01, math.cos(math.radians(lat))))
    qs = (
        selectors.my_visits(user, timezone.localdate())
        .filter(
            file__person__household__building__lat__gte=lat - dlat,
            file__person__household__building__lat__lte=lat + dlat,
            file__person__household__building__lon__gte=lon - dlon,
            file__person__household__building__lon__lte=lon + dlon,
        )
        .select_related("file__person__household__building")
    )
    out = []
    for v in qs[:200]:
        b = v.file.person.household.building  # type: ignore[union-attr]
        d = distance_m(lat, lon, b.lat, b.lon)  # type: ignore[union-attr,arg-type]
        if d <= radius_m:
            out.append(
                NearbyItem(
                    title=f"巡访 {v.file.person.name[:1]}**（{v.rule.name}）",
                    url=reverse("care:visit", args=[v.pk]),
                    distance_m=d,
                    kind="走访",
                    detail=f"{b.name} · {v.due_on:%m-%d} 前",  # type: ignore[union-attr]
                )
            )
    return out
