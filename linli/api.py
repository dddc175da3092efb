"""The JSON API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Every endpoint accepts a bearer token (``Authorization: Bearer ll_…``, for other systems) or the
signed-in session (pages; CSRF-checked on unsafe methods) — see ``linli.core.auth``. Errors are
JSON with a Chinese ``detail`` and a stable machine ``code`` (``linli.core.errors``) — clients match
the code, never the text:

- 400 input no database can hold, refused before the operation runs (``linli.core.middleware``): a
  NUL or a lone surrogate in a parameter, a form field or a JSON string, a query parameter over
  2000 characters, a body that is not JSON or over the upload limit —
  ``{"detail": "参数 q 含有不允许的字符", "code": "input.invalid_character", "errors": {"q": [...]}}``;
- 401 not signed in, or the token is unknown, revoked or expired (``code: unauthenticated``);
- 403 the account's role or permissions do not allow the action (``forbidden`` or a finer code);
- 404 no such object — or one outside the account's data scope (its existence is never revealed) —
  and any path no operation serves, a malformed id (``/api/persons/abc``) included:
  ``{"detail": …, "code": "not_found"}``;
- 405 a path served with another method (``code: method_not_allowed``, with ``Allow``);
- 409 where an operation documents it: a rule another write already holds (with its ``code``);
- 422 bad input: ``{"detail": …, "code": …, "errors": {field: [messages]}}`` naming each field; the
  code is the rule that refused it (``booking.closed``) or ``input.invalid`` for a malformed value; a page number
  outside 1…1000000 is one (``page``), a page past the end is an empty list;
- 500 never meant to happen: ``{"detail": …, "code": "server_error"}``, the error logged.

Every operation documents the codes it can answer (``linli.core.api.ERRORS``); the test suite runs
schemathesis over this document and holds every answer to its documented status and schema.
"""

from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import PathView

from linli.accounts.api import router as accounts_router
from linli.care.api import router as care_router
from linli.cases.api import router as cases_router
from linli.core.api import router as core_router
from linli.core.auth import API_AUTH
from linli.core.errors import INVALID, error_code
from linli.core.middleware import BadInput
from linli.core.tabular import TableError
from linli.deliberation.api import router as deliberation_router
from linli.emergency.api import router as emergency_router
from linli.error_codes import CODES, KERNEL, PATTERNS
from linli.facilities.api import router as facilities_router
from linli.indicators.api import router as indicators_router
from linli.lifecircle.api import router as lifecircle_router
from linli.regions.api import router as regions_router
from linli.registry.api import router as registry_router
from linli.services.api import router as services_router
from linli.volunteers.api import router as volunteers_router
from linli.workforce.api import router as workforce_router


def error_codes_section() -> str:
    """The 错误码 section of the API's description: every code, with its meaning."""
    rows = ["", "## 错误码", "", "| code | 含义 |", "|---|---|"]
    rows += [f"| `{code}` | {meaning} |" for code, meaning in {**KERNEL, **CODES, **PATTERNS}.items()]
    return "\n".join(rows) + "\n"


api = NinjaAPI(
    title="邻里 Linli API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    description=(__doc__ or "") + error_codes_section(),
)
api.add_router("/", core_router)
api.add_router("/regions", regions_router)
api.add_router("/", registry_router)
api.add_router("/facilities", facilities_router)
api.add_router("/indicators", indicators_router)
api.add_router("/lifecircle", lifecircle_router)
api.add_router("/cases", cases_router)
api.add_router("/services", services_router)
api.add_router("/deliberation", deliberation_router)
api.add_router("/workforce", workforce_router)
api.add_router("/volunteers", volunteers_router)
api.add_router("/care", care_router)
api.add_router("/accounts", accounts_router)
api.add_router("/emergency", emergency_router)

NOT_FOUND = "不存在，或不在本账号的数据范围内"
UNAUTHENTICATED = "未登录，或接口令牌无效、已吊销、已过期"

# pydantic error types → Chinese messages (the rest keep pydantic's own message).
_PYDANTIC_MESSAGES = {
    "missing": "必填",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "string_type": "应为文本",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体应为 JSON 对象",
}


def _pydantic_message(error: dict[str, Any]) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in _PYDANTIC_MESSAGES:
        return _PYDANTIC_MESSAGES[kind]
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "string_too_long":
        return f"最长 {ctx.get('max_length')} 个字"
    if kind == "string_too_short":
        return "必填" if ctx.get("min_length") == 1 else f"至少 {ctx.get('min_length')} 个字"
    message = str(error.get("msg", "不正确"))
    return message.removeprefix("Value error, ")


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str:
    """('body', 'payload', 'name') → 'name'; ('query', 'page_size') → 'page_size'; ('file', 'file') → 'file'."""
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] in ("body", "form") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def _unprocessable(request: HttpRequest, errors: dict[str, list[str]], code: str = INVALID) -> HttpResponse:
    first = next(((k, msgs[0]) for k, msgs in errors.items() if msgs), ("__all__", "输入不正确"))
    detail = first[1] if first[0] == "__all__" or "：" in first[1] else f"{first[0]}：{first[1]}"
    return api.create_response(request, {"detail": detail, "code": code, "errors": errors}, status=422)


