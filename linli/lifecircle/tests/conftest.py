from __future__ import annotations

import importlib

import pytest


def load_catalogue() -> None:
    """The facility types and the life-circle standard come from data migrations, which the flush
    after a transactional test removes from a database kept with --reuse-db: load them (idempotent)."""
    from django.apps import apps

    importlib.import_module("linli.facilities.migrations.0002_facility_types").load(apps, None)
    importlib.import_module("linli.lifecircle.migrations.0002_standard_and_rules").load(apps, None)


@pytest.fixture(autouse=True)
def _catalogue(request: pytest.FixtureRequest) -> None:
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        request.getfixturevalue("db" if "db" in request.fixturenames else "transactional_db")
        load_catalogue()
