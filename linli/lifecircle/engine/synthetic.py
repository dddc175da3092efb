"""A synthetic walking network (演示): jittered street grids over areas, joined by roads between them.

Used by the demo, where the buildings are synthetic too: every community rectangle gets a street
grid (spacing ≈ 90 m urban, 160 m rural, nodes jittered, a few links missing), and neighbouring
communities are joined by straight roads (a minimum spanning tree of their centres plus each one's
nearest neighbours), so that the whole district is one connected network.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree

from .geo import Projection
from .network import Network

Rect = tuple[float, float, float, float]  # lat_min, lat_max, lon_min, lon_max


def grid_network(
    rects: list[Rect],
    spacing: list[float],
    *,
    seed: int = 1,
    jitter: float = 0.2,
    drop: float = 0.08,
    neighbours: int = 2,
) -> Network:
    rng = np.random.default_rng(seed)
    all_lat = np.array([(r[0] + r[1]) / 2 for r in rects])
    all_lon = np.array([(r[2] + r[3]) / 2 for r in rects])
    proj = Projection.around(all_lat, all_lon)
    xs: list[np.ndarray] = []
    us: list[np.ndarray] = []
    vs: list[np.ndarray] = []
    first: list[int] = []
    total = 0
    for r, step in zip(rects, spacing, strict=True):
        (x0, y0), (x1, y1) = proj.forward(np.array([r[0], r[1]]), np.array([r[2], r[3]]))
        x0, y0, x1, y1 = x0 - step / 2, y0 - step / 2, x1 + step / 2, y1 + step / 2
        nx = max(2, int(np.ceil((x1 - x0) / step)) + 1)
        ny = max(2, int(np.ceil((y1 - y0) / step)) + 1)
        gx, gy = np.meshgrid(np.linspace(x0, x1, nx), np.linspace(y0, y1, ny))
        pts = np.column_stack((gx.ravel(), gy.ravel()))
        pts += rng.uniform(-jitter, jitter, pts.shape) * step
        idx = np.arange(nx * ny).reshape(ny, nx) + total
        eu = np.concatenate((idx[:, :-1].ravel(), idx[:-1, :].ravel()))
        ev = np.concatenate((idx[:, 1:].ravel(), idx[1:, :].ravel()))
        keep = rng.random(len(eu)) >= drop
        # never drop the grid's outer ring, so each grid stays connected
        border = np.zeros(nx * ny, dtype=bool).reshape(ny, nx)
        border[0, :] = border[-1, :] = border[:, 0] = border[:, -1] = True
        b = border.ravel()
        keep |= b[eu - total] & b[ev - total]
        xs.append(pts)
        us.append(eu[keep])
        vs.append(ev[keep])
        first.append(total)
        total += nx * ny
    xy = np.concatenate(xs)
    centres = proj.forward(all_lat, all_lon)
    # roads between areas: minimum spanning tree of the centres plus nearest neighbours
    pairs: set[tuple[int, int]] = set()
    if len(rects) > 1:
        d = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=2)
        mst = minimum_spanning_tree(d).tocoo()
        pairs |= {(int(min(a, b)), int(max(a, b))) for a, b in zip(mst.row, mst.col, strict=True)}
        k = min(neighbours + 1, len(rects))
        _, nn = cKDTree(centres).query(centres, k=k)
        for a in range(len(rects)):
            for other in np.atleast_1d(nn[a])[1:].tolist():
                pairs.add((min(a, other), max(a, other)))
    bounds = first + [total]
    cu, cv = [], []
    for i, j in sorted(pairs):
        na = bounds[i] + int(np.argmin(np.linalg.norm(xy[bounds[i] : bounds[i + 1]] - centres[j], axis=1)))
        nb = bounds[j] + int(np.argmin(np.linalg.norm(xy[bounds[j] : bounds[j + 1]] - centres[i], axis=1)))
        cu.append(na)
        cv.append(nb)
    u = np.concatenate(us + [np.array(cu, dtype=np.int64)])
    v = np.concatenate(vs + [np.array(cv, dtype=np.int64)])
    lat, lon = proj.inverse(xy)
    length = np.linalg.norm(xy[u] - xy[v], axis=1)
    return Network.from_edges(np.round(lat, 7), np.round(lon, 7), u, v, length)
