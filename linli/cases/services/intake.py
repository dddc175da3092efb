"""受理登记: registering a request from any channel (phone page, one-window intake, API, Open311)."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from linli.cases import hooks, selectors
from linli.cases.engine import redact
from linli.cases.engine import workflow as wf
from linli.cases.models import ASSIGN_ACTION, Case, CaseEvent, CasePhoto, Category, Channel
from linli.cases.services.caches import active_categories
from linli.cases.services.location import locate
from linli.cases.services.notify import notify
from linli.cases.services.numbering import case_insert
from linli.cases.services.routing import auto_dispatch, would_auto_dispatch
from linli.cases.services.validation import clean_media_url, clean_phone, clean_text, photos_prepare
from linli.cases.services.workflow import deadlines, name_of
from linli.core.errors import Forbidden, invalid
from linli.core.models import User
from linli.core.roles import Role
from linli.core.scope import region_in_scope
from linli.regions.models import Level, Region

STAFF_CHANNELS = {Channel.HOTLINE, Channel.WALK_IN, Channel.PATROL}


def _grid(code: str, by: User | None) -> Region:
    """The grid of ``code`` when the account may file in it; unknown and out of scope read alike."""
    found = Region.objects.select_related("parent").filter(code=code, level=Level.GRID).first()
    if found is None or by is None or not region_in_scope(by, found):
        raise invalid("grid", "所选网格不存在或不在本账号的范围内", "case.grid_unknown")
    return found


def _home(by: User | None) -> Region | None:
    """Where a resident lives (his record's grid, else his account's community): the place of a report
    whose typed address matches no building. None for staff and for a resident placed nowhere."""
    if by is None or by.role != Role.RESIDENT:
        return None
    person = by.person
    home = person.region if person is not None else by.region
    return home if home is not None and home.level in (Level.COMMUNITY, Level.GRID) else None


def _category(category: Category | str) -> Category:
    if isinstance(category, str):
        found = active_categories().get(category)
        if found is None:
            raise invalid("category", f"未知的诉求分类：{category}", "case.category_unknown")
        return found
    if not category.active:
        raise invalid("category", "该诉求分类已停用", "case.category_inactive")
    return category


def case_create(
    *,
    by: User | None,
    category: Category | str,
    description: str,
    channel: str,
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    building_id: int | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    photos: Sequence[UploadedFile] = (),
    attributes: dict[str, Any] | None = None,
    media_url: str = "",
    now: dt.datetime | None = None,
    open311_token: bool = False,
    grid: str = "",
) -> Case:
    """Register a request (受理登记). Staff intake (hotline, walk-in, patrol) is accepted at once by the
    account's own unit (首问负责); a resident's or another system's request waits to be accepted.

    The public text is made here, for every channel: the description with phone, ID numbers, the
    reporter's names and room numbers masked (``engine.redact``). ``grid`` (a grid's code, in the
    account's scope) places a request that has no point, building or known address in that grid; a
    resident's typed address that names no known building places it where he lives."""
    if channel not in Channel.values:
        raise invalid("channel", "未知的来源渠道", "case.channel_unknown")
    category = _category(category)
    description = clean_text(description, "description", "诉求内容")
    address = clean_text(address, "address", "地址", required=False, limit=200)
    reporter_name = clean_text(reporter_name, "reporter_name", "姓名", required=False, limit=64)
    reporter_phone = clean_phone(reporter_phone)
    media_url = clean_media_url(media_url)
    staff_roles = selectors.STAFF_DISPATCHERS | {Role.GRID_WORKER}
    if channel in STAFF_CHANNELS and (by is None or by.role not in staff_roles):
        raise Forbidden("只有工作人员可以代为登记热线、来访和巡查诉求", code="case.staff_channel")
    prepared = photos_prepare(photos)
    in_grid = _grid(grid, by) if grid else None
    if in_grid is None and address.strip() and not building_id and (lat is None or lon is None):
        in_grid = _home(by)  # a resident's typed address no building matches: his own community finds it
    community, found_grid, lat, lon = locate(
        lat=lat, lon=lon, address=address, building_id=building_id, grid=in_grid
    )
    now = now or timezone.now()
    response_due, resolve_due = deadlines(category, now)
    resident = by is not None and by.role == Role.RESIDENT
    person = by.person if by is not None and resident else None
    if by is not None and resident and not anonymous:
        reporter_name = reporter_name or (person.name if person else by.display_name)
        if not reporter_phone and person is not None and person.phone:
            reporter_phone = person.phone.reveal()
    names = selectors.resident_names(by, person, reporter_name)  # before an anonymous report drops it
    if anonymous:
        reporter_name = ""  # the phone is kept only for the return visit
    # 首问负责: staff intake is owned by the account's own unit if it covers the place.
    owner = community
    staff = by is not None and by.role in selectors.STAFF_DISPATCHERS and channel in STAFF_CHANNELS
    if staff and by is not None and by.region is not None and community.code.startswith(by.region.code):
        owner = by.region if by.region.level <= Level.COMMUNITY else community
    case = Case(
        number="",
        category=category,
        channel=channel,
        description=description,
        public_description=redact.mask_text(description, names),
        attributes={**(attributes or {}), **({"media_url": media_url} if media_url else {})},
        status=wf.ACCEPTED if staff else wf.RECEIVED,
        region=community,
        region_code=community.code,  # written here: the numbered insert below bypasses ``Case.save``
        grid=found_grid,
        lat=lat,
        lon=lon,
        address=address,
        reporter=by if resident else None,
        reporter_person=person,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        anonymous=anonymous,
        created_by=by,
        owner_region=owner,
        coordinator=owner,
        escalation_level=owner.level,
        received_at=now,
        accepted_at=now if staff else None,
        responded_at=now if staff else None,
        updated_at=now,
        response_due=response_due,
        resolve_due=resolve_due,
        open311_token=secrets.token_hex(8) if open311_token else "",
    )
    event = CaseEvent(
        at=now,
        actor=by,
        actor_name=name_of(by),
        action="create",
        to_status=case.status,
        unit=owner.name,
        note=f"{Channel(channel).label}登记" + ("，首问负责受理" if staff else ""),
    )
    # Most requests (no photo, no resident to notify, nothing to dispatch) are one statement on
    # PostgreSQL (``case_insert``); the rest add their rows in the same transaction.
    assignee = hooks.assignee_for(grid=found_grid, on=timezone.localdate(now))
    if assignee is not None and by is not None and assignee.user_id == by.pk:
        assignee = None  # he filed it himself: nothing to tell him
    more = bool(prepared) or bool(case.reporter_id) or assignee is not None or would_auto_dispatch(case)
    with transaction.atomic() if more else contextlib.nullcontext():
        case_insert(case, event, day=timezone.localdate(now))
        for f in prepared:
            CasePhoto.objects.create(case=case, image=f)
        if case.reporter_id:
            notify(
                [case.reporter_id], case, f"已收到您的诉求 {case.number}", "我们会尽快受理，请留意办理进度。"
            )
        if assignee is not None:
            _route_to(case, assignee, now)
        if more:
            auto_dispatch(case, now)
    return case


def _route_to(case: Case, assignee: hooks.Assignee, now: dt.datetime) -> None:
    """Tell the grid's post holder of a new request in his grid, and say so in the request's record
    (for the staff only: the reporter sees the unit that handles it, not the person)."""
    grid = case.grid.name if case.grid is not None else ""
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=None,
        actor_name="按岗位分派",
        action=ASSIGN_ACTION,
        unit=grid,
        note=f"推送给{grid}的{assignee.post}{assignee.name}",
        public=False,
    )
    notify([assignee.user_id], case, f"您的网格有新诉求 {case.number}", case.public_description[:200])
