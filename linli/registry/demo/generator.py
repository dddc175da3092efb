"""The whole demo district in one transaction: ``demo_load``."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from linli.regions.models import Level, Region, UrbanRural
from linli.regions.services import division_import
from linli.registry.demo.composition import Rect, zone_slots
from linli.registry.demo.data import (
    DEFAULT_SEED,
    DISTRICT_BOX,
    DISTRICT_CODE,
    FULL_POPULATION,
    ZONES,
    urban_of,
)
from linli.registry.demo.organisations import _Organisations
from linli.registry.demo.state import DemoError, DemoResult
from linli.registry.models import Building, Household, Person


class _Generator(_Organisations):
    """The generator of the whole district: every pass in a fixed order, so a seed gives one district."""

    def run(self) -> None:
        s = self.s
        district = Region.objects.current().get(code=DISTRICT_CODE)
        streets = list(Region.objects.current().filter(parent=district, level=Level.STREET).order_by("code"))
        communities: list[tuple[Region, Region, bool]] = []
        for street in streets:
            if not street.urban_rural and not street.urban_rural_manual:
                street.urban_rural = UrbanRural.URBAN if street.name.endswith("街道") else UrbanRural.RURAL
            for c in Region.objects.current().filter(parent=street, level=Level.COMMUNITY).order_by("code"):
                communities.append((c, street, urban_of(c)))
        if not communities:
            raise DemoError("洛江区下没有社区/村（区划数据未导入）")

        raw = [s.uniform(3000, 6000) if urban else s.uniform(1000, 3500) for _, _, urban in communities]
        factor = FULL_POPULATION * self.scale / sum(raw)
        slots: dict[int, Rect] = {}
        for street in streets:
            mine = [c for c, st, _ in communities if st.pk == street.pk]
            for c, slot in zip(
                mine, zone_slots(ZONES.get(street.code, DISTRICT_BOX), len(mine)), strict=True
            ):
                slots[c.pk] = slot
        self.lock_and_start()
        for done, ((community, street, urban), r) in enumerate(zip(communities, raw, strict=True), start=1):
            self.community(community, street, slots[community.pk], max(1, round(r * factor)), urban)
            if done % 10 == 0 or done == len(communities):
                self.log(f"  已生成 {done}/{len(communities)} 个社区/村，{self.persons.written:,} 人")
        Region.objects.bulk_update(
            [c for c, _, _ in communities], ["centroid_lat", "centroid_lon", "boundary", "urban_rural"]
        )
        for street in streets:
            mine = [c for c, st, _ in communities if st.pk == street.pk]
            if mine and street.centroid_lat is None:
                street.centroid_lat = round(sum(c.centroid_lat or 0 for c in mine) / len(mine), 6)
                street.centroid_lon = round(sum(c.centroid_lon or 0 for c in mine) / len(mine), 6)
        Region.objects.bulk_update(streets, ["centroid_lat", "centroid_lon", "urban_rural"])
        if district.centroid_lat is None:
            district.centroid_lat, district.centroid_lon = 25.05, 118.67
            district.save(update_fields=["centroid_lat", "centroid_lon"])

        self.plant()
        self.log("  正在生成人员标签、组织和工作人员…")
        self.tags()
        committees = self.organisations(district, streets, communities)
        self.staff(streets, communities, committees)
        if connection.vendor == "postgresql":  # explicit primary keys: move the sequences past them
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Building, Household, Person]):
                    cursor.execute(sql)

    def lock_and_start(self) -> None:
        """Reserve primary keys: no other writer may insert into these tables until the commit."""
        if connection.vendor == "postgresql":
            tables = ", ".join(m._meta.db_table for m in (Building, Household, Person))
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        for table in (self.buildings, self.households, self.persons):
            table.start()


def demo_load(
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    today: dt.date | None = None,
    log: Callable[[str], None] | None = None,
) -> DemoResult:
    """Load 泉州市洛江区 with a synthetic population, in one transaction.

    Refuses (``DemoError``) when the district already has grids. ``scale`` multiplies the population
    (1.0 ≈ 230 000 persons); the same seed, scale and day give the same data.
    """
    if not (0 < scale <= 4):
        raise DemoError("--scale 应在 0 到 4 之间")
    started = time.perf_counter()
    today = today or timezone.localdate()
    with transaction.atomic():
        if Region.objects.current().subtree(DISTRICT_CODE).filter(level=Level.GRID).exists():
            raise DemoError("洛江区已有网格数据，演示数据不能重复加载（可用 --if-empty 跳过）")
        divisions = division_import(DISTRICT_CODE)
        gen = _Generator(seed=seed, scale=scale, today=today, log=log or (lambda _msg: None))
        gen.run()
    return DemoResult(
        counts=gen.counts, planted=gen.planted, seconds=time.perf_counter() - started, divisions=divisions
    )
