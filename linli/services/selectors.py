"""Reads of the services module: every list goes through ``linli.core.scope.scoped``."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from linli.core.models import User
from linli.core.scope import scoped
from linli.registry.models import Person
from linli.registry.selectors import PersonFilter, person_list
from linli.services.engine import matching, schedule
from linli.services.models import (
    Application,
    Booking,
    Need,
    Project,
    Resource,
    ResourceStatus,
    Service,
    ServiceStatus,
    Slot,
    SlotStatus,
    TaxonomyTerm,
)
from linli.services.services import eligibility, person_groups, tag_label

# One answer for what does not exist and for what lies outside the account's scope.
ABSENT = "不存在或不在本账号的数据范围内"


def person_find(user: User, text: str, *, field: str = "person") -> Person | None:
    """The one person ``text`` names (a name or part of it, an ID number, a phone number), None when blank.

    Only the account's scope is searched, in one query: a person registered elsewhere reads exactly
    like one not registered at all — the same message, the same status, the same work done.
    """
    text = text.strip()
    if not text:
        return None
    found = list(person_list(user=user, filters=PersonFilter(q=text))[:3])
    if not found:
        raise ValidationError(
            {field: ValidationError(f"找不到居民“{text}”：{ABSENT}", code="person.not_found")}
        )
    exact = [p for p in found if p.name == text]
    if len(exact) == 1 or len(found) == 1:
        return exact[0] if exact else found[0]
    raise ValidationError(
        {field: ValidationError(f"有多位居民匹配“{text}”，请输入身份证号", code="person.ambiguous")}
    )


def person_by_id(user: User, pk: int, *, field: str = "person_id") -> Person:
    """The person ``pk`` within ``user``'s scope; absent and out of scope give one and the same error."""
    person = scoped(Person.objects.select_related("region", "household"), user).filter(pk=pk).first()
    if person is None:
        raise ValidationError({field: ValidationError(f"居民 {pk} {ABSENT}", code="person.not_found")})
    return person


def _ancestor_codes(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(code)]


def home_point(person: Person) -> tuple[float, float] | None:
    """Where the resident lives: their household's building (WGS-84)."""
    b = person.household.building if person.household_id and person.household else None
    if b is not None and b.lat is not None and b.lon is not None:
        return (b.lat, b.lon)
    return None


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (a[0] - b[0]) * matching.M_PER_DEG_LAT
    dx = (a[1] - b[1]) * matching.M_PER_DEG_LAT * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dx, dy)


@dataclass
class DirectoryEntry:
    service: Service
    distance: float | None
    why_not: str  # "" when eligible

    @property
    def distance_label(self) -> str:
        if self.distance is None:
            return ""
        return f"{self.distance / 1000:.1f} 公里" if self.distance >= 1000 else f"{self.distance:.0f} 米"


def resident_directory(
    person: Person,
    *,
    q: str = "",
    category: str = "",
    kind: str = "",
    show_all: bool = False,
    limit: int = 60,
) -> list[DirectoryEntry]:
    """Active services whose area covers the resident, eligible ones first, nearest first."""
    qs = Service.objects.filter(
        status=ServiceStatus.ACTIVE, region__code__in=_ancestor_codes(person.region.code)
    ).select_related("category", "region", "facility", "provider")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(description__contains=q) | Q(category__name__contains=q))
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if kind:
        qs = qs.filter(kind=kind)
    groups, age, home = person_groups(person), person.age, home_point(person)
    out = []
    for s in qs[:2000]:
        why = eligibility(s, region_code=person.region.code, groups=groups, age=age)
        if why and not show_all:
            continue
        point = s.point
        out.append(DirectoryEntry(s, distance_m(home, point) if home and point else None, why))
    out.sort(key=lambda e: (bool(e.why_not), e.distance if e.distance is not None else 1e9, e.service.name))
    return out[:limit]


def open_slots(service: Service, *, days: int = 14) -> list[Slot]:
    now = timezone.now()
    return list(
        Slot.objects.filter(
            service=service,
            status=SlotStatus.OPEN,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(days=days),
        ).order_by("starts_at")
    )


def my_bookings(user: User) -> QuerySet[Booking]:
    return scoped(Booking.objects.select_related("slot", "service", "person", "service__facility"), user)


