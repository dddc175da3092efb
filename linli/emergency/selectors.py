"""平战结合 reads: warnings in force for a place, events and their timelines, the check list and who is
not yet reached, shelters (nearest by walking distance), supplies and readiness per community.
Pages and the API read through the same functions; personal rows through ``core.scope``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat
from django.utils import timezone
from scipy.sparse.csgraph import dijkstra

from linli.core.models import User
from linli.core.personal import blind_lookup
from linli.core.priority import PriorityWindow
from linli.core.roles import Role, effective_role
from linli.core.scope import region_in_scope, scoped, subtree_q
from linli.emergency.engine import cap, plans
from linli.emergency.models import (
    ActionTask,
    CheckItem,
    CheckStatus,
    Drill,
    EmergencyUnit,
    Event,
    EventLog,
    EventStatus,
    InfoOfficer,
    Plan,
    Shelter,
    ShelterStay,
    Supply,
    SupplyStore,
    TaskStatus,
    UnitMember,
    Warning,
    WarningStatus,
)
from linli.lifecircle import services as lifecircle
from linli.lifecircle.engine.geo import haversine
from linli.lifecircle.models import LifeCircleSettings
from linli.regions.models import Level, Region
from linli.regions.rollup import annotate_rollup
from linli.registry.models import Building, Person, PersonStatus

ROLE_LABEL = plans.WHO  # who an action of a plan goes to, in words


def _code(user: User) -> str | None:
    """The subtree an account reads (None: everything)."""
    if effective_role(user) == Role.SYSTEM_ADMIN:
        return None
    return user.region_code or "#"


def _in(qs: QuerySet[Any], user: User, path: str) -> QuerySet[Any]:
    code = _code(user)
    return qs if code is None else qs.filter(subtree_q(code, path))


# --- warnings -------------------------------------------------------------------------------------


def visible_warnings(user: User) -> QuerySet[Warning]:
    """Staff: the warnings that touch their area or that they issued; residents: those of their community."""
    qs = Warning.objects.select_related("region")
    if effective_role(user) == Role.RESIDENT:
        home = resident_community_code(user)
        return qs.filter(regions__code=home).distinct() if home else qs.none()
    code = _code(user)
    if code is None:
        return qs
    # a warning is visible where it applies and up the tree from there (the street sees its communities')
    touches = Q(regions__code__gte=code, regions__code__lt=code + ";") | Q(regions__code__in=_prefixes(code))
    return qs.filter(touches | subtree_q(code, "region__code")).distinct()


def _prefixes(code: str) -> list[str]:
    return [code[:n] for n in (6, 9, 12) if n <= len(code)]


def resident_community_code(user: User) -> str:
    person = getattr(user, "person", None)
    if person is not None:
        return str(person.region.code[:12])
    return (user.region_code or "")[:12] if user.region_code and len(user.region_code) >= 12 else ""


def active_warnings_for(code: str, now: dt.datetime | None = None) -> list[Warning]:
    """The warnings in force (or about to be) for a community code — what its residents see."""
    now = now or timezone.now()
    if not code:
        return []
    return list(
        Warning.objects.filter(status=WarningStatus.ACTIVE, expires__gt=now, regions__code=code[:12])
        .distinct()
        .order_by("-sent")[:5]
    )


def public_warnings(now: dt.datetime | None = None) -> list[Warning]:
    """The warnings in force for the feed (public: no personal data is on a warning)."""
    now = now or timezone.now()
    return list(
        Warning.objects.filter(status=WarningStatus.ACTIVE, expires__gt=now)
        .prefetch_related("regions")
        .order_by("-sent")[:200]
    )


def public_warning(number: str) -> Warning | None:
    return Warning.objects.prefetch_related("regions").filter(number=number).first()


def warning_to_cap(w: Warning) -> cap.CapAlert:
    """The warning as a CAP 1.2 alert: an imported message as it came (every field kept, its status as
    now), one entered or issued here built from its fields (area: GB/T 2260 codes and the polygon)."""
    msg_type = "Cancel" if w.status == WarningStatus.CANCELLED else "Alert"
    if w.cap_xml:
        alert = cap.parse(w.cap_xml.encode())
        if msg_type == "Cancel":
            alert.msg_type = "Cancel"
        return alert
    polygons = []
    if w.polygon:
        ring = [(float(a), float(b)) for a, b in w.polygon]
        polygons = [[*ring, ring[0]]]
    area = cap.CapArea(
        area_desc=w.area_desc,
        polygons=polygons,
        geocodes=[("GB/T 2260", r.code) for r in w.regions.all()],
    )
    info = cap.CapInfo(
        event=w.event,
        urgency=w.urgency,
        severity=w.severity,
        certainty=w.certainty,
        categories=[
            "Met" if w.hazard in ("typhoon", "flood") else ("Health" if w.hazard == "epidemic" else "Safety")
        ],
        language="zh-CN",
        onset=w.onset,
        expires=w.expires,
        sender_name=w.sender_name,
        headline=w.headline,
        description=w.description,
        instruction=w.instruction,
        areas=[area],
    )
    return cap.CapAlert(
        identifier=w.identifier,
        sender=w.sender,
        sent=w.sent,
        status="Actual",
        msg_type=msg_type,
        scope="Public",
        infos=[info],
    )


# --- events ---------------------------------------------------------------------------------------


def visible_events(user: User) -> QuerySet[Event]:
    qs = Event.objects.select_related("region", "warning")
    code = _code(user)
    if code is None:
        return qs
    touches = Q(regions__code__gte=code, regions__code__lt=code + ";") | Q(regions__code__in=_prefixes(code))
    return qs.filter(touches | subtree_q(code, "region__code")).distinct()


def active_events_for(code: str) -> list[Event]:
    return list(Event.objects.filter(status=EventStatus.ACTIVE, regions__code=code[:12]).distinct()[:5])


def priority_windows() -> list[PriorityWindow]:
    """Each community of an active response, from the response's start: its requests go first."""
    rows = Event.objects.filter(status=EventStatus.ACTIVE).values_list("regions__code", "started_at", "title")
    return [PriorityWindow(code, since, None, f"应急：{title}") for code, since, title in rows if code]


