from __future__ import annotations

from django.core.exceptions import PermissionDenied

from linli.core.models import AuthedHttpRequest
from linli.core.roles import IMPORTERS, REGISTRY_READERS, REGISTRY_WRITERS


def require_reader(request: AuthedHttpRequest) -> None:
    u = request.user
    if not (u.is_superuser or u.role in REGISTRY_READERS):
        raise PermissionDenied("本账号不能查看基础数据")


def can_write(request: AuthedHttpRequest) -> bool:
    u = request.user
    return bool(u.is_superuser or u.role in REGISTRY_WRITERS)


def can_import(request: AuthedHttpRequest) -> bool:
    u = request.user
    return bool(u.is_superuser or u.role in IMPORTERS)


def is_htmx(request: AuthedHttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
