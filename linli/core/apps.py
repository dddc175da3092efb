from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "linli.core"
    verbose_name = "账号与审计"

    def ready(self) -> None:
        from linli.core import checks  # noqa: F401  (registers the deployment checks)
