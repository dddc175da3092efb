"""Reads of the workforce module: patrols and coverage, teams and their gaps, task progress and the
workforce figures. Every read is limited to the account's scope (``core.scope``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr

from linli.cases.hooks import Assignee
from linli.core.roles import Role, effective_role
from linli.core.scope import (
    account_codes,
    account_subtrees_q,
    region_in_scope,
    scoped,
    subtree_q,
    subtrees_q,
)
from linli.regions.models import Level, Region
from linli.registry.models import (
    RegionCount,
    RegionCounter,
    Staff,
    StaffKind,
    Training,
)
from linli.workforce.engine import rules
from linli.workforce.models import (
    Candidate,
    GridRule,
    GridTask,
    IncomeBaseline,
    Patrol,
    PatrolStatus,
    RotationRule,
    StaffGrade,
    TaskItem,
    TaskStatus,
    TeamMember,
    TeamPost,
)

SUPERVISORS = frozenset(
    {Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
DEFAULT_REQUIRED = [TeamPost.LEADER, TeamPost.WORKER, TeamPost.POLICE]


def rule_for(region: Region) -> tuple[int, list[str]]:
    """(patrols a day, required posts) of the nearest rule up the tree from ``region``."""
    codes = [region.code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(region.code)]
    rule = GridRule.objects.filter(region__code__in=codes).order_by("-region__level").first()
    if rule is None:
        return rules.PATROLS_PER_DAY, list(DEFAULT_REQUIRED)
    return rule.patrols_per_day, list(rule.required_posts or DEFAULT_REQUIRED)


def rules_under(root: Region) -> dict[str, tuple[int, list[str]]]:
    """Every rule on the path to ``root`` and below it, by region code (one query)."""
    codes = [root.code[:n] for n in (2, 4, 6, 9, 12) if n <= len(root.code)]
    found = GridRule.objects.filter(Q(region__code__in=codes) | subtree_q(root.code, "region__code"))
    return {
        r.region.code: (r.patrols_per_day, list(r.required_posts or DEFAULT_REQUIRED))
        for r in found.select_related("region")
    }


def applicable(code: str, table: dict[str, tuple[int, list[str]]]) -> tuple[int, list[str]]:
    for n in (15, 12, 9, 6, 4, 2):
        if len(code) >= n and code[:n] in table:
            return table[code[:n]]
    return rules.PATROLS_PER_DAY, list(DEFAULT_REQUIRED)


def grids_of(user: Any, root: Region | None = None) -> QuerySet[Region]:
    """The grids in the account's scope (under ``root`` when given)."""
    qs = Region.objects.current().filter(level=Level.GRID)
    if effective_role(user) != Role.SYSTEM_ADMIN:
        qs = qs.filter(account_subtrees_q(user))
    if root is not None:
        qs = qs.filter(subtree_q(root.code))
    return qs.order_by("code")


def visible_patrols(user: Any) -> QuerySet[Patrol]:
    """Patrols the account may see: a grid worker his own; supervisors those of their region."""
    qs = Patrol.objects.select_related("grid", "worker")
    if effective_role(user) == Role.GRID_WORKER:
        return qs.filter(worker=user)
    if effective_role(user) not in SUPERVISORS:
        return qs.none()
    return scoped(qs, user)


def active_patrol(user: Any) -> Patrol | None:
    return Patrol.objects.select_related("grid").filter(worker=user, status=PatrolStatus.ACTIVE).first()


# --- coverage -------------------------------------------------------------------------------------


@dataclass
class GridDay:
    grid: Region
    required: int
    done: int = 0  # patrols that count for the rule
    patrols: int = 0
    minutes: float = 0.0
    distance_m: float = 0.0
    buildings: int = 0

    @property
    def missed(self) -> int:
        return max(0, self.required - self.done)


