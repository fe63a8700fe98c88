"""The outbox: every state change of a message on its way out, as set-based SQL.

Lifecycle (``messages.status`` is a projection; ``message_events`` is the record)::

    queued ──claim──▶ claimed ──mark_submitting──▶ submitting ──▶ submitted ──receipt──▶ delivered …
      ▲                 │  │                          │   │
      │ retry / stale   │  └─▶ blocked (submit gate)  │   └─▶ queued (retriable, attempts < max)
      └─────────────────┘  └─▶ cancelled / expired    └─▶ failed (permanent) · unknown (crash)

- ``claimed`` means a worker took the message and has not handed it to a provider: safe to release
  back to ``queued`` (stale claim) or cancel (payment, opt-out).
- ``submitting`` is written and committed *before* the provider is called. A message in it may have
  left; if its worker vanishes it becomes ``unknown`` and is never sent again automatically (a
  duplicate collection SMS is worse than a missed one). Only the worker that claimed a message moves
  it to ``submitting``, and only from ``claimed``: that is what makes a second send impossible.

Every change here appends one ``message_events`` row (event = the new status, detail = JSON) in the
caller's transaction and updates ``messages.status``/``updated_at``; events are never updated.
Each transition is an ``UPDATE … WHERE status IN (…) RETURNING id``, so concurrent writers (another
sender, a payment import cancelling messages) can never both win, and events are written only for the
rows that really changed.

Concurrency: on PostgreSQL many senders claim with ``FOR UPDATE SKIP LOCKED``. On SQLite one sender
runs at a time, enforced by :func:`sender_lock` (an exclusive, non-blocking lock on
``<database file>.sender.lock``).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dunning.compliance.models import ComplianceViolation
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import bulk_insert
from dunning.core.errors import ConcurrencyError, ConfigError
from dunning.core.masking import mask_phone
from dunning.portfolio.models import Contact, Debtor
from dunning.sending.models import Message, MessageEvent, MessagePart
from dunning.sending.providers.base import OutgoingSms, SubmitOutcome

messages: sa.Table = Message.__table__  # type: ignore[assignment]
message_events: sa.Table = MessageEvent.__table__  # type: ignore[assignment]
violations_table: sa.Table = ComplianceViolation.__table__  # type: ignore[assignment]
contacts: sa.Table = Contact.__table__  # type: ignore[assignment]
debtors: sa.Table = Debtor.__table__  # type: ignore[assignment]
message_parts: sa.Table = MessagePart.__table__  # type: ignore[assignment]

QUEUED = "queued"
CLAIMED = "claimed"
SUBMITTING = "submitting"
SUBMITTED = "submitted"
UNKNOWN = "unknown"
FAILED = "failed"
BLOCKED = "blocked"
EXPIRED = "expired"
CANCELLED = "cancelled"

#: States a receipt may finalise.
AWAITING_RECEIPT = (SUBMITTED, UNKNOWN)
#: States the worker that claimed a message may record a provider outcome from (``unknown``: the
#: sender took longer than ``stale_after`` and was presumed gone, but it came back with an answer).
IN_FLIGHT = (SUBMITTING, UNKNOWN)
#: States a payment, opt-out or complaint still stops.
CANCELLABLE = (QUEUED, CLAIMED)

_CHUNK = 900  # ids per statement: far below SQLite's and PostgreSQL's bound-parameter limits
T = TypeVar("T")


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
    """A message this worker holds. ``to`` is the clear number (decrypted at claim time): never log it."""

    message_id: int
    debtor_id: int
    contact_id: int | None
    to: str | None
    body: str
    encoding: str
    segments: int
    scheduled_at: datetime
    window_end: datetime
    claimed_at: datetime
    claimed_by: str

    @property
    def to_masked(self) -> str | None:
        return mask_phone(self.to) if self.to else None

    def outgoing(self, source: str | None = None) -> OutgoingSms:
        if self.to is None:
            raise ValueError(f"message {self.message_id} has no recipient number")
        return OutgoingSms(self.message_id, self.to, self.body, self.encoding, self.segments, source)

    def __repr__(self) -> str:
        return (
            f"ClaimedMessage(message_id={self.message_id}, debtor_id={self.debtor_id}, "
            f"to={self.to_masked!r}, segments={self.segments}, claimed_by={self.claimed_by!r})"
        )


@dataclass(frozen=True, slots=True)
class StaleClaims:
    released: int  # claimed, never handed to a provider → queued again
    unknown: int  # handed to a provider, outcome never recorded → unknown (not resent)


@dataclass(slots=True)
class OutcomeCounts:
    submitted: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    ignored: int = 0  # outcomes for messages this worker no longer holds
    failed_ids: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Small building blocks


def default_worker_id() -> str:
    """``host:pid:random``: unique per sender process, readable in ``messages.claimed_by``."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def detail_json(**values: Any) -> str:
    """Event detail: compact, key-sorted JSON without null entries."""
    clean = {k: v for k, v in values.items() if v is not None}
    return json.dumps(clean, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def one_of(
    conn: Connection,
    column: sa.ColumnElement[Any],
    values: Sequence[Any],
    element_type: sa.types.TypeEngine[Any] | None = None,
) -> sa.ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter instead of
    hundreds (the driver parses and caches the statement once, whatever the batch size).
    """
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        array = sa.bindparam(None, list(values), type_=ARRAY(element_type or column.type))
        return column == sa.any_(array)
    return column.in_(list(values))


def _unnest(items: list[Any], type_: sa.types.TypeEngine[Any], label: str) -> sa.Label[Any]:
    from sqlalchemy.dialects.postgresql import ARRAY

    return sa.func.unnest(sa.bindparam(None, items, type_=ARRAY(type_))).label(label)


EventRow = tuple[int, str, datetime, str | None, str | None]


def append_events(conn: Connection, rows: Sequence[EventRow]) -> None:
    """Append ``(message_id, event, at, actor, detail)`` rows in one bulk write."""
    bulk_insert(conn, message_events, ("message_id", "event", "at", "actor", "detail"), rows)


def transition(
    conn: Connection,
    ids: Iterable[int],
    *,
    from_states: Sequence[str],
    to_state: str,
    now: datetime,
    where: Sequence[sa.ColumnElement[bool]] = (),
    values: Mapping[str, Any] | None = None,
    per_row: Mapping[str, Mapping[int, Any]] | None = None,
) -> list[int]:
    """Move the given messages that are in ``from_states`` (and match ``where``) to ``to_state``.

    ``values`` are set on every moved row; ``per_row`` maps a column to ``{message_id: value}``.
    One ``UPDATE … RETURNING id`` per chunk (on PostgreSQL joined to ``unnest`` of the per-row
    arrays, so each row is written once); returns the ids that actually moved, sorted. The caller
    appends their events.
    """
    wanted = sorted(set(ids))
    per_row = per_row or {}
    fixed = {"status": to_state, "updated_at": now, **(values or {})}
    guard = [messages.c.status.in_(from_states), *where]
    moved: list[int] = []
    pg = conn.dialect.name == "postgresql"
    for chunk in chunks(wanted, 5000 if pg else _CHUNK):
        if pg and per_row:
            parts = [_unnest(list(chunk), sa.Integer(), "b_id")]
            parts += [
                _unnest([given.get(i) for i in chunk], messages.c[col].type, f"b_{col}")
                for col, given in per_row.items()
            ]
            v = sa.select(*parts).subquery("v")
            stmt = (
                messages.update()
                # the ANY(ids) predicate keeps the plan on the primary key even with stale statistics
                .where(messages.c.id == v.c.b_id, one_of(conn, messages.c.id, chunk), *guard)
                .values({**fixed, **{col: v.c[f"b_{col}"] for col in per_row}})
            )
        else:
            stmt = messages.update().where(one_of(conn, messages.c.id, chunk), *guard).values(fixed)
        done = list(conn.execute(stmt.returning(messages.c.id)).scalars().all())
        if per_row and not pg and done:
            # SQLite: the rows are ours (write lock held since the UPDATE); set their values.
            conn.execute(
                messages.update()
                .where(messages.c.id == sa.bindparam("b_id"))
                .values({col: sa.bindparam(f"b_{col}") for col in per_row}),
                [{"b_id": i, **{f"b_{col}": given.get(i) for col, given in per_row.items()}} for i in done],
            )
        moved.extend(done)
    return sorted(moved)


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


# --------------------------------------------------------------------------------------------------
# Claiming


def claim_due(
    conn: Connection,
    worker_id: str,
    now: datetime,
    limit: int,
    *,
    cipher: PersonalDataCipher,
) -> list[ClaimedMessage]:
    """Claim up to ``limit`` queued messages with ``scheduled_at <= now < window_end``, oldest first.

    On PostgreSQL the candidate rows are locked with ``FOR UPDATE SKIP LOCKED``, so concurrent
    senders take disjoint sets without waiting for each other. Claimed rows get ``claimed_by``,
    ``claimed_at`` and a ``claimed`` event. The recipient number is decrypted here, and only here.
    """
    if limit < 1:
        return []
    due = (
        sa.select(messages.c.id)
        .where(
            messages.c.status == QUEUED,
            messages.c.scheduled_at <= now,
            messages.c.window_end > now,
        )
        .order_by(messages.c.scheduled_at, messages.c.id)
        .limit(limit)
    )
    claim = messages.update().values(status=CLAIMED, claimed_by=worker_id, claimed_at=now, updated_at=now)
    if conn.dialect.name == "postgresql":
        picked = due.with_for_update(skip_locked=True).cte("picked")
        stmt = claim.where(messages.c.id == picked.c.id, messages.c.status == QUEUED)
    else:  # one statement is atomic on SQLite, and sender_lock keeps other senders out
        stmt = claim.where(messages.c.id.in_(due), messages.c.status == QUEUED)
    ids = sorted(conn.execute(stmt.returning(messages.c.id)).scalars().all())
    if not ids:
        return []
    detail = detail_json(worker=worker_id)
    append_events(conn, [(i, CLAIMED, now, worker_id, detail) for i in ids])

    rows: list[Any] = []
    for chunk in chunks(ids):
        rows.extend(
            conn.execute(
                sa.select(
                    messages.c.id,
                    messages.c.debtor_id,
                    messages.c.contact_id,
                    contacts.c.phone_enc,
                    messages.c.body,
                    messages.c.encoding,
                    messages.c.segments,
                    messages.c.scheduled_at,
                    messages.c.window_end,
                )
                .select_from(messages.outerjoin(contacts, contacts.c.id == messages.c.contact_id))
                .where(one_of(conn, messages.c.id, chunk))
            ).all()
        )
    rows.sort(key=lambda r: (r.scheduled_at, r.id))
    return [
        ClaimedMessage(
            message_id=r.id,
            debtor_id=r.debtor_id,
            contact_id=r.contact_id,
            to=_decrypt_phone(cipher, r.phone_enc, r.id) if r.phone_enc is not None else None,
            body=r.body,
            encoding=r.encoding,
            segments=r.segments,
            scheduled_at=r.scheduled_at,
            window_end=r.window_end,
            claimed_at=now,
            claimed_by=worker_id,
        )
        for r in rows
    ]


def _decrypt_phone(cipher: PersonalDataCipher, token: bytes, message_id: int) -> str:
    from cryptography.exceptions import InvalidTag

    try:
        return cipher.decrypt(bytes(token))
    except InvalidTag as exc:
        raise ConfigError(
            f"cannot decrypt the recipient number of message {message_id}: wrong data key?",
            f"无法解密短信 {message_id} 的收件号码：数据密钥是否正确？",
        ) from exc


# --------------------------------------------------------------------------------------------------
# Before submission


def block_at_submit(
    conn: Connection,
    blocked: Sequence[tuple[int, Sequence[ViolationLike]]],
    now: datetime,
    *,
    worker_id: str | None = None,
) -> int:
    """Block messages the submit-time gate refused: status ``blocked``, one violation row per rule
    (stage ``submit``) and a ``blocked`` event. Only queued or claimed messages (claimed by
    ``worker_id`` when given) are blocked; returns how many were.
    """
    by_id = {mid: list(v) for mid, v in blocked if v}
    if not by_id:
        return 0
    where: list[sa.ColumnElement[bool]] = []
    if worker_id is not None:
        where.append(messages.c.claimed_by == worker_id)
    moved = transition(
        conn,
        by_id,
        from_states=(QUEUED, CLAIMED),
        to_state=BLOCKED,
        now=now,
        where=where,
        values={"final_at": now},
        per_row={"error": {m: "blocked: " + ", ".join(v.rule for v in vs) for m, vs in by_id.items()}},
    )
    violation_rows = [
        (mid, "submit", v.rule, v.category, v.legal_basis, v.reason_zh, v.reason_en, now)
        for mid in moved
        for v in by_id[mid]
    ]
    bulk_insert(
        conn,
        violations_table,
        ("message_id", "stage", "rule", "category", "legal_basis", "reason_zh", "reason_en", "decided_at"),
        violation_rows,
    )
    append_events(
        conn,
        [
            (mid, BLOCKED, now, worker_id, detail_json(stage="submit", rules=[v.rule for v in by_id[mid]]))
            for mid in moved
        ],
    )
    return len(moved)


def mark_submitting(
    conn: Connection,
    worker_id: str,
    message_ids: Iterable[int],
    now: datetime,
    *,
    provider: str,
) -> tuple[list[int], list[int]]:
    """Hand-over point: this worker's claimed messages whose window is still open → ``submitting``
    (commit before calling the provider); those whose window has closed → ``expired``.

    Returns ``(ready, expired)``. Messages no longer claimed by this worker (cancelled meanwhile,
    released as stale) are in neither list and must not be submitted.
    """
    ids = list(message_ids)
    mine = messages.c.claimed_by == worker_id
    expired = transition(
        conn,
        ids,
        from_states=(CLAIMED,),
        to_state=EXPIRED,
        now=now,
        where=[mine, messages.c.window_end <= now],
        values={"final_at": now, "error": "window closed before submission"},
    )
    append_events(conn, [(i, EXPIRED, now, worker_id, detail_json(reason="window_closed")) for i in expired])
    ready = transition(
        conn,
        ids,
        from_states=(CLAIMED,),
        to_state=SUBMITTING,
        now=now,
        where=[mine, messages.c.window_end > now],
        values={"provider": provider[:64]},
    )
    detail = detail_json(provider=provider)
    append_events(conn, [(i, SUBMITTING, now, worker_id, detail) for i in ready])
    return ready, expired


# --------------------------------------------------------------------------------------------------
# After submission


def clean_provider_id(value: str) -> str:
    """The provider id as stored: exactly what the provider returned, minus surrounding blanks/NULs."""
    return value.strip().strip("\x00").strip()


def normalise_provider_id(value: str) -> str:
    """The matching form of a provider id (``provider_message_key``): trimmed (blanks and NULs),
    lower-case, without leading zeros. Receipts are matched on this form (tracking.receipts)."""
    return clean_provider_id(value).lower().lstrip("0")


def record_submitted(
    conn: Connection,
    worker_id: str,
    accepted: Sequence[tuple[int, str]],
    now: datetime,
    *,
    part_ids: Mapping[int, Sequence[str]] | None = None,
    provider: str | None = None,
) -> int:
    """``(message_id, provider_message_id)`` pairs the provider accepted → ``submitted``.

    ``part_ids`` gives, for a concatenated message, the provider id of every part (in order): one
    ``message_parts`` row each, so each part's receipt finds its message (tracking.receipts).
    """
    pid = {mid: clean_provider_id(p) for mid, p in accepted}
    key = {mid: normalise_provider_id(p) for mid, p in pid.items()}
    moved = transition(
        conn,
        pid,
        from_states=IN_FLIGHT,
        to_state=SUBMITTED,
        now=now,
        where=[messages.c.claimed_by == worker_id],
        values={"submitted_at": now},
        per_row={"provider_message_id": pid, "provider_message_key": key},
    )
    append_events(
        conn, [(m, SUBMITTED, now, worker_id, detail_json(provider_message_id=pid[m])) for m in moved]
    )
    parts = part_ids or {}
    rows = [
        (m, n, len(parts[m]), provider or "", clean_provider_id(p), normalise_provider_id(p))
        for m in moved
        if len(parts.get(m, ())) > 1
        for n, p in enumerate(parts[m], 1)
    ]
    if rows:
        columns = ("message_id", "part_no", "parts_total", "provider", "provider_message_id")
        bulk_insert(conn, message_parts, (*columns, "provider_message_key"), rows)
    return len(moved)


def record_failed(
    conn: Connection,
    worker_id: str | None,
    failures: Sequence[tuple[int, str | None, str]],
    now: datetime,
    *,
    reason: str = "provider_error",
    from_states: Sequence[str] = (CLAIMED, *IN_FLIGHT),
) -> list[int]:
    """``(message_id, error_code, error)`` → ``failed`` with the provider's code; never retried."""
    info = {mid: (code, text) for mid, code, text in failures}
    where = [messages.c.claimed_by == worker_id] if worker_id is not None else []
    moved = transition(
        conn,
        info,
        from_states=from_states,
        to_state=FAILED,
        now=now,
        where=where,
        values={"final_at": now},
        per_row={"error": {m: _error_text(*info[m]) for m in info}},
    )
    append_events(
        conn,
        [
            (m, FAILED, now, worker_id, detail_json(reason=reason, error_code=info[m][0], error=info[m][1]))
            for m in moved
        ],
    )
    return moved


def _error_text(code: str | None, text: str | None) -> str:
    return ": ".join(p for p in (code, text) if p) or "error"


def submit_attempts(conn: Connection, message_ids: Sequence[int]) -> dict[int, int]:
    """How many times each message was handed to a provider (its ``submitting`` events)."""
    counts: dict[int, int] = {}
    for chunk in chunks(sorted(set(message_ids))):
        rows = conn.execute(
            sa.select(message_events.c.message_id, sa.func.count())
            .where(one_of(conn, message_events.c.message_id, chunk), message_events.c.event == SUBMITTING)
            .group_by(message_events.c.message_id)
        ).all()
        counts.update({int(mid): int(n) for mid, n in rows})
    return counts


def record_retries(
    conn: Connection,
    worker_id: str,
    retries: Sequence[tuple[int, str | None, str, float]],
    now: datetime,
    *,
    max_attempts: int,
    min_retry_after: float = 1.0,
) -> tuple[list[int], list[int]]:
    """``(message_id, error_code, error, retry_after_s)`` the provider certainly did not take.

    Below ``max_attempts`` hand-overs the message goes back to ``queued`` with ``scheduled_at`` moved
    to ``now + max(retry_after, min_retry_after)`` (a ``queued`` event with reason ``retry`` and the
    attempt number);
    at the limit it fails. Returns ``(requeued, failed)``.
    """
    info = {mid: (code, text, max(min_retry_after, delay)) for mid, code, text, delay in retries}
    attempts = submit_attempts(conn, list(info))
    exhausted = {m for m in info if attempts.get(m, 0) >= max_attempts}
    failed = record_failed(
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
        to_state=QUEUED,
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
                QUEUED,
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
    return moved, failed


def record_unknown(
    conn: Connection, worker_id: str | None, message_ids: Iterable[int], now: datetime, reason: str
) -> list[int]:
    """In-flight messages whose fate is unknown → ``unknown`` (kept for late receipts; never resent)."""
    where = [messages.c.claimed_by == worker_id] if worker_id is not None else []
    moved = transition(conn, message_ids, from_states=(SUBMITTING,), to_state=UNKNOWN, now=now, where=where)
    append_events(conn, [(m, UNKNOWN, now, worker_id, detail_json(reason=reason)) for m in moved])
    return moved


def record_outcomes(
    conn: Connection,
    worker_id: str,
    outcomes: Sequence[SubmitOutcome],
    now: datetime,
    *,
    max_attempts: int,
    provider: str | None = None,
) -> OutcomeCounts:
    """Record one batch of provider outcomes (accepted / retriable / permanent) in one go.

    ``provider`` (its name) labels the per-part rows of concatenated messages."""
    counts = OutcomeCounts()
    accepted = [(o.message_id, o.provider_message_id or "") for o in outcomes if o.accepted]
    part_ids = {o.message_id: o.part_ids for o in outcomes if o.accepted and len(o.part_ids) > 1}
    retries = [
        (o.message_id, o.error_code, o.error or "retriable", o.retry_after or 0.0)
        for o in outcomes
        if o.retriable
    ]
    permanent = [(o.message_id, o.error_code, o.error or "rejected") for o in outcomes if o.permanent_error]
    counts.submitted = record_submitted(conn, worker_id, accepted, now, part_ids=part_ids, provider=provider)
    requeued, exhausted = record_retries(conn, worker_id, retries, now, max_attempts=max_attempts)
    failed = record_failed(conn, worker_id, permanent, now, from_states=IN_FLIGHT)
    counts.retried = len(requeued)
    counts.failed = len(exhausted) + len(failed)
    counts.failed_ids = sorted(exhausted + failed)
    counts.ignored = len(outcomes) - counts.submitted - counts.retried - counts.failed
    return counts


# --------------------------------------------------------------------------------------------------
# Housekeeping and cancellation


def expire_window_closed(conn: Connection, now: datetime) -> int:
    """Queued messages whose send window closed before they were sent → ``expired`` (never sent)."""
    stmt = (
        messages.update()
        .where(messages.c.status == QUEUED, messages.c.window_end <= now)
        .values(status=EXPIRED, updated_at=now, final_at=now, error="window closed before submission")
        .returning(messages.c.id)
    )
    ids = sorted(conn.execute(stmt).scalars().all())
    append_events(conn, [(i, EXPIRED, now, None, detail_json(reason="window_closed")) for i in ids])
    return len(ids)


def cancel_queued_for_debtors(
    conn: Connection,
    debtor_pks: Iterable[int],
    now: datetime,
    reason: str,
    *,
    actor: str | None = None,
) -> int:
    """A payment, opt-out or complaint arrived: the debtors' queued or claimed (not yet handed to a
    provider) messages → ``cancelled``. Messages already submitting or sent are not touched.
    """
    return _cancel_queued(conn, messages.c.debtor_id, debtor_pks, now, reason, actor)


def cancel_queued_for_contacts(
    conn: Connection,
    contact_pks: Iterable[int],
    now: datetime,
    reason: str,
    *,
    actor: str | None = None,
) -> int:
    """A number opted out: queued or claimed messages addressed to it → ``cancelled``."""
    return _cancel_queued(conn, messages.c.contact_id, contact_pks, now, reason, actor)


def _cancel_queued(
    conn: Connection,
    column: sa.ColumnElement[Any],
    keys: Iterable[int],
    now: datetime,
    reason: str,
    actor: str | None,
) -> int:
    ids: list[int] = []
    for chunk in chunks(sorted(set(keys))):
        stmt = (
            messages.update()
            .where(one_of(conn, column, chunk), messages.c.status.in_(CANCELLABLE))
            .values(status=CANCELLED, updated_at=now, final_at=now, error=f"cancelled: {reason}")
            .returning(messages.c.id)
        )
        ids.extend(conn.execute(stmt).scalars().all())
    ids.sort()
    detail = detail_json(reason=reason)
    append_events(conn, [(i, CANCELLED, now, actor, detail) for i in ids])
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
            messages.c.status == CLAIMED, older(messages.c.claimed_at)
        )
    ).all()
    worker = {int(r.id): r.claimed_by for r in stale}
    released = transition(
        conn,
        worker,
        from_states=(CLAIMED,),
        to_state=QUEUED,
        now=now,
        where=[older(messages.c.claimed_at)],
        values={"claimed_by": None, "claimed_at": None},
    )
    append_events(
        conn,
        [(m, QUEUED, now, None, detail_json(reason="stale_claim", worker=worker.get(m))) for m in released],
    )
    stuck = (
        conn.execute(
            sa.select(messages.c.id).where(messages.c.status == SUBMITTING, older(messages.c.updated_at))
        )
        .scalars()
        .all()
    )
    unknown = transition(
        conn,
        stuck,
        from_states=(SUBMITTING,),
        to_state=UNKNOWN,
        now=now,
        where=[older(messages.c.updated_at)],
    )
    append_events(
        conn, [(m, UNKNOWN, now, None, detail_json(reason="sender_stopped_in_flight")) for m in unknown]
    )
    return StaleClaims(len(released), len(unknown))


