"""Walking networks: nodes (WGS-84 and local metres) and undirected edges with lengths in metres.

A network is built from edge lists (an OpenStreetMap extract read with pyrosm, GeoJSON road lines,
or the synthetic demo streets), stored compactly as one compressed ``.npz`` blob, and turned into
a scipy CSR matrix for Dijkstra. Points (buildings, facilities) are snapped to their nearest node
with a KD-tree in metres; the snap distance is added to every walking distance.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .geo import Projection, haversine


class NetworkError(ValueError):
    """The input does not describe a usable walking network (message in Chinese)."""


@dataclass
class Network:
    lat: np.ndarray  # (n,) float64
    lon: np.ndarray  # (n,) float64
    u: np.ndarray  # (m,) int32, u < v
    v: np.ndarray  # (m,) int32
    length: np.ndarray  # (m,) float64 metres
    proj: Projection = field(init=False)
    xy: np.ndarray = field(init=False)
    _csr: sp.csr_matrix | None = field(default=None, init=False, repr=False)
    _main: np.ndarray | None = field(default=None, init=False, repr=False)
    _by_x: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False)
    _trees: dict[bool, tuple[cKDTree, np.ndarray]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.proj = Projection.around(self.lat, self.lon)
        self.xy = self.proj.forward(self.lat, self.lon)

    # --- construction --------------------------------------------------------------------------

    @classmethod
    def from_edges(
        cls,
        lat: np.ndarray,
        lon: np.ndarray,
        u: np.ndarray,
        v: np.ndarray,
        length: np.ndarray | None = None,
    ) -> Network:
        """Nodes 0..n-1 at (lat, lon); edges u–v (undirected). Lengths default to great-circle metres.

        Self-loops are dropped; of parallel edges the shortest is kept.
        """
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        n = len(lat)
        if len(lon) != n or len(u) != len(v):
            raise NetworkError("路网的节点或边数组长度不一致")
        if n == 0 or len(u) == 0:
            raise NetworkError("路网没有节点或道路")
        if (u.min() < 0) or (v.min() < 0) or u.max() >= n or v.max() >= n:
            raise NetworkError("路网的边引用了不存在的节点")
        if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
            raise NetworkError("路网节点坐标不是有效数字")
        if length is None:
            length = haversine(lat[u], lon[u], lat[v], lon[v])
        length = np.asarray(length, dtype=np.float64)
        if (length < 0).any() or not np.isfinite(length).all():
            raise NetworkError("道路长度必须是非负数")
        a, b = np.minimum(u, v), np.maximum(u, v)
        keep = a != b
        a, b, length = a[keep], b[keep], length[keep]
        order = np.lexsort((length, b, a))
        a, b, length = a[order], b[order], length[order]
        first = np.ones(len(a), dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        return cls(lat, lon, a[first].astype(np.int32), b[first].astype(np.int32), length[first])

    @classmethod
    def from_lines(cls, lines: list[list[tuple[float, float]]], *, precision: int = 7) -> Network:
        """From polylines of (lat, lon) vertices; vertices at the same rounded point are one node."""
        pts: list[tuple[float, float]] = []
        seg_u: list[int] = []
        seg_v: list[int] = []
        for line in lines:
            if len(line) < 2:
                continue
            start = len(pts)
            pts.extend(line)
            seg_u.extend(range(start, start + len(line) - 1))
            seg_v.extend(range(start + 1, start + len(line)))
        if not seg_u:
            raise NetworkError("没有找到道路线（LineString/MultiLineString）")
        arr = np.round(np.array(pts, dtype=np.float64), precision)
        uniq, inverse = np.unique(arr, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        return cls.from_edges(uniq[:, 0], uniq[:, 1], inverse[seg_u], inverse[seg_v])

    @classmethod
    def from_geojson(cls, data: dict[str, Any]) -> Network:
        """GeoJSON FeatureCollection of LineString/MultiLineString roads (lon, lat order)."""
        if not isinstance(data, dict) or data.get("type") not in ("FeatureCollection", "Feature"):
            raise NetworkError("GeoJSON 必须是 FeatureCollection")
        feats = data.get("features", []) if data["type"] == "FeatureCollection" else [data]
        lines: list[list[tuple[float, float]]] = []
        for f in feats:
            g = (f or {}).get("geometry") or {}
            parts = (
                [g.get("coordinates", [])]
                if g.get("type") == "LineString"
                else g.get("coordinates", [])
                if g.get("type") == "MultiLineString"
                else []
            )
            for part in parts:
                try:
                    lines.append([(float(c[1]), float(c[0])) for c in part])
                except (TypeError, ValueError, IndexError) as exc:
                    raise NetworkError("GeoJSON 道路坐标格式错误") from exc
        return cls.from_lines(lines)

    @classmethod
    def from_pbf(cls, path: str, *, bounding_box: list[float] | None = None) -> Network:
        """The walking network of an OpenStreetMap ``.osm.pbf`` extract (read with pyrosm)."""
        import pyrosm

        osm = pyrosm.OSM(str(path), bounding_box=bounding_box)
        got = osm.get_network(network_type="walking", nodes=True)
        if got is None or got[0] is None or len(got[1]) == 0:
            raise NetworkError("该 OSM 文件中没有可步行的道路")
        nodes, edges = got
        ids = nodes["id"].to_numpy(dtype=np.int64)
        order = np.argsort(ids)
        ids_sorted = ids[order]

        def index(col: np.ndarray) -> np.ndarray:
            pos = np.searchsorted(ids_sorted, col)
            pos = np.minimum(pos, len(ids_sorted) - 1)
            if (ids_sorted[pos] != col).any():
                raise NetworkError("OSM 道路引用了缺失的节点")
            return order[pos]

        u = index(edges["u"].to_numpy(dtype=np.int64))
        v = index(edges["v"].to_numpy(dtype=np.int64))
        return cls.from_edges(
            nodes["lat"].to_numpy(dtype=np.float64),
            nodes["lon"].to_numpy(dtype=np.float64),
            u,
            v,
            edges["length"].to_numpy(dtype=np.float64),
        )

    # --- storage -------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(buf, lat=self.lat, lon=self.lon, u=self.u, v=self.v, length=self.length)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Network:
        with np.load(io.BytesIO(bytes(blob))) as z:
            return cls(z["lat"], z["lon"], z["u"], z["v"], z["length"])

    # --- graph ---------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.lat)

    @property
    def m(self) -> int:
        return len(self.u)

    def csr(self) -> sp.csr_matrix:
        """Symmetric adjacency in CSR form (explicit zero-length edges kept)."""
        if self._csr is None:
            self._csr = symmetric_csr(self.n, self.u, self.v, self.length)
        return self._csr

    def main_component(self) -> np.ndarray:
        """Boolean mask of the nodes in the largest connected component."""
        if self._main is None:
            _, labels = connected_components(self.csr(), directed=False)
            self._main = labels == np.bincount(labels).argmax()
        return self._main

    def snap(
        self, lat: np.ndarray, lon: np.ndarray, *, main_only: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of every point and the straight distance to it (metres)."""
        if main_only not in self._trees:
            nodes = np.flatnonzero(self.main_component()) if main_only else np.arange(self.n)
            self._trees[main_only] = (cKDTree(self.xy[nodes]), nodes)
        tree, nodes = self._trees[main_only]
        if len(lat) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        d, i = tree.query(self.proj.forward(lat, lon))
        return nodes[i], d

    def by_x(self) -> tuple[np.ndarray, np.ndarray]:
        """The nodes ordered by their x in metres, and those x ascending (a box of nodes is two
        binary searches and a filter on y)."""
        if self._by_x is None:
            order = np.argsort(self.xy[:, 0], kind="stable")
            self._by_x = (order, self.xy[order, 0])
        return self._by_x

    def bbox(self) -> tuple[float, float, float, float]:
        return float(self.lat.min()), float(self.lat.max()), float(self.lon.min()), float(self.lon.max())


def symmetric_csr(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, extra_rows: int = 0) -> sp.csr_matrix:
    """CSR built directly from (row, col, weight) without summing duplicates or dropping zeros."""
    rows = np.concatenate((u, v)).astype(np.int64)
    cols = np.concatenate((v, u)).astype(np.int32)
    data = np.concatenate((w, w)).astype(np.float64)
    return _csr(n + extra_rows, rows, cols, data)


def _csr(n: int, rows: np.ndarray, cols: np.ndarray, data: np.ndarray) -> sp.csr_matrix:
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int32)  # int32 throughout: what scipy's csgraph works on
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_matrix((data[order], cols[order].astype(np.int32), indptr), shape=(n, n))
