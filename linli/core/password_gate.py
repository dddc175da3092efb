"""An account whose password an administrator reset must choose its own before doing anything else.

``PasswordChangeRequiredMiddleware`` (after the authentication middleware) sends every page of such an
account to the password page (which says why), and answers its session's API requests with 403. Signing out and the
password page itself stay open. Requests with an API token are not signed in through the session and
are not concerned: a token is issued by its own account, never by a reset.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

PASSWORD_CHANGE_REQUIRED = "请先修改密码：本账号的密码已由管理员重置，修改后才能继续使用。"


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            open_paths = {reverse("account_password"), reverse("logout")}
            if request.path not in open_paths and not request.path.startswith("/static/"):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"code": "account.password_change_required", "detail": PASSWORD_CHANGE_REQUIRED},
                        status=403,
                    )
                return redirect("account_password")
        return self.get_response(request)
