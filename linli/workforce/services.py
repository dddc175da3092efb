"""Writes of the workforce module, each one keyword-only function in a transaction.

Refusals are coded errors (``linli.core.errors``): ``patrol.*``, ``team.*``, ``gridtask.*``,
``proof.*``, ``grade.*``, ``income.*``, ``candidate.*``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from linli.cases.models import Case, Channel
from linli.cases.services import case_create
from linli.core.errors import Conflict, Forbidden, invalid
from linli.core.roles import Role, effective_role
from linli.core.scope import account_codes, region_in_scope, subtree_q
from linli.core.services import audit_record
from linli.regions.models import Level, Region
from linli.registry.models import Building, Household, Person, Staff
from linli.services.models import ExcludedTask
from linli.workforce import selectors
from linli.workforce.engine import batch, rules, track
from linli.workforce.models import (
    Candidate,
    CandidateStatus,
    Duty,
    DutyKind,
    GridTask,
    IncomeBaseline,
    LogKind,
    Patrol,
    PatrolLog,
    PatrolStatus,
    Proof,
    StaffGrade,
    TaskItem,
    TaskKind,
    TaskPer,
    TaskStatus,
    TeamMember,
    TeamPost,
    TrackPoint,
)

RETENTION_DAYS = settings.LINLI_WORKFORCE_TRACK_DAYS
MAX_POINTS_PER_CALL = 500
BUILDING_RADIUS_M = 30.0
TEAM_EDITORS = frozenset(
    {Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
TASK_SENDERS = frozenset(
    {Role.DEPARTMENT_HANDLER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)


def _coord(lat: Any, lon: Any, field: str = "position") -> tuple[float, float]:
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise invalid(field, "位置不正确：缺少经纬度", "patrol.position_invalid") from None
    if not (-90 <= la <= 90 and -180 <= lo <= 180) or la != la or lo != lo:
        raise invalid(field, "位置不正确：经纬度超出范围", "patrol.position_invalid")
    return la, lo


# --- patrols ----------------------------------------------------------------------------------------


@transaction.atomic
def patrol_start(
    *, by: Any, lat: Any, lon: Any, consent: bool, grid: Region | None = None, now: dt.datetime | None = None
) -> Patrol:
    """Start a patrol of the worker's grid from where he stands. He must consent to his position being
    recorded during the patrol, and stand in his grid (when the grid is drawn)."""
    if effective_role(by) != Role.GRID_WORKER:
        raise Forbidden("只有网格员可以开始巡查", code="patrol.not_grid_worker")
    if not consent:
        raise invalid("consent", "开始巡查前请阅读并同意：巡查期间记录您的位置", "patrol.consent_required")
    la, lo = _coord(lat, lon)
    if grid is None:  # the grid of his where he stands (a worker may cover several)
        codes = account_codes(by)
        grids = [by.region] if by.region is not None else []
        if len(codes) > 1:
            grids = list(Region.objects.current().filter(code__in=codes).order_by("code"))
        grid = next((g for g in grids if track.in_area(la, lo, g.boundary)), grids[0] if grids else None)
    if grid is None or grid.level != Level.GRID or not region_in_scope(by, grid):
        raise invalid("grid", "请选择本人负责的网格", "patrol.grid_unknown")
    if not track.in_area(la, lo, grid.boundary):
        raise invalid(
            "position", f"您当前的位置不在{grid.name}内，请到网格内再开始巡查", "patrol.outside_grid"
        )
    now = now or timezone.now()
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(
                worker=by, grid=grid, day=timezone.localdate(now), started_at=now, consent_at=now
            )
    except IntegrityError:
        raise Conflict("patrol", "您已有一次巡查正在进行，请先结束它", code="patrol.already_active") from None
    TrackPoint.objects.create(patrol=patrol, at=now, lat=la, lon=lo)
    Patrol.objects.filter(pk=patrol.pk).update(points=1)
    patrol.points = 1
    return patrol


def _own_active(patrol: Patrol, by: Any) -> None:
    if patrol.worker_id != by.pk:
        raise Forbidden("这不是您的巡查", code="patrol.not_own")
    if patrol.status != PatrolStatus.ACTIVE:
        raise invalid("patrol", "这次巡查已结束，不再记录位置", "patrol.ended")


@transaction.atomic
def patrol_points_add(*, patrol: Patrol, by: Any, points: Sequence[dict[str, Any]]) -> int:
    """Add positions sent by the phone (``{"t": ISO time or epoch ms, "lat", "lon", "accuracy"}``);
    those reached at an impossible speed from the last trusted point are flagged. Returns the
    number flagged. All or nothing: one bad point refuses the batch."""
    patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
    _own_active(patrol, by)
    if len(points) > MAX_POINTS_PER_CALL:
        raise invalid("points", f"一次最多上传 {MAX_POINTS_PER_CALL} 个位置", "patrol.too_many_points")
    parsed: list[tuple[dt.datetime, float, float, float | None]] = []
    for p in points:
        la, lo = _coord(p.get("lat"), p.get("lon"), "points")
        at = _time(p.get("t"))
        if at < patrol.started_at - dt.timedelta(minutes=1) or at > timezone.now() + dt.timedelta(minutes=5):
            raise invalid("points", "位置时间不在这次巡查期间", "patrol.point_time")
        acc = p.get("accuracy")
        parsed.append((at, la, lo, float(acc) if isinstance(acc, (int, float)) else None))
    parsed.sort(key=lambda r: r[0])
    last = TrackPoint.objects.filter(patrol=patrol, flagged=False).order_by("-at").first()
    prev = track.Point(last.at.timestamp(), last.lat, last.lon) if last else None
    flags = track.flag_jumps([track.Point(a.timestamp(), la, lo) for a, la, lo, _ in parsed], last=prev)
    TrackPoint.objects.bulk_create(
        TrackPoint(patrol=patrol, at=a, lat=la, lon=lo, accuracy=acc, flagged=f)
        for (a, la, lo, acc), f in zip(parsed, flags, strict=True)
    )
    n_flag = sum(flags)
    patrol.points += len(parsed)
    patrol.flagged += n_flag
    Patrol.objects.filter(pk=patrol.pk).update(points=patrol.points, flagged=patrol.flagged)
    return n_flag


def _time(raw: Any) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        return raw if timezone.is_aware(raw) else timezone.make_aware(raw)
    if isinstance(raw, (int, float)):
        return dt.datetime.fromtimestamp(raw / 1000, tz=dt.UTC)
    try:
        v = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        raise invalid("points", "位置时间格式不正确", "patrol.point_time") from None
    return v if timezone.is_aware(v) else timezone.make_aware(v)


def _buildings(grid_code: str) -> list[tuple[int, float, float]]:
    return [
        (pk, float(la), float(lo))
        for pk, la, lo in Building.objects.filter(
            subtree_q(grid_code, "region__code"), lat__isnull=False, lon__isnull=False
        ).values_list("pk", "lat", "lon")
        if la is not None and lo is not None
    ]


def summarise(patrol: Patrol) -> track.Summary:
    return summaries([patrol])[patrol.pk]


def _track_columns(ids: Sequence[int]) -> tuple[np.ndarray, ...]:
    """(patrol, t in epoch seconds, lat, lon, flagged) of the points of the patrols ``ids``, sorted by
    (patrol, time) as the LAG step reads them: one query, plain columns, no model instances (on
    PostgreSQL the epoch is computed by the server, so no datetime is built per point)."""
    if connection.vendor == "postgresql":
        table = TrackPoint._meta.db_table
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT patrol_id, EXTRACT(EPOCH FROM at)::float8, lat, lon, flagged FROM {table} "
                "WHERE patrol_id = ANY(%s) ORDER BY patrol_id, at",
                [list(ids)],
            )
            rows = cur.fetchall()
        n = len(rows)
        epoch = np.fromiter((r[1] for r in rows), dtype=float, count=n)
    else:
        rows = list(
            TrackPoint.objects.filter(patrol_id__in=list(ids))
            .order_by("patrol_id", "at")
            .values_list("patrol_id", "at", "lat", "lon", "flagged")
        )
        n = len(rows)
        epoch = np.fromiter((r[1].timestamp() for r in rows), dtype=float, count=n)
    return (
        np.fromiter((r[0] for r in rows), dtype=np.int64, count=n),
        epoch,
        np.fromiter((r[2] for r in rows), dtype=float, count=n),
        np.fromiter((r[3] for r in rows), dtype=float, count=n),
        np.fromiter((r[4] for r in rows), dtype=bool, count=n),
    )


def summaries_of(grid_of: dict[int, Region]) -> dict[int, track.Summary]:
    """The summaries of the patrols ``grid_of`` names (patrol id → its grid), set-based: one query for
    the points of the whole batch, one for the buildings of each grid, then ``engine.batch`` measures
    every segment and tests every point against its grid at once (numpy / shapely)."""
    if not grid_of:
        return {}
    pid, t, lat, lon, flagged = _track_columns(sorted(grid_of))
    geometries: dict[object, dict | None] = {}
    blds: dict[object, list[tuple[int, float, float]]] = {}
    for grid in grid_of.values():
        if grid.code not in geometries:
            geometries[grid.code] = grid.boundary
            blds[grid.code] = _buildings(grid.code)
    return batch.summarise_many(
        pid,
        t,
        lat,
        lon,
        flagged,
        {pk: g.code for pk, g in grid_of.items()},
        geometries,
        blds,
        radius_m=BUILDING_RADIUS_M,
    )


def summaries(patrols: Sequence[Patrol]) -> dict[int, track.Summary]:
    """Each patrol's summary from its stored points (``summaries_of`` with the patrols' grids)."""
    return summaries_of({p.pk: p.grid for p in patrols})


SUMMARY_FIELDS = (
    "distance_m",
    "distance_in_grid_m",
    "minutes_in_grid",
    "buildings_passed",
    "flagged",
    "points",
)


def summary_values(s: track.Summary) -> tuple[float, float, float, int, int, int]:
    """A summary as the patrol stores it (``SUMMARY_FIELDS``, rounded as the pages show it)."""
    return (
        round(s.distance_m, 1),
        round(s.distance_in_grid_m, 1),
        round(s.seconds_in_grid / 60, 1),
        len(s.buildings),
        s.flagged,
        s.points,
    )


SUMMARY_BATCH = 5000


def patrols_summarise(*, patrol_ids: Sequence[int], batch_size: int = SUMMARY_BATCH) -> int:
    """Measure and store the summaries of the patrols ``patrol_ids`` (a re-run after a correction, a
    bulk load): per batch, one query for the points and one statement writing every summary back —
    on PostgreSQL ``UPDATE … FROM (VALUES …)``, elsewhere ``bulk_update``. Returns how many."""
    grids: dict[int, Region] = {}
    done = 0
    ids = sorted(set(patrol_ids))
    for k in range(0, len(ids), batch_size):
        chunk = ids[k : k + batch_size]
        pairs = list(Patrol.objects.filter(pk__in=chunk).values_list("pk", "grid_id"))
        grids.update(Region.objects.in_bulk({g for _, g in pairs} - grids.keys()))
        grid_of = {pk: grids[grid_id] for pk, grid_id in pairs}
        found = summaries_of(grid_of)
        with transaction.atomic():
            _summaries_store({pk: summary_values(s) for pk, s in found.items()})
        done += len(found)
    return done


def _summaries_store(values: dict[int, tuple[float, float, float, int, int, int]]) -> None:
    if not values:
        return
    if connection.vendor == "postgresql":
        table = Patrol._meta.db_table
        cols = ", ".join(f"{c} = v.{c}" for c in SUMMARY_FIELDS)
        rows = ", ".join(
            ["(%s::bigint, %s::float8, %s::float8, %s::float8, %s::int, %s::int, %s::int)"] * len(values)
        )
        params = [x for pk, v in values.items() for x in (pk, *v)]
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {table} AS p SET {cols} FROM (VALUES {rows}) AS v(id, {', '.join(SUMMARY_FIELDS)}) "
                "WHERE p.id = v.id",
                params,
            )
        return
    patrols = []
    for pk, v in values.items():
        p = Patrol(pk=pk)
        for f, x in zip(SUMMARY_FIELDS, v, strict=True):
            setattr(p, f, x)
        patrols.append(p)
    Patrol.objects.bulk_update(patrols, list(SUMMARY_FIELDS), batch_size=1000)


@transaction.atomic
def patrol_end(*, patrol: Patrol, by: Any, now: dt.datetime | None = None) -> Patrol:
    """End the patrol: no more positions are taken; its time and distance in the grid and the
    buildings passed are measured from the trusted points."""
    patrol = Patrol.objects.select_for_update().select_related("grid").get(pk=patrol.pk)
    _own_active(patrol, by)
    s = summarise(patrol)
    patrol.status = PatrolStatus.DONE
    patrol.ended_at = max(now or timezone.now(), patrol.started_at)
    for f, x in zip(SUMMARY_FIELDS, summary_values(s), strict=True):
        setattr(patrol, f, x)
    patrol.save()
    return patrol


@transaction.atomic
def patrol_note_add(
    *,
    patrol: Patrol,
    by: Any,
    text: str,
    kind: str = LogKind.NOTE,
    lat: Any = None,
    lon: Any = None,
    ref: str = "",
) -> PatrolLog:
    _own_active(patrol, by)
    text = " ".join((text or "").split())
    if not text:
        raise invalid("text", "请写下看到的情况", "patrol.note_required")
    la, lo = _coord(lat, lon) if lat not in (None, "") and lon not in (None, "") else (None, None)
    return PatrolLog.objects.create(patrol=patrol, kind=kind, text=text[:300], lat=la, lon=lo, ref=ref)


@transaction.atomic
def patrol_event_report(
    *,
    patrol: Patrol,
    by: Any,
    category: Any,
    description: str,
    lat: Any = None,
    lon: Any = None,
    photos: Sequence[UploadedFile] = (),
) -> Case:
    """An event seen on patrol becomes a request in one step (the requests module's patrol intake,
    placed in the patrol's grid), and the patrol's log points at it."""
    _own_active(patrol, by)
    la, lo = _coord(lat, lon) if lat not in (None, "") and lon not in (None, "") else (None, None)
    case = case_create(
        by=by,
        category=category,
        description=description,
        channel=Channel.PATROL,
        lat=la,
        lon=lo,
        photos=photos,
        grid=patrol.grid.code,
    )
    PatrolLog.objects.create(
        patrol=patrol, kind=LogKind.EVENT, text=case.description[:300], lat=la, lon=lo, ref=case.number
    )
    return case


def track_read(*, patrol: Patrol, by: Any, request: Any = None) -> list[TrackPoint]:
    """The points of a patrol's track for its worker or a supervisor in scope; a supervisor's every
    view is audited (a worker's track is his personal data)."""
    if not selectors.visible_patrols(by).filter(pk=patrol.pk).exists():
        raise Forbidden("无权查看该巡查轨迹", code="patrol.track_hidden")
    if patrol.worker_id != by.pk:
        audit_record(
            actor=by,
            action="reveal",
            subject=patrol,
            subject_label=f"{patrol.grid.name} {patrol.day:%Y-%m-%d} 巡查轨迹",
            field="track",
            reason="督导查看巡查轨迹",
            region_code=patrol.grid.code,
            request=request,
        )
    return list(TrackPoint.objects.filter(patrol=patrol).order_by("at"))


@dataclass
class CoarsenResult:
    patrols: int
    points_before: int
    points_after: int

    def as_dict(self) -> dict[str, int]:
        return {
            "patrols": self.patrols,
            "points_before": self.points_before,
            "points_after": self.points_after,
        }


def tracks_coarsen(
    *, now: dt.datetime | None = None, days: int | None = None, batch: int = 200
) -> CoarsenResult:
    """After the retention period, keep only a coarse outline of each ended patrol's track (one
    point per 5 minutes, ~100 m): the summary figures stay, the steps go. Safe to run twice."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=RETENTION_DAYS if days is None else days)
    result = CoarsenResult(0, 0, 0)
    ids = list(
        Patrol.objects.filter(status=PatrolStatus.DONE, coarsened=False, ended_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:batch]
    )
    for pk in ids:
        with transaction.atomic():
            pts = list(TrackPoint.objects.filter(patrol_id=pk, flagged=False).order_by("at"))
            coarse = track.coarsen([track.Point(p.at.timestamp(), p.lat, p.lon) for p in pts])
            before = TrackPoint.objects.filter(patrol_id=pk).count()
            TrackPoint.objects.filter(patrol_id=pk).delete()
            TrackPoint.objects.bulk_create(
                TrackPoint(patrol_id=pk, at=dt.datetime.fromtimestamp(c.t, tz=dt.UTC), lat=c.lat, lon=c.lon)
                for c in coarse
            )
            Patrol.objects.filter(pk=pk).update(coarsened=True)
        result.patrols += 1
        result.points_before += before
        result.points_after += len(coarse)
    return result


# --- teams ------------------------------------------------------------------------------------------


@transaction.atomic
def team_member_add(
    *,
    by: Any,
    grid: Region,
    post: str,
    staff: Staff | None = None,
    person: Person | None = None,
    name: str = "",
    unit: str = "",
    account: Any = None,
) -> TeamMember:
    if effective_role(by) not in TEAM_EDITORS:
        raise Forbidden("只有社区及以上工作人员可以调整网格团队", code="team.not_editor")
    if grid.level != Level.GRID or not region_in_scope(by, grid):
        raise invalid("grid", "网格不存在或不在本账号的范围内", "team.grid_unknown")
    if post not in TeamPost.values:
        raise invalid("post", "请选择岗位", "team.post_unknown")
    name = " ".join((name or "").split())
    if staff is None and person is None and not name:
        raise invalid("name", "请填写成员姓名，或从工作人员、居民中选择", "team.member_required")
    if (
        staff is not None
        and not staff.region.code.startswith(grid.code[:12])
        and not grid.code.startswith(staff.region.code)
    ):
        raise invalid("staff", "该工作人员不在本网格所在的社区或街道", "team.staff_elsewhere")
    return TeamMember.objects.create(
        grid=grid, post=post, staff=staff, person=person, name=name, unit=unit, account=account
    )


def _team_editor(by: Any, member: TeamMember) -> None:
    if effective_role(by) not in TEAM_EDITORS or not region_in_scope(by, member.grid):
        raise Forbidden("只有社区及以上工作人员可以调整网格团队", code="team.not_editor")


def _ended_on(member: TeamMember, on: Any) -> dt.date:
    day = on or timezone.localdate()
    if not isinstance(day, dt.date):
        raise invalid("until", "请填写离任日期", "team.until_invalid")
    if day < member.since:
        raise invalid("until", f"离任日期不能早于任职日期（{member.since:%Y-%m-%d}）", "team.until_invalid")
    return day


@transaction.atomic
def team_member_end(*, by: Any, member: TeamMember, on: dt.date | None = None) -> TeamMember:
    """End a membership on ``on`` (today by default): the row stays as history, never deleted. A
    single conditional UPDATE, so two people ending it at once end it once."""
    _team_editor(by, member)
    day = _ended_on(member, on)
    if not TeamMember.objects.filter(pk=member.pk, until__isnull=True).update(until=day):
        raise Conflict("member", "该成员已离任", code="team.already_ended")
    member.until = day
    audit_record(
        actor=by,
        action="update",
        field="until",
        subject=member,
        region_code=member.grid.code,
        detail={"until": day.isoformat()},
    )
    return member


@transaction.atomic
def team_member_change(*, by: Any, member: TeamMember, post: str, on: dt.date | None = None) -> TeamMember:
    """Change a member's post: the old membership ends on ``on`` and a new one in ``post`` begins
    that day (the history shows who held which post when)."""
    if post not in TeamPost.values:
        raise invalid("post", "请选择岗位", "team.post_unknown")
    if post == member.post:
        raise invalid("post", "岗位没有变化", "team.post_unchanged")
    ended = team_member_end(by=by, member=member, on=on)
    assert ended.until is not None
    return TeamMember.objects.create(
        grid=member.grid,
        post=post,
        staff=member.staff,
        person=member.person,
        name=member.name,
        unit=member.unit,
        account=member.account,
        since=ended.until,
    )


# --- duty catalogue and 准入 ----------------------------------------------------------------------


def _catalogue(region: Region) -> tuple[list[rules.Duty], list[rules.Forbidden]]:
    codes = [region.code[:n] for n in (2, 4, 6, 9, 12) if n <= len(region.code)]
    duties = [
        rules.Duty(d.pk, d.name, tuple(d.keywords or ()), d.kind == DutyKind.ASSISTING, d.funding)
        for d in Duty.objects.filter(region__code__in=codes, active=True).order_by("name")
    ]
    forbidden = [
        rules.Forbidden(e.name, tuple(e.keywords or ()), e.handled_by, e.basis)
        for e in ExcludedTask.objects.filter(kind="task")
    ]
    return duties, forbidden


def task_admission(
    *, region: Region, title: str, content: str = "", duty: Duty | None = None, funding: str = ""
) -> rules.Decision:
    """The 准入 decision for a task to the communities of ``region`` (nothing written)."""
    duties, forbidden = _catalogue(region)
    return rules.admit(f"{title} {content}", duty.pk if duty else None, funding, duties, forbidden)


def _next_number(now: dt.datetime) -> str:
    prefix = f"RW{timezone.localdate(now):%Y%m}"
    last = (
        GridTask.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{(int(last[-4:]) + 1) if last else 1:04d}"


def _clean_fields(fields: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for i, f in enumerate(fields):
        label = " ".join(str(f.get("label", "")).split())[:40]
        kind = f.get("type", "text")
        if not label:
            continue
        if kind not in ("yesno", "text", "number"):
            raise invalid("fields", f"第{i + 1}个填报项的类型应为 是否/文字/数字", "gridtask.field_invalid")
        out.append({"key": f"f{len(out) + 1}", "label": label, "type": kind})
    if not out:
        raise invalid("fields", "请至少写一个需要填报的项目", "gridtask.fields_required")
    return out


@transaction.atomic
def grid_task_create(
    *,
    by: Any,
    title: str,
    kind: str,
    region: Region,
    deadline: dt.date,
    fields: Sequence[dict[str, Any]],
    per: str = TaskPer.BUILDING,
    content: str = "",
    duty: Duty | None = None,
    funding: str = "",
    now: dt.datetime | None = None,
    synthetic: bool = False,
) -> GridTask:
    """A department or street sends a task to the grids of ``region`` (a street or community). It is
    read against the duty catalogue first: forbidden or unfunded assisting tasks are refused (nothing
    written); unlisted ones wait for the street's approval; the rest are issued to every building
    (or household) of the grids at once."""
    role = effective_role(by)
    if role not in TASK_SENDERS:
        raise Forbidden("只有职能部门和街道可以向网格派发任务", code="gridtask.not_sender")
    title = " ".join((title or "").split())[:100]
    if not title:
        raise invalid("title", "请填写任务名称", "gridtask.title_required")
    if kind not in TaskKind.values:
        raise invalid("kind", "任务类型应为核查、排查、宣传或采集", "gridtask.kind_unknown")
    if per not in TaskPer.values:
        raise invalid("per", "填报单位应为每栋楼或每户", "gridtask.kind_unknown")
    if region.level not in (Level.STREET, Level.COMMUNITY):
        raise invalid("region", "请选择下发到的街道或社区", "gridtask.region_invalid")
    if role != Role.DEPARTMENT_HANDLER and not region_in_scope(by, region):
        raise invalid("region", "下发范围不在本账号的范围内", "gridtask.region_invalid")
    if role == Role.DEPARTMENT_HANDLER and not region.code.startswith(by.region_code or "-"):
        raise invalid("region", "下发范围不在本部门的辖区内", "gridtask.region_invalid")
    now = now or timezone.now()
    if deadline < timezone.localdate(now):
        raise invalid("deadline", "截止日期不能早于今天", "gridtask.deadline_past")
    clean = _clean_fields(fields)
    decision = task_admission(region=region, title=title, content=content, duty=duty, funding=funding)
    if decision.outcome == rules.REFUSED:
        raise invalid(
            "title" if "负面清单" in decision.reason else "funding", decision.reason, "gridtask.refused"
        )
    issuer_region = by.region if by.region is not None else region
    task = GridTask.objects.create(
        number=_next_number(now),
        title=title,
        kind=kind,
        content=content,
        per=per,
        fields=clean,
        deadline=deadline,
        issuer_org=by.organisation if role == Role.DEPARTMENT_HANDLER else None,
        issuer_region=issuer_region,
        region=region,
        duty_id=decision.duty,
        funding=funding.strip(),
        status=TaskStatus.PENDING if decision.outcome == rules.TO_STREET else TaskStatus.ISSUED,
        decision=decision.outcome,
        reason=decision.reason,
        created_by=by,
        created_at=now,
        synthetic=synthetic,
    )
    if task.status == TaskStatus.ISSUED:
        _issue(task)
    return task


def _issue(task: GridTask) -> int:
    """One item per building (or household) in the grids of the task's region."""
    grids = {
        g.code: g.pk
        for g in Region.objects.current()
        .filter(level=Level.GRID)
        .filter(subtree_q(task.region.code))
        .only("pk", "code")
    }
    if task.per == TaskPer.HOUSEHOLD:
        rows = Household.objects.filter(
            subtree_q(task.region.code, "region__code"), building__isnull=False
        ).values_list("pk", "building_id", "region__code")
        items = [
            TaskItem(task=task, grid_id=grids[c], building_id=b, household_id=h)
            for h, b, c in rows
            if c in grids
        ]
    else:
        rows2 = Building.objects.filter(subtree_q(task.region.code, "region__code")).values_list(
            "pk", "region__code"
        )
        items = [TaskItem(task=task, grid_id=grids[c], building_id=b) for b, c in rows2 if c in grids]
    TaskItem.objects.bulk_create(items, batch_size=2000)
    return len(items)


@transaction.atomic
def grid_task_decide(*, task: GridTask, by: Any, approve: bool, note: str = "") -> GridTask:
    """The street approves (the task is issued) or refuses an unlisted task."""
    task = GridTask.objects.select_for_update().select_related("region").get(pk=task.pk)
    street = task.region if task.region.level == Level.STREET else task.region.parent
    role = effective_role(by)
    if (
        role not in (Role.STREET_COORDINATOR, Role.SYSTEM_ADMIN)
        or street is None
        or not region_in_scope(by, street)
    ):
        raise Forbidden("只有任务所在街道可以审核", code="gridtask.not_street")
    if task.status != TaskStatus.PENDING:
        raise invalid("task", "该任务不在待审核状态", "gridtask.not_pending")
    note = " ".join((note or "").split())[:200]
    if approve:
        task.status = TaskStatus.ISSUED
        task.reason = f"{task.reason}；街道已同意{('：' + note) if note else ''}"[:300]
        task.approved_by = by
        task.save()
        _issue(task)
    else:
        if not note:
            raise invalid("note", "不同意时请写明理由", "gridtask.note_required")
        task.status = TaskStatus.REFUSED
        task.reason = f"街道不同意：{note}"[:300]
        task.approved_by = by
        task.save()
    return task


@transaction.atomic
def task_item_complete(
    *, item: TaskItem, by: Any, answers: dict[str, Any], patrol: Patrol | None = None
) -> TaskItem:
    """A grid worker reports one building (household) of a task; once only (a second report is a
    conflict, decided by one conditional UPDATE)."""
    if item.task.status != TaskStatus.ISSUED or not region_in_scope(by, item.grid):
        raise Forbidden("该任务不在您的网格内", code="gridtask.not_yours")
    clean: dict[str, Any] = {}
    for f in item.task.fields:
        raw = answers.get(f["key"], "")
        raw = raw.strip() if isinstance(raw, str) else raw
        if raw in ("", None):
            raise invalid(f["key"], f"请填写“{f['label']}”", "gridtask.answer_required")
        if f["type"] == "number":
            try:
                clean[f["key"]] = str(Decimal(str(raw)))
            except InvalidOperation:
                raise invalid(f["key"], f"“{f['label']}”应为数字", "gridtask.answer_invalid") from None
        elif f["type"] == "yesno":
            if raw not in ("yes", "no"):
                raise invalid(f["key"], f"“{f['label']}”请选择是或否", "gridtask.answer_invalid")
            clean[f["key"]] = raw
        else:
            clean[f["key"]] = str(raw)[:200]
    now = timezone.now()
    updated = TaskItem.objects.filter(pk=item.pk, done_at__isnull=True).update(
        answers=clean, done_at=now, done_by=by
    )
    if not updated:
        raise Conflict("item", "这一项已有人填报", code="gridtask.already_done")
    if patrol is not None and patrol.status == PatrolStatus.ACTIVE and patrol.worker_id == by.pk:
        PatrolLog.objects.create(
            patrol=patrol,
            kind=LogKind.TASK,
            text=f"{item.task.title}：{item.building.name}",
            ref=item.task.number,
        )
    item.refresh_from_db()
    return item


# --- proofs ------------------------------------------------------------------------------------------


def proof_check(*, region: Region, text: str) -> Proof:
    """The listed proof a community may issue for ``text`` (the list is read first: a listed use, such
    as a residence proof for school, outranks the negative list's general entry); else refused — with
    the office that issues it when the negative list names one."""
    text = " ".join((text or "").split())
    if not text:
        raise invalid("text", "请填写要开具的证明", "proof.required")
    codes = [region.code[:n] for n in (2, 4, 6, 9, 12) if n <= len(region.code)]
    for p in Proof.objects.filter(region__code__in=codes):
        if any(w and w in text for w in (p.name, *(p.keywords or ()))):
            return p
    for e in ExcludedTask.objects.filter(kind="certificate"):
        if any(w and w in text for w in (e.name, *(e.keywords or ()))):
            raise invalid(
                "text",
                f"社区不出具“{text}”：应由{e.handled_by or '相关部门'}办理（依据：{e.basis}）",
                "proof.forbidden",
            )
    raise invalid(
        "text",
        f"“{text}”不在社区可出具的证明事项清单内：请向该事项的主管部门申请，或以本人书面承诺代替",
        "proof.unlisted",
    )


# --- staff side ----------------------------------------------------------------------------------


@transaction.atomic
def staff_grade_set(
    *, by: Any, staff: Staff, post: str, grade: Any, annual_pay: Any, synthetic: bool = False
) -> StaffGrade:
    if effective_role(by) not in (
        Role.DISTRICT_ADMIN,
        Role.STREET_COORDINATOR,
        Role.SYSTEM_ADMIN,
    ) or not region_in_scope(by, staff.region):
        raise Forbidden("岗位等级由街道或区级确定", code="grade.not_editor")
    try:
        g = int(grade)
    except (TypeError, ValueError):
        raise invalid("grade", "等级应为 1–18 的整数", "grade.invalid") from None
    try:
        rules.check_grade(post, g)
    except rules.RuleError as e:
        raise invalid(e.field, e.message, "grade.invalid") from None
    try:
        pay = Decimal(str(annual_pay))
    except InvalidOperation:
        raise invalid("annual_pay", "年度报酬应为金额", "grade.pay_invalid") from None
    if pay < 0:
        raise invalid("annual_pay", "年度报酬不能为负", "grade.pay_invalid")
    obj, _ = StaffGrade.objects.update_or_create(
        staff=staff, defaults={"post": post, "grade": g, "annual_pay": pay, "synthetic": synthetic}
    )
    if not synthetic:
        audit_record(
            actor=by,
            action="update",
            field="grade",
            subject=staff,
            region_code=staff.region.code,
            detail={"post": post, "grade": g, "annual_pay": str(pay)},
        )
    return obj


@transaction.atomic
def income_set(*, by: Any, region: Region, year: int, income: Any) -> IncomeBaseline:
    """The district enters last year's urban per-capita disposable income."""
    if effective_role(by) not in (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN) or not region_in_scope(by, region):
        raise Forbidden("城镇居民人均可支配收入由区级填报", code="income.not_district")
    try:
        value = Decimal(str(income))
    except InvalidOperation:
        raise invalid("income", "收入应为金额", "income.invalid") from None
    if value <= 0:
        raise invalid("income", "收入应大于 0", "income.invalid")
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not 2000 <= year < this_year:
        raise invalid(
            "year",
            f"年度应为 2000–{this_year - 1} 年（填报已公布的上年度及以前的数据）",
            "income.year_invalid",
        )
    obj, _ = IncomeBaseline.objects.update_or_create(region=region, year=year, defaults={"income": value})
    audit_record(
        actor=by,
        action="update",
        field="income",
        subject=obj,
        region_code=region.code,
        detail={"year": year, "income": str(value)},
    )
    return obj


@transaction.atomic
def candidate_add(
    *,
    by: Any,
    region: Region,
    name: str,
    birth_year: int,
    education: str = "",
    current_work: str = "",
    intended_post: str = "",
) -> Candidate:
    if effective_role(by) not in TEAM_EDITORS or not region_in_scope(by, region):
        raise Forbidden("只有社区及以上工作人员可以维护后备人才库", code="team.not_editor")
    if region.level != Level.COMMUNITY:
        raise invalid("region", "请选择后备人才所在的社区（村）", "candidate.region_invalid")
    name = " ".join((name or "").split())
    if not name:
        raise invalid("name", "请填写姓名", "team.member_required")
    this_year = timezone.localdate().year
    if not isinstance(birth_year, int) or not this_year - 70 <= birth_year <= this_year - 18:
        raise invalid(
            "birth_year",
            f"出生年份应在 {this_year - 70}–{this_year - 18} 年之间",
            "candidate.birth_year_invalid",
        )
    return Candidate.objects.create(
        region=region,
        name=name,
        birth_year=birth_year,
        education=" ".join((education or "").split())[:20],
        current_work=" ".join((current_work or "").split())[:100],
        intended_post=" ".join((intended_post or "").split())[:40],
    )


@transaction.atomic
def candidate_leave(
    *, by: Any, candidate: Candidate, status: str, outcome: str = "", on: dt.date | None = None
) -> Candidate:
    """A candidate leaves the pool: placed in a post (已任用, the post named) or withdrawn (已退出,
    with the reason). One conditional UPDATE: two people marking him at once mark him once."""
    if effective_role(by) not in TEAM_EDITORS or not region_in_scope(by, candidate.region):
        raise Forbidden("只有社区及以上工作人员可以维护后备人才库", code="team.not_editor")
    if status not in (CandidateStatus.PLACED, CandidateStatus.WITHDRAWN):
        raise invalid("status", "请选择“已任用”或“已退出”", "candidate.status_invalid")
    outcome = " ".join((outcome or "").split())
    if not outcome:
        what = "任用的岗位" if status == CandidateStatus.PLACED else "退出的原因"
        raise invalid("outcome", f"请填写{what}", "candidate.outcome_required")
    if len(outcome) > 100:
        raise invalid("outcome", "去向或原因请控制在 100 字以内", "candidate.outcome_required")
    day = on or timezone.localdate()
    if day < candidate.added_on:
        raise invalid(
            "on", f"出库日期不能早于入库日期（{candidate.added_on:%Y-%m-%d}）", "candidate.date_invalid"
        )
    done = Candidate.objects.filter(pk=candidate.pk, status=CandidateStatus.POOL).update(
        status=status, left_on=day, outcome=outcome
    )
    if not done:
        raise Conflict("status", "该人选已不在库中（已任用或已退出）", code="candidate.not_in_pool")
    candidate.status, candidate.left_on, candidate.outcome = status, day, outcome
    audit_record(
        actor=by,
        action="update",
        field="status",
        subject=candidate,
        region_code=candidate.region.code,
        detail={"status": status, "outcome": outcome, "on": day.isoformat()},
    )
    return candidate
