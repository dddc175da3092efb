"""网格工作 API (/api/workforce): positions of the running patrol, the day's coverage, grid tasks (sent
through the 准入 check, items completed) and the workforce figures. Reads are scoped; writes go through
``linli.workforce.services`` — the same calls as the pages."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.api import ERRORS, ConflictOut, Pagination, acting_user, conflict_response
from linli.core.errors import Conflict, Forbidden, invalid
from linli.core.paging import MappedRows
from linli.core.roles import Role, effective_role
from linli.core.scope import region_in_scope
from linli.regions.models import Level, Region
from linli.workforce import selectors, services
from linli.workforce.models import Duty

router = Router(tags=["网格工作与社区工作者队伍"])


class PointIn(Schema):
    t: dt.datetime
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy: float | None = None


class PointsIn(Schema):
    points: list[PointIn] = Field(max_length=services.MAX_POINTS_PER_CALL)


class PointsOut(Schema):
    points: int
    flagged: int


@router.post(
    "/patrol/points",
    response={200: PointsOut, 409: ConflictOut, **ERRORS},
    summary="上传巡查位置（进行中的巡查）",
)
def patrol_points(request: HttpRequest, payload: PointsIn) -> Any:
    user = acting_user(request)
    active = selectors.active_patrol(user)
    if active is None:
        return conflict_response(Conflict("patrol", "没有正在进行的巡查", code="patrol.ended"))
    flagged = services.patrol_points_add(patrol=active, by=user, points=[p.dict() for p in payload.points])
    active.refresh_from_db()
    return {"points": active.points, "flagged": flagged}


class CoverageIn(Schema):
    region: str = Field("", max_length=15, description="区划编码（默认本账号所辖区域）")
    day: dt.date | None = Field(None, description="日期（默认今天）")
    gaps: bool = Field(False, description="只列当天未达到“一日两巡”的网格")


class CoverageOut(Schema):
    grid: str
    grid_name: str
    required: int
    done: int
    patrols: int
    minutes: float
    distance_m: float
    buildings: int
    missed: int


def _region(user: Any, code: str) -> Region:
    if not code:
        if user.region is not None:
            return user.region  # type: ignore[no-any-return]
        top = None
        if (
            effective_role(user) == Role.SYSTEM_ADMIN
        ):  # no region of its own: the top of the tree, as the pages
            top = Region.objects.current().defer("boundary").order_by("level", "code").first()
        if top is None:
            raise Http404("本账号没有所辖区域")
        return top
    found = Region.objects.current().filter(code=code).defer("boundary").first()
    if found is None or not region_in_scope(user, found):
        raise Http404("区划不存在或不在本账号的数据范围内")
    return found


def _coverage_out(r: selectors.GridDay) -> dict[str, Any]:
    return {
        "grid": r.grid.code,
        "grid_name": r.grid.name,
        "required": r.required,
        "done": r.done,
        "patrols": r.patrols,
        "minutes": r.minutes,
        "distance_m": r.distance_m,
        "buildings": r.buildings,
        "missed": r.missed,
    }


@router.get(
    "/coverage", response={200: list[CoverageOut], **ERRORS}, summary="巡查覆盖（每个网格一天，分页）"
)
@paginate(Pagination)
def coverage(request: HttpRequest, filters: Query[CoverageIn]) -> Any:
    user = acting_user(request)
    if effective_role(user) not in selectors.SUPERVISORS:
        raise Forbidden("本账号不能查看巡查覆盖")
    day = filters.day or timezone.localdate()
    grids = selectors.coverage_grids(user, _region(user, filters.region), day, gaps=filters.gaps)
    return MappedRows(grids, lambda gs: [_coverage_out(r) for r in selectors.coverage_of(gs, day)])


class FieldIn(Schema):
    label: str
    type: str = "text"


class TaskIn(Schema):
    title: str
    kind: str
    region: str
    deadline: dt.date
    fields: list[FieldIn]
    per: str = "building"
    content: str = ""
    duty_id: int | None = None
    funding: str = ""


class GridTaskOut(Schema):
    number: str
    status: str
    decision: str
    reason: str
    items: int


@router.post("/tasks", response={201: GridTaskOut, **ERRORS}, summary="派发网格任务（先经社区职责清单准入）")
def task_create(request: HttpRequest, payload: TaskIn) -> Any:
    user = acting_user(request)
    region = Region.objects.current().filter(code=payload.region).first()
    if region is None:
        raise invalid("region", "下发范围不存在", "gridtask.region_invalid")
    duty = Duty.objects.filter(pk=payload.duty_id).first() if payload.duty_id else None
    task = services.grid_task_create(
        by=user,
        title=payload.title,
        kind=payload.kind,
        region=region,
        deadline=payload.deadline,
        fields=[f.dict() for f in payload.fields],
        per=payload.per,
        content=payload.content,
        duty=duty,
        funding=payload.funding,
    )
    return Status(
        201,
        {
            "number": task.number,
            "status": task.status,
            "decision": task.decision,
            "reason": task.reason,
            "items": task.items.count(),
        },
    )


class AnswersIn(Schema):
    answers: dict[str, str]


@router.post(
    "/tasks/items/{int:item_id}",
    response={200: dict[str, Any], 409: ConflictOut, **ERRORS},
    summary="填报网格任务的一项",
)
def task_item(request: HttpRequest, item_id: int, payload: AnswersIn) -> Any:
    user = acting_user(request)
    item = selectors.my_open_items(user).filter(pk=item_id).first()
    if item is None:
        raise Http404("不存在、已填报或不在本账号的网格内")
    try:
        done = services.task_item_complete(item=item, by=user, answers=payload.answers)
    except Conflict as exc:
        return conflict_response(exc)
    return {"id": done.pk, "answers": done.answers}


class FigureOut(Schema):
    community: str
    name: str
    households: int
    residents: int
    workers: int
    certified: int
    per_300_households: float | None
    per_10k_residents: float | None
    grids: int
    grids_without_worker: int


def _figure_out(f: selectors.CommunityFigures) -> dict[str, Any]:
    return {
        "community": f.region.code,
        "name": f.region.name,
        "households": f.households,
        "residents": f.residents,
        "workers": f.workers,
        "certified": f.certified,
        "per_300_households": f.per_300_households,
        "per_10k_residents": f.per_10k_residents,
        "grids": f.grids,
        "grids_without_worker": f.grids_without_worker,
    }


@router.get("/figures", response={200: list[FigureOut], **ERRORS}, summary="社区工作者配备（每个社区，分页）")
@paginate(Pagination)
def figures(request: HttpRequest, region: str = "") -> Any:
    user = acting_user(request)
    if effective_role(user) not in selectors.SUPERVISORS:
        raise Forbidden("本账号不能查看队伍统计")
    communities = selectors.communities_of(_region(user, region))
    return MappedRows(communities, lambda cs: [_figure_out(f) for f in selectors.figures_of(cs)])


# --- entry of the workforce figures: grades, the income baseline, the 后备人才库 --------------------------


class GradeIn(Schema):
    post: str
    grade: int
    annual_pay: Decimal


class GradeOut(Schema):
    staff: int
    post: str
    grade: int
    annual_pay: Decimal


@router.put(
    "/staff/{int:staff_id}/grade",
    response={200: GradeOut, **ERRORS},
    summary="定岗定级（三岗十八级与年度报酬）",
)
def grade_set(request: HttpRequest, staff_id: int, payload: GradeIn) -> Any:
    user = acting_user(request)
    if user.region is None and effective_role(user) != Role.SYSTEM_ADMIN:
        raise Forbidden("岗位等级由街道或区级确定", code="grade.not_editor")
    root = user.region or Region.objects.current().filter(level=Level.DISTRICT).first()
    staff = selectors.graded_staff(root).filter(pk=staff_id).first() if root is not None else None
    if staff is None:
        raise Http404("工作人员不存在或不在本账号的数据范围内")
    g = services.staff_grade_set(
        by=user, staff=staff, post=payload.post, grade=payload.grade, annual_pay=payload.annual_pay
    )
    return {"staff": staff.pk, "post": g.post, "grade": g.grade, "annual_pay": g.annual_pay}


class IncomeIn(Schema):
    year: int
    income: Decimal
    region: str = ""


class IncomeOut(Schema):
    region: str
    year: int
    income: Decimal


@router.put("/income", response={200: IncomeOut, **ERRORS}, summary="填报上年度城镇居民人均可支配收入")
def income_set(request: HttpRequest, payload: IncomeIn) -> Any:
    user = acting_user(request)
    region = _region(user, payload.region)
    row = services.income_set(by=user, region=region, year=payload.year, income=payload.income)
    return {"region": region.code, "year": row.year, "income": row.income}


class CandidateIn(Schema):
    region: str
    name: str
    birth_year: int
    education: str = ""
    current_work: str = ""
    intended_post: str = ""


class CandidateOut(Schema):
    id: int
    region: str
    name: str
    birth_year: int
    education: str
    current_work: str
    intended_post: str
    status: str
    added_on: dt.date
    left_on: dt.date | None
    outcome: str


def _candidate_out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "region": c.region.code,
        "name": c.name,
        "birth_year": c.birth_year,
        "education": c.education,
        "current_work": c.current_work,
        "intended_post": c.intended_post,
        "status": c.status,
        "added_on": c.added_on,
        "left_on": c.left_on,
        "outcome": c.outcome,
    }


def _editor(user: Any) -> Region:
    if effective_role(user) not in services.TEAM_EDITORS:
        raise Forbidden("只有社区及以上工作人员可以维护后备人才库", code="team.not_editor")
    if user.region is not None:
        return _region(user, "")
    top = Region.objects.current().defer("boundary").order_by("level", "code").first()
    if top is None:
        raise Http404("还没有区划")
    return top


@router.get("/candidates", response={200: list[CandidateOut], **ERRORS}, summary="后备人才库")
def candidate_list(request: HttpRequest, status: str = "pool") -> Any:
    qs = selectors.candidates_under(_editor(acting_user(request)))
    if status != "all":
        qs = qs.filter(status=status)
    return [_candidate_out(c) for c in qs[:500]]


@router.post("/candidates", response={201: CandidateOut, **ERRORS}, summary="登记后备人选")
def candidate_add(request: HttpRequest, payload: CandidateIn) -> Any:
    user = acting_user(request)
    _editor(user)
    c = services.candidate_add(
        by=user,
        region=_region(user, payload.region),
        name=payload.name,
        birth_year=payload.birth_year,
        education=payload.education,
        current_work=payload.current_work,
        intended_post=payload.intended_post,
    )
    return Status(201, _candidate_out(c))


class LeaveIn(Schema):
    status: str
    outcome: str
    on: dt.date | None = None


@router.post(
    "/candidates/{int:candidate_id}/leave",
    response={200: CandidateOut, 409: ConflictOut, **ERRORS},
    summary="后备人选出库（已任用或已退出）",
)
def candidate_leave(request: HttpRequest, candidate_id: int, payload: LeaveIn) -> Any:
    user = acting_user(request)
    c = selectors.candidates_under(_editor(user)).filter(pk=candidate_id).first()
    if c is None:
        raise Http404("人选不存在或不在本账号的数据范围内")
    try:
        c = services.candidate_leave(
            by=user, candidate=c, status=payload.status, outcome=payload.outcome, on=payload.on
        )
    except Conflict as exc:
        return conflict_response(exc)
    return _candidate_out(c)
