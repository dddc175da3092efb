from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "linli.regions"
    verbose_name = "行政区划与网格"

    def ready(self) -> None:
        from linli.regions import rollup
        from linli.regions.models import Level, Region

        rollup.register(
            rollup.Counter("grids", "网格数", lambda: Region.objects.current().filter(level=Level.GRID), "")
        )
