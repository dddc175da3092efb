"""Where to build next: maximal covering (MCLP) and p-median siting on walking distances.

Both problems are written as one *savings* problem. Demand point i has weight w_i (residents of the
target group); choosing candidate j gives it a saving s_ij > 0, and the value of a set S is

    f(S) = Σ_i w_i · max(0, max_{j∈S} s_ij)

- maximal covering: s_ij = 1 when candidate j is within the threshold of a demand point not yet
  covered by an existing facility (f = residents newly covered);
- p-median with existing facilities: s_ij = d0_i − d_ij where d0_i is the walk to the nearest
  existing facility (capped) — maximising the saving minimises the total walking distance.

f is monotone submodular, so the greedy choice comes with a bound for free: after every greedy step,
f(OPT) ≤ f(S_t) + (sum of the k largest current gains); the smallest such value is a proven upper
bound, and the gap report is (bound − value) / bound. The greedy set is then improved by swaps
(remove one chosen site, add the best other) until no swap helps. For maximal covering the LP
relaxation (HiGHS) gives a tighter bound and a second start, and the MILP restricted to the LP's
support and the sites found so far (usually a hundred candidates or so) polishes the result.
Small instances are solved exactly as a MILP with HiGHS (``scipy.optimize.milp``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

EXACT_NNZ = 20_000  # instances up to this many (demand, candidate) pairs are solved exactly
LP_NNZ = 200_000  # maximal covering up to this size gets its LP relaxation; beyond, a Lagrangian bound


@dataclass
class SitingResult:
    chosen: list[int]  # candidate indices
    value: float  # f(S): residents newly covered, or total saving (metre·persons)
    bound: float  # proven upper bound on the optimum
    method: str  # "exact" | "greedy+swap"
    seconds: float
    extra: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.value) / self.bound)


class Problem:
    """Savings matrix S (n demand × m candidates, CSR, positive entries only) and weights w."""

    def __init__(self, savings: sp.spmatrix, weights: np.ndarray):
        s = sp.csr_matrix(savings, dtype=np.float64, copy=True)  # eliminate_zeros works in place
        s.eliminate_zeros()
        s.data = np.maximum(s.data, 0)
        s.eliminate_zeros()
        self.w = np.asarray(weights, dtype=np.float64)
        self.S = s
        self.n, self.m = s.shape
        self.rows = np.repeat(np.arange(self.n), np.diff(s.indptr))
        self.csc = s.tocsc()
        self.binary = bool(s.nnz == 0 or np.all(s.data == s.data[0]))

    def best(self, chosen: list[int]) -> np.ndarray:
        b = np.zeros(self.n)
        for j in chosen:
            lo, hi = self.csc.indptr[j], self.csc.indptr[j + 1]
            r = self.csc.indices[lo:hi]
            b[r] = np.maximum(b[r], self.csc.data[lo:hi])
        return b

    def value(self, chosen: list[int]) -> float:
        return float(self.w @ self.best(chosen))

    def gains(self, b: np.ndarray) -> np.ndarray:
        contrib = np.maximum(self.S.data - b[self.rows], 0) * self.w[self.rows]
        return np.bincount(self.S.indices, weights=contrib, minlength=self.m)


def greedy(p: Problem, k: int) -> tuple[list[int], float]:
    """Greedy sites and the proven upper bound (min over steps of value + top-k gains)."""
    b = np.zeros(p.n)
    chosen: list[int] = []
    value = 0.0
    bound = np.inf
    k = min(k, p.m)
    for _ in range(k + 1):
        g = p.gains(b)
        g[chosen] = 0
        top = np.partition(g, -k)[-k:].sum() if k > 0 and p.m else 0.0
        bound = min(bound, value + float(top))
        if len(chosen) == k:
            break
        j = int(np.argmax(g))
        if g[j] <= 0:
            break
        chosen.append(j)
        lo, hi = p.csc.indptr[j], p.csc.indptr[j + 1]
        r = p.csc.indices[lo:hi]
        b[r] = np.maximum(b[r], p.csc.data[lo:hi])
        value = float(p.w @ b)
    return chosen, max(bound, value)


def swap(p: Problem, chosen: list[int], *, max_rounds: int = 50, deadline: float | None = None) -> list[int]:
    """1-swap local search: replace a chosen site by the best other while the value improves."""
    chosen = list(chosen)
    current = p.value(chosen)
    for _ in range(max_rounds):
        improved = False
        for pos in range(len(chosen)):
            if deadline is not None and time.perf_counter() > deadline:
                return chosen
            rest = chosen[:pos] + chosen[pos + 1 :]
            g = p.gains(p.best(rest))
            g[chosen] = -1
            j = int(np.argmax(g))
            base = p.value(rest)
            if base + g[j] > current * (1 + 1e-12) + 1e-9:
                chosen[pos] = j
                current = base + float(g[j])
                improved = True
        if not improved:
            break
    return chosen


def exact(p: Problem, k: int, *, time_limit: float = 60.0) -> tuple[list[int], float, float]:
    """MILP with HiGHS. Returns (chosen, value, dual bound)."""
    k = min(k, p.m)
    active = np.flatnonzero(np.diff(p.S.indptr) > 0)
    S = p.S[active]
    w = p.w[active]
    n, m = S.shape
    if n == 0 or k == 0:
        return [], 0.0, 0.0
    if p.binary:  # maximal covering: y_i ≤ Σ_j a_ij x_j, identical rows merged (weights summed)
        unit = float(S.data[0])
        S, w = _merge_rows(S, w)
        n = S.shape[0]
        c = np.concatenate((np.zeros(m), -w * unit))
        link = sp.hstack((-(S > 0).astype(np.float64), sp.identity(n))).tocsr()
        cons = [LinearConstraint(link, -np.inf, 0)]
        nvar = m + n
    else:  # savings: Σ_e∈row z_e ≤ 1, z_e ≤ x_j
        coo = S.tocoo()
        e = coo.nnz
        c = np.concatenate((np.zeros(m), -w[coo.row] * coo.data))
        one_per_row = sp.hstack(
            (sp.csr_matrix((n, m)), sp.csr_matrix((np.ones(e), (coo.row, np.arange(e))), shape=(n, e)))
        )
        link = sp.hstack(
            (-sp.csr_matrix((np.ones(e), (np.arange(e), coo.col)), shape=(e, m)), sp.identity(e))
        )
        cons = [LinearConstraint(one_per_row.tocsr(), -np.inf, 1), LinearConstraint(link.tocsr(), -np.inf, 0)]
        nvar = m + e
    card = sp.csr_matrix((np.ones(m), (np.zeros(m, dtype=int), np.arange(m))), shape=(1, nvar))
    cons.append(LinearConstraint(card, -np.inf, k))
    integrality = np.concatenate((np.ones(m), np.zeros(nvar - m)))
    res = milp(
        c, constraints=cons, integrality=integrality, bounds=Bounds(0, 1), options={"time_limit": time_limit}
    )
    if res.x is None:
        return [], 0.0, float("inf")
    x = res.x[:m]
    chosen = [int(j) for j in np.argsort(-x)[:k] if x[j] > 0.5]
    value = p.value(chosen)
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) if dual is not None and np.isfinite(dual) else value
    return chosen, value, max(bound, value)


def lp_relaxation(p: Problem, k: int, *, time_limit: float = 60.0) -> tuple[np.ndarray, float] | None:
    """Maximal covering only: the LP relaxation's site values x and its optimum (an upper bound)."""
    if not p.binary or p.S.nnz == 0:
        return None
    active = np.flatnonzero((np.diff(p.S.indptr) > 0) & (p.w > 0))
    S = (p.S[active] > 0).astype(np.float64)
    w = p.w[active] * float(p.S.data[0])
    n, m = S.shape
    c = np.concatenate((np.zeros(m), -w))
    a_ub = sp.vstack(
        (sp.hstack((-S, sp.identity(n))), sp.hstack((sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, n)))))
    ).tocsr()
    b_ub = np.concatenate((np.zeros(n), [min(k, m)]))
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs", options={"time_limit": time_limit})
    if res.x is None or res.status not in (0,):
        return None
    return res.x[:m], -float(res.fun)


