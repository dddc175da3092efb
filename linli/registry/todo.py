"""What the registry adds to the home page's 待办 (``linli.core.home.register_todo``): the account's
own recent imports that were refused and not yet followed by a successful import of the same kind,
linking to the import page where the error report is downloaded and the file imported again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from linli.core import home
from linli.core.models import ImportRun
from linli.core.roles import IMPORTERS

ROLES: frozenset[str] = frozenset(IMPORTERS)
RECENT = dt.timedelta(days=14)


def import_items(user: Any) -> list[home.TodoItem]:
    since = timezone.now() - RECENT
    runs = list(
        ImportRun.objects.filter(actor=user, started_at__gte=since)
        .only("pk", "kind", "filename", "status", "dry_run", "errors_total", "error_rows", "started_at")
        .order_by("-started_at", "-id")[:50]
    )
    done_kinds: set[str] = set()
    items = []
    for run in runs:  # newest first: a refusal followed by a successful import is settled
        if run.status == ImportRun.Status.DONE:
            done_kinds.add(run.kind)
            continue
        if run.status != ImportRun.Status.REJECTED or run.kind in done_kinds:
            continue
        done_kinds.add(run.kind)  # only the latest refusal of a kind
        when = timezone.localtime(run.started_at)
        items.append(
            home.TodoItem(
                title=f"{run.kind_label}导入未成功：{run.filename}",
                url=reverse("registry:import"),
                urgency=home.DUE_SOON,
                detail=f"{when:%m月%d日 %H:%M}{'预检' if run.dry_run else '导入'} · "
                f"{run.error_rows} 行有错误，改正后重新导入",
                state="待重新导入",
                kind="导入",
                list_url=reverse("registry:import"),
            )
        )
    return items
