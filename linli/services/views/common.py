"""What the services pages share: the menu, the staff gate, the resident's own record and how a
refused write is shown (on its form, each message at the top of the page)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse

from linli.core.errors import Forbidden
from linli.core.forms import add_service_error
from linli.core.models import AuthedHttpRequest
from linli.core.roles import Role, effective_role
from linli.registry.models import Person
from linli.services import services
from linli.services.forms import error_messages

SERVICE_ABSENT = "服务不存在或不在本账号的数据范围内"


def nav(user: Any, role: str) -> list[tuple[str, str]]:
    if role == Role.RESIDENT:
        return [
            ("services:directory", "预约服务"),
            ("services:my_bookings", "我的预约"),
            ("services:window_mine", "办事"),
        ]
    if (
        role == Role.GRID_WORKER
    ):  # he records the needs found on his visits; the lists and window are the community's
        return [("services:needs", "需求与对接")]
    if role in services.STAFF_ROLES:
        return [
            ("services:manage", "服务清单"),
            ("services:needs", "需求与对接"),
            ("services:window", "一窗受理"),
        ]
    return []


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not services.is_staff(request.user):
            raise Forbidden("本页面供社区工作人员使用", code="services.staff_only")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def me(request: AuthedHttpRequest) -> Person:
    if effective_role(request.user) != Role.RESIDENT or request.user.person is None:
        raise Forbidden("本页面供已关联居民档案的居民使用", code="services.resident_only")
    return request.user.person


def refused(
    request: AuthedHttpRequest, form: forms.Form, exc: ValidationError | PermissionDenied | None = None
) -> None:
    """Show why a write was refused: the service's error (if any) goes onto ``form`` with its code,
    and every message of the form at the top of the page."""
    if exc is not None:
        add_service_error(form, exc)
    for message in error_messages(form):
        messages.error(request, message)


def form_write(
    request: AuthedHttpRequest, form: forms.Form, write: Callable[[], Any], done: Callable[[Any], str]
) -> tuple[bool, Any]:
    """Run ``write`` (one service call) when the posted ``form`` is valid: (True, what it returned) with
    the success message ``done(result)``; else (False, None) with the refusal on the form."""
    if not form.is_valid():
        refused(request, form)
        return False, None
    try:
        result = write()
    except (ValidationError, PermissionDenied) as exc:
        refused(request, form, exc)
        return False, None
    messages.success(request, done(result))
    return True, result
