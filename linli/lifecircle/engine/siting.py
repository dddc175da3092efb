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
bound, and the gap report is (bound − value) / bound.

Maximal covering is first *reduced* without changing its optimum (``reduce_covering``): demand points
already covered or out of reach go, points covered by the same candidates merge (weights added) and
candidates whose coverage lies within another's go. Small instances are then solved exactly as a
MILP with HiGHS (``cover_milp``: highspy, warm-started from the greedy set, points only one
candidate covers folded into its column). Larger ones get the LP relaxation's bound, solved by HiGHS
in its dual form (one row per candidate; ``lp_bound``) and checked as a Lagrangian bound that holds
for any multipliers (``lagrange_bound``) — on clustered instances it is far tighter than the
submodular bound (0.3 % above the optimum where the optimum is known, against 30 %) — and iterated
local search (``Cover``: the best of all swaps at once from cover counts, shakes around one site,
greedy completion) on the LP's support and the candidates next in line, from the best of the greedy
set, the LP's largest sites and — when the LP's support is small — HiGHS' MILP restricted to it.
Where the LP is too large or does not finish in its share of the time, the Lagrangian bound by
subgradient steps stands in. Then reduced-cost fixing (``forced_bounds``, ``fix_out``): a candidate
whose Lagrangian bound with it forced in (the LP's multipliers) is below the search's value is in no
better set and goes. Where the model left is of moderate size, HiGHS' branch and bound runs on it from
the search's set for the rest of the time, and the optimum is at most max(value, its dual bound) —
at the bench's 5 000-point size this proves the optimum (about half the candidates fixed out). Larger
models get large-neighbourhood search (``lns``: five overlapping chosen sites freed at a time and
re-chosen exactly by HiGHS among the candidates around them) for the rest of the time instead.

On large clustered instances the LP is far from integral (at the bench's 20 000 × 2 000, p = 40: its
40 sites spread over some 670 candidates, most of them below 0.1, and no candidate can be fixed out)
and its bound stays: the proven gap there is about 1.6 %, and it is the bound's, not the search's —
the best set known (from minutes of shakes and exactly solved neighbourhoods around it) is within
0.07 % of the set found in the limit, while HiGHS' branch and bound on the whole reduced model, given
1 200 s from the search's set, finds no better set and lowers the bound by 0.005 % (a 1.56 % gap). Closing it needs a bound stronger than the LP's, and two candidates for
one were measured there and fall short. Branching on a single candidate (the dual-form LP re-solved
in each child, about 4 s a node) lowers the larger child's bound by 0.04 % at best among the likeliest
candidates, so a tree that closed the gap would need far more nodes than the limit allows. A
Lagrangian decomposition into blocks of neighbouring candidates (demand points that several blocks
reach priced by multipliers, each block's best q sites found exactly, the counts shared out by dynamic
programming) is a valid bound for any multipliers, but at the LP's it is no tighter than the LP (9
blocks: 0.015 % lower; 30 blocks: equal), and the multipliers that would tighten it have to be
searched with the block MILPs re-solved at every step — one exact evaluation alone takes some fifty
of them and about twice the time limit. Searched instead with the block values from local search (12
blocks, twenty minutes of subgradient steps), they promised a 0.76 % gap and proved 1.8 %, looser
than the LP: the local search's shortfall inside the blocks is as large as the gap itself. Cuts by
region do not cut either: for a square of the map (9 of them), the weight its points can have covered
is at most the best q sites' for it (found exactly), q the LP's site mass on the candidates reaching
it, yet the LP's own solution meets every such cut — the sites at a square's edge count whole in it. Two other
solvers on the same reduced model (measured, not dependencies): SCIP 10 needs 147 s for the root LP
alone and its cutting planes lower the bound by 0.02 % in 240 s, without a feasible set; CP-SAT (two
workers, 150 s) proves no bound below the total weight and finds a set 5 % worse than the search's.

p-median keeps greedy + swaps (and the exact MILP on small instances).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

