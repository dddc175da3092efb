"""首页: the home page of each role, made of the parts the modules contribute.

The kernel draws the page of each kind of account (``PAGES``: a resident, a department handler,
the staff of the region tree) with its heading; the modules fill it from their ``AppConfig.ready``:

- ``register_panel(HomePanel(...))``: a part of the page, in ``order``, for the roles it names. Its
  ``context(user, page)`` returns what its template needs, or None to leave the part out. What it
  returns is also added to the page's context, so later panels and the page itself see it (regions'
  first panel names the page's ``region``, which the staff heading shows and the other panels count
  in).
- ``register_link(HomeLink(...))``: a button in the page's row of actions (staff pages).

A module that adds to-do items to the home page registers a panel the same way (its context
function returns the account's items, or None when there are none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from linli.core.roles import Role

# The page each role gets; every other role gets the staff page.
PAGES: dict[str, str] = {
    Role.RESIDENT: "core/home_resident.html",
    Role.DEPARTMENT_HANDLER: "core/home_department.html",
}
STAFF_PAGE = "core/home_staff.html"

PageContext = dict[str, Any]


@dataclass(frozen=True)
class HomePanel:
    name: str  # "<app>.<part>", unique
    order: int  # panels are evaluated and shown in this order
    roles: frozenset[str]
    context: Callable[[Any, PageContext], PageContext | None]  # (user, page so far) → its context, or None
    template: str = ""  # included with the page's context; "" for a panel that only adds context


@dataclass(frozen=True)
class HomeLink:
    label: str
    order: int
    roles: frozenset[str]
    url: Callable[[PageContext], str | None]  # (the page's context) → where it leads, or None to hide it
    primary: bool = False


PANELS: dict[str, HomePanel] = {}
LINKS: dict[str, HomeLink] = {}


def register_panel(panel: HomePanel) -> None:
    PANELS[panel.name] = panel


def register_link(link: HomeLink) -> None:
    LINKS[link.label] = link


@dataclass(frozen=True)
class ShownLink:
    label: str
    url: str
    primary: bool


def page_for(role: str) -> str:
    return PAGES.get(role, STAFF_PAGE)


def home_context(user: Any, role: str, page: PageContext) -> PageContext:
    """``page`` with every panel and link ``role`` gets: ``panels`` (the templates to include, in order)
    and ``links`` (the row of actions), and whatever each panel's context adds."""
    templates: list[str] = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.name)):
        if role not in panel.roles:
            continue
        extra = panel.context(user, page)
        if extra is None:
            continue
        page.update(extra)
        if panel.template:
            templates.append(panel.template)
    links = []
    for link in sorted(LINKS.values(), key=lambda lk: (lk.order, lk.label)):
        url = link.url(page) if role in link.roles else None
        if url is not None:
            links.append(ShownLink(link.label, url, link.primary))
    page["panels"] = templates
    page["links"] = links
    return page
