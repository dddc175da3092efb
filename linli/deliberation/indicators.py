"""The deliberation module's computed data elements: resolutions made and executed (the execution rate
of seed 001 第四章: 广州 "形成决议24299项,执行落实22501项,执行率达92.6%") and the communities with a
民主议事厅 (seed 000 三(一)2 "实现村(社区)民主议事厅全覆盖"). Cumulative counts, additive up the
hierarchy; the indicators ``deliberation_execution_rate`` and ``deliberation_hall_coverage`` (migration
0002) divide them, so the annual report carries both.

Imported by the indicators module at start; registers into the kernel seam ``linli.core.data_elements``.
"""

from __future__ import annotations

from django.db.models import Count, Q

from linli.core.data_elements import ComputedSource, Grouped, grouped, register
from linli.deliberation.models import Hall, Resolution, ResolutionStatus


def resolutions(n: int, root: str) -> Grouped:
    return grouped(
        Resolution.objects.all(),
        "topic__region__code",
        n,
        root,
        deliberation_resolutions=Count("id"),
        deliberation_resolutions_executed=Count("id", filter=Q(status=ResolutionStatus.EXECUTED)),
    )


def halls(n: int, root: str) -> Grouped:
    return grouped(
        Hall.objects.all(), "region__code", n, root, communities_with_deliberation_hall=Count("id")
    )


register(
    ComputedSource(
        "deliberation.resolutions",
        {
            "deliberation_resolutions": ("协商议事形成决议数（累计）", "项"),
            "deliberation_resolutions_executed": ("协商议事决议执行落实数（累计）", "项"),
        },
        12,
        resolutions,
        definitions={
            "deliberation_resolutions": "议事会议形成的决议（累计），按议题所属村（社区）统计",
            "deliberation_resolutions_executed": "执行责任人报告完成（进度100%并附佐证）的决议（累计）",
        },
    )
)
register(
    ComputedSource(
        "deliberation.halls",
        {"communities_with_deliberation_hall": ("设有民主议事厅的村（社区）数", "个")},
        12,
        halls,
        definitions={"communities_with_deliberation_hall": "已设立民主议事厅（指定议事场所）的村（社区）"},
    )
)
