"""Loaded by pytest before anything else (``-p linli.testing.pytest_plugin`` in pyproject's addopts).

pytest-django imports ``linli.settings`` in its ``pytest_load_initial_conftests`` hook, before any
``conftest.py`` is read, so the test switch has to be set here: ``LINLI_TESTING=1`` gives the
development secret key and field keys and the ``testserver`` host.
"""

import os

os.environ.setdefault("LINLI_TESTING", "1")
