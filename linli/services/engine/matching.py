"""供需匹配: score every (need, provider) pair with an explanation, rank, and assign a batch optimally.

Pure numpy/scipy, no Django. A *provider* is a service, a resource or a volunteer offer with a
capacity (how many needs of the batch it can take). The score of a pair is out of 100:

- 类别 category: 40 when the provider's category is the need's, 20 when they share a parent area;
  otherwise the pair is infeasible;
- 资格 eligibility: infeasible when the person is outside the provider's target groups, age range or
  service area; +10 when the provider targets a group the person belongs to;
- 距离 distance: up to 25, falling linearly to 0 at ``reach_m`` metres (8 when a point is unknown);
  beyond ``max_m`` (when given) the pair is infeasible;
- 时间 time: 15 when the provider's days and periods meet the preferred ones, 7 when only one does;
- 容量 capacity: up to 10 for spare capacity (10 at five places or more).

The batch objective weighs each need by its urgency (一般 1.0, 较急 1.2, 紧急 1.5). ``assign_optimal``
solves the capacitated assignment exactly as an integer programme over the feasible pairs (HiGHS
through ``scipy.optimize.milp``; the constraint matrix is totally unimodular, so the LP optimum is
integral); ``assign_greedy`` is the baseline; ``assign_lsa`` is the textbook exact solver on a
capacity-expanded matrix, for tests and benchmarks where it fits in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, linprog, milp
from scipy.sparse.csgraph import connected_components

W_CATEGORY, W_PARENT, W_TARGET, W_DISTANCE, W_DISTANCE_UNKNOWN, W_TIME, W_CAPACITY = 40, 20, 10, 25, 8, 15, 10
URGENCY_WEIGHT = {"low": 1.0, "normal": 1.2, "high": 1.5}
M_PER_DEG_LAT = 110_950.0


@dataclass
class Needs:
    """A batch of needs as parallel arrays (length n). Masks: days bit i-1 = weekday i; periods bits 0–2."""

    ids: list[int]
    category: np.ndarray  # int codes
    parent: np.ndarray  # int codes of the parent area (-1 none)
    tags: np.ndarray  # int64 bitmask of the person's groups
    age: np.ndarray  # int, -1 unknown
    region: list[str]  # statistical code of the person's region
    lat: np.ndarray  # float, nan unknown
    lon: np.ndarray
    days: np.ndarray  # 0 = any day
    periods: np.ndarray  # 0 = any time
    urgency: np.ndarray  # weight

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Providers:
    """Candidate providers as parallel arrays (length m). ``tags`` 0 = open to everyone."""

    ids: list[str]
    category: np.ndarray
    parent: np.ndarray
    tags: np.ndarray
    min_age: np.ndarray  # -1 none
    max_age: np.ndarray  # -1 none
    region: list[str]  # service area code ("" = anywhere)
    lat: np.ndarray
    lon: np.ndarray
    days: np.ndarray
    periods: np.ndarray
    capacity: np.ndarray
    labels: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


def _region_ok(needs: Needs, providers: Providers) -> np.ndarray:
    """Boolean n×m: the need's region lies in the provider's service area (one pass per distinct area)."""
    n, m = len(needs), len(providers)
    ok = np.ones((n, m), dtype=bool)
    codes = np.array(needs.region, dtype=object)
    areas: dict[str, list[int]] = {}
    for j, area in enumerate(providers.region):
        if area:
            areas.setdefault(area, []).append(j)
    for area, cols in areas.items():
        inside = np.fromiter((c.startswith(area) for c in codes), dtype=bool, count=n)
        ok[:, cols] = inside[:, None]
    return ok


def distance_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Equirectangular distance in metres (good to well under 1 % within a city)."""
    mean_lat = np.radians((lat1 + lat2) / 2)
    dy = (lat1 - lat2) * M_PER_DEG_LAT
    dx = (lon1 - lon2) * M_PER_DEG_LAT * np.cos(mean_lat)
    return np.sqrt(dx * dx + dy * dy)


def _popcount_nonzero(a: np.ndarray) -> np.ndarray:
    return a != 0


