from typing import Any

from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "linli.volunteers"
    verbose_name = "志愿服务与时间银行"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # models are not ready when apps.py is imported: the seams' parts (which import them) load here
        from linli.volunteers import contributions

        contributions.register()
        post_migrate.connect(_computed_elements, sender=self, dispatch_uid="volunteers:computed-elements")


def _computed_elements(**_kwargs: Any) -> None:
    # after the indicators catalogue is (re)loaded: the elements this module computes are computed
    from linli.volunteers.indicators import mark_computed

    mark_computed()