EXACT_NNZ = 20_000  # instances up to this many (demand, candidate) pairs are solved exactly
LP_NNZ = 3_000_000  # reduced maximal covering up to this size gets its LP bound; beyond, a Lagrangian one
RESTRICTED_MAX = 300  # the MILP restricted to the LP's support runs when it has at most this many candidates
MIP_NNZ = 150_000  # reduced maximal covering up to this size gets HiGHS' branch and bound for its bound
MARGIN = 0.5  # seconds kept back from the time limit for HiGHS' overrun and the result's assembly
LNS_FREE = 5  # chosen sites freed at once by the large-neighbourhood search
LNS_STEP = 5.0  # seconds HiGHS may take on one neighbourhood
LP_SHARE = 0.7  # the share of the time limit the LP bound may take (the local search needs far less)
PATIENCE = 400  # rounds of the iterated local search without a gain before it stops


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


def lagrange_bound(S: sp.csr_matrix, w: np.ndarray, k: int, lam: np.ndarray) -> float:
    """Maximal covering: for any multipliers 0 ≤ λ ≤ w of the links y_i ≤ Σ_j a_ij x_j, the optimum is
    at most Σ_i (w_i − λ_i) + (the k largest Σ_i a_ij λ_i). A proof whatever λ is (an LP iterate cut
    short by its time limit included); at the LP's optimal duals it equals the LP relaxation."""
    lam = np.clip(lam, 0, w)
    c = S.T @ lam
    kk = min(k, len(c))
    top = np.partition(c, len(c) - kk)[len(c) - kk :].sum() if kk else 0.0
    return float((w - lam).sum() + top)


def lp_bound(
    red: Reduced, k: int, *, time_limit: float
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray] | None:
    """The LP relaxation of the reduced maximal covering model, solved in its dual form

        min Σ_i (w_i − λ_i) + kμ + Σ_j ν_j   s.t.  Σ_i a_ij λ_i − μ − ν_j ≤ 0,  0 ≤ λ ≤ w, μ, ν ≥ 0

    (one row per candidate: HiGHS' dual simplex works on a basis of a few thousand instead of one
    per demand point, several times faster). Returns (bound, site values x from the row duals,
    reduced costs Σ_i a_ij λ_i − μ: the sites the LP would put in next have them near zero, the
    multipliers λ for ``forced_bounds``)."""
    S, w = red.S, red.w
    n, m = S.shape
    if n == 0 or m == 0:
        return None
    c = np.concatenate((-np.ones(n), [float(min(k, m))], np.ones(m)))
    a = sp.hstack((S.T.tocsr(), -np.ones((m, 1)), -sp.identity(m))).tocsr()
    bounds = np.column_stack((np.zeros(n + 1 + m), np.concatenate((w, np.full(1 + m, np.inf)))))
    res = linprog(
        c,
        A_ub=a,
        b_ub=np.zeros(m),
        bounds=bounds,
        method="highs-ds",
        options={"time_limit": max(0.5, time_limit)},
    )
    if res.x is None:
        return None
    marg = getattr(getattr(res, "ineqlin", None), "marginals", None)
    x = np.clip(-np.asarray(marg), 0, 1) if marg is not None and res.status == 0 else np.zeros(m)
    lam = np.clip(res.x[:n], 0, w)
    return lagrange_bound(S, w, k, lam), x, S.T @ lam - res.x[n], lam


def forced_bounds(S: sp.csr_matrix, w: np.ndarray, k: int, lam: np.ndarray) -> np.ndarray:
    """For each candidate j, an upper bound on the value of every set of at most k sites that holds j:
    the Lagrangian bound of ``lagrange_bound`` with x_j fixed at 1, Σ_i (w_i − λ_i) + c_j + (the k − 1
    largest other c_l, c = Sᵀλ) — a proof whatever λ is, like the bound itself (reduced-cost fixing)."""
    lam = np.clip(lam, 0, w)
    c = np.asarray(S.T @ lam, dtype=np.float64)
    m = len(c)
    base = float((w - lam).sum())
    kk = min(k, m)
    if kk == 0:
        return np.full(m, base)
    order = np.argsort(-c, kind="stable")
    top = float(c[order[: kk - 1]].sum())  # the k − 1 largest
    out = base + top + c  # j outside the k − 1 largest: it joins them
    inner = order[: kk - 1]
    nxt = float(c[order[kk - 1]]) if kk - 1 < m else 0.0
    out[inner] = base + top + nxt  # j among them: the k-th largest completes the set
    return out