@dataclass
class TimelineEntry:
    at: dt.datetime
    kind: str
    kind_label: str
    text: str
    by: str = ""


def timeline(event: Event, user: User) -> list[TimelineEntry]:
    """The event as one list in time order: warnings, decisions, actions, checks, reports, and the
    requests raised in its area while it runs."""
    from linli.cases.models import Case  # noqa: PLC0415 — the requests of the area, read only here

    kinds = dict(EventLog._meta.get_field("kind").choices or [])
    out = [
        TimelineEntry(e.at, e.kind, str(kinds.get(e.kind, e.kind)), e.text, e.by_name)
        for e in EventLog.objects.filter(event=event).order_by("at", "id")
    ]
    q = Q(pk__in=[])
    for c in event.regions.all():
        q |= subtree_q(c.code, "region__code")
    cases = scoped(Case.objects.filter(q, received_at__gte=event.started_at), user)
    if event.ended_at is not None:
        cases = cases.filter(received_at__lt=event.ended_at)
    for c in cases.select_related("category").order_by("received_at")[:100]:
        out.append(
            TimelineEntry(
                c.received_at, "case", "诉求", f"{c.number} {c.category.name}：{c.public_description[:60]}"
            )
        )
    done = ActionTask.objects.filter(event=event, status=TaskStatus.DONE, done_at__isnull=False)
    for t in done.select_related("region").order_by("done_at")[:200]:
        if not any(e.kind == "action" and t.title in e.text for e in out):
            out.append(
                TimelineEntry(
                    t.done_at or event.started_at, "action", "行动", f"{t.region.name}：{t.title} 已完成"
                )
            )
    return sorted(out, key=lambda e: e.at)


@dataclass
class Reach:
    """Who is reached, per community: counts by result, and the list's responders without any check."""

    code: str
    name: str
    total: int = 0
    pending: int = 0
    safe: int = 0
    sheltered: int = 0
    needs_help: int = 0
    unassigned: int = 0

    @property
    def reached(self) -> int:
        return self.total - self.pending

    @property
    def percent(self) -> int:
        return round(100 * self.reached / self.total) if self.total else 100