def service_list(
    user: User, *, q: str = "", category: str = "", kind: str = "", status: str = ""
) -> QuerySet[Service]:
    qs = scoped(Service.objects.select_related("category", "region", "provider", "facility"), user)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(provider__name__contains=q))
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


def booking_list(
    user: User, *, service: Service | None = None, day: dt.date | None = None
) -> QuerySet[Booking]:
    qs = scoped(Booking.objects.select_related("slot", "service", "person"), user)
    if service is not None:
        qs = qs.filter(service=service)
    if day is not None:
        qs = qs.filter(slot__starts_at__date=day)
    return qs.order_by("slot__starts_at", "id")


def need_list(user: User, *, status: str = "", category: str = "", region: str = "") -> QuerySet[Need]:
    qs = scoped(Need.objects.select_related("category", "region", "person", "matched_service"), user)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if region:
        qs = qs.filter(region__code__startswith=region)
    return qs


def need_summary(user: User, *, status: str = "") -> dict[str, Any]:
    """Needs counted per community × category and per target group × category (one query)."""
    qs = need_list(user, status=status).values_list(
        "region__code", "region__name", "region__parent__name", "category__name", "groups"
    )
    by_community: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    by_group: dict[str, Counter[str]] = defaultdict(Counter)
    categories: Counter[str] = Counter()
    for code, name, parent_name, cat, groups in qs:
        community = (code[:12], parent_name if len(code) == 15 else name)
        by_community[community][cat] += 1
        categories[cat] += 1
        for g in groups or ["general"]:
            by_group[g][cat] += 1
    cats = [c for c, _ in categories.most_common()]
    return {
        "categories": cats,
        "communities": [
            {"code": code, "name": name, "counts": [c[k] for k in cats], "total": sum(c.values())}
            for (code, name), c in sorted(by_community.items())
        ],
        "groups": [
            {
                "key": g,
                "label": "一般居民" if g == "general" else tag_label(g),
                "counts": [c[k] for k in cats],
                "total": sum(c.values()),
            }
            for g, c in sorted(by_group.items(), key=lambda kv: -sum(kv[1].values()))
        ],
    }


def resource_list(user: User, *, kind: str = "", status: str = "") -> QuerySet[Resource]:
    qs = scoped(Resource.objects.select_related("region", "category", "organisation"), user)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


def project_list(user: User) -> QuerySet[Project]:
    return scoped(
        Project.objects.select_related("region", "implementer", "category").annotate(
            need_count=Count("needs", distinct=True), resource_count=Count("resources", distinct=True)
        ),
        user,
    )


def application_list(user: User, *, status: str = "") -> QuerySet[Application]:
    qs = scoped(Application.objects.select_related("item", "person", "region"), user)
    if status:
        qs = qs.filter(status=status)
    return qs


# --- matching inputs ------------------------------------------------------------------------------------


PERIOD_BITS = {"any": 0, "morning": 1, "afternoon": 2, "evening": 4}


def _group_bits(groups: list[str], index: dict[str, int]) -> int:
    bits = 0
    for g in groups:
        bits |= 1 << index.setdefault(g, len(index))
    return bits


@dataclass
class Batch:
    needs: Sequence[Need]
    providers: list[Service | Resource]
    arrays: tuple[matching.Needs, matching.Providers]
    scores: np.ndarray


