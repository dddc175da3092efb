"""Reads of 诉求办理: what each account may see, queues, duplicates, the map and the measures."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from linli.cases.engine import workflow as wf
from linli.cases.engine.geo import bbox, haversine_m
from linli.cases.models import Case, CasePhoto
from linli.cases.services import duplicate_radius_m, duplicate_window
from linli.core.models import User
from linli.core.roles import Role
from linli.core.scope import scoped


def visible_cases(user: User) -> QuerySet[Case]:
    """Requests ``user`` may see: residents their own; departments those dispatched or summoned to them;
    staff their region subtree (through the shared ``scoped``)."""
    qs = Case.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser or user.role == Role.SYSTEM_ADMIN:
        return qs
    if user.role == Role.RESIDENT:
        return qs.filter(reporter=user)
    if user.role == Role.DEPARTMENT_HANDLER:
        if not user.organisation_id:
            return qs.none()
        return qs.filter(Q(handler_org_id=user.organisation_id) | Q(summoned=user.organisation_id)).distinct()
    return scoped(qs, user)


def with_related(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("category", "region", "grid", "coordinator", "handler_region", "handler_org")


QUEUES: dict[str, str] = {
    "todo": "待我处理",
    "open": "全部在办",
    "overdue": "已超期",
    "review": "待回访/复核",
    "closed": "已办结",
    "all": "全部",
}


def queue(user: User, name: str) -> QuerySet[Case]:
    """The request list ``name`` for ``user`` (see QUEUES)."""
    qs = visible_cases(user)
    if name == "todo":
        if user.role == Role.DEPARTMENT_HANDLER:
            return qs.filter(status__in=[wf.DISPATCHED, wf.IN_PROGRESS])
        if user.role == Role.RESIDENT:
            return qs.filter(status=wf.REPLIED)
        code = user.region_code
        mine_coord = Q(coordinator__code=code) & Q(
            status__in=[wf.RECEIVED, wf.ACCEPTED, wf.RETURNED, wf.REPLIED, wf.REVIEW]
        )
        mine_handle = Q(handler_region__code=code) & Q(status__in=[wf.DISPATCHED, wf.IN_PROGRESS])
        if user.is_superuser or user.role == Role.SYSTEM_ADMIN:
            return qs.filter(status__in=[wf.RECEIVED, wf.RETURNED, wf.REVIEW])
        return qs.filter(mine_coord | mine_handle)
    if name == "open":
        return qs.filter(status__in=wf.OPEN_STATES)
    if name == "overdue":
        return qs.filter(status__in=wf.OPEN_STATES, overdue=True)
    if name == "review":
        return qs.filter(status__in=[wf.REPLIED, wf.REVIEW])
    if name == "closed":
        return qs.filter(status__in=wf.FINAL_STATES)
    return qs


def filter_cases(qs: QuerySet[Case], params: dict[str, str]) -> QuerySet[Case]:
    """The filters shared by pages and the API: status, category, kind, channel, region, text, dates."""
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("category"):
        qs = qs.filter(category__code=params["category"])
    if params.get("kind"):
        qs = qs.filter(category__kind=params["kind"])
    if params.get("channel"):
        qs = qs.filter(channel=params["channel"])
    if params.get("region"):
        code = params["region"]
        qs = qs.filter(region__code__gte=code, region__code__lt=code + ";")
    if params.get("q"):
        q = params["q"].strip()
        qs = qs.filter(Q(number__contains=q) | Q(description__contains=q) | Q(address__contains=q))
    for key, lookup in (("start", "received_at__date__gte"), ("end", "received_at__date__lte")):
        if params.get(key):
            with contextlib.suppress(ValueError):
                qs = qs.filter(**{lookup: dt.date.fromisoformat(params[key])})
    return qs


def duplicates_of(case: Case, user: User) -> list[tuple[Case, float]]:
    """Open requests of the same category within the radius and time window that ``user`` may see:
    offered for 并单. A request outside the account's scope is not offered, counted or shown."""
    if case.lat is None or case.lon is None or not case.is_open:
        return []
    r = duplicate_radius_m()
    lo_lat, hi_lat, lo_lon, hi_lon = bbox(case.lat, case.lon, r)
    window = duplicate_window()
    near = (
        visible_cases(user)
        .filter(
            category_id=case.category_id,
            status__in=wf.OPEN_STATES,
            merged_into__isnull=True,
            lat__gte=lo_lat,
            lat__lte=hi_lat,
            lon__gte=lo_lon,
            lon__lte=hi_lon,
            received_at__gte=case.received_at - window,
            received_at__lte=case.received_at + window,
        )
        .exclude(pk=case.pk)
        .select_related("category")
        .order_by("received_at", "id")
    )
    out = []
    for c in near:
        d = haversine_m(case.lat, case.lon, c.lat or 0, c.lon or 0)
        if d <= r:
            out.append((c, d))
    return out


