"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, requests and tokens.

Every resource answers in XML and JSON (``.xml`` / ``.json``); errors come in the standard list form
(``<errors><error><code/><description/></error></errors>`` or ``[{"code": …, "description": …}]``).
A service is a request category (``Category.code``); a ``service_request_id`` is the request's human
number. ``api_key`` on POST is a Linli API token (``ll_…``) of the system or account that reports.

The GET feed needs no key, so it carries no personal data (as FixMyStreet publishes): the published
text of a request (phone, ID numbers, names and room numbers masked, or the text staff set), the
address cut to the building, the position snapped to a cell of about 200 m, replies and notes masked
alike, and nothing of the reporter, anonymous or not. ``media_url`` is the http(s) link the reporting
system sent, if any; photos uploaded by residents are personal data and are never published here
(staff and the reporter see them through the request's scoped photo view).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from linli.cases import services
from linli.cases.engine import redact
from linli.cases.engine import workflow as wf
from linli.cases.models import Case, Category, Channel
from linli.core.auth import token_lookup
from linli.core.links import public_url
from linli.core.models import ApiToken, User
from linli.core.paging import MAX_PAGE
from linli.regions.models import Region

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+08:00"
MAX_SPAN = dt.timedelta(days=90)
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


# --- rendering -----------------------------------------------------------------------------------


def _xml_value(tag: str, value: Any, item_tags: dict[str, str]) -> str:
    if isinstance(value, list):
        child = item_tags.get(tag, tag.rstrip("s"))
        return f"<{tag}>" + "".join(_xml_value(child, v, item_tags) for v in value) + f"</{tag}>"
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_xml_value(k, v, item_tags) for k, v in value.items()) + f"</{tag}>"
    if value is None:
        return f"<{tag}></{tag}>"
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"


ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "notes": "note",
}