def fix_out(S: sp.csr_matrix, w: np.ndarray, k: int, lam: np.ndarray, value: float) -> np.ndarray:
    """Candidates that are in no set of at most k sites worth more than ``value`` (their forced bound
    is at most it, with a margin for rounding): dropping them leaves every better set in the model, so
    the optimum is at most max(value, the optimum of the model without them)."""
    return forced_bounds(S, w, k, lam) < value - 1e-9 * max(1.0, abs(value))


_banner_shown = False
_banner_lock = threading.Lock()


def _highs() -> highspy.Highs:
    """A silent HiGHS instance. The library writes its banner to the process' standard output (the
    file descriptor, not ``sys.stdout``) when the first instance is made; that one is made with the
    descriptor pointed at the null device for the moment it takes."""
    global _banner_shown
    with _banner_lock:
        if _banner_shown:
            h = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 1)
                h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
            _banner_shown = True
    h.setOptionValue("output_flag", False)
    return h


def cover_milp(
    S: sp.csr_matrix,
    w: np.ndarray,
    k: int,
    *,
    start: list[int] | None = None,
    time_limit: float,
) -> tuple[list[int], float, float]:
    """Maximal covering on a 0/1 model as a MILP for HiGHS' branch and bound (``highspy``):

        max Σ_j o_j x_j + Σ_i w_i y_i   s.t.  y_i ≤ Σ_j a_ij x_j,  Σ_j x_j ≤ k,  x binary, 0 ≤ y ≤ 1

    after a presolve of its own: a demand point that exactly one candidate covers is no row at all but
    its weight o_j on that candidate's column, and points covered by the same candidates are one row.
    ``start`` (a feasible set) is handed to HiGHS as its first incumbent, so the answer is never worse
    than it. Returns (chosen, value, dual bound); the bound holds whatever stopped the search."""
    S = sp.csr_matrix(S)
    n, m = S.shape
    k = min(k, m)
    if n == 0 or k == 0:
        return [], 0.0, 0.0
    deg = np.diff(S.indptr)
    one = deg == 1
    own = np.bincount(S.indices[S.indptr[:-1][one]], weights=w[one], minlength=m)
    rest = np.flatnonzero(deg > 1)
    R, wr = _merge_rows(S[rest], w[rest]) if len(rest) else (sp.csr_matrix((0, m)), np.zeros(0))
    nr = R.shape[0]
    inf = highspy.kHighsInf
    a = sp.vstack(
        (
            sp.hstack((-R, sp.identity(nr, format="csr"))),
            sp.hstack((sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, nr)))),
        )
    ).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m + nr, nr + 1
    lp.col_cost_ = -np.concatenate((own, wr))
    lp.col_lower_ = np.zeros(m + nr)
    lp.col_upper_ = np.ones(m + nr)
    lp.row_lower_ = np.full(nr + 1, -inf)
    lp.row_upper_ = np.concatenate((np.zeros(nr), [float(k)]))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = m + nr, nr + 1
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * nr
    h = _highs()
    h.setOptionValue("time_limit", float(max(0.1, time_limit)))
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.passModel(lp)
    if start:
        x0 = np.zeros(m + nr)
        x0[list(start)] = 1
        x0[m:] = (R[:, list(start)].sum(axis=1).A1 > 0) if nr else 0
        sol = highspy.HighsSolution()
        sol.col_value = x0.tolist()
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    chosen: list[int] = []
    if info.primal_solution_status == 2:  # a feasible solution is known
        x = np.asarray(h.getSolution().col_value[:m])
        chosen = [int(j) for j in np.argsort(-x, kind="stable")[:k] if x[j] > 0.5]
    cov = np.asarray(S[:, chosen].sum(axis=1)).ravel() > 0 if chosen else np.zeros(n, dtype=bool)
    value = float(w[cov].sum())
    dual = -float(info.mip_dual_bound)
    bound = dual if np.isfinite(dual) else float(w.sum())
    return chosen, value, max(bound, value)


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


