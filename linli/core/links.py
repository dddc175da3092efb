"""Addresses that leave the system: printed on a PDF, put in a feed or a discovery document.

A page served on an internal host (a street office's LAN, a reverse proxy's backend name) must still
print the address the public reaches. ``LINLI_PUBLIC_URL`` (e.g. ``https://linli.example.gov.cn``) names
it; without it the requesting host is used.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def public_url(request: HttpRequest, path: str) -> str:
    """The absolute address of ``path`` (a site path such as ``reverse(...)``) as the public sees it."""
    base = settings.LINLI_PUBLIC_URL
    if base:
        return base.rstrip("/") + "/" + path.lstrip("/")
    return request.build_absolute_uri(path)
