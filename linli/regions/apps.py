from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "linli.regions"
    verbose_name = "行政区划与网格"

    def ready(self) -> None:
        # models are not ready at import time of apps.py (contributions imports them)
        from linli.regions import contributions

        contributions.register()
