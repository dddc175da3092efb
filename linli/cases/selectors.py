"""Reads of 诉求办理: what each account may see and do, queues, units, duplicates, the map and the measures."""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from linli.cases.engine import workflow as wf
from linli.cases.engine.geo import bbox, haversine_m
from linli.cases.models import Case, CaseMonth, CaseMonthMark, CasePhoto, Category, Kind, MeasureDim
from linli.core import priority
from linli.core.models import User
from linli.core.progress import Progress
from linli.core.roles import REGISTRY_READERS, Role, effective_role
from linli.core.scope import account_codes, account_subtrees_q, scoped, subtree_q, subtrees_q
from linli.core.services import REVEAL_PERMISSION
from linli.regions.models import Level, Region
from linli.registry.models import Organisation, OrganisationKind, Person

# Staff who coordinate requests (dispatch them) within their region.
STAFF_DISPATCHERS = frozenset(
    {Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
REVEAL_FIELDS = ("reporter_name", "reporter_phone")


def visible_cases(user: User) -> QuerySet[Case]:
    """Requests ``user`` may see: residents their own; departments those dispatched or summoned to them;
    staff their region subtree (through the shared ``scoped``)."""
    qs = Case.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if effective_role(user) == Role.SYSTEM_ADMIN:
        return qs
    if user.role == Role.RESIDENT:
        return qs.filter(reporter=user)
    if user.role == Role.DEPARTMENT_HANDLER:
        if not user.organisation_id:
            return qs.none()
        return qs.filter(Q(handler_org_id=user.organisation_id) | Q(summoned=user.organisation_id)).distinct()
    return scoped(qs, user)


def with_related(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The related rows every list shows, and ``priority_flag``: raised in an area under a response."""
    return qs.select_related(
        "category", "region", "grid", "coordinator", "handler_region", "handler_org"
    ).annotate(priority_flag=priority.flag_expression("region_code", "received_at"))


# --- who may act, and what -----------------------------------------------------------------------


def actor_roles(user: User, case: Case) -> set[str]:
    """The parts ``user`` plays for ``case``: dispatcher (coordinating unit or above), handler, reporter."""
    roles: set[str] = set()
    if not user.is_authenticated or not user.is_active:
        return roles
    if effective_role(user) == Role.SYSTEM_ADMIN:
        return {wf.DISPATCHER, wf.HANDLER}
    code = user.region_code
    if user.role in STAFF_DISPATCHERS and code and case.coordinator.code.startswith(code):
        roles.add(wf.DISPATCHER)
    if (
        user.role == Role.DEPARTMENT_HANDLER
        and user.organisation_id
        and (
            user.organisation_id == case.handler_org_id
            or case.summoned.filter(pk=user.organisation_id).exists()
        )
    ):
        roles.add(wf.HANDLER)
    if (
        user.role in STAFF_DISPATCHERS
        and code
        and case.handler_region_id
        and case.handler_region is not None
        and case.handler_region.code.startswith(code)
    ):
        roles.add(wf.HANDLER)
    if case.reporter_id and case.reporter_id == user.pk:
        roles.add(wf.REPORTER)
    return roles


def case_facts(case: Case) -> wf.Facts:
    """What the workflow's preconditions read off ``case`` (``engine.workflow.precondition``)."""
    return wf.Facts(
        state=case.status,
        reopens=case.reopen_count,
        extension_requested=case.extension_requested,
        coordinator_level=case.coordinator.level,
        coordinator_has_parent=case.coordinator.parent_id is not None,
    )


def case_actions_available(case: Case, user: User, *, roles: set[str] | None = None) -> list[wf.Action]:
    """The workflow actions ``user`` may take on ``case`` now, in table order: the state table, the
    parts the account plays (``roles``, when already read) and the preconditions — the rules the
    services refuse by, nothing else."""
    return wf.available_actions(case_facts(case), actor_roles(user, case) if roles is None else roles)


def can_reveal(user: User, case: Case, field: str) -> bool:
    """Whether ``user`` may see the reporter's full ``field``: staff acting on the request (coordinating
    or handling it) with the reveal permission, never for an anonymous report, and only a value that
    was given. The page shows the button exactly when this holds; ``reporter_reveal`` refuses otherwise."""
    return (
        field in REVEAL_FIELDS
        and not case.anonymous
        and bool(getattr(case, field))
        and user.has_perm(REVEAL_PERMISSION)
        and bool(actor_roles(user, case) & {wf.DISPATCHER, wf.HANDLER})
    )


def handler_accounts(region: Region | None, organisation: Organisation | None) -> list[int]:
    """The active accounts of a unit: a department's handlers, or a region's coordinating staff."""
    if organisation is not None:
        qs = User.objects.filter(organisation=organisation, role=Role.DEPARTMENT_HANDLER, is_active=True)
    elif region is not None:
        qs = User.objects.filter(
            region=region, role__in=STAFF_DISPATCHERS - {Role.SYSTEM_ADMIN}, is_active=True
        )
    else:
        return []
    return list(qs.values_list("pk", flat=True))


def resident_names(by: User | None, person: Person | None, reporter_name: str) -> list[str]:
    """Names that belong to the person reporting: typed, on their record, on their account, and of
    their household's members (residents write "我母亲陈秀英…")."""
    names = [reporter_name]
    if by is not None and by.role == Role.RESIDENT:
        names.append(by.display_name)
        if person is not None:
            names.append(person.name)
            if person.household_id:
                names += Person.objects.filter(household_id=person.household_id).values_list(
                    "name", flat=True
                )
    return [n for n in names if n]


# --- units a request may be given to -------------------------------------------------------------


def unit_region(code: str) -> Region | None:
    """The current region of ``code`` (a unit named by a door)."""
    return Region.objects.current().filter(code=code).first()


def covering_organisations(case: Case) -> QuerySet[Organisation]:
    """Organisations over the request's place: only these can take it (any other reads as unknown)."""
    return Organisation.objects.select_related("region").filter(
        region__code__in=[*case.region.ancestors_codes(), case.region.code]
    )


def unit_regions(case: Case) -> list[Region]:
    """The communities and streets the coordinating unit may dispatch ``case`` to, lowest first."""
    codes = [
        c for c in case.region.ancestors_codes() if len(c) >= 9 and c.startswith(case.coordinator.code[:6])
    ] + [case.region.code]
    return list(Region.objects.current().filter(code__in=codes).order_by("-level"))


def departments(case: Case) -> QuerySet[Organisation]:
    """The active departments over the request's place (to dispatch to or summon)."""
    return Organisation.objects.filter(
        kind=OrganisationKind.DEPARTMENT, active=True, region__code__in=case.region.ancestors_codes()
    ).order_by("name")


QUEUES: dict[str, str] = {
    "todo": "待我处理",
    "open": "全部在办",
    "overdue": "已超期",
    "review": "待回访/复核",
    "closed": "已办结",
    "all": "全部",
}


# The states in which a request waits on its coordinating unit, and those in which it waits on its handler.
COORDINATOR_WAITS = (wf.RECEIVED, wf.ACCEPTED, wf.RETURNED, wf.REPLIED, wf.REVIEW)
HANDLER_WAITS = (wf.DISPATCHED, wf.IN_PROGRESS)


def late_arms(now: dt.datetime) -> list[Q]:
    """Requests behind time, as three clauses: past the resolution deadline and not yet answered (the
    sweep's ``overdue`` flag, or a deadline passed since its last run), or still not accepted after the
    response deadline. Each follows the open requests' index on its own; their OR does not."""
    unanswered = [wf.ACCEPTED, wf.DISPATCHED, wf.IN_PROGRESS, wf.RETURNED]
    return [
        Q(status__in=unanswered, overdue=True),
        Q(status__in=unanswered, resolve_due__lt=now),
        Q(status=wf.RECEIVED, response_due__lt=now),
    ]


def own_arms(user: User) -> list[Q] | None:
    """The clauses of coordinating staff's 待我处理 that wait on their own unit: what it coordinates at
    its step, what was given to it to handle (the system administrator: what is to accept, dispatch
    again or review). None for the accounts whose queue is a single filter (handler, resident, grid
    worker)."""
    if user.role in (Role.DEPARTMENT_HANDLER, Role.RESIDENT, Role.GRID_WORKER):
        return None
    if effective_role(user) == Role.SYSTEM_ADMIN:
        return [Q(status__in=[wf.RECEIVED, wf.RETURNED, wf.REVIEW])]
    code = user.region_code
    if not code:
        return []
    # the unit by its ids (every version of its code), not by a join: each clause is then a condition on
    # the requests alone, and the region's open requests (``case_region_open``) can answer all of them
    units = list(Region.objects.filter(code=code).values_list("pk", flat=True))
    return [
        Q(coordinator_id__in=units, status__in=COORDINATOR_WAITS),
        Q(handler_region_id__in=units, status__in=HANDLER_WAITS),
    ]


def todo_arms(user: User) -> list[Q] | None:
    """The clauses of coordinating staff's 待我处理 (see ``queue``), each of open states only: what waits
    on their own unit (``own_arms``) and what is behind time anywhere in their region. None for the
    accounts whose queue is a single filter (handler, resident, grid worker). The home page reads each
    clause by deadline on its own (an OR of them cannot follow the open requests' index)."""
    return with_late(own_arms(user))


def with_late(own: list[Q] | None) -> list[Q] | None:
    """``todo_arms`` from the account's ``own_arms`` (read once by a caller that needs both)."""
    if own is None:
        return None
    if not own:  # a unit without a region: nothing
        return []
    return [*own, *late_arms(timezone.now())]


def queue(user: User, name: str) -> QuerySet[Case]:
    """The request list ``name`` for ``user`` (see QUEUES).

    待我处理 of coordinating staff (community, street, district): what waits on their own unit — to
    accept, dispatch again after a return, answer as the coordinator above after an escalation, follow
    up after the reply — what was given to their unit to handle, and what is behind time anywhere in
    their region (overdue, or not accepted in time), which they must chase. A district coordinates
    nothing by itself until a street escalates to it, so before the last clause its list was empty
    though the district's overdue requests were waiting on it."""
    qs = visible_cases(user)
    if name == "todo":
        if user.role == Role.DEPARTMENT_HANDLER:
            return qs.filter(status__in=HANDLER_WAITS)
        if user.role == Role.RESIDENT:
            return qs.filter(status=wf.REPLIED)
        if user.role == Role.GRID_WORKER:  # he follows what is open in his grid and what he filed
            return qs.filter(status__in=wf.OPEN_LIST)
        arms = todo_arms(user) or []
        if not arms:
            return qs.none()
        # every clause is of open states; said once more outright, it lets the planner read the open
        # requests' indexes: a district's by region (``case_region_open``, 30 ms at 天河, against a
        # second reading the city's by status), the city's by deadline (``case_open_due``; unsaid, a
        # topic filter read the year's requests by deadline, closed ones too: 0.2–5.8 s)
        return qs.filter(reduce(operator.or_, arms), status__in=wf.OPEN_LIST)
    if name == "open":
        return qs.filter(status__in=wf.OPEN_LIST)
    if name == "overdue":
        return qs.filter(status__in=wf.OPEN_LIST, overdue=True)
    if name == "review":
        return qs.filter(status__in=[wf.REPLIED, wf.REVIEW])
    if name == "closed":
        return qs.filter(status__in=wf.FINAL_STATES)
    return qs


FILTER_REGIONS_MAX = 400


def filter_regions(user: User) -> list[tuple[str, str]]:
    """The places the request list and map filter by: (code, name indented by level) of the account's
    region and its subtree down to the communities, in tree order — the district's streets and
    communities, a street's communities; none for a community or a grid (nothing to choose)."""
    code = user.region_code or ""
    qs = Region.objects.current().filter(level__gte=Level.DISTRICT, level__lte=Level.COMMUNITY)
    if code:
        qs = qs.filter(code__gte=code, code__lt=code + ";")
    elif effective_role(user) != Role.SYSTEM_ADMIN:
        return []
    rows = list(qs.order_by("code").values_list("code", "name", "level")[:FILTER_REGIONS_MAX])
    if len(rows) <= 1:
        return []
    top = min(level for _, _, level in rows)
    return [(c, "\u3000" * (level - top) + name) for c, name, level in rows]


def topics() -> list[tuple[str, str]]:
    """The topics (事项) of the active categories, for the filters: (subject, subject)."""
    subjects = Category.objects.filter(active=True).values_list("subject", flat=True).distinct()
    return [(s, s) for s in sorted(set(subjects), key=lambda s: (s == "其他", s))]


def filter_cases(qs: QuerySet[Case], params: dict[str, str]) -> QuerySet[Case]:
    """The filters shared by pages and the API: status, category, kind, topic (``subject``), channel,
    region, text, dates."""
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    # the catalogue's few categories by their ids, not a join: with the region's open requests by
    # category (``case_region_open``) a queue's filter is then one range of one index
    chosen = {
        field: params[key]
        for key, field in (("category", "code"), ("kind", "kind"), ("subject", "subject"))
        if params.get(key)
    }
    if chosen:
        qs = qs.filter(category_id__in=list(Category.objects.filter(**chosen).values_list("pk", flat=True)))
    if params.get("channel"):
        qs = qs.filter(channel=params["channel"])
    if params.get("region"):
        code = params["region"]
        qs = qs.filter(subtree_q(code, "region_code"))
    if params.get("q"):
        q = params["q"].strip()
        qs = qs.filter(Q(number__includes=q) | Q(description__includes=q) | Q(address__includes=q))
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
    r = float(settings.LINLI_CASES_DUPLICATE_RADIUS_M)
    lo_lat, hi_lat, lo_lon, hi_lon = bbox(case.lat, case.lon, r)
    window = dt.timedelta(hours=float(settings.LINLI_CASES_DUPLICATE_HOURS))
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


DEFAULT_CENTER = (25.05, 118.67)


def map_center(user: User) -> tuple[float, float]:
    """The centre of the account's region (or of the first place inside it that has one)."""
    qs = Region.objects.current().filter(centroid_lat__isnull=False)
    code = user.region_code
    found = None
    if code:
        found = qs.filter(code__gte=code, code__lt=code + ";").order_by("level", "code").first()
        if found is None:
            above = [code[:n] for n in (2, 4, 6, 9) if n < len(code)]
            found = qs.filter(code__in=above).order_by("-level").first()
    if found is None:
        found = qs.order_by("level", "code").first()
    if found is None:
        return DEFAULT_CENTER
    return found.centroid_lat or DEFAULT_CENTER[0], found.centroid_lon or DEFAULT_CENTER[1]


def patrol_grids(user: User) -> list[Region]:
    """The grids ``user`` reports patrol events in: his own grid, or the grids of his region (at most 300)."""
    if not account_codes(user):
        return []
    return list(
        Region.objects.current().filter(account_subtrees_q(user), level=Level.GRID).order_by("code")[:300]
    )


def map_areas(user: User) -> dict[str, Any] | None:
    """Grid (or community) outlines around the account's place, for the map pick."""
    communities = sorted({c[:12] for c in account_codes(user)}) or [""]
    code = communities[0]
    qs = Region.objects.current().filter(subtrees_q(communities), boundary__isnull=False)
    fine = len(code) >= 12 and qs.filter(level=Level.GRID).exists()
    level = Level.GRID if fine or not qs.filter(level=Level.COMMUNITY).exists() else Level.COMMUNITY
    feats = [
        {"type": "Feature", "geometry": b.get("geometry", b), "properties": {"name": n}}
        for n, b in qs.filter(level=level).values_list("name", "boundary")[:300]
        if isinstance(b, dict)
    ]
    return {"type": "FeatureCollection", "features": feats} if feats else None


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


MEASURE_COUNTERS = (
    "total",
    "responded_on_time",
    "finished",
    "finished_on_time",
    "resolved",
    "rated",
    "satisfied",
)


def measure_aggregates() -> dict[str, Count]:
    """The seven counts behind the four rates, over requests (the summary keeps the same counts)."""
    return dict(
        total=Count("pk"),
        responded_on_time=Count(
            "pk", filter=Q(responded_at__isnull=False, responded_at__lte=F("response_due"))
        ),
        finished=Count("pk", filter=Q(replied_at__isnull=False)),
        finished_on_time=Count("pk", filter=Q(replied_at__isnull=False, replied_at__lte=F("resolve_due"))),
        resolved=Count("pk", filter=Q(replied_at__isnull=False, resolved=True)),
        rated=Count("pk", filter=~Q(rating="")),
        satisfied=Count("pk", filter=Q(rating__in=[wf.SATISFIED, wf.BASIC])),
    )


Counts = dict[str, list[int]]  # label → the seven counters


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _received_between(qs: QuerySet[Case], start: dt.date | None, end: dt.date | None) -> QuerySet[Case]:
    """Received on local days ``start``…``end`` (either open), as bounds on the indexed column."""
    if start:
        qs = qs.filter(received_at__gte=_day_start(start))
    if end:
        qs = qs.filter(received_at__lt=_day_start(end + dt.timedelta(days=1)))
    return qs


def _label(group: str, key: Any) -> str:
    if group == "month":
        if isinstance(key, dt.datetime):
            return timezone.localtime(key).strftime("%Y-%m")
        return key.isoformat()[:7] if isinstance(key, dt.date) else str(key)[:7]
    if group == "kind":
        return Kind(key).label if key in Kind.values else str(key)
    return str(key or "—")


def _merge(into: Counts, rows: Iterable[dict[str, Any]], group: str, key: str) -> None:
    for r in rows:
        slot = into.setdefault(_label(group, r[key]), [0] * len(MEASURE_COUNTERS))
        for i, c in enumerate(MEASURE_COUNTERS):
            slot[i] += r[c] or 0


def _count_live(qs: QuerySet[Case], group: str, into: Counts) -> None:
    """The requests of ``qs`` counted per group: one aggregate query."""
    field, _ = GROUPS[group]
    if group == "month":
        qs = qs.annotate(month=TruncMonth("received_at"))
    if group == "unit":
        qs = qs.annotate(unit=Coalesce("handler_org__name", "handler_region__name", "coordinator__name"))
    _merge(into, qs.order_by().values(field).annotate(**measure_aggregates()), group, field)


def _summary_names(group: str, dim: str, keys: list[int]) -> dict[int, Any]:
    """The name each key of ``dim`` is grouped by (one query for the keys of one dimension)."""
    if group in ("community", "street"):
        column = "name" if group == "community" else "parent__name"
        return dict(Region.objects.filter(pk__in=keys).values_list("pk", column))
    if group in ("category", "kind"):
        column = "subject" if group == "category" else "kind"
        return dict(Category.objects.filter(pk__in=keys).values_list("pk", column))
    model = Organisation if dim == MeasureDim.ORG else Region
    return dict(model.objects.filter(pk__in=keys).values_list("pk", "name"))


SUMMARY_DIMS = {
    "community": [MeasureDim.PLACE],
    "street": [MeasureDim.PLACE],
    "month": [MeasureDim.PLACE],
    "category": [MeasureDim.CATEGORY],
    "kind": [MeasureDim.CATEGORY],
    "unit": [MeasureDim.ORG, MeasureDim.UNIT],
}


def _count_summary(group: str, areas: Q | None, first: dt.date | None, last: dt.date, into: Counts) -> None:
    """The summarised months ``first``…``last`` counted per group from ``CaseMonth``: one GROUP BY on
    the stored keys, then the names of those keys (one query per dimension), folded by name as the
    live count groups."""
    qs = CaseMonth.objects.filter(dim__in=SUMMARY_DIMS[group], month__lte=last)
    if first is not None:
        qs = qs.filter(month__gte=first)
    if areas is not None:
        qs = qs.filter(areas)
    sums = {c: Sum(c) for c in MEASURE_COUNTERS}
    if group == "month":
        by_month: list[Any] = list(qs.values("month").annotate(**sums).order_by())
        _merge(into, by_month, group, "month")
        return
    rows: list[Any] = list(qs.values("dim", "key").annotate(**sums).order_by())
    names: dict[tuple[str, int], Any] = {}
    for dim in {r["dim"] for r in rows}:
        keys = [r["key"] for r in rows if r["dim"] == dim]
        names.update({(dim, k): n for k, n in _summary_names(group, dim, keys).items()})
    for r in rows:
        r["_label"] = names.get((r["dim"], r["key"]))
    _merge(into, rows, group, "_label")


@dataclass
class _Summarised:
    """Where an account's measures may be read from the summary: its areas (None: the whole city) and
    the requests it filed outside them (staff see those too), counted live."""

    areas: Q | None
    filed_elsewhere: QuerySet[Case] | None


def _summarised(user: User, group: str) -> _Summarised | None:
    """None when the account's requests cannot be read from the summary (residents, departments,
    accounts bound below the summary's areas): they are counted live, and are few."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    role = effective_role(user)
    if role == Role.SYSTEM_ADMIN:
        return _Summarised(None, None)
    if role not in REGISTRY_READERS or user.role in (Role.RESIDENT, Role.DEPARTMENT_HANDLER):
        return None
    codes = account_codes(user)
    depth = 12 if SUMMARY_DIMS[group] == [MeasureDim.PLACE] else 9
    if not codes or not user.region_id or max(map(len, codes)) > depth:
        return None
    filed = Case.objects.filter(created_by=user).exclude(subtrees_q(codes, "region_code"))
    return _Summarised(subtrees_q(codes, "area_code"), filed.exclude(status=wf.MERGED))


def summary_through() -> dt.date | None:
    """The last day the summary holds (None: nothing summarised yet)."""
    return CaseMonthMark.objects.values_list("through", flat=True).order_by("id").first()


def _month_end(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def requests_per_subject() -> dict[str, int]:
    """Requests per topic (a category's subject), all time, merged ones not counted: the summary's
    months by category (``CaseMonth``, a few thousand rows) and the requests received after it
    (today's) counted live — not a count of every request (a city's 3 M: 1.7 s)."""
    through = summary_through()
    live = Case.objects.exclude(status=wf.MERGED)
    counts: dict[str, int] = {}
    if through is not None:
        subject = dict(Category.objects.values_list("pk", "subject"))
        kept = CaseMonth.objects.filter(dim=MeasureDim.CATEGORY).values("key").annotate(n=Sum("total"))
        for key, n in kept.order_by().values_list("key", "n"):
            counts[subject.get(key, "")] = counts.get(subject.get(key, ""), 0) + n
        live = _received_between(live, through + dt.timedelta(days=1), None)
    for row in live.values("category__subject").annotate(n=Count("pk")).order_by():
        counts[row["category__subject"]] = counts.get(row["category__subject"], 0) + row["n"]
    return counts


def summary_split(
    start: dt.date | None, end: dt.date | None, through: dt.date | None
) -> tuple[dt.date | None, dt.date, list[tuple[dt.date | None, dt.date | None]]] | None:
    """How the days ``start``…``end`` are read: (first month, last month) from the summary — whole
    months, the last one up to ``through`` — and the rest live, as day ranges (the start of a month
    begun mid-way, the days after the summary: today). None: everything live."""
    if through is None:
        return None
    hi = through if end is None else min(end, through)
    if start is not None and start > hi:
        return None
    first = None if start is None else start if start.day == 1 else _month_end(start) + dt.timedelta(days=1)
    last = hi.replace(day=1)
    if hi != _month_end(hi) and hi != through:  # a month cut short by ``end``: counted live
        last = (last - dt.timedelta(days=1)).replace(day=1)
    if first is not None and first > last:
        return None
    live: list[tuple[dt.date | None, dt.date | None]] = []
    if start is not None and first is not None and start < first:
        live.append((start, first - dt.timedelta(days=1)))
    covered = min(_month_end(last), through)
    if end is None or end > covered:
        live.append((covered + dt.timedelta(days=1), end))
    return first, last, live


def measures(
    user: User,
    group: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    params: dict[str, str] | None = None,
) -> list[MeasureRow]:
    """响应率、按期办结率、解决率、满意率 grouped by ``group``: the whole months the summary holds from
    ``CaseMonth`` (one query), the rest — today, a month begun mid-way — counted live (one aggregate
    query each, on the indexed time of receipt); everything live with ``params`` or for an account the
    summary cannot scope."""
    live = visible_cases(user).exclude(status=wf.MERGED)
    if params:
        live = filter_cases(live, params)
    counts: Counts = {}
    how = None if params else _summarised(user, group)
    through = None if how is None else summary_through()
    split = summary_split(start, end, through)
    if how is None or split is None:
        _count_live(_received_between(live, start, end), group, counts)
    else:
        first, last, ranges = split
        _count_summary(group, how.areas, first, last, counts)
        for a, b in ranges:
            _count_live(_received_between(live, a, b), group, counts)
        if how.filed_elsewhere is not None:  # filed by the account outside its areas, in the summarised days
            covered = min(_month_end(last), through or last)
            _count_live(_received_between(how.filed_elsewhere, first, covered), group, counts)
    return _rows_of(counts, group)


def measures_live(
    user: User, group: str, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[MeasureRow]:
    """``measures`` counted from the requests alone (the reference the summary is checked against)."""
    counts: Counts = {}
    _count_live(_received_between(visible_cases(user).exclude(status=wf.MERGED), start, end), group, counts)
    return _rows_of(counts, group)


def _rows_of(counts: Counts, group: str) -> list[MeasureRow]:
    out = [MeasureRow(label, *c) for label, c in counts.items() if c[0]]
    if group == "month":
        out.sort(key=lambda m: m.label)
    else:
        out.sort(key=lambda m: (-m.total, m.label))
    return out


def measures_total(rows: list[MeasureRow]) -> MeasureRow:
    return MeasureRow(
        "合计",
        *(sum(getattr(r, f) for r in rows) for f in MEASURE_COUNTERS),
    )


def case_progress(ids: Iterable[int]) -> dict[int, Progress]:
    """Where the requests ``ids`` stand, for a module that referred to them (care referrals): one
    query; a request merged into another reads as the one it was merged into."""
    rows = {
        c.pk: c
        for c in Case.objects.filter(pk__in=list(ids))
        .select_related("merged_into")
        .only(
            "pk",
            "number",
            "status",
            "resolved",
            "reply",
            "merged_into__number",
            "merged_into__status",
            "merged_into__resolved",
            "merged_into__reply",
        )
    }
    out: dict[int, Progress] = {}
    for pk, c in rows.items():
        shown = c.merged_into if c.status == wf.MERGED and c.merged_into is not None else c
        out[pk] = Progress(
            label=f"诉求 {c.number}",
            state=wf.STATE_LABELS.get(shown.status, shown.status),
            final=shown.status == wf.CLOSED,
            resolved=shown.resolved,
            result=(shown.reply or "")[:200],
        )
    return out
