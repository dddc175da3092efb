"""What the volunteers module adds to the kernel's seams (called from ``VolunteersConfig.ready``): the
scope of its personal rows, the 志愿服务 menu, the home page's 待办 (hours to confirm, a resident's signups
and star levels reached), the region page's link to its teams (党员志愿服务队), the matching engine's volunteer candidates and
the demo step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from linli.core import candidates, demo_steps, schedule, scope
from linli.core.context import register_nav
from linli.core.roles import Role
from linli.regions import hooks
from linli.volunteers import demo, selectors, todo
from linli.volunteers.services import STAFF_ROLES
from linli.volunteers.tasks import timebank_expire_task

STAFF: frozenset[str] = frozenset(STAFF_ROLES) | {Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}


def nav(user: Any, role: str) -> list[tuple[str, str]]:
    if role == Role.RESIDENT:
        return [("volunteers:mine", "我的志愿服务"), ("volunteers:activities", "志愿活动")]
    if role in STAFF and role != Role.GRID_WORKER:
        items = [
            ("volunteers:activities", "志愿活动"),
            ("volunteers:volunteers", "注册志愿者"),
            ("volunteers:teams", "志愿服务队"),
            ("volunteers:timebank", "时间银行"),
        ]
        if role in (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN):
            items.append(("volunteers:settings", "星级与时间银行规则"))
        return items
    return []


def _teams_of_region(region: Any) -> str:
    return reverse("volunteers:teams") + f"?region={region.code}"


def volunteer_candidates(region_codes: set[str]) -> list[candidates.Candidate]:
    url = reverse("volunteers:activity_new") + "?need="
    return [
        candidates.Candidate(
            key=c["key"],
            name=c["label"],
            category_id=c["category_id"],
            region_code=c["region_code"],
            lat=c["lat"],
            lon=c["lon"],
            days=tuple(c["days"]),
            period=c["period"],
            capacity=c["capacity"],
            url=url,
        )
        for c in selectors.candidates_for(region_codes)
    ]


def register() -> None:
    scope.declare(
        "volunteers.volunteer", {"region": "region", "self": "person_id", "household": "person__household_id"}
    )
    scope.declare("volunteers.servicerecord", {"region": "volunteer__region", "self": "volunteer__person_id"})
    register_nav(nav, group="志愿服务")
    todo.register()
    # the region's page: its teams, and whether each community has its 党员志愿服务队
    hooks.register_region_link(hooks.RegionLink("志愿服务队", 40, _teams_of_region))
    candidates.register_candidates("volunteers", volunteer_candidates)
    # daily: time credits past their validity expire into the community pool's expiry account
    schedule.register(
        schedule.PeriodicJob("timebank_expire", "时间银行到期积分", timebank_expire_task, at=dt.time(3, 0))
    )
    demo_steps.register(
        demo_steps.DemoStep(
            "volunteers", "志愿者、服务队、活动与时间银行", 60, demo.demo_run, demo.demo_loaded
        )
    )
