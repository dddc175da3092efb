import datetime as dt

from django.apps import AppConfig

from linli.core import demo_steps, home
from linli.core.context import register_nav
from linli.core.nearby import register_nearby
from linli.core.roles import Role
from linli.core.scope import declare


class WorkforceConfig(AppConfig):
    name = "linli.workforce"
    verbose_name = "网格工作与社区工作者队伍"

    def ready(self) -> None:
        # models are not ready when apps.py is imported: the modules that import them load here
        from linli.cases.hooks import register_assignee_resolver
        from linli.core import schedule
        from linli.workforce import demo, nearby, selectors, tasks, todo, views

        declare("workforce.patrol", {"region": "grid", "filer": "worker_id"})
        declare("workforce.teammember", {"region": "grid"})
        declare("workforce.taskitem", {"region": "grid"})
        register_nav(views.nav, group="网格工作")
        register_assignee_resolver(selectors.grid_worker_on)  # a new request in a grid: its 专职网格员
        # a patrol under way shows as one to go back to, not one to start
        gw = frozenset({Role.GRID_WORKER})
        home.register_panel(home.HomePanel("workforce.patrol_state", 1, gw, todo.patrol_state))
        home.register_link(
            home.HomeLink(
                "开始巡查",
                4,
                gw,
                lambda page: None if page.get("patrol_active") else "/workforce/patrol/",
                primary=True,
            )
        )
        home.register_link(
            home.HomeLink(
                "巡查进行中，返回",
                4,
                gw,
                lambda page: "/workforce/patrol/" if page.get("patrol_active") else None,
                primary=True,
            )
        )
        home.register_todo("workforce.patrols", todo.MISSED_ROLES, todo.missed_patrols)
        home.register_todo("workforce.tasks", frozenset({Role.GRID_WORKER}), todo.grid_tasks)
        home.register_todo("workforce.shortfalls", todo.SHORTFALL_ROLES, todo.shortfalls)
        register_nearby("workforce.buildings", frozenset({Role.GRID_WORKER}), nearby.buildings_near)
        # nightly: tracks older than LINLI_WORKFORCE_TRACK_DAYS keep only their coarse route
        schedule.register(
            schedule.PeriodicJob(
                "tracks_coarsen", "巡查轨迹到期粗化", tasks.tracks_coarsen_task, at=dt.time(2, 30)
            )
        )
        demo_steps.register(
            demo_steps.DemoStep(
                "workforce", "网格巡查、团队、任务与队伍", 90, demo.demo_run, demo.demo_loaded
            )
        )
