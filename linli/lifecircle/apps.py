from django.apps import AppConfig


class LifecircleConfig(AppConfig):
    name = "linli.lifecircle"
    verbose_name = "生活圈"

    def ready(self) -> None:
        from linli.core import catalogues

        catalogues.register(
            self, "lifecircle.CircleStandard", "linli.lifecircle.migrations.0002_standard_and_rules:load"
        )
        from linli.core.context import register_nav
        from linli.core.demo_steps import DemoStep, register
        from linli.core.scope import declare
        from linli.lifecircle import signals  # noqa: F401
        from linli.lifecircle.demo import demo_loaded, demo_run
        from linli.lifecircle.views import nav

        declare("lifecircle.access", {"region": "building__region"})
        declare("lifecircle.coverage", {"region": "region"})
        declare("lifecircle.sitingrun", {"region": "region"})
        declare("lifecircle.roadnetwork", {"region": "region"})
        register_nav(nav)
        from linli.lifecircle.indicators import register as register_elements

        register_elements()
        register(DemoStep("lifecircle", "生活圈（合成路网与步行可达性）", 30, demo_run, demo_loaded))
