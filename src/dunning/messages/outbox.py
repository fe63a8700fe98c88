"""The outbox transitions a sender makes: claim, re-check, hand over, record what the provider said.

- ``claimed`` means a worker took the message and has not handed it to a provider: safe to release
  back to ``queued`` (stale claim) or cancel (payment, opt-out).
- ``submitting`` is written and committed *before* the provider is called. A message in it may have
  left; if its worker vanishes it becomes ``unknown`` and is never sent again automatically (a
  duplicate collection SMS is worse than a missed one). Only the worker that claimed a message moves
  it to ``submitting``, and only from ``claimed``: that is what makes a second send impossible.

Concurrency: on PostgreSQL many senders claim with ``FOR UPDATE SKIP LOCKED``. On SQLite one sender
runs at a time (the sender holds a file lock, :func:`dunning.sending.worker.sender_lock`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.db import bulk_insert, chunks, detail_json, one_of
from dunning.messages.models import message_events, message_parts, messages
from dunning.messages.repository import (
    append_events,
    decision_frame,
    record_decisions,
    transition,
)
from dunning.messages.status import IN_FLIGHT, MessageStatus
from dunning.messages.wire import SubmitOutcome, clean_provider_id, normalise_provider_id

__all__ = [
    "ClaimedMessage",
    "OutcomeCounts",
    "StaleClaims",
    "ViolationLike",
    "awaiting_receipts",
    "block",
    "claim_due",
    "lapse_window_closed",
    "mark_submitting",
    "record_outcomes",
    "record_refused",
    "record_unknown",
    "release_stale_claims",
]

S = MessageStatus


class ViolationLike(Protocol):
    """What the submit-time gate reports per broken rule (compliance's Violation fits)."""

    @property
    def rule(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def legal_basis(self) -> str: ...
    @property
    def reason_zh(self) -> str: ...
    @property
    def reason_en(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A message this worker holds (its number is looked up by the sender, never stored here)."""

    message_id: int
    debtor_id: int
    contact_id: int | None
    body: str
    encoding: str
    segments: int
    scheduled_at: datetime
    window_end: datetime
    claimed_at: datetime
    claimed_by: str
    template_id: str | None = None  # for providers that send registered templates (Aliyun, Tencent)
    template_version: int | None = None


@dataclass(frozen=True, slots=True)
class StaleClaims:
    released: int  # claimed, never handed to a provider → queued again
    unknown: int  # handed to a provider, outcome never recorded → unknown (not resent)


@dataclass(slots=True)
class OutcomeCounts:
    submitted: int = 0
    retried: int = 0
    failed: int = 0
    ignored: int = 0  # outcomes for messages this worker no longer holds
    failed_ids: list[int] = field(default_factory=list)
    deferred: int = 0  # a per-number or per-period limit: not again in this window (lapsed)
    paused: list[SubmitOutcome] = field(default_factory=list)  # the account cannot send: requeued
    suppress_ids: list[int] = field(default_factory=list)  # refused: the number must not be used again
    block_template_ids: list[int] = field(default_factory=list)  # refused: the content is not accepted


def claim_due(conn: Connection, worker_id: str, now: datetime, limit: int) -> list[ClaimedMessage]:
    """Claim up to ``limit`` queued messages with ``scheduled_at <= now < window_end``, oldest first.

    On PostgreSQL the candidate rows are locked with ``FOR UPDATE SKIP LOCKED``, so concurrent
    senders take disjoint sets without waiting for each other. Claimed rows get ``claimed_by``,
    ``claimed_at`` and a ``claimed`` event.
    """
    if limit < 1:
        return []
    due = (
        sa.select(messages.c.id)
        .where(messages.c.status == S.QUEUED, messages.c.scheduled_at <= now, messages.c.window_end > now)
        .order_by(messages.c.scheduled_at, messages.c.id)
        .limit(limit)
    )
    claim = messages.update().values(status=S.CLAIMED, claimed_by=worker_id, claimed_at=now, updated_at=now)
    if conn.dialect.name == "postgresql":
        picked = due.with_for_update(skip_locked=True).cte("picked")
        stmt = claim.where(messages.c.id == picked.c.id, messages.c.status == S.QUEUED)
    else:  # one statement is atomic on SQLite, and the sender lock keeps other senders out
        stmt = claim.where(messages.c.id.in_(due), messages.c.status == S.QUEUED)
    ids = sorted(conn.execute(stmt.returning(messages.c.id)).scalars().all())
    if not ids:
        return []
    detail = detail_json(worker=worker_id)
    append_events(conn, [(i, S.CLAIMED, now, worker_id, detail) for i in ids])
    rows: list[Any] = []
    for chunk in chunks(ids):
        rows.extend(
            conn.execute(
                sa.select(
                    messages.c.id,
                    messages.c.debtor_id,
                    messages.c.contact_id,
                    messages.c.body,
                    messages.c.encoding,
                    messages.c.segments,
                    messages.c.scheduled_at,
                    messages.c.window_end,
                    messages.c.template_id,
                    messages.c.template_version,
                ).where(one_of(conn, messages.c.id, chunk))
            ).all()
        )
    rows.sort(key=lambda r: (r.scheduled_at, r.id))
    return [
        ClaimedMessage(
            message_id=r.id,
            debtor_id=r.debtor_id,
            contact_id=r.contact_id,
            body=r.body,
            encoding=r.encoding,
            segments=r.segments,
            scheduled_at=r.scheduled_at,
            window_end=r.window_end,
            claimed_at=now,
            claimed_by=worker_id,
            template_id=r.template_id,
            template_version=r.template_version,
        )
        for r in rows
    ]


def block(
    conn: Connection,
    refused: Mapping[int, Sequence[ViolationLike]],
    now: datetime,
    *,
    worker_id: str | None = None,
    stage: str = "submit",
) -> list[int]:
    """Block messages the submit-time gate refused: status ``blocked``, one decision per rule and a
    ``blocked`` event. Only queued or claimed messages (claimed by ``worker_id`` when given) are."""
    by_id = {mid: list(v) for mid, v in refused.items() if v}
    if not by_id:
        return []
    where = [messages.c.claimed_by == worker_id] if worker_id is not None else []
    moved = transition(
        conn,
        by_id,
        from_states=(S.QUEUED, S.CLAIMED),
        to_state=S.BLOCKED,
        now=now,
        where=where,
        values={"final_at": now},
        per_row={"error": {m: "blocked: " + ", ".join(v.rule for v in vs) for m, vs in by_id.items()}},
    )
    if not moved:
        return []
    explained = {v.rule: v for m in moved for v in by_id[m]}
    rules = pl.DataFrame(
        [(v.rule, v.category, v.legal_basis, v.reason_zh, v.reason_en) for v in explained.values()],
        schema=["rule", "category", "legal_basis", "reason_zh", "reason_en"],
        orient="row",
    )
    frame = pl.DataFrame(
        {"message_id": moved, "violations": [[v.rule for v in by_id[m]] for m in moved]},
        schema={"message_id": pl.Int64, "violations": pl.List(pl.String)},
    )
    record_decisions(conn, decision_frame(frame, rules, stage=stage, decided_at=now))
    append_events(
        conn,
        [
            (m, S.BLOCKED, now, worker_id, detail_json(stage=stage, rules=[v.rule for v in by_id[m]]))
            for m in moved
        ],
    )
    return moved


def mark_submitting(
    conn: Connection, worker_id: str, message_ids: Iterable[int], now: datetime, *, provider: str
) -> tuple[list[int], list[int]]:
    """Hand-over point: this worker's claimed messages whose window is still open → ``submitting``
    (commit before calling the provider); those whose window has closed → ``lapsed``.

    Returns ``(ready, lapsed)``. Messages no longer claimed by this worker (cancelled meanwhile,
    released as stale) are in neither list and must not be submitted.
    """
    ids = list(message_ids)
    mine = messages.c.claimed_by == worker_id
    lapsed = transition(
        conn,
        ids,
        from_states=(S.CLAIMED,),
        to_state=S.LAPSED,
        now=now,
        where=[mine, messages.c.window_end <= now],
        values={"final_at": now, "error": "window closed before submission"},
    )
    append_events(conn, [(i, S.LAPSED, now, worker_id, detail_json(reason="window_closed")) for i in lapsed])
    ready = transition(
        conn,
        ids,
        from_states=(S.CLAIMED,),
        to_state=S.SUBMITTING,
        now=now,
        where=[mine, messages.c.window_end > now],
        values={"provider": provider[:64]},
    )
    append_events(conn, [(i, S.SUBMITTING, now, worker_id, detail_json(provider=provider)) for i in ready])
    return ready, lapsed


def _record_submitted(
    conn: Connection,
    worker_id: str,
    accepted: Sequence[SubmitOutcome],
    now: datetime,
    provider: str,
) -> int:
    """Accepted outcomes → ``submitted``; a concatenated message gets one ``message_parts`` row per
    part id, so each part's receipt finds its message."""
    pid = {o.message_id: clean_provider_id(o.provider_message_id or "") for o in accepted}
    key = {mid: normalise_provider_id(p) for mid, p in pid.items()}
    moved = transition(
        conn,
        pid,
        from_states=IN_FLIGHT,
        to_state=S.SUBMITTED,
        now=now,
        where=[messages.c.claimed_by == worker_id],
        values={"submitted_at": now},
        per_row={"provider_message_id": pid, "provider_message_key": key},
    )
    append_events(
        conn, [(m, S.SUBMITTED, now, worker_id, detail_json(provider_message_id=pid[m])) for m in moved]
    )
    parts = {o.message_id: o.part_ids for o in accepted if len(o.part_ids) > 1}
    rows = [
        (m, n, len(parts[m]), provider, clean_provider_id(p), normalise_provider_id(p))
        for m in moved
        if m in parts
        for n, p in enumerate(parts[m], 1)
    ]
    if rows:
        columns = ("message_id", "part_no", "parts_total", "provider", "provider_message_id")
        bulk_insert(conn, message_parts, (*columns, "provider_message_key"), rows)
    return len(moved)


def record_refused(
    conn: Connection,
    worker_id: str | None,
    failures: Sequence[tuple[int, str | None, str]],
    now: datetime,
    *,
    reason: str = "provider_error",
    from_states: Sequence[str] = (S.CLAIMED, *IN_FLIGHT),
) -> list[int]:
    """``(message_id, error_code, error)`` → ``refused`` with the provider's code; never retried."""
    info = {mid: (code, text) for mid, code, text in failures}
    where = [messages.c.claimed_by == worker_id] if worker_id is not None else []
    moved = transition(
        conn,
        info,
        from_states=from_states,
        to_state=S.REFUSED,
        now=now,
        where=where,
        values={"final_at": now},
        per_row={"error": {m: _error_text(*info[m]) for m in info}},
    )
    append_events(
        conn,
        [
            (
                m,
                S.REFUSED,
                now,
                worker_id,
                detail_json(reason=reason, error_code=info[m][0], error=info[m][1]),
            )
            for m in moved
        ],
    )
    return moved


def _error_text(code: str | None, text: str | None) -> str:
    return ": ".join(p for p in (code, text) if p) or "error"


def _submit_attempts(conn: Connection, message_ids: Sequence[int]) -> dict[int, int]:
    """How many times each message was handed to a provider (its ``submitting`` events), less the
    hand-overs a paused provider turned away (the message was not at fault)."""
    counts: dict[int, int] = {}
    e = message_events.c
    for chunk in chunks(sorted(set(message_ids))):
        rows = conn.execute(
            sa.select(e.message_id, sa.func.count())
            .where(one_of(conn, e.message_id, chunk), e.event == S.SUBMITTING)
            .group_by(e.message_id)
        ).all()
        counts.update({int(mid): int(n) for mid, n in rows})
        paused = conn.execute(
            sa.select(e.message_id, sa.func.count())
            .where(
                one_of(conn, e.message_id, chunk), e.event == S.QUEUED, e.detail.like('%"provider_paused"%')
            )
            .group_by(e.message_id)
        ).all()
        for mid, n in paused:
            counts[int(mid)] = counts.get(int(mid), 0) - int(n)
    return counts


def _record_retries(
    conn: Connection,
    worker_id: str,
    retries: Sequence[SubmitOutcome],
    now: datetime,
    *,
    max_attempts: int,
    min_retry_after: float = 1.0,
) -> tuple[list[int], list[int]]:
    """Outcomes the provider certainly did not take. Below ``max_attempts`` hand-overs the message
    goes back to ``queued`` with ``scheduled_at`` moved to ``now + max(retry_after, min_retry_after)``
    (a ``queued`` event with reason ``retry``); at the limit it is refused.

    Returns ``(requeued, refused)``."""
    info = {
        o.message_id: (o.error_code, o.error or "retriable", max(min_retry_after, o.retry_after or 0.0))
        for o in retries
    }
    attempts = _submit_attempts(conn, list(info))
    exhausted = {m for m in info if attempts.get(m, 0) >= max_attempts}
    refused = record_refused(
        conn,
        worker_id,
        [(m, info[m][0], f"{info[m][1]} (after {attempts.get(m, 0)} attempts)") for m in sorted(exhausted)],
        now,
        reason="max_attempts",
        from_states=IN_FLIGHT,
    )
    again = [m for m in info if m not in exhausted]
    not_before = {m: now + timedelta(seconds=info[m][2]) for m in again}
    moved = transition(
        conn,
        again,
        from_states=IN_FLIGHT,
        to_state=S.QUEUED,
        now=now,
        where=[messages.c.claimed_by == worker_id],
        values={"claimed_by": None, "claimed_at": None},
        per_row={"scheduled_at": not_before, "error": {m: _error_text(*info[m][:2]) for m in again}},
    )
    append_events(
        conn,
        [
            (
                m,
                S.QUEUED,
                now,
                worker_id,
                detail_json(
                    reason="retry",
                    attempt=attempts.get(m, 0),
                    max_attempts=max_attempts,
                    retry_after=info[m][2],
                    not_before=not_before[m].isoformat(),
                    error_code=info[m][0],
                    error=info[m][1],
                ),
            )
            for m in moved
        ],
    )
    return moved, refused


def record_unknown(
    conn: Connection, worker_id: str | None, message_ids: Iterable[int], now: datetime, reason: str
) -> list[int]:
    """In-flight messages whose fate is unknown → ``unknown`` (kept for late receipts; never resent)."""
    where = [messages.c.claimed_by == worker_id] if worker_id is not None else []
    moved = transition(
        conn, message_ids, from_states=(S.SUBMITTING,), to_state=S.UNKNOWN, now=now, where=where
    )
    append_events(conn, [(m, S.UNKNOWN, now, worker_id, detail_json(reason=reason)) for m in moved])
    return moved


def record_outcomes(
    conn: Connection,
    worker_id: str,
    outcomes: Sequence[SubmitOutcome],
    now: datetime,
    *,
    max_attempts: int,
    provider: str,
) -> OutcomeCounts:
    """Record one batch of provider outcomes (accepted / retriable / permanent) in one go.

    ``provider`` (its name) labels the per-part rows of concatenated messages."""
    counts = OutcomeCounts()
    counts.submitted = _record_submitted(conn, worker_id, [o for o in outcomes if o.accepted], now, provider)
    counts.deferred = len(
        _record_deferred(conn, worker_id, [o for o in outcomes if o.error_class == "defer"], now)
    )
    paused = [o for o in outcomes if o.error_class == "pause"]
    moved = set(_record_paused(conn, worker_id, paused, now))
    counts.paused = [o for o in paused if o.message_id in moved]
    requeued, exhausted = _record_retries(
        conn,
        worker_id,
        [o for o in outcomes if o.retriable and o.error_class not in ("defer", "pause")],
        now,
        max_attempts=max_attempts,
    )
    refused = record_refused(
        conn,
        worker_id,
        [(o.message_id, o.error_code, o.error or "rejected") for o in outcomes if o.permanent_error],
        now,
        from_states=IN_FLIGHT,
    )
    counts.retried = len(requeued)
    counts.failed = len(exhausted) + len(refused)
    counts.failed_ids = sorted(exhausted + refused)
    done = set(refused)
    counts.suppress_ids = sorted(
        o.message_id for o in outcomes if o.error_class == "suppress" and o.message_id in done
    )
    counts.block_template_ids = sorted(
        o.message_id for o in outcomes if o.error_class == "block_template" and o.message_id in done
    )
    counts.ignored = (
        len(outcomes)
        - counts.submitted
        - counts.retried
        - counts.failed
        - counts.deferred
        - len(counts.paused)
    )
    return counts


def _record_deferred(
    conn: Connection, worker_id: str, outcomes: Sequence[SubmitOutcome], now: datetime
) -> list[int]:
    """A per-number or per-period limit of the provider: never hot-retried. The message lapses (not
    sent in this window; tomorrow's plan may plan the debtor again) and does not count as a failure
    of the message."""
    info = {o.message_id: (o.error_code, o.error or "deferred by the provider") for o in outcomes}
    moved = transition(
        conn,
        list(info),
        from_states=IN_FLIGHT,
        to_state=S.LAPSED,
        now=now,
        where=[messages.c.claimed_by == worker_id],
        values={"claimed_by": None, "claimed_at": None, "final_at": now},
        per_row={"error": {m: _error_text(*info[m]) for m in info}},
    )
    append_events(
        conn,
        [
            (m, S.LAPSED, now, worker_id, detail_json(reason="provider_deferred", error_code=info[m][0]))
            for m in moved
        ],
    )
    return moved


def _record_paused(
    conn: Connection, worker_id: str, outcomes: Sequence[SubmitOutcome], now: datetime
) -> list[int]:
    """The provider's account cannot send: back to the queue for when it may, without counting the
    hand-over against the message."""
    info = {
        o.message_id: (o.error_code, o.error or "provider paused", max(1.0, o.retry_after or 300.0))
        for o in outcomes
    }
    not_before = {m: now + timedelta(seconds=info[m][2]) for m in info}
    moved = transition(
        conn,
        list(info),
        from_states=IN_FLIGHT,
        to_state=S.QUEUED,
        now=now,
        where=[messages.c.claimed_by == worker_id],
        values={"claimed_by": None, "claimed_at": None},
        per_row={"scheduled_at": not_before, "error": {m: _error_text(*info[m][:2]) for m in info}},
    )
    append_events(
        conn,
        [
            (
                m,
                S.QUEUED,
                now,
                worker_id,
                detail_json(
                    reason="provider_paused", error_code=info[m][0], not_before=not_before[m].isoformat()
                ),
            )
            for m in moved
        ],
    )
    return moved


def awaiting_receipts(conn: Connection, worker_id: str) -> int:
    """This worker's messages accepted by the provider and still without a final receipt."""
    query = sa.select(sa.func.count()).where(
        messages.c.status == S.SUBMITTED, messages.c.claimed_by == worker_id
    )
    return int(conn.execute(query).scalar_one())


# --------------------------------------------------------------------------------------------------
# Maintenance


def lapse_window_closed(conn: Connection, now: datetime) -> int:
    """Queued messages whose send window closed before they were sent → ``lapsed`` (never sent)."""
    stmt = (
        messages.update()
        .where(messages.c.status == S.QUEUED, messages.c.window_end <= now)
        .values(status=S.LAPSED, updated_at=now, final_at=now, error="window closed before submission")
        .returning(messages.c.id)
    )
    ids = sorted(conn.execute(stmt).scalars().all())
    append_events(conn, [(i, S.LAPSED, now, None, detail_json(reason="window_closed")) for i in ids])
    return len(ids)


def release_stale_claims(conn: Connection, now: datetime, older_than: timedelta) -> StaleClaims:
    """Recover from a sender that stopped: claims older than ``older_than`` that were never handed to
    a provider go back to ``queued``; messages stuck in ``submitting`` that long become ``unknown``
    (they may have left — never resent automatically). ``older_than`` of zero (SQLite, where the
    caller holds the only sender lock) means every leftover, whatever its time: a restart replaying
    the same ``--now`` must recover the dead sender's messages too.
    """
    cutoff = now - older_than

    def older(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        return column < cutoff if older_than > timedelta(0) else sa.true()

    stale = conn.execute(
        sa.select(messages.c.id, messages.c.claimed_by).where(
            messages.c.status == S.CLAIMED, older(messages.c.claimed_at)
        )
    ).all()
    worker = {int(r.id): r.claimed_by for r in stale}
    released = transition(
        conn,
        worker,
        from_states=(S.CLAIMED,),
        to_state=S.QUEUED,
        now=now,
        where=[older(messages.c.claimed_at)],
        values={"claimed_by": None, "claimed_at": None},
    )
    append_events(
        conn,
        [(m, S.QUEUED, now, None, detail_json(reason="stale_claim", worker=worker.get(m))) for m in released],
    )
    stuck = (
        conn.execute(
            sa.select(messages.c.id).where(messages.c.status == S.SUBMITTING, older(messages.c.updated_at))
        )
        .scalars()
        .all()
    )
    unknown = transition(
        conn,
        stuck,
        from_states=(S.SUBMITTING,),
        to_state=S.UNKNOWN,
        now=now,
        where=[older(messages.c.updated_at)],
    )
    append_events(
        conn, [(m, S.UNKNOWN, now, None, detail_json(reason="sender_stopped_in_flight")) for m in unknown]
    )
    return StaleClaims(len(released), len(unknown))
