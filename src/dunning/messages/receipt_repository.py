"""SQL behind receipt matching: look-ups by provider id, message parts and parked receipts.

The matching rules themselves (which reading of an id wins, how parts fold, when a receipt is a
duplicate or an orphan) are the tracking domain's (:mod:`dunning.tracking.receipts`); this module
only reads and writes the message tables for it, set-based, a few statements per batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.db import bulk_insert, chunks, one_of
from dunning.messages.models import message_parts, messages, parked_receipts
from dunning.messages.status import AWAITING_RECEIPT, MessageStatus

__all__ = [
    "Candidate",
    "ParkedRow",
    "PartState",
    "by_keys",
    "by_quoted_ids",
    "close_parked",
    "due_parked",
    "load_parts",
    "orphan_parked",
    "overdue_parts",
    "park",
    "record_part_receipts",
    "reschedule_parked",
    "unknown_recipients",
]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A message a receipt id may belong to (``part_no`` set when found through a part's id)."""

    id: int
    status: str
    submitted_at: datetime | None
    part_no: int | None = None


#: ``(status, error_code, done_at)`` of one part; status None until its receipt came.
PartState = tuple[str | None, str | None, datetime | None]


def _scope(column: sa.ColumnElement[Any], provider: str | None) -> list[sa.ColumnElement[bool]]:
    return [column == provider] if provider is not None else []


def by_quoted_ids(
    conn: Connection, variants: Sequence[str], provider: str | None
) -> dict[str, list[Candidate]]:
    """Messages whose stored provider id is one of ``variants``, keyed by that id in lower case."""
    out: dict[str, list[Candidate]] = {}
    for chunk in chunks(variants):
        query = sa.select(
            messages.c.id, messages.c.status, messages.c.submitted_at, messages.c.provider_message_id
        ).where(one_of(conn, messages.c.provider_message_id, chunk), *_scope(messages.c.provider, provider))
        for row in conn.execute(query):
            out.setdefault(row.provider_message_id.lower(), []).append(
                Candidate(row.id, row.status, row.submitted_at)
            )
    return out


def by_keys(conn: Connection, keys: Sequence[str], provider: str | None) -> dict[str, list[Candidate]]:
    """Messages and parts (after the first, which carries the message's own id) by matching key."""
    index: dict[str, list[Candidate]] = {}
    for chunk in chunks(keys):
        query = sa.select(
            messages.c.id, messages.c.status, messages.c.submitted_at, messages.c.provider_message_key
        ).where(one_of(conn, messages.c.provider_message_key, chunk), *_scope(messages.c.provider, provider))
        for row in conn.execute(query):
            index.setdefault(row.provider_message_key, []).append(
                Candidate(row.id, row.status, row.submitted_at)
            )
        query = (
            sa.select(
                messages.c.id,
                messages.c.status,
                messages.c.submitted_at,
                message_parts.c.provider_message_key,
                message_parts.c.part_no,
            )
            .join(messages, messages.c.id == message_parts.c.message_id)
            .where(
                one_of(conn, message_parts.c.provider_message_key, chunk),
                message_parts.c.part_no > 1,
                *_scope(message_parts.c.provider, provider),
            )
        )
        for part in conn.execute(query):
            index.setdefault(part.provider_message_key, []).append(
                Candidate(part.id, part.status, part.submitted_at, part.part_no)
            )
    return index


def unknown_recipients(conn: Connection, provider: str | None) -> list[tuple[int, int | None]]:
    """``(message_id, contact_id)`` of the messages in ``unknown`` (a receipt may yet prove they left)."""
    rows = conn.execute(
        sa.select(messages.c.id, messages.c.contact_id).where(
            messages.c.status == MessageStatus.UNKNOWN, *_scope(messages.c.provider, provider)
        )
    ).all()
    return [(int(mid), None if cid is None else int(cid)) for mid, cid in rows]


def load_parts(conn: Connection, message_ids: Sequence[int]) -> dict[int, dict[int, PartState]]:
    """``{message_id: {part_no: state}}`` for the concatenated ones, locked on PostgreSQL so two
    collectors cannot each miss the other's last part."""
    out: dict[int, dict[int, PartState]] = {}
    for chunk in chunks(message_ids):
        query = sa.select(
            message_parts.c.message_id,
            message_parts.c.part_no,
            message_parts.c.status,
            message_parts.c.error_code,
            message_parts.c.done_at,
        ).where(one_of(conn, message_parts.c.message_id, chunk))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        for r in conn.execute(query):
            out.setdefault(int(r.message_id), {})[int(r.part_no)] = (r.status, r.error_code, r.done_at)
    return out


