"""Fixtures of the registry's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django import Settings


@pytest.fixture(autouse=True)
def private_files_in_tmp(settings: Settings, tmp_path: Path) -> None:
    """Uploaded import files wait under ``VAR_DIR/private``: a test's go to its own temporary folder."""
    settings.VAR_DIR = tmp_path
