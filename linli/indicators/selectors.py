"""Reads: element values for many regions at once, indicator values, targets, attainment, trends.

Every computed value for all regions of a level comes from the GROUP BY queries of the sources
each module registers in ``linli.core.data_elements``, reported values from one query over
``DataValue``; both are aggregated in Python per code prefix. No query per region.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Length, Substr
from django.utils import timezone

from linli.core import data_elements
from linli.core.scope import region_in_scope, scoped
from linli.indicators.engine import formula, rules
from linli.indicators.models import (
    DataElement,
    DataValue,
    ElementKind,
    HierarchyAgg,
    Indicator,
    PlanAdoption,
    PlanTask,
    Target,
    TaskStatus,
    ValueStatus,
)
from linli.regions.models import CODE_LENGTH, Level, Region

SNAPSHOT = "snapshot"


def level_length(level: int) -> int:
    return CODE_LENGTH[Level(level)]


ZERO = Decimal(0)


@dataclass
class ElementTable:
    """Aggregated element values: prefix → element code → value (None = missing).

    Computed elements of a region without any rows are a computed zero: they live in ``defaults``
    (per code length) instead of being written into every region's row.
    """

    values: dict[str, dict[str, Decimal | None]] = field(default_factory=lambda: defaultdict(dict))
    # prefix → element code → (units that reported, units expected) for reported elements
    completeness: dict[str, dict[str, tuple[int, int]]] = field(default_factory=lambda: defaultdict(dict))
    defaults: dict[int, dict[str, Decimal]] = field(default_factory=dict)
    prefixes: dict[int, tuple[str, ...]] = field(default_factory=dict)  # the regions of each code length
    applicable: dict[int, set[str]] = field(default_factory=dict)  # elements that exist at each length
    computed_at: dt.datetime | None = None  # when the snapshot read for computed elements was taken

    def row(self, prefix: str) -> dict[str, Decimal | None]:
        base: dict[str, Decimal | None] = dict(self.defaults.get(len(prefix), {}))
        base.update(self.values.get(prefix, {}))
        return base

    def get(self, prefix: str, code: str) -> Decimal | None:
        row = self.values.get(prefix, {})
        if code in row:
            return row[code]
        return self.defaults.get(len(prefix), {}).get(code)


def _elements(codes: Iterable[str] | None = None) -> list[DataElement]:
    qs = DataElement.objects.all()
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    return list(qs)


def snapshot_years(element_codes: Iterable[str]) -> set[tuple[str, int]]:
    return set(
        DataValue.objects.filter(source=SNAPSHOT, element__code__in=list(element_codes), current=True)
        .values_list("element__code", "year")
        .distinct()
    )


def snapshot_elements(elements: Iterable[DataElement], year: int) -> set[str]:
    """Codes of the computed ``elements`` whose values of ``year`` the nightly snapshot keeps (one
    indexed probe per element, not a scan of the snapshot's rows)."""
    ids = [e.pk for e in elements if e.kind == ElementKind.COMPUTED]
    if not ids:
        return set()
    kept = DataValue.objects.filter(
        element=OuterRef("pk"), year=year, current=True, source=SNAPSHOT
    ).order_by()
    return set(
        DataElement.objects.filter(pk__in=ids)
        .annotate(_kept=Exists(kept))
        .filter(_kept=True)
        .values_list("code", flat=True)
    )


def snapshot_time(root_code: str, year: int) -> dt.datetime | None:
    """When the snapshot of ``year`` under ``root_code`` was taken (None: there is none)."""
    return (
        DataValue.objects.filter(
            source=SNAPSHOT,
            year=year,
            current=True,
            region__code__gte=root_code,
            region__code__lt=root_code + ";",
        )
        .order_by()
        .values_list("entered_at", flat=True)
        .first()
    )


def element_table(
    elements: list[DataElement],
    root_code: str,
    lengths: Iterable[int],
    year: int,
    *,
    today: dt.date | None = None,
    from_sources: bool = False,
) -> ElementTable:
    """Values of ``elements`` for ``year`` at every prefix of the given ``lengths`` inside ``root_code``
    (``from_sources``: computed elements of this year from their sources, never from the nightly
    snapshot)."""
    lengths = sorted(set(lengths))
    today = today or timezone.localdate()
    table = ElementTable()
    memo: dict[tuple[str, int], tuple[str, ...]] = {}
    computed = [e for e in elements if e.kind == ElementKind.COMPUTED]
    snap = set() if from_sources else snapshot_elements(computed, year)
    live: dict[str, list[str]] = defaultdict(list)
    stored: list[DataElement] = [e for e in elements if e.kind == ElementKind.REPORTED]
    kept: list[DataElement] = []  # read from the nightly snapshot
    for e in computed:
        # the snapshot keeps the entry level and above; finer levels of this year are computed live
        if e.code in snap and (year != today.year or lengths[-1] <= level_length(e.entry_level)):
            kept.append(e)
        elif year == today.year:
            src = data_elements.source_of(e.code)
            if src is not None:
                live[src.key].append(e.code)
    for n in lengths:
        table.prefixes[n] = _prefixes(root_code, n, memo)
        table.applicable[n] = {e.code for e in elements if _applicable(e, n)}
    plans = {}
    for key in live:
        usable = sorted((n for n in lengths if n <= data_elements.SOURCES[key].finest), reverse=True)
        if usable:
            plans[key] = usable
    results = _compute_sources({k: (data_elements.SOURCES[k], u[0]) for k, u in plans.items()}, root_code)
    for key, usable in plans.items():
        codes = live[key]
        grouped = results[key]
        # rows held above the finest level (a street's own facility) join in at their own level
        short = [(p, v) for p, v in grouped.items() if len(p) < usable[0]]
        finer: dict[str, dict[str, Decimal]] = {p: v for p, v in grouped.items() if len(p) >= usable[0]}
        finer_n = usable[0] + 1
        for n in usable:  # finest first: each level sums the one below it
            rolled: dict[str, dict[str, Decimal]] = {}
            rows = list(finer.items()) + [(p, v) for p, v in short if n <= len(p) < finer_n]
            for prefix, vals in rows:
                key_n = prefix[:n]
                target = rolled.get(key_n)
                if target is None:
                    rolled[key_n] = {c: vals.get(c, ZERO) for c in codes}
                else:
                    for c in codes:
                        target[c] += vals.get(c, ZERO)
            for prefix, vals in rolled.items():
                table.values[prefix].update(vals)
            table.defaults.setdefault(n, {}).update(dict.fromkeys(codes, ZERO))
            finer, finer_n = rolled, n
    if stored:
        _stored_values(table, stored, root_code, lengths, year, memo)
    if kept:
        _snapshot_values(table, kept, root_code, lengths, year, memo)
        table.computed_at = snapshot_time(root_code, year)
    return table


def _compute_sources(
    work: dict[str, tuple[data_elements.ComputedSource, int]], root_code: str
) -> dict[str, data_elements.Grouped]:
    """Run the sources' GROUP BY queries; on PostgreSQL outside a transaction, side by side on their
    own connections (the person and household scans then overlap), otherwise one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql" or connection.in_atomic_block or len(work) < 2:
        return {k: src.compute(n, root_code) for k, (src, n) in work.items()}

    def run(item: tuple[str, tuple[data_elements.ComputedSource, int]]) -> tuple[str, data_elements.Grouped]:
        key, (src, n) = item
        try:
            return key, src.compute(n, root_code)
        finally:
            connections.close_all()  # this thread's connection

    # the largest tables first, so that they start at once
    order = sorted(work.items(), key=lambda kv: kv[0] not in ("registry.persons", "registry.households"))
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(run, order))


def _applicable(e: DataElement, n: int) -> bool:
    """Whether element ``e`` has values at code length ``n`` at all (a community count has none per grid)."""
    if e.kind == ElementKind.COMPUTED:
        src = data_elements.source_of(e.code)
        if src is not None:
            return n <= src.finest
    return n <= level_length(e.entry_level)


def _prefixes(
    root_code: str, n: int, memo: dict[tuple[str, int], tuple[str, ...]] | None = None
) -> tuple[str, ...]:
    """Codes of the current regions of code length ``n`` in the subtree of ``root_code``."""
    key = (root_code, n)
    if memo is not None and key in memo:
        return memo[key]
    if n == len(root_code):
        found: tuple[str, ...] = (
            (root_code,) if Region.objects.current().filter(code=root_code).exists() else ()
        )
    else:
        level = {v: k for k, v in CODE_LENGTH.items()}.get(n)
        found = (
            tuple(
                Region.objects.current().subtree(root_code).filter(level=level).values_list("code", flat=True)
            )
            if level is not None
            else ()
        )
    if memo is not None:
        memo[key] = found
    return found


def _stored_values(
    table: ElementTable,
    elements: list[DataElement],
    root_code: str,
    lengths: list[int],
    year: int,
    memo: dict[tuple[str, int], tuple[str, ...]],
) -> None:
    by_id = {e.pk: e for e in elements}
    rows = (
        DataValue.objects.filter(
            element_id__in=list(by_id),
            year=year,
            current=True,
            region__code__gte=root_code,
            region__code__lt=root_code + ";",
        )
        .exclude(status=ValueStatus.REJECTED)
        .order_by()
        .values_list("element_id", "region__code", "period", "value")
    )
    per_unit: dict[tuple[int, str], list[tuple[int, Decimal]]] = defaultdict(list)
    for element_id, code, period, value in rows:
        e = by_id[element_id]
        if len(code) != level_length(e.entry_level):
            continue  # a value at another level than the element's entry level is not aggregated
        per_unit[(element_id, code)].append((period, value))
    unit_values: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for (element_id, code), periods in per_unit.items():
        v = rules.over_time(by_id[element_id].time_agg, periods)
        if v is not None:
            unit_values[element_id][code] = v
    expected = _expected_units(
        root_code, lengths, {(level_length(e.entry_level), e.applies_to) for e in elements}
    )
    for e in elements:
        entry = level_length(e.entry_level)
        values = unit_values.get(e.pk, {})
        for n in lengths:
            if n > entry:
                continue
            groups: dict[str, list[Decimal]] = defaultdict(list)
            for code, v in values.items():
                groups[code[:n]].append(v)
            for prefix in _prefixes(root_code, n, memo):
                got = groups.get(prefix, [])
                table.values[prefix][e.code] = rules.over_hierarchy(e.hierarchy_agg, got)
                table.completeness[prefix][e.code] = (
                    len(got),
                    expected.get((entry, e.applies_to, prefix), 0),
                )


def _snapshot_values(
    table: ElementTable,
    elements: list[DataElement],
    root_code: str,
    lengths: list[int],
    year: int,
    memo: dict[tuple[str, int], tuple[str, ...]],
) -> None:
    """The snapshot's values of computed ``elements`` summed (or averaged) up to each prefix in the
    database: one GROUP BY per entry level (at the finest length asked; the coarser lengths sum its
    groups), whatever the number of units below.

    The snapshot holds one row per element and unit of its entry level (the whole year, period 0),
    so the time aggregation of ``_stored_values`` is the row itself and only the hierarchy remains.
    """
    by_entry: dict[int, list[DataElement]] = defaultdict(list)
    for e in elements:
        by_entry[level_length(e.entry_level)].append(e)
    expected = _expected_units(
        root_code, lengths, {(level_length(e.entry_level), e.applies_to) for e in elements}
    )
    for entry, els in by_entry.items():
        by_id = {e.pk: e for e in els}
        base = (
            DataValue.objects.filter(
                element_id__in=list(by_id),
                year=year,
                current=True,
                source=SNAPSHOT,
                region__code__gte=root_code,
                region__code__lt=root_code + ";",
            )
            .exclude(status=ValueStatus.REJECTED)
            .annotate(_l=Length("region__code"))
            .filter(_l=entry)
        )
        usable = [n for n in lengths if n <= entry]
        if not usable:
            continue
        # one GROUP BY at the finest length asked; the coarser ones sum its groups
        finest: dict[tuple[int, str], tuple[Decimal, int]] = {}
        for r in (
            base.annotate(_p=Substr("region__code", 1, usable[-1]))
            .values("element_id", "_p")
            .annotate(total=Sum("value"), units=Count("pk"))
            .order_by()
        ):
            finest[(r["element_id"], r["_p"])] = (r["total"], r["units"])
        for n in usable:
            got: dict[tuple[int, str], tuple[Decimal, int]] = {}
            for (element_id, prefix), (total, units) in finest.items():
                key = (element_id, prefix[:n])
                t0, u0 = got.get(key, (ZERO, 0))
                got[key] = (t0 + total, u0 + units)
            for e in els:
                for prefix in _prefixes(root_code, n, memo):
                    total, units = got.get((e.pk, prefix), (ZERO, 0))
                    if not units:
                        value = None
                    elif e.hierarchy_agg == HierarchyAgg.AVG:
                        value = total / units
                    else:
                        value = total
                    table.values[prefix][e.code] = value
                    table.completeness[prefix][e.code] = (
                        units,
                        expected.get((entry, e.applies_to, prefix), 0),
                    )


def _expected_units(
    root_code: str, lengths: list[int], entries: set[tuple[int, str]]
) -> dict[tuple[int, str, str], int]:
    """How many regions of each entry level (urban/rural only, when the element says so) lie under
    each prefix: one GROUP BY per entry level and length."""
    out: dict[tuple[int, str, str], int] = {}
    for entry, applies in entries:
        base = Region.objects.current().filter(code__gte=root_code, code__lt=root_code + ";")
        if applies == "urban":
            base = base.filter(urban_rural="urban")
        elif applies == "rural":
            base = base.exclude(urban_rural="urban")
        for n in lengths:
            if n > entry:
                continue
            rows = (
                base.annotate(_l=Length("code"))
                .filter(_l=entry)
                .annotate(_p=Substr("code", 1, n))
                .values("_p")
                .annotate(c=Count("pk"))
                .order_by()
            )
            for r in rows:
                out[(entry, applies, r["_p"])] = r["c"]
    return out


# --- indicators -----------------------------------------------------------------------------


@dataclass
class Compiled:
    indicator: Indicator
    numerator: formula.Formula
    denominator: formula.Formula | None
    elements: set[str]


def compile_indicator(ind: Indicator, known: Iterable[str]) -> Compiled:
    known = list(known)
    num = formula.Formula.parse(ind.numerator, known)
    den = formula.Formula.parse(ind.denominator, known) if ind.denominator.strip() else None
    refs = set(num.refs) | (set(den.refs) if den else set())
    return Compiled(ind, num, den, refs)


def compiled_indicators(
    indicators: Iterable[Indicator] | None = None,
) -> tuple[list[Compiled], dict[str, str]]:
    """Compile every indicator; a broken formula is reported (code → error), not raised."""
    known = set(DataElement.objects.values_list("code", flat=True))
    out, errors = [], {}
    for ind in indicators if indicators is not None else Indicator.objects.all():
        try:
            out.append(compile_indicator(ind, known))
        except formula.FormulaError as exc:
            errors[ind.code] = str(exc)
    return out, errors


def evaluate(
    compiled: list[Compiled],
    root_code: str,
    lengths: Iterable[int],
    year: int,
    *,
    today: dt.date | None = None,
) -> tuple[dict[str, dict[str, rules.IndicatorValue]], ElementTable]:
    """Indicator values for every prefix of the given lengths: prefix → indicator code → value."""
    needed = set().union(*(c.elements for c in compiled)) if compiled else set()
    table = element_table(_elements(needed), root_code, lengths, year, today=today)
    out: dict[str, dict[str, rules.IndicatorValue]] = {}
    for n, prefixes in table.prefixes.items():
        applicable = table.applicable[n]
        shared: dict[str, rules.IndicatorValue] = {}  # one "not at this level" value per indicator
        live = []
        for c in compiled:
            absent = c.elements - applicable
            if absent:
                shared[c.indicator.code] = rules.IndicatorValue(
                    None, gap_reason="本层级不适用", missing=sorted(absent)
                )
            else:
                live.append(c)
        defaults = table.defaults.get(n, {})
        for prefix in prefixes:
            vals: dict[str, Decimal | None] = dict(defaults)
            vals.update(table.values.get(prefix, {}))
            row = dict(shared)
            for c in live:
                row[c.indicator.code] = rules.indicator_value(
                    c.numerator, c.denominator, c.indicator.factor, vals
                )
            out[prefix] = row
    return out, table


# --- targets and attainment -----------------------------------------------------------------


def targets_for(region: Region) -> dict[str, Target]:
    """Targets that apply to ``region``: its own first, then plans adopted by it or its ancestors."""
    codes = region.ancestors_codes() + [region.code]
    adopted = (
        PlanAdoption.objects.filter(region__code__in=codes, region__valid_to__isnull=True)
        .annotate(_l=Length("region__code"))
        .order_by("-_l", "adopted_at")
    )
    out: dict[str, Target] = {}
    for t in Target.objects.filter(region=region, plan__isnull=True).select_related("indicator"):
        out[t.indicator.code] = t
    for a in adopted.select_related("plan"):
        for t in a.plan.targets.select_related("indicator", "plan"):
            out.setdefault(t.indicator.code, t)
    return out


def data_years() -> list[int]:
    """The years with current values, and this year: one indexed step per year found (a city's
    snapshot holds hundreds of thousands of rows a year; DISTINCT would read them all)."""
    years = {timezone.localdate().year}
    current = DataValue.objects.filter(current=True).order_by()
    y = current.aggregate(y=Min("year"))["y"]
    while y is not None:
        years.add(y)
        y = current.filter(year__gt=y).aggregate(y=Min("year"))["y"]
    return sorted(years)


@dataclass
class Attainment:
    indicator: Indicator
    target: Target | None
    value: rules.IndicatorValue
    status: str
    gap: Decimal | None
    progress: Decimal | None
    laggards: list[tuple[Region, rules.IndicatorValue, str]]  # children that pull the value down
    trend: list[tuple[int, Decimal | None]]
    completeness: list[tuple[str, int, int]]  # reported elements: (name, reported, expected)
    missing_names: list[str] = field(default_factory=list)  # names of the elements without a value
    computed_at: dt.datetime | None = None  # the snapshot its computed figures come from (None: live)

    @property
    def partial(self) -> list[tuple[str, int, int]]:
        """Reported elements some (not all, not none) of the expected units have reported."""
        return [c for c in self.completeness if 0 < c[1] < c[2]]


def attainment(region: Region, year: int, *, with_trend: bool = True, only: str = "") -> list[Attainment]:
    """Value, target, gap, status, progress, laggard children and trend of every targeted indicator
    (``only``: of that one indicator)."""
    targets = targets_for(region)
    if only:
        targets = {only: targets[only]} if only in targets else {}
    inds = list(Indicator.objects.filter(code__in=list(targets)))
    compiled, _errors = compiled_indicators(inds)
    n, child_n = len(region.code), _child_length(region)
    lengths = [n] + ([child_n] if child_n else [])
    values, table = evaluate(compiled, region.code, lengths, year)
    children = (
        {r.code: r for r in Region.objects.current().filter(parent=region).order_by("code")}
        if child_n
        else {}
    )
    trend: dict[str, list[tuple[int, Decimal | None]]] = defaultdict(list)
    if with_trend:
        for y in data_years():
            if y == year:
                vals_y = values.get(region.code, {})
            else:
                vals_y = evaluate(compiled, region.code, [n], y)[0].get(region.code, {})
            for c in compiled:
                v = vals_y.get(c.indicator.code)
                trend[c.indicator.code].append((y, v.value if v else None))
    elements = {e.code: e for e in DataElement.objects.all()}
    out = []
    order = {code: (t.plan_id or 0, t.sort, t.pk) for code, t in targets.items()}
    for c in sorted(compiled, key=lambda c: order[c.indicator.code]):
        code = c.indicator.code
        t = targets[code]
        v = values.get(region.code, {}).get(code) or rules.IndicatorValue(
            None, gap_reason="缺少数据", missing=sorted(c.elements)
        )
        laggards = []
        for child_code, child in children.items():
            cv = values.get(child_code, {}).get(code)
            if cv is None:
                continue
            st = rules.status(cv.value, t.comparison, t.target_value)
            if st == rules.NOT_MET:
                laggards.append((child, cv, st))
        laggards.sort(key=lambda x: rules.gap(x[1].value, t.comparison, t.target_value) or 0, reverse=True)
        comp = []
        for ec in sorted(c.elements):
            if ec in table.completeness.get(region.code, {}):
                got, exp = table.completeness[region.code][ec]
                comp.append((elements[ec].name, got, exp))
        out.append(
            Attainment(
                indicator=c.indicator,
                target=t,
                value=v,
                status=rules.status(v.value, t.comparison, t.target_value),
                gap=rules.gap(v.value, t.comparison, t.target_value),
                progress=rules.progress(v.value, t.baseline_value, t.target_value),
                laggards=laggards,
                trend=trend.get(code, []),
                completeness=comp,
                missing_names=[elements[m].name if m in elements else m for m in v.missing],
                computed_at=table.computed_at,
            )
        )
    return out


def _child_length(region: Region) -> int | None:
    if region.level >= Level.GRID:
        return None
    return CODE_LENGTH[Level(region.level + 1)]


def children_attainment(region: Region, year: int, indicator: Indicator) -> list[dict[str, Any]]:
    """One indicator for every child of ``region`` (for the map and the bar chart)."""
    targets = targets_for(region)
    target = targets.get(indicator.code)
    compiled, errors = compiled_indicators([indicator])
    child_n = _child_length(region)
    if not compiled or child_n is None:
        return []
    values, _ = evaluate(compiled, region.code, [child_n], year)
    rows = []
    for child in Region.objects.current().filter(parent=region).order_by("code"):
        v = values.get(child.code, {}).get(indicator.code)
        value = v.value if v else None
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "value": float(round(value, indicator.decimals)) if value is not None else None,
                "status": rules.status(value, target.comparison, target.target_value)
                if target
                else rules.NO_DATA,
                "gap_reason": (v.gap_reason if v else "缺少数据"),
                "boundary": child.boundary,
            }
        )
    return rows


# --- values, approval queue, tasks ----------------------------------------------------------


def values_visible(user: Any) -> QuerySet[DataValue]:
    return scoped(DataValue.objects.select_related("element", "region", "entered_by"), user)


def approval_queue(user: Any) -> QuerySet[DataValue]:
    """Submitted values the account may approve: of the regions one level below its own, or deeper."""
    qs = values_visible(user).filter(status=ValueStatus.SUBMITTED, current=True)
    code = getattr(user, "region_code", "") or ""
    if code:
        qs = qs.annotate(_l=Length("region__code")).filter(_l__gt=len(code))
    return qs.order_by("region__code", "element__code", "year", "period")


def value_history(value: DataValue) -> list[DataValue]:
    return list(
        DataValue.objects.filter(
            element=value.element_id, region=value.region_id, year=value.year, period=value.period
        )
        .select_related("entered_by", "reviewed_by")
        .order_by("-version")
    )


def tasks_visible(user: Any) -> QuerySet[PlanTask]:
    return scoped(PlanTask.objects.select_related("plan", "region").prefetch_related("indicators"), user)


def overdue_q(today: dt.date) -> Q:
    return Q(deadline__lt=today) & ~Q(status=TaskStatus.DONE)


# --- what an account may see: regions and values (the pages and the API share these) ------------


def region_visible(user: Any, code: str) -> Region | None:
    """The current region with ``code`` when it lies in the account's scope; ``None`` otherwise."""
    region = Region.objects.current().filter(code=code).first()
    if region is None or not (user.is_superuser or region_in_scope(user, region)):
        return None
    return region


def default_region(user: Any) -> Region | None:
    """The region a page shows when none is asked for: the account's own, else the first district."""
    if user.region_id and user.region is not None:
        return user.region
    region = Region.objects.current().filter(level=Level.DISTRICT).order_by("code").first()
    return region or Region.objects.current().order_by("level", "code").first()


def value_visible(user: Any, pk: int) -> DataValue | None:
    """One reported value, when it lies in the account's scope."""
    return scoped(DataValue.objects.select_related("element", "region"), user).filter(pk=pk).first()


def entry_regions(user: Any) -> list[Region]:
    """Regions the account reports for: its own region and everything below down to communities."""
    if user.is_superuser and not user.region_id:
        return list(
            Region.objects.current()
            .filter(level__lte=Level.COMMUNITY, level__gte=Level.DISTRICT)
            .order_by("code")[:500]
        )
    if not user.region_id:
        return []
    return list(
        Region.objects.current()
        .subtree(user.region_code)
        .filter(level__lte=Level.COMMUNITY)
        .order_by("code")[:500]
    )
