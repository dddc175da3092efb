"""The engine against networkx (random graphs, a real OpenStreetMap extract) and siting against brute force."""

from __future__ import annotations

import itertools
import time

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from linli.lifecircle.engine import siting as sit
from linli.lifecircle.engine.access import (
    Sources,
    count_within,
    nearest_node_distances,
    network_access,
    straight_access,
)
from linli.lifecircle.engine.geo import Projection, haversine, to_wgs84
from linli.lifecircle.engine.network import Network, NetworkError
from linli.lifecircle.engine.synthetic import grid_network


def _nx(net: Network) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(net.n))
    for a, b, w in zip(net.u.tolist(), net.v.tolist(), net.length.tolist(), strict=True):
        g.add_edge(a, b, weight=w)
    return g


def _random_net(seed: int, n: int = 120) -> Network:
    rng = np.random.default_rng(seed)
    lat = 24.95 + rng.random(n) * 0.02
    lon = 118.65 + rng.random(n) * 0.02
    m = n * 2
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    extra = rng.random(m) * 50  # winding roads: longer than the straight line
    length = haversine(lat[u], lon[u], lat[v], lon[v]) + extra
    return Network.from_edges(lat, lon, u, v, length)


def _check_buildings(net: Network, fac: list[tuple[np.ndarray, np.ndarray]], blat, blon) -> int:
    """Building by building: engine distance vs snap + networkx multi-source distance."""
    res, snap = network_access(net, fac, (blat, blon))
    g = _nx(net)
    bnode, bsnap = net.snap(blat, blon)
    bad = 0
    for k, (flat, flon) in enumerate(fac):
        fnode, fsnap = net.snap(flat, flon)
        # networkx has no source offsets: a virtual source joined to each facility node by its snap
        h = g.copy()
        for node, off in zip(fnode.tolist(), fsnap.tolist(), strict=True):
            h.add_edge(("src", node), node, weight=off)
            h.add_edge("S", ("src", node), weight=0.0)
        d = nx.single_source_dijkstra_path_length(h, "S")
        for i in range(len(blat)):
            want = d.get(int(bnode[i]), np.inf) + bsnap[i]
            got = res[k].distance[i]
            if not (np.isinf(want) and np.isinf(got)) and abs(want - got) > 0.5:
                bad += 1
    return bad


@pytest.mark.parametrize("seed", range(4))
def test_random_graphs_match_networkx(seed):
    net = _random_net(seed)
    rng = np.random.default_rng(seed + 100)
    fac = [(24.95 + rng.random(3) * 0.02, 118.65 + rng.random(3) * 0.02) for _ in range(3)]
    blat, blon = 24.95 + rng.random(60) * 0.02, 118.65 + rng.random(60) * 0.02
    assert _check_buildings(net, fac, blat, blon) == 0


def test_real_osm_extract_matches_networkx():
    pyrosm = pytest.importorskip("pyrosm")
    net = Network.from_pbf(pyrosm.get_data("test_pbf"))
    assert net.n > 500 and net.m > 500
    rng = np.random.default_rng(5)
    lat0, lat1, lon0, lon1 = net.bbox()
    fac = [(lat0 + rng.random(4) * (lat1 - lat0), lon0 + rng.random(4) * (lon1 - lon0)) for _ in range(3)]
    blat, blon = lat0 + rng.random(150) * (lat1 - lat0), lon0 + rng.random(150) * (lon1 - lon0)
    assert _check_buildings(net, fac, blat, blon) == 0


def test_counts_within_threshold_match_brute_force():
    net = _random_net(7)
    g = _nx(net)
    rng = np.random.default_rng(1)
    main = np.flatnonzero(net.main_component())
    src = Sources(rng.choice(main, 6, replace=False), rng.random(6) * 20)
    tgt = main[:40]
    toff = rng.random(40) * 10
    limit = 600.0
    got = count_within(net, src, tgt, toff, limit)
    dists = [nx.single_source_dijkstra_path_length(g, int(s)) for s in src.node]
    want = [
        sum(1 for k, d in enumerate(dists) if d.get(int(t), np.inf) + src.offset[k] + toff[i] <= limit)
        for i, t in enumerate(tgt)
    ]
    assert got.tolist() == want