def record_part_receipts(
    conn: Connection, updates: Sequence[tuple[int, int, str, str | None, datetime]]
) -> None:
    """``(message_id, part_no, status, error_code, done_at)`` for parts not yet reported."""
    if not updates:
        return
    conn.execute(
        message_parts.update()
        .where(
            message_parts.c.message_id == sa.bindparam("m"),
            message_parts.c.part_no == sa.bindparam("n"),
            message_parts.c.status.is_(None),
        )
        .values(status=sa.bindparam("s"), error_code=sa.bindparam("e"), done_at=sa.bindparam("d")),
        [{"m": m, "n": n, "s": s, "e": e, "d": d} for m, n, s, e, d in updates],
    )


def overdue_parts(
    conn: Connection, submitted_before: datetime
) -> list[tuple[int, str | None, str | None, datetime | None, int]]:
    """Parts of concatenated messages still awaiting their receipts, submitted before the cutoff:
    ``(message_id, status, error_code, done_at, part_no)``."""
    rows = conn.execute(
        sa.select(
            message_parts.c.message_id,
            message_parts.c.status,
            message_parts.c.error_code,
            message_parts.c.done_at,
            message_parts.c.part_no,
        )
        .join(messages, messages.c.id == message_parts.c.message_id)
        .where(messages.c.status.in_(AWAITING_RECEIPT), messages.c.submitted_at < submitted_before)
    ).all()
    return [(int(r[0]), r[1], r[2], r[3], int(r[4])) for r in rows]


# --------------------------------------------------------------------------------------------------
# Parked receipts


@dataclass(frozen=True, slots=True)
class ParkedRow:
    """A parked receipt as stored (``parked_id`` None for one not parked yet)."""

    provider: str | None
    id_format: str
    provider_message_id: str
    provider_message_key: str
    status: str
    error_code: str | None
    done_at: datetime
    handset_hash: str | None
    raw: str | None
    received_at: datetime
    attempts: int = 0
    parked_id: int | None = None


_PARK_COLUMNS = (
    *("provider", "id_format", "provider_message_id", "provider_message_key", "status", "error_code"),
    *("done_at", "handset_hash", "raw", "received_at", "attempts", "next_try_at"),
)


def park(conn: Connection, rows: Sequence[ParkedRow], next_try_at: datetime) -> None:
    bulk_insert(
        conn,
        parked_receipts,
        _PARK_COLUMNS,
        [
            (
                r.provider,
                r.id_format,
                r.provider_message_id,
                r.provider_message_key,
                r.status,
                r.error_code,
                r.done_at,
                r.handset_hash,
                r.raw,
                r.received_at,
                r.attempts,
                next_try_at,
            )
            for r in rows
        ],
    )


def due_parked(conn: Connection, now: datetime, provider: str | None, limit: int) -> list[ParkedRow]:
    """Parked receipts whose next try is due, oldest first."""
    rows = conn.execute(
        sa.select(parked_receipts)
        .where(
            parked_receipts.c.resolved_at.is_(None),
            parked_receipts.c.next_try_at <= now,
            *_scope(parked_receipts.c.provider, provider),
        )
        .order_by(parked_receipts.c.next_try_at, parked_receipts.c.id)
        .limit(limit)
    ).all()
    return [
        ParkedRow(
            r.provider,
            r.id_format or "auto",
            r.provider_message_id,
            r.provider_message_key,
            r.status,
            r.error_code,
            r.done_at,
            r.handset_hash,
            r.raw,
            r.received_at,
            int(r.attempts),
            int(r.id),
        )
        for r in rows
    ]


def reschedule_parked(conn: Connection, tries: Mapping[int, tuple[int, datetime]]) -> None:
    """``{parked_id: (attempts, next_try_at)}``."""
    if not tries:
        return
    conn.execute(
        parked_receipts.update()
        .where(parked_receipts.c.id == sa.bindparam("pid"))
        .values(attempts=sa.bindparam("n"), next_try_at=sa.bindparam("t")),
        [{"pid": pid, "n": n, "t": t} for pid, (n, t) in tries.items()],
    )


def close_parked(conn: Connection, closing: Sequence[tuple[int, int | None]], now: datetime) -> None:
    """``(parked_id, message_id)``: resolved as ``matched`` (or ``duplicate`` when message_id is None)."""
    if not closing:
        return
    conn.execute(
        parked_receipts.update()
        .where(parked_receipts.c.id == sa.bindparam("pid"))
        .values(resolution=sa.bindparam("how"), resolved_at=now, message_id=sa.bindparam("mid")),
        [
            {"pid": pid, "mid": mid, "how": "matched" if mid is not None else "duplicate"}
            for pid, mid in closing
        ],
    )


def orphan_parked(conn: Connection, parked_ids: Sequence[int], now: datetime) -> None:
    for chunk in chunks(parked_ids):
        conn.execute(
            parked_receipts.update()
            .where(one_of(conn, parked_receipts.c.id, chunk))
            .values(resolution="orphaned", resolved_at=now)
        )
