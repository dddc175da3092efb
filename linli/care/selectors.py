"""Reads of the care module: the bulk evaluation of a rule (one query), the person-by-person facts,
the worker's visits, the visit rate per group and region, scoped lists."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Substr

from linli.care.engine import rules as eng
from linli.care.models import (
    Alert,
    AlertCount,
    AlertStatus,
    CareFile,
    CareMembership,
    CareRule,
    CareWorker,
    GroupCount,
    Referral,
    ReferralKind,
    ReferralOutcome,
    SocialCase,
    Visit,
    VisitMonth,
    Visitor,
    VisitStatus,
)
from linli.cases.models import Category
from linli.cases.selectors import case_progress
from linli.core.models import User
from linli.core.progress import Progress
from linli.core.roles import REGISTRY_READERS, Role, effective_role
from linli.core.scope import account_codes, account_subtrees_q, scoped, subtree_q, subtrees_q
from linli.regions.models import Level, Region
from linli.registry.models import Person, PersonStatus, PersonTag, Staff, StaffKind, TagKind
from linli.services.models import ServiceItem, TaxonomyTerm
from linli.services.selectors import application_progress, need_progress

TAGS: dict[str, str] = dict(TagKind.choices)


# --- the bulk evaluation ----------------------------------------------------------------------------


def _tag_q(node: dict[str, Any], day: dt.date, among: Sequence[int] | None = None) -> Q:
    """The person has the tag valid on ``day``: ``pk IN (…)``, evaluated once, not per person; over
    ``among`` only the tags of those persons are read (not every tag of the kind in the city)."""
    tags = PersonTag.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day), kind=node["tag"], valid_from__lte=day
    )
    if among is not None:
        tags = tags.filter(person_id__in=among)
    if "grade_max" in node:
        tags = tags.filter(disability_grade__lte=node["grade_max"])
    return Q(pk__in=tags.values("person_id"))


def _household_q(node: dict[str, Any], day: dt.date) -> Q:
    others = Person.objects.filter(
        household=OuterRef("household"), status=PersonStatus.ACTIVE, legacy_duplicate=False
    ).exclude(pk=OuterRef("pk"))
    if node["household"] == "no_member_under":
        others = others.filter(birth_date__gt=eng.born_on_or_before(day, node["age"]))
    return Q(household__isnull=False) & ~Q(Exists(others))


def _field_q(node: dict[str, Any], day: dt.date) -> Q:
    name, op, value = node["field"], node["op"], node["value"]
    if name == "age":  # age ≥ a ⇔ born on or before the day a years ago: the index on birth_date serves it
        if op == ">=":
            return Q(birth_date__lte=eng.born_on_or_before(day, value))
        if op == ">":
            return Q(birth_date__lte=eng.born_on_or_before(day, value + 1))
        if op == "<":
            return Q(birth_date__gt=eng.born_on_or_before(day, value))
        if op == "<=":
            return Q(birth_date__gt=eng.born_on_or_before(day, value + 1))
        return Q(birth_date__lte=eng.born_on_or_before(day, value)) & Q(
            birth_date__gt=eng.born_on_or_before(day, value + 1)
        )
    return Q(**{f"{name}__in": value}) if op == "in" else Q(**{name: value})


def rule_q(condition: dict[str, Any], day: dt.date, among: Sequence[int] | None = None) -> Q:
    """The rule's condition as one filter over persons (tags and household through subqueries)."""

    def leaf(n: dict[str, Any]) -> Q:
        if "field" in n:
            return _field_q(n, day)
        if "tag" in n:
            return _tag_q(n, day, among)
        return _household_q(n, day)

    def all_(qs: Sequence[Q]) -> Q:
        out = Q()
        for q in qs:
            out &= q
        return out

    def any_(qs: Sequence[Q]) -> Q:
        out = qs[0]
        for q in qs[1:]:
            out |= q
        return out

    return eng.fold(condition, leaf=leaf, all_=all_, any_=any_, not_=lambda q: ~q)


def registered(qs: QuerySet[Person] | None = None) -> QuerySet[Person]:
    return (qs if qs is not None else Person.objects.all()).filter(
        status=PersonStatus.ACTIVE, legacy_duplicate=False
    )