@pytest.mark.parametrize("seed", [2, 5])
def test_counts_over_many_groups_and_limits_match_brute_force(seed):
    """Many sources (several groups of the local search), spread over a street grid wider than the
    limit, some far from every target, with a limit per target (urban and rural circles)."""
    rects = [
        (24.9 + i * 0.01, 24.91 + i * 0.01, 118.6 + j * 0.01, 118.61 + j * 0.01)
        for i in range(4)
        for j in range(4)
    ]
    net = grid_network(rects, [120.0] * len(rects), seed=seed)
    rng = np.random.default_rng(seed)
    src = Sources(rng.choice(net.n, 70, replace=False), rng.random(70) * 60)
    tgt = rng.choice(net.n, 300)
    toff = rng.random(300) * 40
    limit = np.where(rng.random(300) < 0.3, 1600.0, 700.0)
    got = count_within(net, src, tgt, toff, limit)
    full = sp.csgraph.dijkstra(net.csr(), directed=False, indices=src.node)
    want = ((full[:, tgt] + src.offset[:, None] + toff[None, :]) <= limit[None, :]).sum(axis=0)
    assert got.tolist() == want.tolist()
    assert 0 < got.sum() < 70 * 300  # the limits cut: some pairs count, not all


def test_nearest_with_offsets_and_unreachable():
    # path 0-1-2, isolated 3
    net = Network.from_edges(
        np.array([25.0, 25.0, 25.0, 25.1]),
        np.array([118.0, 118.001, 118.002, 118.1]),
        np.array([0, 1]),
        np.array([1, 2]),
        np.array([100.0, 100.0]),
    )
    d = nearest_node_distances(net, [Sources(np.array([0, 2]), np.array([30.0, 0.0]))])[0]
    assert d[:3].tolist() == [30.0, 100.0, 0.0]
    assert np.isinf(d[3])


def test_parallel_edges_keep_shortest_and_bad_input():
    net = Network.from_edges(
        np.array([25.0, 25.0]),
        np.array([118.0, 118.001]),
        np.array([0, 1, 0]),
        np.array([1, 0, 0]),
        np.array([50.0, 40.0, 5.0]),
    )
    assert net.m == 1 and net.length[0] == 40.0
    with pytest.raises(NetworkError):
        Network.from_edges(np.array([25.0]), np.array([118.0]), np.array([0]), np.array([3]))
    with pytest.raises(NetworkError, match="FeatureCollection"):
        Network.from_geojson({"type": "Point"})


def test_geojson_lines_share_nodes_and_roundtrip():
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[118.0, 25.0], [118.001, 25.0], [118.002, 25.0]],
                },
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [[[118.001, 25.0], [118.001, 25.001]]],
                },
            },
        ],
    }
    net = Network.from_geojson(gj)
    assert net.n == 4 and net.m == 3
    back = Network.from_bytes(net.to_bytes())
    assert np.array_equal(back.u, net.u) and np.allclose(back.length, net.length)


def test_straight_line_fallback_uses_detour():
    res = straight_access(
        [(np.array([25.0]), np.array([118.0]))], (np.array([25.001]), np.array([118.0])), 1.5, [200.0]
    )
    assert res[0].method == "straight"
    assert res[0].distance[0] == pytest.approx(111.2 * 1.5, rel=0.01)
    assert res[0].count.tolist() == [1]


def test_datum_conversion_inverts_gcj_and_bd():
    import prcoords

    lat, lon = 24.96, 118.67
    g = prcoords.wgs_gcj((lat, lon))
    b = prcoords.wgs_bd((lat, lon))
    for datum, p in (("gcj02", g), ("bd09", b)):
        back = to_wgs84(p[0], p[1], datum)
        assert haversine(lat, lon, back[0], back[1]) < 1.0
    assert haversine(lat, lon, g[0], g[1]) > 100  # the offset is real


def test_synthetic_grid_is_connected():
    rects = [
        (24.95, 24.955, 118.65, 118.656),
        (24.97, 24.975, 118.67, 118.676),
        (24.99, 24.995, 118.70, 118.705),
    ]
    net = grid_network(rects, [90.0, 90.0, 160.0], seed=3)
    assert net.main_component().all()
    p = Projection.around(net.lat, net.lon)
    assert p.forward(net.lat, net.lon).shape == (net.n, 2)


def _brute(p: sit.Problem, k: int) -> float:
    return max(p.value(list(c)) for c in itertools.combinations(range(p.m), k))


