"""The registry part of the JSON API: persons, households, buildings, organisations, staff, 四个不漏,
imports and exports.

Reads go through ``linli.registry.selectors`` (which apply ``linli.core.scope``), writes through
``linli.registry.services``. An object outside the account's scope is a 404, exactly as if it did
not exist; a write the account's role may not make is a 403. ID and phone numbers are always
masked (``str()`` of the ``SensitiveValue``); the full value comes only from ``/reveal``, which
writes the audit record, and from an export with ``full=1``, which is audited like every export.
"""

import datetime as dt
from typing import IO, Annotated, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate
from pydantic import AfterValidator

from linli.core.api import ERRORS, ConflictOut, OneOf, Pagination, acting_user, conflict_response
from linli.core.auth import PERSONAL_DATA_AUTH
from linli.core.engine.crypto import mask_id_number, mask_phone
from linli.core.engine.text import clean_name, clean_text
from linli.core.models import ImportRun, User
from linli.core.personal import SensitiveValue
from linli.core.roles import REGISTRY_READERS
from linli.core.scope import scoped
from linli.core.services import personal_reveal
from linli.core.tabular import csv_lines, xlsx_bytes
from linli.regions.api import RegionRef
from linli.regions.models import LEVEL_OF_LENGTH, Region
from linli.registry.models import (
    Building,
    BuildingKind,
    DisabilityCategory,
    Household,
    Organisation,
    OrganisationKind,
    Person,
    PersonStatus,
    PersonTag,
    Relation,
    ResidenceType,
    Sex,
    Staff,
    StaffKind,
    TagKind,
)
from linli.registry.selectors import (
    CHECKS,
    TAG_FILTERS,
    PersonFilter,
    audit_details,
    building_list,
    four_no_miss,
    household_list,
    organisation_list,
    person_detail,
    person_list,
    person_tags_display,
    staff_list,
)
from linli.registry.services import (
    IMPORTERS,
    PERSON_COLUMNS,
    IdNumberTaken,
    building_create,
    export_person_rows,
    export_record,
    household_create,
    person_create,
    person_set_status,
    person_tag_add,
    person_tag_end,
    person_update,
)

router = Router(tags=["基础数据"])


def _masked(value: SensitiveValue | None) -> str:
    return str(value) if value else ""


def _region_code(obj: Any) -> str:
    return obj.region.code  # type: ignore[no-any-return]


def _region_name(obj: Any) -> str:
    return obj.region.name  # type: ignore[no-any-return]


# Names and short texts as people type them: NFC, trimmed, no control, bidi or zero-width characters
# (``linli.core.engine.text``); anything else is a 422 naming the field.
Name = Annotated[str, AfterValidator(clean_name)]
Text = Annotated[str, AfterValidator(clean_text)]


def _region_filter(value: str) -> str:
    """A region filter: empty, or a code of some level (province 2 … grid 15 digits)."""
    code = value.strip()
    if code and not (code.isascii() and code.isdigit() and len(code) in LEVEL_OF_LENGTH):
        raise ValueError("应为区划代码（2、4、6、9、12 或 15 位数字）")
    return code


RegionCode = Annotated[str, AfterValidator(_region_filter)]


def _as_label(value: str | None, choices: Any) -> str | None:
    """Accept a choice's code ("M", "head", "registered", "building") where the services read its Chinese label."""
    if value and value in choices.values:
        return str(choices(value).label)
    return value


# --- persons -------------------------------------------------------------------------------------


class PersonTagOut(Schema):
    id: int
    kind: str
    label: str
    disability_category: str
    disability_grade: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    note: str
    current: bool

    @staticmethod
    def resolve_label(obj: PersonTag) -> str:
        return str(obj)

    @staticmethod
    def resolve_current(obj: PersonTag) -> bool:
        return obj.is_valid_on(timezone.localdate())


class PersonOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="公民身份号码（脱敏）")
    phone: str = Field(description="联系电话（脱敏）")
    sex: str
    sex_label: str
    birth_date: dt.date
    age: int
    relation: str
    relation_label: str
    residence_type: str
    residence_type_label: str
    ethnicity: str
    status: str
    status_label: str
    region_code: str
    region_name: str
    household_id: int | None
    household_code: str | None
    tags: list[str] = Field(description="当前有效的标签，含按年龄得出的老年人标签")
    note: str

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return _masked(obj.id_number)

    @staticmethod
    def resolve_phone(obj: Person) -> str:
        return _masked(obj.phone)

    @staticmethod
    def resolve_sex_label(obj: Person) -> str:
        return obj.get_sex_display()

    @staticmethod
    def resolve_relation_label(obj: Person) -> str:
        return obj.get_relation_display() if obj.relation else ""

    @staticmethod
    def resolve_residence_type_label(obj: Person) -> str:
        return obj.get_residence_type_display()

    @staticmethod
    def resolve_status_label(obj: Person) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_region_code(obj: Person) -> str:
        return _region_code(obj)

    @staticmethod
    def resolve_region_name(obj: Person) -> str:
        return _region_name(obj)

    @staticmethod
    def resolve_household_code(obj: Person) -> str | None:
        return obj.household.code if obj.household else None

    @staticmethod
    def resolve_tags(obj: Person) -> list[str]:
        return person_tags_display(obj)


class PersonDetailOut(PersonOut):
    household_address: str | None
    tag_records: list[PersonTagOut] = Field(description="全部标签记录（含已结束的）")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_household_address(obj: Person) -> str | None:
        return str(obj.household) if obj.household else None

    @staticmethod
    def resolve_tag_records(obj: Person) -> list[PersonTag]:
        return list(obj.tags.all())


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


def _audited_filters(f: PersonFilter) -> dict[str, Any]:
    """The filters as written to the audit log: an ID or phone number searched for is masked there too."""
    out = f.as_dict()
    q = str(out.get("q", "")).replace(" ", "")
    if len(q) == 18 and q[:17].isdigit():
        out["q"] = mask_id_number(q)
    elif q.isdigit() and len(q) in (11, 12):
        out["q"] = mask_phone(q)
    return out


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(
    "/persons/export",
    response=ERRORS,
    auth=PERSONAL_DATA_AUTH,
    summary="导出人员（CSV/Excel）",
    description=(
        "与人员列表相同的筛选条件；列与导入模板一致。默认脱敏，full=1 导出完整身份证号和电话"
        "（须有查看权限并填写事由）。每次导出都写入审计日志。"
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
) -> HttpResponseBase:
    user = acting_user(request)
    f = filters.to_filter()
    qs = person_list(user=user, filters=f)
    rows = qs.count()
    export_record(
        by=user,
        kind="persons",
        rows=rows,
        full=full,
        reason=reason,
        filters=_audited_filters(f),
        region_code=f.region or user.region_code,
    )
    header = [c.header for c in PERSON_COLUMNS]
    filename = f"人员_{timezone.localdate():%Y%m%d}.{format}"
    response: HttpResponseBase
    if format == "xlsx":
        data = xlsx_bytes(header, export_person_rows(qs.iterator(chunk_size=2000), full=full), sheet="人员")
        response = HttpResponse(data, content_type=EXPORT_TYPES["xlsx"])
    else:
        lines = csv_lines(header, export_person_rows(qs.iterator(chunk_size=2000), full=full))
        response = StreamingHttpResponse(lines, content_type=EXPORT_TYPES["csv"])
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
            data[key] = _as_label(data[key], choices)
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


@router.patch(
    "/persons/{int:person_id}",
    response={200: PersonDetailOut, 409: ConflictOut, **ERRORS},
    summary="修改人员信息",
    description="改成的身份证号已登记时为 409，code 为 person.id_number_taken。",
)
def person_update_view(request: HttpRequest, person_id: int, payload: PersonPatch) -> Any:
    user = acting_user(request)
    person = person_detail(user=user, pk=person_id)
    try:
        person_update(by=user, person=person, data=_service_data(payload.dict(exclude_unset=True)))
    except IdNumberTaken as exc:
        return conflict_response(exc)
    return person_detail(user=user, pk=person_id)


class StatusIn(Schema):
    status: Annotated[
        str,
        OneOf(PersonStatus.values, blank=False, description="active 在册 / moved_out 迁出 / deceased 死亡"),
    ]
    note: Text = Field("", max_length=200)


@router.post(
    "/persons/{int:person_id}/status",
    response={200: PersonDetailOut, 409: ConflictOut, **ERRORS},
    summary="变更人员状态",
    description="迁出的人员恢复在册时，其身份证号已由他人登记则为 409（person.id_number_taken）。",
)
def person_status_view(request: HttpRequest, person_id: int, payload: StatusIn) -> Any:
    user = acting_user(request)
    person = person_detail(user=user, pk=person_id)
    try:
        person_set_status(by=user, person=person, status=payload.status, note=payload.note)
    except IdNumberTaken as exc:
        return conflict_response(exc)
    return person_detail(user=user, pk=person_id)


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


# --- households and buildings --------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    name: str
    sex: str
    age: int
    relation: str
    relation_label: str
    id_number: str = Field(description="公民身份号码（脱敏）")
    phone: str = Field(description="联系电话（脱敏）")
    status: str

    @staticmethod
    def resolve_relation_label(obj: Person) -> str:
        return obj.get_relation_display() if obj.relation else ""

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return _masked(obj.id_number)

    @staticmethod
    def resolve_phone(obj: Person) -> str:
        return _masked(obj.phone)


class HouseholdOut(Schema):
    id: int
    code: str
    region_code: str
    region_name: str
    building_code: str | None
    building_name: str | None
    unit: str
    room: str
    address: str
    members_count: int = Field(description="在册人数")

    @staticmethod
    def resolve_region_code(obj: Household) -> str:
        return _region_code(obj)

    @staticmethod
    def resolve_region_name(obj: Household) -> str:
        return _region_name(obj)

    @staticmethod
    def resolve_building_code(obj: Household) -> str | None:
        return obj.building.code if obj.building else None

    @staticmethod
    def resolve_building_name(obj: Household) -> str | None:
        return obj.building.name if obj.building else None


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj: Household) -> list[Person]:
        return obj.member_list  # type: ignore[attr-defined,no-any-return]