def rule_matches(
    rule: CareRule,
    day: dt.date,
    *,
    persons: QuerySet[Person] | None = None,
    among: Sequence[int] | None = None,
) -> QuerySet[Person]:
    """The persons ``rule`` matches on ``day`` (among ``persons``, or the ids ``among``): one query."""
    if among is not None:
        persons = (persons if persons is not None else Person.objects.all()).filter(pk__in=among)
    return registered(persons).filter(rule_q(rule.condition, day, among)).order_by()


def changed_since(
    rules: Sequence[CareRule], last: dt.date, day: dt.date, *, person_after: int, tag_after: int
) -> set[int]:
    """The persons whose match of ``rules`` can differ on ``day`` from ``last`` with no registry write
    having told the care module: those who crossed an age a rule compares with (a birth-date range
    each, on its index), those with a tag starting or ending in between, and the persons and tags
    loaded after the marks (bulk loads do not call the registry's change hook). Their households'
    members follow in ``care_evaluate``."""
    ages = set().union(*(eng.ages_used(r.condition) for r in rules)) if rules else set()
    found: set[int] = set()
    for a in sorted(ages):
        lo, hi = eng.born_on_or_before(last, a), eng.born_on_or_before(day, a)
        if hi > lo:
            found.update(
                Person.objects.filter(birth_date__gt=lo, birth_date__lte=hi).values_list("pk", flat=True)
            )
    tags = PersonTag.objects.filter(
        Q(valid_from__gt=last, valid_from__lte=day)
        | Q(valid_to__gte=last, valid_to__lt=day)
        | Q(pk__gt=tag_after)
    )
    found.update(tags.values_list("person_id", flat=True))
    found.update(Person.objects.filter(pk__gt=person_after).values_list("pk", flat=True))
    return found


WHOLE_REGISTRY = 20_000  # more persons than this: read all their files in one pass, not by lists of ids
MANY_IDS = 1_000  # more ids than this go to the database as one parameter (a JSON list or an array)


def _as_text(column: str) -> str:
    """The column as ISO text (SQLite stores dates so; PostgreSQL casts) — no per-row conversion."""
    return f"CAST({column} AS TEXT)" if connection.vendor == "postgresql" else f"({column} || '')"


