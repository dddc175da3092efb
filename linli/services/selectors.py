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

from linli.core.candidates import Candidate, candidates_for
from linli.core.models import User
from linli.core.progress import Progress
from linli.core.scope import scoped, scoped_through
from linli.registry.models import Person, PersonStatus, Relation
from linli.registry.selectors import PersonFilter, person_list
from linli.services.engine import matching, schedule, search
from linli.services.models import (
    Application,
    ApplicationStatus,
    Booking,
    Need,
    NeedStatus,
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


def search_q(text: str) -> Q:
    """Services matching every word of ``text``: in the name, the description or the service's
    category (or its parent), each word widened by its synonyms (``engine.search``)."""
    terms = list(TaxonomyTerm.objects.values_list("pk", "name"))
    q = Q()
    for word in search.words(text):
        alts = search.alternatives(word)
        term_ids = [pk for pk, name in terms if any(a in name or name in a for a in alts)]
        one = Q(category_id__in=term_ids) | Q(category__parent_id__in=term_ids)
        for a in alts:
            one |= Q(name__contains=a) | Q(description__contains=a)
        q &= one
    return q


def _directory(person: Person, *, q: str, category: str, kind: str) -> list[DirectoryEntry]:
    """Every active service of the resident's area matching the search, eligible first, then nearest."""
    qs = Service.objects.filter(
        status=ServiceStatus.ACTIVE, region__code__in=_ancestor_codes(person.region.code)
    ).select_related("category", "category__parent", "region", "facility", "provider")
    if q:
        qs = qs.filter(search_q(q))
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if kind:
        qs = qs.filter(kind=kind)
    groups, age, home = person_groups(person), person.age, home_point(person)
    out = []
    for s in qs[:2000]:
        why = eligibility(s, region_code=person.region.code, groups=groups, age=age)
        point = s.point
        out.append(DirectoryEntry(s, distance_m(home, point) if home and point else None, why))
    out.sort(key=lambda e: (bool(e.why_not), e.distance if e.distance is not None else 1e9, e.service.name))
    return out


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
    entries = _directory(person, q=q, category=category, kind=kind)
    return [e for e in entries if show_all or not e.why_not][:limit]


@dataclass
class NotEligible:
    """Services that match the search but are for others: how many, of which kinds, for whom."""

    count: int
    kinds: list[str]
    audience: str  # "60周岁以上老年人"
    services: list[DirectoryEntry]
    family: list[str]  # names of household members who may use them

    @property
    def sentence(self) -> str:
        kinds = "、".join(self.kinds[:3])
        return f"有 {self.count} 项{kinds}服务面向{self.audience}，您目前不符合条件。"


@dataclass
class DirectorySearch:
    entries: list[DirectoryEntry]  # what the resident may book (or everything, with show_all)
    not_eligible: list[NotEligible]  # what matched but is for others, grouped by who it is for
    suggestions: list[str]  # words for the search box: the commonest kinds of service they may book
    terms: list[TaxonomyTerm]  # the top-level kinds with a service in their area at all


def directory_search(
    person: Person, *, q: str = "", category: str = "", show_all: bool = False, limit: int = 60
) -> DirectorySearch:
    """The resident's search, and — when services match but are not for them — who they are for."""
    everything = _directory(person, q="", category="", kind="")
    entries = _directory(person, q=q, category=category, kind="") if q or category else everything
    shown = [e for e in entries if show_all or not e.why_not][:limit]
    by_reason: dict[str, list[DirectoryEntry]] = defaultdict(list)
    for e in entries:
        if e.why_not:
            by_reason[e.why_not].append(e)
    family = [m for m in household_members(person) if m.pk != person.pk] if by_reason else []
    family_groups = {m.pk: person_groups(m) for m in family}
    out = []
    for reason, group in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        kinds = Counter(
            (e.service.category.parent or e.service.category).name for e in group if e.service.category_id
        )
        sample = group[0].service
        may = [
            m.name
            for m in family
            if not eligibility(sample, region_code=m.region.code, groups=family_groups[m.pk], age=m.age)
        ]
        audience = reason.removeprefix("仅限").strip()
        out.append(NotEligible(len(group), [k for k, _ in kinds.most_common()], audience, group[:5], may))
    common = Counter(e.service.category.name for e in everything if not e.why_not and e.service.category_id)
    present = {
        (e.service.category.parent_id or e.service.category_id) for e in everything if e.service.category_id
    }
    terms = [t for t in TaxonomyTerm.objects.filter(parent__isnull=True) if t.pk in present]
    return DirectorySearch(shown, out, [k for k, _ in common.most_common(3)], terms)


def household_members(person: Person) -> list[Person]:
    """The resident and the other registered (在册) members of their household, the resident first."""
    if not person.household_id:
        return [person]
    others = (
        Person.objects.filter(household_id=person.household_id, status=PersonStatus.ACTIVE)
        .exclude(pk=person.pk)
        .select_related("region")
        .order_by("birth_date", "pk")
    )
    return [person, *others]


# How one member of a household calls another, from both members' relation to the head (户主).
_KIN: dict[tuple[str, str], str] = {
    **{("head", r): label for r, label in Relation.choices if r not in ("head", "other")},
    ("spouse", "head"): "配偶",
    ("spouse", "child"): "子女",
    ("spouse", "grandchild"): "孙子女",
    ("spouse", "child_in_law"): "儿媳/女婿",
    ("child", "head"): "父母",
    ("child", "spouse"): "父母",
    ("child", "child"): "兄弟姐妹",
    ("child", "grandparent"): "祖父母",
    ("child_in_law", "head"): "父母",
    ("child_in_law", "spouse"): "父母",
    ("grandchild", "head"): "祖父母",
    ("grandchild", "spouse"): "祖父母",
    ("parent", "head"): "子女",
    ("sibling", "head"): "兄弟姐妹",
}


def kin_label(me: Person, other: Person) -> str:
    """What ``other`` is to ``me`` (父母, 配偶 …) when their relations to the head say it, else ""."""
    return _KIN.get((me.relation, other.relation), "")


@dataclass
class BookingFor:
    """One person the resident may book for: the label they know them by, and why not (if not)."""

    person: Person
    label: str
    why_not: str


def booking_choices(me_: Person, service: Service) -> list[BookingFor]:
    """为谁预约: the resident and their household members, each with whether ``service`` is for them."""
    out = []
    for m in household_members(me_):
        if m.pk == me_.pk:
            label = f"本人（{m.name}）"
        else:
            kin = kin_label(me_, m)
            label = f"{m.name}（{kin + '，' if kin else ''}{m.age} 岁）"
        why = eligibility(service, region_code=m.region.code, groups=person_groups(m), age=m.age)
        out.append(BookingFor(m, label, why))
    return out


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


def served_bookings(user: User) -> QuerySet[Booking]:
    """The bookings of the services run in the account's region, whoever made them: what its units
    confirm and serve (the booking's ``provider`` scope path alone, so without the bookers' rows)."""
    return scoped_through(Booking.objects.select_related("slot", "service"), user, "provider")


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
    providers: list[Service | Resource | Candidate]
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
    providers: list[Service | Resource | Candidate] = list(services)
    if include_resources:
        for r in scoped(
            Resource.objects.filter(status=ResourceStatus.AVAILABLE, category__isnull=False).select_related(
                "region"
            ),
            user,
        ):
            r.left = max(0, r.capacity - r.matched)  # type: ignore[attr-defined]
            providers.append(r)

    providers += [c for c in candidates_for(codes) if c.category_id in ids]  # volunteers (core seam)

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
        elif isinstance(p, Candidate):
            rows.append(
                (
                    p.key,
                    ids[p.category_id],
                    parent(p.category_id),
                    0,
                    -1,
                    -1,
                    p.region_code,
                    p.lat if p.lat is not None else np.nan,
                    p.lon if p.lon is not None else np.nan,
                    sum(1 << (d - 1) for d in p.days),
                    PERIOD_BITS.get(p.period, 0),
                    p.capacity,
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


def need_progress(ids: Sequence[int]) -> dict[int, Progress]:
    """Where the needs ``ids`` stand, for a module that referred to them (care referrals): one query.
    Served is final and resolved; closed is final, its outcome in the closing note."""
    out: dict[int, Progress] = {}
    rows = (
        Need.objects.filter(pk__in=list(ids))
        .select_related("category")
        .only("pk", "status", "match_note", "category__name")
    )
    for n in rows:
        out[n.pk] = Progress(
            label=f"需求·{n.category.name}",
            state=n.get_status_display(),
            final=n.status in (NeedStatus.SERVED, NeedStatus.CLOSED),
            resolved=True if n.status == NeedStatus.SERVED else None,
            result=n.match_note,
        )
    return out


def application_progress(ids: Sequence[int]) -> dict[int, Progress]:
    """Where the one-window applications ``ids`` stand, for a module that referred to them: one query.
    Done is final and resolved, refused final and not resolved."""
    out: dict[int, Progress] = {}
    rows = (
        Application.objects.filter(pk__in=list(ids))
        .select_related("item")
        .only("pk", "number", "status", "result", "item__name")
    )
    for a in rows:
        final = a.status in (ApplicationStatus.DONE, ApplicationStatus.REFUSED)
        out[a.pk] = Progress(
            label=f"{a.item.name} 办件 {a.number}",
            state=a.get_status_display(),
            final=final,
            resolved=(a.status == ApplicationStatus.DONE) if final else None,
            result=a.result,
        )
    return out
