"""The sender: claim due messages, re-check them, hand them to a provider, record what happened.

One batch is three short transactions around the provider call, so a crash at any point leaves
every message in a state that says what is safe to do next::

    1. claim           queued → claimed                                   commit
    2. re-check        claimed → blocked (submit gate) | refused (no number)
       hand-over       claimed → submitting | lapsed (window closed)      commit
    3. provider.submit_batch(...)                      ← the only network step, outside any transaction
    4. record          submitting → submitted | queued (retriable) | refused (permanent) | unknown
                                                                          commit
    5. receipts, replies → the caller's ``ingest`` hook                   commit, then acknowledge

Never twice: only the worker holding the claim moves a message to ``submitting``, only from
``claimed``, and nothing ever moves a message from ``submitting``/``unknown`` back to ``queued``
unless the provider said it did not take it.

The sender knows only the message domain and the provider contract. What it needs from other
domains — the clear number of a contact, the compliance re-check, what to do with receipts and
replies — comes in through :class:`SendHooks`, which :mod:`dunning.flows` provides. It runs inside
the caller's event loop (an API server, ``dunning worker``) and installs no signal handlers: a
caller that wants SIGTERM to stop it sets ``stop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import functools
import logging
import os
import socket
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Protocol, TypeVar

from sqlalchemy.engine import Connection, Engine

from dunning.core.counters import Counters
from dunning.core.db import retrying, unit_of_work
from dunning.core.errors import ConcurrencyError, InputError, PermanentProviderError, RetriableProviderError
from dunning.messages import outbox
from dunning.messages.outbox import ClaimedMessage, ViolationLike
from dunning.messages.wire import InboundSms, OutgoingSms, Receipt, SubmitOutcome
from dunning.sending.providers.base import SmsProvider

__all__ = [
    "NO_RECIPIENT",
    "ErrorClassHooks",
    "Now",
    "SendHooks",
    "SendSummary",
    "collect_inbound",
    "default_worker_id",
    "send_due",
    "sender_lock",
]

log = logging.getLogger("dunning.sending")

#: ``now`` may be a fixed instant (a replayed ``--now``) or a clock read at every batch.
Now = datetime | Callable[[], datetime]

NO_RECIPIENT = "no_recipient"
_COLLECT_INTERVAL = 0.25  # seconds between receipt collections while a batch is in flight


class SendHooks(Protocol):
    """What the sender needs from the rest of the system, each in the caller's unit of work."""

    def numbers(self, conn: Connection, contact_ids: Sequence[int]) -> Mapping[int, str]:
        """The clear E.164 number of each contact (decrypted here, never stored by the sender)."""
        ...

    def recheck(
        self, conn: Connection, claimed: Sequence[ClaimedMessage], now: datetime
    ) -> Mapping[int, Sequence[ViolationLike]]:
        """The submit-time gate: ``{message_id: violations}``; absent or empty = allowed."""
        ...

    def ingest(
        self,
        conn: Connection,
        receipts: Sequence[Receipt],
        replies: Sequence[InboundSms],
        now: datetime,
        provider: SmsProvider,
        *,
        retry_parked: bool,
    ) -> None:
        """Store what the provider received (replies first: an opt-out must stop what follows)."""
        ...

    def after_run(self, conn: Connection, now: datetime) -> None:
        """Tidy up once the run's receipts are in (e.g. finalise long messages whose parts timed out)."""
        ...


class ErrorClassHooks(Protocol):
    """What the sender asks of the rest of the system when a provider's answer calls for more than
    a retry (REFERENCE.md §2). Optional: hooks without these methods get retries and refusals only."""

    def paused_until(self, conn: Connection, provider: str, now: datetime) -> datetime | None:
        """When an open pause of ``provider`` ends (None: not paused)."""
        ...

    def pause(self, conn: Connection, provider: str, outcome: SubmitOutcome, now: datetime) -> None:
        """Record that ``provider`` cannot send (quota, balance, permission) and alert."""
        ...

    def suppress(self, conn: Connection, message_ids: Sequence[int], provider: str, now: datetime) -> None:
        """The numbers of these messages must not be used again (invalid, landline, unsubscribed)."""
        ...

    def block_templates(
        self, conn: Connection, message_ids: Sequence[int], provider: str, now: datetime
    ) -> None:
        """The template versions of these messages are refused by the provider: block them."""
        ...


