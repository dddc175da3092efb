"""演示数据: a synthetic but plausible 泉州市洛江区 (district 350504) and the demo accounts.

The regions are real (the 2023 statistical codes, loaded by ``division_import``); everything under
them is synthetic and deterministic from the seed: grids (``source="demo"``, so every page shows
"演示数据（合成）"), buildings, households, about 230 000 persons shaped like the 2020 census
(household size ≈ 2.9, 0–14 ≈ 19 %, 15–59 ≈ 64 %, 60+ ≈ 17 %, 80+ ≈ 2.3 %, sex ratio ≈ 105), their
tags, organisations, staff and training records.

A handful of defects are planted on purpose so that the four-no-miss audit (居不漏格、格不漏楼、
楼不漏户、户不漏人) and the duplicate-ID check have something to find: buildings placed just outside
their grid, buildings and households with nobody in them, persons without a household and pairs of
persons sharing one ID number (legacy data). ``DemoResult.planted`` lists them.

One public surface over modules by concern: ``stream`` (the seeded random numbers), ``data`` (the
district's fixed facts and name tables), ``composition`` (pure: households, geometry, credit codes),
the generator's passes in order — ``state`` < ``people`` < ``places`` < ``tags`` < ``organisations``
< ``generator`` (each pass a class extending the one before, so the draws keep their order) — and
``accounts``.
"""

from linli.registry.demo.accounts import ACCOUNTS, demo_accounts_ensure, demo_accounts_list
from linli.registry.demo.composition import (
    Member,
    Rect,
    birth_for_age,
    community_tiles,
    credit_code,
    household_compose,
    point_in,
    rect_polygon,
    split_rect,
    zone_slots,
)
from linli.registry.demo.data import (
    ADDRESS_PREFIX,
    BATCH,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_SOURCE,
    DEPARTMENTS,
    DISTRICT_BOX,
    DISTRICT_CODE,
    DISTRICT_NAME,
    FULL_POPULATION,
    HOUSEHOLD_SIZE,
    HOUSEHOLDS_PER_GRID,
    LOCAL_SURNAMES,
    M_PER_DEG_LAT,
    M_PER_DEG_LON,
    NATIONAL_SURNAMES,
    PLANT_DUPLICATE_IDS,
    PLANT_EMPTY_BUILDINGS,
    PLANT_EMPTY_HOUSEHOLDS,
    PLANT_OUTSIDE_BUILDINGS,
    PLANT_UNHOUSED_PERSONS,
    ZONES,
    community_short_name,
    urban_of,
)
from linli.registry.demo.generator import demo_load
from linli.registry.demo.state import DemoError, DemoResult
from linli.registry.demo.stream import Stream, Weighted

__all__ = [
    "ACCOUNTS",
    "ADDRESS_PREFIX",
    "BATCH",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_SOURCE",
    "DEPARTMENTS",
    "DISTRICT_BOX",
    "DISTRICT_CODE",
    "DISTRICT_NAME",
    "FULL_POPULATION",
    "HOUSEHOLDS_PER_GRID",
    "HOUSEHOLD_SIZE",
    "LOCAL_SURNAMES",
    "M_PER_DEG_LAT",
    "M_PER_DEG_LON",
    "NATIONAL_SURNAMES",
    "PLANT_DUPLICATE_IDS",
    "PLANT_EMPTY_BUILDINGS",
    "PLANT_EMPTY_HOUSEHOLDS",
    "PLANT_OUTSIDE_BUILDINGS",
    "PLANT_UNHOUSED_PERSONS",
    "ZONES",
    "DemoError",
    "DemoResult",
    "Member",
    "Rect",
    "Stream",
    "Weighted",
    "birth_for_age",
    "community_short_name",
    "community_tiles",
    "credit_code",
    "demo_accounts_ensure",
    "demo_accounts_list",
    "demo_load",
    "household_compose",
    "point_in",
    "rect_polygon",
    "split_rect",
    "urban_of",
    "zone_slots",
]
