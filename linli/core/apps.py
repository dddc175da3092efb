from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "linli.core"
    verbose_name = "账号与审计"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        # models are not ready at import time of apps.py (checks and lockout reach the models)
        from linli.core import (
            checks,  # noqa: F401  (registers the deployment checks)
            schedule,
            search,  # noqa: F401  (registers the ``__includes`` lookup)
        )
        from linli.core.jobs import export_runs_purge
        from linli.core.lockout import audit_lockout

        schedule.register(
            schedule.PeriodicJob(
                "exports_purge", "删除过期的导出文件", export_runs_purge, every=schedule.dt.timedelta(hours=1)
            )
        )
        user_locked_out.connect(audit_lockout, dispatch_uid="linli.core.audit_lockout")
