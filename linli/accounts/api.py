"""账号管理 API (/api/accounts): the same services as the pages; an account outside the caller's
reach answers 404 like a missing one."""

from typing import Annotated

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.accounts import selectors, services
from linli.core.api import ERRORS, ObjectId, Pagination, acting_user
from linli.core.errors import invalid
from linli.core.models import User
from linli.core.paging import MappedRows
from linli.regions.models import Region
from linli.registry.models import Organisation

router = Router(tags=["账号管理"])


class AccountOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    region_code: str
    more_region_codes: list[str] = Field(
        description="本账号另负责的区域（与绑定区域同级，如网格员的其他网格）"
    )
    organisation_id: int | None
    is_active: bool
    must_change_password: bool


class AccountFilter(Schema):
    q: str = Field("", max_length=64, description="账号、姓名或区域名称")
    role: str = Field("", max_length=32)
    status: str = Field("", pattern="^(|active|inactive|must_change)$")


class AccountOpenIn(Schema):
    staff_id: ObjectId
    username: str = Field(..., min_length=3, max_length=150)
    role: str = Field(..., max_length=32)
    region_code: str = Field(..., min_length=2, max_length=15, pattern=r"^\d+$")
    more_region_codes: list[Annotated[str, Field(min_length=2, max_length=15, pattern=r"^\d+$")]] = Field(
        default_factory=list, max_length=20, description="另负责的区域编码（与绑定区域同级）"
    )
    organisation_id: ObjectId | None = None


class AccountChangeIn(Schema):
    role: str = Field(..., max_length=32)
    region_code: str = Field(..., min_length=2, max_length=15, pattern=r"^\d+$")
    more_region_codes: list[Annotated[str, Field(min_length=2, max_length=15, pattern=r"^\d+$")]] | None = (
        Field(None, max_length=20, description="另负责的区域编码；不传则保留原有的（按新角色重新检查）")
    )
    organisation_id: ObjectId | None = None


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class OpenedOut(Schema):
    account: AccountOut
    one_time_password: str


def _out(user: User) -> AccountOut:
    return AccountOut(
        id=user.pk,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        region_code=user.region_code,
        more_region_codes=list(user.more_region_codes or []),
        organisation_id=user.organisation_id,
        is_active=user.is_active,
        must_change_password=user.must_change_password,
    )


def _region(code: str) -> Region:
    region = Region.objects.current().filter(code=code).first()
    if region is None:
        raise invalid("region_code", "没有这个区域编码", "accounts.region_unknown")
    return region


def _regions(codes: list[str]) -> list[Region]:
    found = {r.code: r for r in Region.objects.current().filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise invalid(
            "more_region_codes", f"没有这个区域编码：{'、'.join(missing)}", "accounts.region_unknown"
        )
    return [found[c] for c in codes]


def _organisation(pk: int | None) -> Organisation | None:
    if pk is None:
        return None
    org = Organisation.objects.select_related("region").filter(pk=pk).first()
    if org is None:
        raise invalid("organisation_id", "没有这个单位", "accounts.organisation_out_of_scope")
    return org


def _managed(request: HttpRequest, pk: int) -> User:
    return get_object_or_404(selectors.accounts_managed(acting_user(request)), pk=pk)


@router.get("", response={200: list[AccountOut], **ERRORS}, summary="本账号管理的账号（分页）")
@paginate(Pagination)
def account_list(request: HttpRequest, filters: Query[AccountFilter]) -> MappedRows:
    qs = selectors.accounts_search(
        by=acting_user(request), q=filters.q, role=filters.role, status=filters.status
    )
    return MappedRows(qs, lambda users: [_out(u) for u in users])  # one page of accounts read, not all


@router.post(
    "", response={201: OpenedOut, **ERRORS}, summary="为名册中的工作人员开通账号（一次性密码只返回这一次）"
)
def account_open(request: HttpRequest, payload: AccountOpenIn) -> Status:
    by = acting_user(request)
    staff = selectors.staff_for_account(by=by, pk=payload.staff_id)
    if staff is None:
        raise invalid(
            "staff_id", "该工作人员不在本账号的管辖范围内，或已开通账号", "accounts.staff_unavailable"
        )
    opened = services.account_open_for_staff(
        by=by,
        staff=staff,
        username=payload.username,
        role=payload.role,
        region=_region(payload.region_code),
        more_regions=_regions(payload.more_region_codes),
        organisation=_organisation(payload.organisation_id),
    )
    return Status(201, OpenedOut(account=_out(opened.user), one_time_password=opened.password))


@router.get("/{pk}", response={200: AccountOut, **ERRORS}, summary="一个账号")
def account_get(request: HttpRequest, pk: ObjectId) -> AccountOut:
    return _out(_managed(request, pk))


@router.patch("/{pk}", response={200: AccountOut, **ERRORS}, summary="调整角色、区域和单位")
def account_change(request: HttpRequest, pk: ObjectId, payload: AccountChangeIn) -> AccountOut:
    user = services.account_change(
        by=acting_user(request),
        user=_managed(request, pk),
        role=payload.role,
        region=_region(payload.region_code),
        more_regions=None if payload.more_region_codes is None else _regions(payload.more_region_codes),
        organisation=_organisation(payload.organisation_id),
    )
    return _out(user)


@router.post("/{pk}/deactivate", response={200: AccountOut, **ERRORS}, summary="停用账号（保留，不删除）")
def account_deactivate(request: HttpRequest, pk: ObjectId, payload: ReasonIn) -> AccountOut:
    return _out(
        services.account_deactivate(
            by=acting_user(request), user=_managed(request, pk), reason=payload.reason
        )
    )


@router.post("/{pk}/reactivate", response={200: AccountOut, **ERRORS}, summary="重新启用账号")
def account_reactivate(request: HttpRequest, pk: ObjectId, payload: ReasonIn) -> AccountOut:
    return _out(
        services.account_reactivate(
            by=acting_user(request), user=_managed(request, pk), reason=payload.reason
        )
    )


class PasswordOut(Schema):
    one_time_password: str


@router.post(
    "/{pk}/reset-password",
    response={200: PasswordOut, **ERRORS},
    summary="重置密码（一次性密码只返回这一次）",
)
def account_reset(request: HttpRequest, pk: ObjectId) -> PasswordOut:
    return PasswordOut(
        one_time_password=services.account_password_reset(by=acting_user(request), user=_managed(request, pk))
    )


class UnlockOut(Schema):
    attempts_cleared: int


@router.post("/{pk}/unlock", response={200: UnlockOut, **ERRORS}, summary="解除登录锁定")
def account_unlock(request: HttpRequest, pk: ObjectId) -> UnlockOut:
    return UnlockOut(
        attempts_cleared=services.account_unlock(by=acting_user(request), user=_managed(request, pk))
    )
