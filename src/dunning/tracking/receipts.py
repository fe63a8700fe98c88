"""Delivery receipts → final message states.

Matching is where gateways most often go wrong: an SMSC may quote an id in hex in ``submit_sm_resp``
and in decimal in the receipt, drop leading zeros, or change case. So:

- ``messages.provider_message_id`` stores what the provider returned (only surrounding blanks/NULs
  removed, :func:`~dunning.sending.outbox.clean_provider_id`);
- both sides are compared in one normalised form, ``ltrim(lower(trim(id)), '0')``, written once in
  Python (:func:`normalise_provider_id`) and once in SQL (:func:`normalised_id_sql`) — the same three
  steps, so they cannot drift;
- a receipt id also tries its other reading (decimal digits read as a number and written in hex, a
  hex id written in decimal) when the literal reading finds no message awaiting a receipt.

Set-based, in two look-ups per chunk of receipts: first ``provider_message_id IN (ids as quoted, in
either case)`` — the plain index, and the whole answer when the SMSC is consistent — then, only for
receipts still unresolved, ``ltrim(lower(trim(provider_message_id)), '0') IN (candidate keys)``.
Resolution happens in memory; the state changes are one ``UPDATE … RETURNING`` per final status plus
bulk events. The second look-up scans ``messages`` unless an expression index on that same
expression exists (valid on SQLite and PostgreSQL alike).

Receipts that match no message awaiting one (``submitted`` or ``unknown``) are returned in
:attr:`ReceiptSummary.unmatched`, not stored. That includes a receipt that overtook its
``submit_sm_resp`` (the message is still ``submitting`` and has no provider id yet). Parking them and
retrying the match later — and aggregating the per-part receipts of a long message — is the next
issue's job; callers must not drop ``unmatched`` silently once that exists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.sending.outbox import (
    AWAITING_RECEIPT,
    append_events,
    chunks,
    clean_provider_id,
    detail_json,
    messages,
    one_of,
    transition,
)
from dunning.sending.providers.base import RECEIPT_STATUSES, Receipt, ReceiptIdFormat

_HEX = re.compile(r"[0-9a-f]+")
IdFormat = ReceiptIdFormat
_RAW_LIMIT = 500


def normalise_provider_id(value: str) -> str:
    """The matching form of a provider id: trimmed, lower-case, without leading zeros."""
    return value.strip().lower().lstrip("0")


def normalised_id_sql(column: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    """The same normalisation as :func:`normalise_provider_id`, in portable SQL."""
    return sa.func.ltrim(sa.func.lower(sa.func.trim(column)), "0")


def candidate_keys(provider_message_id: str, id_format: IdFormat = "auto") -> tuple[str, ...]:
    """Normalised keys a receipt id may match, in order of preference.

    ``id_format`` says how the provider's receipts quote the id it returned at submission:
    ``same`` (literally), ``decimal`` (the decimal value of a hex id), ``hex`` (the hex form of a
    decimal id), or ``auto`` (unknown: the literal reading first, then the decimal→hex and hex→decimal
    readings). ``auto`` can pick the wrong message only when ids are short and dense (a counter) *and*
    the provider switches forms; a connector that knows its SMSC's habit should say so.
    """
    key = normalise_provider_id(provider_message_id)
    if not key:
        return (key,)
    keys = [key] if id_format in ("auto", "same") else []
    if id_format in ("auto", "decimal") and key.isascii() and key.isdigit() and len(key) <= 40:
        keys.append(format(int(key), "x"))
    if id_format in ("auto", "hex") and _HEX.fullmatch(key) and len(key) <= 32:
        keys.append(str(int(key, 16)))
    return tuple(dict.fromkeys(keys))


@dataclass(slots=True)
class ReceiptSummary:
    received: int = 0
    matched: int = 0
    duplicates: int = 0  # matched a message already final, or repeated within the batch
    by_status: dict[str, int] = field(default_factory=dict)
    unmatched: list[Receipt] = field(default_factory=list)

    @property
    def unmatched_count(self) -> int:
        return len(self.unmatched)

    def merge(self, other: ReceiptSummary) -> None:
        self.received += other.received
        self.matched += other.matched
        self.duplicates += other.duplicates
        for status, n in other.by_status.items():
            self.by_status[status] = self.by_status.get(status, 0) + n
        self.unmatched.extend(other.unmatched)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "matched": self.matched,
            "duplicates": self.duplicates,
            "unmatched": self.unmatched_count,
            "by_status": {s: self.by_status.get(s, 0) for s in RECEIPT_STATUSES},
        }


@dataclass(frozen=True, slots=True)
class _Candidate:
    id: int
    status: str
    submitted_at: datetime | None


def _latest_awaiting(found: Sequence[_Candidate], now: datetime) -> _Candidate | None:
    awaiting = [c for c in found if c.status in AWAITING_RECEIPT]
    if not awaiting:
        return None
    return max(awaiting, key=lambda c: (c.submitted_at is not None, c.submitted_at or now, c.id))


def apply_receipts(
    conn: Connection,
    receipts: Sequence[Receipt],
    now: datetime,
    *,
    provider: str | None = None,
    id_format: IdFormat = "auto",
) -> ReceiptSummary:
    """Finalise the messages these receipts report on; return what matched and what did not.

    ``provider`` (the provider's name) restricts matching to messages sent through it; ``id_format``
    is how its receipts quote ids (:func:`candidate_keys`). Preference: the id exactly as stored (up
    to case), then the normalised literal reading, then the hex/decimal readings; among several
    messages with the same id (SMSC ids wrap around) the most recently submitted one awaiting a
    receipt wins. Each finalised message gets ``status``, ``final_at`` (the receipt's time), ``error`` for
    non-delivery, and an event carrying the id as quoted, the error code and the raw text.
    """
    summary = ReceiptSummary(received=len(receipts))
    if not receipts:
        return summary
    scope = [messages.c.provider == provider] if provider is not None else []
    columns = (messages.c.id, messages.c.status, messages.c.submitted_at)

    # 1. The common case, by the plain index on provider_message_id: the receipt quotes the id as it
    #    was stored (up to case). Skipped when the provider is known to switch forms.
    target: dict[int, _Candidate] = {}  # receipt position → message
    seen_final: set[int] = set()
    if id_format in ("auto", "same"):
        quoted = [clean_provider_id(r.provider_message_id) for r in receipts]
        variants = sorted({v for q in quoted if q for v in (q, q.lower(), q.upper())})
        exact: dict[str, list[_Candidate]] = {}
        for chunk in chunks(variants):
            query = sa.select(*columns, messages.c.provider_message_id).where(
                one_of(conn, messages.c.provider_message_id, chunk), *scope
            )
            for row in conn.execute(query):
                exact.setdefault(row.provider_message_id.lower(), []).append(_Candidate(*row[:3]))
        for pos, q in enumerate(quoted):
            found = exact.get(q.lower(), [])
            picked = _latest_awaiting(found, now)
            if picked is not None:
                target[pos] = picked
            elif found:
                seen_final.add(pos)

    # 2. The rest, on the normalised form (zeros, case) and the hex/decimal readings.
    pending = [pos for pos in range(len(receipts)) if pos not in target]
    keys_of = {pos: candidate_keys(receipts[pos].provider_message_id, id_format) for pos in pending}
    all_keys = sorted({k for keys in keys_of.values() for k in keys if k})
    index: dict[str, list[_Candidate]] = {}
    norm = normalised_id_sql(messages.c.provider_message_id)
    for chunk in chunks(all_keys):
        query = sa.select(*columns, norm.label("k")).where(
            messages.c.provider_message_id.is_not(None), one_of(conn, norm, chunk, sa.Text()), *scope
        )
        for row in conn.execute(query):
            index.setdefault(row.k, []).append(_Candidate(*row[:3]))
    for pos in pending:
        for key in keys_of[pos]:
            found = index.get(key, []) if key else []
            picked = _latest_awaiting(found, now)
            if picked is not None:
                target[pos] = picked
                break
            if found:
                seen_final.add(pos)

    # 3. At most one receipt per message: the latest wins, the others are duplicates.
    chosen: dict[int, Receipt] = {}
    for pos, receipt in enumerate(receipts):
        if pos not in target:
            if pos in seen_final:
                summary.duplicates += 1
            else:
                summary.unmatched.append(receipt)
            continue
        mid = target[pos].id
        previous = chosen.get(mid)
        if previous is not None:
            summary.duplicates += 1
            if previous.at > receipt.at:
                continue
        chosen[mid] = receipt

    for status in RECEIPT_STATUSES:
        group = {mid: r for mid, r in chosen.items() if r.status == status}
        if not group:
            continue
        moved = transition(
            conn,
            group,
            from_states=AWAITING_RECEIPT,
            to_state=status,
            now=now,
            per_row={
                "final_at": {m: r.at for m, r in group.items()},
                "error": {m: _error_of(r) for m, r in group.items()},
            },
        )
        summary.duplicates += len(group) - len(moved)  # finalised concurrently by someone else
        if not moved:
            continue
        append_events(conn, [(mid, status, now, provider, _detail_of(group[mid])) for mid in moved])
        summary.matched += len(moved)
        summary.by_status[status] = summary.by_status.get(status, 0) + len(moved)
    return summary


def _error_of(receipt: Receipt) -> str | None:
    if receipt.status == "delivered":
        return None
    return receipt.status + (f" err:{receipt.error_code}" if receipt.error_code else "")


def _detail_of(receipt: Receipt) -> str:
    return detail_json(
        provider_message_id=receipt.provider_message_id,
        done_at=receipt.at.isoformat(),
        error_code=receipt.error_code,
        raw=receipt.raw[:_RAW_LIMIT] if receipt.raw else None,
    )