def among_ids(ids: Sequence[int]) -> tuple[str, Any]:
    """``id {sql}`` with many ids as one parameter: an array (PostgreSQL) or a JSON list (SQLite)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", list(ids)
    return "IN (SELECT value FROM json_each(%s))", json.dumps(list(ids))


def facts_for(person_ids: Iterable[int], day: dt.date) -> dict[int, eng.Facts]:
    """The evaluator's facts of each person (three queries; many ids go as one parameter, the rows
    read as plain tuples), for the person-by-person check and the explanation of a match."""
    ids = list(person_ids)
    many = len(ids) > MANY_IDS
    wanted = set(ids)
    members: dict[int, list[tuple[int, dt.date | str]]] = defaultdict(list)
    people: list[Any] = []
    if many:  # the ids passed as one parameter; no per-row date conversion by the driver
        table, birth = Person._meta.db_table, _as_text("birth_date")
        among, param = among_ids(ids)
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT id, {birth}, sex, residence_type, household_id FROM {table} WHERE id {among}",
                [param],
            )
            people = cur.fetchall()
            cur.execute(
                f"SELECT id, household_id, {birth} FROM {table} WHERE status = %s AND NOT legacy_duplicate"
                f" AND household_id IN (SELECT household_id FROM {table} WHERE id {among})",
                [PersonStatus.ACTIVE, param],
            )
            for pk, hh, b in cur.fetchall():
                members[hh].append((pk, b))
    else:
        people = list(
            Person.objects.filter(pk__in=ids)
            .order_by()
            .values_list("pk", "birth_date", "sex", "residence_type", "household_id")
        )
        households = {p[4] for p in people if p[4]}
        rows = registered().filter(household_id__in=households).order_by()
        for pk, hh, born in rows.values_list("pk", "household_id", "birth_date"):
            members[hh].append((pk, born))
    tags: dict[int, dict[str, list[int | None]]] = defaultdict(dict)
    tag_rows = PersonTag.objects.valid_on(day)
    if not many:
        tag_rows = tag_rows.filter(person_id__in=ids)
    for person_id, kind, grade in tag_rows.order_by().values_list("person_id", "kind", "disability_grade"):
        if not many or person_id in wanted:
            tags[person_id].setdefault(kind, []).append(grade)
    year, month_day = day.year, day.isoformat()[5:]

    def age(birth: dt.date | str) -> int:  # ISO text compares like the date it spells
        b = birth if isinstance(birth, str) else birth.isoformat()
        return year - int(b[:4]) - (month_day < b[5:10])

    out: dict[int, eng.Facts] = {}
    for pk, birth, sex, residence, hh in people:
        out[pk] = eng.Facts(
            age=age(birth),
            sex=sex,
            residence_type=residence,
            tags=tags.get(pk, {}),
            has_household=hh is not None,
            others_ages=[age(b) for other, b in members.get(hh, []) if other != pk] if hh else [],
        )
    return out


def explain(rule: CareRule, facts: eng.Facts, memo: dict[Any, str] | None = None) -> str:
    """Why ``facts`` match ``rule``; ``memo`` keeps the words of people alike (the bulk run)."""
    if memo is None:
        return eng.explain(rule.condition, facts, TAGS)[:200]
    key = (rule.pk, eng.facts_key(facts))
    words = memo.get(key)
    if words is None:
        words = memo[key] = eng.explain(rule.condition, facts, TAGS)[:200]
    return words


# --- who visits -------------------------------------------------------------------------------------


def community_code(code: str) -> str:
    return code[:12]


def grid_workers(grid_codes: Iterable[str]) -> dict[str, int]:
    """The grid worker account of each grid (the first active one by id)."""
    out: dict[str, int] = {}
    for u in (
        User.objects.filter(role=Role.GRID_WORKER, is_active=True, region__code__in=list(grid_codes))
        .order_by("id")
        .values("id", "region__code")
    ):
        out.setdefault(u["region__code"], u["id"])
    return out


def grid_staff(grid_codes: Iterable[str]) -> dict[str, int]:
    """The registry's grid worker (Staff) of each grid, for the name on the plan when no account exists."""
    out: dict[str, int] = {}
    for sid, code in (
        Staff.objects.filter(kind=StaffKind.GRID_WORKER, active=True, grids__code__in=list(grid_codes))
        .order_by("id")
        .values_list("pk", "grids__code")
    ):
        out.setdefault(code, sid)
    return out


def posts() -> dict[tuple[str, str], int]:
    """(community code, post) → the account holding the community's care post."""
    return {
        (w["region__code"], w["post"]): w["user_id"]
        for w in CareWorker.objects.filter(active=True).values("region__code", "post", "user_id")
    }


def responsible(
    visitor: str, region_code: str, grids: dict[str, int], held: dict[tuple[str, str], int]
) -> int | None:
    """The account owed the work of ``visitor`` for a person of ``region_code``: the grid worker of
    the grid (else the community's social-assistance assistant), or the community's post holder
    (else the grid worker)."""
    community = community_code(region_code)
    if visitor == Visitor.GRID_WORKER:
        return grids.get(region_code) or held.get((community, Visitor.ASSISTANCE_ASSISTANT))
    return held.get((community, visitor)) or grids.get(region_code)


# --- care posts (儿童主任, 社会救助协理员, social workers) -------------------------------------------

REQUIRED_POSTS = (
    Visitor.CHILD_DIRECTOR,
    Visitor.ASSISTANCE_ASSISTANT,
)  # one per village/community (seed 001)
POST_LABELS = dict(Visitor.choices)


@dataclass
class CommunityPosts:
    """A community's care posts: the holder of each (or none) and the history of designations."""

    region: Region
    current: dict[str, CareWorker]
    history: list[CareWorker]

    @property
    def missing(self) -> list[str]:
        return [POST_LABELS[p] for p in REQUIRED_POSTS if p not in self.current]

    @property
    def posts(self) -> list[tuple[str, str, CareWorker | None]]:
        return [(p, POST_LABELS[p], self.current.get(p)) for p in (*REQUIRED_POSTS, Visitor.SOCIAL_WORKER)]