def reach(event: Event, user: User) -> list[Reach]:
    """Per community of the event within the account's view: one GROUP BY."""
    rows = (
        _in(CheckItem.objects.filter(event=event), user, "community_code")
        .values("community_code")
        .annotate(
            total=Count("id"),
            pending=Count("id", filter=Q(status=CheckStatus.PENDING)),
            safe=Count("id", filter=Q(status=CheckStatus.SAFE)),
            sheltered=Count("id", filter=Q(status=CheckStatus.SHELTERED)),
            needs_help=Count("id", filter=Q(status=CheckStatus.NEEDS_HELP)),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
        )
        .order_by("community_code")
    )
    names = dict(
        Region.objects.current()
        .filter(code__in=[r["community_code"] for r in rows])
        .values_list("code", "name")
    )
    return [
        Reach(
            r["community_code"],
            names.get(r["community_code"], r["community_code"]),
            r["total"],
            r["pending"],
            r["safe"],
            r["sheltered"],
            r["needs_help"],
            r["unassigned"],
        )
        for r in rows
    ]


def not_reached(event: Event, user: User, community: str = "", limit: int = 200) -> QuerySet[CheckItem]:
    """The persons of the list not yet reached (names masked on the page), most urgent first."""
    qs = scoped(CheckItem.objects.filter(event=event, status=CheckStatus.PENDING), user)
    if community:
        qs = qs.filter(community_code=community)
    return qs.select_related("person", "building", "assignee").order_by(
        "priority", "community_code", "building_id", "id"
    )[:limit]


def my_checks(user: User, event: Event | None = None) -> QuerySet[CheckItem]:
    """The list assigned to an account in active responses: not yet reached first, then by priority."""
    qs = CheckItem.objects.filter(assignee=user, event__status=EventStatus.ACTIVE)
    if event is not None:
        qs = qs.filter(event=event)
    return qs.select_related("person", "person__household", "building", "event", "shelter").order_by(
        F("checked_at").asc(nulls_first=True), "priority", "building_id", "id"
    )


def my_tasks(user: User) -> QuerySet[ActionTask]:
    return (
        ActionTask.objects.filter(
            Q(assignee=user) | Q(unit__in=UnitMember.objects.filter(account=user).values("unit_id")),
            status=TaskStatus.OPEN,
            event__status=EventStatus.ACTIVE,
        )
        .select_related("event", "region", "unit")
        .order_by("due_at", "id")
    )


