"""manage.py keys_check: do the configured field keys open the data? (after a restore, before serving)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.core.engine.crypto import KeyConfigError
from linli.core.services_keys import keys_check


class Command(BaseCommand):
    help = "检查个人信息加密密钥能否解密库中的数据（恢复备份后运行）；缺少或不符的密钥会被指名"

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            used = keys_check()
        except KeyConfigError as exc:
            raise CommandError(str(exc)) from exc
        summary = "，".join(f"{k}：{n} 条" for k, n in sorted(used.items())) or "没有加密数据"
        self.stdout.write(f"密钥检查通过（{summary}）")