@dataclass
class Reduced:
    """Maximal covering with the same optimum, smaller: demand points of weight zero (already covered)
    or out of every candidate's reach dropped, points covered by the same candidates merged (weights
    added), and candidates whose coverage lies within another's dropped (the other does at least as
    well in any solution). ``cols[j]`` is the original index of column j; S is 0/1."""

    S: sp.csr_matrix
    w: np.ndarray
    cols: np.ndarray


def reduce_covering(p: Problem) -> Reduced:
    live = (np.diff(p.S.indptr) > 0) & (p.w > 0)
    S = (p.S[live] > 0).astype(np.float64).tocsr()
    S, w = _merge_rows(S, p.w[live]) if S.shape[0] else (S, p.w[live])
    cols = np.flatnonzero(np.diff(S.tocsc().indptr) > 0)
    S = S[:, cols].tocsr()
    if S.shape[1] > 1:
        keep = ~_dominated(S)
        S, cols = S[:, np.flatnonzero(keep)].tocsr(), cols[keep]
    return Reduced(S, np.asarray(w, dtype=np.float64), cols.astype(np.int64))


def _restrict(red: Reduced, pool: np.ndarray) -> Reduced:
    """The reduced model on the candidates ``pool`` only (reduced again); its ``cols`` index ``red``'s."""
    sub = reduce_covering(Problem(red.S[:, pool], red.w))
    return Reduced(sub.S, sub.w, pool[sub.cols])


def _dominated(S: sp.csr_matrix) -> np.ndarray:
    """Candidates whose demand points are all covered by another candidate (of equal sets, all but the
    first): overlap counts from SᵀS, j is within j' when the overlap equals j's own count."""
    c = S.tocsc()
    size = np.diff(c.indptr)
    o = (c.T @ c).tocoo()
    hit = (o.row != o.col) & (o.data == size[o.row])
    r, col = o.row[hit], o.col[hit]
    strict = (size[r] < size[col]) | (r > col)  # equal sets: the later one goes
    out = np.zeros(S.shape[1], dtype=bool)
    out[r[strict]] = True
    return out


