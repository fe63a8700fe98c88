"""The sender: claim due messages, re-check them, hand them to a provider, record what happened.

One batch is three short transactions around the provider call, so a crash at any point leaves
every message in a state that says what is safe to do next::

    1. claim           queued → claimed                                  commit
    2. re-check        claimed → blocked (submit gate) | failed (no number)
       hand-over       claimed → submitting | expired (window closed)    commit
    3. provider.submit_batch(...)                      ← the only network step, outside any transaction
    4. record          submitting → submitted | queued (retriable) | failed (permanent) | unknown
                                                                         commit
    5. receipts        submitted → delivered | undelivered | …           commit

Never twice: only the worker holding the claim moves a message to ``submitting``, only from
``claimed``, and nothing ever moves a message from ``submitting``/``unknown`` back to ``queued``
unless the provider said it did not take it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.errors import InputError, PermanentProviderError, RetriableProviderError
from dunning.sending.outbox import (
    SUBMITTED,
    ClaimedMessage,
    ViolationLike,
    block_at_submit,
    claim_due,
    default_worker_id,
    expire_window_closed,
    mark_submitting,
    messages,
    record_failed,
    record_outcomes,
    record_unknown,
    release_stale_claims,
    sender_lock,
)
from dunning.sending.providers.base import SmsProvider, SubmitOutcome
from dunning.tracking.receipts import ReceiptSummary, apply_receipts, finalise_overdue_parts, retry_parked
from dunning.tracking.replies import ReplySummary, default_is_opt_out, store_replies

log = logging.getLogger("dunning.sending")

#: ``recheck(conn, claimed, now) -> {message_id: [violation, …]}``; absent or empty = allowed.
RecheckFn = Callable[[Connection, Sequence[ClaimedMessage], datetime], Mapping[int, Sequence[ViolationLike]]]
#: ``now`` may be a fixed instant (a replayed ``--now``) or a clock read at every batch.
Now = datetime | Callable[[], datetime]

NO_RECIPIENT = "no_recipient"
_COLLECT_INTERVAL = 0.25  # seconds between receipt collections while a batch is in flight


def allow_all(_conn: Connection, _claimed: Sequence[ClaimedMessage], _now: datetime) -> dict[int, list[Any]]:
    """A re-check that allows everything (for tests and tools that have no gate)."""
    return {}


_COUNTS = (
    "batches",
    "claimed",
    "blocked",
    "submitted",
    "retried",
    "failed",
    "expired",
    "unknown",
    "released",
)


@dataclass(slots=True)
class SendSummary:
    worker_id: str
    provider: str
    batches: int = 0
    claimed: int = 0
    blocked: int = 0
    submitted: int = 0  # accepted by the provider
    retried: int = 0  # back to queued for a later attempt
    failed: int = 0  # permanent provider error, attempts exhausted, or no recipient number
    expired: int = 0  # send window closed before submission
    unknown: int = 0  # outcome unknown (provider crashed mid-batch); never resent
    released: int = 0  # stale claims of a stopped sender put back in the queue
    stopped: bool = False  # a stop was requested (SIGTERM): claiming ended early, nothing was lost
    receipts: ReceiptSummary = field(default_factory=ReceiptSummary)
    replies: ReplySummary = field(default_factory=ReplySummary)

    def merge(self, other: SendSummary) -> None:
        """Add another sender pass's figures (a replayed day runs several)."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.stopped = self.stopped or other.stopped
        self.receipts.merge(other.receipts)
        self.replies.merge(other.replies)

    def as_dict(self) -> dict[str, Any]:
        return {
            "worker_id": self.worker_id,
            "provider": self.provider,
            "batches": self.batches,
            "claimed": self.claimed,
            "blocked": self.blocked,
            "submitted": self.submitted,
            "retried": self.retried,
            "failed": self.failed,
            "expired": self.expired,
            "unknown": self.unknown,
            "released": self.released,
            "stopped": self.stopped,
            "receipts": self.receipts.as_dict(),
            "replies": self.replies.as_dict(),
        }


def _clock(now: Now) -> Callable[[], datetime]:
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise InputError("now must be timezone-aware", "now 必须带时区")
        return lambda: now
    return now


