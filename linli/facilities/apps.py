from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "linli.facilities"
    verbose_name = "服务设施"

    def ready(self) -> None:
        from linli.core.scope import declare

        declare("facilities.facility", {"region": "region"})
