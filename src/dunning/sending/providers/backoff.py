"""Exponential backoff with jitter, shared by the bind pool and the router."""

from __future__ import annotations

import random

__all__ = ["Backoff"]


class Backoff:
    """``minimum``, doubling, capped at ``maximum``; each delay is drawn uniformly in ``[d/2, d]``
    so binds (or routes) that dropped together do not come back together."""

    def __init__(self, minimum: float, maximum: float, rng: random.Random | None = None) -> None:
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
        self.attempt = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        ceiling = min(self.maximum, self.minimum * 2 ** min(self.attempt, 60))
        self.attempt += 1
        return self._rng.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.attempt = 0