class Cover:
    """Local search for maximal covering on a reduced model: the best 1-swap (drop one chosen site,
    add one other) over all pairs at once. With c_i the number of chosen sites covering i, adding j
    gains Σ w_i over its uncovered points, dropping o loses Σ w_i over the points only o covers, and a
    swap o→j gets back the points of the latter that j covers as well: one sparse product per move."""

    def __init__(self, red: Reduced):
        self.A = red.S
        self.C = red.S.tocsc()
        self.w = red.w
        self.cols = red.cols
        self.n, self.m = red.S.shape

    def counts(self, sel: list[int]) -> tuple[np.ndarray, np.ndarray]:
        cnt = np.zeros(self.n, dtype=np.int32)
        owner = np.full(self.n, -1, dtype=np.int64)
        for pos, j in enumerate(sel):
            r = self.C.indices[self.C.indptr[j] : self.C.indptr[j + 1]]
            cnt[r] += 1
            owner[r] = pos
        return cnt, owner

    def value(self, sel: list[int]) -> float:
        return float(self.w[self.counts(sel)[0] > 0].sum())

    def fill(self, sel: list[int], k: int) -> list[int]:
        """Greedy completion up to k sites (stops when nothing more can be covered)."""
        sel = list(dict.fromkeys(sel))
        cnt, _ = self.counts(sel)
        while len(sel) < min(k, self.m):
            gain = self.A.T @ (self.w * (cnt == 0))
            gain[sel] = -1
            j = int(np.argmax(gain))
            if gain[j] <= 0:
                break
            sel.append(j)
            cnt[self.C.indices[self.C.indptr[j] : self.C.indptr[j + 1]]] += 1
        return sel

    def improve(self, sel: list[int], deadline: float | None = None) -> list[int]:
        sel = list(sel)
        k = len(sel)
        while k and (deadline is None or time.perf_counter() < deadline):
            cnt, owner = self.counts(sel)
            gain = self.A.T @ (self.w * (cnt == 0))
            rows = np.flatnonzero(cnt == 1)
            loss = np.bincount(owner[rows], weights=self.w[rows], minlength=k)
            back = sp.csr_matrix((self.w[rows], (owner[rows], rows)), shape=(k, self.n))
            delta = (back @ self.A).toarray() + gain[None, :] - loss[:, None]
            delta[:, sel] = -np.inf
            o, j = np.unravel_index(int(np.argmax(delta)), delta.shape)
            if delta[o, j] <= 1e-9 * max(1.0, float(self.w.sum())):
                break
            sel[int(o)] = int(j)
        return sel

    def near(self, j: int) -> np.ndarray:
        """Candidates sharing a demand point with candidate j (j included)."""
        rows = self.C.indices[self.C.indptr[j] : self.C.indptr[j + 1]]
        return np.unique(self.A[rows].indices)

    def shake(self, best: list[int], k: int, rng: np.random.Generator, deadline: float | None) -> list[int]:
        """Drop a chosen site and some of the chosen sites overlapping it, put in as many minus one of
        the candidates around it at random, complete greedily, improve by swaps."""
        o = int(rng.integers(len(best)))
        near = self.near(best[o])
        close = set(near.tolist())
        drop = {o} | {q for q, j in enumerate(best) if j in close and rng.random() < 0.7}
        kept = [j for q, j in enumerate(best) if q not in drop]
        pool = near[~np.isin(near, kept)]
        add = rng.choice(pool, size=min(len(pool), len(drop) - 1), replace=False).tolist()
        return self.improve(self.fill(kept + add, k), deadline)

    def search(
        self, start: list[int], k: int, *, seed: int, bound: float, patience: int, deadline: float
    ) -> tuple[list[int], float, int]:
        """Iterated local search from ``start``: shake, keep the result when it is at least as good.
        Stops when the value meets the bound, after ``patience`` rounds without a gain, or at the
        deadline."""
        rng = np.random.default_rng(seed)
        best = self.improve(self.fill(start, k), deadline)
        value = self.value(best)
        rounds = idle = 0
        while best and idle < patience and value < bound - 1e-9 and time.perf_counter() < deadline:
            rounds += 1
            idle += 1
            trial = self.shake(best, k, rng, deadline)
            v = self.value(trial)
            if v >= value:
                if v > value + 1e-9:
                    idle = 0
                best, value = trial, v
        return best, value, rounds


def lns(
    red: Reduced, sel: list[int], k: int, *, deadline: float, free: int = LNS_FREE
) -> tuple[list[int], float, int, bool]:
    """Large-neighbourhood search with HiGHS: for each chosen site in turn, free it and the ``free`` − 1
    chosen sites sharing most demand points with it, keep the others, and let ``cover_milp`` choose as
    many sites among every candidate sharing a point with a freed one, for the points the kept sites
    leave uncovered (from the freed sites: never worse). A better set is taken at once; it stops when
    every chosen site in a row gave nothing, or at the deadline. Returns (set, value, neighbourhoods
    solved, whether a time limit cut a neighbourhood or the search short)."""
    S, w = red.S, red.w
    C = S.tocsc()
    sel = list(sel)

    def worth(js: list[int]) -> float:
        covered = np.zeros(S.shape[0], dtype=bool)
        for j in js:
            covered[C.indices[C.indptr[j] : C.indptr[j + 1]]] = True
        return float(w[covered].sum())

    value = worth(sel)
    steps = idle = pos = 0
    cut = False
    while sel and idle < len(sel):
        left = deadline - time.perf_counter()
        if left < 0.5:
            return sel, value, steps, True
        o = sel[pos % len(sel)]
        pos += 1
        idle += 1
        rows_o = C.indices[C.indptr[o] : C.indptr[o + 1]]
        shared = np.asarray(S[rows_o][:, sel].sum(axis=0)).ravel()
        freed = [sel[q] for q in np.argsort(-shared, kind="stable")[: min(free, len(sel))]]
        kept = [j for j in sel if j not in freed]
        rows = np.unique(np.concatenate([C.indices[C.indptr[j] : C.indptr[j + 1]] for j in freed]))
        region = np.unique(S[rows].indices)
        region = region[~np.isin(region, kept)]
        live = np.ones(S.shape[0], dtype=bool)
        for j in kept:
            live[C.indices[C.indptr[j] : C.indptr[j + 1]]] = False
        sub = S[:, region].tocsr()
        keep_rows = np.flatnonzero(live & (np.diff(sub.indptr) > 0))
        at = {int(c): i for i, c in enumerate(region)}
        t = time.perf_counter()
        limit = min(LNS_STEP, left - 0.3)
        got, _, _ = cover_milp(
            sub[keep_rows], w[keep_rows], len(freed), start=[at[j] for j in freed], time_limit=limit
        )
        cut = cut or time.perf_counter() - t >= limit
        steps += 1
        trial = kept + [int(region[j]) for j in got]
        v = worth(trial)
        if v > value + 1e-9 * max(1.0, value):
            sel, value, idle = trial, v, 0
    return sel, value, steps, cut