def match_batch(user: User, needs: Sequence[Need], *, include_resources: bool = True) -> Batch:
    """The matching inputs of ``needs``: candidate services and resources in the account's scope and above."""
    terms = {t.pk: t for t in TaxonomyTerm.objects.all()}
    ids = {pk: i for i, pk in enumerate(sorted(terms))}
    index: dict[str, int] = {}
    codes = {n.region.code for n in needs}
    ancestor_codes = {a for c in codes for a in _ancestor_codes(c)}
    services = list(
        Service.objects.filter(status=ServiceStatus.ACTIVE, region__code__in=ancestor_codes).select_related(
            "region", "facility", "category"
        )
    )
    now = timezone.now()
    free: dict[int, int] = defaultdict(int)
    for sid, cap, booked in Slot.objects.filter(
        service__in=services,
        status=SlotStatus.OPEN,
        starts_at__gt=now,
        starts_at__lte=now + dt.timedelta(days=14),
    ).values_list("service_id", "capacity", "booked"):
        free[int(sid)] += cap - booked
    providers: list[Service | Resource] = list(services)
    if include_resources:
        for r in scoped(
            Resource.objects.filter(status=ResourceStatus.AVAILABLE, category__isnull=False).select_related(
                "region"
            ),
            user,
        ):
            r.left = max(0, r.capacity - r.matched)  # type: ignore[attr-defined]
            providers.append(r)

    def parent(term_id: int | None) -> int:
        t = terms.get(term_id) if term_id else None
        return ids[t.parent_id] if t is not None and t.parent_id else -1

    def masks(weekly: dict[str, Any]) -> tuple[int, int]:
        try:
            return schedule.day_mask(weekly), schedule.period_mask(weekly)
        except schedule.ScheduleError:
            return 0, 0

    homes: dict[int, tuple[float, float] | None] = {}
    for n in needs:
        homes[n.pk] = home_point(n.person) if n.person_id and n.person else None
    today = timezone.localdate()
    na = matching.Needs(
        ids=[n.pk for n in needs],
        category=np.array([ids[n.category_id] for n in needs], dtype=np.int64),
        parent=np.array([parent(n.category_id) for n in needs], dtype=np.int64),
        tags=np.array([_group_bits(list(n.groups or []), index) for n in needs], dtype=np.int64),
        age=np.array(
            [n.person.age_on(today) if n.person_id and n.person else -1 for n in needs], dtype=np.int64
        ),
        region=[n.region.code for n in needs],
        lat=np.array([h[0] if (h := homes[n.pk]) else np.nan for n in needs]),
        lon=np.array([h[1] if (h := homes[n.pk]) else np.nan for n in needs]),
        days=np.array([sum(1 << (d - 1) for d in n.preferred_days or []) for n in needs], dtype=np.int64),
        periods=np.array([PERIOD_BITS.get(n.preferred_period, 0) for n in needs], dtype=np.int64),
        urgency=np.array([matching.URGENCY_WEIGHT.get(n.urgency, 1.0) for n in needs]),
    )
    rows = []
    for p in providers:
        if isinstance(p, Service):
            point = p.point
            d, per = masks(p.opening_hours)
            rows.append(
                (
                    f"s{p.pk}",
                    ids[p.category_id],
                    parent(p.category_id),
                    _group_bits(list(p.eligible_tags or []), index),
                    p.min_age if p.min_age is not None else -1,
                    p.max_age if p.max_age is not None else -1,
                    p.region.code,
                    point[0] if point else np.nan,
                    point[1] if point else np.nan,
                    d,
                    per,
                    free.get(p.pk, 0),
                    p.name,
                )
            )
        else:
            d, per = masks(p.opening_hours)
            rows.append(
                (
                    f"r{p.pk}",
                    ids[p.category_id] if p.category_id else -1,
                    parent(p.category_id),
                    0,
                    -1,
                    -1,
                    p.region.code,
                    p.lat if p.lat is not None else np.nan,
                    p.lon if p.lon is not None else np.nan,
                    d,
                    per,
                    p.left,  # type: ignore[attr-defined]
                    p.name,
                )
            )
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(13)]
    pa = matching.Providers(
        ids=list(cols[0]),
        category=np.array(cols[1], dtype=np.int64),
        parent=np.array(cols[2], dtype=np.int64),
        tags=np.array(cols[3], dtype=np.int64),
        min_age=np.array(cols[4], dtype=np.int64),
        max_age=np.array(cols[5], dtype=np.int64),
        region=list(cols[6]),
        lat=np.array(cols[7], dtype=float),
        lon=np.array(cols[8], dtype=float),
        days=np.array(cols[9], dtype=np.int64),
        periods=np.array(cols[10], dtype=np.int64),
        capacity=np.array(cols[11], dtype=np.int64),
        labels=list(cols[12]),
    )
    scores = (
        matching.score_block(na, pa)
        if needs and providers
        else np.zeros((len(needs), len(providers)), dtype=np.float32)
    )
    return Batch(needs, providers, (na, pa), scores)
