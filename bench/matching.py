"""Benchmark: batch matching of needs to providers with capacities (linli.services.engine.matching).

Synthetic batch: N needs and M providers (services, resources, volunteers) with capacities 1–8 in a
15 km × 15 km district, 24 categories in 12 areas, target groups, age limits, preferred days and times;
a pair is feasible within 5 km when the category (or its area) and eligibility fit. Prints the
urgency-weighted total score and the time of:

- the project's assignment (``assign_optimal``: exact, per connected component — Hungarian method on
  the capacity-expanded block, or the LP when a block is large);
- a greedy assignment (best pair first), the usual baseline;
- an independent exact solver where it fits in memory: ``scipy.optimize.linear_sum_assignment`` on the
  whole capacity-expanded matrix (n × Σcapacity), else the whole batch as one linear programme (HiGHS)
  over every feasible pair.

    python bench/matching.py            # 10 000 needs × 2 000 providers
    python bench/matching.py --quick    # 2 000 × 400
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linli.services.engine import matching  # noqa: E402


def synth(n: int, m: int, seed: int) -> tuple[matching.Needs, matching.Providers]:
    rng = np.random.default_rng(seed)
    lat0, lon0, span = 25.0, 118.6, 0.14  # about 15 km
    cats = rng.integers(0, 24, n)
    needs = matching.Needs(
        ids=list(range(n)),
        category=cats,
        parent=100 + cats // 2,  # the 12 areas are taxonomy terms of their own
        tags=np.where(rng.random(n) < 0.5, rng.integers(1, 16, n), 0).astype(np.int64),
        age=rng.integers(3, 95, n),
        region=[f"350504{(i % 6) + 1:03d}001" for i in range(n)],
        lat=lat0 + rng.random(n) * span,
        lon=lon0 + rng.random(n) * span,
        days=np.where(rng.random(n) < 0.4, 0, rng.integers(1, 128, n)),
        periods=np.where(rng.random(n) < 0.4, 0, rng.integers(1, 8, n)),
        urgency=rng.choice([1.0, 1.2, 1.5], n, p=[0.6, 0.3, 0.1]),
    )
    pc = rng.integers(0, 24, m)
    providers = matching.Providers(
        ids=[f"s{j}" for j in range(m)],
        category=pc,
        parent=100 + pc // 2,
        tags=np.where(rng.random(m) < 0.3, rng.integers(1, 16, m), 0).astype(np.int64),
        min_age=np.where(rng.random(m) < 0.2, 60, -1),
        max_age=np.where(rng.random(m) < 0.1, 14, -1),
        region=[f"350504{(j % 6) + 1:03d}" if j % 3 else "350504" for j in range(m)],
        lat=lat0 + rng.random(m) * span,
        lon=lon0 + rng.random(m) * span,
        days=rng.integers(1, 128, m),
        periods=rng.integers(1, 8, m),
        capacity=rng.integers(1, 9, m),
    )
    return needs, providers


def timed(fn, *args, **kw):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 000 needs × 400 providers")
    ap.add_argument("--needs", type=int)
    ap.add_argument("--providers", type=int)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument(
        "--max-mb", type=int, default=800, help="memory allowed for the expanded matrix of the exact peer"
    )
    args = ap.parse_args()
    n = args.needs or (2_000 if args.quick else 10_000)
    m = args.providers or (400 if args.quick else 2_000)
    needs, providers = synth(n, m, args.seed)
    scores, t_score = timed(matching.score_block, needs, providers, max_m=5000.0)
    feasible = int((scores >= 0).sum())
    print(
        f"{n:,} needs × {m:,} providers, capacity {int(providers.capacity.sum()):,}; "
        f"{feasible:,} feasible pairs ({feasible / scores.size:.1%}); scoring {t_score:.2f}s"
    )
    ours, t_ours = timed(matching.assign_optimal, scores, needs.urgency, providers.capacity)
    greedy, t_greedy = timed(matching.assign_greedy, scores, needs.urgency, providers.capacity)
    for a in (ours, greedy):
        matching.check_assignment(a.pairs, scores, providers.capacity)
    expanded_mb = n * int(np.minimum(providers.capacity, n).sum()) * 8 * 2 / 1e6
    if expanded_mb <= args.max_mb:
        exact, t_exact = timed(matching.assign_lsa, scores, needs.urgency, providers.capacity)
    else:
        weighted = np.where(scores >= 0, scores * needs.urgency[:, None], -1).astype(np.float64)
        rows, cols, w = matching.candidate_pairs(weighted)
        t0 = time.perf_counter()
        pairs = matching._solve_lp(rows, cols, w, n, providers.capacity)
        t_exact = time.perf_counter() - t0
        exact = matching.Assignment(pairs, matching.total_of(pairs, weighted), "linprog-highs (whole batch)")
        print(
            f"(expanded matrix would need {expanded_mb:,.0f} MB > {args.max_mb} MB: exact peer is one LP over all pairs)"
        )
    matching.check_assignment(exact.pairs, scores, providers.capacity)
    print(f"\n{'solver':<32} {'assigned':>9} {'total score':>13} {'seconds':>8}")
    for label, a, t in [
        ("project (optimal by component)", ours, t_ours),
        ("greedy", greedy, t_greedy),
        (f"exact: {exact.solver}", exact, t_exact),
    ]:
        print(f"{label:<32} {len(a.pairs):>9,} {a.total:>13,.1f} {t:>8.2f}")
    print(
        f"BENCH matching needs={n} providers={m} project_total={ours.total:.1f} project_s={t_ours:.2f} "
        f"greedy_total={greedy.total:.1f} greedy_s={t_greedy:.2f} exact_total={exact.total:.1f} exact_s={t_exact:.2f} "
        f"quality_vs_exact={ours.total / exact.total:.4f} time_vs_exact={t_ours / t_exact:.2f} "
        f"ratio={ours.total / greedy.total:.4f}"
    )


if __name__ == "__main__":
    main()