def lagrangian(p: Problem, k: int, lower: float, *, iterations: int = 300, deadline: float | None = None):
    """Maximal covering only: the Lagrangian bound (relaxing y_i ≤ Σ_j a_ij x_j), by projected
    subgradient steps (Polyak's step towards ``lower``, halved when the bound stalls).

    For multipliers 0 ≤ λ_i ≤ w_i the optimum is at most Σ_i (w_i − λ_i) + (sum of the k largest
    Σ_i a_ij λ_i). Returns (best bound, the candidates chosen in the last 30 iterations).
    """
    if not p.binary or p.S.nnz == 0:
        return None
    a = (p.S > 0).astype(np.float64).tocsr()
    at = a.T.tocsr()
    cols = a.tocsc()
    w = p.w
    lam = w * 0.5
    best = np.inf
    k = min(k, p.m)
    recent: deque[np.ndarray] = deque(maxlen=30)
    theta = 1.0
    stall = 0
    for _ in range(iterations):
        c = at @ lam
        top = np.argpartition(-c, k - 1)[:k]
        value = float((w - lam).sum() + c[top].sum())
        if value < best - 1e-9:
            best, stall = value, 0
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2, 0
        recent.append(top)
        hits = np.concatenate([cols.indices[cols.indptr[j] : cols.indptr[j + 1]] for j in top])
        g = np.bincount(hits, minlength=p.n) - 1.0  # a subgradient of the bound in λ
        g[((lam <= 0) & (g > 0)) | ((lam >= w) & (g < 0))] = 0  # the box is not left
        norm = float(g @ g)
        if (
            norm == 0
            or best - lower <= 1e-9 * max(1.0, best)
            or (deadline and time.perf_counter() > deadline)
        ):
            break
        lam = np.clip(lam - theta * (value - lower) / norm * g, 0, w)
    return best, sorted({int(j) for top in recent for j in top})


