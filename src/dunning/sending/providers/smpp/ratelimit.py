"""Token bucket that holds a provider's contracted rate (TPS) exactly.

One :class:`TokenBucket` is one rate: give each bind its own bucket for a per-bind TPS, or share one
bucket between the N sessions of a provider to hold the provider's total TPS across all its binds
(the bucket is safe to await from any number of coroutines on one event loop; waiters are served in
FIFO order).

Guarantee: in any closed time window of length ``W`` seconds, at most ``rate * W + burst + 1`` tokens
are handed out, and over a long busy run the rate is met exactly: a waiter woken late by less than one
token's time keeps the ideal schedule (the next token is due on time), so the event loop's timer
granularity costs nothing. (The ``+ 1``: a token taken late is followed by one due on schedule.)
The arithmetic is exact: time is kept in integer nanoseconds scaled by the rate's
numerator, so there is no floating-point drift over a long run. A waiter wakes on a whole
nanosecond (waits are rounded up), so when ``1 / rate`` is not a whole number of nanoseconds the
rate falls short by at most 1 ns per token — never over. It is the GCRA form of a token bucket
(a "theoretical arrival time" that advances by ``1 / rate`` per token), evaluated when a waiter wakes,
so a stalled event loop never causes a catch-up burst: after a pause of a token's time or more at
most ``burst`` tokens are available at once.

``penalise(seconds)`` pauses the bucket for everyone (after ESME_RTHROTTLED / ESME_RMSGQFUL).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from fractions import Fraction

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

_NS = 1_000_000_000


def _as_fraction(value: int | float | Fraction | str) -> Fraction:
    if isinstance(value, float):
        return Fraction(repr(value))  # 0.1 means one tenth, not the nearest binary float
    return Fraction(value)


class TokenBucket:
    """An asyncio token bucket: ``rate`` tokens a second, at most ``burst`` at once.

    ``clock`` returns monotonic seconds (default :func:`time.monotonic`); ``sleep`` is an async
    callable taking seconds (default :func:`asyncio.sleep`). Both are injectable for tests.
    """

    __slots__ = (
        "_burst_span",
        "_clock",
        "_lock",
        "_num",
        "_paused_until_ns",
        "_sleep",
        "_tat",
        "_token_span",
        "acquired",
        "burst",
        "rate",
    )

    def __init__(
        self,
        rate: int | float | Fraction | str,
        burst: int = 1,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate = _as_fraction(rate)
        if self.rate <= 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        # Scaled time: 1 ns == rate.numerator units, so one token lasts exactly 1e9 * denominator.
        self._num = self.rate.numerator
        self._token_span = _NS * self.rate.denominator
        self._burst_span = burst * self._token_span
        self._tat: int | None = None  # theoretical arrival time (scaled); None = bucket full
        self._paused_until_ns = 0
        self.acquired = 0  # tokens handed out so far (for stats)

    def _now_ns(self) -> int:
        return round(self._clock() * _NS)

    def _try_take(self, n: int, now_ns: int) -> int:
        """Take ``n`` tokens now and return 0, or take nothing and return the nanoseconds to wait."""
        if now_ns < self._paused_until_ns:
            return self._paused_until_ns - now_ns
        now = now_ns * self._num
        # Idle for a token's time or more: start afresh (no catch-up burst). Woken a little late (less
        # than a token's time): keep the ideal schedule, or each late wake-up (the event loop's timer
        # granularity) would be lost and the rate would fall short.
        idle = self._tat is None or self._tat + self._token_span <= now
        start = now if idle or self._tat is None else self._tat
        tat = start + n * self._token_span
        excess = tat - now - self._burst_span
        if excess > 0:
            return -(-excess // self._num)  # ceil to whole nanoseconds
        self._tat = tat
        self.acquired += n
        return 0

    async def acquire(self, n: int = 1) -> None:
        """Wait until ``n`` tokens are available and take them.

        ``n`` larger than ``burst`` is taken in chunks of ``burst``, so it never deadlocks and the
        bound still holds. Cancelling a waiter takes nothing.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n!r}")
        while n > 0:
            chunk = min(n, self.burst)
            await self._acquire_chunk(chunk)
            n -= chunk

    async def _acquire_chunk(self, n: int) -> None:
        if not self._lock.locked() and self._try_take(n, self._now_ns()) == 0:
            return  # fast path: nobody waiting and a token is there
        async with self._lock:
            while True:
                wait_ns = self._try_take(n, self._now_ns())
                if wait_ns == 0:
                    return
                await self._sleep(wait_ns / _NS)

    def try_acquire(self, n: int = 1) -> bool:
        """Take ``n`` tokens (``n <= burst``) if available without waiting and nobody is queued."""
        if n < 1 or n > self.burst:
            raise ValueError(f"n must be between 1 and burst ({self.burst}), got {n!r}")
        return not self._lock.locked() and self._try_take(n, self._now_ns()) == 0

    def penalise(self, seconds: float) -> None:
        """Hand out no token for ``seconds`` from now (extends, never shortens, a current pause)."""
        if seconds <= 0:
            return
        until = self._now_ns() + round(seconds * _NS)
        self._paused_until_ns = max(self._paused_until_ns, until)

    @property
    def paused_for(self) -> float:
        """Seconds left of the current penalty (0 when none)."""
        return max(0, self._paused_until_ns - self._now_ns()) / _NS

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate}, burst={self.burst})"


def split_rate(total: int | float | Fraction | str, binds: int) -> Fraction:
    """Each bind's share when a provider's ``total`` TPS is split evenly across ``binds`` buckets.

    Prefer one shared :class:`TokenBucket` for all binds of a provider: the split form wastes a bind's
    share while that bind is down or idle.
    """
    if binds < 1:
        raise ValueError(f"binds must be at least 1, got {binds!r}")
    return _as_fraction(total) / binds
