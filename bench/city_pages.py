"""The page walk of ``bench/city.py``: every menu page and API list of six accounts, timed beside its floor.

The accounts are the city's administrator (``city_admin``), 天河区's (``qu440106``) and, in 天河区, the
front line: the first street's coordinator, the first community's worker and the first grid's worker
under it, and a resident of that community (an account the walk adds when the city has none: the
generator makes staff accounts only) — a small scope is where the database's estimates go wrong in the
other direction (a street's list walked through a city's table). For each account the walk requests,
with Django's test ``Client`` signed in as the account (``DEBUG`` off):

- every entry of its menu (``core.context.navigation``);
- each such page again with the filters its own GET form offers: the first choice of each ``<select>``
  that has one (a status, a category…), a search word in its text box (a surname, as a worker would
  type), and page 2 when the page links to one;
- every ``GET`` operation of the OpenAPI schema without a path parameter (the API lists; for the front
  line the account's own records at ``…/me`` too). A front-line account refused a list that is not for
  its role (403) or without a record of its own (404) is printed, not counted over target.

What a page enqueues (an export of the city, say) is queued for the worker, as in production, not run
inside the request being timed. Each URL is requested once to warm up (its statements captured with ``CaptureQueriesContext``), then
``repeat`` times, timed: p50 and p95 (with few repeats p95 is the slowest). A page whose warm-up took
over ``SLOW_S`` seconds is not repeated (its one time stands for both). The **floor** of a URL is its
heaviest statement, the slowest of those captured, run again with a raw cursor (same SQL and
parameters, the same rows fetched, no Django, no template): the median of ``repeat`` runs.

A URL is over target when its p95 exceeds ``TARGET_MS``, or when it exceeds ``TARGET_RATIO`` × its
floor while taking over ``RATIO_FROM_MS`` (below that a page is fast whatever its floor: rendering a
whole page costs more than a 1 ms query, and a ratio there says nothing about scale).
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urlencode

TARGET_MS = 500.0
TARGET_RATIO = 5.0
RATIO_FROM_MS = 100.0
SLOW_S = 5.0
SEARCH_WORD = "陈"
ACCOUNTS = [("city_admin", "市管理员（全市）"), ("qu440106", "天河区管理员")]
FRONT_DISTRICT = "440106"  # 天河区: its first street, community and grid, and a resident there
RESIDENT = "resident_bench"


@dataclass
class Timing:
    account: str
    label: str
    url: str
    status: int
    times: list[float]  # ms
    queries: int
    slow_sql: str = ""
    slow_ms: float = 0.0
    floor_ms: float = 0.0
    notes: list[str] = field(default_factory=list)
    parts: str = ""  # where a page made of parts spent its time, slowest first
    refusal_expected: bool = False  # a front-line account refused what is not for its role

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        xs = sorted(self.times)
        return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]

    @property
    def ratio(self) -> float:
        return self.p95 / self.floor_ms if self.floor_ms > 0 else 0.0

    @property
    def over(self) -> str:
        if self.refusal_expected and self.status in (403, 404):
            return ""
        if self.status >= 400:
            return f"HTTP {self.status}"
        why = []
        if self.p95 > TARGET_MS:
            why.append(f"p95 > {TARGET_MS:.0f} ms")
        if self.p95 > RATIO_FROM_MS and self.floor_ms > 0 and self.ratio > TARGET_RATIO:
            why.append(f"{self.ratio:.0f}× floor")
        return ", ".join(why)


FORM = re.compile(r"<form\b[^>]*>(.*?)</form>", re.S | re.I)
SELECT = re.compile(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S | re.I)
OPTION = re.compile(r'<option\b[^>]*value="([^"]*)"', re.I)
TEXT = re.compile(
    r'<input\b(?![^>]*type="(?!search|text)[^"]*")[^>]*>', re.I
)  # a text box: no type, or text/search
NAME = re.compile(r'name="([^"]+)"')


def variants(html: str) -> list[tuple[str, dict[str, str]]]:
    """Filtered requests a user would make on a list page: from its GET forms (not the POST ones)."""
    out: list[tuple[str, dict[str, str]]] = []
    for m in FORM.finditer(html):
        head = html[m.start() : m.start() + 300].lower()
        if 'method="post"' in head:
            continue
        body = m.group(1)
        for name, opts in SELECT.findall(body):
            values = [unescape(v) for v in OPTION.findall(opts) if v]
            if values and name not in ("region", "year") and len(out) < 3:
                out.append((f"筛选 {name}", {name: values[0]}))
        for tag in TEXT.findall(body):
            n = NAME.search(tag)
            if n and n.group(1) in ("q", "search", "name", "keyword"):
                out.append((f"搜索 {n.group(1)}", {n.group(1): SEARCH_WORD}))
                break
    if re.search(r"[?&]page=2\b", html):
        out.append(("第 2 页", {"page": "2"}))
    return out


def floor_of(sql: str, repeat: int) -> float:
    """Median ms of ``sql`` (as Django logged it, parameters inlined) on a raw cursor, rows fetched."""
    from django.db import connection

    times = []
    with connection.cursor() as cur:
        for _ in range(repeat):
            t = time.perf_counter()
            cur.execute(sql.replace("%", "%%"))
            if cur.description:
                cur.fetchall()
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure(client: Any, account: str, label: str, url: str, repeat: int, api: bool = False) -> Timing:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_ACCEPT": "application/json"} if api else {}
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        resp = client.get(url, **headers)
        warm = (time.perf_counter() - t) * 1000
    times = [warm] if warm > SLOW_S * 1000 else []
    for _ in range(0 if times else repeat):
        t = time.perf_counter()
        client.get(url, **headers)
        times.append((time.perf_counter() - t) * 1000)
    timing = Timing(account, label, url, resp.status_code, times, len(ctx.captured_queries))
    selects = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    if selects:
        slow = max(selects, key=lambda q: float(q["time"]))
        timing.slow_sql, timing.slow_ms = slow["sql"], float(slow["time"]) * 1000
        try:
            timing.floor_ms = floor_of(slow["sql"], 1 if times == [warm] else repeat)
        except Exception as exc:  # a statement that cannot be re-run as logged: say so, keep the page
            timing.notes.append(f"floor not re-run: {type(exc).__name__}")
            timing.floor_ms = timing.slow_ms
    parts = []  # the home page's parts, slowest first (its Server-Timing header)
    for item in (resp.headers.get("Server-Timing") or "").split(","):
        name, _, dur = item.strip().partition(";dur=")
        if dur:
            parts.append((float(dur), name))
    timing.parts = ", ".join(f"{name} {ms:.0f} ms" for ms, name in sorted(parts, reverse=True)[:4])
    timing.html = resp.content.decode("utf-8", "replace") if not api and resp.status_code == 200 else ""  # type: ignore[attr-defined]
    return timing


def front_accounts() -> list[tuple[str, str]]:
    """天河区's first street coordinator, community worker and grid worker under it (by region code), and
    a resident of that community whose household has bookings (``RESIDENT``, added when missing)."""
    from linli.core.models import User
    from linli.core.roles import Role
    from linli.registry.models import Person
    from linli.services.models import Booking

    out = []
    within = FRONT_DISTRICT
    for role, who in (
        (Role.STREET_COORDINATOR, "街道协调员"),
        (Role.COMMUNITY_WORKER, "社区工作人员"),
        (Role.GRID_WORKER, "网格员"),
    ):
        user = (
            User.objects.filter(role=role, is_active=True, region__code__startswith=within)
            .order_by("region__code", "pk")
            .first()
        )
        if user is None or user.region is None:
            continue
        out.append((user.username, f"{who} {user.region.name}"))
        within = user.region.code
    community = within[:12]
    resident = User.objects.filter(username=RESIDENT).first()
    if resident is None:
        booked = Booking.objects.filter(region_code__startswith=community).values("person_id")
        person = (
            Person.objects.filter(region__code__startswith=community, household__isnull=False, pk__in=booked)
            .order_by("pk")
            .first()
            or Person.objects.filter(region__code__startswith=community, household__isnull=False)
            .order_by("pk")
            .first()
        )
        if person is not None:
            resident = User.objects.create(
                username=RESIDENT, role=Role.RESIDENT, person=person, display_name="居民（测速）"
            )
    if resident is not None:
        out.append((resident.username, "居民"))
    return out


def api_lists(*, own: bool = False) -> list[str]:
    """The API's lists; with ``own`` also the account's own records (``…/me``)."""
    from linli.api import api

    schema = api.get_openapi_schema()
    out = []
    for path, ops in schema["paths"].items():
        if "get" in ops and "{" not in path:
            params = ops["get"].get("parameters", [])
            if any(p.get("required") and p.get("in") == "query" for p in params):
                continue  # a lookup, not a list
            if path.endswith("/me") and path != "/api/me" and not own:
                continue  # the account's own volunteer record etc.: an administrator has none (404)
            out.append(path)
    return sorted(out)


def walk(*, repeat: int, only: list[str] | None = None) -> tuple[float, int, float]:
    """Time every page and API list of both accounts; print them and the ones over target. Returns (worst
    p95 ms, URLs over target, worst page's p95 / its floor). ``only``: just the pages and lists whose URL
    or menu name contains one of these words."""
    from django.core.signals import request_started
    from django.db import reset_queries
    from django.test import Client, override_settings
    from django.urls import NoReverseMatch, reverse

    from linli.core.context import navigation
    from linli.core.models import User

    # each request would empty the query log that CaptureQueriesContext reads: the walk empties it itself
    request_started.disconnect(reset_queries)
    # what a page enqueues (an export of the city, say) waits for the worker, as in production: the
    # tests' immediate backend would write it inside the request being timed
    override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}).enable()
    apis = api_lists()
    own_apis = api_lists(own=True)

    def wanted(url: str, label: str) -> bool:
        return not only or any(w in url or w in label for w in only)

    apis = [p for p in apis if wanted(p, "API")]
    own_apis = [p for p in own_apis if wanted(p, "API")]
    results: list[Timing] = []
    front = front_accounts()
    for username, who in ACCOUNTS + front:
        is_front = (username, who) in front
        lists = own_apis if is_front else apis
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        nav, _ = navigation(user)
        print(
            f"pages of {username} ({who}): {len(nav)} menu entries, {len(lists)} API lists, ×{repeat}",
            flush=True,
        )
        for url_name, label in nav:
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                print(f"  {label}: {url_name} needs arguments, skipped")
                continue
            if not wanted(url, label):
                continue
            t = measure(client, username, label, url, repeat)
            results.append(t)
            _line(t)
            for what, params in variants(getattr(t, "html", "")):
                v = measure(client, username, f"{label} · {what}", f"{url}?{urlencode(params)}", repeat)
                results.append(v)
                _line(v)
        for path in lists:
            t = measure(client, username, "API", path, repeat, api=True)
            t.refusal_expected = is_front
            results.append(t)
            _line(t)
    over = [t for t in results if t.over]
    print(
        f"\n{len(results)} URLs timed; {len(over)} over target (p95 > {TARGET_MS:.0f} ms, or > {TARGET_RATIO:.0f}× floor above {RATIO_FROM_MS:.0f} ms, or an error):"
    )
    for t in sorted(over, key=lambda t: -t.p95):
        print(
            f"  {t.p95:8.0f} ms  floor {t.floor_ms:7.1f} ms  {t.over:<22} {t.account:<10} {t.label}  {t.url}"
        )
        if t.parts:
            print(f"             slowest parts: {t.parts}")
        sql = " ".join(t.slow_sql.split())
        if sql:
            print(
                f"             slowest SQL {t.slow_ms:.0f} ms ({t.queries} statements): {sql[:300]}{'…' if len(sql) > 300 else ''}"
            )
    if not results:
        return 0.0, 0, 0.0
    ok = [t for t in results if t.status < 400] or results
    worst = max(ok, key=lambda t: t.p95)
    return worst.p95, len(over), worst.ratio


def _line(t: Timing) -> None:
    flag = f"  ← {t.over}" if t.over else ""
    print(
        f"  {t.status} {t.p50:7.0f} {t.p95:7.0f} ms  floor {t.floor_ms:6.1f} ms  {t.queries:3d} q  {t.label}  {t.url}{flag}",
        flush=True,
    )