def solve(
    p: Problem,
    k: int,
    *,
    method: str = "auto",
    time_limit: float = 60.0,
    seed: int = 0,
    patience: int | None = None,
) -> SitingResult:
    """The best set of ``k`` sites found within ``time_limit`` seconds, with a proven upper bound.

    Maximal covering: the reduced model (``reduce_covering``, same optimum), then on small instances
    (or when asked) the exact MILP; otherwise the LP relaxation's bound (HiGHS, dual form; where the
    LP is too large the Lagrangian bound by subgradient steps) and iterated local search from the
    better of the greedy set and the LP's largest sites (``method="search"`` asks for this path even on
    small instances), then reduced-cost fixing and HiGHS' branch and bound on what is left when that
    is of moderate size, large-neighbourhood search otherwise, both for the rest of the time.
    p-median (savings) and ``method="greedy"``:
    greedy with the submodular bound, then swaps; the exact MILP on small instances. ``method`` of the
    result is "exact" only when optimality is proven. Deterministic for a seed unless the time limit
    cuts the search short (``extra["cut_short"]``)."""
    t0 = time.perf_counter()
    exact_wanted = method == "exact" or (method == "auto" and p.S.nnz <= EXACT_NNZ)
    if p.binary and p.S.nnz and method != "greedy":
        return _solve_covering(
            p, k, exact_wanted=exact_wanted, time_limit=time_limit, seed=seed, patience=patience, t0=t0
        )
    chosen, bound = greedy(p, k)
    extra: dict = {"greedy_value": p.value(chosen)}
    chosen = swap(p, chosen, deadline=t0 + 0.5 * time_limit)
    value = p.value(chosen)
    label = "greedy+swap"
    if exact_wanted:
        ex_chosen, ex_value, ex_bound = exact(
            p, k, time_limit=max(1.0, t0 + time_limit - time.perf_counter())
        )
        bound = min(bound, ex_bound)
        if ex_value >= value:
            chosen, value = ex_chosen, ex_value
        label = "exact" if bound - value <= 1e-7 * max(1.0, abs(bound)) else "exact(time limit)"
    return SitingResult(chosen, value, max(bound, value), label, time.perf_counter() - t0, extra)


