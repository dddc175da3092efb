"""What 规划监测 adds to the home page's 待办 (``linli.core.home.register_todo``): the values the account's
own region must report this year and has not (a monthly element: the months passed without a value),
the values sent back to it for correction, and the values of the level below waiting for its
approval — each linking to 指标填报审核, where they are entered or approved."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from linli.core import home
from linli.core.roles import Role
from linli.indicators import selectors, services
from linli.indicators.models import DataElement, DataValue, ElementKind, ValueStatus
from linli.regions.models import UrbanRural

ROLES: frozenset[str] = frozenset(
    {Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
APPROVALS_READ = 1000  # submitted values read to find those the account may approve


def _values_url(**params: Any) -> str:
    return f"{reverse('indicators:values')}?{urlencode(params)}"


def report_items(user: Any) -> list[home.TodoItem]:
    """待填报 and 已退回 for the account's own region in the current year."""
    region = user.region if user.region_id else None
    if region is None:
        return []
    today = timezone.localdate()
    year = today.year
    elements = DataElement.objects.filter(kind=ElementKind.REPORTED, entry_level=region.level)
    elements = elements.filter(
        Q(applies_to="") | Q(applies_to="urban" if region.urban_rural == UrbanRural.URBAN else "rural")
    )
    have: dict[tuple[str, int], str] = {
        (code, period): status
        for code, period, status in DataValue.objects.filter(
            region=region, year=year, current=True
        ).values_list("element__code", "period", "status")
    }
    list_url = _values_url(year=year)
    items = []
    annual: list[DataElement] = []  # the yearly values not reported yet: one item when several
    for e in elements.order_by("code"):
        url = _values_url(year=year, element=e.code)
        periods = list(range(1, today.month)) if e.monthly else [0]
        missing = [p for p in periods if (e.code, p) not in have]
        rejected = [p for p in periods if have.get((e.code, p)) == ValueStatus.REJECTED]
        if rejected:
            items.append(
                home.TodoItem(
                    title=f"{e.name}：已退回，待更正",
                    url=url,
                    urgency=home.DUE_SOON,
                    detail=f"{region.name} {year} 年" + (f" · {len(rejected)} 个月" if e.monthly else ""),
                    state="已退回",
                    kind="指标",
                    count=len(rejected),
                    list_url=list_url,
                )
            )
        if not missing:
            continue
        if e.monthly:
            late = [p for p in missing if p < today.month - 1]
            items.append(
                home.TodoItem(
                    title=f"{e.name}：{len(missing)} 个月未填报",
                    url=url,
                    urgency=home.OVERDUE if late else home.DUE_SOON,
                    detail=f"{region.name} {year} 年 " + "、".join(f"{p} 月" for p in missing),
                    state="逾期未报" if late else "上月未报",
                    kind="指标",
                    count=len(missing),
                    list_url=list_url,
                )
            )
        else:
            annual.append(e)
    if len(annual) == 1:
        e = annual[0]
        items.append(
            home.TodoItem(
                title=f"{e.name}：{year} 年未填报",
                url=_values_url(year=year, element=e.code),
                detail=f"{region.name} · 由{e.entry_level_label}填报" + (f"（{e.unit}）" if e.unit else ""),
                state="待填报",
                kind="指标",
                list_url=list_url,
            )
        )
    elif annual:
        items.append(
            home.TodoItem(
                title=f"{len(annual)} 项指标 {year} 年未填报",
                url=list_url,
                detail=f"{region.name}：" + "、".join(e.name for e in annual),
                state="待填报",
                kind="指标",
                count=len(annual),
                list_url=list_url,
            )
        )
    return items


def approval_items(user: Any) -> list[home.TodoItem]:
    """待审核: the values the account may approve (a street its communities', a district its streets'),
    one item per year."""
    per_year: dict[int, int] = {}
    rows = (
        selectors.approval_queue(user)
        .select_related(None)
        .select_related("region")
        .only("pk", "year", "region_id", "region__code")
    )
    for v in rows[:APPROVALS_READ]:
        if services.can_review(user, v):
            per_year[v.year] = per_year.get(v.year, 0) + 1
    return [
        home.TodoItem(
            title=f"{n} 项下级填报的指标值待审核",
            url=_values_url(year=year),
            detail=f"{year} 年 · 审核通过后计入指标",
            state="待审核",
            kind="指标",
            count=n,
            list_url=_values_url(year=year),
        )
        for year, n in sorted(per_year.items(), reverse=True)
    ]


def register() -> None:
    home.register_todo("indicators.report", ROLES, report_items)
    home.register_todo("indicators.approve", ROLES, approval_items)