def _merge_rows(S: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Demand points covered by exactly the same candidates become one row (their weights added)."""
    S = S.tocsr()
    S.sort_indices()
    groups: dict[bytes, int] = {}
    first: list[int] = []
    weight: list[float] = []
    for i in range(S.shape[0]):
        key = S.indices[S.indptr[i] : S.indptr[i + 1]].tobytes()
        g = groups.get(key)
        if g is None:
            groups[key] = len(first)
            first.append(i)
            weight.append(float(w[i]))
        else:
            weight[g] += float(w[i])
    return S[first], np.array(weight)


def lagrangian(p: Problem, k: int, lower: float, *, iterations: int = 300, deadline: float | None = None):
    """Maximal covering only: the Lagrangian bound (relaxing y_i ≤ Σ_j a_ij x_j), by subgradient steps.

    For multipliers 0 ≤ λ_i ≤ w_i the optimum is at most Σ_i (w_i − λ_i) + (sum of the k largest
    Σ_i a_ij λ_i). Returns (best bound, the candidates chosen in the last iterations).
    """
    if not p.binary or p.S.nnz == 0:
        return None
    a = (p.S > 0).astype(np.float64).tocsr()
    at = a.T.tocsr()
    w = p.w
    lam = w * 0.5
    best = np.inf
    k = min(k, p.m)
    pool: set[int] = set()
    theta = 2.0
    stall = 0
    for it in range(iterations):
        c = at @ lam
        top = np.argpartition(-c, k - 1)[:k]
        value = float((w - lam).sum() + c[top].sum())
        if value < best - 1e-9:
            best, stall = value, 0
        else:
            stall += 1
            if stall >= 15:
                theta, stall = theta / 2, 0
        if it >= iterations - 30:
            pool.update(int(j) for j in top)
        y = (w > lam).astype(np.float64)
        covered = np.asarray(a[:, top].sum(axis=1)).ravel()
        g = covered - y  # subgradient of the bound in λ
        norm = float(g @ g)
        if (
            norm == 0
            or best - lower <= 1e-9 * max(1.0, best)
            or (deadline and time.perf_counter() > deadline)
        ):
            break
        lam = np.clip(lam - theta * (value - lower) / norm * g, 0, w)
    return best, sorted(pool)


def solve(p: Problem, k: int, *, method: str = "auto", time_limit: float = 60.0) -> SitingResult:
    """Greedy (with the submodular bound); for maximal covering also the LP relaxation (a tighter
    bound and a second start); swaps from the better start; then the MILP restricted to the LP's
    support and the sites found. On small instances (or when asked) the exact MILP instead. The best
    set and the tightest bound are kept; ``method`` is "exact" only when optimality is proven."""
    t0 = time.perf_counter()

    def left(share: float) -> float:
        return max(1.0, t0 + share * time_limit - time.perf_counter())

    chosen, bound = greedy(p, k)
    greedy_value = p.value(chosen)
    extra: dict = {"greedy_value": greedy_value}
    label = "greedy+swap"
    exact_wanted = method == "exact" or (method == "auto" and p.S.nnz <= EXACT_NNZ)
    lp = None
    if not exact_wanted and p.binary and p.S.nnz <= LP_NNZ:
        lp = lp_relaxation(p, k, time_limit=left(0.4))
    if lp is not None:
        x, lp_bound = lp
        bound = min(bound, lp_bound)
        start = [int(j) for j in np.argsort(-x)[: min(k, p.m)] if x[j] > 1e-9]
        extra["lp_value"] = p.value(start)
        if extra["lp_value"] > greedy_value:
            chosen = start
    chosen = swap(p, chosen, deadline=time.perf_counter() + left(0.6))
    value = p.value(chosen)
    lag_pool: list[int] = []
    if lp is None and not exact_wanted and p.binary:
        lag = lagrangian(p, k, value, deadline=time.perf_counter() + left(0.8))
        if lag is not None:
            bound = min(bound, lag[0])
            lag_pool = lag[1]
            label = "Lagrangian+greedy+swap"
    if lp is not None or lag_pool:
        label = "LP+greedy+swap" if lp is not None else label
        support = np.flatnonzero(lp[0] > 1e-6) if lp is not None else np.array(lag_pool, dtype=np.int64)
        pool = np.unique(np.concatenate((support, chosen)).astype(np.int64))
        if len(chosen) < len(pool) <= 800:
            sub_chosen, sub_value, _ = exact(Problem(p.S[:, pool], p.w), k, time_limit=left(1.0))
            extra.update(restricted_value=sub_value, pool=len(pool))
            if sub_value > value:
                chosen, value = [int(pool[j]) for j in sub_chosen], sub_value
                label = "LP+restricted MILP" if lp is not None else "Lagrangian+restricted MILP"
    if exact_wanted:
        ex_chosen, ex_value, ex_bound = exact(p, k, time_limit=time_limit)
        bound = min(bound, ex_bound)
        if ex_value >= value:
            chosen, value = ex_chosen, ex_value
        label = "exact" if bound - value <= 1e-7 * max(1.0, abs(bound)) else "exact(time limit)"
    return SitingResult(chosen, value, max(bound, value), label, time.perf_counter() - t0, extra)


def covering_problem(cover: sp.spmatrix, weights: np.ndarray, already: np.ndarray | None = None) -> Problem:
    """MCLP: ``cover`` (n × m, truthy where candidate j is within reach of demand i)."""
    a = sp.csr_matrix(cover, dtype=np.float64, copy=True)
    a.data = (a.data != 0).astype(np.float64)
    a.eliminate_zeros()
    w = np.asarray(weights, dtype=np.float64).copy()
    if already is not None:
        w[np.asarray(already, dtype=bool)] = 0
    return Problem(a, w)


def median_problem(dist: sp.spmatrix, current: np.ndarray, weights: np.ndarray) -> Problem:
    """p-median with existing facilities: ``dist`` holds d_ij for reachable pairs (zeros allowed as
    explicit entries), ``current`` the walk to the nearest existing facility (finite, capped)."""
    d = sp.csr_matrix(dist, dtype=np.float64)
    rows = np.repeat(np.arange(d.shape[0]), np.diff(d.indptr))
    sav = sp.csr_matrix(
        (np.asarray(current, dtype=np.float64)[rows] - d.data, d.indices.copy(), d.indptr.copy()),
        shape=d.shape,
    )
    return Problem(sav, weights)