def _solve_covering(
    p: Problem, k: int, *, exact_wanted: bool, time_limit: float, seed: int, patience: int | None, t0: float
) -> SitingResult:
    deadline = t0 + time_limit
    red = reduce_covering(p)
    rp = Problem(red.S, red.w)
    k = min(k, rp.m)
    extra: dict = {"rows": p.n, "reduced_rows": rp.n, "candidates": p.m, "reduced_candidates": rp.m}
    if rp.m == 0 or k == 0:
        return SitingResult([], 0.0, 0.0, "exact", time.perf_counter() - t0, extra)
    start, bound = greedy(rp, k)
    extra["greedy_value"] = rp.value(start)
    if exact_wanted:  # HiGHS' branch and bound from the greedy set: never worse than it
        sel, value, ex_bound = cover_milp(
            red.S, red.w, k, start=start, time_limit=max(1.0, deadline - time.perf_counter())
        )
        bound = min(bound, ex_bound)
        if value < extra["greedy_value"]:
            sel, value = start, extra["greedy_value"]
        label = "exact" if bound - value <= 1e-7 * max(1.0, abs(bound)) else "exact(time limit)"
        chosen = [int(red.cols[j]) for j in sel]
        return SitingResult(
            chosen, p.value(chosen), max(bound, value), label, time.perf_counter() - t0, extra
        )
    starts = [start]
    # the local search runs on this model: the LP's support and the sites next in line when known
    search = Reduced(red.S, red.w, np.arange(rp.m))
    lp = lp_bound(red, k, time_limit=LP_SHARE * time_limit) if rp.S.nnz <= LP_NNZ else None
    if lp is not None:
        bound = min(bound, lp[0])
        extra["lp_bound"] = lp[0]
        x, rc = lp[1], lp[2]
        support = np.flatnonzero(x > 1e-9)
        if len(support):
            starts.append([int(j) for j in np.argsort(-x, kind="stable")[:k] if x[j] > 1e-9])
            near = np.argsort(-rc, kind="stable")[: len(support) + 2 * k]
            pool = np.unique(np.concatenate((support, near, start)))
            if len(pool) < rp.m:
                search = _restrict(red, pool)
                extra["search_candidates"] = len(search.cols)
        label = "LP bound+local search"
    else:
        lag = lagrangian(
            rp, k, extra["greedy_value"], iterations=100_000, deadline=t0 + (LP_SHARE + 0.15) * time_limit
        )
        if lag is not None and lag[0] < bound:
            bound = lag[0]
            starts.append(lag[1][:k])
        label = "Lagrangian bound+local search"
    extra["seconds_bound"] = round(time.perf_counter() - t0, 3)
    cover = Cover(search)
    where = {int(c): i for i, c in enumerate(search.cols)}
    improved = [cover.improve(cover.fill([where[j] for j in s if j in where], k), deadline) for s in starts]
    values = [cover.value(s) for s in improved]
    extra["start_values"] = values
    first = improved[int(np.argmax(values))]
    if lp is not None and len(support):
        # HiGHS on the model restricted to the LP's support and the best set, when that is small
        # (on clustered instances it often finds the optimum the swaps miss)
        pool = np.unique(np.concatenate((support, search.cols[first])))
        if len(pool) <= RESTRICTED_MAX and deadline - time.perf_counter() > 1:
            sub = _restrict(red, pool)
            at = {int(c): i for i, c in enumerate(sub.cols)}
            sub_sel, sub_value, _ = cover_milp(
                sub.S,
                sub.w,
                k,
                start=[at[c] for c in search.cols[first].tolist() if c in at],
                time_limit=0.6 * (deadline - time.perf_counter()),
            )
            extra.update(restricted_value=sub_value, restricted_candidates=len(pool))
            if sub_value > values[int(np.argmax(values))] and all(int(sub.cols[j]) in where for j in sub_sel):
                first = [where[int(sub.cols[j])] for j in sub_sel]
                label = "LP bound+restricted MILP+local search"
    if patience is None:  # a few shakes per candidate on small models, PATIENCE on large ones
        patience = min(PATIENCE, 4 * cover.m + 20)
    sel, value, rounds = cover.search(first, k, seed=seed, bound=bound, patience=patience, deadline=deadline)
    sel = [int(search.cols[j]) for j in sel] if value >= extra["greedy_value"] else start
    value = rp.value(sel)
    extra.update(rounds=rounds, cut_short=time.perf_counter() >= deadline)
    # reduced-cost fixing: candidates whose forced Lagrangian bound (the LP's multipliers) is below the
    # search's value are in no better set; without them the model may be small enough for B&B
    mip_model = Reduced(red.S, red.w, np.arange(rp.m))  # cols index red's
    if lp is not None and bound - value > 1e-7 * max(1.0, bound):
        out = fix_out(red.S, red.w, k, lp[3], value)
        out[sel] = False
        extra["fixed_out"] = int(out.sum())
        if out.any():  # not reduced again: every chosen site stays a column for the warm start
            keep = np.flatnonzero(~out)
            mip_model = Reduced(red.S[:, keep].tocsr(), red.w, keep)
    if (
        mip_model.S.nnz <= MIP_NNZ
        and bound - value > 1e-7 * max(1.0, bound)
        and deadline - time.perf_counter() > 1
    ):
        # HiGHS' branch and bound on the (fixed) reduced model, from the search's set, for the rest of
        # the time: its dual bound closes what the LP leaves open, and it may still find a better set.
        # The optimum is at most max(value, its bound): a better set holds no fixed-out candidate.
        at = {int(c): i for i, c in enumerate(mip_model.cols)}
        mip_sel, mip_value, mip_bound = cover_milp(
            mip_model.S,
            mip_model.w,
            k,
            start=[at[j] for j in sel],
            time_limit=deadline - time.perf_counter() - MARGIN,
        )
        extra.update(mip_bound=mip_bound, cut_short=time.perf_counter() >= deadline)
        if max(mip_bound, value) < bound:
            bound = max(mip_bound, value)
            label = label + "+B&B"
        if mip_value > value:
            sel = [int(mip_model.cols[j]) for j in mip_sel]
            value = rp.value(sel)
    elif bound - value > 1e-7 * max(1.0, bound) and deadline - time.perf_counter() > 1:
        # too large for branch and bound: large-neighbourhood search with HiGHS for the rest of the time
        sel, lns_value, steps, cut = lns(red, sel, k, deadline=deadline - MARGIN)
        extra.update(lns_steps=steps, cut_short=extra["cut_short"] or cut)
        if lns_value > value:
            label = label + "+LNS"
        value = lns_value
    chosen = [int(red.cols[j]) for j in sel]
    value = p.value(chosen)
    if bound - value <= 1e-7 * max(1.0, abs(bound)):
        label = "exact"
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
