"""Fixtures of the cases tests: the standard world with grid outlines, departments and accounts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from linli.cases import services
from linli.cases.models import Category
from linli.core.models import User
from linli.core.roles import Role
from linli.regions.models import Region
from linli.registry.models import Organisation, OrganisationKind
from linli.testing.factories import OrganisationFactory, UserFactory, World

# Grid squares 0.01° wide along the same latitude band; grid A1 holds the standard building (24.96, 118.67).
LAT0, LON0, STEP = 24.955, 118.665, 0.01


def square(lat: float, lon: float, step: float = STEP) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + step, lat], [lon + step, lat + step], [lon, lat + step], [lon, lat]]
        ],
    }


def grid_center(i: int) -> tuple[float, float]:
    return LAT0 + STEP / 2, LON0 + STEP * i + STEP / 2


@dataclass
class CasesWorld:
    world: World
    chengguan: Organisation  # 区城管局
    zhujian: Organisation  # 区住建局
    dept_user: User  # handler of 城管局
    dept_user2: User  # handler of 住建局
    street_user: User  # 万安街道 coordinator
    resident2: User  # another resident of community A


def outline_grids(world: World) -> None:
    grids = [g for c in world.tree.communities for g in world.tree.grids[c.code]]
    for i, g in enumerate(grids):
        lat, lon = LAT0, LON0 + STEP * i
        Region.objects.filter(pk=g.pk).update(
            boundary=square(lat, lon), centroid_lat=lat + STEP / 2, centroid_lon=lon + STEP / 2
        )
    services.caches_clear()


def catalogue_ensure() -> None:
    """Reload the seeded catalogue when a transactional test (the browser's) flushed it."""
    if not Category.objects.exists():
        import importlib

        from django.apps import apps

        importlib.import_module("linli.cases.migrations.0002_catalogue").forwards(apps, None)
        importlib.import_module("linli.cases.migrations.0003_category_public").forwards(apps, None)


def build_cases_world(world: World) -> CasesWorld:
    catalogue_ensure()
    outline_grids(world)
    d = world.tree.district
    cg = OrganisationFactory.create(name="洛江区城市管理局", kind=OrganisationKind.DEPARTMENT, region=d)
    zj = OrganisationFactory.create(name="洛江区住房和城乡建设局", kind=OrganisationKind.DEPARTMENT, region=d)
    return CasesWorld(
        world=world,
        chengguan=cg,
        zhujian=zj,
        dept_user=UserFactory.create(
            username="chengguan",
            role=Role.DEPARTMENT_HANDLER,
            region=d,
            organisation=cg,
            display_name="城管局办理员",
        ),
        dept_user2=UserFactory.create(
            username="zhujian",
            role=Role.DEPARTMENT_HANDLER,
            region=d,
            organisation=zj,
            display_name="住建局办理员",
        ),
        street_user=world.accounts.street_coordinator,
        resident2=UserFactory.create(
            username="resident2", role=Role.RESIDENT, region=world.tree.community_a, display_name="王小明"
        ),
    )


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6), mode: str = "RGB", **save: Any) -> bytes:
    """A real image made with Pillow (``save`` goes to ``Image.save``, e.g. ``exif=…``)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 128)[: len(mode)] if mode != "1" else 1).save(out, fmt, **save)
    return out.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings: Settings, tmp_path: Path) -> Path:
    """Uploaded photos go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT  # type: ignore[no-any-return]


@pytest.fixture
def cw(world: World) -> CasesWorld:
    services.caches_clear()
    return build_cases_world(world)


@pytest.fixture
def category() -> Category:
    return Category.objects.get(code="sanitation.complaint")
