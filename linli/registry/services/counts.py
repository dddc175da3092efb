"""区域计数 (``RegionCount``): the registry's counts per region, kept by delta and rebuilt whole.

Every counter is one grouped query over the rows it counts (``contributions``), which the full
rebuild runs over the whole registry and a write runs over the few rows it touches: ``counts_kept``
watches the persons, households, buildings and ID-number groups a write may change, takes their
contribution before (under a row lock, so two writes of the same household take turns) and after
the write, and adds the difference with one ``INSERT … ON CONFLICT DO UPDATE SET n = n + d`` in the
same transaction. Nothing reads a count to write it back.

``region_counts_rebuild`` replaces the rows (of the whole city, or of some subtrees after an
import) from a recount; on PostgreSQL it first locks the table against the writers' deltas, so a
delta is either in the recount or added after it, never lost. The one figure a write elsewhere can
change is ``dwellings_outside_grid``: a grid's new boundary moves its buildings in or out without a
registry write; the nightly rebuild takes it in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.tasks import task
from django.utils import timezone

from linli.core.scope import subtrees_q
from linli.regions.models import Level, Region
from linli.registry.models import (
    TAG_COUNTERS,
    Building,
    BuildingKind,
    Household,
    Person,
    PersonStatus,
    PersonTag,
    RegionCount,
    RegionCounter,
    ResidenceType,
)
from linli.registry.selectors import years_ago

Key = tuple[int, str]  # (region id, counter)
NOT_DWELLINGS = (
    BuildingKind.ESTATE,
    BuildingKind.NATURAL_VILLAGE,
)  # 小区 and 自然村 hold no household themselves
UPSERT_BATCH = 500
CODES_BY_ID_UP_TO = 500  # regions whose codes ``_codes`` looks up by id; more: every region's, once
# 户籍人口: registered here, living here or elsewhere (人户分离)
REGISTERED_TYPES = (ResidenceType.REGISTERED, ResidenceType.SEPARATED)


@dataclass
class Rows:
    """Which rows a recount covers: the whole registry (``everything``), the rows registered in the
    subtrees of ``codes``, or the rows named by key (persons, households, buildings, ID-number groups)."""

    everything: bool = False
    codes: list[str] = field(default_factory=list)
    persons: set[int] = field(default_factory=set)
    households: set[int] = field(default_factory=set)
    buildings: set[int] = field(default_factory=set)
    id_indexes: set[str] = field(default_factory=set)
    duplicates: bool = True  # whether the 重复登记 counter is counted over these rows

    def _q(self, keys: set[Any], key_field: str = "pk") -> Q | None:
        """The filter of this part, or None when it counts nothing of it."""
        if self.everything:
            return Q()
        if self.codes:
            return subtrees_q(self.codes, "region__code")
        return Q(**{f"{key_field}__in": sorted(keys)}) if keys else None

    def persons_q(self) -> Q | None:
        return self._q(self.persons)

    def households_q(self) -> Q | None:
        return self._q(self.households)

    def buildings_q(self) -> Q | None:
        return self._q(self.buildings)

    def groups_q(self) -> Q | None:
        return self._q(self.id_indexes, "id_number_index")


def _add(into: Counter[Key], rows: Iterable[tuple[Any, ...]], counters: list[str]) -> None:
    """``rows`` of (region id, n1, n2, …) into ``into`` under ``counters`` in that order."""
    for region_id, *ns in rows:
        for counter, n in zip(counters, ns, strict=True):
            if n:
                into[(region_id, counter)] += n


def _persons(q: Q, into: Counter[Key]) -> None:
    active = Q(status=PersonStatus.ACTIVE)
    today = timezone.localdate()
    rows = (
        Person.objects.filter(q)
        .order_by()
        .values("region_id")
        .annotate(
            a=Count("pk", filter=active),
            m=Count("pk", filter=Q(status=PersonStatus.MOVED_OUT)),
            d=Count("pk", filter=Q(status=PersonStatus.DECEASED)),
            h=Count("pk", filter=active & Q(household__isnull=True)),
            r=Count("pk", filter=active & ~Q(residence_type=ResidenceType.SEPARATED)),
            g=Count("pk", filter=active & Q(residence_type__in=REGISTERED_TYPES)),
            e60=Count("pk", filter=active & Q(birth_date__lte=years_ago(today, 60))),
            e80=Count("pk", filter=active & Q(birth_date__lte=years_ago(today, 80))),
            y=Count("pk", filter=active & Q(birth_date__gt=years_ago(today, 18))),
            f=Count("pk", filter=active & Q(residence_type=ResidenceType.FLOATING)),
        )
        .values_list("region_id", "a", "m", "d", "h", "r", "g", "e60", "e80", "y", "f")
    )
    _add(
        into,
        rows,
        [
            RegionCounter.PERSONS_ACTIVE,
            RegionCounter.PERSONS_MOVED_OUT,
            RegionCounter.PERSONS_DECEASED,
            RegionCounter.PERSONS_NO_HOUSEHOLD,
            RegionCounter.PERSONS_RESIDENT,
            RegionCounter.PERSONS_REGISTERED,
            RegionCounter.PERSONS_ELDERLY_60,
            RegionCounter.PERSONS_ELDERLY_80,
            RegionCounter.PERSONS_MINOR,
            RegionCounter.PERSONS_FLOATING,
        ],
    )


def _tags(q: Q, everything: bool, into: Counter[Key]) -> None:
    """Registered persons holding each counted tag today (periods of one tag never overlap: a tag
    row is a person), at the person's region."""
    tags = PersonTag.objects.valid_on(timezone.localdate()).filter(
        kind__in=list(TAG_COUNTERS), person__status=PersonStatus.ACTIVE
    )
    if not everything:
        tags = tags.filter(person__in=Person.objects.filter(q).values("pk"))
    rows = tags.order_by().values("person__region_id", "kind").annotate(k=Count("pk"))
    for region_id, kind, k in rows.values_list("person__region_id", "kind", "k"):
        into[(region_id, TAG_COUNTERS[kind])] += k


