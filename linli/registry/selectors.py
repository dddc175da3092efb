"""Reads of the registry. Every function takes the acting user and returns only what is in scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Length, NullIf, Substr
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from linli.core.paging import bounded_count, search_bound
from linli.core.personal import blind_lookup
from linli.core.scope import VILLAGE_CODE_LENGTH, scoped
from linli.regions.models import Level, Region, subtree_q
from linli.registry.models import (
    DERIVED_AGE_TAGS,
    Building,
    BuildingKind,
    Household,
    Organisation,
    Person,
    PersonStatus,
    PersonTag,
    RegionCount,
    RegionCounter,
    Relation,
    Staff,
    TagKind,
)

TAG_FILTERS: list[tuple[str, str]] = [(k, label) for k, label, _ in DERIVED_AGE_TAGS] + list(TagKind.choices)


def years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass
class PersonFilter:
    """The filters of the person list; the same object serves the page (``PersonFilterForm``) and the
    API (``PersonFilterIn``)."""

    q: str = ""
    region: str = ""
    tag: str = ""
    residence_type: str = ""
    sex: str = ""
    age_min: int | None = None
    age_max: int | None = None
    status: str = PersonStatus.ACTIVE
    no_household: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None, False)}


def person_search_q(q: str) -> Q:
    """Name contains q; an ID number or phone number matches exactly through its blind index."""
    text = q.strip().replace(" ", "")
    if len(text) == 18 and text[:17].isdigit():
        return blind_lookup("id_number_index", text)
    if text.isdigit() and len(text) in (11, 12):
        return blind_lookup("phone_index", text)
    return Q(name__includes=text)


def person_list(
    *, user: Any, filters: PersonFilter | None = None, today: dt.date | None = None
) -> QuerySet[Person]:
    f = filters or PersonFilter()
    today = today or timezone.localdate()
    qs = scoped(Person.objects.select_related("region", "household", "household__building"), user)
    if f.q:
        qs = qs.filter(person_search_q(f.q))
    if f.region:
        qs = qs.filter(subtree_q(f.region, "region__code"))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.residence_type:
        qs = qs.filter(residence_type=f.residence_type)
    if f.sex in ("M", "F"):
        qs = qs.filter(sex=f.sex)
    if f.age_min is not None:
        qs = qs.filter(birth_date__lte=years_ago(today, f.age_min))
    if f.age_max is not None:
        qs = qs.filter(birth_date__gt=years_ago(today, f.age_max + 1))
    if f.no_household:
        qs = qs.filter(household__isnull=True)
    if f.tag:
        age = {k: a for k, _, a in DERIVED_AGE_TAGS}.get(f.tag)
        if age is not None:
            qs = qs.filter(birth_date__lte=years_ago(today, age))
        else:
            qs = qs.filter(
                Exists(PersonTag.objects.valid_on(today).filter(person=OuterRef("pk"), kind=f.tag))
            )
    # by region id (the index of persons by region walks it; regions are numbered in code order when
    # loaded), so a page of the city is read from the index, not sorted out of 1.8 M rows
    return qs.order_by("region_id", "household_id", "id")


COUNT_EXACT_MAX = 10_000  # past this a filtered list says "1 万余", counting no further

# The count of persons of each status filter (``PersonFilter.status``, "" for every status).
STATUS_COUNTERS: dict[str, list[str]] = {
    PersonStatus.ACTIVE: [RegionCounter.PERSONS_ACTIVE],
    PersonStatus.MOVED_OUT: [RegionCounter.PERSONS_MOVED_OUT],
    PersonStatus.DECEASED: [RegionCounter.PERSONS_DECEASED],
    "": [RegionCounter.PERSONS_ACTIVE, RegionCounter.PERSONS_MOVED_OUT, RegionCounter.PERSONS_DECEASED],
}


@dataclass(frozen=True)
class ListCount:
    """How many rows a list has: ``n`` exactly, or (``more``) at least ``n``, counted no further."""

    n: int
    more: bool = False


def person_list_count(*, user: Any, filters: PersonFilter | None = None) -> ListCount:
    """The count of ``person_list``'s rows for its pager, without counting the city on every request:
    a list filtered by region and status only is summed from the kept counts (``RegionCount``, exact);
    any other filter counts at most ``COUNT_EXACT_MAX`` + 1 rows (a search of one character, a surname,
    ``BROAD_SEARCH_UP_TO`` + 1)."""
    f = filters or PersonFilter()
    only_region = not (f.q or f.tag or f.residence_type or f.sex or f.no_household)
    if only_region and f.age_min is None and f.age_max is None and f.status in STATUS_COUNTERS:
        counters = STATUS_COUNTERS[f.status]
        counts = region_counts(user=user, code=f.region, counters=counters)
        return ListCount(sum(counts.values()))
    return ListCount(*bounded_count(person_list(user=user, filters=f), search_bound(f.q, COUNT_EXACT_MAX)))


def person_detail(*, user: Any, pk: int) -> Person:
    """One person in scope, with household members and tags (raises Person.DoesNotExist outside scope)."""
    return (
        scoped(
            Person.objects.select_related("region", "region__parent", "household", "household__building"),
            user,
        )
        .prefetch_related(Prefetch("tags", queryset=PersonTag.objects.order_by("-valid_from")))
        .get(pk=pk)
    )


def person_tags_display(person: Person, today: dt.date | None = None) -> list[str]:
    """Current tags including the derived age tags, for lists and cards."""
    return person.tag_labels_on(today or timezone.localdate())


def _count(rows: QuerySet) -> Coalesce:
    """A correlated COUNT of ``rows`` (which refer to OuterRef("pk")), 0 when there are none.

    Used instead of a join + GROUP BY so that a paginator's COUNT(*) of the list stays a plain count.
    """
    counted = rows.order_by().annotate(_g=Value(1)).values("_g").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def household_list(*, user: Any, q: str = "", region: str = "") -> QuerySet[Household]:
    members = Person.objects.filter(household=OuterRef("pk"), status=PersonStatus.ACTIVE)
    qs = scoped(
        Household.objects.select_related("region", "building").annotate(members_count=_count(members)), user
    )
    if q:
        qs = qs.filter(Q(code__includes=q) | Q(address__includes=q))
    if region:
        qs = qs.filter(subtree_q(region, "region__code"))
    # by grid, then code: the page reads the scope's grids in code order and their households by grid
    # (the first grids' few hundred for page one); by code alone, a district's households lie among
    # the city's and a page of 天河 read 2 M households of the districts before it (0.5 s at 广州)
    return qs.order_by("region__code", "code")


def household_list_count(*, user: Any, q: str = "", region: str = "") -> ListCount:
    """The count of ``household_list``'s rows for its pager: summed from the kept counts
    (``RegionCount``) unless searched, then counted up to ``COUNT_EXACT_MAX`` + 1."""
    if not q:
        return ListCount(
            region_counts(user=user, code=region, counters=[RegionCounter.HOUSEHOLDS])["households"]
        )
    return ListCount(*bounded_count(household_list(user=user, q=q, region=region), COUNT_EXACT_MAX))


HOUSEHOLD_SEARCH_MAX = 20


@dataclass(frozen=True)
class HouseholdHit:
    """A household found by ``household_search``: its code, address and masked head of household."""

    code: str
    address: str
    grid: str
    head: str  # masked: 林** (the full name is not needed to recognise the household)


def _masked_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else "未登记"


def household_search(*, user: Any, q: str) -> list[HouseholdHit]:
    """Households in ``user``'s scope whose address, code, building or head of household contains ``q``
    (at most ``HOUSEHOLD_SEARCH_MAX``): how the person form picks a household on the phone."""
    q = q.strip()
    if not q:
        return []
    heads = Person.objects.filter(
        household=OuterRef("pk"), relation=Relation.HEAD, status=PersonStatus.ACTIVE
    )
    by_head = Person.objects.filter(relation=Relation.HEAD, status=PersonStatus.ACTIVE, name__includes=q)
    rows = (
        scoped(Household.objects.select_related("region"), user)
        .filter(
            Q(address__includes=q)
            | Q(code__includes=q)
            | Q(building__name__includes=q)
            | Q(pk__in=by_head.values("household_id"))
        )
        .annotate(head_name=Subquery(heads.order_by("pk").values("name")[:1]))
        .order_by("code")[:HOUSEHOLD_SEARCH_MAX]
    )
    return [HouseholdHit(h.code, h.address, h.region.name, _masked_name(h.head_name or "")) for h in rows]


def household_detail(*, user: Any, pk: int) -> Household:
    """One household in scope with its members in scope as ``member_list`` (by id), whatever their
    status (raises Household.DoesNotExist outside scope)."""
    members = Prefetch(
        "members", queryset=scoped(Person.objects.all(), user).order_by("id"), to_attr="member_list"
    )
    return household_list(user=user).prefetch_related(members).get(pk=pk)


def building_list(*, user: Any, q: str = "", region: str = "", kind: str = "") -> QuerySet[Building]:
    households = Household.objects.filter(building=OuterRef("pk"))
    qs = scoped(
        Building.objects.select_related("region", "parent").annotate(households_count=_count(households)),
        user,
    )
    if q:
        qs = qs.filter(Q(code__includes=q) | Q(name__includes=q) | Q(address__includes=q))
    if region:
        qs = qs.filter(subtree_q(region, "region__code"))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("code")


def organisation_list(*, user: Any, q: str = "", kind: str = "") -> QuerySet[Organisation]:
    qs = scoped(Organisation.objects.select_related("region"), user)
    if q:
        qs = qs.filter(name__contains=q)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def staff_list(*, user: Any, kind: str = "", region: str = "") -> QuerySet[Staff]:
    qs = scoped(Staff.objects.select_related("region", "organisation").prefetch_related("grids"), user)
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(subtree_q(region, "region__code"))
    return qs


# --- 四个不漏 -----------------------------------------------------------------------------------------

CHECKS = [
    ("buildings_without_households", "楼不漏户：无户的楼栋"),
    ("households_without_persons", "户不漏人：无人的户"),
    ("persons_without_household", "户不漏人：未入户的人员"),
    ("persons_without_grid", "居不漏格：未入网格的人员"),
    ("buildings_outside_grid", "格不漏楼：落在网格边界外的楼栋"),
    ("buildings_without_location", "格不漏楼：缺少坐标的楼栋"),
    ("duplicate_persons", "重复登记：身份证号相同的人员"),
]


@dataclass
class AuditRow:
    region: Region
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _dwellings(user: Any, code: str) -> QuerySet[Building]:
    return scoped(
        Building.objects.filter(subtree_q(code, "region__code")).exclude(
            kind__in=[BuildingKind.ESTATE, BuildingKind.NATURAL_VILLAGE]
        ),
        user,
    )


def audit_details(*, user: Any, region: Region, check: str) -> QuerySet[Any]:
    """The rows behind one check, in scope (for the page's detail list and the API)."""
    code = region.code
    active = scoped(Person.objects.filter(subtree_q(code, "region__code"), status=PersonStatus.ACTIVE), user)
    if check == "buildings_without_households":
        return (
            _dwellings(user, code)
            .filter(~Exists(Household.objects.filter(building=OuterRef("pk"))))
            .select_related("region")
        )
    if check == "households_without_persons":
        return (
            scoped(Household.objects.filter(subtree_q(code, "region__code")), user)
            .filter(~Exists(Person.objects.filter(household=OuterRef("pk"), status=PersonStatus.ACTIVE)))
            .select_related("region")
        )
    if check == "persons_without_household":
        return active.filter(household__isnull=True).select_related("region")
    if check == "persons_without_grid":
        return active.exclude(region__level=Level.GRID).select_related("region")
    if check == "duplicate_persons":  # every registered person whose ID number someone else also has
        repeated = (
            Person.objects.filter(status=PersonStatus.ACTIVE)
            .exclude(id_number_index="")
            .order_by()
            .values("id_number_index")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values("id_number_index")
        )
        return (
            active.filter(id_number_index__in=Subquery(repeated))
            .select_related("region")
            .order_by("id_number_index", "id")
        )
    if check == "buildings_without_location":
        return (
            _dwellings(user, code).filter(Q(lat__isnull=True) | Q(lon__isnull=True)).select_related("region")
        )
    if check == "buildings_outside_grid":
        return _buildings_outside_grid(user, code)
    raise KeyError(check)


def _buildings_outside_grid(user: Any, code: str) -> QuerySet[Building]:
    """Dwellings whose point lies outside their grid's polygon: one vectorised test per grid."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    grids = {
        pk: shape(b)
        for pk, b in Region.objects.current()
        .filter(subtree_q(code), level=Level.GRID, boundary__isnull=False)
        .values_list("pk", "boundary")
    }
    points = list(
        _dwellings(user, code)
        .filter(region_id__in=list(grids), lat__isnull=False, lon__isnull=False)
        .values_list("pk", "region_id", "lon", "lat")
    )
    if not points:
        return Building.objects.none()
    pk, region, lon, lat = (np.array(col) for col in zip(*points, strict=True))
    outside: list[int] = []
    for grid_pk, polygon in grids.items():
        mine = region == grid_pk
        inside = shapely.intersects_xy(polygon, lon[mine], lat[mine])  # on the boundary counts as inside
        outside += pk[mine][~inside].tolist()
    return Building.objects.filter(pk__in=outside).select_related("region").order_by("code")


def audit_entries(*, user: Any, region: Region, check: str) -> QuerySet[Any]:
    """The rows behind one check (``audit_details``) with the columns every door lists whatever their
    kind: ``entry_kind`` (person / household / building), ``name``, ``code``, ``address`` and
    ``id_number`` (a person's, masked by the door; empty for the others)."""
    rows = audit_details(user=user, region=region, check=check)
    if rows.model is Person:
        return rows.annotate(entry_kind=Value("person"), code=Value(""), address=Value(""))
    if rows.model is Household:
        return rows.annotate(
            entry_kind=Value("household"),
            name=Coalesce(NullIf("address", Value("")), "code"),  # Household.label
            id_number=Value(""),
        )
    return rows.annotate(entry_kind=Value("building"), id_number=Value(""))


# The maintained count (``RegionCount``) behind each check; 居不漏格 is the registered persons counted at
# a region that is not a grid.
CHECK_COUNTERS: dict[str, str] = {
    "buildings_without_households": RegionCounter.DWELLINGS_EMPTY,
    "households_without_persons": RegionCounter.HOUSEHOLDS_EMPTY,
    "persons_without_household": RegionCounter.PERSONS_NO_HOUSEHOLD,
    "persons_without_grid": RegionCounter.PERSONS_ACTIVE,
    "buildings_outside_grid": RegionCounter.DWELLINGS_OUTSIDE_GRID,
    "buildings_without_location": RegionCounter.DWELLINGS_UNLOCATED,
    "duplicate_persons": RegionCounter.PERSONS_DUPLICATE,
}
OFF_GRID_CHECK = "persons_without_grid"


def region_counts_by(
    *, user: Any, code: str, width: int | None = None, counters: list[str] | None = None
) -> dict[tuple[str, bool], dict[str, int]]:
    """The registry's counts (``RegionCount``) in the subtree of ``code`` and ``user``'s scope, summed
    by the first ``width`` digits of the region code (default: the whole subtree as one) and by
    whether the region is a grid: {(code prefix, at a grid): {counter: n}}. One grouped query over
    the summary rows (a few per grid), never over the registry; out of scope reads as absent."""
    width = width or len(code)
    rows = scoped(RegionCount.objects.filter(subtree_q(code, "code")), user)
    if counters is not None:
        rows = rows.filter(counter__in=counters)
    grouped = (  # the rows' own codes (a grid's is the only one longer than a village's): no join
        rows.order_by()
        .values(
            prefix=Substr("code", 1, width),
            grid=GreaterThan(Length("code"), VILLAGE_CODE_LENGTH),
            key=F("counter"),
        )
        .annotate(total=Sum("n"))
        .values_list("prefix", "grid", "key", "total")
    )
    out: dict[tuple[str, bool], dict[str, int]] = {}
    for prefix, grid, key, total in grouped:
        bucket = out.setdefault((prefix, bool(grid)), {})
        bucket[key] = bucket.get(key, 0) + (total or 0)
    return out


def region_counts(*, user: Any, code: str, counters: list[str] | None = None) -> dict[str, int]:
    """The registry's counts over the whole subtree of ``code`` in ``user``'s scope: {counter: n}
    (every ``RegionCounter``, 0 when none). Indicators and home pages read their figures here."""
    out = {c: 0 for c in (counters if counters is not None else RegionCounter.values)}
    for bucket in region_counts_by(user=user, code=code, counters=counters).values():
        for key, n in bucket.items():
            out[key] = out.get(key, 0) + n
    return out


def _check_counts(bucket: dict[str, int], at_grid: bool) -> dict[str, int]:
    return {
        check: 0 if check == OFF_GRID_CHECK and at_grid else bucket.get(counter, 0)
        for check, counter in CHECK_COUNTERS.items()
    }


def four_no_miss(*, user: Any, region: Region) -> tuple[list[AuditRow], AuditRow]:
    """四个不漏 per child region of ``region`` and the total, from the maintained counts
    (``RegionCount``): one grouped query over the summary rows of the subtree.

    The total also counts rows registered at ``region`` itself (e.g. a person registered at the
    community, in no grid yet), which no child's row holds.
    """
    children = list(Region.objects.current().filter(parent=region).order_by("code"))
    if not children:
        children = [region]
    width = len(children[0].code)
    rows = {c.code: AuditRow(c, {k: 0 for k, _ in CHECKS}) for c in children}
    total = AuditRow(region, {k: 0 for k, _ in CHECKS})
    own = AuditRow(region, {k: 0 for k, _ in CHECKS})  # registered at the region itself, under no child

    def bucket(code: str) -> AuditRow | None:
        return rows.get(code[:width]) or (own if code == region.code and width > len(code) else None)

    counted = region_counts_by(
        user=user, code=region.code, width=width, counters=list(set(CHECK_COUNTERS.values()))
    )
    for (prefix, at_grid), found in counted.items():
        for check, n in _check_counts(found, at_grid).items():
            total.counts[check] += n
            if (row := bucket(prefix)) is not None:
                row.counts[check] += n
    return list(rows.values()) + ([own] if own.total else []), total


ADDRESS_SEARCH_MAX = 8
DISTRICT_CODE_LENGTH = 6


@dataclass(frozen=True)
class BuildingHit:
    """A place found by ``address_search``: a building, estate or village, never a room or a household."""

    id: int
    name: str
    address: str
    community: str
    lat: float | None
    lon: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "address": self.address,
            "community": self.community,
            "lat": self.lat,
            "lon": self.lon,
        }


def address_search(*, user: Any, q: str) -> list[BuildingHit]:
    """Buildings, estates and villages of the district ``user`` belongs to whose name or address holds
    every word of ``q`` (at most ``ADDRESS_SEARCH_MAX``, the shortest names first): how a resident
    places a problem without a map tap. Only what any passer-by reads on the building is returned."""
    words = q.split()[:4]
    district = (getattr(user, "region_code", "") or "")[:DISTRICT_CODE_LENGTH]
    if not words or len(district) < DISTRICT_CODE_LENGTH:
        return []
    qs = Building.objects.filter(region__code__startswith=district)
    for w in words:
        qs = qs.filter(Q(name__includes=w) | Q(address__includes=w))
    rows = (
        qs.annotate(name_length=Length("name"))
        .values_list(
            "pk", "name", "address", "region__level", "region__name", "region__parent__name", "lat", "lon"
        )
        .order_by("name_length", "code")[:ADDRESS_SEARCH_MAX]
    )
    return [
        BuildingHit(pk, name, address, (parent or region) if level > Level.COMMUNITY else region, lat, lon)
        for pk, name, address, level, region, parent, lat, lon in rows
    ]
