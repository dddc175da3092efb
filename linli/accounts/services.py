"""Writes of 账号管理: open an account for a staff member, change its role or scope, deactivate and
reactivate it (never delete), lift a login lockout, reset a password, create accounts from an Excel
list (all or nothing), and link a resident account to its registry person after a worker's check.

Every write checks the grant rules (``linli.accounts.engine``) here, whichever door it came through,
and is audited. An account outside the manager's reach reads as absent (``OutOfScope``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from linli.accounts.engine import regions_refusal
from linli.accounts.models import PersonLink, StaffAccount, StatusChange
from linli.accounts.selectors import (
    accounts_managed,
    is_manager,
    manager_code,
    person_links_to_check,
    staff_for_account,
)
from linli.core.errors import Forbidden, invalid
from linli.core.imports import ImportOutcome, Rollback, import_finish
from linli.core.models import AuditAction, User
from linli.core.personal import blind_lookup
from linli.core.roles import DEFAULT_EXPORT, DEFAULT_REVEAL, Role, effective_role
from linli.core.scope import OutOfScope
from linli.core.services import account_regions_set, audit_record, one_time_password
from linli.core.tabular import Column, ErrorReport, TableError, read_table
from linli.regions.models import Region
from linli.registry.models import Organisation, Person, Staff, StaffKind

USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")
STAFF_ROLE = {
    StaffKind.GRID_WORKER: Role.GRID_WORKER,
    StaffKind.COMMUNITY_WORKER: Role.COMMUNITY_WORKER,
    StaffKind.SOCIAL_WORKER: Role.COMMUNITY_WORKER,
}


@dataclass(frozen=True)
class Opened:
    """A new account and its one-time password (shown once, never stored in clear)."""

    user: User
    password: str


def _require_manager(by: User) -> None:
    if not is_manager(by):
        raise Forbidden("本账号不能开通或调整账号", code="accounts.not_a_manager")


def _check_grant(*, by: User, role: str, region: Region | None, more: Sequence[Region] = ()) -> None:
    refusal = regions_refusal(
        effective_role(by), manager_code(by), role, region.code if region else "", [r.code for r in more]
    )
    if refusal is not None:
        field, message, code = refusal
        raise invalid(field, message, code)


def _managed(by: User, user: User) -> User:
    found = accounts_managed(by).filter(pk=user.pk).first()
    if found is None:
        raise OutOfScope("账号不存在，或不在本账号的管理范围内")
    return found


def _check_organisation(by: User, organisation: Organisation | None) -> None:
    code = manager_code(by)
    if organisation is not None and code and not organisation.region.code.startswith(code):
        raise invalid("organisation", "所属单位不在本账号的管辖范围内", "accounts.organisation_out_of_scope")


def _grant_permissions(user: User) -> None:
    from django.contrib.auth.models import Permission  # auth's models load with the app registry

    codenames = []
    if user.role in DEFAULT_REVEAL:
        codenames.append("reveal_personal_data")
    if user.role in DEFAULT_EXPORT:
        codenames.append("export_personal_data")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="core", codename__in=codenames)
    )


def _label(user: User) -> str:
    return f"账号 {user.get_username()}"


def account_open_for_staff(
    *,
    by: User,
    staff: Staff,
    username: str,
    role: str,
    region: Region,
    organisation: Organisation | None = None,
    more_regions: Sequence[Region] = (),
) -> Opened:
    """Open an account for ``staff`` (of ``by``'s subtree, without an account yet) with a one-time
    password it must change at first sign-in. ``more_regions``: the other regions it covers, at the
    level of ``region`` (a grid worker's other grids)."""
    _require_manager(by)
    if staff_for_account(by=by, pk=staff.pk) is None:
        raise invalid("staff", "该工作人员不在本账号的管辖范围内，或已开通账号", "accounts.staff_unavailable")
    _check_grant(by=by, role=role, region=region, more=more_regions)
    _check_organisation(by, organisation)
    _check_staff_grids(staff, role, region, more_regions)
    username = username.strip()
    if not USERNAME.match(username):
        raise invalid("username", "账号名为 3–150 位字母、数字或 _ . @ + -", "accounts.username_invalid")
    password = one_time_password()
    try:
        with transaction.atomic():
            user = User(
                username=username,
                display_name=staff.name,
                role=role,
                region=region,
                organisation=organisation or staff.organisation,
                must_change_password=True,
            )
            user.set_password(password)
            user.save()
            _grant_permissions(user)
            more = account_regions_set(user=user, regions=list(more_regions))
            StaffAccount.objects.create(staff=staff, user=user, created_by=by)
            audit_record(
                actor=by,
                action=AuditAction.CREATE,
                subject=user,
                subject_label=_label(user),
                detail={"staff": staff.pk, "role": role, "region": region.code, "more_regions": more},
            )
    except IntegrityError:
        if User.objects.filter(username__iexact=username).exists():
            raise invalid("username", f"账号名“{username}”已被使用", "accounts.username_taken") from None
        raise invalid("staff", "该工作人员已开通账号", "accounts.staff_unavailable") from None
    return Opened(user, password)


def _check_staff_grids(staff: Staff | None, role: str, region: Region, more: Sequence[Region]) -> None:
    """A grid worker of the registry is bound only to grids the registry says they are responsible for."""
    if role != Role.GRID_WORKER or staff is None:
        return
    grids = {g.code for g in staff.grids.all()}
    if grids and region.code not in grids:
        raise invalid("region", "网格员账号须绑定到本人负责的网格", "accounts.grid_not_staffs")
    if grids and any(r.code not in grids for r in more):
        raise invalid("more_regions", "网格员账号须绑定到本人负责的网格", "accounts.grid_not_staffs")


def account_change(
    *,
    by: User,
    user: User,
    role: str,
    region: Region,
    organisation: Organisation | None = None,
    more_regions: Sequence[Region] | None = None,
) -> User:
    """Change an account's role, region, other regions (None keeps them, checked against the new role)
    or organisation within ``by``'s reach; audited with before and after."""
    _require_manager(by)
    user = _managed(by, user)
    if more_regions is None:
        more_regions = list(Region.objects.filter(pk__in=user.extra_regions.values("region_id")))
    _check_grant(by=by, role=role, region=region, more=more_regions)
    _check_organisation(by, organisation)
    staff_link = StaffAccount.objects.filter(user=user).select_related("staff").first()
    _check_staff_grids(staff_link.staff if staff_link else None, role, region, more_regions)
    before = {
        "role": user.role,
        "region": user.region_code,
        "more_regions": list(user.more_region_codes or []),
        "organisation": user.organisation_id,
    }
    with transaction.atomic():
        user.role, user.region, user.organisation = role, region, organisation
        user.save(update_fields=["role", "region", "organisation"])
        _grant_permissions(user)
        more = account_regions_set(user=user, regions=list(more_regions))
        after = {
            "role": role,
            "region": region.code,
            "more_regions": more,
            "organisation": organisation.pk if organisation else None,
        }
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            subject=user,
            subject_label=_label(user),
            field="role,region",
            detail={"before": before, "after": after},
        )
    return user


def account_deactivate(*, by: User, user: User, reason: str) -> User:
    """Deactivate an account (kept with its history; its sessions end at the next request)."""
    return _set_active(by=by, user=user, active=False, reason=reason)


def account_reactivate(*, by: User, user: User, reason: str) -> User:
    return _set_active(by=by, user=user, active=True, reason=reason)


def _set_active(*, by: User, user: User, active: bool, reason: str) -> User:
    _require_manager(by)
    user = _managed(by, user)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise invalid("reason", "请填写原因（至少 2 个字）", "accounts.reason_required")
    if user.is_active == active:
        raise invalid(
            "reason", "账号已是" + ("启用" if active else "停用") + "状态", "accounts.status_unchanged"
        )
    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk, is_active=not active).update(is_active=active)
        if not changed:
            raise invalid("reason", "账号状态刚被他人修改，请刷新后再试", "accounts.status_unchanged")
        user.is_active = active
        StatusChange.objects.create(user=user, active=active, reason=reason[:200], by=by)
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            subject=user,
            subject_label=_label(user),
            field="is_active",
            reason=reason[:500],
            detail={"active": active},
        )
    return user