def communities_under(root_code: str) -> QuerySet[Region]:
    """The communities (villages) in force under ``root_code`` (a grid's code: its community)."""
    root = root_code[:12] if len(root_code) > 12 else root_code
    return Region.objects.filter(subtree_q(root), level=Level.COMMUNITY, valid_to__isnull=True).order_by(
        "code"
    )


def community_posts(regions: Sequence[Region]) -> list[CommunityPosts]:
    """The posts of ``regions`` (one query for all their designations, current and past)."""
    out = {r.pk: CommunityPosts(r, {}, []) for r in regions}
    for w in CareWorker.objects.filter(region_id__in=list(out)).select_related("user", "region"):
        entry = out[w.region_id]
        entry.history.append(w)
        if w.active:
            entry.current[w.post] = w
    return list(out.values())


@dataclass
class Vacancies:
    """The communities without their 儿童主任 or 社会救助协理员: how many, and the first of them."""

    count: int
    rows: list[tuple[Region, list[str]]]

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def vacant_communities(root_code: str) -> QuerySet[Region]:
    """The communities under ``root_code`` missing a required post, as one query (``NOT EXISTS`` per
    post), with ``has_<post>`` annotated — not a Python pass over every community of the city."""
    held = {
        f"has_{p}": Exists(CareWorker.objects.filter(region=OuterRef("pk"), active=True, post=p))
        for p in REQUIRED_POSTS
    }
    missing = Q()
    for name in held:
        missing |= Q(**{name: False})
    return communities_under(root_code).annotate(**held).filter(missing)


def vacant_posts(root_code: str, *, first: int = 20) -> Vacancies:
    """How many communities under ``root_code`` miss their 儿童主任 or 社会救助协理员, and the first
    ``first`` of them with what each misses (two queries, whatever the size of the city)."""
    qs = vacant_communities(root_code)
    rows = [(r, [POST_LABELS[p] for p in REQUIRED_POSTS if not getattr(r, f"has_{p}")]) for r in qs[:first]]
    count = len(rows) if len(rows) < first else qs.count()
    return Vacancies(count, rows)


def post_for(user: Any, pk: int) -> CareWorker | None:
    """A designation of a community under the account's region (else None: reads like absent)."""
    root = getattr(user, "region_code", "") or "35"
    return (
        CareWorker.objects.filter(pk=pk, region__in=communities_under(root))
        .select_related("region", "user")
        .first()
    )


def community_for(user: Any, code: str) -> Region | None:
    return communities_under(getattr(user, "region_code", "") or "35").filter(code=code).first()


def post_candidates(community_code: str) -> QuerySet[User]:
    """The accounts that may hold a care post of the community: active staff of its street (with their
    region, which the choice names: one query, not one per account)."""
    return (
        User.objects.filter(
            is_active=True,
            role__in=[Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR],
            region__code__startswith=community_code[:9],
        )
        .select_related("region")
        .order_by("region__code", "display_name", "username")
    )


# --- lists ------------------------------------------------------------------------------------------


def files_for(user: Any) -> QuerySet[CareFile]:
    return scoped(CareFile.objects.select_related("person", "region"), user)


def visits_for(user: Any) -> QuerySet[Visit]:
    return scoped(Visit.objects.select_related("file__person", "rule", "region"), user)


def alerts_for(user: Any) -> QuerySet[Alert]:
    return scoped(Alert.objects.select_related("file__person", "rule", "region"), user)


OVERDUE_SHOWN_DAYS = (
    92  # a worker's missed visits stay on his list for a quarter; the overview keeps them all
)


def my_visits(user: Any, today: dt.date) -> QuerySet[Visit]:
    """What waits for the worker: due in the current period, or missed within the last quarter,
    assigned to him (a grid worker: also his grid's visits planned before his account existed) (older misses stay in the community's overview and the file's history)."""
    mine = Q(assigned_to=user)
    if getattr(user, "role", "") == Role.GRID_WORKER and user.region_code:
        # a grid's visit planned before any account held the grid is its grid worker's
        mine |= Q(assigned_to__isnull=True, visitor=Visitor.GRID_WORKER, region__code=user.region_code)
    return (
        visits_for(user)
        .filter(mine, status__in=[VisitStatus.DUE, VisitStatus.OVERDUE])
        .filter(due_on__gte=today - dt.timedelta(days=OVERDUE_SHOWN_DAYS))
        .order_by("due_on", "id")
    )


