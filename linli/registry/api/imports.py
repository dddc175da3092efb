"""Imports in the registry's API: the runs in scope, one run's report, and a new import.

GET /imports/{int:run_id} is declared before POST /imports/{kind}: the first URL pattern wins.
"""

import datetime as dt
from typing import IO, Annotated, Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate
from pydantic import BeforeValidator

from linli.core.api import ERRORS, OneOf, Pagination, acting_user
from linli.core.models import ImportRun
from linli.core.scope import scoped
from linli.registry import services
from linli.registry.services import IMPORTERS

router = Router()

ERRORS_LISTED = 50  # errors a list of runs shows of each; a run's own page shows them all


class RowErrorOut(Schema):
    row: int
    column: str
    message: str
    value: str


def _first_errors(errors: list[Any]) -> list[Any]:
    return list(errors[:ERRORS_LISTED])


def _without_rows(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != "rows_listed"}


class ImportRunOut(Schema):
    id: int
    kind: str
    filename: str
    actor: str = Field(alias="actor.get_username")
    region_code: str
    dry_run: bool
    mode: str = Field(description="create 只新增 / update 新增并更新（按身份证号、户编号或楼栋编码）")
    status: str = Field(
        description="queued 排队中 / running 进行中 / checked 预检通过（未写入）/ done 已导入 / "
        "rejected 有错误，未导入 / failed 系统出错，未导入"
    )
    status_label: str = Field(alias="get_status_display")
    rows: int
    rows_done: int = Field(description="已处理行数（后台任务进行中时随之增加）")
    created: int
    changed: int = Field(description="变更条数（新增并更新方式）")
    confirmable: bool = Field(description="预检通过且文件仍保留：可 POST /imports/{id}/commit 确认导入")
    source_id: int | None = Field(description="这次导入确认的预检记录")
    errors_total: int
    error_rows: int
    errors: Annotated[list[RowErrorOut], BeforeValidator(_first_errors)] = Field(
        description="前 50 条错误（全部见 /api/imports/{id}）"
    )
    summary: Annotated[dict[str, Any], BeforeValidator(_without_rows)] = Field(
        description="counts：新增/变更/无变化/拒绝的行数（逐行结果见 /api/imports/{id}）"
    )
    started_at: dt.datetime
    seconds: float


class ImportRunDetailOut(ImportRunOut):
    errors: list[RowErrorOut] = Field(description="全部错误明细（最多 2000 条；errors_total 为总数）")
    summary: dict[str, Any] = Field(
        description="counts（新增/变更/无变化/拒绝的行数）与 rows_listed（逐行结果：row、outcome、key、label、"
        "changes [列, 原值, 新值]（个人信息脱敏）、reasons）"
    )


@router.get("/imports", response={200: list[ImportRunOut], **ERRORS}, summary="导入记录")
@paginate(Pagination)
def import_list(request: HttpRequest) -> QuerySet[ImportRun]:
    return scoped(ImportRun.objects.select_related("actor"), acting_user(request))


@router.get("/imports/{int:run_id}", response={200: ImportRunDetailOut, **ERRORS}, summary="导入记录详情")
def import_get(request: HttpRequest, run_id: int) -> ImportRun:
    return scoped(ImportRun.objects.select_related("actor"), acting_user(request)).get(pk=run_id)


@router.post(
    "/imports/{int:run_id}/commit",
    response={201: ImportRunDetailOut, **ERRORS},
    summary="确认导入（预检过的文件）",
    description="导入一次预检通过的文件（服务器保留一天），无需重新上传；只有上传者本人可以确认。"
    "预检已导入、有错误或文件已过期时为 422（import.not_confirmable）。行数超过 LINLI_IMPORT_BACKGROUND_ROWS "
    "时在后台进行：status 为 queued/running，轮询 GET /imports/{id}。",
)
def import_commit(request: HttpRequest, run_id: int) -> Status[ImportRun]:
    user = acting_user(request)
    run = scoped(ImportRun.objects.all(), user).get(pk=run_id, actor=user)
    return Status(201, services.import_commit(run=run, by=user))


@router.post(
    "/imports/{kind}",
    response={201: ImportRunDetailOut, **ERRORS},
    summary="导入人员/户/楼栋（.xlsx/.csv）",
    description="整批导入：任何一行被拒绝，一行也不写入（status=rejected），返回错误明细。"
    "dry_run 只检查不写入，返回记录 id 与逐行结果；确认时 POST /imports/{id}/commit。"
    "mode=update 按身份证号（户编号、楼栋编码）更新已登记的、新增其余的。"
    "行数超过 LINLI_IMPORT_BACKGROUND_ROWS 时在后台进行（status queued/running，轮询 GET /imports/{id}）。",
)
def import_create(
    request: HttpRequest,
    kind: Annotated[str, OneOf(list(IMPORTERS), blank=False, description="persons / households / buildings")],
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    mode: Form[str] = "create",
) -> Status[ImportRun]:
    user = acting_user(request)
    run = services.import_receive(
        kind=kind,
        mode=mode,
        upload=cast(IO[bytes], file.file),
        filename=file.name or "",
        by=user,
        dry_run=dry_run,
    )
    return Status(201, run)