@pytest.mark.parametrize("seed", range(6))
def test_siting_exact_matches_brute_force_and_bound_holds(seed):
    rng = np.random.default_rng(seed)
    n, m, k = 25, 8, 3
    cover = sp.random(n, m, density=0.25, random_state=seed)
    w = rng.integers(1, 20, n)
    already = rng.random(n) < 0.2
    p = sit.covering_problem(cover, w, already)
    best = _brute(p, k)
    ex = sit.solve(p, k, method="exact")
    assert ex.value == pytest.approx(best)
    heur = sit.solve(p, k, method="greedy")
    assert heur.value <= best + 1e-9 <= heur.bound + 1e-9
    assert 0 <= heur.gap <= 1
    dist = sp.random(n, m, density=0.4, random_state=seed + 50)
    dist.data *= 900
    pm = sit.median_problem(dist, np.full(n, 1000.0), w)
    best = _brute(pm, k)
    assert sit.solve(pm, k, method="exact").value == pytest.approx(best)
    h = sit.solve(pm, k, method="greedy")
    assert h.value <= best + 1e-6 <= h.bound + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_lagrangian_bound_is_valid(seed):
    rng = np.random.default_rng(seed)
    p = sit.covering_problem(sp.random(30, 9, density=0.25, random_state=seed), rng.integers(1, 20, 30))
    best = _brute(p, 3)
    chosen, _ = sit.greedy(p, 3)
    bound, pool = sit.lagrangian(p, 3, p.value(chosen))
    assert bound >= best - 1e-6
    assert all(0 <= j < p.m for j in pool)


