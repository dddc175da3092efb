"""What the deliberation module registers into the kernel's seams (called from ``AppConfig.ready``)."""

from __future__ import annotations

from django.apps import AppConfig

from linli.core import catalogues, demo_steps, home
from linli.core.context import register_nav
from linli.core.scope import declare


def connect(app: AppConfig) -> None:
    from linli.deliberation import demo, todo, views  # models are not ready when apps.py is imported

    catalogues.register(app, "deliberation.Procedure", "linli.deliberation.migrations.0002_catalogue:load")
    declare("deliberation.ownershare", {"region": "building__region", "self": "owner_id"})
    declare("deliberation.comment", {"region": "notice__region", "self": "person_id"})
    declare("deliberation.attendance", {"region": "meeting__topic__region", "self": "person_id"})
    register_nav(views.nav_section, group="议事协商")
    home.register_todo("deliberation", todo.ROLES, todo.items)
    demo_steps.register(
        demo_steps.DemoStep(
            "deliberation", "议事协商与村（居）务公开演示数据", 60, demo.demo_load, demo.demo_loaded
        )
    )
    # the schedule (linli.core.schedule): votes past their deadline are counted every 5 minutes
    from linli.core import schedule
    from linli.deliberation.tasks import votes_close_due_task  # imports the services: models must be ready

    schedule.register(
        schedule.PeriodicJob(
            "votes_close_due",
            "到期表决自动计票",
            votes_close_due_task,
            every=schedule.dt.timedelta(minutes=5),
        )
    )