def open_alerts(user: Any) -> QuerySet[Alert]:
    qs = alerts_for(user).filter(status=AlertStatus.OPEN)
    if getattr(user, "role", "") == Role.GRID_WORKER:
        return qs.filter(account_subtrees_q(user, "file__region__code"))
    return qs


def open_alert_counts(user: Any) -> list[tuple[str, int]]:
    """(policy, open alerts) in ``user``'s scope, most first: from the kept count per community
    (``AlertCount``), not a count of the alerts (a city's are 450 000)."""
    rows = (
        scoped(AlertCount.objects.filter(n__gt=0), user)
        .values("rule__policy_label")
        .annotate(total=Sum("n"))
        .order_by("-total", "rule__policy_label")
    )
    return [(r["rule__policy_label"], r["total"]) for r in rows]


def is_file_worker(user: Any, file: CareFile) -> bool:
    """Whether ``user`` is the file's own worker (visits assigned to him): his views are not audited."""
    return Visit.objects.filter(file=file, assigned_to=user).exists()


# --- the visit rate ---------------------------------------------------------------------------------


@dataclass
class Rate:
    key: str
    name: str
    owed: int
    visited: int
    overdue: int

    @property
    def rate(self) -> float | None:
        return None if self.owed == 0 else round(100.0 * self.visited / self.owed, 1)


def owed_visits(month: dt.date) -> QuerySet[Visit]:
    """The visits owed in the month of ``month``: monthly ones of that month, quarterly ones whose
    quarter ends in it (a quarter's visit counts in its last month)."""
    first = month.replace(day=1)
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return Visit.objects.filter(due_on__gte=first, due_on__lt=nxt)


SUMMARY_DEPTH = 12  # VisitMonth counts per community: finer (a grid) is counted from the visits


def visit_rates(root_code: str, month: dt.date, *, by: str = "rule", n: int = 15) -> list[Rate]:
    """Owed, visited and overdue visits of the month under ``root_code``, per care group (``by="rule"``)
    or per region prefix of length ``n`` (``by="region"``): one GROUP BY query over the monthly
    summary (``VisitMonth``), or over the visits themselves below a community (a grid's rows)."""
    first = month.replace(day=1)
    if len(root_code) > SUMMARY_DEPTH or (by == "region" and n > SUMMARY_DEPTH):
        return visit_rates_counted(root_code, first, by=by, n=n)
    qs = VisitMonth.objects.filter(month=first).filter(subtree_q(root_code, "region_code"))
    agg = dict(owed=Sum("owed"), visited=Sum("visited"), overdue=Sum("overdue"))
    out: list[Rate] = []
    if by == "rule":
        per_rule: list[Any] = list(
            qs.values("rule__code", "rule__name", "rule__sort").annotate(**agg).order_by("rule__sort")
        )
        for r in per_rule:
            if r["owed"]:
                out.append(Rate(r["rule__code"], r["rule__name"], r["owed"], r["visited"], r["overdue"]))
        return out
    per_region: list[Any] = list(
        qs.annotate(_p=Substr("region_code", 1, n)).values("_p").annotate(**agg).order_by("_p")
    )
    rows = [r for r in per_region if r["owed"]]
    names = dict(Region.objects.filter(code__in=[r["_p"] for r in rows]).values_list("code", "name"))
    for r in rows:
        out.append(Rate(r["_p"], names.get(r["_p"], r["_p"]), r["owed"], r["visited"], r["overdue"]))
    return out


