"""Fixtures shared by every test of Linli (API, pages, browser).

The world they build is described in ``linli.testing.factories``: the standard region tree (洛江区 with two
streets, four communities, eight grids), a household of three in grid A1 and a few other persons,
and one account of each role.

    def test_something(world, client_for):
        client = client_for(world.accounts.community_worker)
        assert client.get("/api/persons").status_code == 200

``LINLI_TESTING=1`` is set by ``linli.testing.pytest_plugin`` (loaded through pyproject's addopts), since
pytest-django reads the settings before any conftest.py is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from pytest_django import Settings

from linli.core.models import User
from linli.testing.factories import (
    Accounts,
    People,
    RegionTree,
    World,
    build_accounts,
    build_people,
    build_region_tree,
    issue_token,
)


@pytest.fixture(autouse=True)
def private_files_in_tmp(settings: Settings, tmp_path: Path) -> None:
    """Files a test keeps (uploads waiting for import, exports, photos) go to its own temporary folder."""
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tree(db: None) -> RegionTree:
    """The standard region tree."""
    return build_region_tree()


@pytest.fixture
def people(tree: RegionTree) -> People:
    """The standard persons (household of three in grid A1; one each in A2, B1, C1)."""
    return build_people(tree)


@pytest.fixture
def accounts(tree: RegionTree, people: People) -> Accounts:
    """One account of each role (the resident is linked to the household head)."""
    return build_accounts(tree, people)


@pytest.fixture
def world(tree: RegionTree, people: People, accounts: Accounts) -> World:
    return World(tree=tree, people=people, accounts=accounts)


@pytest.fixture
def client_for(db: None) -> Callable[[User], Client]:
    """``client_for(user)``: a test client signed in as ``user`` (session auth)."""

    def make(user: User, *, enforce_csrf_checks: bool = False) -> Client:
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def token_client_for(db: None) -> Callable[[User], Client]:
    """``token_client_for(user)``: a client sending ``Authorization: Bearer <fresh token>`` (no session)."""

    def make(user: User) -> Client:
        return Client(headers={"Authorization": f"Bearer {issue_token(user)}"})

    return make
