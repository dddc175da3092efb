"""Reads of the facilities module: lists (scoped), area sums for the indicators, the checklist's facts.

``facility_area_totals(level_or_regions, *, within=None, by="category", statuses=("open",))``
    Per-region sums of building / resident activity / office / commercial / land area (m²) of the
    facilities in each region's subtree, by type category (or type code with ``by="type"``), in one
    GROUP BY query (one per code length when ``level_or_regions`` mixes levels). Pass a ``Level``
    (e.g. ``Level.COMMUNITY``, optionally ``within="350504"``) or an iterable of regions / codes.
    Returns ``{region_code: {category: AreaTotals}}``; a region without any facility of a category
    is absent (missing, not zero). ``AreaTotals.<area>`` is ``None`` when no facility of the group
    has that area recorded, and ``<area>_known`` says how many of ``count`` facilities have it, so a
    caller can tell "0 m²" from "not recorded". Only facilities in service (``open``) count by default.

    >>> t = facility_area_totals(Level.COMMUNITY, within="350504")
    >>> t["350504001001"]["comprehensive"].building      # 社区综合服务设施面积
    Decimal('1260.00')

``checklist_facts(communities)`` gathers what the 完整居住社区 engine needs for any number of
communities in six queries (facilities, households, dwellings, property companies, attestations,
the regions themselves), whatever their number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Length, Substr

from linli.core.roles import Role, effective_role
from linli.core.scope import scoped
from linli.facilities.engine import checklist as engine
from linli.facilities.models import ChecklistAttestation, Facility, FacilityStatus
from linli.regions.models import CODE_LENGTH, Level, Region, subtree_q
from linli.registry.models import Building, BuildingKind, Household, Organisation, OrganisationKind


@dataclass
class FacilityFilter:
    """The list's filters (pages: ``forms.FacilityFilterForm``; API: ``api.FacilityFilterIn``)."""

    q: str = ""
    type: str = ""
    category: str = ""
    status: str = ""
    region: str = ""
    short_days: bool = False  # only facilities open under 8 hours on some day

    def as_query(self) -> str:
        d = {k: v for k, v in self.__dict__.items() if v}
        if self.short_days:
            d["short_days"] = "1"
        return urlencode(d)


def facility_list(*, user: Any, filters: FacilityFilter | None = None) -> QuerySet[Facility]:
    """Facilities in ``user``'s scope with the filters, with type, region and operator joined (one query)."""
    f = filters or FacilityFilter()
    qs = scoped(Facility.objects.select_related("type", "region", "operator"), user)
    if f.q:
        qs = qs.filter(Q(name__contains=f.q) | Q(code__startswith=f.q) | Q(address__contains=f.q))
    if f.type:
        qs = qs.filter(type__code=f.type)
    if f.category:
        qs = qs.filter(type__category=f.category)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.region:
        qs = qs.filter(subtree_q(f.region, "region__code"))
    if f.short_days:
        qs = qs.filter(short_days__gt=0)
    return qs.order_by("region__code", "type__sort", "name")


def facility_get(*, user: Any, pk: int) -> Facility:
    return facility_list(user=user).get(pk=pk)


def operator_names(*, user: Any) -> list[str]:
    """Organisations the account may name as operator: those of its subtree and of its ancestors."""
    qs = Organisation.objects.filter(active=True)
    if effective_role(user) != Role.SYSTEM_ADMIN:
        region = user.region
        if region is None:
            return []
        qs = qs.filter(Q(region__code__startswith=region.code) | Q(region__code__in=region.ancestors_codes()))
    return list(qs.order_by("name").values_list("name", flat=True).distinct()[:500])


# --- area sums for the indicators ------------------------------------------------------------------

AREAS = ("building", "activity", "office", "commercial", "land")


@dataclass
class AreaTotals:
    count: int = 0
    building: Decimal | None = None
    activity: Decimal | None = None
    office: Decimal | None = None
    commercial: Decimal | None = None
    land: Decimal | None = None
    building_known: int = 0
    activity_known: int = 0
    office_known: int = 0
    commercial_known: int = 0
    land_known: int = 0


def facility_area_totals(
    level_or_regions: int | Iterable[Region | str],
    *,
    within: str | None = None,
    by: str = "category",
    statuses: Iterable[str] = (FacilityStatus.OPEN,),
    types: Iterable[str] | None = None,
) -> dict[str, dict[str, AreaTotals]]:
    """See the module docstring. Not scoped: area sums carry no personal data."""
    if by not in ("category", "type"):
        raise ValueError("by 应为 category 或 type")
    group = "type__category" if by == "category" else "type__code"
    if isinstance(level_or_regions, int):
        plan: dict[int, list[str] | None] = {CODE_LENGTH[Level(level_or_regions)]: None}
    else:
        plan = {}
        for r in level_or_regions:
            code = r if isinstance(r, str) else r.code
            codes = plan.setdefault(len(code), [])
            assert codes is not None
            codes.append(code)
    out: dict[str, dict[str, AreaTotals]] = {}
    for n, codes in plan.items():
        qs = Facility.objects.filter(status__in=list(statuses))
        if types is not None:
            qs = qs.filter(type__code__in=list(types))
        if within:
            qs = qs.filter(subtree_q(within, "region__code"))
        qs = qs.annotate(_len=Length("region__code"), _unit=Substr("region__code", 1, n)).filter(_len__gte=n)
        if codes is not None:
            qs = qs.filter(_unit__in=codes)
        sums = {a: Sum(f"{a}_area") for a in AREAS}
        known = {f"{a}_known": Count(f"{a}_area") for a in AREAS}
        for row in qs.values("_unit", group).annotate(count=Count("pk"), **sums, **known).order_by():
            unit, key = row.pop("_unit"), row.pop(group)
            out.setdefault(unit, {})[key] = AreaTotals(**row)
    return out


