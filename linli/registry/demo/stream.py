"""The demo's stream of random numbers: every draw of the generator comes from one seeded stream,
so the same seed gives the same district."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

import numpy as np


class Stream:
    """Uniform numbers drawn from ``numpy.random.default_rng(seed)`` in blocks (fast scalar draws)."""

    def __init__(self, seed: int, block: int = 1 << 16):
        self.rng = np.random.default_rng(seed)
        self.block = block
        self.buf: list[float] = []
        self.i = 0

    def u(self) -> float:
        if self.i >= len(self.buf):
            self.buf = self.rng.random(self.block).tolist()
            self.i = 0
        v = self.buf[self.i]
        self.i += 1
        return v

    def between(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""
        return lo + min(int(self.u() * (hi - lo + 1)), hi - lo)

    def uniform(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.u()

    def chance(self, p: float) -> bool:
        return self.u() < p

    def choice[V](self, items: Sequence[V]) -> V:
        return items[self.between(0, len(items) - 1)]

    def weighted[V](self, table: Weighted[V]) -> V:
        return table.items[min(bisect.bisect_right(table.cum, self.u() * table.total), len(table.items) - 1)]

    def sample[V](self, items: Sequence[V], k: int) -> list[V]:
        """k distinct items, uniformly (partial Fisher–Yates)."""
        pool = list(items)
        k = min(k, len(pool))
        for i in range(k):
            j = self.between(i, len(pool) - 1)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def weighted_sample[V](self, items: Sequence[V], weights: Sequence[float], k: int) -> list[V]:
        """k distinct items, with probability proportional to weight (Efraimidis–Spirakis keys)."""
        keys = [(self.u() ** (1.0 / w) if w > 0 else -1.0, n) for n, w in enumerate(weights)]
        keys.sort(reverse=True)
        return [items[n] for key, n in keys[: min(k, len(keys))] if key >= 0]


class Weighted[V]:
    """A discrete distribution: items with weights."""

    def __init__(self, pairs: Sequence[tuple[V, float]]):
        self.pairs = list(pairs)
        self.items = [p[0] for p in pairs]
        self.cum = list(itertools.accumulate(p[1] for p in pairs))
        self.total = self.cum[-1]

    def boosted(self, item: V, share: float) -> Weighted[V]:
        """The same distribution with ``item`` given an extra ``share`` of the whole (a clan village)."""
        extra = share / (1 - share) * self.total
        return Weighted([(i, w + (extra if i == item else 0.0)) for i, w in self.pairs])
