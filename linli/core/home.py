"""首页: the home page of each role, made of the parts the modules contribute.

The kernel draws the page of each kind of account (``PAGES``: a resident, a department handler,
the staff of the region tree) with its heading; the modules fill it from their ``AppConfig.ready``:

- ``register_panel(HomePanel(...))``: a part of the page, in ``order``, for the roles it names. Its
  ``context(user, page)`` returns what its template needs, or None to leave the part out. What it
  returns is also added to the page's context, so later panels and the page itself see it (regions'
  first panel names the page's ``region``, which the staff heading shows and the other panels count
  in).
- ``register_link(HomeLink(...))``: a button in the page's row of actions (staff pages).

- ``register_todo(name, roles, items)``: a source of 待办, the work waiting for the account. ``items(user)``
  returns ``TodoItem``s: what is waiting (``title``, a ``detail`` line), ``url`` where it is done (one
  tap from the home page), ``urgency`` (``OVERDUE`` 0, ``DUE_SOON`` 1, ``WAITING`` 2), ``due`` when
  it has a deadline, ``state`` (the words shown when it is merely waiting: 待受理, 待确认 …), ``kind``
  (诉求, 预约 …), ``count`` when one item stands for several (12 项指标值待审核), and ``list_url``: the
  full queue of its kind. ``home_context`` collects the items of every source the role has, most
  urgent first (then the earliest due), keeps the first ``TODO_SHOWN`` and, for the kinds cut off,
  a "查看全部 N 项" link to their ``list_url``. The staff and department pages show the list above
  the panels (``core/_todo.html``); a role with sources but nothing waiting sees that nothing is.
  A source reads through the module's own selectors, so the list has the scope of the module's
  pages; it should return at most ``TODO_PER_SOURCE`` items (the count of a kind then reads
  "N 项以上").
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

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


# --- 待办 --------------------------------------------------------------------------------------------

OVERDUE, DUE_SOON, WAITING = 0, 1, 2
URGENCY_WORDS = {OVERDUE: "已超期", DUE_SOON: "即将到期", WAITING: "待处理"}
URGENCY_CLASSES = {OVERDUE: "overdue", DUE_SOON: "soon", WAITING: "waiting"}
TODO_SHOWN = 20  # items on the home page; the rest through each kind's full queue
TODO_PER_SOURCE = 200  # what one source should return at most


@dataclass(frozen=True)
class TodoItem:
    """One thing waiting for the account, one tap from where it is done."""

    title: str
    url: str
    urgency: int = WAITING
    detail: str = ""
    due: dt.datetime | None = None
    state: str = ""  # the words of a waiting item: 待受理, 待确认, 待审核 …
    kind: str = ""  # what it is: 诉求, 预约, 办件, 指标, 导入
    count: int | None = None  # one item standing for several
    list_url: str = ""  # the full queue of its kind

    def urgency_words(self, now: dt.datetime | None = None) -> str:
        """已超期 3 天 / 今天 17:00 到期 / 明天到期 / the item's state."""
        now = now or timezone.now()
        if self.due is not None and self.urgency <= DUE_SOON:
            if self.due <= now:
                late = now - self.due
                if late.days >= 1:
                    return f"已超期 {late.days} 天"
                return f"已超期 {max(1, late.seconds // 3600)} 小时"
            day = (timezone.localdate(self.due) - timezone.localdate(now)).days
            if day == 0:
                return f"今天 {timezone.localtime(self.due):%H:%M} 到期"
            if day == 1:
                return f"明天 {timezone.localtime(self.due):%H:%M} 到期"
            return f"{day} 天后到期"
        return self.state or URGENCY_WORDS.get(self.urgency, "待处理")

    def sort_key(self) -> tuple[int, dt.datetime, str]:
        return (self.urgency, self.due or dt.datetime.max.replace(tzinfo=dt.UTC), self.title)


@dataclass(frozen=True)
class TodoSource:
    name: str  # "<app>.<what>", unique
    roles: frozenset[str]
    items: Callable[[Any], list[TodoItem]]  # (user) → what waits for that account


@dataclass(frozen=True)
class ShownTodo:
    """An item as the page shows it: its words and colour of urgency computed once."""

    item: TodoItem
    words: str
    css: str


@dataclass
class TodoList:
    items: list[ShownTodo] = field(default_factory=list)
    total: int = 0
    more: list[tuple[str, str]] = field(default_factory=list)  # ("查看全部 N 项诉求", url)


TODO_SOURCES: dict[str, TodoSource] = {}


def register_todo(name: str, roles: frozenset[str], items: Callable[[Any], list[TodoItem]]) -> None:
    TODO_SOURCES[name] = TodoSource(name, roles, items)


def todo_for(
    user: Any, role: str, *, now: dt.datetime | None = None, timings: list[tuple[str, float]] | None = None
) -> TodoList | None:
    """The account's 待办, most urgent first; None when no source serves ``role``."""
    sources = [s for s in sorted(TODO_SOURCES.values(), key=lambda s: s.name) if role in s.roles]
    if not sources:
        return None
    now = now or timezone.now()
    items: list[TodoItem] = []
    capped: set[str] = set()
    for source in sources:
        t0 = time.perf_counter()
        got = source.items(user)
        if timings is not None:
            timings.append((f"todo.{source.name}", (time.perf_counter() - t0) * 1000))
        if len(got) >= TODO_PER_SOURCE:
            capped |= {i.kind for i in got}
        items += got
    items.sort(key=TodoItem.sort_key)
    shown, hidden = items[:TODO_SHOWN], items[TODO_SHOWN:]
    urls: dict[str, str] = {}  # kind → its full queue
    for item in items:
        if item.list_url:
            urls.setdefault(item.kind, item.list_url)
    counts: dict[str, int] = {}
    cut = {item.kind for item in hidden if item.kind in urls}
    for item in items:
        if item.kind in cut:
            counts[item.kind] = counts.get(item.kind, 0) + (item.count or 1)
    return TodoList(
        items=[ShownTodo(i, i.urgency_words(now), URGENCY_CLASSES.get(i.urgency, "waiting")) for i in shown],
        total=sum(i.count or 1 for i in items),
        more=[
            (f"查看全部 {n} 项{'以上' if kind in capped else ''}{kind}", urls[kind])
            for kind, n in counts.items()
        ],
    )


def page_for(role: str) -> str:
    return PAGES.get(role, STAFF_PAGE)


def home_context(user: Any, role: str, page: PageContext) -> PageContext:
    """``page`` with every panel and link ``role`` gets: ``panels`` (the templates to include, in order),
    ``links`` (the row of actions), ``todo`` (the 待办, or None) and whatever each panel's context adds."""
    templates: list[str] = []
    timings: list[tuple[str, float]] = []  # each part's milliseconds (the ``Server-Timing`` header)
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.name)):
        if role not in panel.roles:
            continue
        t0 = time.perf_counter()
        extra = panel.context(user, page)
        timings.append((panel.name, (time.perf_counter() - t0) * 1000))
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
    page["todo"] = todo_for(user, role, timings=timings)
    page["timings"] = timings
    return page


def server_timing(timings: list[tuple[str, float]]) -> str:
    """The parts' times as a ``Server-Timing`` header value (what a slow home page spends where)."""
    return ", ".join(f"{name.replace('.', '-')};dur={ms:.1f}" for name, ms in timings)
