"""django-axes' two hooks into Linli: the lockout is audited, and the locked-out visitor reads why in Chinese.

``audit_lockout`` is connected to axes' ``user_locked_out`` in ``CoreConfig.ready``; axes sends that
signal when an account reaches the failure limit and again for each attempt refused during the lock.
Only the first is a new lockout (axes has then just counted the failures on the request), so only it is
written to the audit log. ``lockout_response`` is ``AXES_LOCKOUT_CALLABLE``: the page shown instead of
the login form while the lock lasts (HTTP 429). It says the same whether the account exists or not.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core.services import account_lockout_record


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"登录失败次数过多：连续 {settings.AXES_FAILURE_LIMIT} 次密码错误，"
        f"为保护账号安全，该账号已暂停登录 {minutes} 分钟。"
        "如需提前解除，请联系系统管理员。"
    )


def audit_lockout(
    sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return  # an attempt refused during the lock, not a new lockout
    account_lockout_record(username=username or "", request=request)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    return render(
        request,
        "core/locked_out.html",
        {"title": "账号已暂停登录", "message": lockout_message()},
        status=429,
    )