def visit_rates_counted(root_code: str, month: dt.date, *, by: str = "rule", n: int = 15) -> list[Rate]:
    """``visit_rates`` counted from the visits (a grid's rates; and the reference the summary is
    tested equal to)."""
    qs = owed_visits(month).filter(subtree_q(root_code, "region__code"))
    agg = dict(
        owed=Count("pk"),
        visited=Count("pk", filter=Q(status=VisitStatus.DONE)),
        overdue=Count("pk", filter=Q(status=VisitStatus.OVERDUE)),
    )
    out: list[Rate] = []
    if by == "rule":
        by_rule: list[Any] = list(
            qs.values("rule__code", "rule__name", "rule__sort").annotate(**agg).order_by("rule__sort")
        )
        for r in by_rule:
            out.append(Rate(r["rule__code"], r["rule__name"], r["owed"], r["visited"], r["overdue"]))
        return out
    rows: list[Any] = list(
        qs.annotate(_p=Substr("region__code", 1, n)).values("_p").annotate(**agg).order_by("_p")
    )
    names = dict(Region.objects.filter(code__in=[r["_p"] for r in rows]).values_list("code", "name"))
    for r in rows:
        out.append(Rate(r["_p"], names.get(r["_p"], r["_p"]), r["owed"], r["visited"], r["overdue"]))
    return out


def overdue_count(user: Any) -> int:
    """The missed visits the account may see, all months: the sum of the monthly summary over its
    regions (counted from the visits for an account bound to grids)."""
    codes, role = account_codes(user), effective_role(user)
    everything = role == Role.SYSTEM_ADMIN
    if not everything and (role not in REGISTRY_READERS or not codes or max(map(len, codes)) > SUMMARY_DEPTH):
        return scoped(Visit.objects.filter(status=VisitStatus.OVERDUE), user).count()
    qs = VisitMonth.objects.all()
    if not everything:
        qs = qs.filter(subtrees_q(codes, "region_code"))
    return qs.aggregate(n=Sum("overdue"))["n"] or 0


COMMUNITY_CODE_LENGTH = 12


def _members_per_rule(*, live: Q | None, kept: QuerySet[GroupCount]) -> dict[int, int]:
    """Open memberships per rule id: counted live under ``live`` (a grid's few hundred: the kept count is
    per community), else summed from the kept ``GroupCount`` rows ``kept``."""
    if live is not None:
        counted = (
            CareMembership.objects.filter(live, until__isnull=True).values("rule_id").annotate(n=Count("pk"))
        )
        return {r["rule_id"]: r["n"] for r in counted.order_by()}
    summed = kept.filter(n__gt=0).values("rule_id").annotate(n=Sum("n"))
    return {r["rule_id"]: r["n"] for r in summed.order_by()}


def group_counts(root_code: str) -> list[tuple[str, int]]:
    """The open memberships per care group under ``root_code`` (``_members_per_rule``), in the rules'
    order, the groups with members only."""
    grid = len(root_code) > COMMUNITY_CODE_LENGTH
    counts = _members_per_rule(
        live=subtree_q(root_code, "file__region__code") if grid else None,
        kept=GroupCount.objects.filter(subtree_q(root_code, "region_code")),
    )
    return [(rule.name, counts[rule.pk]) for rule in CareRule.objects.order_by("sort") if counts.get(rule.pk)]


def rule_members(user: Any) -> dict[int, int]:
    """在册人数 per care rule in ``user``'s scope (rule id → open memberships, ``_members_per_rule``):
    an account bound to grids counted live, any other from the kept counts of its scope. Out of scope
    counts nothing, as everywhere: a community's worker sees his community's groups, not the city's."""
    grids = any(len(code) > COMMUNITY_CODE_LENGTH for code in account_codes(user))
    return _members_per_rule(
        live=account_subtrees_q(user, "file__region__code")
        if grids and effective_role(user) in REGISTRY_READERS
        else None,
        kept=scoped(GroupCount.objects.all(), user),
    )


# --- referrals: where they can go, where they stand --------------------------------------------------


def social_workers(community_code: str) -> list[tuple[int, str]]:
    """The social workers designated in the community's street (its own first): (account, words)."""
    rows = (
        CareWorker.objects.filter(
            active=True, post=Visitor.SOCIAL_WORKER, region__code__startswith=community_code[:9]
        )
        .select_related("user", "region")
        .order_by("region__code", "id")
    )
    ordered = sorted(rows, key=lambda w: w.region.code != community_code)
    return [(w.user_id, f"社工 {w.user}（{w.region.name}）") for w in ordered]


