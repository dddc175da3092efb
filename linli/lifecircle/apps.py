from django.apps import AppConfig


class LifecircleConfig(AppConfig):
    name = "linli.lifecircle"
    verbose_name = "生活圈"