def account_password_reset(*, by: User, user: User) -> str:
    """A one-time password for ``user`` (returned once), to change at the next sign-in; lifts a lockout."""
    _require_manager(by)
    user = _managed(by, user)
    password = one_time_password()
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        cleared = axes_reset(username=user.get_username())
        audit_record(
            actor=by,
            action=AuditAction.PASSWORD_RESET,
            subject=user,
            subject_label=_label(user),
            detail={"lockout_lifted": cleared > 0},
        )
    return password


def account_unlock(*, by: User, user: User) -> int:
    """Lift the login lockout of an account ``by`` manages; returns the failed attempts cleared."""
    _require_manager(by)
    user = _managed(by, user)
    with transaction.atomic():
        cleared = axes_reset(username=user.get_username())
        if cleared == 0:
            raise invalid("user", "该账号当前没有被锁定", "account.not_locked")
        audit_record(
            actor=by,
            action=AuditAction.UNLOCK,
            subject=user,
            subject_label=_label(user),
            detail={"attempts_cleared": cleared},
        )
    return cleared


# --- bulk creation from an Excel list ---------------------------------------------------------------

IMPORT_COLUMNS = [
    Column("username", "账号名", required=True, help="3–150 位字母、数字或 _ . @ + -", example="wanfu_wang"),
    Column("staff_name", "工作人员姓名", required=True, help="与工作人员名册一致", example="王小明"),
    Column(
        "staff_region", "工作人员所在社区编码", required=True, help="12 位社区/村编码", example="350504001001"
    ),
    Column("role", "角色", required=True, help="网格员、社区工作者、街道/乡镇协调员、居民", example="网格员"),
    Column(
        "region",
        "绑定区域编码",
        required=True,
        help="网格 15 位，社区 12 位，街道 9 位；负责几个网格时填几个编码，用顿号或逗号隔开",
        example="350504001001001、350504001001002",
    ),
]
CODE_SEPARATORS = re.compile(r"[\s,，、;；]+")
ROLE_BY_LABEL = {label: value for value, label in Role.choices}