def referral_targets(file: CareFile) -> list[tuple[str, list[tuple[str, str]]]]:
    """Where a referral from ``file`` can go, by kind, as (``kind:target``, Chinese name) — the request
    categories, the need categories, the one-window items in force and the street's social workers."""
    cases = [
        (f"{ReferralKind.CASE}:{c.code}", c.name)
        for c in Category.objects.filter(active=True).order_by("subject", "kind", "code")
    ]
    needs = [
        (f"{ReferralKind.NEED}:{t.code}", f"{t.parent.name}·{t.name}" if t.parent else t.name)
        for t in TaxonomyTerm.objects.select_related("parent").order_by("parent__sort", "sort", "code")
        if t.parent_id is not None
    ]
    items = [
        (f"{ReferralKind.APPLICATION}:{i.code}", i.name) for i in ServiceItem.objects.filter(active=True)
    ]
    community = community_code(file.region.code)
    workers = [(f"{ReferralKind.SOCIAL_CASE}:{pk}", words) for pk, words in social_workers(community)]
    workers.append((f"{ReferralKind.SOCIAL_CASE}:", "社工个案（由社工站分派社工）"))
    return [
        ("诉求（接诉即办）", cases),
        ("需求清单", needs),
        ("一窗受理事项", items),
        ("社工个案", workers),
    ]


def social_case_progress(ids: Sequence[int]) -> dict[int, Progress]:
    out: dict[int, Progress] = {}
    for c in SocialCase.objects.filter(pk__in=list(ids)).select_related("worker"):
        out[c.pk] = Progress(
            label=f"社工 {c.worker}" if c.worker else "待分派社工",
            state="已结案" if c.closed_at else "服务中",
            final=c.closed_at is not None,
            result=c.closing_note,
        )
    return out


PROGRESS_OF: dict[str, Callable[[Sequence[int]], dict[int, Progress]]] = {
    ReferralKind.CASE: case_progress,
    ReferralKind.NEED: need_progress,
    ReferralKind.APPLICATION: application_progress,
    ReferralKind.SOCIAL_CASE: social_case_progress,
}


def referral_progress(referrals: Iterable[Referral]) -> dict[int, Progress]:
    """Where each referral's target stands, read through its module's selectors (one query per kind)."""
    referrals = list(referrals)
    wanted: dict[str, list[int]] = defaultdict(list)
    for r in referrals:
        wanted[r.kind].append(r.target_id)
    states = {kind: PROGRESS_OF[kind](ids) for kind, ids in wanted.items() if kind in PROGRESS_OF}
    out: dict[int, Progress] = {}
    for r in referrals:
        found = states.get(r.kind, {}).get(r.target_id)
        if found is not None:
            out[r.pk] = found
    return out


def outcome_of(progress: Progress) -> str:
    """The referral outcome a closed target means: solved, not solved, or closed without saying."""
    if progress.resolved is True:
        return ReferralOutcome.RESOLVED
    if progress.resolved is False:
        return ReferralOutcome.UNRESOLVED
    return ReferralOutcome.DONE


@dataclass
class ReferralState:
    """A referral as the file shows it: where its target stands now, and whether it is still open
    (a target its handler closed reads 已办结 with its outcome before the nightly sync closes it)."""

    referral: Referral
    target: str  # 诉求 LJ…, 高龄津贴 办件 YC…
    state: str
    outcome: str  # a ReferralOutcome value; "" while open
    note: str

    @property
    def open(self) -> bool:
        return not self.outcome

    @property
    def outcome_label(self) -> str:
        return str(dict(ReferralOutcome.choices).get(self.outcome, "")) if self.outcome else ""


def referral_states(referrals: Iterable[Referral]) -> list[ReferralState]:
    rows = list(referrals)
    progress = referral_progress(rows)
    out = []
    for r in rows:
        p = progress.get(r.pk)
        label = p.label if p else ""
        if r.closed_at:
            out.append(ReferralState(r, label, "已办结", r.outcome, r.outcome_note))
        elif p is not None and p.final:
            out.append(ReferralState(r, label, "已办结", outcome_of(p), p.result))
        else:
            out.append(ReferralState(r, label, p.state if p else "办理中", "", ""))
    return out
