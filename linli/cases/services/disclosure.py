"""What of a request staff may disclose: the reporter's full name or phone (audited), and the text the
public feed shows instead of the typed description."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from linli.cases import selectors
from linli.cases.engine import redact
from linli.cases.engine import workflow as wf
from linli.cases.models import PUBLIC_TEXT_ACTION, Case, CaseEvent
from linli.cases.services.validation import clean_text
from linli.cases.services.workflow import name_of, versioned_write
from linli.core.errors import Forbidden, invalid
from linli.core.models import AuditAction, User
from linli.core.services import audit_record


def reporter_reveal(*, case: Case, by: User, field: str, reason: str) -> str:
    """The reporter's full name or phone, for staff with the reveal permission, audited."""
    if field not in selectors.REVEAL_FIELDS:
        raise invalid("field", "只能查看反映人姓名或电话", "case.reveal_field_unknown")
    if case.anonymous:
        raise Forbidden("该诉求为匿名反映，不能查看反映人信息", code="case.reporter_anonymous")
    if not selectors.can_reveal(by, case, field):
        raise Forbidden("本账号没有查看反映人联系方式的权限", code="case.reveal_not_allowed")
    if len((reason or "").strip()) < 2:
        raise invalid("reason", "请填写查看事由（至少 2 个字）", "case.reveal_reason_required")
    with transaction.atomic():
        audit_record(
            actor=by,
            action=AuditAction.REVEAL,
            subject=case,
            field=field.removeprefix("reporter_"),
            reason=reason.strip(),
        )
    return getattr(case, field).reveal()  # type: ignore[no-any-return]


def case_public_text_edit(*, case: Case, text: str, by: User, version: int | None = None) -> Case:
    """修改公开内容: staff acting on the request rewrite what the public feed shows of it. The private
    description is kept as typed; the new text is masked like the automatic one (a phone number or a
    name slipped in stays hidden); the change is a (non-public) request event and an audit record."""
    if not (selectors.actor_roles(by, case) & {wf.DISPATCHER, wf.HANDLER}):
        raise Forbidden("只有协调或承办该诉求的工作人员可以修改公开内容", code="case.public_text_not_allowed")
    names = case.known_names + selectors.resident_names(case.reporter, case.reporter_person, "")
    public = redact.mask_text(clean_text(text, "text", "公开内容"), names)
    before = case.published_description
    now = timezone.now()
    event = CaseEvent(
        at=now,
        actor=by,
        actor_name=name_of(by),
        action=PUBLIC_TEXT_ACTION,
        note="修改公开显示的诉求内容",
        public=False,
    )
    with transaction.atomic():
        versioned_write(
            case,
            version=case.version if version is None else version,
            fields={"public_description": public, "updated_at": now},
            event=event,
        )
        audit_record(
            actor=by,
            action=AuditAction.UPDATE,
            subject=case,
            field="public_description",
            detail={"before": before, "after": public},
        )
    return case
