from django.apps import AppConfig

from linli.core import catalogues
from linli.core.context import register_nav
from linli.core.demo_steps import DemoStep
from linli.core.demo_steps import register as register_step
from linli.core.roles import REGISTRY_READERS, Role
from linli.core.scope import declare
from linli.regions.rollup import Counter
from linli.regions.rollup import register as register_counter


class FacilitiesConfig(AppConfig):
    name = "linli.facilities"
    verbose_name = "服务设施"

    def ready(self) -> None:
        catalogues.register(
            self, "facilities.FacilityType", "linli.facilities.migrations.0002_facility_types:load"
        )
        # models are not ready when apps.py is imported: the app's models and demo load here
        from linli.facilities import demo, models

        declare("facilities.facility", {"region": "region"})
        declare("facilities.checklistattestation", {"region": "region"})
        register_counter(
            Counter(
                "facilities",
                "设施数",
                lambda: models.Facility.objects.filter(status=models.FacilityStatus.OPEN),
                "region",
            )
        )
        register_nav(_nav, group="设施与生活圈")
        register_step(DemoStep("facilities", "服务设施", 10, demo.run, demo.loaded))


def _nav(user: object, role: str) -> list[tuple[str, str]]:
    # facilities and the checklist are the community's: a grid worker's grid holds none of them
    if role not in REGISTRY_READERS or role == Role.GRID_WORKER:
        return []
    return [("facilities:list", "服务设施"), ("facilities:checklist_home", "完整社区")]
