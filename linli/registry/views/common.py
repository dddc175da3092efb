"""What every registry page shares: the role gates (``linli.core.roles``) and the htmx switch."""

from __future__ import annotations

from linli.core.models import AuthedHttpRequest
from linli.core.roles import IMPORTERS, REGISTRY_READERS, REGISTRY_WRITERS, effective_role, require_role


def require_reader(request: AuthedHttpRequest) -> None:
    require_role(request.user, REGISTRY_READERS, "本账号不能查看基础数据")


def require_writer(request: AuthedHttpRequest) -> None:
    require_reader(request)
    require_role(request.user, REGISTRY_WRITERS, "本账号不能修改基础数据")


def require_importer(request: AuthedHttpRequest) -> None:
    require_reader(request)
    require_role(request.user, IMPORTERS, "本账号不能导入基础数据")


def can_write(request: AuthedHttpRequest) -> bool:
    return effective_role(request.user) in REGISTRY_WRITERS


def can_import(request: AuthedHttpRequest) -> bool:
    return effective_role(request.user) in IMPORTERS


def is_htmx(request: AuthedHttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
