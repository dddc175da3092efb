"""What the workforce module adds to the home pages' 待办: yesterday's missed patrols (community),
open grid tasks (grid worker), and the workforce shortfalls (district)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from linli.core import home
from linli.core.roles import Role, effective_role
from linli.regions.models import Region
from linli.workforce import selectors

MISSED_ROLES = frozenset({Role.COMMUNITY_WORKER})
SHORTFALL_ROLES = frozenset({Role.DISTRICT_ADMIN})


def missed_patrols(user: Any) -> list[home.TodoItem]:
    if not user.region_id:
        return []
    day = timezone.localdate() - dt.timedelta(days=1)
    rows = [r for r in selectors.day_coverage(user, user.region, day) if r.missed]
    if not rows:
        return []
    url = f"{reverse('workforce:coverage')}?day={day.isoformat()}"
    names = "、".join(r.grid.name for r in rows[:3]) + ("等" if len(rows) > 3 else "")
    return [
        home.TodoItem(
            title=f"昨日 {len(rows)} 个网格巡查未达“一日两巡”",
            url=url,
            urgency=home.DUE_SOON,
            detail=f"{names} · 共少巡 {sum(r.missed for r in rows)} 次",
            state="请督促补巡",
            kind="巡查",
            count=len(rows),
            list_url=url,
        )
    ]


def grid_tasks(user: Any) -> list[home.TodoItem]:
    items = []
    today = timezone.localdate()
    open_ = selectors.my_open_items(user)
    by_task: dict[int, list[Any]] = {}
    for it in open_[: home.TODO_PER_SOURCE * 5]:
        by_task.setdefault(it.task_id, []).append(it)
    for rows in list(by_task.values())[: home.TODO_PER_SOURCE]:
        task = rows[0].task
        due = timezone.make_aware(dt.datetime.combine(task.deadline, dt.time(18)))
        rank = (
            home.OVERDUE
            if task.deadline < today
            else (home.DUE_SOON if (task.deadline - today).days <= 2 else home.WAITING)
        )
        items.append(
            home.TodoItem(
                title=f"{task.get_kind_display()}任务：{task.title}",
                url=reverse("workforce:task_do", args=[task.number]),
                urgency=rank,
                detail=f"还有 {len(rows)} 项未填报 · {task.issuer_org.name if task.issuer_org else task.issuer_region.name}",
                due=due,
                state="待填报",
                kind="网格任务",
                count=None,
                list_url=reverse("workforce:tasks"),
            )
        )
    return items


def shortfalls(user: Any) -> list[home.TodoItem]:
    if effective_role(user) != Role.DISTRICT_ADMIN or not user.region_id:
        return []
    root: Region = user.region
    figs = selectors.shortfalls_of(root)
    items = []
    url = reverse("workforce:figures")
    if figs.communities_short:
        items.append(
            home.TodoItem(
                title=f"{figs.communities_short} 个社区工作者配备不足（每300户1人）",
                url=url,
                urgency=home.WAITING,
                detail=f"共缺 {figs.workers_missing} 人",
                state="待配齐",
                kind="队伍",
                count=figs.communities_short,
            )
        )
    no_worker = figs.grids_without_worker
    if no_worker:
        items.append(
            home.TodoItem(
                title=f"{no_worker} 个网格没有网格员",
                url=reverse("workforce:teams"),
                urgency=home.WAITING,
                detail="每个网格至少配备1名专(兼)职网格员",
                state="待配齐",
                kind="队伍",
                count=no_worker,
            )
        )
    overdue = [r for r in selectors.training_rows(root, timezone.localdate()) if r.state == "overdue"]
    if overdue:
        items.append(
            home.TodoItem(
                title=f"{len(overdue)} 名社区工作者轮训已超期",
                url=f"{url}#training",
                urgency=home.OVERDUE,
                detail="主任每年轮训一次，成员至少每两年一次",
                state="待轮训",
                kind="队伍",
                count=len(overdue),
            )
        )
    return items


def patrol_state(user: Any, page: dict[str, Any]) -> dict[str, Any]:
    """The grid worker's home page learns whether his patrol is under way (its links change)."""
    return {"patrol_active": selectors.active_patrol(user) is not None}
