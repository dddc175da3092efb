from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "linli.registry"
    verbose_name = "基础数据"

    def ready(self) -> None:
        from linli.regions.rollup import Counter, register
        from linli.registry.models import Building, Household, Person, PersonStatus

        register(
            Counter("population", "人口", lambda: Person.objects.filter(status=PersonStatus.ACTIVE), "region")
        )
        register(Counter("households", "户数", lambda: Household.objects.all(), "region"))
        register(Counter("buildings", "楼栋数", lambda: Building.objects.all(), "region"))