def photo_for(user: User, number: str, photo_id: int) -> CasePhoto | None:
    """Photo ``photo_id`` of request ``number`` if ``user`` may see the request (the reporter, staff in
    scope, the departments handling it); None alike for a missing photo and one out of scope."""
    return (
        CasePhoto.objects.filter(pk=photo_id, case__number=number, case__in=visible_cases(user))
        .only("pk", "image")
        .first()
    )


def merged_visible(user: User, case: Case) -> QuerySet[Case]:
    """The requests merged into ``case`` that ``user`` may see."""
    return visible_cases(user).filter(merged_into=case).order_by("received_at", "id")


def heat_points(user: User, params: dict[str, str], *, limit: int = 20000) -> list[list[Any]]:
    qs = filter_cases(visible_cases(user), params).filter(lat__isnull=False)
    rows = qs.values_list("lat", "lon", "number")[:limit]
    return [[round(a or 0.0, 5), round(b or 0.0, 5), n] for a, b, n in rows]


# --- measures ------------------------------------------------------------------------------------

GROUPS: dict[str, tuple[str, str]] = {
    # key: (field grouped by, label)
    "unit": ("unit", "承办单位"),
    "category": ("category__subject", "事项"),
    "kind": ("category__kind", "类型"),
    "street": ("region__parent__name", "街道/乡镇"),
    "community": ("region__name", "社区/村"),
    "month": ("month", "月份"),
}


@dataclass
class MeasureRow:
    label: str
    total: int
    responded_on_time: int
    finished: int
    finished_on_time: int
    resolved: int
    rated: int
    satisfied: int

    @staticmethod
    def pct(n: int, d: int) -> float | None:
        return round(100.0 * n / d, 1) if d else None

    @property
    def response_rate(self) -> float | None:
        return self.pct(self.responded_on_time, self.total)

    @property
    def on_time_rate(self) -> float | None:
        return self.pct(self.finished_on_time, self.finished)

    @property
    def resolution_rate(self) -> float | None:
        return self.pct(self.resolved, self.finished)

    @property
    def satisfaction_rate(self) -> float | None:
        return self.pct(self.satisfied, self.rated)


MEASURE_DEFINITIONS = {
    "响应率": "在响应期限内受理或派单的诉求 ÷ 登记的诉求",
    "按期办结率": "在办结期限内答复的诉求 ÷ 已答复的诉求",
    "解决率": "答复时标为已解决的诉求 ÷ 已答复的诉求",
    "满意率": "评价为满意或基本满意 ÷ 已评价的诉求",
}


def measures(
    user: User,
    group: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    params: dict[str, str] | None = None,
) -> list[MeasureRow]:
    """响应率、按期办结率、解决率、满意率 grouped by ``group`` — one aggregate query."""
    from django.db.models.functions import Coalesce, TruncMonth

    field, _ = GROUPS[group]
    qs = visible_cases(user).exclude(status=wf.MERGED)
    if params:
        qs = filter_cases(qs, params)
    if start:
        qs = qs.filter(received_at__date__gte=start)
    if end:
        qs = qs.filter(received_at__date__lte=end)
    if group == "month":
        qs = qs.annotate(month=TruncMonth("received_at"))
    if group == "unit":
        qs = qs.annotate(unit=Coalesce("handler_org__name", "handler_region__name", "coordinator__name"))
    rows = (
        qs.order_by()
        .values(field)
        .annotate(
            total=Count("pk"),
            responded_on_time=Count(
                "pk", filter=Q(responded_at__isnull=False, responded_at__lte=F("response_due"))
            ),
            finished=Count("pk", filter=Q(replied_at__isnull=False)),
            finished_on_time=Count(
                "pk", filter=Q(replied_at__isnull=False, replied_at__lte=F("resolve_due"))
            ),
            resolved=Count("pk", filter=Q(replied_at__isnull=False, resolved=True)),
            rated=Count("pk", filter=~Q(rating="")),
            satisfied=Count("pk", filter=Q(rating__in=[wf.SATISFIED, wf.BASIC])),
        )
        .order_by("-total")
    )
    out = []
    from linli.cases.models import Kind

    for r in rows:
        key = r[field]
        if group == "month":
            label = (
                timezone.localtime(key).strftime("%Y-%m") if isinstance(key, dt.datetime) else str(key)[:7]
            )
        elif group == "kind":
            label = Kind(key).label if key in Kind.values else str(key)
        else:
            label = str(key or "—")
        out.append(
            MeasureRow(
                label,
                r["total"],
                r["responded_on_time"],
                r["finished"],
                r["finished_on_time"],
                r["resolved"],
                r["rated"],
                r["satisfied"],
            )
        )
    if group == "month":
        out.sort(key=lambda m: m.label)
    return out


def measures_total(rows: list[MeasureRow]) -> MeasureRow:
    return MeasureRow(
        "合计",
        *(
            sum(getattr(r, f) for r in rows)
            for f in (
                "total",
                "responded_on_time",
                "finished",
                "finished_on_time",
                "resolved",
                "rated",
                "satisfied",
            )
        ),
    )
