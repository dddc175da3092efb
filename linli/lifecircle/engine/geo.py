"""Coordinates: WGS-84 ↔ local metres, great-circle distance, and the Chinese map datums.

Walking distances are short (kilometres), so a local equirectangular projection around the
network's mean latitude is accurate to well under a metre per kilometre, and fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EARTH_R = 6_371_008.8  # mean radius, metres


@dataclass(frozen=True)
class Projection:
    """Local equirectangular projection: x east, y north, metres."""

    lat0: float
    lon0: float

    @classmethod
    def around(cls, lat: np.ndarray, lon: np.ndarray) -> Projection:
        return cls(float(np.mean(lat)) if len(lat) else 0.0, float(np.mean(lon)) if len(lon) else 0.0)

    @property
    def kx(self) -> float:
        return math.radians(1) * EARTH_R * math.cos(math.radians(self.lat0))

    @property
    def ky(self) -> float:
        return math.radians(1) * EARTH_R

    def forward(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """(n, 2) array of x, y metres."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        return np.column_stack(((lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky))

    def inverse(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return xy[:, 1] / self.ky + self.lat0, xy[:, 0] / self.kx + self.lon0


def haversine(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in metres (vectorised)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_R * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


DATUMS = {"wgs84": "WGS-84", "gcj02": "GCJ-02（高德、腾讯）", "bd09": "BD-09（百度）"}


def to_wgs84(lat: float, lon: float, datum: str) -> tuple[float, float]:
    """Convert one point from ``datum`` (wgs84, gcj02, bd09) to WGS-84 (precise inverse, ~1 cm)."""
    if datum == "wgs84":
        return lat, lon
    import prcoords

    if datum == "gcj02":
        p = prcoords.gcj_wgs_bored((lat, lon))
    elif datum == "bd09":
        p = prcoords.bd_wgs_bored((lat, lon))
    else:
        raise ValueError(f"未知的坐标系：{datum}")
    return float(p[0]), float(p[1])


def arrays_to_wgs84(lat: np.ndarray, lon: np.ndarray, datum: str) -> tuple[np.ndarray, np.ndarray]:
    if datum == "wgs84":
        return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)
    pts = [to_wgs84(float(a), float(b), datum) for a, b in zip(lat, lon, strict=True)]
    return np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
