"""Writes other modules ask of the registry: they never create its rows themselves (an
organisation named by a service import, the grid worker of an imported grid)."""

from __future__ import annotations

from linli.regions.models import Region
from linli.registry.models import Organisation, OrganisationKind, Staff, StaffKind


def organisation_get_or_create(
    *, name: str, region: Region, kind: str = OrganisationKind.OTHER
) -> tuple[Organisation, bool]:
    """The organisation of this name (a service import's provider), created in ``region`` if new."""
    name = name.strip()[:120]
    found = Organisation.objects.filter(name=name).first()
    if found is not None:
        return found, False
    return Organisation.objects.create(name=name, kind=kind, region=region), True


def staff_assign_grid_worker(*, name: str, phone: str, community: Region, grid: Region) -> Staff:
    """网格员 of an imported grid: the community's grid worker of this name (created if new) now
    also serves ``grid``."""
    staff = Staff.objects.filter(kind=StaffKind.GRID_WORKER, name=name, region=community).first()
    if staff is None:
        staff = Staff.objects.create(
            kind=StaffKind.GRID_WORKER, name=name, region=community, phone=phone, post="网格员"
        )
    staff.grids.add(grid)
    return staff
