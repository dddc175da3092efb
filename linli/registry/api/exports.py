"""Export runs in the registry's API: ask for an export (always a run, however small), follow its
progress, download its file — the same service and the same rows as the pages' exports.

Only the account that asked sees its run and its file; anyone else's answer is 404, as if absent.
"""

from typing import Annotated, Any

from django.http import FileResponse, HttpRequest
from django.utils.http import content_disposition_header
from ninja import Field, Router, Status

from linli.core.api import ERRORS, OneOf, acting_user
from linli.core.auth import PERSONAL_DATA_AUTH
from linli.core.jobs import CONTENT_TYPES, export_file_ready, export_run_for
from linli.core.models import ExportRun
from linli.registry.api._common import ExportRunOut
from linli.registry.api.persons import PersonFilterIn
from linli.registry.services import EXPORT_LABELS, export_begin

router = Router()


class ExportIn(PersonFilterIn):
    """An export as the list pages ask for it: the kind, the file format, and the list's filters
    (every person filter for persons; ``q`` and ``region`` for households and buildings)."""

    kind: Annotated[
        str, OneOf(list(EXPORT_LABELS), blank=False, description="persons / households / buildings")
    ]
    format: Annotated[str, OneOf(list(CONTENT_TYPES), blank=False, description="xlsx 或 csv")] = "xlsx"
    full: bool = Field(False, description="人员：导出完整身份证号和电话（须有查看权限并填写事由）")
    reason: str = Field("", max_length=500, description="full=true 时必填的事由")


@router.post(
    "/exports",
    response={202: ExportRunOut, **ERRORS},
    auth=PERSONAL_DATA_AUTH,
    summary="提交导出任务（人员/户/楼栋）",
    description=(
        "与列表相同的筛选条件，与页面导出同一服务：提交即写入审计日志（含条数），在后台生成文件。"
        "用 GET /api/exports/{id} 查看进度，status=done 后从 download 下载。"
    ),
)
def export_create(request: HttpRequest, payload: ExportIn) -> Status[ExportRun]:
    data: dict[str, Any] = payload.dict()
    kind, fmt, full, reason = data.pop("kind"), data.pop("format"), data.pop("full"), data.pop("reason")
    filters = data if kind == "persons" else {"q": data["q"], "region": data["region"]}
    plan = export_begin(
        by=acting_user(request),
        kind=kind,
        fmt=fmt,
        full=full,
        reason=reason,
        filters=filters,
        background=True,
    )
    assert plan.run is not None  # background=True always gives a run
    plan.run.refresh_from_db()
    return Status(202, plan.run)


@router.get("/exports/{int:run_id}", response={200: ExportRunOut, **ERRORS}, summary="导出任务进度")
def export_get(request: HttpRequest, run_id: int) -> ExportRun:
    return export_run_for(user=acting_user(request), pk=run_id)


@router.get(
    "/exports/{int:run_id}/file",
    url_name="registry_export_file",
    response=ERRORS,
    auth=PERSONAL_DATA_AUTH,
    summary="下载导出文件",
    description="只有提交者本人可下载；文件保留一天。未完成或已过期：404（code export.file_not_ready）。",
    openapi_extra={
        "responses": {
            200: {
                "description": "文件",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}} for t in CONTENT_TYPES.values()
                },
            }
        }
    },
)
def export_file(request: HttpRequest, run_id: int) -> Any:
    run = export_run_for(user=acting_user(request), pk=run_id)
    if not export_file_ready(run):
        return Status(
            404, {"detail": "文件尚未生成或已过期（保留一天），请重新导出", "code": "export.file_not_ready"}
        )
    fmt = run.filename.rsplit(".", 1)[-1]
    response = FileResponse(
        run.file.open("rb"), content_type=CONTENT_TYPES.get(fmt, "application/octet-stream")
    )
    response["Content-Disposition"] = content_disposition_header(True, run.filename)
    response["Cache-Control"] = "no-store"
    return response