def _covering_instance(seed: int, n: int = 40, m: int = 12) -> sit.Problem:
    """Random maximal covering with the shapes reduction must handle: duplicated demand points,
    a duplicated candidate, a candidate inside another's coverage, points already covered."""
    rng = np.random.default_rng(seed)
    a = (rng.random((n, m)) < 0.25).astype(float)
    a[n // 2 :: 4] = a[n // 2 - 1 :: 4][: len(a[n // 2 :: 4])]  # identical coverage sets
    a[:, 1] = a[:, 0]  # the same candidate twice
    a[:, 2] = a[:, 3] * (rng.random(n) < 0.5)  # within candidate 3's coverage
    already = rng.random(n) < 0.15
    return sit.covering_problem(sp.csr_matrix(a), rng.integers(1, 30, n), already)


@pytest.mark.parametrize("seed", range(8))
def test_covering_reduction_keeps_the_optimum(seed):
    p = _covering_instance(seed)
    red = sit.reduce_covering(p)
    assert red.S.shape[0] < p.n and len(red.cols) < p.m  # merged points, dropped candidates
    assert 1 not in set(red.cols.tolist()) and 2 not in set(red.cols.tolist())
    rp = sit.Problem(red.S, red.w)
    for k in (1, 3):
        best = _brute(p, k)
        kk = min(k, rp.m)
        assert _brute(rp, kk) == pytest.approx(best)
        # a reduced solution means the same in the original
        sol = max(itertools.combinations(range(rp.m), kk), key=lambda c: rp.value(list(c)))
        assert p.value([int(red.cols[j]) for j in sol]) == pytest.approx(best)


@pytest.mark.parametrize("seed", range(6))
def test_covering_search_is_optimal_or_within_its_proven_gap(seed):
    p = _covering_instance(seed, n=60, m=14)
    for k in (2, 4):
        best = _brute(p, k)
        res = sit.solve(p, k, method="search", time_limit=10, seed=seed)
        exact = sit.solve(p, k, method="exact")
        assert exact.value == pytest.approx(best) and exact.method == "exact"
        assert len(set(res.chosen)) == len(res.chosen) <= k
        assert res.value == pytest.approx(p.value(res.chosen))
        assert res.value <= best + 1e-9 <= res.bound + 1e-6  # the claimed bound is a proof
        assert res.value >= (1 - res.gap) * res.bound - 1e-6
        assert res.value == pytest.approx(best)  # and on instances this small it finds the optimum
        again = sit.solve(p, k, method="search", time_limit=10, seed=seed)
        assert again.chosen == res.chosen  # deterministic for a seed


@pytest.mark.parametrize("seed", range(4))
def test_lp_and_lagrange_bounds_hold(seed):
    p = _covering_instance(seed)
    red = sit.reduce_covering(p)
    best = _brute(p, 3)
    lp = sit.lp_bound(red, 3, time_limit=10)
    assert lp is not None and lp[0] >= best - 1e-6
    rng = np.random.default_rng(seed)
    for _ in range(5):  # any multipliers give a proof, the LP's are the best
        lam = rng.random(len(red.w)) * red.w
        assert sit.lagrange_bound(red.S, red.w, 3, lam) >= lp[0] - 1e-6


def test_covering_search_keeps_its_time_limit():
    rng = np.random.default_rng(5)
    a = sp.random(4000, 400, density=0.04, random_state=5, format="csr")
    p = sit.covering_problem(a, rng.integers(1, 100, 4000))
    res = sit.solve(p, 30, method="search", time_limit=1.5)
    assert res.seconds < 6 and len(res.chosen) == 30
    assert res.value <= res.bound and res.method.endswith(("bound+local search", "+B&B", "exact"))


@pytest.mark.parametrize("seed", range(6))
def test_cover_milp_is_exact_and_its_bound_holds(seed):
    """HiGHS' model with its own presolve (points only one candidate covers folded into that
    candidate's column, identical points merged) has the brute-force optimum; its bound is a proof."""
    rng = np.random.default_rng(seed)
    n, m = 40, 10
    a = (rng.random((n, m)) < 0.2).astype(float)
    a[:8] = 0
    a[np.arange(8), rng.integers(0, m, 8)] = 1  # covered by exactly one candidate
    a[20:24] = a[10:14]  # identical coverage sets
    w = rng.integers(1, 30, n).astype(float)
    p = sit.covering_problem(sp.csr_matrix(a), w)
    for k in (1, 3):
        best = _brute(p, k)
        chosen, value, bound = sit.cover_milp(sp.csr_matrix(a), w, k, time_limit=10)
        assert len(chosen) <= k and value == pytest.approx(p.value(chosen)) == pytest.approx(best)
        assert bound >= best - 1e-6 and bound == pytest.approx(best)


def test_cover_milp_warm_start_is_never_worse_than_it():
    """Cut short at once, HiGHS still hands back (at least) the set it was started from."""
    rng = np.random.default_rng(11)
    a = sp.random(3000, 300, density=0.05, random_state=11, format="csr")
    p = sit.covering_problem(a, rng.integers(1, 100, 3000))
    red = sit.reduce_covering(p)
    start, upper = sit.greedy(sit.Problem(red.S, red.w), 20)
    start_value = sit.Problem(red.S, red.w).value(start)
    chosen, value, bound = sit.cover_milp(red.S, red.w, 20, start=start, time_limit=0.2)
    assert len(chosen) <= 20 and value >= start_value - 1e-9
    assert value <= bound + 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_covering_search_with_branch_and_bound_is_proven(seed):
    """The search path on a model small enough for branch and bound: its bound holds, it is never
    worse than greedy, and here it closes the gap (labelled exact)."""
    p = _covering_instance(seed, n=80, m=20)
    for k in (3, 5):
        best = _brute(p, k)
        res = sit.solve(p, k, method="search", time_limit=20, seed=seed)
        greedy_value = p.value(sit.greedy(p, k)[0])
        assert greedy_value - 1e-9 <= res.value <= best + 1e-9 <= res.bound + 1e-6
        assert res.value == pytest.approx(best) and res.method == "exact"


@pytest.mark.parametrize("seed", range(8))
def test_siting_reduced_cost_fixing_never_drops_a_site_of_a_better_set(seed):
    """Each candidate's forced bound is at least the best set holding it (LP multipliers and random
    ones), so fixing out against a value below the optimum keeps every optimal set whole."""
    p = _covering_instance(seed, n=50, m=12)
    red = sit.reduce_covering(p)
    rp = sit.Problem(red.S, red.w)
    rng = np.random.default_rng(seed)
    fixed = 0
    for k in (2, 3):
        sets = list(itertools.combinations(range(rp.m), k))
        values = np.array([rp.value(list(c)) for c in sets])
        best = values.max()
        lp = sit.lp_bound(red, k, time_limit=10)
        assert lp is not None
        for lam in (lp[3], rng.random(len(red.w)) * red.w):
            forced = sit.forced_bounds(red.S, red.w, k, lam)
            for j in range(rp.m):
                holding = values[[j in c for c in sets]]
                assert forced[j] >= holding.max() - 1e-6
            out = sit.fix_out(red.S, red.w, k, lam, best - 0.5)
            for c, v in zip(sets, values, strict=True):
                if v == best:
                    assert not out[list(c)].any()
            if lam is lp[3]:
                fixed += int(out.sum())
    assert fixed > 0  # and the LP's multipliers do fix candidates out on these instances


@pytest.mark.parametrize("seed", range(4))
def test_siting_large_neighbourhood_search_is_never_worse_and_deterministic(seed):
    p = _covering_instance(seed, n=80, m=20)
    red = sit.reduce_covering(p)
    rp = sit.Problem(red.S, red.w)
    k = 4
    start, _ = sit.greedy(rp, k)
    sel, value, steps, cut = sit.lns(red, start, k, deadline=time.perf_counter() + 30, free=2)
    assert not cut and steps >= k
    assert len(set(sel)) == len(sel) <= k
    assert value == pytest.approx(rp.value(sel)) and value >= rp.value(start) - 1e-9
    assert value <= _brute(rp, k) + 1e-9
    again = sit.lns(red, start, k, deadline=time.perf_counter() + 30, free=2)
    assert again[0] == sel
