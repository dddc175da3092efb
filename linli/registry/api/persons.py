"""Persons in the registry's API: list, export, detail, register, change, status, tags and reveal.

ID and phone numbers are always masked; the full value comes only from ``/reveal``, which writes the
audit record, and from an export with ``full=1``, which is audited like every export.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.api import ERRORS, ConflictOut, OneOf, Pagination, acting_user, conflict_response
from linli.core.auth import PERSONAL_DATA_AUTH
from linli.core.models import User
from linli.core.services import personal_reveal
from linli.core.tabular import csv_lines, xlsx_bytes
from linli.registry.api._common import ExportRunOut, Masked, Name, Out, RegionCode, Text, as_label
from linli.registry.models import (
    DisabilityCategory,
    Person,
    PersonStatus,
    PersonTag,
    Relation,
    ResidenceType,
    Sex,
    StatusEventKind,
    TagKind,
)
from linli.registry.selectors import TAG_FILTERS, PersonFilter, person_detail, person_list
from linli.registry.services import (
    IdNumberTaken,
    export_begin,
    person_birth_register,
    person_create,
    person_status_change,
    person_tag_add,
    person_tag_end,
    person_update,
)

router = Router()


class PersonTagOut(Out):
    id: int
    kind: str
    label: str
    disability_category: str
    disability_grade: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    note: str
    current: bool


class PersonOut(Out):
    id: int
    name: str
    id_number: Masked = Field(description="公民身份号码（脱敏）")
    phone: Masked = Field(description="联系电话（脱敏）")
    sex: str
    sex_label: str = Field(alias="get_sex_display")
    birth_date: dt.date
    age: int
    relation: str
    relation_label: str = Field(alias="get_relation_display")
    residence_type: str
    residence_type_label: str = Field(alias="get_residence_type_display")
    ethnicity: str
    status: str
    status_label: str = Field(alias="get_status_display")
    region_code: str = Field(alias="region.code")
    region_name: str = Field(alias="region.name")
    household_id: int | None
    household_code: str | None = Field(None, alias="household.code")
    tags: list[str] = Field(alias="tag_labels", description="当前有效的标签，含按年龄得出的老年人标签")
    note: str


class StatusEventOut(Out):
    kind: str = Field(description="moved_out 迁出 / moved_in 迁入 / deceased 死亡 / born 新生儿登记")
    kind_label: str = Field(alias="get_kind_display")
    on: dt.date = Field(description="变更日期")
    note: str
    created_at: dt.datetime = Field(description="登记时间")


class PersonDetailOut(PersonOut):
    household_address: str | None = Field(None, alias="household.label")
    tag_records: list[PersonTagOut] = Field(alias="tags", description="全部标签记录（含已结束的）")
    status_history: list[StatusEventOut] = Field(
        alias="status_events", description="状态变更历史（迁出、迁入、死亡、新生儿登记），新的在前"
    )
    created_at: dt.datetime
    updated_at: dt.datetime


_TAG_KEYS = [k for k, _ in TAG_FILTERS]


class PersonFilterIn(Schema):
    """The person list's filters: exactly the fields of ``linli.registry.selectors.PersonFilter``."""

    q: str = Field("", description="姓名包含；或完整身份证号、手机号精确查找")
    region: RegionCode = Field("", description="区划代码：该区划整个下辖范围")
    tag: Annotated[str, OneOf(_TAG_KEYS, description="标签（含 elderly_60/elderly_80 年龄标签）")] = ""
    residence_type: Annotated[str, OneOf(ResidenceType.values, description="居住类型")] = ""
    sex: Annotated[str, OneOf(Sex.values, description="性别 M/F")] = ""
    age_min: int | None = Field(None, ge=0, le=150, description="最小周岁（含）")
    age_max: int | None = Field(None, ge=0, le=150, description="最大周岁（含）")
    status: Annotated[str, OneOf(PersonStatus.values, description="状态，默认在册；空字符串为全部")] = (
        PersonStatus.ACTIVE.value
    )
    no_household: bool = Field(False, description="只看未入户的人员")

    def to_filter(self) -> PersonFilter:
        return PersonFilter(**self.dict())


