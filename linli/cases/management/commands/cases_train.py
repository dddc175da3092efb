"""manage.py cases_train: retrain the routing assistant from past requests."""

from django.core.management.base import BaseCommand

from linli.cases.services import routing_train


class Command(BaseCommand):
    help = "用历史诉求重新训练派单助手"

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        m = routing_train()
        self.stdout.write(f"已训练：{m.samples} 条样本")
