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
    *,
    by_node: NodeTargets | None = None,
) -> np.ndarray:
    """For each target, the number of sources whose walking distance (both snaps included) ≤ limit
    (one limit, or one per target).

    A walk is never shorter than the straight line between its nodes (5 % and a metre of slack for
    the local projection), so every walk that can count lies inside the ball of radius
    ``(limit − snap) / 0.95 + 1`` around its source node. Sources are taken in small groups that lie
    close together (Z-order of cells one limit wide); each group's Dijkstra runs on the subgraph
    induced by the box around its balls only: distances inside a ball are exact there, and those
    beyond it exceed the limit in the subgraph as in the whole network. The work is the balls' size,
    not the network's (what a district of 100 000 nodes and 2 000 facilities needs)."""
    counts = np.zeros(len(target_node), dtype=np.int32)
    if len(sources.node) == 0 or len(target_node) == 0:
        return counts
    lim_t = np.broadcast_to(np.asarray(limit, dtype=np.float64), (len(target_node),))
    top = float(lim_t.max())
    reach = (top - sources.offset) / 0.95 + 1.0
    alive = sources.offset <= top
    if not alive.any():
        return counts
    nodes, offset, reach = sources.node[alive], sources.offset[alive], reach[alive]
    by_node = by_node if by_node is not None else NodeTargets.of(net.n, target_node)
    # the sources that may reach a node with a target at all (what keeps an update small)
    near = by_node.tree(net).query_ball_point(net.xy[nodes], reach, return_length=True) > 0
    nodes, offset, reach = nodes[near], offset[near], reach[near]
    if not len(nodes):
        return counts
    order = _z_order(net.xy[nodes], top)
    nodes, offset, reach = nodes[order], offset[order], reach[order]
    graph = net.csr()
    by_x, xs = net.by_x()  # one order for every type of a recompute
    local = np.full(net.n, -1, dtype=np.int64)
    for lo in range(0, len(nodes), COUNT_GROUP):
        g_nodes, g_off = nodes[lo : lo + COUNT_GROUP], offset[lo : lo + COUNT_GROUP]
        # the box around the group's balls (a superset of them: exact all the same)
        r = float(reach[lo : lo + COUNT_GROUP].max())
        gx, gy = net.xy[g_nodes, 0], net.xy[g_nodes, 1]
        strip = by_x[np.searchsorted(xs, gx.min() - r) : np.searchsorted(xs, gx.max() + r, side="right")]
        y = net.xy[strip, 1]
        sub = np.sort(strip[(y >= gy.min() - r) & (y <= gy.max() + r)])
        at, targets = by_node.at(sub)
        if not len(targets):
            continue
        local[sub] = np.arange(len(sub))
        dist = dijkstra(_induced(graph, sub, local), directed=False, indices=local[g_nodes], limit=top)
        local[sub] = -1
        block = dist[:, at] + g_off[:, None] + target_offset[targets][None, :]
        counts[targets] += (block <= lim_t[targets][None, :]).sum(axis=0, dtype=np.int32)
    return counts


COUNT_GROUP = 16  # sources per Dijkstra call of ``count_within``


@dataclass
class NodeTargets:
    """The targets grouped by network node (CSR: ``ptr[v]:ptr[v + 1]`` of ``idx`` are node v's)."""

    ptr: np.ndarray
    idx: np.ndarray
    _tree: cKDTree | None = None

    @classmethod
    def of(cls, n: int, target_node: np.ndarray) -> NodeTargets:
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(target_node, minlength=n), out=ptr[1:])
        return cls(ptr, np.argsort(target_node, kind="stable"))

    def tree(self, net: Network) -> cKDTree:
        """A KD-tree of the nodes that have a target."""
        if self._tree is None:
            self._tree = cKDTree(net.xy[np.flatnonzero(np.diff(self.ptr) > 0)])
        return self._tree

    def at(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The targets at ``nodes``: each one's position in ``nodes``, and the target indices."""
        lo = self.ptr[nodes]
        k = self.ptr[nodes + 1] - lo
        return np.repeat(np.arange(len(nodes)), k), self.idx[_ranges(lo, k)]


def _ranges(start: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The positions start[i], …, start[i] + k[i] − 1 of every i, one after another (CSR slices at once)."""
    return np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k) + np.repeat(start, k)


def _z_order(xy: np.ndarray, cell: float) -> np.ndarray:
    """An order of the points that keeps neighbours together: the Z-order of cells ``cell`` wide."""
    c = np.floor((xy - xy.min(axis=0)) / max(cell, 1.0)).astype(np.int64)
    key = np.zeros(len(xy), dtype=np.int64)
    for bit in range(20):
        key |= ((c[:, 0] >> bit) & 1) << (2 * bit)
        key |= ((c[:, 1] >> bit) & 1) << (2 * bit + 1)
    return np.argsort(key, kind="stable")


def _induced(graph: sp.csr_matrix, sub: np.ndarray, local: np.ndarray) -> sp.csr_matrix:
    """The subgraph of ``graph`` on the nodes ``sub`` (sorted), renumbered by ``local``."""
    start = graph.indptr[sub]
    k = graph.indptr[sub + 1] - start
    pos = _ranges(start, k)
    row = np.repeat(np.arange(len(sub)), k)
    col = local[graph.indices[pos]]
    keep = col >= 0
    indptr = np.zeros(len(sub) + 1, dtype=np.int64)
    np.cumsum(np.bincount(row[keep], minlength=len(sub)), out=indptr[1:])
    return sp.csr_matrix(
        (graph.data[pos][keep], col[keep].astype(np.int32), indptr.astype(np.int32)),
        shape=(len(sub), len(sub)),
    )


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
    by_node = NodeTargets.of(net.n, t_node)
    results = []
    for k, g in enumerate(groups):
        dist = node_dist[k, t_node] + t_snap
        count = None
        if thresholds is not None:
            count = count_within(net, g, t_node, t_snap, thresholds[k], by_node=by_node)
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
