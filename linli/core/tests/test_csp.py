"""The Content-Security-Policy and what keeps the pages within it.

Every HTML page carries a policy whose scripts come from this site only — no 'unsafe-inline', no
'unsafe-eval' — and no page, template or static module brings back what that policy exists to stop:
inline scripts, inline event handlers, or user text handed to an HTML sink.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from linli import settings as linli_settings
from linli.core.models import User
from linli.testing.factories import World

LINLI = Path(__file__).resolve().parents[2]  # the linli package
STATIC_JS = sorted(p for p in LINLI.glob("*/static/**/*.js"))
TEMPLATES = sorted(LINLI.glob("**/templates/**/*.html"))


def policy(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


class InlineScripts(HTMLParser):
    """Collects what a strict policy would block in an HTML document: scripts with a body that are
    not JSON data, and inline event-handler attributes (onclick=…, hx-on…)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._script = dict(attrs)

    def handle_data(self, data: str) -> None:
        s = self._script
        if s is not None and data.strip() and "src" not in s and s.get("type") != "application/json":
            self.found.append(f"inline <script>: {data.strip()[:80]!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def inline_scripts(html: str) -> list[str]:
    parser = InlineScripts()
    parser.feed(html)
    return parser.found


def assert_strict(response, where: str) -> None:  # type: ignore[no-untyped-def]
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{where}: no Content-Security-Policy header"
    p = policy(header)
    assert p.get("script-src") == ["'self'"], f"{where}: script-src is {p.get('script-src')}"
    assert "'unsafe-inline'" not in p.get("default-src", []) and "'unsafe-eval'" not in header
    assert p.get("object-src") == ["'none'"] and p.get("frame-ancestors") == ["'none'"]
    assert p.get("base-uri") == ["'self'"] and p.get("form-action") == ["'self'"]
    found = inline_scripts(response.content.decode())
    assert not found, f"{where}: the policy would block {found}"


# --- the policy on the pages -------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_without_login_carry_the_policy(client: Client) -> None:
    for path in ("/login/", "/admin/login/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response, path)


def _nav_pages(client: Client) -> list[str]:
    home = client.get("/")
    assert home.status_code == 200
    return ["/"] + [reverse(name) for name, _ in home.context["nav"]]


def test_every_page_of_every_role_carries_the_policy(
    world: World, client_for: Callable[[User], Client]
) -> None:
    t, people = world.tree, world.people
    details = [
        f"/regions/{t.community_a.code}/",
        f"/regions/{t.street.code}/",
        f"/registry/persons/{people.head.pk}/",
        "/facilities/map/",
        "/facilities/new/",
        "/lifecircle/",
        "/cases/report/",
        "/cases/map/",
        "/cases/measures/",
        "/indicators/",
    ]
    checked = 0
    for user in world.accounts.all():
        client = client_for(user)
        for path in _nav_pages(client) + details:
            response = client.get(path, follow=True)
            if response.status_code in (403, 404):  # pages this role may not open still carry it
                assert "Content-Security-Policy" in response.headers, path
                continue
            assert response.status_code == 200, (user.username, path, response.status_code)
            if response["Content-Type"].startswith("text/html"):
                assert_strict(response, f"{user.username} {path}")
                checked += 1
    assert checked > 60  # the navigation of eight roles was really walked


def test_api_docs_and_admin_run_under_the_policy(world: World, client_for: Callable[[User], Client]) -> None:
    admin = world.accounts.system_admin
    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    client = client_for(User.objects.get(pk=admin.pk))
    for path in ("/api/docs", "/admin/", "/admin/core/user/", f"/admin/core/user/{admin.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response, path)
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs  # served by this site, not a CDN


def test_json_answers_are_left_alone(world: World, client_for: Callable[[User], Client]) -> None:
    """The policy is for documents; a JSON answer gets the header too (harmless) and stays JSON."""
    client = client_for(world.accounts.community_worker)
    response = client.get("/api/persons")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")


def test_tile_hosts_are_allowed_as_images_only() -> None:
    source = linli_settings._tile_source
    assert source("") == []
    assert source("/tiles/{z}/{x}/{y}.png") == []  # this site's own
    assert source("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}") == [
        "https://*.is.autonavi.com"
    ]
    assert source("http://tiles.example.cn:8080/{z}/{x}/{y}.png") == ["http://tiles.example.cn:8080"]
    csp = linli_settings.SECURE_CSP
    assert csp["script-src"] == ["'self'"] and csp["connect-src"] == ["'self'"]


# --- what would bring inline script back ------------------------------------------------------


def test_templates_have_no_inline_script_nor_handler() -> None:
    """Only <script src=…> and JSON data islands; no onclick=…, no hx-on (htmx would eval it)."""
    assert len(TEMPLATES) > 50
    found = {}
    for path in TEMPLATES:
        text = path.read_text()
        problems = inline_scripts(re.sub(r"{%.*?%}|{{.*?}}", "", text, flags=re.S))
        problems += [m.group(0) for m in re.finditer(r"\son[a-z]+\s*=|\shx-on[:\w-]*\s*=", text)]
        if problems:
            found[str(path.relative_to(LINLI))] = problems
    assert not found, found


def test_the_template_checker_finds_what_it_looks_for() -> None:
    """The checks above can fail: each pattern they exist to catch is caught."""
    assert inline_scripts("<script>alert(1)</script>")
    assert inline_scripts('<button onclick="go()">x</button>')
    assert inline_scripts('<button hx-on::after-request="this.remove()">x</button>')
    assert not inline_scripts('<script src="/static/x.js" defer></script>')
    assert not inline_scripts('<script id="d" type="application/json">{"a": 1}</script>')
    assert HTML_SINKS.search("cell.innerHTML = x")
    assert HTML_SINKS.search("l.bindPopup(p.name + '<br>')")
    assert HTML_SINKS.search("l.bindTooltip('<b>' + name)")
    assert not HTML_SINKS.search("M.tooltip(l, p.name)")


# innerHTML & co., document.write, eval, and a Leaflet popup or tooltip given a string literal or a
# concatenation (the shared map module hands Leaflet DOM nodes only)
HTML_SINKS = re.compile(
    r"\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\s*\("
    r"|bind(Popup|Tooltip)\(\s*['\"`]|bind(Popup|Tooltip)\([^)]*\+"
)


def test_static_modules_put_no_user_text_into_html() -> None:
    assert any(p.name == "map.js" for p in STATIC_JS), STATIC_JS
    found = {
        str(p.relative_to(LINLI)): [m.group(0) for m in HTML_SINKS.finditer(p.read_text())] for p in STATIC_JS
    }
    assert not {k: v for k, v in found.items() if v}


def test_every_static_module_a_template_names_exists() -> None:
    named = set()
    for path in TEMPLATES:
        named |= set(re.findall(r"{% static '(linli/[^']+\.js)' %}", path.read_text()))
    assert "linli/map.js" in named and "linli/charts.js" in named
    missing = [n for n in named if not (LINLI / "core" / "static" / n).exists()]
    assert not missing, missing
