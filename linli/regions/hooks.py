"""Seams through which higher modules add to what the regions module does, without it knowing them.

Registered from the other modules' ``AppConfig.ready`` (the registry's in
``linli.registry.contributions``):

- ``register_grid_worker_assigner``: who records the grid worker named in a row of a grid import
  (the registry keeps its staff; regions writes no other module's rows);
- ``register_map_layer``: point features drawn on a region's map beside the children's boundaries
  (the registry's buildings);
- ``register_region_link``: buttons of a region's detail page leading to other modules' pages of
  that region (the registry's persons and 四个不漏 check);
- ``register_located_places``: where the things registered in a subtree's grids stand (the registry's
  buildings), from which the demo draws plausible boundaries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from linli.regions.models import Region


class GridWorkerAssigner(Protocol):
    """Makes the community's grid worker ``name`` (created if new) serve ``grid``; returns the worker."""

    def __call__(self, *, name: str, phone: str, community: Region, grid: Region) -> object: ...


_assigners: list[GridWorkerAssigner] = []


def register_grid_worker_assigner(assigner: GridWorkerAssigner) -> None:
    """Set the one function that records the grid workers of imported grids."""
    _assigners[:] = [assigner]


def grid_worker_assigner() -> GridWorkerAssigner | None:
    """The registered assigner; None when no module keeps grid workers (the worker columns are then ignored)."""
    return _assigners[0] if _assigners else None


# (region, user) → GeoJSON features (dicts) to draw on the region's map; [] when none apply.
MapLayer = Callable[["Region", Any], list[dict[str, Any]]]
MAP_LAYERS: list[MapLayer] = []


def register_map_layer(layer: MapLayer) -> None:
    if layer not in MAP_LAYERS:
        MAP_LAYERS.append(layer)


@dataclass(frozen=True)
class RegionLink:
    label: str
    order: int
    url: Callable[[Region], str]  # the page of the region in the other module


REGION_LINKS: dict[str, RegionLink] = {}


def register_region_link(link: RegionLink) -> None:
    REGION_LINKS[link.label] = link


def region_links(region: Region) -> list[tuple[str, str]]:
    """(label, url) of every registered link of ``region``, in order."""
    return [(lk.label, lk.url(region)) for lk in sorted(REGION_LINKS.values(), key=lambda lk: lk.order)]


# subtree code → (lat, lon, grid code) of every located place registered in a grid of that subtree
LocatedPlaces = Callable[[str], Iterable[tuple[float, float, str]]]
LOCATED_PLACES: list[LocatedPlaces] = []


def register_located_places(source: LocatedPlaces) -> None:
    if source not in LOCATED_PLACES:
        LOCATED_PLACES.append(source)


def located_places(code: str) -> list[tuple[float, float, str]]:
    """Every registered source's located places in the grids of subtree ``code``."""
    return [p for source in LOCATED_PLACES for p in source(code)]