def required_patrols(table: dict[str, tuple[int, list[str]]]) -> Any:
    """The patrols a day owed in each grid, as an SQL expression: the nearest rule up the tree
    (``applicable``), the most specific rule code first."""
    whens = [
        When(code__startswith=code, then=Value(rule[0]))
        for code, rule in sorted(table.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    ]
    if not whens:
        return Value(rules.PATROLS_PER_DAY, output_field=IntegerField())
    return Case(*whens, default=Value(rules.PATROLS_PER_DAY), output_field=IntegerField())


def patrols_counted(day: dt.date) -> Any:
    """Patrols of ``day`` in the grid (outer row) that count for the rule: one indexed probe per grid."""
    found = (
        Patrol.objects.filter(
            grid=OuterRef("pk"),
            day=day,
            status=PatrolStatus.DONE,
            minutes_in_grid__gte=rules.MIN_PATROL_MINUTES,
        )
        .order_by()
        .values("grid")
        .annotate(c=Count("pk"))
        .values("c")[:1]
    )
    return Coalesce(Subquery(found, output_field=IntegerField()), Value(0))


def coverage_grids(user: Any, root: Region, day: dt.date, *, gaps: bool = False) -> QuerySet[Region]:
    """The grids under ``root`` in the account's scope, each with ``required`` (patrols a day by the
    rule), by code; with ``gaps`` only those short of it on ``day``. Page it, then ``coverage_of``."""
    qs = grids_of(user, root).defer("boundary").annotate(required=required_patrols(rules_under(root)))
    if gaps:
        qs = qs.annotate(counted=patrols_counted(day)).filter(counted__lt=F("required"))
    return qs


def coverage_of(grids: list[Region], day: dt.date) -> list[GridDay]:
    """Per grid of ``grids`` (from ``coverage_grids``) on ``day``: patrols done against the rule, time
    and distance in the grid, buildings passed (one aggregate query over those grids' patrols)."""
    rows = {g.pk: GridDay(g, g.required) for g in grids}  # type: ignore[attr-defined]
    if not rows:
        return []
    agg = (
        Patrol.objects.filter(day=day, grid_id__in=list(rows), status=PatrolStatus.DONE)
        .values("grid_id")
        .annotate(
            n=Count("pk"),
            ok=Count("pk", filter=Q(minutes_in_grid__gte=rules.MIN_PATROL_MINUTES)),
            m=Sum("minutes_in_grid"),
            d=Sum("distance_in_grid_m"),
            b=Max("buildings_passed"),
        )
        .order_by()
    )
    for r in agg:
        row = rows[r["grid_id"]]
        row.patrols, row.done = r["n"], r["ok"]
        row.minutes, row.distance_m, row.buildings = r["m"] or 0.0, r["d"] or 0.0, r["b"] or 0
    return list(rows.values())


def day_coverage(user: Any, root: Region, day: dt.date) -> list[GridDay]:
    """Every grid under ``root`` on ``day`` (a community's few grids; larger roots page
    ``coverage_grids`` or read ``coverage_rollup``)."""
    return coverage_of(list(coverage_grids(user, root, day)), day)


@dataclass
class Rollup:
    """Grids of one street or community under the root: how many, how many are fine (the day's patrols
    met, or the team complete), and grids without a grid worker (teams)."""

    region: Region
    grids: int
    ok: int
    no_worker: int = 0

    @property
    def short(self) -> int:
        return self.grids - self.ok


def child_length(root: Region) -> int:
    """The code length the grids under ``root`` are summed up by: streets under a city or district,
    communities under a street, the grids themselves below that."""
    if root.level <= Level.DISTRICT:
        return 9
    if root.level == Level.STREET:
        return 12
    return 15


def _rolled(rows: list[dict[str, Any]]) -> list[Rollup]:
    names = {
        r.code: r
        for r in Region.objects.current().filter(code__in=[row["_p"] for row in rows]).defer("boundary")
    }
    return [
        Rollup(names[row["_p"]], row["grids"], row["ok"], row.get("no_worker", 0))
        for row in rows
        if row["_p"] in names
    ]


def coverage_rollup(user: Any, root: Region, day: dt.date, n: int) -> list[Rollup]:
    """Grids and grids that met the day's patrols per region code prefix of length ``n`` under
    ``root`` (one GROUP BY, a probe of the day's patrols per grid)."""
    rows = (
        grids_of(user, root)
        .order_by()
        .annotate(required=required_patrols(rules_under(root)), counted=patrols_counted(day))
        .annotate(_p=Substr("code", 1, n))
        .values("_p")
        .annotate(grids=Count("pk"), ok=Count("pk", filter=Q(counted__gte=F("required"))))
        .order_by("_p")
    )
    return _rolled([dict(r) for r in rows])


# --- teams ------------------------------------------------------------------------------------------


@dataclass
class Team:
    grid: Region
    members: list[TeamMember] = field(default_factory=list)
    required: list[str] = field(default_factory=list)

    @property
    def posts(self) -> set[str]:
        return {m.post for m in self.members}

    @property
    def missing(self) -> list[str]:
        return [TeamPost(p).label for p in self.required if p not in self.posts]

    @property
    def no_worker(self) -> bool:
        return TeamPost.WORKER not in self.posts


def _has_post(post: str) -> Exists:
    return Exists(TeamMember.objects.filter(grid=OuterRef("pk"), post=post, until__isnull=True))


def team_complete(table: dict[str, tuple[int, list[str]]]) -> Any:
    """Whether the grid's team (outer row) has every post its rule requires, as an SQL expression."""

    def all_of(posts: list[str]) -> Any:
        if not posts:
            return Value(True, output_field=BooleanField())
        q = Q(_has_post(posts[0]))
        for p in posts[1:]:
            q &= Q(_has_post(p))
        return ExpressionWrapper(q, output_field=BooleanField())

    whens = [
        When(code__startswith=code, then=all_of(rule[1]))
        for code, rule in sorted(table.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    ]
    if not whens:
        return all_of(list(DEFAULT_REQUIRED))
    return Case(*whens, default=all_of(list(DEFAULT_REQUIRED)), output_field=BooleanField())


def team_grids(user: Any, root: Region, *, gaps: bool = False) -> QuerySet[Region]:
    """The grids under ``root`` in the account's scope, by code; with ``gaps`` only those whose team
    lacks a post its rule requires. Page it, then ``teams_of``."""
    qs = grids_of(user, root).defer("boundary")
    if gaps:
        qs = qs.annotate(complete=team_complete(rules_under(root))).filter(complete=False)
    return qs


def teams_of(grids: list[Region], root: Region) -> list[Team]:
    """The teams of ``grids`` (their current members, 网格长 first) with the posts their rule requires
    (one query for the members)."""
    table = rules_under(root)
    by_grid = {g.pk: Team(g, required=applicable(g.code, table)[1]) for g in grids}
    if not by_grid:
        return []
    order = {p: i for i, p in enumerate(TeamPost.values)}  # 网格长 first, the 楼栋长/单元长 last
    for m in TeamMember.objects.filter(grid_id__in=list(by_grid), until__isnull=True).select_related(
        "staff", "person"
    ):
        by_grid[m.grid_id].members.append(m)
    for t in by_grid.values():
        t.members.sort(key=lambda m: (order.get(m.post, 99), m.pk))
    return list(by_grid.values())


def teams(user: Any, root: Region) -> list[Team]:
    """Every team under ``root`` (a community's few grids; larger roots page ``team_grids``)."""
    return teams_of(list(team_grids(user, root)), root)


def team_rollup(user: Any, root: Region, n: int) -> list[Rollup]:
    """Grids, grids with a complete team and grids without a grid worker per region code prefix of
    length ``n`` under ``root`` (one GROUP BY)."""
    rows = (
        grids_of(user, root)
        .order_by()
        .annotate(complete=team_complete(rules_under(root)), has_worker=_has_post(TeamPost.WORKER))
        .annotate(_p=Substr("code", 1, n))
        .values("_p")
        .annotate(
            grids=Count("pk"),
            ok=Count("pk", filter=Q(complete=True)),
            no_worker=Count("pk", filter=Q(has_worker=False)),
        )
        .order_by("_p")
    )
    return _rolled([dict(r) for r in rows])


def members_by_post(grid: Region, post: str) -> list[TeamMember]:
    """The members of ``grid``'s team in ``post``: where requests, visits and tasks of that post go."""
    return list(
        TeamMember.objects.filter(grid=grid, post=post, until__isnull=True).select_related(
            "staff", "person", "account"
        )
    )


def grid_worker_on(*, grid: Region, on: dt.date) -> Assignee | None:
    """The grid's 专职网格员 on ``on``: the longest-serving member of its team in the 网格员 post that
    day who is a staff grid worker (not a resident helping part-time) with an account to be told on.
    The requests module asks it for every new request placed in a grid (``cases.hooks``)."""
    member = (
        TeamMember.objects.filter(
            grid=grid,
            post=TeamPost.WORKER,
            staff__kind=StaffKind.GRID_WORKER,
            staff__active=True,
            account__isnull=False,
            account__is_active=True,
            since__lte=on,
        )
        .filter(Q(until__isnull=True) | Q(until__gt=on))
        .select_related("staff")
        .order_by("since", "pk")
        .first()
    )
    if member is None or member.account_id is None:
        return None
    return Assignee(user_id=member.account_id, name=member.label, post=TeamPost.WORKER.label)


# --- grid tasks ----------------------------------------------------------------------------------------


def visible_tasks(user: Any) -> QuerySet[GridTask]:
    qs = GridTask.objects.select_related("issuer_org", "issuer_region", "region", "duty")
    role = effective_role(user)
    if role == Role.SYSTEM_ADMIN:
        return qs
    if role == Role.DEPARTMENT_HANDLER:
        return qs.filter(issuer_org_id=user.organisation_id) if user.organisation_id else qs.none()
    codes = account_codes(user)
    if not codes:
        return qs.none()
    # the tasks sent to the account's regions or above them, and those its regions sent
    return qs.filter(
        Q(region__code__in=sorted({code[:n] for code in codes for n in (6, 9, 12) if n <= len(code)}))
        | subtrees_q(codes, "region__code")
        | subtrees_q(codes, "issuer_region__code")
    )


def task_progress(task: GridTask, n: int, root: str = "") -> dict[str, tuple[int, int]]:
    """(done, total) of ``task``'s items per region code prefix of length ``n`` (15 grid, 12
    community, 9 street), one GROUP BY."""
    qs = TaskItem.objects.filter(task=task)
    if root:
        qs = qs.filter(subtree_q(root, "grid__code"))
    rows = (
        qs.annotate(_p=Substr("grid__code", 1, n))
        .values("_p")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(done_at__isnull=False)))
        .order_by("_p")
    )
    return {r["_p"]: (r["done"], r["total"]) for r in rows}