# --- the checklist -----------------------------------------------------------------------------------


def _districts(communities: list[Region]) -> Q:
    q = Q(pk__in=[])
    for code in sorted({c.code[:6] for c in communities}):
        q |= subtree_q(code, "region__code")
    return q


def checklist_facts(communities: list[Region]) -> list[engine.CommunityFacts]:
    """The facts of each community (level 5), gathered in a fixed number of queries."""
    communities = [c for c in communities if c.level == Level.COMMUNITY]
    if not communities:
        return []
    area = _districts(communities)
    wanted = {c.code for c in communities}
    own: dict[str, list[engine.Place]] = defaultdict(list)
    around: dict[str, list[engine.Place]] = defaultdict(list)
    rows = Facility.objects.filter(area).values_list(
        "type__code",
        "name",
        "status",
        "building_area",
        "land_area",
        "lat",
        "lon",
        "region__code",
        "region__name",
    )
    for t, name, status, b, land, lat, lon, rcode, rname in rows:
        place = engine.Place(
            type=t,
            name=name,
            status=status,
            building_area=None if b is None else float(b),
            land_area=None if land is None else float(land),
            lat=lat,
            lon=lon,
            region_code=rcode,
            region_name=rname if len(rcode) <= 12 else "",
        )
        if rcode[:12] in wanted:
            own[rcode[:12]].append(place)
        if status == FacilityStatus.OPEN:
            around[t].append(place)
    households = dict(
        Household.objects.filter(area)
        .annotate(_unit=Substr("region__code", 1, 12))
        .values("_unit")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("_unit", "n")
    )
    dwellings: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for rcode, lat, lon in (
        Building.objects.filter(area, lat__isnull=False, lon__isnull=False)
        .exclude(kind__in=[BuildingKind.ESTATE, BuildingKind.NATURAL_VILLAGE])
        .values_list("region__code", "lat", "lon")
    ):
        if lat is not None and lon is not None:
            dwellings[rcode[:12]].append((lat, lon))
    companies: dict[str, int] = defaultdict(int)
    for rcode in Organisation.objects.filter(
        area, kind=OrganisationKind.PROPERTY_COMPANY, active=True
    ).values_list("region__code", flat=True):
        companies[rcode[:12]] += 1
    attest: dict[str, dict[int, engine.Attestation]] = defaultdict(dict)
    for a in (
        ChecklistAttestation.objects.filter(region__code__in=wanted)
        .values_list("region__code", "item", "met", "attested_on", "attested_by_name", "evidence")
        .order_by("region__code", "item", "-attested_on", "-id")
    ):
        code, item = a[0], a[1]
        if item not in attest[code]:
            attest[code][item] = engine.Attestation(item, a[2], a[3].isoformat(), a[4], a[5])
    out = []
    for c in communities:
        pts = dwellings.get(c.code, [])
        if c.centroid_lat is not None and c.centroid_lon is not None:
            centre: tuple[float, float] | None = (c.centroid_lat, c.centroid_lon)
        elif pts:
            centre = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
        else:
            centre = None
        out.append(
            engine.CommunityFacts(
                code=c.code,
                name=c.name,
                urban=c.urban_rural != "rural",
                households=households.get(c.code, 0),
                centre=centre,
                facilities=own.get(c.code, []),
                dwellings=pts,
                property_companies=companies.get(c.code, 0),
                attestations=attest.get(c.code, {}),
                around=around,
            )
        )
    return out


def checklist_for(communities: list[Region]) -> list[engine.ChecklistResult]:
    return [engine.evaluate(f) for f in checklist_facts(communities)]


def communities_under(region: Region) -> list[Region]:
    if region.level == Level.COMMUNITY:
        return [region]
    return list(Region.objects.current().subtree(region.code).filter(level=Level.COMMUNITY).order_by("code"))


def attestation_history(region: Region) -> QuerySet[ChecklistAttestation]:
    return ChecklistAttestation.objects.filter(region=region).order_by("item", "-attested_on", "-id")


# --- maps ----------------------------------------------------------------------------------------------


def facilities_geojson(
    *, user: Any, region: Region, filters: FacilityFilter | None = None, boundaries: bool = True
) -> dict[str, Any]:
    """Facilities of ``region``'s subtree in scope as GeoJSON points, with the community boundaries."""
    f = filters or FacilityFilter()
    f.region = region.code
    feats: list[dict[str, Any]] = []
    if boundaries:
        level = Level.COMMUNITY if region.level < Level.COMMUNITY else region.level
        for r in (
            Region.objects.current()
            .subtree(region.code)
            .filter(level=level, boundary__isnull=False)
            .only("code", "name", "boundary")
        ):
            feats.append(
                {
                    "type": "Feature",
                    "geometry": r.boundary,
                    "properties": {"kind": "region", "code": r.code, "name": r.name},
                }
            )
    status_label = dict(FacilityStatus.choices)
    for fac in facility_list(user=user, filters=f).filter(lat__isnull=False, lon__isnull=False)[:20000]:
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [fac.lon, fac.lat]},
                "properties": {
                    "kind": "facility",
                    "id": fac.pk,
                    "code": fac.code,
                    "name": fac.name,
                    "type": fac.type.code,
                    "type_name": fac.type.name,
                    "category": fac.type.category,
                    "status": fac.status,
                    "status_label": status_label.get(fac.status, fac.status),
                    "region_code": fac.region.code,
                    "building_area": None if fac.building_area is None else float(fac.building_area),
                    "hours_per_week": None if fac.hours_per_week is None else float(fac.hours_per_week),
                    "short_days": fac.short_days,
                },
            }
        )
    return {"type": "FeatureCollection", "features": feats}