@dataclass(slots=True)
class SendSummary(Counters):
    worker_id: str = ""
    provider: str = ""
    batches: int = 0
    claimed: int = 0
    blocked: int = 0
    submitted: int = 0  # accepted by the provider
    retried: int = 0  # back to queued for a later attempt
    refused: int = 0  # permanent provider error, attempts exhausted, or no recipient number
    lapsed: int = 0  # send window closed before submission
    unknown: int = 0  # outcome unknown (provider crashed mid-batch); never resent
    released: int = 0  # stale claims of a stopped sender put back in the queue
    stopped: bool = False  # a stop was requested (SIGTERM): claiming ended early, nothing was lost
    deferred: int = 0  # a per-number limit of the provider: not again in this window (lapsed)
    paused: int = 0  # messages put back because the provider's account cannot send
    provider_paused: bool = False  # the run ended early (or never started): the provider is paused
    suppressed: int = 0  # refused, and their numbers not used again
    templates_blocked: int = 0  # refused, and their template versions blocked


#: How long the line must stay quiet after the last receipt before a run that awaits receipts ends.
_REPLY_QUIET = 0.3


def default_worker_id() -> str:
    """``host:pid:random``: unique per sender process, readable in ``messages.claimed_by``."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _clock(now: Now) -> Callable[[], datetime]:
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise InputError("now must be timezone-aware", "now 必须带时区")
        return lambda: now
    return now


async def send_due(
    engine: Engine,
    provider: SmsProvider,
    hooks: SendHooks,
    *,
    now: Now,
    worker_id: str | None = None,
    batch_size: int = 500,
    on_progress: Callable[[SendSummary], None] | None = None,
    max_attempts: int = 3,
    stale_after: timedelta = timedelta(minutes=10),
    source: str | None = None,
    stop: asyncio.Event | None = None,
    await_receipts: float = 0.0,
    settle: float = 0.25,
) -> SendSummary:
    """Send every message due at ``now``, batch by batch, then take in the receipts that came back.

    ``provider`` is opened (idempotently) but not closed: the caller owns it. On SQLite a second
    concurrent sender raises ConcurrencyError. Retriable outcomes are requeued for ``now +
    retry_after`` (at least one second, so a fixed ``now`` never retries within the same call) and
    are refused after ``max_attempts`` hand-overs. Claims older than ``stale_after`` left by a sender
    that stopped are released first (on SQLite, where this is the only sender, all leftovers are).

    Right after connecting, whatever the provider holds for us (replies and receipts stored while no
    one was bound) is taken in until the line has been quiet for ``settle`` seconds, before anything
    is claimed: an opt-out waiting at the SMSC stops the messages it concerns. ``stop`` (set by a
    SIGTERM handler) ends the run between batches: the batch in hand is finished and recorded.
    ``await_receipts`` keeps collecting for up to that many seconds after the last batch while
    messages of this run still await their receipts.
    """
    if batch_size < 1:
        raise InputError("batch size must be at least 1", "批量大小至少为 1")
    if max_attempts < 1:
        raise InputError("max attempts must be at least 1", "最大尝试次数至少为 1")
    clock = _clock(now)
    worker = worker_id or default_worker_id()
    summary = SendSummary(worker_id=worker, provider=provider.name)
    with sender_lock(engine):
        await provider.open()
        collector = _Collector(engine, provider, hooks, summary)
        t = clock()
        # On SQLite this process holds the only sender lock, so every leftover claim is stale.
        older_than = timedelta(0) if engine.dialect.name == "sqlite" else stale_after

        # housekeeping and claims are safe to repeat: two senders' bulk updates may deadlock on PostgreSQL
        def housekeeping(conn: Connection) -> tuple[outbox.StaleClaims, int]:
            return outbox.release_stale_claims(conn, t, older_than), outbox.lapse_window_closed(conn, t)

        stale, lapsed = retrying(engine, housekeeping)
        summary.released += stale.released
        summary.unknown += stale.unknown
        summary.lapsed += lapsed
        await collector.settle(t, settle)
        paused_until = getattr(hooks, "paused_until", None)
        if paused_until is not None:
            with unit_of_work(engine) as conn:
                if paused_until(conn, provider.name, t) is not None:
                    summary.provider_paused = True
        done = asyncio.Event()
        background = asyncio.create_task(collector.every(clock, _COLLECT_INTERVAL, done))
        try:
            while not (stop is not None and stop.is_set()) and not summary.provider_paused:
                t = clock()
                claimed = retrying(
                    engine, functools.partial(outbox.claim_due, worker_id=worker, now=t, limit=batch_size)
                )
                if not claimed:
                    break
                summary.batches += 1
                summary.claimed += len(claimed)
                await _send_batch(engine, provider, hooks, claimed, t, worker, max_attempts, source, summary)
                await collector.collect(t)
                if on_progress is not None:
                    on_progress(summary)
        finally:
            done.set()
            await background
        summary.stopped = stop is not None and stop.is_set()
        t = clock()
        summary.lapsed += retrying(engine, lambda conn: outbox.lapse_window_closed(conn, t))
        await collector.collect(t, retry=True)
        if await_receipts > 0:
            await collector.linger(clock, await_receipts, stop)
        with unit_of_work(engine) as conn:
            hooks.after_run(conn, clock())
    log.info("send_due finished: %s", summary.as_dict())
    return summary


async def _send_batch(
    engine: Engine,
    provider: SmsProvider,
    hooks: SendHooks,
    claimed: Sequence[ClaimedMessage],
    now: datetime,
    worker: str,
    max_attempts: int,
    source: str | None,
    summary: SendSummary,
) -> None:
    def before_submit(conn: Connection) -> tuple[dict[int, str | None], list[int]]:
        verdicts = hooks.recheck(conn, claimed, now)
        refused = {c.message_id: list(verdicts.get(c.message_id) or ()) for c in claimed}
        refused = {mid: v for mid, v in refused.items() if v}
        summary.blocked += len(outbox.block(conn, refused, now, worker_id=worker))
        numbers = hooks.numbers(conn, sorted({c.contact_id for c in claimed if c.contact_id is not None}))
        to = {c.message_id: numbers.get(c.contact_id) if c.contact_id is not None else None for c in claimed}
        missing = [c.message_id for c in claimed if to[c.message_id] is None and c.message_id not in refused]
        summary.refused += len(
            outbox.record_refused(
                conn,
                worker,
                [(mid, None, "no recipient number on record / 无收件号码") for mid in missing],
                now,
                reason=NO_RECIPIENT,
                from_states=("claimed",),
            )
        )
        candidates = [c.message_id for c in claimed if c.message_id not in refused and to[c.message_id]]
        ready, lapsed = outbox.mark_submitting(conn, worker, candidates, now, provider=provider.name)
        summary.lapsed += len(lapsed)
        return to, ready

    # Database work only, so it may run again after a deadlock (two senders on one PostgreSQL).
    to, ready = retrying(engine, _keeping(summary, before_submit))
    if not ready:
        return
    mine = set(ready)
    batch = [  # oldest first, as claimed
        OutgoingSms(
            c.message_id,
            to[c.message_id] or "",
            c.body,
            c.encoding,
            c.segments,
            source,
            template_id=c.template_id,
            template_version=c.template_version,
        )
        for c in claimed
        if c.message_id in mine
    ]
    try:
        outcomes = await provider.submit_batch(batch, now=now)
    except RetriableProviderError as exc:
        outcomes = [SubmitOutcome.retry(s.message_id, None, exc.en, exc.retry_after) for s in batch]
    except PermanentProviderError as exc:
        outcomes = [SubmitOutcome.permanent(s.message_id, None, exc.en) for s in batch]
    except BaseException:
        # The batch may or may not have left: mark it unknown (never resent), then let it propagate.
        with unit_of_work(engine) as conn:
            summary.unknown += len(outbox.record_unknown(conn, worker, ready, now, "provider_exception"))
        raise
    seen: set[int] = set()
    kept: list[SubmitOutcome] = []
    for outcome in outcomes:
        if outcome.message_id in mine and outcome.message_id not in seen:
            seen.add(outcome.message_id)
            kept.append(outcome)
        else:
            log.warning(
                "provider %s returned a stray outcome for message %s", provider.name, outcome.message_id
            )

    def after_submit(conn: Connection) -> outbox.OutcomeCounts:
        counts = outbox.record_outcomes(
            conn, worker, kept, now, max_attempts=max_attempts, provider=provider.name
        )
        silent = sorted(mine - seen)
        if silent:
            summary.unknown += len(outbox.record_unknown(conn, worker, silent, now, "no_outcome"))
        _honour_classes(conn, hooks, counts, provider.name, now, summary)
        return counts

    counts = retrying(engine, _keeping(summary, after_submit))
    summary.submitted += counts.submitted
    summary.retried += counts.retried
    summary.refused += counts.failed


_T = TypeVar("_T")


def _keeping(summary: SendSummary, work: Callable[[Connection], _T]) -> Callable[[Connection], _T]:
    """``work`` that starts each attempt from the summary as it was before the first: an attempt
    rolled back (and run again by ``retrying``) counts nothing."""
    saved = copy.deepcopy(summary)

    def attempt(conn: Connection) -> _T:
        for f in dataclasses.fields(summary):
            setattr(summary, f.name, copy.deepcopy(getattr(saved, f.name)))
        return work(conn)

    return attempt


def _honour_classes(
    conn: Connection,
    hooks: SendHooks,
    counts: outbox.OutcomeCounts,
    provider: str,
    now: datetime,
    summary: SendSummary,
) -> None:
    """What each error class asks beyond retry and refusal, in the same transaction as the outcomes."""
    summary.deferred += counts.deferred
    summary.paused += len(counts.paused)
    if counts.paused:
        summary.provider_paused = True  # offer it nothing more in this run
        pause = getattr(hooks, "pause", None)
        if pause is not None:
            pause(conn, provider, counts.paused[0], now)
    suppress = getattr(hooks, "suppress", None)
    if counts.suppress_ids and suppress is not None:
        suppress(conn, counts.suppress_ids, provider, now)
    summary.suppressed += len(counts.suppress_ids)
    block = getattr(hooks, "block_templates", None)
    if counts.block_template_ids and block is not None:
        block(conn, counts.block_template_ids, provider, now)
    summary.templates_blocked += len(counts.block_template_ids)


async def collect_inbound(
    engine: Engine, provider: SmsProvider, hooks: SendHooks, now: datetime, *, retry_parked: bool = False
) -> int:
    """Hand what the provider has received so far to ``hooks.ingest`` (one transaction), then let it
    acknowledge; for an idle worker between sender runs. Returns how many receipts and replies."""
    return await _Collector(engine, provider, hooks, SendSummary()).collect(now, retry=retry_parked)


class _Collector:
    """Receipts and replies the provider has received so far → the ingest hook, one transaction."""

    def __init__(self, engine: Engine, provider: SmsProvider, hooks: SendHooks, summary: SendSummary) -> None:
        self.engine = engine
        self.provider = provider
        self.hooks = hooks
        self.summary = summary

    async def collect(self, now: datetime, *, retry: bool = True) -> int:
        """Hand over what arrived; with ``retry``, also let the hook retry parked receipts."""
        receipts = await self.provider.drain_receipts()
        replies = await self.provider.drain_inbound()
        if receipts or replies or retry:
            # what was drained stays in hand until the commit, so a deadlocked attempt can run again
            retrying(
                self.engine,
                lambda conn: self.hooks.ingest(
                    conn, receipts, replies, now, self.provider, retry_parked=retry
                ),
            )
        # Committed: only now may the provider confirm them to its peer (see SmsProvider.acknowledge).
        await self.provider.acknowledge()
        return len(receipts) + len(replies)

    async def settle(self, now: datetime, quiet: float) -> None:
        """Take in what the provider delivers on connecting, until ``quiet`` seconds pass without any
        (at most ten times that), before the first claim; all of it as of the run's start ``now``."""
        if quiet > 0:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10 * quiet
            last = loop.time()
            while loop.time() < deadline and loop.time() - last < quiet:
                await asyncio.sleep(min(0.05, quiet))
                if await self.collect(now, retry=False):
                    last = loop.time()
        await self.collect(now)

    async def every(self, clock: Callable[[], datetime], interval: float, done: asyncio.Event) -> None:
        """Collect every ``interval`` seconds until ``done`` (while batches are being submitted), so
        receipts are stored and confirmed promptly however long a batch takes at a low contracted
        rate. Never cancelled mid-collection: what was drained is always stored."""
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), interval)
            if not done.is_set():
                await self.collect(clock(), retry=False)

    async def linger(self, clock: Callable[[], datetime], seconds: float, stop: asyncio.Event | None) -> None:
        """Keep collecting until this run's messages have their receipts, or ``seconds`` pass."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline and not (stop is not None and stop.is_set()):
            if self.summary.submitted == 0 or self._awaiting() == 0:
                # Replies follow receipts: stay until the line has been quiet for a moment.
                await self.settle(clock(), _REPLY_QUIET)
                return
            await asyncio.sleep(0.1)
            await self.collect(clock(), retry=False)

    def _awaiting(self) -> int:
        with self.engine.connect() as conn:
            return outbox.awaiting_receipts(conn, self.summary.worker_id)


# --------------------------------------------------------------------------------------------------
# Single sender on SQLite


@contextmanager
def sender_lock(engine: Engine | Connection) -> Iterator[None]:
    """On SQLite, hold ``<database file>.sender.lock`` exclusively (non-blocking) while sending.

    A second sender against the same file gets a bilingual ConcurrencyError at once instead of
    racing. PostgreSQL needs no lock (claims use ``FOR UPDATE SKIP LOCKED``); nor does an in-memory
    SQLite database, which only one process can see.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    database = engine.engine.url.database if isinstance(engine, Connection) else engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        yield
        return
    path = Path(database + ".sender.lock")
    handle = path.open("a+")
    try:
        if not _try_lock(handle):
            raise ConcurrencyError(
                f"another sender is already running on {database} (lock {path}); SQLite allows one "
                "sender at a time — wait for it to finish, or use PostgreSQL for several senders",
                f"已有一个发送进程在使用 {database}（锁文件 {path}）；SQLite 同一时间只允许一个发送进程"
                "——请等待其结束，或改用 PostgreSQL 以运行多个发送进程",
            )
        try:
            yield
        finally:
            _unlock(handle)
    finally:
        handle.close()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