def my_open_items(user: Any) -> QuerySet[TaskItem]:
    """The undone items of issued tasks in the grids of the account (a grid worker's list)."""
    return (
        TaskItem.objects.filter(
            done_at__isnull=True,
            task__status=TaskStatus.ISSUED,
            **({} if effective_role(user) == Role.SYSTEM_ADMIN else {}),
        )
        .filter(account_subtrees_q(user, "grid__code"))
        .select_related("task", "building", "household", "grid")
    )


# --- workforce figures --------------------------------------------------------------------------------


@dataclass
class Figures:
    """A community's staffing figures: what the figures page shows, the API gives and the home page's
    shortfalls sum."""

    households: int
    residents: int
    workers: int
    certified: int
    grids: int
    grids_without_worker: int

    @property
    def per_300_households(self) -> float | None:
        return self.workers * 300 / self.households if self.households else None

    @property
    def per_10k_residents(self) -> float | None:
        return self.workers * 10000 / self.residents if self.residents else None

    @property
    def short_300(self) -> int:
        """Workers missing for one per 300 households (rounded up)."""
        return short_of(self.households, self.workers)


@dataclass
class CommunityFigures(Figures):
    """The figures of one community, with its region (a row of the figures page)."""

    region: Region


def communities_of(root: Region) -> QuerySet[Region]:
    """The communities under ``root`` by code: page it, then ``figures_of``."""
    return (
        Region.objects.current()
        .filter(level=Level.COMMUNITY)
        .filter(subtree_q(root.code))
        .defer("boundary")
        .order_by("code")
    )


