import datetime as dt

from django.apps import AppConfig

from linli.core import catalogues
from linli.core.context import register_nav
from linli.core.demo_steps import DemoStep, register
from linli.core.roles import Role
from linli.core.scope import declare

# Who sees the life circle in the menu (the planners of ``selectors.PLANNERS``).
_MENU_ROLES = frozenset(
    {Role.DISTRICT_ADMIN, Role.STREET_COORDINATOR, Role.SYSTEM_ADMIN, Role.COMMUNITY_WORKER}
)


class LifecircleConfig(AppConfig):
    name = "linli.lifecircle"
    verbose_name = "生活圈"

    def ready(self) -> None:
        catalogues.register(
            self, "lifecircle.CircleStandard", "linli.lifecircle.migrations.0002_standard_and_rules:load"
        )
        # models are not ready when apps.py is imported: the app's demo and receivers load here
        from linli.lifecircle import demo, signals  # noqa: F401  (signals connects the facility receiver)

        declare("lifecircle.access", {"region": "building__region"})
        declare("lifecircle.coverage", {"region": "region"})
        declare("lifecircle.sitingrun", {"region": "region"})
        declare("lifecircle.roadnetwork", {"region": "region"})
        register_nav(
            nav, group="设施与生活圈"
        )  # coverage data elements: lifecircle/indicators.py, found by the indicators app
        from linli.core import schedule
        from linli.lifecircle import tasks

        # nightly: every computed root in full (facility changes are brought up to date incrementally)
        schedule.register(
            schedule.PeriodicJob(
                "lifecircle_nightly",
                "生活圈步行可达性全量重算",
                tasks.lifecircle_nightly_task,
                at=dt.time(2, 40),
            )
        )
        register(
            DemoStep("lifecircle", "生活圈（合成路网与步行可达性）", 30, demo.demo_run, demo.demo_loaded)
        )


def nav(user: object, role: str) -> list[tuple[str, str]]:
    if role in _MENU_ROLES:
        return [("lifecircle:map", "生活圈"), ("lifecircle:coverage", "生活圈覆盖")]
    return []
