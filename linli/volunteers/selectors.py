"""Reads of the volunteers module: lists in the account's scope, a volunteer's hours and star level,
an account's statement, a proof by its code, and what the matching engine may propose."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from linli.core.models import User
from linli.core.paging import latest_first
from linli.core.roles import Role, effective_role
from linli.core.scope import scoped, subtree_q
from linli.regions.models import Level, Region
from linli.volunteers.engine import stars
from linli.volunteers.models import (
    Account,
    AccountKind,
    Activity,
    ActivityStatus,
    DualReport,
    Movement,
    Position,
    Proof,
    ServiceRecord,
    Signup,
    SignupStatus,
    StarReached,
    Team,
    Volunteer,
    VolunteerStatus,
)
from linli.volunteers.services import balance_of, counting_records, thresholds_for, total_hours


def volunteer_list(user: User, *, q: str = "", status: str = VolunteerStatus.ACTIVE) -> QuerySet[Volunteer]:
    qs = scoped(Volunteer.objects.select_related("person", "region"), user)
    if status:
        qs = qs.filter(status=status)
    if q.isascii():  # a volunteer number (ZY and digits), or a name in Latin letters
        qs = qs.filter(Q(person__name__includes=q) | Q(number=q)) if q else qs
    else:  # Chinese: a name, never a number; alone, the name's index finds the few persons first
        qs = qs.filter(person__name__includes=q)
    # hours as a correlated subquery, not a join grouped by volunteer: PostgreSQL then sums the hours of
    # the page's thirty rows only, instead of every volunteer of the city before the LIMIT (15 s at
    # 412 000 volunteers, bench/city.py)
    hours = (
        ServiceRecord.objects.filter(volunteer=OuterRef("pk"), corrected_by__isnull=True)
        .order_by()
        .values("volunteer")
        .annotate(s=Sum("hours"))
        .values("s")
    )
    return qs.annotate(hours=Subquery(hours)).order_by(latest_first(user, "registered_at"), "pk")


def my_volunteer(user: User) -> Volunteer | None:
    if not user.person_id:
        return None
    return Volunteer.objects.select_related("person", "region").filter(person_id=user.person_id).first()


@dataclass
class StarStatus:
    hours: Decimal
    level: int
    name: str
    to_next: Decimal | None
    thresholds: list[Decimal]


def star_status(volunteer: Volunteer) -> StarStatus:
    hours = total_hours(volunteer)
    th = thresholds_for(volunteer.region)
    level = stars.level_for(hours, th)
    return StarStatus(hours, level, stars.STAR_NAMES[level], stars.to_next(hours, th), th)


def unseen_stars(volunteer: Volunteer) -> list[StarReached]:
    return list(StarReached.objects.filter(volunteer=volunteer, seen=False).order_by("level"))


def records_of(volunteer: Volunteer) -> QuerySet[ServiceRecord]:
    """Every record, corrected ones included (marked by ``corrected_by``), newest first."""
    return ServiceRecord.objects.filter(volunteer=volunteer).select_related(
        "activity", "confirmed_by", "corrects", "corrected_by"
    )


def _street_or_scope(user: User) -> Q | None:
    """The activities a resident sees: those of their street (town); staff see their scope."""
    role = effective_role(user)
    if role == Role.RESIDENT:
        person = user.person
        if person is None:
            return Q(pk__in=[])
        return subtree_q(person.region.code[:9], "region__code")
    return None


def activity_list(user: User, *, upcoming: bool = False, status: str = "") -> QuerySet[Activity]:
    qs = Activity.objects.select_related("region", "team").annotate(
        needed=Sum("positions__needed", distinct=True),
        signed=Count("signups", filter=Q(signups__status=SignupStatus.SIGNED_UP), distinct=True),
    )
    limit = _street_or_scope(user)
    if limit is not None:
        qs = qs.filter(limit, status=ActivityStatus.PUBLISHED)
    elif effective_role(user) not in (Role.SYSTEM_ADMIN,):
        qs = qs.filter(subtree_q(user.region_code or "", "region__code")) if user.region_code else qs
    if upcoming:
        qs = qs.filter(ends_at__gte=timezone.now()).order_by("starts_at")
    if status:
        qs = qs.filter(status=status)
    return qs


def activity_get(user: User, pk: int) -> Activity | None:
    return activity_list(user).filter(pk=pk).first()


def positions_of(activity: Activity) -> list[Position]:
    return list(
        Position.objects.filter(activity=activity).annotate(
            taken=Count("signups", filter=Q(signups__status=SignupStatus.SIGNED_UP))
        )
    )


def signups_of(activity: Activity) -> QuerySet[Signup]:
    """The organiser's list: each live signup with its confirmed record (if any)."""
    confirmed = ServiceRecord.objects.filter(signup=OuterRef("pk"), corrects__isnull=True)
    return (
        Signup.objects.filter(activity=activity, status=SignupStatus.SIGNED_UP)
        .select_related("volunteer__person", "position")
        .annotate(confirmed=Exists(confirmed))
        .prefetch_related(Prefetch("records", queryset=ServiceRecord.objects.filter(corrects__isnull=True)))
    )