@dataclass
class ImportResult:
    outcome: ImportOutcome
    opened: list[Opened]


def accounts_import(*, by: User, upload: IO[bytes], filename: str, dry_run: bool = False) -> ImportResult:
    """Open an account for each row (a staff member of the registry), all or nothing: one bad row and no
    account is made; the report names each bad row and column. One-time passwords come back once."""
    _require_manager(by)
    started, t0 = timezone.now(), time.perf_counter()
    report = ErrorReport.for_columns(IMPORT_COLUMNS)
    opened: list[Opened] = []
    rows = 0
    header = {c.key: c.header for c in IMPORT_COLUMNS}
    try:
        with transaction.atomic():
            seen: set[str] = set()
            for n, row in read_table(upload, IMPORT_COLUMNS, filename):
                rows += 1
                role = ROLE_BY_LABEL.get(row["role"], row["role"])
                if row["username"].lower() in seen:
                    report.add(n, header["username"], "账号名在文件中重复", row["username"])
                    continue
                seen.add(row["username"].lower())
                staff = Staff.objects.filter(
                    name=row["staff_name"], region__code=row["staff_region"], active=True
                ).first()
                if staff is None:
                    report.add(n, header["staff_name"], "名册中没有这位在岗工作人员", row["staff_name"])
                    continue
                codes = [c for c in CODE_SEPARATORS.split(row["region"]) if c]
                found = {r.code: r for r in Region.objects.current().filter(code__in=codes)}
                missing = [c for c in codes if c not in found]
                if missing or not codes:
                    report.add(n, header["region"], "没有这个区域编码", "、".join(missing) or row["region"])
                    continue
                try:
                    with transaction.atomic():
                        opened.append(
                            account_open_for_staff(
                                by=by,
                                staff=staff,
                                username=row["username"],
                                role=role,
                                region=found[codes[0]],
                                more_regions=[found[c] for c in codes[1:]],
                            )
                        )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        column = {
                            "staff": "staff_name",
                            "organisation": "region",
                            "more_regions": "region",
                        }.get(field, field)
                        for message in errors:
                            report.add(n, header.get(column, ""), message, row.get(column, ""))
            if report or dry_run:
                raise Rollback
    except Rollback:
        pass
    except TableError as exc:
        report.add(1, "", str(exc))
    if report or dry_run:
        opened = []
    outcome = import_finish(
        kind="accounts",
        label="账号",
        filename=filename,
        by=by,
        dry_run=dry_run,
        report=report,
        rows=rows,
        created=len(opened) if not dry_run else rows,
        by_region={},
        started=started,
        t0=t0,
    )
    return ImportResult(outcome, opened)


