from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "linli.deliberation"
    verbose_name = "议事协商"

    def ready(self) -> None:
        # models are not ready when apps.py is imported: the seams' users load here
        from linli.deliberation import wiring

        wiring.connect(self)