def my_signups(volunteer: Volunteer) -> QuerySet[Signup]:
    return (
        Signup.objects.filter(volunteer=volunteer, status=SignupStatus.SIGNED_UP)
        .select_related("activity", "position")
        .annotate(confirmed=Exists(ServiceRecord.objects.filter(signup=OuterRef("pk"))))
        .order_by("-activity__starts_at")
    )


def to_confirm(user: User) -> QuerySet[Signup]:
    """待办 of an organiser: participants signed out (or whose activity ended) without confirmed hours."""
    qs = Signup.objects.filter(
        status=SignupStatus.SIGNED_UP,
        signed_in_at__isnull=False,
        activity__ends_at__lte=timezone.now() + dt.timedelta(hours=2),
    ).exclude(Exists(ServiceRecord.objects.filter(signup=OuterRef("pk"))))
    role = effective_role(user)
    if role == Role.RESIDENT:
        return qs.filter(activity__team__leader__person_id=user.person_id or -1)
    if role != Role.SYSTEM_ADMIN and user.region_code:
        qs = qs.filter(subtree_q(user.region_code, "activity__region__code"))
    return qs


def team_list(user: User, *, region: Region | None = None) -> QuerySet[Team]:
    qs = Team.objects.select_related("region", "leader__person", "organisation").annotate(
        size=Count("memberships")
    )
    if effective_role(user) != Role.SYSTEM_ADMIN and user.region_code:
        qs = qs.filter(subtree_q(user.region_code, "region__code"))
    if region is not None:
        qs = qs.filter(subtree_q(region.code, "region__code"))
    return qs


def party_team_of(community_code: str) -> Team | None:
    """The community's 党员志愿服务队 (the plan asks for at least one per village or community)."""
    return Team.objects.filter(region__code=community_code, party_team=True).order_by("pk").first()


def communities_without_party_team(user: User) -> QuerySet[Region]:
    """The communities in ``user``'s scope that have no 党员志愿服务队 yet (the plan asks for one each)."""
    teams = Team.objects.filter(party_team=True, region__code=OuterRef("code"))
    return (
        scoped(Region.objects.current().filter(level=Level.COMMUNITY), user)
        .exclude(Exists(teams))
        .order_by("code")
    )


def dual_reports(user: User) -> QuerySet[DualReport]:
    qs = DualReport.objects.select_related("volunteer__person", "region", "work_unit").filter(active=True)
    if effective_role(user) != Role.SYSTEM_ADMIN and user.region_code:
        qs = qs.filter(subtree_q(user.region_code, "region__code"))
    return qs


