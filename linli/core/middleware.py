"""Input no database can hold is refused at the door: a 400 naming the parameter, never a 500.

PostgreSQL cannot store U+0000 in text (the driver raises before the query runs), and no database
or codec takes a lone surrogate (U+D800–U+DFFF, which only JSON's ``\\ud800`` escapes can carry).
``BadInputMiddleware`` looks for either in the path, every query parameter, every form field and
every JSON string or key, before any view runs, and refuses the request with ``BadInput``. A query
parameter longer than ``MAX_PARAM_LENGTH`` characters is refused the same way: no search or filter
needs more, and SQLite refuses LIKE patterns over 50 000 bytes.

The answer comes from the root URLconf's ``handler400`` (``linli/urls.py``), which speaks each
door's error format: JSON with ``code`` and ``errors`` for ``/api/``, GeoReport's error list for
Open311, a plain Chinese page elsewhere. Django's own 400s (a body over the upload limit, too many
fields) reach the same handler.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, cast

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import Resolver404, get_resolver, get_urlconf, resolve

MAX_PARAM_LENGTH = 2000

# A JSON body needs a closer look only when it carries an escape for NUL or for a surrogate (or NUL
# bytes: UTF-16 and UTF-32, which json.loads reads too, are full of them).
_JSON_POISON = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_POISON = re.compile("[\x00\ud800-\udfff]")

BadRequestHandler = Callable[[HttpRequest, Exception], HttpResponse]  # handler400's signature


class BadInput(BadRequest):
    """Input refused before any view ran: ``field`` names the parameter, ``code`` is the stable machine code."""

    def __init__(self, *, field: str, message: str, code: str):
        super().__init__(f"参数 {field} {message}")
        self.field, self.message, self.code = field, message, code

    @property
    def detail(self) -> str:
        return str(self)


def shown(name: str) -> str:
    """A parameter name fit to echo back: poison replaced, at most 50 characters."""
    return _POISON.sub("\ufffd", name)[:50]


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(field, string) for every key and string in parsed JSON; nested fields joined with dots."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            field = f"{path}.{key}" if path else str(key)
            yield field, str(key)
            yield from _strings(item, field)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}.{i}" if path else str(i))


def _poisoned(field: str, value: str) -> BadInput | None:
    if _POISON.search(value):
        return BadInput(field=shown(field), message="含有不允许的字符", code="input.invalid_character")
    return None


def _check_params(data: QueryDict, *, cap: bool) -> BadInput | None:
    for name, values in data.lists():
        problem = _poisoned(name, name)
        for value in values:
            problem = problem or _poisoned(name, value)
            if problem is None and cap and len(value) > MAX_PARAM_LENGTH:
                problem = BadInput(
                    field=shown(name),
                    message=f"过长（最多 {MAX_PARAM_LENGTH} 个字符）",
                    code="input.too_long",
                )
        if problem is not None:
            return problem
    return None


def _check_path(request: HttpRequest) -> BadInput | None:
    if not _POISON.search(request.path_info):
        return None
    field = "path"  # named after the path parameter holding it, unless only a catch-all ("rest") matched
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    if match is not None:
        poisoned = (k for k, v in match.kwargs.items() if isinstance(v, str) and _POISON.search(v))
        field = next((k for k in poisoned if k != "rest"), field)
    return BadInput(field=shown(field), message="含有不允许的字符", code="input.invalid_character")


def _check_body(request: HttpRequest) -> BadInput | None:
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return None
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        return _check_params(request.POST, cap=False) if request.method == "POST" else None
    if content_type == "application/x-www-form-urlencoded":
        data = request.POST if request.method == "POST" else QueryDict(request.body)
        return _check_params(data, cap=False)
    body = request.body  # ninja reads any other body as JSON, in UTF-8, UTF-16 or UTF-32
    if b"\x00" not in body and not _JSON_POISON.search(body):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None  # not JSON: the view answers that itself
    for field, value in _strings(parsed, ""):
        problem = _poisoned(field or "body", value)
        if problem is not None:
            return problem
    return None


def find_bad_input(request: HttpRequest) -> BadInput | None:
    """The first parameter of ``request`` no database can hold, or None."""
    return _check_path(request) or _check_params(request.GET, cap=True) or _check_body(request)


class BadInputMiddleware:
    """Refuses NUL, lone surrogates and overlong query parameters with the root URLconf's ``handler400``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = find_bad_input(request)
        if problem is not None:
            handler = cast(BadRequestHandler, get_resolver(get_urlconf()).resolve_error_handler(400))
            return handler(request, problem)
        return self.get_response(request)
