"""Benchmark: evaluate every care rule over a large registry on PostgreSQL.

Three ways to find who each rule matches, on the same synthetic registry (persons in households,
tags with validity periods, ages 0–100):

- project: ``linli.care.selectors.rule_matches`` — the rule's JSON condition compiled by the engine
  into one bulk query per rule (tags and household composition as subqueries), rows read as
  ``care_evaluate`` reads them (``values_list("pk", "region_id")``);
- floor: one plain SQL query per rule written by hand for PostgreSQL (EXISTS / NOT EXISTS on the
  same indexes), rows fetched with a raw cursor;
- person by person: the engine's Python evaluator over each person's facts, timed on a sample and
  extrapolated to the registry (``facts_for`` + ``evaluate`` of every rule).

The registry is written with COPY. Prints the three times and ends with one line
``BENCH care persons=… project_s=… floor_s=… loop_s=… ratio=<project/floor>``. Target: ratio ≤ 2.

    python bench/care.py --pg-url postgres://linli:linli@127.0.0.1/linli_care_bench            # 10 M
    python bench/care.py --quick --pg-url postgres://linli:linli@127.0.0.1/linli_care_bench    # 1 M
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pgbench_db import pg_reset, setup_django  # noqa: E402

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
DAY = dt.date(2026, 12, 1)
SAMPLE = 20_000


def build_registry(n: int, seed: int) -> None:
    from django.db import connection

    from linli.core.bulk import insert_rows
    from linli.registry.models import Household, Person, PersonTag
    from linli.testing.factories import build_region_tree

    tree = build_region_tree()
    grids = [g.pk for gs in tree.grids.values() for g in gs]
    rng = random.Random(seed)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    households = n * 2 // 5
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM registry_household")
        h0 = cur.fetchone()[0]
    insert_rows(
        Household,
        ["code", "region_id", "unit", "room", "address", "created_at"],
        [(f"BH{i:09d}", grids[i % len(grids)], "", "", "", now) for i in range(households)],
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
    columns = [
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
        f"  registry: {n:,} persons, {households:,} households, {len(tags):,} tags in {time.perf_counter() - t:.1f} s"
    )


def floor_queries() -> dict[str, str]:
    """One query per shipped rule, written by hand for PostgreSQL."""
    from linli.care.engine.rules import born_on_or_before

    b18, b60, b80 = (born_on_or_before(DAY, a).isoformat() for a in (18, 60, 80))
    d = DAY.isoformat()
    live = "p.status = 'active' AND NOT p.legacy_duplicate"
    tag = (
        "EXISTS (SELECT 1 FROM registry_persontag t WHERE t.person_id = p.id AND t.kind {k} "
        f"AND t.valid_from <= '{d}' AND (t.valid_to IS NULL OR t.valid_to >= '{d}'){{extra}})"
    )

    def has(kind: str, extra: str = "") -> str:
        return tag.format(k=f"= '{kind}'" if "," not in kind else f"IN ({kind})", extra=extra)

    others = (
        "EXISTS (SELECT 1 FROM registry_person o WHERE o.household_id = p.household_id AND o.id <> p.id "
        "AND o.status = 'active' AND NOT o.legacy_duplicate{extra})"
    )
    alone = f"(p.household_id IS NOT NULL AND NOT {others.format(extra='')})"
    no_young = f"(p.household_id IS NOT NULL AND NOT {others.format(extra=f' AND o.birth_date > {chr(39)}{b60}{chr(39)}')})"
    head = f"SELECT p.id, p.region_id FROM registry_person p WHERE {live} AND "
    return {
        "special_elderly": head
        + f"(p.birth_date <= '{b80}' OR (p.birth_date <= '{b60}' AND ({alone} OR {no_young} OR "
        + has("'living_alone','empty_nest','disabled','dibao','tekun'")
        + ")))",
        "elderly_80": head + f"p.birth_date <= '{b80}'",
        "left_behind_elderly": head + f"p.birth_date <= '{b60}' AND " + has("left_behind_elderly"),
        "left_behind_child": head + f"p.birth_date > '{b18}' AND " + has("left_behind_child"),
        "child_in_difficulty": head + f"p.birth_date > '{b18}' AND " + has("child_in_difficulty"),
        "severe_disabled": head + has("disabled", " AND t.disability_grade <= 2"),
        "dibao_edge": head + has("dibao_edge") + " AND NOT " + has("dibao"),
        "tekun_elderly": head
        + f"p.birth_date <= '{b60}' AND {alone} AND "
        + has("dibao")
        + " AND NOT "
        + has("tekun"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1 000 000 persons instead of 10 000 000")
    ap.add_argument("--persons", type=int, default=0)
    ap.add_argument("--pg-url", default="postgres://linli:linli@127.0.0.1/linli_care_bench")
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    n = a.persons or (1_000_000 if a.quick else 10_000_000)
    base, name = a.pg_url.rsplit("/", 1)
    admin = (
        f"{base}/postgres"  # the bench's own database is dropped and created from the server's default one
    )
    url = pg_reset(admin, name)
    print(f"care bench: {n:,} persons on PostgreSQL ({name})", flush=True)
    t = time.perf_counter()
    setup_django(url)
    print(f"  migrated in {time.perf_counter() - t:.1f} s", flush=True)
    build_registry(n, a.seed)

    from django.db import connection

    from linli.care import selectors
    from linli.care.engine import rules as eng
    from linli.care.models import CareRule

    rules = list(CareRule.objects.filter(active=True).order_by("sort"))
    floors = floor_queries()
    project: dict[str, tuple[int, float]] = {}
    floor: dict[str, tuple[int, float]] = {}
    for _ in range(2):  # the second round is measured: both read a warm cache
        for rule in rules:
            t = time.perf_counter()
            got = sum(
                1 for _ in selectors.rule_matches(rule, DAY).values_list("pk", "region_id").iterator(20000)
            )
            project[rule.code] = (got, time.perf_counter() - t)
            t = time.perf_counter()
            with connection.cursor() as cur:
                cur.execute(floors[rule.code])
                rows = len(cur.fetchall())
            floor[rule.code] = (rows, time.perf_counter() - t)
    print(f"  {'rule':<22}{'matched':>10}{'project s':>11}{'floor s':>9}")
    for rule in rules:
        (m, ts), (f, tf) = project[rule.code], floor[rule.code]
        assert m == f, f"{rule.code}: project {m} ≠ floor {f}"
        print(f"  {rule.code:<22}{m:>10,}{ts:>11.2f}{tf:>9.2f}")
    project_s = sum(v[1] for v in project.values())
    floor_s = sum(v[1] for v in floor.values())

    ids = list(selectors.registered().order_by("?").values_list("pk", flat=True)[:SAMPLE])
    t = time.perf_counter()
    facts = selectors.facts_for(ids, DAY)
    hits = sum(1 for f in facts.values() for r in rules if eng.evaluate(r.condition, f))
    per = (time.perf_counter() - t) / len(ids)
    loop_s = per * n
    print(
        f"  person by person: {len(ids):,} sampled in {per * len(ids):.1f} s ({hits} matches) → {loop_s:.0f} s for {n:,}"
    )
    print(f"  project {project_s:.2f} s, floor {floor_s:.2f} s, person by person ≈ {loop_s:.0f} s")
    print(
        f"BENCH care persons={n} project_s={project_s:.2f} floor_s={floor_s:.2f} loop_s={loop_s:.0f} "
        f"ratio={project_s / floor_s:.2f}"
    )
    connection.close()
    pg_reset(admin, name, drop_only=True)


if __name__ == "__main__":
    main()
