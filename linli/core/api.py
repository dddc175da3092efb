"""The kernel's part of the JSON API: the account (/me), its API tokens and the audit log.

Also the pieces every router shares: the error schemas, the page-number pagination and
``acting_user``, the account a request acts as (whichever of token or session authenticated it).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import CoreSchema, core_schema

from linli.core.auth import api_token_issue, api_token_revoke, session_auth
from linli.core.errors import Conflict
from linli.core.models import ApiToken, AuditAction, AuditLog, User
from linli.core.paging import EXACT_COUNT_UP_TO, MAX_PAGE, list_count
from linli.core.roles import Role, effective_role
from linli.core.scope import scoped
from linli.core.services import EXPORT_PERMISSION, REVEAL_PERMISSION

router = Router(tags=["账号与审计"])


# --- shared by every router ---------------------------------------------------------------------


class ErrorOut(Schema):
    """An error: ``detail`` is a Chinese message fit to show to the user; ``code``, where given, is
    a stable machine code (``not_found``, ``input.invalid_character`` …) for programs to match."""

    detail: str
    code: str = Field(description="稳定的机器错误码，例如 not_found、forbidden、unauthenticated")


class ValidationErrorOut(Schema):
    """Bad input: ``errors`` maps each field (the input's key) to its Chinese messages."""

    detail: str
    code: str = Field(
        description="稳定的机器错误码：拒绝它的规则（例如 booking.closed），格式错误为 input.invalid"
    )
    errors: dict[str, list[str]]


class ConflictOut(Schema):
    """409: a uniqueness or capacity rule another write already holds (``linli.core.errors.Conflict``)."""

    code: str = Field(
        description="person.id_number_taken、booking.duplicate、booking.slot_full、need.duplicate、"
        "need.already_matched、resource.full、resource.duplicate、window.number_taken、window.item_taken …"
    )
    detail: str
    errors: dict[str, list[str]]


def conflict_response(exc: Conflict) -> Status[dict[str, Any]]:
    """The 409 answer of a Conflict: its stable code, its message, and the field it concerns."""
    return Status(409, {"code": exc.code, "detail": exc.detail, "errors": {exc.field: [exc.detail]}})


# The error responses every endpoint may give (documented in the OpenAPI document): 400 input no
# database can hold (NUL, lone surrogates, overlong query parameters; ``linli.core.middleware``),
# 401 not signed in, 403 not allowed, 404 absent or out of scope, 405 a path served with another method
# (GET /imports/{int:run_id} and POST /imports/{kind} overlap), 422 a field that fails its schema.
ERRORS: dict[int, Any] = {
    400: ValidationErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    405: ErrorOut,
    422: ValidationErrorOut,
}


def acting_user(request: HttpRequest) -> User:
    """The account the request acts as: set by whichever of token or session authenticated it."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class OneOf:
    """``Annotated[str, OneOf([...])]``: a string restricted to ``values`` (and "" unless ``blank=False``),
    listed as an enum in the OpenAPI document; anything else is a 422 naming the field."""

    values: Sequence[str]
    blank: bool = True
    description: str = ""

    @property
    def allowed(self) -> list[str]:
        return ([""] if self.blank else []) + list(self.values)

    def check(self, value: str) -> str:
        if value not in self.allowed:
            raise ValueError("应为 " + "、".join(v for v in self.allowed if v) + " 之一")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string", "enum": self.allowed}
        if self.description:
            out["description"] = self.description
        return out


class Pagination(PageNumberPagination):
    """Page-number pagination: ``page`` from 1 to MAX_PAGE, ``page_size`` up to 200 (more is a 422
    naming the field, not a silent cut); a page past the end is an empty list; a list of more than
    ``EXACT_COUNT_UP_TO`` rows is counted by the planner's estimate (see ``linli.core.paging``)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码，从 1 开始，最大 {MAX_PAGE}")
        page_size: int = Field(50, ge=1, le=200, description="每页条数，最多 200")

    class Output(Schema):
        items: list[Any]
        count: int = Field(
            description=f"条数；超过 {EXACT_COUNT_UP_TO} 条时可能是估算值（见 count_estimated）"
        )
        count_estimated: bool = Field(description="count 是否为估算值（大列表不逐条计数）")
        page: int
        page_size: int

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        size = pagination.page_size
        offset = (pagination.page - 1) * size
        count, estimated = list_count(queryset)
        return {
            "items": queryset[offset : offset + size],
            "count": count,
            "count_estimated": estimated,
            "page": pagination.page,
            "page_size": size,
        }


# An object's id in a path, a query or a body: a positive 64-bit integer (more would overflow the
# database's integer, a 500 rather than the 404 or 422 it deserves).
ObjectId = Annotated[int, Field(ge=1, le=2**63 - 1)]


# --- the account ---------------------------------------------------------------------------------


class PermissionsOut(Schema):
    reveal: bool = Field(description="可查看完整身份证号、电话（core.reveal_personal_data）")
    export: bool = Field(description="可导出个人信息（core.export_personal_data）")


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    region_code: str | None
    region_name: str | None
    organisation: str | None
    person_id: int | None
    permissions: PermissionsOut
    via: str = Field(description="本次请求的认证方式：token 或 session")


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前账号")
def me(request: HttpRequest) -> dict[str, Any]:
    user = acting_user(request)
    role = Role(effective_role(user))  # a superuser acts as system administrator whatever its role field
    return {
        "username": user.get_username(),
        "display_name": str(user),
        "role": role.value,
        "role_label": role.label,
        "region_code": user.region.code if user.region else None,
        "region_name": user.region.name if user.region else None,
        "organisation": user.organisation.name if user.organisation else None,
        "person_id": user.person_id,
        "permissions": {
            "reveal": user.has_perm(REVEAL_PERMISSION),
            "export": user.has_perm(EXPORT_PERMISSION),
        },
        "via": "token" if getattr(request, "api_token", None) is not None else "session",
    }


# --- API tokens ----------------------------------------------------------------------------------


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="用途，例如“民政局数据交换”")
    expires_in_days: int | None = Field(None, ge=1, le=3650, description="有效天数；不填为长期有效")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked: bool


