"""Loaded by pytest before anything else (``-p linli.testing.pytest_plugin`` in pyproject's addopts).

pytest-django imports ``linli.settings`` in its ``pytest_load_initial_conftests`` hook, before any
``conftest.py`` is read, so the test switch has to be set here: ``LINLI_TESTING=1`` gives the
development secret key and field keys and the ``testserver`` host.
"""

import os

os.environ.setdefault("LINLI_TESTING", "1")


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """``LINLI_DB_TESTS_ONLY=1`` (CI's PostgreSQL run) leaves out the tests that never touch a
    database: pure engines and checks of the code, which the SQLite run has already run, the same on
    either."""
    if os.environ.get("LINLI_DB_TESTS_ONLY") != "1":
        return
    kept, left = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") is not None or bool(
            DB_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (kept if uses_db else left).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