# --------------------------------------------------------------------------------------------------
# Operator review of unknown messages


@dataclass(frozen=True, slots=True)
class UnknownMessage:
    message_id: int
    debtor_ref: str
    to_masked: str | None
    since: datetime
    window_end: datetime
    provider: str | None


def list_unknown(conn: Connection, *, limit: int = 1000) -> list[UnknownMessage]:
    """Messages in ``unknown`` (oldest first): their submission may or may not have left."""
    rows = conn.execute(
        sa.select(
            messages.c.id,
            debtors.c.external_id,
            contacts.c.phone_masked,
            messages.c.updated_at,
            messages.c.window_end,
            messages.c.provider,
        )
        .join(debtors, debtors.c.id == messages.c.debtor_id)
        .outerjoin(contacts, contacts.c.id == messages.c.contact_id)
        .where(messages.c.status == UNKNOWN)
        .order_by(messages.c.updated_at, messages.c.id)
        .limit(limit)
    ).all()
    return [UnknownMessage(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]


def requeue_unknown(
    conn: Connection, message_ids: Sequence[int], now: datetime, *, actor: str, note: str
) -> list[int]:
    """An operator who has checked with the SMSC that these never arrived sends them again:
    ``unknown`` → ``queued`` (due now; the submit-time gate re-checks them). Recorded with who and why.
    """
    if not actor.strip() or not note.strip():
        raise ConfigError(
            "requeueing an unknown message needs the operator and a reason",
            "重新发送状态未知的短信须注明操作人与原因",
        )
    moved = transition(
        conn,
        message_ids,
        from_states=(UNKNOWN,),
        to_state=QUEUED,
        now=now,
        values={"claimed_by": None, "claimed_at": None, "scheduled_at": now},
    )
    append_events(
        conn,
        [(m, QUEUED, now, actor, detail_json(reason="operator_requeue_unknown", note=note)) for m in moved],
    )
    return moved
