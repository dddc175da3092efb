"""Everything the care module registers into the kernel's and the registry's seams (called from
``CareConfig.ready``, once the models are ready: this module imports them)."""

from __future__ import annotations

import datetime as dt

from linli.care import demo, services, tasks, todo, views
from linli.core import demo_steps, home, schedule
from linli.core.context import register_nav
from linli.core.nearby import register_nearby
from linli.core.scope import declare
from linli.registry.hooks import register_change


def connect() -> None:
    for label in ("care.carefile", "care.visit", "care.alert", "care.referral", "care.socialcase"):
        declare(label, {"region": "region"})
    # the kept counts per community (open alerts, care groups): read by their own code column
    declare("care.alertcount", {"region": "", "code": "region_code"})
    declare("care.groupcount", {"region": "", "code": "region_code"})
    register_change(services.on_registry_change)  # 政策找人: a registry change re-evaluates the persons
    register_nav(views.nav_section, group="关爱巡访")
    home.register_todo("care.visits", todo.ROLES, todo.items)
    register_nearby("care.visits", todo.NEARBY_ROLES, todo.visits_near)
    demo_steps.register(
        demo_steps.DemoStep("care", "关爱巡访演示数据", 60, demo.demo_care_load, demo.demo_care_loaded)
    )
    # nightly: the rules over the whole registry (政策找人), overdue visits, this period's visit plan
    schedule.register(
        schedule.PeriodicJob(
            "care_nightly", "关爱人群评估与巡访计划", tasks.care_nightly_task, at=dt.time(1, 30)
        )
    )