class HouseholdFilter(Schema):
    q: str = Field("", description="户编号或地址包含")
    region: RegionCode = Field("", description="区划代码：该区划整个下辖范围")


@router.get("/households", response={200: list[HouseholdOut], **ERRORS}, summary="户列表")
@paginate(Pagination)
def household_list_view(request: HttpRequest, filters: Query[HouseholdFilter]) -> QuerySet[Household]:
    return household_list(user=acting_user(request), q=filters.q, region=filters.region)


def _household(user: User, pk: int) -> Household:
    hh = household_list(user=user).get(pk=pk)
    hh.member_list = list(  # type: ignore[attr-defined]
        scoped(Person.objects.filter(household=hh), user).order_by("id")
    )
    return hh


@router.get(
    "/households/{int:household_id}", response={200: HouseholdDetailOut, **ERRORS}, summary="户详情（含成员）"
)
def household_get(request: HttpRequest, household_id: int) -> Household:
    return _household(acting_user(request), household_id)


class HouseholdIn(Schema):
    code: str = Field(description="户编号，全局唯一")
    region_code: str = Field(description="15 位网格编码或 12 位社区/村代码")
    building_code: str = Field("", description="已登记的楼栋编码（本账号数据范围内、同一社区/村）")
    unit: Text = ""
    room: Text = ""
    address: Text = ""


@router.post("/households", response={201: HouseholdDetailOut, **ERRORS}, summary="登记户")
def household_create_view(request: HttpRequest, payload: HouseholdIn) -> Status[Household]:
    user = acting_user(request)
    hh = household_create(by=user, data=payload.dict())
    return Status(201, _household(user, hh.pk))


class BuildingOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    region_code: str
    region_name: str
    parent_code: str | None
    address: str
    lat: float | None
    lon: float | None
    floors: int | None
    households_count: int

    @staticmethod
    def resolve_kind_label(obj: Building) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_region_code(obj: Building) -> str:
        return _region_code(obj)

    @staticmethod
    def resolve_region_name(obj: Building) -> str:
        return _region_name(obj)

    @staticmethod
    def resolve_parent_code(obj: Building) -> str | None:
        return obj.parent.code if obj.parent else None


class BuildingFilter(Schema):
    q: str = Field("", description="编码、名称或地址包含")
    region: RegionCode = Field("", description="区划代码：该区划整个下辖范围")
    kind: Annotated[str, OneOf(BuildingKind.values, description="类型")] = ""