def hours_for_work_unit(report: DualReport, year: int) -> Decimal:
    """双报告: the member's confirmed hours in the year, reported back to the work unit."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    rows = counting_records(report.volunteer).filter(started_at__gte=start, started_at__lt=end)
    return Decimal(rows.aggregate(s=Sum("hours"))["s"] or 0).quantize(Decimal("0.1"))  # SQLite sums as floats


@dataclass
class StatementLine:
    at: dt.datetime
    kind: str
    amount: Decimal  # signed: + in, - out
    other: str
    note: str
    balance: Decimal


def statement(account: Account, *, limit: int = 200) -> tuple[Decimal, list[StatementLine]]:
    """The account's balance and its last movements, each with the running balance after it."""
    balance = balance_of(account)
    rows = list(
        Movement.objects.filter(Q(debit=account) | Q(credit=account))
        .select_related("debit__person", "credit__person", "debit__region", "credit__region")
        .order_by("-created_at", "-pk")[:limit]
    )
    lines = []
    running = balance
    for m in rows:
        inward = m.credit_id == account.pk
        amount = m.amount if inward else -m.amount
        other = m.debit if inward else m.credit
        lines.append(StatementLine(m.created_at, m.get_kind_display(), amount, str(other), m.note, running))
        running -= amount
    return balance, lines


def person_account(user: User) -> Account | None:
    if not user.person_id:
        return None
    return (
        Account.objects.filter(kind=AccountKind.PERSON, person_id=user.person_id)
        .select_related("region")
        .first()
    )


def pool_balances(user: User) -> list[tuple[Account, Decimal]]:
    qs = Account.objects.filter(kind=AccountKind.POOL).select_related("region")
    if effective_role(user) != Role.SYSTEM_ADMIN and user.region_code:
        qs = qs.filter(subtree_q(user.region_code, "region__code"))
    return [(a, balance_of(a)) for a in qs[:50]]


def ledger_total() -> Decimal:
    """The sum of every account's balance: zero, always (each movement adds +amount and -amount)."""
    credits = dict(
        Movement.objects.values("credit_id")
        .annotate(s=Sum("amount"))
        .values_list("credit_id", "s")
        .order_by()
    )
    debits = dict(
        Movement.objects.values("debit_id").annotate(s=Sum("amount")).values_list("debit_id", "s").order_by()
    )
    return sum(
        (credits.get(a, Decimal(0)) - debits.get(a, Decimal(0)) for a in set(credits) | set(debits)),
        Decimal(0),
    )


def proof_by_code(code: str) -> Proof | None:
    code = code.strip().upper()
    if not code or len(code) > 12:
        return None
    return (
        Proof.objects.select_related("volunteer__person", "volunteer__region")
        .filter(verify_code=code)
        .first()
    )


def proofs_of(volunteer: Volunteer) -> QuerySet[Proof]:
    return Proof.objects.filter(volunteer=volunteer)


def candidates_for(region_codes: set[str]) -> list[dict[str, Any]]:
    """Registered volunteers as candidates of the matching engine (the services module's needs):
    those living in the needs' communities, with their service areas, availability and home point."""
    communities = {c[:12] for c in region_codes if len(c) >= 12}
    if not communities:
        return []
    qs = (
        Volunteer.objects.filter(status=VolunteerStatus.ACTIVE, region__code__in=communities)
        .select_related("person__household__building", "region")
        .prefetch_related("service_areas")
    )
    busy = dict(
        Signup.objects.filter(
            status=SignupStatus.SIGNED_UP, activity__ends_at__gte=timezone.now(), volunteer__in=qs
        )
        .values("volunteer_id")
        .annotate(n=Count("pk"))
        .values_list("volunteer_id", "n")
    )
    out = []
    for v in qs[:2000]:
        b = v.person.household.building if v.person.household_id and v.person.household else None
        for term in v.service_areas.all():
            out.append(
                {
                    "key": f"v{v.pk}",
                    "label": v.masked_name,
                    "category_id": term.pk,
                    "region_code": v.region.code,
                    "lat": b.lat if b else None,
                    "lon": b.lon if b else None,
                    "days": list(v.available_days or []),
                    "period": v.available_period,
                    "capacity": max(0, 2 - busy.get(v.pk, 0)),
                    "max_m": v.preferred_distance_m,
                }
            )
    return out
