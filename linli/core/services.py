"""Writes of the kernel: audit records and revealing a full personal value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from linli.core.models import AuditAction, AuditLog, User
from linli.core.personal import SensitiveValue
from linli.core.scope import require_object_in_scope

if TYPE_CHECKING:
    from django.http import HttpRequest

REVEAL_PERMISSION = "core.reveal_personal_data"
EXPORT_PERMISSION = "core.export_personal_data"


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: User,
    action: str,
    subject: models.Model | None = None,
    subject_label: str = "",
    field: str = "",
    reason: str = "",
    region_code: str = "",
    row_count: int = 0,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit record."""
    if subject is not None and not region_code:
        region = getattr(subject, "region", None)
        region_code = getattr(region, "code", "") if region is not None else ""
    return AuditLog.objects.create(
        actor=actor,
        actor_name=actor.get_username(),
        actor_role=getattr(actor, "role", ""),
        action=action,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_label=subject_label or (str(subject) if subject is not None else ""),
        field=field,
        reason=reason,
        region_code=region_code,
        row_count=row_count,
        ip=client_ip(request),
        detail=detail or {},
    )


def personal_reveal(
    *, actor: User, obj: models.Model, field: str, reason: str, request: HttpRequest | None = None
) -> str:
    """Return the full value of ``obj.<field>`` and write the audit record (who, when, whose, what, why)."""
    if not actor.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied("本账号没有查看完整个人信息的权限")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": "请填写查看事由（至少 2 个字）"})
    require_object_in_scope(actor, obj)
    value = getattr(obj, field, None)
    if not isinstance(value, SensitiveValue):
        raise ValidationError({"field": f"字段 {field} 不是受保护的个人信息"})
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditAction.REVEAL, subject=obj, field=field, reason=reason, request=request
        )
    return value.reveal()
