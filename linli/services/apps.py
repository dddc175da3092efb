from django.apps import AppConfig

from linli.core import catalogues
from linli.core.context import register_nav
from linli.core.demo_steps import DemoStep, register
from linli.core.scope import declare


class ServicesConfig(AppConfig):
    name = "linli.services"
    verbose_name = "服务清单与预约"

    def ready(self) -> None:
        catalogues.register(self, "services.TaxonomyTerm", "linli.services.migrations.0002_catalogues:load")
        # models are not ready when apps.py is imported: the demo and the pages (which import them) load here
        from linli.registry.hooks import register_change, register_departure
        from linli.services import demo, todo
        from linli.services.services.bookings import bookings_cancel_on_departure, bookings_follow
        from linli.services.views import nav

        declare("services.service", {"region": "region"})
        declare("services.slot", {"region": "service__region"})
        declare(
            "services.booking",
            {
                "region": "person__region",
                "code": "region_code",
                "provider": "service__region",
                "provider_code": "provider_code",
                "self": "person_id",
                "household": "person__household_id",
            },
        )
        declare(
            "services.need", {"region": "region", "self": "person_id", "household": "person__household_id"}
        )
        declare("services.resource", {"region": "region"})
        declare("services.project", {"region": "region"})
        declare(
            "services.application",
            {"region": "region", "self": "person_id", "household": "person__household_id"},
        )
        register_nav(nav, group="服务与预约")
        todo.register()
        register_departure(
            bookings_cancel_on_departure
        )  # a move-out or death cancels the bookings from that day
        register_change(bookings_follow)  # a resident who moves takes their bookings' region along
        register(DemoStep("services", "服务清单、需求、资源与预约", 50, demo.demo_run, demo.demo_loaded))
        # the schedule (linli.core.schedule): reminders of the bookings of the next 24 hours, hourly
        from linli.core import schedule
        from linli.services.services.bookings import bookings_codes_task, bookings_remind_task

        schedule.register(
            schedule.PeriodicJob(
                "services_remind", "预约提醒", bookings_remind_task, every=schedule.dt.timedelta(hours=1)
            )
        )
        # nightly: the bookings' kept region codes against their residents' and services' regions (a
        # registry import moves residents without the change seam)
        schedule.register(
            schedule.PeriodicJob(
                "services_codes",
                "预约所在区域核对",
                bookings_codes_task,
                at=schedule.dt.time(2, 10),
            )
        )
