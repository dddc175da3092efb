from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "linli.indicators"
    verbose_name = "规划监测"
