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
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pgbench_db import pg_reset, setup_django  # noqa: E402
from bench.synthetic_registry import build_registry  # noqa: E402

DAY = dt.date(2026, 12, 1)
SAMPLE = 20_000


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
