"""A large synthetic registry on PostgreSQL, written with COPY (shared by the care and emergency benches).

``build_registry`` writes persons in households with tags that have validity periods, ages 0–100;
``build_district`` first writes a district of many streets, communities, grids and buildings for the
persons to live in (the test tree's eight grids are too few for an area-sized benchmark).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

TAG_WEIGHTS = [
    ("empty_nest", 70),
    ("disabled", 25),
    ("living_alone", 17),
    ("dibao", 11),
    ("left_behind_elderly", 9),
    ("key_care", 10),
    ("dibao_edge", 5),
    ("veteran", 5),
    ("left_behind_child", 4),
    ("tekun", 3),
    ("child_in_difficulty", 1),
]


@dataclass
class District:
    """What ``build_district`` made: street → its community ids, community → its grid ids, grid → its
    building ids (all ids)."""

    streets: dict[int, list[int]]
    grids: dict[int, list[int]]
    buildings: dict[int, list[int]]

    @property
    def all_grids(self) -> list[int]:
        return [g for gs in self.grids.values() for g in gs]


# registry_person's columns as the synthetic registries write them (bench/city_gen.py adds the id)
PERSON_COPY_COLUMNS = [
    "name",
    "id_number",
    "id_number_index",
    "sex",
    "birth_date",
    "phone",
    "phone_index",
    "household_id",
    "relation",
    "residence_type",
    "ethnicity",
    "region_id",
    "status",
    "note",
    "legacy_duplicate",
    "created_at",
    "updated_at",
]


def build_district(streets: int, communities: int, grids: int, buildings: int) -> District:
    """Under the test tree's district 350504: ``streets`` streets (codes 350504201…) of ``communities``
    communities of ``grids`` grids, each grid with ``buildings`` buildings."""
    from django.db import connection

    from linli.core.bulk import insert_rows
    from linli.regions.models import Level, Region
    from linli.registry.models import Building
    from linli.testing.factories import build_region_tree

    district = build_region_tree().district
    t = time.perf_counter()

    def make(parent_rows: list[Region], per: int, level: Level, word: str) -> dict[int, list[Region]]:
        rows = [
            Region(
                code=f"{p.code}{i:03d}",
                name=f"{p.name[-6:]}{word}{i}",
                level=level,
                parent=p,
                urban_rural="urban",
                source="bench",
            )
            for p in parent_rows
            for i in range(1, per + 1)
        ]
        Region.objects.bulk_create(rows, batch_size=5000)
        out: dict[int, list[Region]] = {}
        for r in rows:
            out.setdefault(r.parent_id, []).append(r)  # type: ignore[arg-type]
        return out

    street_rows = [
        Region(
            code=f"350504{200 + s}", name=f"试验街道{s}", level=Level.STREET, parent=district, source="bench"
        )
        for s in range(1, streets + 1)
    ]
    Region.objects.bulk_create(street_rows)
    by_street = make(street_rows, communities, Level.COMMUNITY, "社区")
    by_community = make([c for cs in by_street.values() for c in cs], grids, Level.GRID, "网格")
    grid_ids = [g.pk for gs in by_community.values() for g in gs]
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    insert_rows(
        Building,
        ["code", "name", "kind", "region_id", "address", "created_at"],
        [
            (f"BB{g:06d}{b:03d}", f"{b + 1}号楼", "building", g, "", now)
            for g in grid_ids
            for b in range(buildings)
        ],
    )
    by_grid: dict[int, list[int]] = {}
    with connection.cursor() as cur:
        cur.execute("SELECT region_id, id FROM registry_building WHERE code LIKE 'BB%%' ORDER BY id")
        for g, b in cur.fetchall():
            by_grid.setdefault(g, []).append(b)
    print(
        f"  district: {streets} streets, {streets * communities} communities, {len(grid_ids)} grids, "
        f"{len(grid_ids) * buildings:,} buildings in {time.perf_counter() - t:.1f} s",
        flush=True,
    )
    return District(
        streets={s.pk: [c.pk for c in by_street[s.pk]] for s in street_rows},
        grids={c: [g.pk for g in gs] for c, gs in by_community.items()},
        buildings=by_grid,
    )


def build_registry(
    n: int, seed: int, *, grids: list[int] | None = None, buildings: dict[int, list[int]] | None = None
) -> None:
    """``n`` persons in ``n``·2/5 households spread over ``grids`` (default: the test tree's eight), 7 %
    without a household, 4 % moved out or deceased, 16 % with a tag. With ``buildings`` (grid → building
    ids) every household lives in a building of its grid."""
    from django.db import connection

    from linli.core.bulk import insert_rows
    from linli.registry.models import Household, Person, PersonTag
    from linli.testing.factories import build_region_tree

    if grids is None:
        tree = build_region_tree()
        grids = [g.pk for gs in tree.grids.values() for g in gs]
    rng = random.Random(seed)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    households = n * 2 // 5
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM registry_household")
        h0 = cur.fetchone()[0]

    def home(i: int) -> tuple[int, int | None]:  # household i: its grid (its members' grid) and building
        g = grids[(h0 + 1 + i) % len(grids)]
        if not buildings:
            return g, None
        bs = buildings[g]
        return g, bs[(i // len(grids)) % len(bs)]

    insert_rows(
        Household,
        ["code", "region_id", "building_id", "unit", "room", "address", "created_at"],
        [(f"BH{i:09d}", *home(i), "", "", "", now) for i in range(households)],
    )
    people = []
    kinds = [k for k, _ in TAG_WEIGHTS]
    weights = [w for _, w in TAG_WEIGHTS]
    base = dt.date(1926, 1, 1)
    for i in range(n):
        hh = h0 + 1 + rng.randrange(households) if rng.random() < 0.93 else None
        status = "active" if rng.random() < 0.96 else rng.choice(["moved_out", "deceased"])
        people.append(
            (
                f"居民{i}",
                "",
                "",
                "M" if i % 2 else "F",
                base + dt.timedelta(days=rng.randrange(36500)),
                "",
                "",
                hh,
                "",
                "registered",
                "汉族",
                grids[(hh or i) % len(grids)],
                status,
                "",
                False,
                now,
                now,
            )
        )
    columns = PERSON_COPY_COLUMNS
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM registry_person")
        p0 = cur.fetchone()[0]
    insert_rows(Person, columns, people)
    del people
    tags = []
    for i in range(n):
        if rng.random() < 0.16:
            kind = rng.choices(kinds, weights)[0]
            start = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(4000))
            end = start + dt.timedelta(days=rng.randrange(2500)) if rng.random() < 0.3 else None
            disabled = kind == "disabled"
            tags.append(
                (
                    p0 + 1 + i,
                    kind,
                    "physical" if disabled else "",
                    rng.randint(1, 4) if disabled else None,
                    start,
                    end,
                    "",
                    now,
                )
            )
    insert_rows(
        PersonTag,
        [
            "person_id",
            "kind",
            "disability_category",
            "disability_grade",
            "valid_from",
            "valid_to",
            "note",
            "created_at",
        ],
        tags,
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE registry_person")
        cur.execute("ANALYZE registry_persontag")
        cur.execute("ANALYZE registry_household")
    print(
        f"  registry: {n:,} persons, {households:,} households, {len(tags):,} tags in {time.perf_counter() - t:.1f} s",
        flush=True,
    )
