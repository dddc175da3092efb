from typing import Any

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "linli.registry"
    verbose_name = "基础数据"

    def ready(self) -> None:
        # models are not ready at import time of apps.py (contributions imports them)
        from django.db.models.signals import post_migrate

        from linli.registry import contributions

        contributions.register()
        post_migrate.connect(_fill_region_counts, sender=self, dispatch_uid="registry:region-counts")


def _fill_region_counts(using: str = "default", **kwargs: Any) -> None:
    """A database that has registry rows but no region counts (one migrated to the counts, or restored
    without them) is counted once, so the pages never read zeros until the nightly recount."""
    from linli.registry.models import Building, Person, RegionCount  # noqa: PLC0415 — the app registry is ready here
    from linli.registry.services.counts import region_counts_rebuild  # noqa: PLC0415 — same

    if RegionCount.objects.using(using).exists():
        return
    if Person.objects.using(using).exists() or Building.objects.using(using).exists():
        region_counts_rebuild()
