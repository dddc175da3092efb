from django.core.management.base import BaseCommand

from linli.core.personal import cipher
from linli.core.services_keys import keys_rotate


class Command(BaseCommand):
    help = "用 LINLI_FIELD_KEYS 的第一个密钥重新加密全部个人信息并重算盲索引（可重复运行、可中断）。"

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        counts = keys_rotate()
        for label, n in counts.items():
            self.stdout.write(f"{label}: 重新加密 {n} 条")
        self.stdout.write(f"当前密钥：{cipher().current.key_id}")
