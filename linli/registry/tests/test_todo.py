"""导入 on the home page's 待办: the account's own refused imports until one of the kind succeeds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.models import ImportRun
from linli.registry import todo

pytestmark = pytest.mark.django_db


def _run(user, status, *, kind="persons", ago=dt.timedelta(hours=1), name="人员.xlsx"):
    return ImportRun.objects.create(
        kind=kind, filename=name, actor=user, status=status, error_rows=3, started_at=timezone.now() - ago
    )


def test_a_refused_import_waits_until_the_kind_is_imported(world):
    cw = world.accounts.community_worker
    _run(cw, ImportRun.Status.REJECTED, ago=dt.timedelta(days=30), kind="buildings")  # long ago
    _run(cw, ImportRun.Status.REJECTED, ago=dt.timedelta(hours=2), name="旧.xlsx")
    _run(cw, ImportRun.Status.REJECTED, name="万福社区人员.xlsx")
    _run(world.accounts.street_coordinator, ImportRun.Status.REJECTED, kind="households")  # not his
    items = todo.import_items(cw)
    assert [(i.title, i.url, i.kind) for i in items] == [
        ("人员导入未成功：万福社区人员.xlsx", "/registry/import/", "导入")
    ]
    assert "3 行有错误" in items[0].detail
    _run(cw, ImportRun.Status.DONE, ago=dt.timedelta(minutes=5))
    assert todo.import_items(cw) == []
