"""The regions step of the demo: plausible outlines of its grids, communities, streets and district
(示意边界), drawn from where the registry's synthetic buildings stand (``linli.regions.engine``).

The demo's grids come as rectangles tiling rectangular communities with empty land between them;
maps of them read as coloured blocks. This step, run right after the registry's demo, replaces the
outlines of every region of a district that holds demo grids (``source="demo"``) by the engine's, and
marks them ``boundary_source="demo"`` so that every map labels them as a sketch. A building that
stood outside its grid's rectangle (planted for the four-no-miss audit) stays outside its grid.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from shapely.geometry import Point, shape

from linli.regions import engine
from linli.regions.hooks import located_places
from linli.regions.models import CODE_LENGTH, SKETCHED, Level, Region, UrbanRural

DEMO_SOURCE = "demo"  # Region.source of the demo's grids


def loaded() -> bool:
    """Whether there is nothing to draw: no demo grid, or the outlines of the demo already drawn."""
    demo = Region.objects.current().filter(source=DEMO_SOURCE, level=Level.GRID)
    return not demo.exists() or demo.filter(boundary_source=SKETCHED).exists()


def run(
    *, seed: int = 0, today: dt.date | None = None, log: Callable[[str], None] = lambda _m: None
) -> dict[str, int]:
    """Draw the outlines of every district holding demo grids; {中文标签: 数量} of the regions drawn."""
    started = time.monotonic()
    grids = list(
        Region.objects.current()
        .filter(source=DEMO_SOURCE, level=Level.GRID)
        .only("code", "boundary", "urban_rural")
    )
    districts = sorted({g.code[: CODE_LENGTH[Level.DISTRICT]] for g in grids})
    drawn: dict[str, dict[str, Any]] = {}
    for district in districts:
        mine = [g for g in grids if g.code.startswith(district)]
        drawn |= _district(district, mine)
    with transaction.atomic():
        regions = list(Region.objects.current().filter(code__in=drawn))
        for r in regions:
            r.boundary = drawn[r.code]
            r.boundary_source = SKETCHED
            p = shape(r.boundary).representative_point()
            r.centroid_lat, r.centroid_lon = round(p.y, 6), round(p.x, 6)
        Region.objects.bulk_update(
            regions, ["boundary", "boundary_source", "centroid_lat", "centroid_lon"], batch_size=200
        )
    counts = {
        f"{Level(level).label}示意边界": sum(1 for r in regions if r.level == level)
        for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)
    }
    log(f"  示意边界：用时 {time.monotonic() - started:.1f} 秒")
    return counts


def _district(district: str, grids: list[Region]) -> dict[str, dict[str, Any]]:
    """The engine's outlines for one district's grids and the regions above them."""
    # a building counts as outside only well beyond the line (≈ 20 m): a sketch's simplified edge
    # passing a building of the grid does not put it out
    outlines = {g.code: shape(g.boundary).buffer(0.0002) for g in grids if g.boundary}
    known = {g.code for g in grids}
    sites = []
    for lat, lon, grid in located_places(district):
        if grid not in known:
            continue
        outline = outlines.get(grid)
        # outside the outline it was registered in: keep it outside (the audit reports it)
        outside = outline is not None and not outline.covers(Point(lon, lat))
        sites.append(engine.Site(lat, lon, grid, outside))
    rural = {g.code: g.urban_rural == UrbanRural.RURAL for g in grids}
    return engine.synthetic_boundaries(sites, rural=rural)
