"""manage.py demo_accounts: create (or reset) the demo accounts and print them."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.registry.demo import DemoError, demo_accounts_ensure


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "创建或重置演示账号（密码 linli-demo-2026），需先运行 demo_load。"

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            accounts = demo_accounts_ensure()
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        rows = [("账号", "密码", "角色", "范围")] + [
            (a["username"], a["password"], a["role"], a["region"]) for a in accounts
        ]
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        for n, row in enumerate(rows):
            self.stdout.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write(self.style.SUCCESS(f"已创建或重置 {len(accounts)} 个演示账号。"))
