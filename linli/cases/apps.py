from django.apps import AppConfig
from django.urls import reverse

from linli.cases.engine.geo import mask_name
from linli.core import catalogues, demo_steps, home
from linli.core.context import register_nav
from linli.core.engine.crypto import MASKERS
from linli.core.roles import Role
from linli.core.scope import declare


class CasesConfig(AppConfig):
    name = "linli.cases"
    verbose_name = "诉求办理"

    def ready(self) -> None:
        catalogues.register(
            self,
            "cases.Category",
            "linli.cases.migrations.0002_catalogue:forwards",
            "linli.cases.migrations.0003_category_public:forwards",
        )
        # models are not ready when apps.py is imported: the demo and the pages (which import them) load here
        from linli.cases import demo, todo, views

        MASKERS.setdefault(
            "name", lambda value: mask_name(value)
        )  # the reporter's name prints masked like a phone number
        declare(
            "cases.case",
            {
                "region": "region",
                "code": "region_code",
                "grid": "grid",
                "filer": "created_by_id",
                "self": "reporter_person_id",
            },
        )
        register_nav(views.nav_section, group="诉求办理")
        home.register_link(
            home.HomeLink(
                "上报事件",
                5,
                frozenset({Role.GRID_WORKER}),
                lambda page: reverse("cases:patrol"),
                primary=True,
            )
        )
        home.register_todo("cases.requests", todo.ROLES, todo.case_items)
        demo_steps.register(
            demo_steps.DemoStep("cases", "诉求办理演示数据", 40, demo.demo_cases_load, demo.demo_cases_loaded)
        )
        # the schedule (linli.core.schedule): overdue marking, 催办 and escalation every 5 minutes
        from linli.cases.tasks import case_measures_task, cases_sweep_task
        from linli.core import schedule

        schedule.register(
            schedule.PeriodicJob(
                "cases_sweep", "诉求超时巡检与催办", cases_sweep_task, every=schedule.dt.timedelta(minutes=5)
            )
        )
        # nightly: yesterday's requests into the monthly summary the measures page reads
        schedule.register(
            schedule.PeriodicJob(
                "case_measures", "诉求统计月汇总", case_measures_task, at=schedule.dt.time(0, 20)
            )
        )