def render(fmt: str, root: str, payload: Any, status: int = 200) -> HttpResponse:
    """``payload`` is a list (rendered as ``<root><item>…``) or a dict (``<root>…``)."""
    if fmt == "json":
        body = json.dumps(payload, ensure_ascii=False)
    else:
        body = '<?xml version="1.0" encoding="UTF-8"?>' + _xml_value(root, payload, ITEM_TAGS)
    return HttpResponse(body.encode(), status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(
        fmt if fmt in CONTENT_TYPES else "xml",
        "errors",
        [{"code": status, "description": description}],
        status,
    )


def endpoint(fn: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, *args: Any, fmt: str = "xml", **kwargs: Any) -> HttpResponse:
        try:
            return fn(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description)

    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return csrf_exempt(wrapped)


def _param(request: HttpRequest, name: str, source: Any = None) -> str:
    """A parameter; sent empty counts as absent."""
    data = source if source is not None else request.GET
    return (data.get(name) or "").strip()


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value is not None else None


def _parse_datetime(name: str, value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(400, f"{name} must be an ISO 8601 datetime / {name} 应为 ISO 8601 时间") from exc
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _jurisdiction(request: HttpRequest, data: Any = None) -> None:
    j = _param(request, "jurisdiction_id", data)
    if (
        j
        and j not in ("350504", "linli", "quanzhou")
        and not Region.objects.current().filter(code=j).exists()
    ):
        raise Open311Error(404, f"unknown jurisdiction_id {j} / 未知的辖区")


# --- resources -----------------------------------------------------------------------------------


@endpoint
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET discovery: where the endpoint is and what it speaks."""
    base = public_url(request, reverse("open311:root"))
    payload = {
        "changeset": CHANGESET,
        "contact": "所在区县 12345 热线 / 社区居委会",
        "key_service": "API keys are Linli API tokens issued by the district administrator / 接口密钥由区县管理员签发",
        "endpoints": [
            {
                "specification": SPEC,
                "url": base.rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", payload)


def _service(c: Category) -> dict[str, Any]:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description,
        "metadata": bool(c.attributes),
        "type": "realtime",
        "keywords": ",".join(c.keywords.split()),
        "group": c.subject,
    }


@endpoint
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET services: the request categories."""
    _jurisdiction(request)
    rows = Category.objects.filter(active=True).order_by("subject", "kind")
    return render(fmt, "services", [_service(c) for c in rows])


@endpoint
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    """GET services/{service_code}: the extra fields a request of this service carries."""
    _jurisdiction(request)
    c = Category.objects.filter(code=code, active=True).first()
    if c is None:
        raise Open311Error(404, f"unknown service_code {code} / 未知的服务代码")
    attributes = []
    for i, a in enumerate(c.attributes or [], start=1):
        attributes.append(
            {
                "variable": bool(a.get("variable", True)),
                "code": a["code"],
                "datatype": a.get("datatype", "string"),
                "required": bool(a.get("required", False)),
                "datatype_description": a.get("datatype_description", ""),
                "order": a.get("order", i),
                "description": a.get("description", ""),
                "values": [{"key": v["key"], "name": v["name"]} for v in a.get("values", [])],
            }
        )
    return render(fmt, "service_definition", {"service_code": c.code, "attributes": attributes})


# api_key → (account, cached until, key expires at). POST is the hot path: one lookup per key a
# half-minute keeps intake at one statement (half the throughput without it, see bench/intake.py).
# The price: a revoked key, or a deactivated account, keeps working for up to KEY_CACHE_SECONDS.
KEY_CACHE_SECONDS = 30.0
_keys: dict[str, tuple[User, float, dt.datetime | None]] = {}


def _api_user(key: str) -> User:
    if not key:
        raise Open311Error(403, "api_key is required / 缺少 api_key")
    digest = ApiToken.hash_key(key)
    hit = _keys.get(digest)
    if hit is not None and hit[1] > time.monotonic() and (hit[2] is None or hit[2] > timezone.now()):
        return hit[0]
    token = token_lookup(key)
    if token is None:
        _keys.pop(digest, None)
        raise Open311Error(403, "invalid api_key / api_key 无效、已吊销或已过期")
    if len(_keys) > 10_000:
        _keys.clear()
    _keys[digest] = (token.user, time.monotonic() + KEY_CACHE_SECONDS, token.expires_at)
    return token.user


def _attributes(c: Category, data: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in c.attributes or []:
        code, dtype = a["code"], a.get("datatype", "string")
        if dtype == "multivaluelist":
            value: Any = [v for v in data.getlist(f"attribute[{code}][]") if v]
        else:
            value = (data.get(f"attribute[{code}]") or "").strip()
        if not value:
            if a.get("required"):
                raise Open311Error(
                    400, f"attribute[{code}] is required / 缺少必填项 {a.get('description', code)}"
                )
            continue
        keys = {v["key"] for v in a.get("values", [])}
        if dtype in ("singlevaluelist", "multivaluelist"):
            bad = [v for v in (value if isinstance(value, list) else [value]) if v not in keys]
            if bad:
                raise Open311Error(400, f"attribute[{code}] has an unknown value {bad[0]} / 取值无效")
        if dtype == "number":
            try:
                float(value)
            except ValueError as exc:
                raise Open311Error(400, f"attribute[{code}] must be a number / 应为数字") from exc
        out[code] = value
    return out


def _float(name: str, value: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise Open311Error(400, f"{name} must be a number / {name} 应为数字") from exc


def _post(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    user = _api_user(_param(request, "api_key", data))
    _jurisdiction(request, data)
    code = _param(request, "service_code", data)
    if not code:
        raise Open311Error(400, "service_code is required / 缺少 service_code")
    category = services.active_categories().get(code)
    if category is None:
        raise Open311Error(404, f"unknown service_code {code} / 未知的服务代码")
    lat, lon = _float("lat", _param(request, "lat", data)), _float("long", _param(request, "long", data))
    address, address_id = _param(request, "address_string", data), _param(request, "address_id", data)
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long must be sent together / lat 与 long 须同时提供")
    if lat is None and not address and not address_id:
        raise Open311Error(400, "a location is required: lat & long, address_string or address_id / 缺少位置")
    description = _param(request, "description", data)
    if len(description) > 4000:
        raise Open311Error(400, "description is longer than 4000 characters / 描述超过 4000 字")
    attrs = _attributes(category, data)
    name = (_param(request, "last_name", data) + _param(request, "first_name", data)).strip()
    try:
        case = services.case_create(
            by=user,
            category=category,
            description=description or category.name,
            channel=Channel.OPEN311,
            lat=lat,
            lon=lon,
            address=address,
            building_id=int(address_id) if address_id.isdigit() else None,
            reporter_name=name,
            reporter_phone=_param(request, "phone", data),
            anonymous=not name,
            attributes=attrs,
            media_url=_param(request, "media_url", data),
            open311_token=True,
        )
    except ValidationError as exc:
        messages = (
            [
                m if field == "__all__" or m.startswith(field) else f"{field}: {m}"
                for field, ms in exc.message_dict.items()
                for m in ms
            ]
            if hasattr(exc, "error_dict")
            else exc.messages
        )
        raise Open311Error(400, "；".join(messages)) from exc
    except PermissionDenied as exc:
        raise Open311Error(403, str(exc)) from exc
    notice = f"已受理，办结期限 {timezone.localtime(case.resolve_due):%Y-%m-%d %H:%M}（{category.time_limit.name}）"
    return render(
        fmt,
        "service_requests",
        [{"service_request_id": case.number, "service_notice": notice, "account_id": None}],
    )


def _media_url(c: Case) -> str | None:
    """The reporting system's own link, checked again (rows stored before links were checked)."""
    try:
        return services.clean_media_url(str(c.attributes.get("media_url") or "")) or None
    except ValidationError:
        return None


def _public_value(value: Any, names: list[str]) -> Any:
    if isinstance(value, str):
        return redact.mask_text(value, names)
    if isinstance(value, list):
        return [_public_value(v, names) for v in value]
    return value


def _request_row(c: Case, extensions: bool) -> dict[str, Any]:
    """One request as the public may see it (see the module docstring)."""
    names = c.known_names
    status = "open" if c.status in wf.OPEN_STATES else "closed"
    notes = c.reply if c.replied_at else wf.STATE_LABELS.get(c.status, "")
    if c.status == wf.MERGED and c.merged_into_id and c.merged_into is not None:
        notes = f"已并入 {c.merged_into.number}" + (f"：{c.reply}" if c.reply else "")
    point = c.published_point
    row: dict[str, Any] = {
        "service_request_id": c.number,
        "status": status,
        "status_notes": redact.mask_text(notes, names),
        "service_name": c.category.name,
        "service_code": c.category.code,
        "description": c.published_description,
        "agency_responsible": c.handler_label,
        "service_notice": c.category.time_limit.name,
        "requested_datetime": _iso(c.received_at),
        "updated_datetime": _iso(c.updated_at),
        "expected_datetime": _iso(c.resolve_due),
        "address": c.published_address or c.region.name,
        "address_id": None,
        "zipcode": None,
        "lat": point[0] if point else None,
        "long": point[1] if point else None,
        "media_url": _media_url(c),
    }
    if extensions:
        row["attributes"] = {k: _public_value(v, names) for k, v in c.attributes.items() if k != "media_url"}
        row["notes"] = [
            {
                "datetime": _iso(e.at),
                "description": redact.mask_text(e.note, names) if e.note else e.action_label,
                "type": e.action_label,
            }
            for e in c.events.all()
            if e.public and e.action in wf.PUBLIC_ACTIONS
        ]
    return row


def _requests_qs() -> QuerySet[Case]:
    """Requests of public categories only: those about a person's own circumstances (社会救助, 养老 …)
    are never listed, whoever asks."""
    return Case.objects.filter(category__public=True).select_related(
        "category__time_limit", "region", "coordinator", "handler_region", "handler_org", "merged_into"
    )


def _get(request: HttpRequest, fmt: str) -> HttpResponse:
    _jurisdiction(request)
    qs = _requests_qs()
    ids = _param(request, "service_request_id")
    if ids:
        qs = qs.filter(number__in=[i.strip() for i in ids.split(",") if i.strip()])
    else:
        codes = _param(request, "service_code")
        if codes:
            qs = qs.filter(category__code__in=[c.strip() for c in codes.split(",") if c.strip()])
        start_s, end_s = _param(request, "start_date"), _param(request, "end_date")
        end = _parse_datetime("end_date", end_s) if end_s else None
        start = _parse_datetime("start_date", start_s) if start_s else None
        if start and end and end < start:
            raise Open311Error(400, "end_date is before start_date / 结束时间早于开始时间")
        if start and end and end - start > MAX_SPAN:
            raise Open311Error(
                400, "start_date and end_date may span at most 90 days / 时间跨度不能超过 90 天"
            )
        if start is None and end is None:
            start = timezone.now() - MAX_SPAN
        elif start is None and end is not None:
            start = end - MAX_SPAN
        elif end is None and start is not None:
            end = start + MAX_SPAN
        qs = qs.filter(received_at__gte=start)
        if end is not None:
            qs = qs.filter(received_at__lte=end)
        status = _param(request, "status")
        if status:
            wanted = {s.strip() for s in status.split(",") if s.strip()}
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, "status must be open or closed / status 应为 open 或 closed")
            q = Q()
            if "open" in wanted:
                q |= Q(status__in=wf.OPEN_STATES)
            if "closed" in wanted:
                q |= Q(status__in=wf.FINAL_STATES)
            qs = qs.filter(q)
    page, size = _int(request, "page", 1), _int(request, "page_size", DEFAULT_PAGE_SIZE)
    if not 1 <= page <= MAX_PAGE or not 1 <= size <= MAX_PAGE_SIZE:
        raise Open311Error(
            400,
            f"page must be between 1 and {MAX_PAGE} and page_size between 1 and {MAX_PAGE_SIZE}"
            " / 分页参数无效",
        )
    extensions = _param(request, "extensions") == "true"
    if extensions:
        qs = qs.prefetch_related("events")
    rows = qs.order_by("-received_at", "-id")[(page - 1) * size : page * size]
    return render(fmt, "service_requests", [_request_row(c, extensions) for c in rows])


def _int(request: HttpRequest, name: str, default: int) -> int:
    value = _param(request, name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise Open311Error(400, f"{name} must be an integer / {name} 应为整数") from exc


@endpoint
def request_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET requests (with filters and paging) or POST requests (a new request; api_key required)."""
    if request.method == "POST":
        return _post(request, fmt)
    if request.method != "GET":
        raise Open311Error(400, "only GET and POST are supported / 仅支持 GET 与 POST")
    return _get(request, fmt)


@endpoint
def request_detail(request: HttpRequest, request_id: str, *, fmt: str) -> HttpResponse:
    """GET requests/{id}: one request, still wrapped in the list."""
    _jurisdiction(request)
    c = _requests_qs().prefetch_related("events").filter(number=request_id).first()
    if c is None:
        raise Open311Error(404, f"unknown service_request_id {request_id} / 未找到该诉求")
    return render(fmt, "service_requests", [_request_row(c, _param(request, "extensions") == "true")])


@endpoint
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    """GET tokens/{token}: the request id a POST token stands for."""
    c = Case.objects.filter(open311_token=token).only("number", "open311_token").first() if token else None
    if c is None:
        raise Open311Error(404, f"unknown token {token} / 未知的令牌")
    return render(fmt, "service_requests", [{"service_request_id": c.number, "token": c.open311_token}])


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error("json" if rest.endswith(".json") else "xml", 404, "unknown resource / 未知的资源")


def root(request: HttpRequest) -> HttpResponse:
    return discovery(request, fmt="xml")
