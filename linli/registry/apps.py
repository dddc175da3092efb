from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "linli.registry"
    verbose_name = "基础数据"

    def ready(self) -> None:
        # models are not ready at import time of apps.py (contributions imports them)
        from linli.registry import contributions

        contributions.register()
