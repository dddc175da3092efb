from typing import Any

from django.apps import AppConfig

from linli.core.roles import REGISTRY_READERS, Role


class IndicatorsConfig(AppConfig):
    name = "linli.indicators"
    verbose_name = "规划监测"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # models are not ready at import time of apps.py: the seams and this app's modules load here
        from linli.core import catalogues, demo_steps, scope
        from linli.core.context import register_nav
        from linli.indicators import demo, providers, todo

        providers.discover()  # every app's indicators.py registers its computed data elements
        catalogues.register(self, "indicators.Plan", "linli.indicators.migrations.0002_catalogue:load")
        scope.declare("indicators.datavalue", {"region": "region"})
        scope.declare("indicators.plantask", {"region": "region"})
        scope.declare("indicators.taskprogress", {"region": "task__region"})
        scope.declare("indicators.planadoption", {"region": "region"})
        register_nav(nav, group="规划监测")
        todo.register()
        demo_steps.register(
            demo_steps.DemoStep("indicators", "规划指标与监测演示数据", 20, demo.demo_run, demo.demo_loaded)
        )
        post_migrate.connect(_sync, sender=self)
        import datetime as dt

        from linli.core import schedule
        from linli.indicators.services import snapshot_nightly_task

        # after the night's recounts (registry 01:00, life circle 02:40): what the pages read next day
        schedule.register(
            schedule.PeriodicJob(
                "indicators_snapshot", "规划指标快照（全市各级）", snapshot_nightly_task, at=dt.time(4, 10)
            )
        )


def _sync(**_kwargs: Any) -> None:
    # models are not ready at import time of apps.py
    from linli.indicators.providers import sync_elements

    sync_elements()


def nav(user: Any, role: str) -> list[tuple[str, str]]:
    if role not in REGISTRY_READERS or role == Role.GRID_WORKER:
        return []
    items = [("indicators:dashboard", "规划指标")]
    if role in (Role.COMMUNITY_WORKER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN):
        items.append(("indicators:values", "指标填报审核"))
    if role in (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN):  # plan tasks belong to the adopting district
        items.append(("indicators:tasks", "任务台账"))
    return items
