"""Walking access: from every building to the nearest facility of each type, and how many are near.

Multi-source Dijkstra with scipy: one virtual source node per facility type, joined to the node of
each facility of that type by an arc whose length is the facility's snap distance; one Dijkstra run
from the virtual node gives, for every network node, the shortest walk to the nearest facility
(including the facility's own snap). A building adds its own snap distance. Several types share one
call (one row per type) so the graph is traversed in compiled code only.

Where no network exists, ``straight_access`` uses straight-line distance × a detour factor; every
result carries its ``method`` so pages can say which one they show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from .geo import Projection
from .network import Network

MEMORY_CELLS = 30_000_000  # float64 cells of one Dijkstra result block (≈ 240 MB)


@dataclass
class Sources:
    """The facilities of one type: their network nodes and snap distances (metres)."""

    node: np.ndarray
    offset: np.ndarray

    @classmethod
    def empty(cls) -> Sources:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0))


@dataclass
class TypeAccess:
    distance: np.ndarray  # metres from each target to the nearest facility (inf: none reachable)
    count: np.ndarray | None  # facilities within the threshold (None when not asked for)
    method: str  # "network" or "straight"


def nearest_node_distances(net: Network, groups: list[Sources], limit: float = np.inf) -> np.ndarray:
    """(len(groups), net.n) shortest distances from every node to the nearest source of each group."""
    n = net.n
    base = net.csr()
    out = np.full((len(groups), n), np.inf)
    step = max(1, MEMORY_CELLS // (n + 1))
    for lo in range(0, len(groups), step):
        chunk = groups[lo : lo + step]
        t = len(chunk)
        # the base rows are already in CSR order: append one row per virtual source
        sizes = np.array([len(g.node) for g in chunk], dtype=np.int64)
        indptr = np.concatenate((base.indptr, base.indptr[-1] + np.cumsum(sizes)))
        indices = np.concatenate(
            [base.indices] + [np.asarray(g.node, dtype=base.indices.dtype) for g in chunk]
        )
        data = np.concatenate([base.data] + [np.asarray(g.offset, dtype=np.float64) for g in chunk])
        graph = sp.csr_matrix((data, indices, indptr.astype(base.indices.dtype)), shape=(n + t, n + t))
        dist = dijkstra(graph, directed=True, indices=np.arange(n, n + t), limit=limit)
        out[lo : lo + t] = dist[:, :n]
    return out


def count_within(
    net: Network,
    sources: Sources,
    target_node: np.ndarray,
    target_offset: np.ndarray,
    limit: float | np.ndarray,
) -> np.ndarray:
    """For each target, the number of sources whose walking distance (both snaps included) ≤ limit
    (one limit, or one per target)."""
    counts = np.zeros(len(target_node), dtype=np.int32)
    if len(sources.node) == 0 or len(target_node) == 0:
        return counts
    sources = near_sources(net, sources, target_node, float(np.max(limit)))
    for block in pair_blocks(net, sources, target_node, target_offset, float(np.max(limit))):
        counts += (
            block <= np.broadcast_to(np.asarray(limit, dtype=np.float64), (len(target_node),))[None, :]
        ).sum(axis=0, dtype=np.int32)
    return counts


def near_sources(net: Network, sources: Sources, target_node: np.ndarray, limit: float) -> Sources:
    """The sources that may lie within ``limit`` of a target: a walk is never shorter than the straight
    line between its nodes (5 % and a metre of slack for the local projection), so the others, which
    cannot count, are not searched from (what keeps an update around one facility small)."""
    if len(sources.node) == 0 or len(target_node) == 0:
        return sources
    reach = np.maximum(limit - sources.offset, 0) / 0.95 + 1.0
    tree = cKDTree(net.xy[np.unique(target_node)])
    near = tree.query_ball_point(net.xy[sources.node], reach, return_length=True) > 0
    if near.all():
        return sources
    return Sources(sources.node[near], sources.offset[near])


def pair_blocks(
    net: Network, sources: Sources, target_node: np.ndarray, target_offset: np.ndarray, limit: float
):
    """Yield (sources-chunk × targets) blocks of walking distances (inf beyond ``limit``)."""
    graph = net.csr()
    step = max(1, MEMORY_CELLS // (net.n + 1))
    for lo in range(0, len(sources.node), step):
        nodes = sources.node[lo : lo + step]
        off = sources.offset[lo : lo + step]
        dist = dijkstra(graph, directed=False, indices=nodes, limit=limit)
        yield dist[:, target_node] + off[:, None] + target_offset[None, :]


def pair_distances(
    net: Network, sources: Sources, target_node: np.ndarray, target_offset: np.ndarray, limit: float
) -> sp.csr_matrix:
    """Sparse (targets × sources) walking distances ≤ ``limit`` (explicit zeros kept)."""
    rows, cols, vals = [], [], []
    lo = 0
    for block in pair_blocks(net, sources, target_node, target_offset, limit):
        s, t = np.nonzero(block <= limit)
        rows.append(t)
        cols.append(s + lo)
        vals.append(block[s, t])
        lo += block.shape[0]
    return _coo_to_csr(len(target_node), len(sources.node), rows, cols, vals)


def straight_pair_distances(
    src_xy: np.ndarray, tgt_xy: np.ndarray, detour: float, limit: float
) -> sp.csr_matrix:
    """Sparse (targets × sources) straight-line distances × detour ≤ ``limit``."""
    if len(src_xy) == 0 or len(tgt_xy) == 0:
        return sp.csr_matrix((len(tgt_xy), len(src_xy)))
    pairs = cKDTree(tgt_xy).query_ball_tree(cKDTree(src_xy), limit / detour)
    rows = np.repeat(np.arange(len(tgt_xy)), [len(p) for p in pairs])
    cols = np.fromiter((c for p in pairs for c in p), dtype=np.int64, count=len(rows))
    vals = np.linalg.norm(tgt_xy[rows] - src_xy[cols], axis=1) * detour if len(rows) else np.zeros(0)
    return _coo_to_csr(len(tgt_xy), len(src_xy), [rows], [cols], [vals])


def _coo_to_csr(n: int, m: int, rows: list, cols: list, vals: list) -> sp.csr_matrix:
    r = np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols).astype(np.int64) if cols else np.zeros(0, dtype=np.int64)
    v = np.concatenate(vals).astype(np.float64) if vals else np.zeros(0)
    order = np.lexsort((c, r))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    return sp.csr_matrix((v[order], c[order], indptr), shape=(n, m))


def snap_groups(net: Network, facilities: list[tuple[np.ndarray, np.ndarray]]) -> list[Sources]:
    """Snap every facility group in one KD-tree query."""
    sizes = np.array([len(f[0]) for f in facilities], dtype=np.int64)
    if sizes.sum() == 0:
        return [Sources.empty() for _ in facilities]
    node, snap = net.snap(
        np.concatenate([np.asarray(f[0], dtype=np.float64) for f in facilities]),
        np.concatenate([np.asarray(f[1], dtype=np.float64) for f in facilities]),
    )
    cuts = np.cumsum(sizes)[:-1]
    return [Sources(a, b) for a, b in zip(np.split(node, cuts), np.split(snap, cuts), strict=True)]


def network_access(
    net: Network,
    facilities: list[tuple[np.ndarray, np.ndarray]],
    targets: tuple[np.ndarray, np.ndarray],
    thresholds: Sequence[float | np.ndarray] | None = None,
) -> tuple[list[TypeAccess], np.ndarray]:
    """Access of every target point to each facility group; also the targets' snap distances.

    ``facilities`` is a list of (lat, lon) arrays, one per type; ``targets`` the buildings' (lat, lon);
    ``thresholds`` (metres, one per type) switch on the reachable-facility counts.
    """
    t_node, t_snap = net.snap(*targets)
    groups = snap_groups(net, facilities)
    node_dist = nearest_node_distances(net, groups)
    results = []
    for k, g in enumerate(groups):
        dist = node_dist[k, t_node] + t_snap
        count = None
        if thresholds is not None:
            count = count_within(net, g, t_node, t_snap, thresholds[k])
        results.append(TypeAccess(dist, count, "network"))
    return results, t_snap


def straight_access(
    facilities: list[tuple[np.ndarray, np.ndarray]],
    targets: tuple[np.ndarray, np.ndarray],
    detour: float,
    thresholds: Sequence[float | np.ndarray] | None = None,
    proj: Projection | None = None,
) -> list[TypeAccess]:
    """Fallback without a network: straight-line distance × ``detour`` (in ``proj``, by default one
    around all the points)."""
    if proj is None:
        lat_all = np.concatenate([targets[0]] + [f[0] for f in facilities])
        lon_all = np.concatenate([targets[1]] + [f[1] for f in facilities])
        proj = Projection.around(lat_all, lon_all)
    txy = proj.forward(*targets)
    results = []
    for k, (lat, lon) in enumerate(facilities):
        if len(lat) == 0:
            inf = np.full(len(txy), np.inf)
            results.append(
                TypeAccess(inf, None if thresholds is None else np.zeros(len(txy), np.int32), "straight")
            )
            continue
        tree = cKDTree(proj.forward(lat, lon))
        d, _ = tree.query(txy)
        count = None
        if thresholds is not None:
            limit = np.broadcast_to(np.asarray(thresholds[k], dtype=np.float64), (len(txy),))
            count = np.asarray(tree.query_ball_point(txy, limit / detour, return_length=True), np.int32)
        results.append(TypeAccess(d * detour, count, "straight"))
    return results