@router.get("/buildings", response={200: list[BuildingOut], **ERRORS}, summary="楼栋/小区/自然村列表")
@paginate(Pagination)
def building_list_view(request: HttpRequest, filters: Query[BuildingFilter]) -> QuerySet[Building]:
    return building_list(user=acting_user(request), q=filters.q, region=filters.region, kind=filters.kind)


@router.get("/buildings/{int:building_id}", response={200: BuildingOut, **ERRORS}, summary="楼栋详情")
def building_get(request: HttpRequest, building_id: int) -> Building:
    return building_list(user=acting_user(request)).get(pk=building_id)


class BuildingIn(Schema):
    code: str = Field(description="编码，全局唯一")
    name: Name = Field(description="名称")
    kind: str = Field(
        "", description="小区/楼栋/自然村/自建房（或 estate/building/natural_village/house），默认楼栋"
    )
    region_code: str = Field(description="15 位网格编码或 12 位社区/村代码")
    parent_code: str = Field("", description="所属小区/自然村的编码（本账号数据范围内）")
    address: Text = ""
    lat: float | None = Field(None, description="纬度（WGS-84）")
    lon: float | None = Field(None, description="经度（WGS-84）")
    floors: int | None = None


@router.post("/buildings", response={201: BuildingOut, **ERRORS}, summary="登记楼栋/小区/自然村")
def building_create_view(request: HttpRequest, payload: BuildingIn) -> Status[Building]:
    user = acting_user(request)
    data = {k: ("" if v is None else str(v)) for k, v in payload.dict().items()}
    data["kind"] = _as_label(data["kind"], BuildingKind) or ""
    b = building_create(by=user, data=data)
    return Status(201, building_list(user=user).get(pk=b.pk))


# --- organisations and staff ---------------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    credit_code: str
    region_code: str
    region_name: str
    address: str
    contact_name: str
    contact_phone: str = Field(description="办公电话")
    active: bool

    @staticmethod
    def resolve_kind_label(obj: Organisation) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_region_code(obj: Organisation) -> str:
        return _region_code(obj)

    @staticmethod
    def resolve_region_name(obj: Organisation) -> str:
        return _region_name(obj)


class OrganisationFilter(Schema):
    q: str = Field("", description="名称包含")
    kind: Annotated[str, OneOf(OrganisationKind.values, description="类型")] = ""


@router.get("/organisations", response={200: list[OrganisationOut], **ERRORS}, summary="组织列表")
@paginate(Pagination)
def organisation_list_view(
    request: HttpRequest, filters: Query[OrganisationFilter]
) -> QuerySet[Organisation]:
    return organisation_list(user=acting_user(request), q=filters.q, kind=filters.kind)


class StaffOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    post: str
    region_code: str
    region_name: str
    organisation: str | None
    grids: list[str] = Field(description="负责网格的编码")
    phone: str = Field(description="联系电话（脱敏）")
    certificate_level: str
    active: bool

    @staticmethod
    def resolve_kind_label(obj: Staff) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_region_code(obj: Staff) -> str:
        return _region_code(obj)

    @staticmethod
    def resolve_region_name(obj: Staff) -> str:
        return _region_name(obj)

    @staticmethod
    def resolve_organisation(obj: Staff) -> str | None:
        return obj.organisation.name if obj.organisation else None

    @staticmethod
    def resolve_grids(obj: Staff) -> list[str]:
        return [g.code for g in obj.grids.all()]

    @staticmethod
    def resolve_phone(obj: Staff) -> str:
        return _masked(obj.phone)


class StaffFilter(Schema):
    kind: Annotated[str, OneOf(StaffKind.values, description="类别")] = ""
    region: RegionCode = Field("", description="区划代码：该区划整个下辖范围")


@router.get("/staff", response={200: list[StaffOut], **ERRORS}, summary="工作人员列表")
@paginate(Pagination)
def staff_list_view(request: HttpRequest, filters: Query[StaffFilter]) -> QuerySet[Staff]:
    return staff_list(user=acting_user(request), kind=filters.kind, region=filters.region)


# --- 四个不漏 -----------------------------------------------------------------------------------------