def _current_tags() -> Prefetch:
    return Prefetch(
        "tags", queryset=PersonTag.objects.valid_on(timezone.localdate()).order_by("kind", "valid_from")
    )


@router.get(
    "/persons",
    response={200: list[PersonOut], **ERRORS},
    summary="人员列表",
    description="只含本账号数据范围内的人员；身份证号、电话脱敏。",
)
@paginate(Pagination)
def person_list_view(request: HttpRequest, filters: Query[PersonFilterIn]) -> QuerySet[Person]:
    return person_list(user=acting_user(request), filters=filters.to_filter()).prefetch_related(
        _current_tags()
    )


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(
    "/persons/export",
    response={202: ExportRunOut, **ERRORS},
    auth=PERSONAL_DATA_AUTH,
    summary="导出人员（CSV/Excel）",
    description=(
        "与人员列表相同的筛选条件；列与导入模板一致。默认脱敏，full=1 导出完整身份证号和电话"
        "（须有查看权限并填写事由）。每次导出都写入审计日志。"
        "不超过后台导出阈值（默认 3000 行）时直接返回文件；更多时返回 202 和后台导出任务，"
        "用 GET /api/exports/{id} 查看进度，完成后从 download 下载。"
        "以登录会话调用时须在请求头 X-CSRFToken 中带上页面的校验令牌（防止跨站触发导出）。"
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "文件（CSV 为带 BOM 的 UTF-8，流式输出）",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}} for t in EXPORT_TYPES.values()
                },
            }
        }
    },
)
def person_export(
    request: HttpRequest,
    filters: Query[PersonFilterIn],
    format: Annotated[str, OneOf(list(EXPORT_TYPES), blank=False, description="csv 或 xlsx")] = "csv",
    full: bool = False,
    reason: str = "",
) -> Any:
    plan = export_begin(
        by=acting_user(request),
        kind="persons",
        fmt=format,
        full=full,
        reason=reason,
        filters=filters.to_filter(),
    )
    if plan.run is not None:  # too many rows to write while the client waits: a run, as POST /exports
        plan.run.refresh_from_db()
        return Status(202, plan.run)
    assert plan.rows is not None
    filename = f"人员_{timezone.localdate():%Y%m%d}.{format}"
    response: HttpResponseBase
    if format == "xlsx":
        response = HttpResponse(
            xlsx_bytes(plan.header, plan.rows, sheet="人员"), content_type=EXPORT_TYPES["xlsx"]
        )
    else:
        response = StreamingHttpResponse(csv_lines(plan.header, plan.rows), content_type=EXPORT_TYPES["csv"])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


@router.get("/persons/{int:person_id}", response={200: PersonDetailOut, **ERRORS}, summary="人员详情")
def person_get(request: HttpRequest, person_id: int) -> Person:
    return person_detail(user=acting_user(request), pk=person_id)


class PersonIn(Schema):
    """A person as the import template has it (PERSON_COLUMNS); choices by Chinese label or by code."""

    name: Name = Field(description="姓名")
    id_number: str = Field("", description="公民身份号码，18 位；填写后性别、出生日期由号码得出")
    sex: str = Field("", description="男/女（或 M/F）；无身份证号时必填")
    birth_date: str = Field("", description="YYYY-MM-DD；无身份证号时必填")
    phone: str = Field("", description="11 位手机号或带区号的固定电话")
    household_code: str = Field("", description="已登记的户编号；填写后人员归入该户所在网格")
    relation: str = Field("", description="与户主关系：户主/配偶/子女…（或 head/spouse/child…）")
    residence_type: str = Field(
        "", description="户籍/常住/流动/人户分离（或 registered/resident/floating/separated）"
    )
    ethnicity: str = Field("", description="民族，默认汉族")
    region_code: str = Field("", description="无户编号时必填：15 位网格编码或 12 位社区/村代码")
    note: Text = Field("", description="备注")


class PersonPatch(Schema):
    """Fields to change; absent fields keep their value."""

    name: Name | None = None
    id_number: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    phone: str | None = None
    household_code: str | None = None
    relation: str | None = None
    residence_type: str | None = None
    ethnicity: str | None = None
    region_code: str | None = None
    note: Text | None = None


