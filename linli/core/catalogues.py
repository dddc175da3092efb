"""Catalogues that data migrations load, put back whenever their table has been emptied.

Facility types, request categories, the service taxonomy and the like are rows loaded by a data
migration and then edited by administrators. A flush (``manage.py flush``, or the one after each
transactional test) empties them and then sends ``post_migrate``; each module registers its
catalogue here so that the migration's loader runs again on an empty table, and never touches a
table that has rows (an administrator's edits stay).
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def register(app_config: AppConfig, model: str, *loaders: str) -> None:
    """When ``model`` ("app.Model") is empty after a migrate or flush, run each loader in turn:
    "linli.x.migrations.0002_name:function", called as the migration calls it."""

    def reload(*, using: str = "default", **_kwargs: Any) -> None:
        if apps.get_model(model).objects.using(using).exists():
            return
        for loader in loaders:
            module, _, function = loader.partition(":")
            getattr(importlib.import_module(module), function)(apps, None)

    post_migrate.connect(reload, sender=app_config, weak=False, dispatch_uid=f"catalogue:{model}")
