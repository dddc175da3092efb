from django.apps import AppConfig

from linli.core import catalogues


class CareConfig(AppConfig):
    name = "linli.care"
    verbose_name = "关爱巡访与政策找人"

    def ready(self) -> None:
        catalogues.register(self, "care.CareRule", "linli.care.migrations.0002_rules:load")
        # models are not ready when apps.py is imported: the seams' callables (which import them) load here
        from linli.care import wiring

        wiring.connect()