BY_ID_UP_TO = 2000  # regions of a page looked up by id; more (a city's 25 000) by their codes' range


def short_of(households: int, workers: int) -> int:
    """Community workers missing for one per 300 households (rounded up)."""
    return max(0, -(-households // 300) - workers)


def _figures_by_code(codes: list[str]) -> dict[str, Figures]:
    """The ``Figures`` per community code of ``codes`` (in code order): one GROUP BY per figure over the
    codes' range, not the whole root, and no Region object made."""
    if not codes:
        return {}
    lo, hi = codes[0], codes[-1] + ";"

    def by12(qs: QuerySet[Any], path: str, **agg: Any) -> dict[str, dict[str, int]]:
        rows = (
            qs.filter(**{f"{path}__gte": lo, f"{path}__lt": hi})
            .annotate(_p=Substr(path, 1, 12))
            .values("_p")
            .annotate(**agg)
            .order_by()
        )
        return {r.pop("_p"): r for r in rows}

    def by_region(qs: QuerySet[Any], **agg: Any) -> dict[str, dict[str, int]]:
        # a page's few regions by id (an index probe per region, rather than a join the planner may
        # turn into a scan of the table); a city's 25 000 by the join, grouped by their code's prefix
        ids = dict(
            Region.objects.filter(code__gte=lo, code__lt=hi)
            .values_list("pk", "code")
            .order_by()[: BY_ID_UP_TO + 1]
        )
        if len(ids) > BY_ID_UP_TO:
            return by12(qs, "region__code", **agg)
        out: dict[str, dict[str, int]] = {}
        for r in qs.filter(region_id__in=list(ids)).values("region_id").annotate(**agg).order_by():
            row = out.setdefault(ids[r.pop("region_id")][:12], dict.fromkeys(agg, 0))
            for k, v in r.items():
                row[k] += v or 0
        return out

    # the kept counts carry their region's code: a range of their index, no region looked up
    hh = by12(RegionCount.objects.filter(counter=RegionCounter.HOUSEHOLDS), "code", n=Sum("n"))
    # residents: the kept count of the registered persons living there (人户分离 not), not the persons
    ppl = by12(RegionCount.objects.filter(counter=RegionCounter.PERSONS_RESIDENT), "code", n=Sum("n"))
    st = by_region(
        Staff.objects.filter(active=True),
        w=Count("pk", filter=Q(kind=StaffKind.COMMUNITY_WORKER)),
        c=Count("pk", filter=~Q(certificate_level="")),
    )
    grids = (
        Region.objects.current()
        .filter(level=Level.GRID)
        .annotate(has_worker=Exists(TeamMember.objects.filter(grid=OuterRef("pk"), post=TeamPost.WORKER)))
    )
    g = by12(grids, "code", n=Count("pk"), w=Count("pk", filter=Q(has_worker=True)))
    out = {}
    for code in codes:
        total_g = g.get(code, {}).get("n", 0)
        out[code] = Figures(
            hh.get(code, {}).get("n", 0),
            ppl.get(code, {}).get("n", 0),
            st.get(code, {}).get("w", 0),
            st.get(code, {}).get("c", 0),
            total_g,
            total_g - g.get(code, {}).get("w", 0),
        )
    return out


def figures_of(communities: list[Region]) -> list[CommunityFigures]:
    """Per community of ``communities`` (a page by code, from ``communities_of``): households and
    residents (from the registry's kept counts), community workers, certified social workers, grids
    and grids without a grid worker."""
    by_code = _figures_by_code(sorted(c.code for c in communities))
    return [CommunityFigures(**vars(by_code[c.code]), region=c) for c in communities]


def community_figures(root: Region) -> list[CommunityFigures]:
    """Per community under ``root`` (a district's at most; the pages page ``communities_of``)."""
    return figures_of(list(communities_of(root)))


@dataclass(frozen=True)
class Shortfalls:
    communities_short: int  # communities below one community worker per 300 households
    workers_missing: int  # the workers they lack together
    grids_without_worker: int


def shortfalls_of(root: Region) -> Shortfalls:
    """The home page's staffing figures under ``root``: what ``community_figures`` would sum, read by
    community code (a city's 2 851 communities make no Region object)."""
    figures = _figures_by_code(list(communities_of(root).values_list("code", flat=True)))
    short = [f.short_300 for f in figures.values()]
    return Shortfalls(
        sum(1 for n in short if n), sum(short), sum(f.grids_without_worker for f in figures.values())
    )


@dataclass
class TrainingRow:
    staff: Staff
    rule: RotationRule | None
    last: dt.date | None
    state: str  # overdue / due / ok


def rotation_of(staff: Staff, rules_: list[RotationRule]) -> RotationRule | None:
    """The rule whose post words appear in the staff member's post (most frequent first)."""
    for r in rules_:
        if any(w in staff.post for w in r.post_words):
            return r
    return None


def training_rows(root: Region, today: dt.date) -> list[TrainingRow]:
    """Each active community worker under ``root`` with the rotation rule of his post and whether his
    training is overdue, due soon or fine."""
    rules_ = list(RotationRule.objects.order_by("every_years", "key"))
    staff = list(
        Staff.objects.filter(active=True, kind=StaffKind.COMMUNITY_WORKER)
        .filter(subtree_q(root.code, "region__code"))
        .select_related("region")
        .annotate(last=Max("trainings__end_date"))
    )
    out = []
    for s in staff:
        rule = rotation_of(s, rules_)
        if rule is None:
            continue
        out.append(TrainingRow(s, rule, s.last, rules.training_due(s.last, rule.every_years, today)))  # type: ignore[attr-defined]
    return out


def income_for(region: Region, year: int) -> Decimal | None:
    codes = [region.code[:n] for n in (2, 4, 6) if n <= len(region.code)]
    found = (
        IncomeBaseline.objects.filter(region__code__in=codes, year=year).order_by("-region__level").first()
    )
    return found.income if found else None


def grades_below_income(root: Region, year: int) -> tuple[int, int, Decimal | None]:
    """(graded workers, of them paid below last year's urban disposable income, that income)."""
    income = income_for(root, year - 1)
    qs = StaffGrade.objects.filter(subtree_q(root.code, "staff__region__code"), staff__active=True)
    total = qs.count()
    below = qs.filter(annual_pay__lt=income).count() if income is not None else 0
    return total, below, income


def training_in(root: Region) -> QuerySet[Training]:
    return Training.objects.filter(subtree_q(root.code, "staff__region__code"))


def in_scope(user: Any, region: Region) -> bool:
    return region_in_scope(user, region)


# --- the entry forms' reads: grades, the income baseline, the 后备人才库 --------------------------------


def graded_staff(root: Region) -> QuerySet[Staff]:
    """The active community workers under ``root`` with their grade (if set), by community and name."""
    return (
        Staff.objects.filter(
            subtree_q(root.code, "region__code"), kind=StaffKind.COMMUNITY_WORKER, active=True
        )
        .select_related("region", "grade")
        .order_by("region__code", "name", "pk")
    )


def communities_under(root: Region) -> list[Region]:
    """The communities under ``root`` for a form's choice (code and name only: a city has thousands)."""
    return list(
        Region.objects.current()
        .filter(subtree_q(root.code, "code"), level=Level.COMMUNITY)
        .only("id", "code", "name", "level", "parent_id")
        .order_by("code")
    )


def income_rows(region: Region) -> list[IncomeBaseline]:
    return list(IncomeBaseline.objects.filter(region=region).order_by("-year"))


def candidates_under(root: Region) -> QuerySet[Candidate]:
    return Candidate.objects.filter(subtree_q(root.code, "region__code")).select_related("region")


def candidate_counts(root: Region) -> dict[str, int]:
    """Candidates under ``root`` per status (在库培养 / 已任用 / 已退出), one GROUP BY."""
    rows = candidates_under(root).order_by().values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def grade_summary(root: Region, income: Decimal | None) -> list[dict[str, Any]]:
    """Per post of 三岗 under ``root``: how many, the lowest and highest grade, the average pay and how
    many are paid below ``income`` (last year's urban disposable income), one GROUP BY."""
    below = (
        Count("pk", filter=Q(annual_pay__lt=income)) if income is not None else Count("pk", filter=Q(pk=None))
    )
    rows = (
        StaffGrade.objects.filter(subtree_q(root.code, "staff__region__code"), staff__active=True)
        .values("post")
        .annotate(n=Count("pk"), lo=Min("grade"), hi=Max("grade"), pay=Avg("annual_pay"), below=below)
        .order_by()
    )
    order = list(rules.POSTS)
    out = [{**r, "label": rules.POSTS.get(r["post"], r["post"])} for r in rows]
    return sorted(out, key=lambda r: order.index(r["post"]) if r["post"] in order else 99)