class TokenIssuedOut(TokenOut):
    key: str = Field(description="令牌全文，只在签发时返回一次；请求时放在 Authorization: Bearer 之后")


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="本账号的接口令牌")
def token_list(request: HttpRequest) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=acting_user(request))


@router.post(
    "/tokens",
    response={201: TokenIssuedOut, **ERRORS},
    auth=[session_auth],
    summary="签发接口令牌（仅限登录会话）",
    description="令牌不能再签发令牌：泄露的令牌无法为自己续命。返回的 key 只出现这一次。",
)
def token_issue(request: HttpRequest, payload: TokenIn) -> Status[ApiToken]:
    expires = timezone.now() + dt.timedelta(days=payload.expires_in_days) if payload.expires_in_days else None
    token, key = api_token_issue(
        user=acting_user(request), name=payload.name, expires_at=expires, request=request
    )
    token.key = key  # type: ignore[attr-defined]  # shown this once, never stored
    return Status(201, token)


@router.post("/tokens/{int:token_id}/revoke", response={200: TokenOut, **ERRORS}, summary="吊销接口令牌")
def token_revoke(request: HttpRequest, token_id: int) -> ApiToken:
    user = acting_user(request)
    token = ApiToken.objects.get(pk=token_id, user=user)
    return api_token_revoke(token=token, by=user, request=request)


# --- the audit log -------------------------------------------------------------------------------


class AuditLogFilter(Schema):
    action: Annotated[str, OneOf(AuditAction.values, description="操作")] = ""
    actor: str = Field("", description="操作人账号（用户名）")
    date_from: dt.date | None = Field(None, alias="from", description="起始日期（含）")
    date_to: dt.date | None = Field(None, alias="to", description="截止日期（含）")
    subject_type: str = Field("", description="对象类型，例如 registry.person")


class AuditLogOut(Schema):
    id: int
    at: dt.datetime
    actor_name: str
    actor_role: str
    action: str
    action_label: str = Field(alias="get_action_display")
    subject_type: str
    subject_id: str
    subject_label: str
    field: str
    reason: str
    region_code: str
    row_count: int
    client_ip: str | None = Field(description="客户端地址（经可信代理时取 X-Forwarded-For 中的客户端）")
    detail: dict[str, Any]


@router.get(
    "/audit-log",
    response={200: list[AuditLogOut], **ERRORS},
    summary="审计日志",
    description="区/市管理员看本辖区的记录，系统管理员看全部，其他账号只看自己的操作记录。",
)
@paginate(Pagination)
def audit_log(request: HttpRequest, filters: Query[AuditLogFilter]) -> QuerySet[AuditLog]:
    qs = scoped(AuditLog.objects.all(), acting_user(request))
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.actor:
        qs = qs.filter(actor_name=filters.actor)
    if filters.subject_type:
        qs = qs.filter(subject_type=filters.subject_type)
    if filters.date_from:
        qs = qs.filter(at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(at__date__lte=filters.date_to)
    return qs.order_by("-at", "-id")
