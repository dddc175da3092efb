import datetime as dt

from django.apps import AppConfig

from linli.core import demo_steps, home
from linli.core.context import register_nav
from linli.core.priority import register_priority
from linli.core.scope import declare


class EmergencyConfig(AppConfig):
    name = "linli.emergency"
    verbose_name = "平战结合（应急）"

    def ready(self) -> None:
        # models are not ready when apps.py is imported: the modules that import them load here
        from linli.core import schedule
        from linli.emergency import demo, selectors, tasks, todo, views

        declare("emergency.checkitem", {"region": "region"})
        declare("emergency.shelterstay", {"region": "region"})
        register_nav(views.nav, group="平战结合")
        register_priority("emergency.events", selectors.priority_windows)
        home.register_panel(
            home.HomePanel(
                "emergency.warnings",
                5,
                todo.PANEL_ROLES,
                todo.warnings_panel,
                "emergency/_home_warnings.html",
            )
        )
        home.register_todo("emergency.checks", todo.CHECK_ROLES, todo.check_items)
        home.register_todo("emergency.tasks", todo.TASK_ROLES, todo.task_items)
        home.register_todo("emergency.officers", todo.OFFICER_ROLES, todo.officer_items)
        schedule.register(
            schedule.PeriodicJob(
                "warnings_expire", "预警到期失效", tasks.warnings_expire_task, every=dt.timedelta(minutes=5)
            )
        )
        demo_steps.register_presence(demo.demo_loaded)
        demo_steps.register(
            demo_steps.DemoStep(
                "emergency", "平战结合：应急组织、预警、响应与避难", 95, demo.demo_run, demo.demo_loaded
            )
        )