@api.exception_handler(NinjaValidationError)
def _schema_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_of(error.get("loc", ())), []).append(_pydantic_message(error))
    return _unprocessable(request, errors)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    return _unprocessable(request, errors, error_code(exc))


@api.exception_handler(TableError)
def _unreadable_file(request: HttpRequest, exc: TableError) -> HttpResponse:
    return _unprocessable(request, {"file": [str(exc)]}, exc.code)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    body = {"detail": str(exc) or "本账号无权进行此操作", "code": error_code(exc)}
    return api.create_response(request, body, status=403)


@api.exception_handler(ObjectDoesNotExist)
def _missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    return api.create_response(request, {"detail": NOT_FOUND, "code": "not_found"}, status=404)


@api.exception_handler(Http404)
def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": NOT_FOUND, "code": "not_found"}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": UNAUTHENTICATED, "code": "unauthenticated"}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="linli"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # ninja: a body that is not JSON (or not UTF-8)
        message = "请求体无法解析，应为 UTF-8 编码的 JSON"
        body = {"detail": message, "code": "input.malformed", "errors": {"body": [message]}}
        return api.create_response(request, body, status=400)
    if exc.status_code == 422:
        return _unprocessable(request, {"__all__": [exc.message]})
    if "CSRF" in exc.message:
        body = {"detail": "CSRF 校验失败，请刷新页面后重试", "code": "csrf_failed"}
    else:
        body = {"detail": exc.message, "code": _HTTP_CODES.get(exc.status_code, "error")}
    return api.create_response(request, body, status=exc.status_code)


# Status → code for the few HttpErrors ninja raises itself (services raise coded errors instead).
_HTTP_CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict"}


# --- answers for requests no operation reached (wired in linli/urls.py) --------------------------

# Django's own refusals of a request it could not read → (code, Chinese message).
_UNREADABLE: list[tuple[type[Exception], str, str]] = [
    (RequestDataTooBig, "input.too_large", "请求体超过大小限制"),
    (TooManyFieldsSent, "input.too_many_fields", "参数过多"),
    (TooManyFilesSent, "input.too_many_fields", "上传的文件过多"),
    (MultiPartParserError, "input.malformed", "请求体无法解析"),
]


def input_error(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400 for ``/api/`` input refused before any operation ran (the root URLconf's handler400)."""
    if isinstance(exception, BadInput):
        field, code, message, detail = exception.field, exception.code, exception.message, exception.detail
    else:
        code, message = next(
            ((c, m) for kind, c, m in _UNREADABLE if isinstance(exception, kind)),
            ("bad_request", "请求无法处理"),
        )
        field, detail = "__all__", message
    return api.create_response(
        request, {"detail": detail, "code": code, "errors": {field: [message]}}, status=400
    )


@csrf_exempt  # it changes nothing; a signed-in POST to a wrong path gets this 404, not a CSRF page
def unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any ``/api/`` path no operation serves, a malformed id (``/api/persons/abc``) included: JSON 404.

    A GET or HEAD that only lacks its trailing slash is redirected, as Django's APPEND_SLASH would.
    """
    if request.method in ("GET", "HEAD") and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "unknown_path":
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return api.create_response(request, {"detail": NOT_FOUND, "code": "not_found"}, status=404)


def _method_not_allowed(self: PathView) -> HttpResponse:
    """A path served with another method: JSON like every answer of the API (ninja's own is plain text).

    Two paths can overlap (GET /imports/{int:run_id} and POST /imports/{kind}), so any operation may
    answer 405; ERRORS documents it."""
    methods = sorted({m for op in self.operations for m in op.methods})
    detail = f"此路径只支持 {'、'.join(methods)} 请求"
    response = api.create_response(
        HttpRequest(), {"detail": detail, "code": "method_not_allowed"}, status=405
    )
    response["Allow"] = ", ".join(methods)
    return response


PathView._not_allowed = _method_not_allowed  # type: ignore[method-assign]


def server_error(request: HttpRequest) -> HttpResponse:
    """500 for ``/api/``: JSON like every other answer of the API (the error itself is logged)."""
    return api.create_response(
        request, {"detail": "服务器出错，已记录错误，请稍后再试", "code": "server_error"}, status=500
    )
