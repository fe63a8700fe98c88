"""BindPool: ``size`` SMPP binds to one SMSC, kept up, with dispatch by free window.

- :meth:`BindPool.open` binds every slot concurrently. A refusal that means bad credentials
  (ESME_RINVPASWD, ESME_RINVSYSID, ESME_RBINDFAIL) raises :class:`~dunning.core.errors.ConfigError`
  at once — no retry loop hammering the SMSC with a wrong password. If no bind comes up for any
  other reason (connection refused, a transient refusal, no answer) it raises
  :class:`~dunning.core.errors.RetriableProviderError`. When only some binds come up, the pool opens
  with those and re-binds the others in the background.
- Each slot has a supervisor task: when its session's ``closed`` future resolves and the pool is not
  closing, it re-binds after an exponential backoff with jitter (``reconnect_min`` doubling up to
  ``reconnect_max``; the delay is drawn in ``[d/2, d]``), resetting only after a bind that lasted.
- :meth:`BindPool.acquire` leases a bound session with room in its window for all the parts of one
  message (they then go back to back on that bind); it waits while every bind is full, and at most
  ``wait`` seconds while none is up (then returns None: the caller reports the message retriable).
- :meth:`BindPool.close` is graceful: no new leases, then every session drains its window, unbinds
  and closes.

All sessions share the provider's one TokenBucket (they are built by the caller's factory), so the
total rate is the contracted TPS whatever the number of live binds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from dunning.core.errors import ConfigError, RetriableProviderError
from dunning.sending.providers.backoff import Backoff
from dunning.sending.providers.smpp.pdu import Status, status_name
from dunning.sending.providers.smpp.session import BindError, SmppSession

__all__ = ["CREDENTIAL_STATUSES", "BindPool", "Lease"]

log = logging.getLogger("dunning.sending")

#: Bind refusals that mean our credentials are wrong: retrying cannot help.
CREDENTIAL_STATUSES: Final = frozenset({Status.ESME_RINVPASWD, Status.ESME_RINVSYSID, Status.ESME_RBINDFAIL})


@dataclass(slots=True)
class _Slot:
    index: int
    session: SmppSession | None = None
    reserved: int = 0  # parts leased on this slot and not yet finished
    task: asyncio.Task[None] | None = None

    @property
    def bound(self) -> bool:
        return self.session is not None and self.session.bound


@dataclass(frozen=True, slots=True)
class Lease:
    """Room for ``parts`` submits on ``session``; give it back with :meth:`BindPool.release`."""

    session: SmppSession
    parts: int
    slot: int


def _credential_error(exc: BindError, safe_url: str) -> ConfigError:
    name = status_name(exc.status) if exc.status is not None else "?"
    return ConfigError(
        f"SMPP bind refused ({name}): check system_id and password of {safe_url}",
        f"SMPP 绑定被拒绝（{name}）：请检查 {safe_url} 的 system_id 与密码",
    )


class BindPool:
    """``size`` sessions made by ``factory`` (a fresh, unconnected SmppSession each call)."""

    def __init__(
        self,
        factory: Callable[[], SmppSession],
        size: int,
        *,
        window: int,
        reconnect_min: float = 0.5,
        reconnect_max: float = 30.0,
        safe_url: str = "",
        rng: random.Random | None = None,
    ) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size!r}")
        self.factory = factory
        self.size = size
        self.window = window
        self.reconnect_min = reconnect_min
        self.reconnect_max = reconnect_max
        self.safe_url = safe_url
        self._rng = rng or random.Random()
        self._slots: list[_Slot] = []
        self._open = False
        self._closing = False
        self._change: asyncio.Event | None = None
        self._opening: asyncio.Lock | None = None
        self._next = 0
        self.reconnects = 0  # successful re-binds (stats)

    # -- state ---------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._open and not self._closing

    @property
    def sessions(self) -> list[SmppSession]:
        """The current sessions (bound or not)."""
        return [s.session for s in self._slots if s.session is not None]

    @property
    def bound_count(self) -> int:
        return sum(1 for s in self._slots if s.bound)

    def _changed(self) -> None:
        """Wake everyone waiting in :meth:`acquire` (a bind came or went, room was freed)."""
        if self._change is not None:
            self._change.set()
        self._change = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------------------------

    async def open(self) -> None:
        """Bind every slot; ConfigError for bad credentials, RetriableProviderError if none is up."""
        if self._open:
            return
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:  # concurrent callers share one open
            if not self._open:
                await self._open_slots()

    async def _open_slots(self) -> None:
        self._closing = False
        self._change = asyncio.Event()
        sessions = [self.factory() for _ in range(self.size)]
        results = await asyncio.gather(*(s.connect() for s in sessions), return_exceptions=True)
        up = [s for s, r in zip(sessions, results, strict=True) if r is None]
        failures = [r for r in results if isinstance(r, BaseException)]
        fatal = next(
            (r for r in failures if isinstance(r, BindError) and r.status in CREDENTIAL_STATUSES), None
        )
        other = next((r for r in failures if not isinstance(r, BindError | OSError)), None)
        if fatal is not None or other is not None or not up:
            await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
            if fatal is not None:
                assert isinstance(fatal, BindError)
                log.error("smpp bind to %s refused: %s", self.safe_url, status_name(fatal.status or 0))
                raise _credential_error(fatal, self.safe_url) from fatal
            if other is not None:
                raise other
            first = failures[0]
            raise RetriableProviderError(
                f"SMPP bind to {self.safe_url} failed: {first}",
                f"SMPP 绑定失败（{self.safe_url}）：{first}",
                retry_after=self.reconnect_min,
            ) from first
        self._slots = []
        for index, (session, result) in enumerate(zip(sessions, results, strict=True)):
            slot = _Slot(index, session if result is None else None)
            if result is not None:
                log.warning("smpp bind %d to %s failed at open (%s); retrying", index, self.safe_url, result)
            slot.task = asyncio.get_running_loop().create_task(
                self._supervise(slot, session if result is None else None), name=f"smpp-bind-{index}"
            )
            self._slots.append(slot)
        self._open = True
        log.info("smpp pool open: %d of %d bind(s) to %s", len(up), self.size, self.safe_url)

    async def close(self) -> None:
        """Graceful: refuse new leases, let each bind drain its window, unbind, close. Idempotent."""
        if not self._open:
            return
        self._closing = True
        self._changed()
        tasks = [s.task for s in self._slots if s.task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        sessions = self.sessions
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
        self._slots = []
        self._open = False
        log.info("smpp pool closed: %s", self.safe_url)

    async def _supervise(self, slot: _Slot, session: SmppSession | None) -> None:
        """Watch one slot's session; re-bind with backoff whenever it goes while the pool is open."""
        backoff = Backoff(self.reconnect_min, self.reconnect_max, self._rng)
        loop = asyncio.get_running_loop()
        while not self._closing:
            if session is not None:
                since = loop.time()
                cause = await asyncio.shield(session.closed)
                self._changed()
                if self._closing:
                    return
                if loop.time() - since >= self.reconnect_max:
                    backoff.reset()
                log.warning(
                    "smpp bind %d to %s lost (%s); re-binding",
                    slot.index,
                    self.safe_url,
                    cause or "unbound by the SMSC",
                )
            await asyncio.sleep(backoff.next())
            if self._closing:
                return
            session = await self._rebind(slot)

    async def _rebind(self, slot: _Slot) -> SmppSession | None:
        fresh = self.factory()
        try:
            await fresh.connect()
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await fresh.close()
            raise
        except BindError as exc:
            if exc.status in CREDENTIAL_STATUSES:
                log.error("smpp re-bind %d to %s refused: %s", slot.index, self.safe_url, exc)
            else:
                log.warning("smpp re-bind %d to %s failed: %s", slot.index, self.safe_url, exc)
            return None
        except OSError as exc:
            log.warning("smpp re-bind %d to %s failed: %s", slot.index, self.safe_url, exc)
            return None
        slot.session = fresh
        self.reconnects += 1
        log.info("smpp bind %d to %s re-bound", slot.index, self.safe_url)
        self._changed()
        return fresh

    # -- dispatch ------------------------------------------------------------------------------

    def _pick(self, parts: int) -> _Slot | None:
        free = [s for s in self._slots if s.bound and (s.reserved + parts <= self.window or s.reserved == 0)]
        if not free:
            return None
        least = min(s.reserved for s in free)
        ties = [s for s in free if s.reserved == least]
        self._next += 1
        return ties[self._next % len(ties)]

    async def acquire(self, parts: int, wait: float) -> Lease | None:
        """A lease for ``parts`` submits on one bound session with room for all of them.

        Waits for room while some bind is up; waits at most ``wait`` seconds while none is. Returns
        None when the pool is closing or no bind came up in time.
        """
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        while True:
            if not self.is_open:
                return None
            slot = self._pick(parts)
            if slot is not None:
                assert slot.session is not None
                slot.reserved += parts
                return Lease(slot.session, parts, slot.index)
            remaining: float | None = None
            if self.bound_count == 0:
                if deadline is None:
                    deadline = loop.time() + wait
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return None
            else:
                deadline = None
            assert self._change is not None
            event = self._change
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def release(self, lease: Lease) -> None:
        for slot in self._slots:
            if slot.index == lease.slot:
                slot.reserved = max(0, slot.reserved - lease.parts)
                break
        self._changed()
