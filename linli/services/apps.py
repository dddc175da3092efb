from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "linli.services"
    verbose_name = "服务清单与预约"