def _service_data(data: dict[str, Any]) -> dict[str, Any]:
    """Codes to the Chinese labels the registry's row cleaner reads."""
    for key, choices in (("sex", Sex), ("relation", Relation), ("residence_type", ResidenceType)):
        if key in data:
            data[key] = as_label(data[key], choices)
    return data


@router.post(
    "/persons",
    response={201: PersonDetailOut, 409: ConflictOut, **ERRORS},
    summary="登记人员",
    description="身份证号已登记（含同时提交的另一登记先完成）时为 409，code 为 person.id_number_taken。",
)
def person_create_view(request: HttpRequest, payload: PersonIn) -> Status[Any]:
    user = acting_user(request)
    try:
        person = person_create(by=user, data=_service_data(payload.dict()))
    except IdNumberTaken as exc:
        return conflict_response(exc)
    return Status(201, person_detail(user=user, pk=person.pk))


def _written(user: User, person_id: int, write: Callable[[], object]) -> Any:
    """Run a write of one person: the person as now stored, or the 409 of a registered ID number."""
    try:
        write()
    except IdNumberTaken as exc:
        return conflict_response(exc)
    return person_detail(user=user, pk=person_id)


@router.patch(
    "/persons/{int:person_id}",
    response={200: PersonDetailOut, 409: ConflictOut, **ERRORS},
    summary="修改人员信息",
    description="改成的身份证号已登记时为 409，code 为 person.id_number_taken。",
)
def person_update_view(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    user = acting_user(request)
    person = person_detail(user=user, pk=person_id)
    data = _service_data(payload.dict(exclude_unset=True))
    return _written(user, person_id, lambda: person_update(by=user, person=person, data=data))


class StatusIn(Schema):
    status: Annotated[
        str,
        OneOf(
            PersonStatus.values,
            blank=False,
            description="active 在册（迁入）/ moved_out 迁出 / deceased 死亡",
        ),
    ]
    on: dt.date | None = Field(None, description="变更日期，默认今天")
    note: Text = Field("", max_length=200)


STATUS_AS_CHANGE = {
    PersonStatus.ACTIVE: StatusEventKind.MOVED_IN,
    PersonStatus.MOVED_OUT: StatusEventKind.MOVED_OUT,
    PersonStatus.DECEASED: StatusEventKind.DECEASED,
}


@router.post(
    "/persons/{int:person_id}/status",
    response={200: PersonDetailOut, 409: ConflictOut, **ERRORS},
    summary="变更人员状态（旧接口，请改用 /status-changes）",
    description="与 POST /persons/{id}/status-changes 相同，按日期（默认今天）记入状态变更历史："
    "active 即迁入，moved_out 即迁出，deceased 即死亡；迁出和死亡同样结束标签、取消预约。"
    "迁入时身份证号已由他人登记则为 409（person.id_number_taken）。",
    deprecated=True,
)
def person_status_view(request: HttpRequest, person_id: int, payload: StatusIn) -> Any:
    user = acting_user(request)
    person = person_detail(user=user, pk=person_id)
    on = payload.on or timezone.localdate()
    kind = STATUS_AS_CHANGE[PersonStatus(payload.status)]
    return _written(
        user,
        person_id,
        lambda: person_status_change(by=user, person=person, kind=kind, on=on, note=payload.note),
    )


class StatusChangeIn(Schema):
    kind: Annotated[
        str,
        OneOf(
            [StatusEventKind.MOVED_OUT, StatusEventKind.MOVED_IN, StatusEventKind.DECEASED],
            blank=False,
            description="moved_out 迁出 / moved_in 迁入 / deceased 死亡",
        ),
    ]
    on: dt.date = Field(description="变更日期（不晚于今天）")
    note: Text = Field("", max_length=200)


@router.post(
    "/persons/{int:person_id}/status-changes",
    response={200: PersonDetailOut, 409: ConflictOut, **ERRORS},
    summary="登记迁出、迁入或死亡",
    description="按日期登记并保留历史；迁出和死亡在该日结束人员的标签并取消该日起的预约。"
    "迁入时身份证号已由他人登记则为 409（person.id_number_taken）。",
)
def person_status_change_view(request: HttpRequest, person_id: int, payload: StatusChangeIn) -> Any:
    user = acting_user(request)
    person = person_detail(user=user, pk=person_id)
    return _written(
        user,
        person_id,
        lambda: person_status_change(
            by=user, person=person, kind=payload.kind, on=payload.on, note=payload.note
        ),
    )


class BirthIn(PersonIn):
    """新生儿登记: the newborn as the import template has it, and a note kept on the event."""

    event_note: Text = Field("", max_length=200, description="登记说明（记入状态变更历史）")


@router.post(
    "/persons/births",
    response={201: PersonDetailOut, 409: ConflictOut, **ERRORS},
    summary="新生儿登记",
    description="登记新生儿并记入状态变更历史（新生儿登记，日期为出生日期）；与页面上的新生儿登记相同。"
    "出生日期晚于今天为 422（person.birth_date_invalid）；身份证号已登记为 409（person.id_number_taken）。",
)
def person_birth_view(request: HttpRequest, payload: BirthIn) -> Status[Any]:
    user = acting_user(request)
    data = payload.dict()
    note = data.pop("event_note")
    try:
        person = person_birth_register(by=user, data=_service_data(data), note=note)
    except IdNumberTaken as exc:
        return conflict_response(exc)
    return Status(201, person_detail(user=user, pk=person.pk))


class TagIn(Schema):
    kind: Annotated[str, OneOf(TagKind.values, blank=False, description="标签")]
    valid_from: dt.date | None = Field(None, description="起始日期，默认今天")
    valid_to: dt.date | None = None
    disability_category: Annotated[
        str, OneOf(DisabilityCategory.values, description="残疾类别（残疾标签必填）")
    ] = ""
    disability_grade: int | None = Field(None, ge=1, le=4, description="残疾等级 1–4")
    note: Text = Field("", max_length=200)


@router.post("/persons/{int:person_id}/tags", response={201: PersonTagOut, **ERRORS}, summary="添加人员标签")
def person_tag_add_view(request: HttpRequest, person_id: int, payload: TagIn) -> Status[PersonTag]:
    user = acting_user(request)
    person = person_detail(user=user, pk=person_id)
    tag = person_tag_add(
        by=user,
        person=person,
        kind=payload.kind,
        valid_from=payload.valid_from or timezone.localdate(),
        valid_to=payload.valid_to,
        disability_category=payload.disability_category,
        disability_grade=payload.disability_grade,
        note=payload.note,
    )
    return Status(201, tag)


class TagEndIn(Schema):
    valid_to: dt.date | None = Field(None, description="截止日期，默认今天")


@router.post(
    "/persons/{int:person_id}/tags/{int:tag_id}/end",
    response={200: PersonTagOut, **ERRORS},
    summary="结束人员标签",
)
def person_tag_end_view(request: HttpRequest, person_id: int, tag_id: int, payload: TagEndIn) -> PersonTag:
    user = acting_user(request)
    person = person_detail(user=user, pk=person_id)
    tag = PersonTag.objects.select_related("person__region").get(pk=tag_id, person=person)
    return person_tag_end(by=user, tag=tag, valid_to=payload.valid_to or timezone.localdate())


class RevealIn(Schema):
    field: Annotated[str, OneOf(["id_number", "phone"], blank=False, description="id_number 或 phone")]
    reason: str = Field("", max_length=500, description="查看事由（必填，至少 2 个字），写入审计日志")


class RevealOut(Schema):
    field: str
    value: str


@router.post(
    "/persons/{int:person_id}/reveal",
    response={200: RevealOut, **ERRORS},
    summary="查看完整身份证号或电话",
    description="须有 core.reveal_personal_data 权限并填写事由；每次查看写入审计日志（谁、何时、谁的、什么、为什么）。",
)
def person_reveal(
    request: HttpRequest, person_id: int, payload: RevealIn, response: HttpResponse
) -> dict[str, str]:
    user = acting_user(request)
    person = person_detail(user=user, pk=person_id)
    value = personal_reveal(
        actor=user, obj=person, field=payload.field, reason=payload.reason, request=request
    )
    response["Cache-Control"] = "no-store"
    return {"field": payload.field, "value": value}