async def send_due(
    engine: Engine,
    provider: SmsProvider,
    *,
    now: Now,
    cipher: PersonalDataCipher,
    recheck: RecheckFn,
    worker_id: str | None = None,
    batch_size: int = 500,
    on_progress: Callable[[SendSummary], None] | None = None,
    max_attempts: int = 3,
    stale_after: timedelta = timedelta(minutes=10),
    source: str | None = None,
    stop: asyncio.Event | None = None,
    await_receipts: float = 0.0,
    is_opt_out: Callable[[str], bool] = default_is_opt_out,
) -> SendSummary:
    """Send every message due at ``now``, batch by batch, then apply the receipts that came back.

    ``provider`` is opened (idempotently) but not closed: the caller owns it, so a long-running sender
    can keep collecting receipts with :func:`collect_receipts`. On SQLite a second concurrent sender
    raises ConcurrencyError. Retriable outcomes are requeued for ``now + retry_after`` (at least one
    second, so a fixed ``now`` never retries within the same call) and fail after ``max_attempts``
    hand-overs. Claims older than ``stale_after`` left by a sender that stopped are released first
    (on SQLite, where this is the only sender, all leftover claims are).

    ``stop`` (set by a SIGTERM handler) ends the run between batches: the batch in hand is finished
    and recorded, nothing more is claimed. ``await_receipts`` keeps collecting for up to that many
    seconds after the last batch while messages of this run still await their receipts. Replies
    received meanwhile are stored and opt-outs (``is_opt_out``) obeyed at once.
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
        t = clock()
        # On SQLite this process holds the only sender lock, so every leftover claim is stale.
        older_than = timedelta(0) if engine.dialect.name == "sqlite" else stale_after
        with unit_of_work(engine) as conn:
            stale = release_stale_claims(conn, t, older_than)
            summary.released += stale.released
            summary.unknown += stale.unknown
            summary.expired += expire_window_closed(conn, t)
        collector = _Collector(engine, provider, cipher, is_opt_out, summary)
        done = asyncio.Event()
        background = asyncio.create_task(collector.every(clock, _COLLECT_INTERVAL, done))
        try:
            while not (stop is not None and stop.is_set()):
                t = clock()
                with unit_of_work(engine) as conn:
                    claimed = claim_due(conn, worker, t, batch_size, cipher=cipher)
                if not claimed:
                    break
                summary.batches += 1
                summary.claimed += len(claimed)
                await _send_batch(
                    engine, provider, claimed, t, recheck, worker, max_attempts, source, summary
                )
                await collector.collect(t)
                if on_progress is not None:
                    on_progress(summary)
        finally:
            done.set()
            await background
        summary.stopped = stop is not None and stop.is_set()
        t = clock()
        with unit_of_work(engine) as conn:
            summary.expired += expire_window_closed(conn, t)
        await collector.collect(t, retry=True)
        if await_receipts > 0:
            await collector.linger(clock, await_receipts, stop)
        with unit_of_work(engine) as conn:
            finalise_overdue_parts(conn, clock())
    log.info("send_due finished: %s", summary.as_dict())
    return summary


async def _send_batch(
    engine: Engine,
    provider: SmsProvider,
    claimed: Sequence[ClaimedMessage],
    now: datetime,
    recheck: RecheckFn,
    worker: str,
    max_attempts: int,
    source: str | None,
    summary: SendSummary,
) -> None:
    with unit_of_work(engine) as conn:
        verdicts = recheck(conn, claimed, now)
        refused = [(c.message_id, list(verdicts.get(c.message_id) or ())) for c in claimed]
        refused = [(mid, v) for mid, v in refused if v]
        summary.blocked += block_at_submit(conn, refused, now, worker_id=worker)
        held = {mid for mid, _ in refused}
        missing = [c.message_id for c in claimed if c.to is None and c.message_id not in held]
        summary.failed += len(
            record_failed(
                conn,
                worker,
                [(mid, None, "no recipient number on record / 无收件号码") for mid in missing],
                now,
                reason=NO_RECIPIENT,
                from_states=("claimed",),
            )
        )
        candidates = [c.message_id for c in claimed if c.message_id not in held and c.to is not None]
        ready, expired = mark_submitting(conn, worker, candidates, now, provider=provider.name)
        summary.expired += len(expired)
    if not ready:
        return
    mine = set(ready)
    batch = [c.outgoing(source) for c in claimed if c.message_id in mine]  # oldest first
    try:
        outcomes = await provider.submit_batch(batch, now=now)
    except RetriableProviderError as exc:
        outcomes = [SubmitOutcome.retry(s.message_id, None, exc.en, exc.retry_after) for s in batch]
    except PermanentProviderError as exc:
        outcomes = [SubmitOutcome.permanent(s.message_id, None, exc.en) for s in batch]
    except BaseException:
        # The batch may or may not have left: mark it unknown (never resent), then let it propagate.
        with unit_of_work(engine) as conn:
            summary.unknown += len(record_unknown(conn, worker, ready, now, "provider_exception"))
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
    with unit_of_work(engine) as conn:
        counts = record_outcomes(conn, worker, kept, now, max_attempts=max_attempts, provider=provider.name)
        silent = sorted(mine - seen)
        if silent:
            summary.unknown += len(record_unknown(conn, worker, silent, now, "no_outcome"))
    summary.submitted += counts.submitted
    summary.retried += counts.retried
    summary.failed += counts.failed


class _Collector:
    """Receipts and replies the provider has received so far → the database, one transaction."""

    def __init__(
        self,
        engine: Engine,
        provider: SmsProvider,
        cipher: PersonalDataCipher,
        is_opt_out: Callable[[str], bool],
        summary: SendSummary,
    ) -> None:
        self.engine = engine
        self.provider = provider
        self.cipher = cipher
        self.is_opt_out = is_opt_out
        self.summary = summary

    async def collect(self, now: datetime, *, retry: bool = True) -> int:
        """Apply what arrived; with ``retry``, also retry the parked receipts that are due."""
        provider = self.provider
        receipts = await provider.drain_receipts()
        replies = await provider.drain_inbound()
        with unit_of_work(self.engine) as conn:
            if replies:
                self.summary.replies.merge(
                    store_replies(
                        conn,
                        replies,
                        now,
                        cipher=self.cipher,
                        provider=provider.name,
                        is_opt_out=self.is_opt_out,
                    )
                )
            if receipts:
                self.summary.receipts.merge(
                    apply_receipts(
                        conn,
                        receipts,
                        now,
                        provider=provider.name,
                        id_format=provider.receipt_id_format,
                        phone_hash=self.cipher.lookup_hash,
                    )
                )
            if retry:
                self.summary.receipts.merge(
                    retry_parked(conn, now, provider=provider.name, id_format=provider.receipt_id_format)
                )
        # Committed: only now may the provider confirm them to its peer (see SmsProvider.acknowledge).
        await provider.acknowledge()
        return len(receipts) + len(replies)

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
                return
            await asyncio.sleep(0.1)
            await self.collect(clock())

    def _awaiting(self) -> int:
        """This worker's messages still without a final receipt."""
        with self.engine.connect() as conn:
            query = sa.select(sa.func.count()).where(
                messages.c.status == SUBMITTED, messages.c.claimed_by == self.summary.worker_id
            )
            return int(conn.execute(query).scalar_one())


async def collect_receipts(
    engine: Engine,
    provider: SmsProvider,
    *,
    now: datetime,
    cipher: PersonalDataCipher,
    is_opt_out: Callable[[str], bool] = default_is_opt_out,
) -> SendSummary:
    """Apply the receipts and replies the provider has received so far (one transaction)."""
    summary = SendSummary(worker_id=default_worker_id(), provider=provider.name)
    await _Collector(engine, provider, cipher, is_opt_out, summary).collect(now)
    return summary


def send_due_sync(
    engine: Engine,
    provider: SmsProvider,
    *,
    now: Now,
    cipher: PersonalDataCipher,
    recheck: RecheckFn,
    **options: Any,
) -> SendSummary:
    """Blocking wrapper for the CLI: opens the provider, runs :func:`send_due`, closes the provider."""

    async def run() -> SendSummary:
        async with provider:
            return await send_due(engine, provider, now=now, cipher=cipher, recheck=recheck, **options)

    return asyncio.run(run())