def _duplicates(q: Q, everything: bool, into: Counter[Key]) -> None:
    """Registered persons whose ID number another registered person also has (重复登记)."""
    active = Person.objects.filter(status=PersonStatus.ACTIVE).exclude(id_number_index="")
    if everything:  # one grouped pass over the numbers beats a probe per person
        repeated = (
            active.order_by().values("id_number_index").annotate(k=Count("pk")).filter(k__gt=1)
        ).values("id_number_index")
        found = active.filter(id_number_index__in=repeated)
    else:
        twin = active.filter(id_number_index=OuterRef("id_number_index")).exclude(pk=OuterRef("pk"))
        found = active.filter(q).filter(Exists(twin))
    rows = found.order_by().values("region_id").annotate(k=Count("pk")).values_list("region_id", "k")
    _add(into, rows, [RegionCounter.PERSONS_DUPLICATE])


def _households(q: Q, into: Counter[Key]) -> None:
    members = Person.objects.filter(household=OuterRef("pk"), status=PersonStatus.ACTIVE)
    rows = (
        Household.objects.filter(q)
        .order_by()
        .values("region_id")
        .annotate(t=Count("pk"), e=Count("pk", filter=~Exists(members)))
        .values_list("region_id", "t", "e")
    )
    _add(into, rows, [RegionCounter.HOUSEHOLDS, RegionCounter.HOUSEHOLDS_EMPTY])


def _buildings(q: Q, into: Counter[Key]) -> None:
    dwelling = ~Q(kind__in=NOT_DWELLINGS)
    households = Household.objects.filter(building=OuterRef("pk"))
    rows = (
        Building.objects.filter(q)
        .order_by()
        .values("region_id")
        .annotate(
            t=Count("pk"),
            e=Count("pk", filter=dwelling & Q(~Exists(households))),
            u=Count("pk", filter=dwelling & (Q(lat__isnull=True) | Q(lon__isnull=True))),
        )
        .values_list("region_id", "t", "e", "u")
    )
    _add(
        into,
        rows,
        [RegionCounter.BUILDINGS, RegionCounter.DWELLINGS_EMPTY, RegionCounter.DWELLINGS_UNLOCATED],
    )
    _outside_grid(q, into)


