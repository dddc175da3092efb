"""The client address of the request being served, for the audit log and the login lockout.

``RequestContextMiddleware`` puts the address of each request in a context variable, so that every
audit record written while serving it (``linli.core.services.audit_record``) carries it without each
caller passing the request along. Background tasks and management commands run outside a request and
record no address.

The address is ``REMOTE_ADDR``. ``X-Forwarded-For`` is believed only when the request comes from a
proxy listed in ``LINLI_TRUSTED_PROXIES`` (addresses or networks): the header is read from the right,
skipping those proxies, and the first other address is the client's. Without that setting a client
cannot choose the address written about it by sending the header itself.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from linli.core.logs import request_id_var

request_log = logging.getLogger("linli.request")
# A request id from the proxy (nginx's $request_id) is kept when it looks like one.
REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")

_client_ip: ContextVar[str | None] = ContextVar("linli_client_ip", default=None)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address of ``request`` (None when unknown). Also axes' ``AXES_CLIENT_IP_CALLABLE``."""
    if request is None:
        return None
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    trusted = _trusted(tuple(settings.LINLI_TRUSTED_PROXIES))
    if not trusted or not any(remote in net for net in trusted):
        return str(remote)
    hops = [_address(h) for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops):
        if hop is None:
            break  # a malformed entry: nothing to its left can be trusted
        if not any(hop in net for net in trusted):
            return str(hop)
    return str(remote)


def current_client_ip() -> str | None:
    """The client address of the request being served (None outside a request)."""
    return _client_ip.get()


class RequestContextMiddleware:
    """Keeps the client address and the request id of the request in context variables while it is
    served, answers with the id in ``X-Request-ID`` and logs the request as one line (method, path
    without the query string, status, milliseconds, account id — no personal data)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        token = _client_ip.set(client_ip(request))
        id_token = request_id_var.set(request_id)
        started = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            user = getattr(request, "user", None)
            request_log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path[:300],
                    "status": status,
                    "duration_ms": int((time.monotonic() - started) * 1000),
                    "user_id": getattr(user, "pk", None),
                },
            )
            request_id_var.reset(id_token)
            _client_ip.reset(token)
