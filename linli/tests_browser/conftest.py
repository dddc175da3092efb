"""Fixtures of the browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser for the whole session, a fresh context (cookies, viewport) per sign-in. The standard world
(``linli.testing.factories.build_world``) is committed with ``transactional_db`` so that the live server's thread
sees it. Every page visited is saved as a full-page screenshot under ``$LINLI_SCREENSHOTS`` (default
``var/screenshots``), named ``<role>-<page>.png``.

    def test_something(signed_in, world):
        v = signed_in("community_worker")
        v.go("/registry/persons/", "persons")
        expect(v.page.locator("#person-rows")).to_contain_text("林建国")

Playwright's own browser download is never used: where ``/usr/bin/chromium`` is missing the tests are
skipped, and the run says so loudly (a warning, a line on stderr and a line in the summary).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test import testcases
from playwright.sync_api import Browser, BrowserContext, Page, Response, ViewportSize
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from linli.testing.factories import PASSWORD, World, build_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = f"!! BROWSER TESTS SKIPPED: {CHROMIUM} not found (apt-get install chromium)"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
REPO = Path(__file__).resolve().parents[2]


class _OneRequestAtATime:
    """The live server's application, one request at a time on SQLite: its threads share the test's
    in-memory connection, and two pages' data requests at once (a map's layers) would use it together."""

    def __init__(self, app: Callable) -> None:  # type: ignore[type-arg]
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable):  # type: ignore[no-untyped-def,type-arg]
        if connection.vendor != "sqlite":
            return self.app(environ, start_response)
        with self.lock:  # the body is read inside: a streamed response reads the database as it goes
            result = self.app(environ, start_response)
            try:
                return list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()


class _LiveServer(ThreadedWSGIServer):
    def set_app(self, application: Any) -> None:
        super().set_app(_OneRequestAtATime(application))


testcases.LiveServerThread.server_class = _LiveServer

ANNOUNCED = pytest.StashKey[bool]()


def _announce_missing(config: pytest.Config) -> None:
    if CHROMIUM.exists() or config.stash.get(ANNOUNCED, False):
        return
    config.stash[ANNOUNCED] = True
    print(MISSING, file=sys.stderr)
    warnings.warn(pytest.PytestWarning(MISSING), stacklevel=1)


def pytest_sessionstart(session: pytest.Session) -> None:
    # Runs when this directory is given on the command line (its conftest is then loaded first).
    _announce_missing(session.config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Runs in every collection that reaches this directory (e.g. a plain ``pytest``).
    if CHROMIUM.exists():
        return
    here = Path(__file__).parent
    mine = [item for item in items if here in Path(str(item.path)).parents]
    if mine:
        _announce_missing(config)
        for item in mine:
            item.add_marker(pytest.mark.skip(reason=MISSING))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    if config.stash.get(ANNOUNCED, False):
        terminalreporter.write_line(MISSING, red=True, bold=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in the test thread, which makes Django refuse
    # the ORM calls of the tests (building the world, reading the audit log) and the database flush.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield b
            b.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = Path(os.environ.get("LINLI_SCREENSHOTS") or REPO / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def world(transactional_db: None, settings: Settings) -> World:
    """The standard world, committed (the live server runs in another thread).

    Passwords are hashed with MD5 here: PBKDF2's real cost (about a second per account on a small
    machine) would be paid for eight accounts and every sign-in of every test.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


@dataclass
class Visitor:
    """One signed-in browser context: a page, where to save screenshots, and what went wrong in the browser."""

    page: Page
    base: str
    role: str
    folder: Path
    problems: list[str] = field(default_factory=list)

    def go(self, path: str, name: str, *, status: int = 200) -> Response:
        """Open ``path``, check the HTTP status, wait for scripts to settle and save the screenshot."""
        response = self.page.goto(self.base + path)
        assert response is not None
        assert response.status == status, f"{self.role} {path}: HTTP {response.status}, expected {status}"
        self.page.wait_for_load_state("networkidle")
        self.shot(name)
        return response

    def menu(self, label: str) -> None:
        """Follow the main navigation's entry ``label``, opening its module menu first when it is in one."""
        nav = self.page.locator("nav.mainnav")
        link = nav.get_by_role("link", name=label, exact=True)
        if not link.is_visible():
            # by text, not role: a closed menu's links are hidden, and roles skip hidden elements
            inside = self.page.locator("a").filter(has_text=re.compile(f"^{re.escape(label)}$"))
            nav.locator(".navgroup", has=inside).locator(".navhead").click()
        link.click()
        self.page.wait_for_load_state("networkidle")

    def shot(self, name: str) -> Path:
        path = self.folder / f"{self.role}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def page_width(self) -> int:
        """The width of the whole document in CSS pixels (wider than the viewport when something sticks out)."""
        return int(self.page.evaluate("document.documentElement.scrollWidth"))


@pytest.fixture
def signed_in(
    browser: Browser, live_server: LiveServer, screenshots: Path
) -> Iterator[Callable[..., Visitor]]:
    """``signed_in(username, phone=False)``: a new context, signed in through the real login page.

    Uncaught script errors, failed static files and server errors (5xx) seen by any page fail the test.
    """
    contexts: list[BrowserContext] = []
    visitors: list[Visitor] = []

    def sign_in(username: str, *, phone: bool = False) -> Visitor:
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
            is_mobile=phone,
            has_touch=phone,
            device_scale_factor=1,
        )
        # generous: a CI machine shared with the PostgreSQL suite is slow, and a wait ends when it is met
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        v = Visitor(page=page, base=live_server.url, role=username, folder=screenshots)
        page.on("pageerror", lambda exc: v.problems.append(f"script error on {page.url}: {exc}"))

        def on_response(r: Response) -> None:
            if r.status >= 500 or (r.status >= 400 and "/static/" in r.url):
                v.problems.append(f"HTTP {r.status} for {r.url}")

        page.on("response", on_response)
        visitors.append(v)
        v.go("/login/", "login")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(live_server.url + "/")
        page.wait_for_load_state("networkidle")
        v.shot("home")
        return v

    yield sign_in
    problems = [p for v in visitors for p in v.problems]
    for context in contexts:
        context.close()
    assert not problems, "the browser saw problems:\n" + "\n".join(problems)