def score_block(
    needs: Needs,
    providers: Providers,
    rows: slice | np.ndarray | None = None,
    *,
    reach_m: float = 3000.0,
    max_m: float | None = None,
    capacity_left: np.ndarray | None = None,
) -> np.ndarray:
    """Scores (float32) of the needs in ``rows`` against every provider; -1 marks an infeasible pair."""
    idx = np.arange(len(needs))[rows] if rows is not None else np.arange(len(needs))
    cap = providers.capacity if capacity_left is None else capacity_left
    cat_n, par_n = needs.category[idx][:, None], needs.parent[idx][:, None]
    exact = cat_n == providers.category[None, :]
    sibling = (
        (par_n >= 0) & (par_n == providers.parent[None, :])
        | (par_n == providers.category[None, :])
        | (cat_n == providers.parent[None, :])
    )
    score = np.where(exact, W_CATEGORY, np.where(sibling, W_PARENT, 0)).astype(np.float32)
    feasible = exact | sibling
    ptags = providers.tags[None, :]
    ntags = needs.tags[idx][:, None]
    targeted = ptags != 0
    group_ok = ~targeted | _popcount_nonzero(ntags & ptags)
    age = needs.age[idx][:, None]
    age_ok = ((providers.min_age[None, :] < 0) | (age < 0) | (age >= providers.min_age[None, :])) & (
        (providers.max_age[None, :] < 0) | (age < 0) | (age <= providers.max_age[None, :])
    )
    sub = Needs(
        ids=[needs.ids[i] for i in idx],
        category=needs.category[idx],
        parent=needs.parent[idx],
        tags=needs.tags[idx],
        age=needs.age[idx],
        region=[needs.region[i] for i in idx],
        lat=needs.lat[idx],
        lon=needs.lon[idx],
        days=needs.days[idx],
        periods=needs.periods[idx],
        urgency=needs.urgency[idx],
    )
    feasible &= group_ok & age_ok & _region_ok(sub, providers) & (cap[None, :] > 0)
    score += np.where(targeted & group_ok, W_TARGET, 0).astype(np.float32)
    d = distance_m(
        needs.lat[idx][:, None], needs.lon[idx][:, None], providers.lat[None, :], providers.lon[None, :]
    )
    known = ~np.isnan(d)
    dscore = np.where(
        known, W_DISTANCE * np.clip(1 - np.nan_to_num(d, nan=0.0) / reach_m, 0, 1), W_DISTANCE_UNKNOWN
    )
    score += dscore.astype(np.float32)
    if max_m is not None:
        feasible &= ~known | (np.nan_to_num(d, nan=0.0) <= max_m)
    nd, pd = needs.days[idx][:, None], providers.days[None, :]
    npd, ppd = needs.periods[idx][:, None], providers.periods[None, :]
    day_ok = (nd == 0) | (pd == 0) | ((nd & pd) != 0)
    period_ok = (npd == 0) | (ppd == 0) | ((npd & ppd) != 0)
    score += np.where(day_ok & period_ok, W_TIME, np.where(day_ok | period_ok, W_TIME // 2, 0)).astype(
        np.float32
    )
    score += (W_CAPACITY * np.minimum(cap, 5) / 5)[None, :].astype(np.float32)
    return np.where(feasible, score, np.float32(-1))


def explain(
    needs: Needs, providers: Providers, i: int, j: int, *, reach_m: float = 3000.0
) -> list[tuple[str, float, str]]:
    """The parts of the score of need ``i`` and provider ``j``: (part, points, Chinese reason)."""
    parts: list[tuple[str, float, str]] = []
    if needs.category[i] == providers.category[j]:
        parts.append(("类别", W_CATEGORY, "服务类别与需求一致"))
    else:
        parts.append(("类别", W_PARENT, "服务类别与需求相近（同一领域）"))
    if providers.tags[j]:
        parts.append(("资格", W_TARGET, "专门面向该居民所属人群"))
    else:
        parts.append(("资格", 0, "面向全体居民"))
    lat1, lon1, lat2, lon2 = needs.lat[i], needs.lon[i], providers.lat[j], providers.lon[j]
    if any(math.isnan(float(v)) for v in (lat1, lon1, lat2, lon2)):
        parts.append(("距离", W_DISTANCE_UNKNOWN, "位置未知，按中等距离计"))
    else:
        d = float(distance_m(np.array([lat1]), np.array([lon1]), np.array([lat2]), np.array([lon2]))[0])
        pts = W_DISTANCE * max(0.0, 1 - d / reach_m)
        parts.append(
            ("距离", round(pts, 1), f"相距约 {d / 1000:.1f} 公里" if d >= 1000 else f"相距约 {d:.0f} 米")
        )
    nd, pd, npd, ppd = (
        int(needs.days[i]),
        int(providers.days[j]),
        int(needs.periods[i]),
        int(providers.periods[j]),
    )
    day_ok = nd == 0 or pd == 0 or (nd & pd) != 0
    period_ok = npd == 0 or ppd == 0 or (npd & ppd) != 0
    if day_ok and period_ok:
        parts.append(("时间", W_TIME, "服务时间符合居民希望的时间"))
    elif day_ok or period_ok:
        parts.append(("时间", W_TIME // 2, "服务时间部分符合（星期或时段不一致）"))
    else:
        parts.append(("时间", 0, "服务时间与居民希望的时间不一致"))
    cap = int(providers.capacity[j])
    parts.append(("容量", round(W_CAPACITY * min(cap, 5) / 5, 1), f"尚余 {cap} 个名额"))
    return parts


def rank(needs: Needs, providers: Providers, i: int, k: int = 5, **kw: float) -> list[tuple[int, float]]:
    """The ``k`` best feasible providers of need ``i``: [(provider index, score)], best first."""
    s = score_block(needs, providers, np.array([i]), **kw)[0]  # type: ignore[arg-type]
    order = np.argsort(-s, kind="stable")
    return [(int(j), float(s[j])) for j in order[:k] if s[j] >= 0]


@dataclass
class Assignment:
    pairs: list[tuple[int, int]]  # (need index, provider index)
    total: float  # urgency-weighted total score
    solver: str


def _weighted(scores: np.ndarray, urgency: np.ndarray) -> np.ndarray:
    return np.where(scores >= 0, scores * urgency[:, None], -1).astype(np.float64)


def candidate_pairs(
    weighted: np.ndarray, per_need: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feasible (row, col, weight) triples, optionally only each need's ``per_need`` best."""
    if per_need is not None and per_need < weighted.shape[1]:
        cols = np.argpartition(-weighted, per_need - 1, axis=1)[:, :per_need]
        rows = np.repeat(np.arange(weighted.shape[0]), per_need)
        cols = cols.ravel()
        w = weighted[rows, cols]
        keep = w >= 0
        return rows[keep], cols[keep], w[keep]
    rows, cols = np.nonzero(weighted >= 0)
    return rows, cols, weighted[rows, cols]


def _bmatching_rows(
    rows: np.ndarray, cols: np.ndarray, n: int, capacity: np.ndarray
) -> tuple[sparse.csr_array, np.ndarray]:
    """The constraints of a capacitated bipartite b-matching over the candidate pairs (``rows[i]``,
    ``cols[i]``): each need at most once, each provider at most its capacity — ``a @ x <= ub``."""
    k, m = len(rows), len(capacity)
    var = np.arange(k)
    a = sparse.vstack(
        [
            sparse.csr_array((np.ones(k), (rows, var)), shape=(n, k)),
            sparse.csr_array((np.ones(k), (cols, var)), shape=(m, k)),
        ]
    ).tocsr()
    return a, np.concatenate([np.ones(n), capacity.astype(np.float64)])


def _solve_lp(
    rows: np.ndarray, cols: np.ndarray, w: np.ndarray, n: int, capacity: np.ndarray
) -> list[tuple[int, int]]:
    """Maximum-weight capacitated assignment as a linear programme (HiGHS). The constraint matrix of a
    bipartite b-matching is totally unimodular, so the simplex vertex it returns is integral."""
    a, ub = _bmatching_rows(rows, cols, n, capacity)
    res = linprog(-w, A_ub=a, b_ub=ub, bounds=(0, 1), method="highs-ds")
    if res.x is None:  # pragma: no cover - x = 0 is always feasible
        raise RuntimeError(f"匹配求解失败：{res.message}")
    chosen = np.nonzero(res.x > 0.5)[0]
    return [(int(rows[v]), int(cols[v])) for v in chosen]


def _solve_dense(
    rows: np.ndarray, cols: np.ndarray, w: np.ndarray, n: int, capacity: np.ndarray
) -> list[tuple[int, int]]:
    """The same problem by the Hungarian method on the capacity-expanded matrix (small components)."""
    need_ids, r = np.unique(rows, return_inverse=True)
    prov_ids, c = np.unique(cols, return_inverse=True)
    cap = np.minimum(capacity[prov_ids].astype(np.int64), len(need_ids))
    block = np.full((len(need_ids), len(prov_ids)), -1.0)
    block[r, c] = w
    expand = np.repeat(np.arange(len(prov_ids)), cap)
    profit = np.maximum(block[:, expand], 0.0)
    ri, ci = linear_sum_assignment(profit, maximize=True)
    return [
        (int(need_ids[i]), int(prov_ids[expand[j]]))
        for i, j in zip(ri, ci, strict=True)
        if block[i, expand[j]] >= 0
    ]


def assign_pairs(
    rows: np.ndarray,
    cols: np.ndarray,
    w: np.ndarray,
    n: int,
    capacity: np.ndarray,
    *,
    dense_limit: int = 20_000_000,
) -> list[tuple[int, int]]:
    """Maximum-weight capacitated assignment over the given pairs, exact.

    The bipartite graph of feasible pairs falls apart by service area and category; each connected
    component is solved alone — by the Hungarian method on its capacity-expanded matrix when that has
    at most ``dense_limit`` cells, otherwise as a linear programme.
    """
    if len(w) == 0:
        return []
    m = len(capacity)
    graph = sparse.coo_array((np.ones(len(w)), (rows, n + cols)), shape=(n + m, n + m))
    _, labels = connected_components(graph, directed=False)
    edge_label = labels[rows]
    order = np.argsort(edge_label, kind="stable")
    bounds = np.flatnonzero(np.diff(edge_label[order])) + 1
    pairs: list[tuple[int, int]] = []
    for part in np.split(order, bounds):
        r, c, pw = rows[part], cols[part], w[part]
        n_c = len(np.unique(r))
        cap_c = np.minimum(capacity[np.unique(c)], n_c).sum()
        if n_c * cap_c <= dense_limit:
            pairs += _solve_dense(r, c, pw, n, capacity)
        else:
            pairs += _solve_lp(r, c, pw, n, capacity)
    return pairs


def assign_optimal(
    scores: np.ndarray, urgency: np.ndarray, capacity: np.ndarray, *, per_need: int | None = None
) -> Assignment:
    """The batch assignment maximising the urgency-weighted total score under the capacities.

    ``per_need`` keeps only each need's best candidates (exact over that set; exact overall when None).
    """
    weighted = _weighted(scores, urgency)
    rows, cols, w = candidate_pairs(weighted, per_need)
    pairs = assign_pairs(rows, cols, w, scores.shape[0], capacity)
    return Assignment(
        pairs, total_of(pairs, weighted), "optimal" if per_need is None else f"optimal-top{per_need}"
    )


def assign_milp(scores: np.ndarray, urgency: np.ndarray, capacity: np.ndarray) -> Assignment:
    """The whole batch as one integer programme (HiGHS MIP): the independent exact reference."""
    weighted = _weighted(scores, urgency)
    rows, cols, w = candidate_pairs(weighted)
    n, k = scores.shape[0], len(w)
    a, ub = _bmatching_rows(rows, cols, n, capacity)
    res = milp(
        c=-w, constraints=LinearConstraint(a, -np.inf, ub), integrality=np.ones(k), bounds=Bounds(0, 1)
    )
    chosen = np.nonzero(res.x > 0.5)[0] if res.x is not None else np.array([], dtype=int)
    pairs = [(int(rows[v]), int(cols[v])) for v in chosen]
    return Assignment(pairs, total_of(pairs, weighted), "milp")


def assign_greedy(scores: np.ndarray, urgency: np.ndarray, capacity: np.ndarray) -> Assignment:
    """Best pair first, while the need is free and the provider has capacity (the usual baseline)."""
    weighted = _weighted(scores, urgency)
    rows, cols = np.nonzero(weighted >= 0)
    w = weighted[rows, cols]
    order = np.argsort(-w, kind="stable")
    left = capacity.astype(np.int64).copy()
    taken = np.zeros(scores.shape[0], dtype=bool)
    pairs = []
    for t in order:
        i, j = rows[t], cols[t]
        if not taken[i] and left[j] > 0:
            taken[i] = True
            left[j] -= 1
            pairs.append((int(i), int(j)))
    return Assignment(pairs, total_of(pairs, weighted), "greedy")


def assign_lsa(scores: np.ndarray, urgency: np.ndarray, capacity: np.ndarray) -> Assignment:
    """Exact by the Hungarian method on the capacity-expanded matrix (n × Σcapacity: small batches only)."""
    weighted = _weighted(scores, urgency)
    cap = np.minimum(capacity.astype(np.int64), scores.shape[0])
    expand = np.repeat(np.arange(scores.shape[1]), cap)
    profit = np.where(weighted[:, expand] >= 0, weighted[:, expand], 0.0)
    r, c = linear_sum_assignment(profit, maximize=True)
    pairs = [(int(i), int(expand[j])) for i, j in zip(r, c, strict=True) if weighted[i, expand[j]] >= 0]
    return Assignment(pairs, total_of(pairs, weighted), "linear_sum_assignment")


def total_of(pairs: list[tuple[int, int]], weighted: np.ndarray) -> float:
    return float(sum(weighted[i, j] for i, j in pairs))


def check_assignment(pairs: list[tuple[int, int]], scores: np.ndarray, capacity: np.ndarray) -> None:
    """Raise AssertionError unless every need is used once, every pair feasible, every capacity kept."""
    needs_seen: set[int] = set()
    used = np.zeros(len(capacity), dtype=np.int64)
    for i, j in pairs:
        assert i not in needs_seen, f"need {i} assigned twice"
        assert scores[i, j] >= 0, f"infeasible pair {i}, {j}"
        needs_seen.add(i)
        used[j] += 1
    assert (used <= capacity).all(), "capacity exceeded"
