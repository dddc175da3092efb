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


class ImportRunOut(Schema):
    id: int
    kind: str
    filename: str
    actor: str = Field(alias="actor.get_username")
    region_code: str
    dry_run: bool
    status: str = Field(description="done 已导入 / checked 预检通过（未写入）/ rejected 有错误，未导入")
    status_label: str = Field(alias="get_status_display")
    rows: int
    created: int
    errors_total: int
    error_rows: int
    errors: Annotated[list[RowErrorOut], BeforeValidator(_first_errors)] = Field(
        description="前 50 条错误（全部见 /api/imports/{id}）"
    )
    summary: dict[str, Any]
    started_at: dt.datetime
    seconds: float


class ImportRunDetailOut(ImportRunOut):
    errors: list[RowErrorOut] = Field(description="全部错误明细（最多 2000 条；errors_total 为总数）")


@router.get("/imports", response={200: list[ImportRunOut], **ERRORS}, summary="导入记录")
@paginate(Pagination)
def import_list(request: HttpRequest) -> QuerySet[ImportRun]:
    return scoped(ImportRun.objects.select_related("actor"), acting_user(request))


@router.get("/imports/{int:run_id}", response={200: ImportRunDetailOut, **ERRORS}, summary="导入记录详情")
def import_get(request: HttpRequest, run_id: int) -> ImportRun:
    return scoped(ImportRun.objects.select_related("actor"), acting_user(request)).get(pk=run_id)


@router.post(
    "/imports/{kind}",
    response={201: ImportRunOut, **ERRORS},
    summary="导入人员/户/楼栋（.xlsx/.csv）",
    description="整批导入：任何一行有错，一行也不写入（status=rejected），返回错误明细。dry_run 只检查不写入。",
)
def import_create(
    request: HttpRequest,
    kind: Annotated[str, OneOf(list(IMPORTERS), blank=False, description="persons / households / buildings")],
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
) -> Status[ImportRun]:
    user = acting_user(request)
    _, _, importer = IMPORTERS[kind]
    outcome = importer(raw=cast(IO[bytes], file.file), filename=file.name or "", by=user, dry_run=dry_run)
    return Status(201, outcome.run)