CHECK_KEYS = [k for k, _ in CHECKS]


class CheckOut(Schema):
    key: str
    label: str


class FourNoMissRow(Schema):
    region: RegionRef
    counts: dict[str, int]
    total: int


class FourNoMissOut(Schema):
    region: RegionRef
    checks: list[CheckOut]
    rows: list[FourNoMissRow] = Field(description="每个下级区划一行")
    total: FourNoMissRow


def _audit_region(user: User, code: str) -> Region:
    if not (user.is_superuser or user.role in REGISTRY_READERS):
        raise PermissionDenied("本账号的角色不能查看四个不漏")
    code = code or user.region_code
    if not code:
        raise ValidationError({"region": ["请指定区域编码"]})
    return scoped(Region.objects.current(), user).get(code=code)


@router.get(
    "/audit/four-no-miss",
    response={200: FourNoMissOut, **ERRORS},
    summary="四个不漏：各下级区划的问题数",
    description="楼不漏户、户不漏人、居不漏格、格不漏楼和重复登记；只计本账号数据范围内的数据。",
)
def four_no_miss_view(request: HttpRequest, region: str = "") -> dict[str, Any]:
    user = acting_user(request)
    r = _audit_region(user, region)
    rows, total = four_no_miss(user=user, region=r)
    return {
        "region": r,
        "checks": [{"key": k, "label": label} for k, label in CHECKS],
        "rows": [{"region": row.region, "counts": row.counts, "total": row.total} for row in rows],
        "total": {"region": total.region, "counts": total.counts, "total": total.total},
    }


class AuditDetailOut(Schema):
    kind: str = Field(description="person / household / building")
    id: int
    name: str
    code: str
    id_number: str = Field(description="公民身份号码（脱敏；仅人员）")
    address: str
    region_code: str
    region_name: str

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return obj._meta.model_name  # type: ignore[no-any-return]

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj)

    @staticmethod
    def resolve_code(obj: Any) -> str:
        return getattr(obj, "code", "")

    @staticmethod
    def resolve_id_number(obj: Any) -> str:
        return _masked(obj.id_number) if isinstance(obj, Person) else ""

    @staticmethod
    def resolve_address(obj: Any) -> str:
        return getattr(obj, "address", "")

    @staticmethod
    def resolve_region_code(obj: Any) -> str:
        return _region_code(obj)

    @staticmethod
    def resolve_region_name(obj: Any) -> str:
        return _region_name(obj)


@router.get(
    "/audit/four-no-miss/{check}",
    response={200: list[AuditDetailOut], **ERRORS},
    summary="四个不漏：某项检查的明细",
)
@paginate(Pagination)
def four_no_miss_detail(
    request: HttpRequest,
    check: Annotated[str, OneOf(CHECK_KEYS, blank=False, description="检查项")],
    region: str = "",
) -> Any:
    user = acting_user(request)
    return audit_details(user=user, region=_audit_region(user, region), check=check)


# --- imports (GET /imports/{id} comes before POST /imports/{kind}: the first URL pattern wins) ---


class RowErrorOut(Schema):
    row: int
    column: str
    message: str
    value: str


class ImportRunOut(Schema):
    id: int
    kind: str
    filename: str
    actor: str
    region_code: str
    dry_run: bool
    status: str = Field(description="done 已导入 / checked 预检通过（未写入）/ rejected 有错误，未导入")
    status_label: str
    rows: int
    created: int
    errors_total: int
    error_rows: int
    errors: list[RowErrorOut] = Field(description="前 50 条错误（全部见 /api/imports/{id}）")
    summary: dict[str, Any]
    started_at: dt.datetime
    seconds: float

    @staticmethod
    def resolve_actor(obj: ImportRun) -> str:
        return obj.actor.get_username()

    @staticmethod
    def resolve_status_label(obj: ImportRun) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_errors(obj: ImportRun) -> list[dict[str, Any]]:
        return list(obj.errors[:50])


class ImportRunDetailOut(ImportRunOut):
    errors: list[RowErrorOut] = Field(description="全部错误明细（最多 2000 条；errors_total 为总数）")

    @staticmethod
    def resolve_errors(obj: ImportRun) -> list[dict[str, Any]]:
        return list(obj.errors)


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