# --- residents: link to their registry person -------------------------------------------------------


def person_link_request(*, user: User, name: str, id_number: str) -> PersonLink:
    """A resident asks to be linked to their person record (name and ID number must match one person).
    The request waits for a community worker's check; the same answer whether or not a person matched
    would tell a stranger nothing, but a resident needs to know: a mismatch is said plainly."""
    if effective_role(user) != Role.RESIDENT:
        raise Forbidden("只有居民账号可以申请关联本人档案", code="accounts.resident_only")
    if user.person_id:
        raise invalid("id_number", "本账号已关联本人档案", "accounts.already_linked")
    id_number = (id_number or "").strip().upper()
    person = (
        Person.objects.filter(blind_lookup("id_number_index", id_number), name=(name or "").strip())
        .select_related("region")
        .first()
        if id_number
        else None
    )
    if person is None:
        raise invalid(
            "id_number",
            "姓名与身份证号对不上登记的档案，请核对后再试或到社区办理",
            "accounts.person_not_found",
        )
    community = Region.objects.filter(code=person.region.code[:12]).first() or person.region
    try:
        with transaction.atomic():
            link = PersonLink.objects.create(user=user, person=person, region=community)
            audit_record(
                actor=user, action=AuditAction.CREATE, subject=link, subject_label=f"关联申请 {_label(user)}"
            )
    except IntegrityError:
        raise invalid("id_number", "已有一份申请在等待社区核对", "accounts.link_pending") from None
    return link


def person_link_decide(*, by: User, link: PersonLink, confirm: bool, note: str = "") -> PersonLink:
    """A community worker confirms (after checking the resident's ID card) or declines a request."""
    if not person_links_to_check(by=by).filter(pk=link.pk).exists():
        raise OutOfScope("申请不存在，或不在本账号的范围内")
    if not confirm and len(note.strip()) < 2:
        raise invalid("note", "请写明未通过的原因", "accounts.reason_required")
    with transaction.atomic():
        status = PersonLink.Status.CONFIRMED if confirm else PersonLink.Status.DECLINED
        changed = PersonLink.objects.filter(pk=link.pk, status=PersonLink.Status.PENDING).update(
            status=status, decided_by=by, decided_at=timezone.now(), note=note.strip()[:200]
        )
        if not changed:
            raise invalid("note", "该申请已由他人处理", "accounts.link_decided")
        if confirm:
            User.objects.filter(pk=link.user_id).update(person=link.person, region=link.region)
        link.refresh_from_db()
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            subject=link,
            subject_label=f"关联 {_label(link.user)} 与本人档案",
            field="person",
            reason=note.strip()[:500],
            detail={"confirmed": confirm},
        )
    return link