def check_item(user: User, pk: int) -> CheckItem | None:
    """One row of a list: the assigned responder's, or one in the account's scope."""
    found = (
        CheckItem.objects.select_related("person", "person__household", "building", "event")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        return None
    if found.assignee_id == user.pk or scoped(CheckItem.objects.filter(pk=pk), user).exists():
        return found
    return None


def category_labels(codes: str) -> list[str]:
    from linli.emergency.engine import vulnerable  # noqa: PLC0415 — engine, plain Python

    return [vulnerable.BY_KEY[c].label_zh if c in vulnerable.BY_KEY else c for c in codes.split(",") if c]


# --- peacetime ------------------------------------------------------------------------------------


def communities(user: User, root: Region | None = None) -> QuerySet[Region]:
    qs = Region.objects.current().filter(level=Level.COMMUNITY)
    if root is not None:
        qs = qs.filter(subtree_q(root.code))
    return _in(qs, user, "code").defer("boundary").order_by("code")


def officers(user: User) -> QuerySet[InfoOfficer]:
    return _in(InfoOfficer.objects.filter(until__isnull=True), user, "region__code").select_related("region")


def missing_officers(user: User, root: Region | None = None) -> list[Region]:
    """The communities without a 灾害信息员 (seed 000/002: at least one in every community)."""
    have = InfoOfficer.objects.filter(until__isnull=True).values("region_id")
    return list(communities(user, root).exclude(pk__in=have))


def without_officer(user: User) -> QuerySet[Region]:
    """The communities in view with no serving 灾害信息员 in them (at the community or one of its
    grids, as the readiness figures count them), by code."""
    officer = InfoOfficer.objects.filter(
        until__isnull=True,
        region__code__gte=OuterRef("code"),
        region__code__lt=Concat(OuterRef("code"), Value(";")),
    )
    return communities(user).filter(~Exists(officer))


def units(user: User) -> QuerySet[EmergencyUnit]:
    return (
        _in(EmergencyUnit.objects.filter(active=True), user, "region__code")
        .select_related("region", "building")
        .annotate(n_members=Count("members"))
    )


@dataclass
class Candidate:
    """Someone who can join a 最小应急单元: from which list, the record's id, name and what they are."""

    source: str
    pk: int
    name: str
    detail: str
    has_account: bool


def unit_candidates(user: User, unit: EmergencyUnit, q: str, limit: int = 10) -> dict[str, list[Candidate]]:
    """The people of the unit's community whose name contains ``q``, per list: its grid teams
    (current members), its registered volunteers, its residents (the account's registry scope)."""
    from linli.registry.selectors import PersonFilter, person_list  # noqa: PLC0415 — the registry's own search
    from linli.volunteers.models import Volunteer, VolunteerStatus  # noqa: PLC0415 — read only here
    from linli.workforce.models import TeamMember  # noqa: PLC0415 — read only here

    q = q.strip()
    out: dict[str, list[Candidate]] = {"grid_team": [], "volunteer": [], "resident": []}
    if not q:
        return out
    code = unit.region.code
    inside = UnitMember.objects.filter(unit=unit)  # those already in the unit are not offered again
    team = (
        TeamMember.objects.filter(subtree_q(code, "grid__code"), until__isnull=True)
        .exclude(pk__in=inside.filter(team_member__isnull=False).values("team_member_id"))
        .filter(Q(name__contains=q) | Q(staff__name__contains=q) | Q(person__name__contains=q))
        .select_related("grid", "staff", "person")
        .order_by("grid__code", "id")[:limit]
    )
    out["grid_team"] = [
        Candidate(
            "grid_team", t.pk, t.label, f"{t.grid.name} · {t.get_post_display()}", t.account_id is not None
        )
        for t in team
    ]
    vols = (
        Volunteer.objects.filter(subtree_q(code, "region__code"), status=VolunteerStatus.ACTIVE)
        .filter(person__name__contains=q)
        .exclude(pk__in=inside.filter(volunteer__isnull=False).values("volunteer_id"))
        .select_related("person", "region")
        .order_by("number")[:limit]
    )
    with_account = set(
        User.objects.filter(is_active=True, person__in=[v.person_id for v in vols]).values_list(
            "person_id", flat=True
        )
    )
    out["volunteer"] = [
        Candidate("volunteer", v.pk, v.person.name, f"志愿者 {v.number}", v.person_id in with_account)
        for v in vols
    ]
    adults = PersonFilter(q=q, region=code, status="active", age_min=16)  # a unit's members are 16 or older
    found = person_list(user=user, filters=adults).exclude(
        pk__in=inside.filter(person__isnull=False).values("person_id")
    )
    people = list(found[:limit])
    with_account = set(
        User.objects.filter(is_active=True, person__in=people).values_list("person_id", flat=True)
    )
    out["resident"] = [
        Candidate(
            "resident",
            p.pk,
            p.name,
            f"{p.age}岁 · {p.household.building.name if p.household and p.household.building else p.region.name}",
            p.pk in with_account,
        )
        for p in people
    ]
    return out


def unit_record(unit: EmergencyUnit, source: str, pk: int | None) -> Any:
    """The record a member is chosen from (``source``'s list, in the unit's community), or None."""
    from linli.registry.models import Person  # noqa: PLC0415 — read only here
    from linli.volunteers.models import Volunteer  # noqa: PLC0415 — read only here
    from linli.workforce.models import TeamMember  # noqa: PLC0415 — read only here

    model: Any = {"grid_team": TeamMember, "volunteer": Volunteer, "resident": Person}.get(source)
    if model is None or pk is None:
        return None
    path = "grid__code" if source == "grid_team" else "region__code"
    related = {
        "grid_team": ["grid", "staff", "person"],
        "volunteer": ["person", "region"],
        "resident": ["region"],
    }
    return (
        model.objects.filter(subtree_q(unit.region.code, path), pk=pk)
        .select_related(*related[source])
        .first()
    )


def stored_plans(user: User) -> QuerySet[Plan]:
    code = _code(user)
    qs = Plan.objects.select_related("region")
    if code is None:
        return qs
    return qs.filter(subtree_q(code, "region__code") | Q(region__code__in=_prefixes(code)))


def drills(user: User) -> QuerySet[Drill]:
    return _in(Drill.objects.all(), user, "region__code").select_related("region")


# --- shelters and supplies ------------------------------------------------------------------------


def shelters(user: User) -> QuerySet[Shelter]:
    return _in(Shelter.objects.all(), user, "facility__region__code").select_related(
        "facility", "facility__region"
    )


def shelter_of(user: User, pk: int) -> Shelter | None:
    return shelters(user).filter(pk=pk).first()


def shelter_facilities_unset(user: User) -> QuerySet[Any]:
    from linli.facilities.models import Facility  # noqa: PLC0415 — read only here

    qs = Facility.objects.filter(type__code="shelter").exclude(shelter__isnull=False)
    return _in(qs, user, "region__code").select_related("region").order_by("region__code", "name")


def stays(shelter: Shelter) -> QuerySet[ShelterStay]:
    return ShelterStay.objects.filter(shelter=shelter, checked_out_at__isnull=True).select_related(
        "person", "household"
    )


def stay_search(user: User, name: str, id_digits: str) -> list[ShelterStay]:
    """谁在哪里: open stays of persons named ``name`` whose ID number ends in ``id_digits`` (at least 4),
    in shelters the account oversees or of persons it keeps — the question relatives ask."""
    name, id_digits = name.strip(), id_digits.strip().upper()
    if not name or len(id_digits) < 4:
        return []
    qs = ShelterStay.objects.filter(checked_out_at__isnull=True, person__name=name).select_related(
        "person", "shelter__facility"
    )
    code = _code(user)
    if code is not None:
        qs = qs.filter(subtree_q(code, "shelter__facility__region__code") | subtree_q(code, "region__code"))
    return [s for s in qs[:50] if str(s.person.id_number.reveal()).upper().endswith(id_digits)]


def person_lookup(user: User, name: str, id_number: str) -> Person | None:
    """A person of the registry by name and full ID number (the check-in desk's lookup)."""
    name, id_number = name.strip(), id_number.strip().upper()
    if not name or not id_number:
        return None
    found = Person.objects.filter(
        blind_lookup("id_number_index", id_number), name=name, status=PersonStatus.ACTIVE
    )
    return found.select_related("household", "region").first()


@dataclass
class NearShelter:
    shelter: Shelter
    metres: float
    method: str  # 步行路网 / 直线×绕行系数

    @property
    def minutes(self) -> int:
        return max(1, round(self.metres / 1.1 / 60))


def nearest_shelters(building: Building, limit: int = 3, *, open_only: bool = True) -> list[NearShelter]:
    """The nearest open shelters with room (``open_only``; else every designated one), by walking
    distance over the life-circle network (else the straight line × the detour factor), within the
    building's district."""
    if building.lat is None or building.lon is None:
        return []
    usable = Q(is_open=True, occupancy__lt=F("capacity")) if open_only else Q()
    cands = list(
        Shelter.objects.filter(usable, facility__lat__isnull=False, facility__lon__isnull=False)
        .filter(subtree_q(building.region.code[:6], "facility__region__code"))
        .select_related("facility")
    )
    if not cands:
        return []
    lat = np.array([s.facility.lat for s in cands], dtype=float)
    lon = np.array([s.facility.lon for s in cands], dtype=float)
    rn = lifecircle.network_for(building.region)
    if rn is not None:
        net = lifecircle.load_network(rn)
        b_node, b_snap = net.snap(np.array([building.lat]), np.array([building.lon]))
        s_node, s_snap = net.snap(lat, lon)
        d = dijkstra(net.csr(), directed=False, indices=int(b_node[0]))
        dist = d[s_node] + s_snap + b_snap[0]
        method = "步行路网"
    else:
        dist = haversine(building.lat, building.lon, lat, lon) * LifeCircleSettings.get().detour_factor
        method = "直线距离×绕行系数"
    order = np.argsort(dist)[:limit]
    return [NearShelter(cands[i], float(dist[i]), method) for i in order if np.isfinite(dist[i])]


def stores(user: User) -> QuerySet[SupplyStore]:
    return _in(SupplyStore.objects.all(), user, "region__code").select_related("region")


def supplies(user: User) -> QuerySet[Supply]:
    return _in(Supply.objects.all(), user, "store__region__code").select_related("store")


# --- readiness ------------------------------------------------------------------------------------


@dataclass
class Readiness:
    region: Region
    officers: int = 0
    units: int = 0
    plans: int = 0
    fire_stations: int = 0
    shelter_places: int = 0
    residents: int = 0
    supplies_total: int = 0
    supplies_valid: int = 0
    drills_12m: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def places_per_100(self) -> float:
        return round(100 * self.shelter_places / self.residents, 1) if self.residents else 0.0


def readiness(user: User, root: Region | None = None) -> list[Readiness]:
    """Per community in view (the first 400; pages page ``communities`` and call ``readiness_of``)."""
    return readiness_of(list(communities(user, root)[:400]))


def readiness_of(comms: list[Region]) -> list[Readiness]:
    """Per community of ``comms`` (a page by code): the readiness figures (a handful of GROUP BY
    queries over the code range of the page, not per row)."""
    from linli.facilities.models import Facility  # noqa: PLC0415 — counts only

    if not comms:
        return []
    lo, hi = min(c.code for c in comms), max(c.code for c in comms) + ";"
    out = {c.code: Readiness(c) for c in comms}

    def group(qs: QuerySet[Any], path: str, **agg: Any) -> list[dict[str, Any]]:
        from django.db.models.functions import Substr  # noqa: PLC0415

        return list(
            qs.filter(**{f"{path}__gte": lo, f"{path}__lt": hi})
            .annotate(_c=Substr(path, 1, 12))
            .values("_c")
            .annotate(**agg)
            .order_by()
        )

    today = timezone.localdate()
    for r in group(InfoOfficer.objects.filter(until__isnull=True), "region__code", n=Count("id")):
        if r["_c"] in out:
            out[r["_c"]].officers = r["n"]
    for r in group(EmergencyUnit.objects.filter(active=True), "region__code", n=Count("id")):
        if r["_c"] in out:
            out[r["_c"]].units = r["n"]
    for r in group(Plan.objects.all(), "region__code", n=Count("id")):
        if r["_c"] in out:
            out[r["_c"]].plans = r["n"]
    for r in group(
        Facility.objects.filter(type__code="fire_station", status="open"), "region__code", n=Count("id")
    ):
        if r["_c"] in out:
            out[r["_c"]].fire_stations = r["n"]
    for r in group(Shelter.objects.all(), "facility__region__code", n=Sum("capacity")):
        if r["_c"] in out:
            out[r["_c"]].shelter_places = r["n"] or 0
    # residents from the registry's kept counts (the tree's 人口 roll-up), not a count of the persons
    for region in annotate_rollup(Region.objects.filter(code__in=list(out)), ["population"]):
        out[region.code].residents = region.population_count
    for r in group(
        Supply.objects.filter(quantity__gt=0),
        "store__region__code",
        n=Count("id"),
        v=Count("id", filter=Q(expires_on__isnull=True) | Q(expires_on__gte=today)),
    ):
        if r["_c"] in out:
            out[r["_c"]].supplies_total, out[r["_c"]].supplies_valid = r["n"], r["v"]
    since = today - dt.timedelta(days=365)
    for r in group(Drill.objects.filter(held_on__gt=since), "region__code", n=Count("id")):
        if r["_c"] in out:
            out[r["_c"]].drills_12m = r["n"]
    for x in out.values():
        if not x.officers:
            x.notes.append("缺灾害信息员")
        if not x.drills_12m:
            x.notes.append("近 12 个月未演练")
        if x.supplies_total > x.supplies_valid:
            x.notes.append("有过期物资")
    return list(out.values())


def can_see_region(user: User, region: Region) -> bool:
    return region_in_scope(user, region)