def _outside_grid(q: Q, into: Counter[Key]) -> None:
    """Located dwellings of a grid with a boundary whose point lies outside it (on the line is inside)."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    points: dict[int, list[tuple[float | None, float | None]]] = {}  # located: neither is None
    located = (
        Building.objects.filter(q)
        .exclude(kind__in=NOT_DWELLINGS)
        .filter(
            lat__isnull=False, lon__isnull=False, region__level=Level.GRID, region__boundary__isnull=False
        )
        .order_by()
        .values_list("region_id", "lon", "lat")
    )
    for region_id, lon, lat in located.iterator(chunk_size=20000):
        points.setdefault(region_id, []).append((lon, lat))
    if not points:
        return
    boundaries = Region.objects.filter(pk__in=list(points)).values_list("pk", "boundary")
    for region_id, boundary in boundaries.iterator(chunk_size=2000):
        xy = np.array(points[region_id])
        outside = int((~shapely.intersects_xy(shape(boundary), xy[:, 0], xy[:, 1])).sum())
        if outside:
            into[(region_id, RegionCounter.DWELLINGS_OUTSIDE_GRID)] += outside


def contributions(rows: Rows) -> Counter[Key]:
    """Every counter over ``rows``, by (region id, counter); zeros left out."""
    into: Counter[Key] = Counter()
    if (q := rows.persons_q()) is not None:
        _persons(q, into)
        _tags(q, rows.everything, into)
    if rows.duplicates and (q := rows.groups_q()) is not None:
        _duplicates(q, rows.everything, into)
    if (q := rows.households_q()) is not None:
        _households(q, into)
    if (q := rows.buildings_q()) is not None:
        _buildings(q, into)
    return into


def _upsert(deltas: dict[Key, int]) -> None:
    """Add each delta to its row (created at the delta when absent): ``n = n + d``, in key order so
    that two writers lock the rows they share in the same order."""
    table = RegionCount._meta.db_table
    items = sorted((k, d) for k, d in deltas.items() if d)
    if not items:
        return
    codes = _codes({region_id for (region_id, _), _ in items})
    with connection.cursor() as cur:
        for i in range(0, len(items), UPSERT_BATCH):
            chunk = items[i : i + UPSERT_BATCH]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cur.execute(
                f"INSERT INTO {table} (region_id, counter, n, code) VALUES {values} "
                f"ON CONFLICT (region_id, counter) DO UPDATE SET n = {table}.n + excluded.n",
                [v for (region_id, counter), d in chunk for v in (region_id, counter, d, codes[region_id])],
            )


def _codes(region_ids: Iterable[int]) -> dict[int, str]:
    """The codes of these regions (``RegionCount.code``, copied into each row it writes): a write's
    few by id; a rebuild's thousands from one read of every region, not a list of ids longer than a
    statement may hold (SQLite's limit on parameters)."""
    ids = set(region_ids)
    regions = (
        Region.objects.all() if len(ids) > CODES_BY_ID_UP_TO else Region.objects.filter(pk__in=sorted(ids))
    )
    return {pk: code for pk, code in regions.values_list("pk", "code").order_by() if pk in ids}


def _lock(model: Any, pks: Iterable[Any], key_field: str = "pk") -> None:
    keys = sorted({k for k in pks if k})
    if keys and connection.vendor == "postgresql":  # SQLite has one writer at a time
        list(
            model._default_manager.select_for_update()
            .filter(**{f"{key_field}__in": keys})
            .order_by("pk")
            .values_list("pk")
        )


class CountsDelta:
    """The counts a write changes: ``watch`` the rows before changing them, ``created`` the new ones,
    and ``apply`` adds after − before (``counts_kept`` does the last)."""

    def __init__(self) -> None:
        self.rows = Rows()
        self.before: Counter[Key] = Counter()

    def watch(
        self,
        *,
        persons: Iterable[int | None] = (),
        households: Iterable[int | None] = (),
        buildings: Iterable[int | None] = (),
        id_indexes: Iterable[str | None] = (),
    ) -> None:
        new = Rows(
            persons={p for p in persons if p} - self.rows.persons,
            households={h for h in households if h} - self.rows.households,
            buildings={b for b in buildings if b} - self.rows.buildings,
            id_indexes={i for i in id_indexes if i} - self.rows.id_indexes,
        )
        # a fixed order (buildings, households, persons) so that writers never wait on each other in a ring
        _lock(Building, new.buildings)
        _lock(Household, new.households)
        _lock(Person, new.persons)
        _lock(Person, new.id_indexes, "id_number_index")
        self.before.update(contributions(new))
        self._join(new)

    def created(
        self,
        *,
        persons: Iterable[int | None] = (),
        households: Iterable[int | None] = (),
        buildings: Iterable[int | None] = (),
    ) -> None:
        """Rows the write created: they counted nothing before."""
        self._join(
            Rows(
                persons={p for p in persons if p},
                households={h for h in households if h},
                buildings={b for b in buildings if b},
            )
        )

    def _join(self, rows: Rows) -> None:
        self.rows.persons |= rows.persons
        self.rows.households |= rows.households
        self.rows.buildings |= rows.buildings
        self.rows.id_indexes |= rows.id_indexes

    def apply(self) -> dict[Key, int]:
        after = contributions(self.rows)
        deltas = {k: after[k] - self.before[k] for k in after.keys() | self.before.keys()}
        deltas = {k: d for k, d in deltas.items() if d}
        _upsert(deltas)
        self.rows, self.before = Rows(), Counter()
        return deltas


@contextmanager
def counts_kept(
    *,
    persons: Iterable[int | None] = (),
    households: Iterable[int | None] = (),
    buildings: Iterable[int | None] = (),
    id_indexes: Iterable[str | None] = (),
) -> Iterator[CountsDelta]:
    """Keep the counts of a write: watches the given rows now, adds the change when the block ends
    (inside the caller's transaction; nothing is added when the block raises)."""
    if not connection.in_atomic_block:
        raise RuntimeError("counts_kept runs inside the write's transaction")
    delta = CountsDelta()
    delta.watch(persons=persons, households=households, buildings=buildings, id_indexes=id_indexes)
    yield delta
    delta.apply()


def _lock_table() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # blocks the deltas (ROW EXCLUSIVE), not the readers
            cur.execute(f"LOCK TABLE {RegionCount._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def region_counts_rebuild(*, codes: list[str] | None = None, duplicates: bool = True) -> int:
    """Recount every counter of the whole registry, or (``codes``) of the rows registered in those
    subtrees, and replace their rows. Returns the number of rows written.

    ``duplicates=False`` keeps the 重复登记 counts as they are, neither recounted nor replaced: what
    a create-only import does, which adds no duplicate (households and buildings carry no number; a
    person's number is refused when a registered person has it, by the look-up and the unique
    index). Recounting them probes every person of the subtrees: 5 s of a million-row import."""
    rows = Rows(codes=list(codes or []), everything=not codes, duplicates=duplicates)
    with transaction.atomic():
        _lock_table()
        counted = contributions(rows)
        old: QuerySet[RegionCount] = RegionCount.objects.all()
        if codes:
            old = old.filter(subtrees_q(list(codes), "code"))
        if not duplicates:
            old = old.exclude(counter=RegionCounter.PERSONS_DUPLICATE)
        old.delete()
        code_of = _codes({r for (r, _), n in counted.items() if n})
        RegionCount.objects.bulk_create(
            [
                RegionCount(region_id=r, counter=c, n=n, code=code_of[r])
                for (r, c), n in sorted(counted.items())
                if n
            ],
            batch_size=5000,
        )
    return len(counted)


@task()
def region_counts_nightly_task() -> dict[str, int]:
    """The nightly recount of the registry's region counts (safe to retry: it replaces the rows)."""
    return {"rows": region_counts_rebuild()}


def region_counts_differences(*, codes: list[str] | None = None) -> dict[Key, tuple[int, int]]:
    """(kept, recounted) of every count that differs from a recount (of ``codes``' subtrees, or all);
    what the equality tests and ``manage.py registry_counts --check`` compare."""
    rows = Rows(codes=list(codes)) if codes else Rows(everything=True)
    counted = contributions(rows)
    # a row whose copy of the code is not its region's is one the readers' ranges miss: not kept
    kept_rows = RegionCount.objects.exclude(n=0).filter(code=F("region__code"))
    if codes:
        kept_rows = kept_rows.filter(subtrees_q(list(codes), "code"))
    kept = {(r, c): n for r, c, n in kept_rows.values_list("region_id", "counter", "n")}
    return {
        k: (kept.get(k, 0), counted.get(k, 0))
        for k in kept.keys() | counted.keys()
        if kept.get(k, 0) != counted.get(k, 0)
    }
