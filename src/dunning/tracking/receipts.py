"""Delivery receipts → final message states.

Matching is where gateways most often go wrong: an SMSC may quote an id in hex in ``submit_sm_resp``
and in decimal in the receipt, drop leading zeros, or change case; a receipt may overtake the
``submit_sm_resp`` it belongs to; a long message gets one receipt per part; a sender killed mid-batch
leaves messages whose id was never stored. So:

- ``messages.provider_message_id`` stores what the provider returned (only surrounding blanks/NULs
  removed) and ``provider_message_key`` its matching form (trimmed, lower case, no leading zeros,
  :func:`~dunning.sending.outbox.normalise_provider_id`), indexed with ``provider``;
- a receipt id is looked up as quoted (up to case), then by its keys: the literal reading and, unless
  the provider declares its habit, the decimal↔hex readings (:func:`candidate_keys`);
- a concatenated message has one ``message_parts`` row per part; a part's receipt updates its part,
  and the message becomes final when every part is (the worst part wins:
  rejected > undelivered > expired > failed > delivered), or after :data:`PART_TIMEOUT` from the
  parts known (:func:`finalise_overdue_parts`);
- a receipt no id matches, but whose handset matches exactly one message in ``unknown`` (its
  submission outcome was lost), *reconciles* that message: the receipt proves it left;
- anything still unmatched is **parked** (``parked_receipts``) and retried with backoff
  (:func:`retry_parked`); after :data:`PARK_LIMIT` it is marked orphaned, never silently dropped.

Set-based: a few look-ups per chunk of receipts, resolution in memory, one ``UPDATE … RETURNING`` per
final status plus bulk events.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.db import bulk_insert
from dunning.core.phone import handset_e164
from dunning.sending.models import ParkedReceipt
from dunning.sending.outbox import (
    AWAITING_RECEIPT,
    UNKNOWN,
    append_events,
    chunks,
    clean_provider_id,
    contacts,
    detail_json,
    message_parts,
    messages,
    normalise_provider_id,
    one_of,
    transition,
)
from dunning.sending.providers.base import RECEIPT_STATUSES, Receipt, ReceiptIdFormat, ReceiptStatus

__all__ = [
    "PARK_LIMIT",
    "PART_TIMEOUT",
    "ReceiptSummary",
    "apply_receipts",
    "candidate_keys",
    "finalise_overdue_parts",
    "normalise_provider_id",
    "retry_parked",
]

_HEX = re.compile(r"[0-9a-f]+")
IdFormat = ReceiptIdFormat
PhoneHash = Callable[[str], str]
_RAW_LIMIT = 500
#: A concatenated message whose parts have not all reported after this long is finalised from the
#: parts that did.
PART_TIMEOUT = timedelta(hours=48)
#: A parked receipt still unmatched after this long is marked orphaned (and reported).
PARK_LIMIT = timedelta(days=7)
_MAX_BACKOFF = 600.0  # seconds between retries of a parked receipt, at most
#: Worst first: the state a concatenated message takes from its parts.
_SEVERITY: dict[str, int] = {"rejected": 0, "undelivered": 1, "expired": 2, "failed": 3, "delivered": 4}

parked_receipts: sa.Table = ParkedReceipt.__table__  # type: ignore[assignment]


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
    matched: int = 0  # messages finalised
    duplicates: int = 0  # matched a message (or part) already final, or repeated within the batch
    parts: int = 0  # part receipts recorded while other parts of their message are still awaited
    reconciled: int = 0  # of ``matched``: messages in ``unknown`` finalised through their handset
    resolved_parked: int = 0  # parked receipts that found their message this time
    orphaned: int = 0  # parked receipts given up after PARK_LIMIT
    by_status: dict[str, int] = field(default_factory=dict)
    unmatched: list[Receipt] = field(default_factory=list)  # newly parked

    @property
    def unmatched_count(self) -> int:
        return len(self.unmatched)

    def merge(self, other: ReceiptSummary) -> None:
        for name in (
            "received",
            "matched",
            "duplicates",
            "parts",
            "reconciled",
            "resolved_parked",
            "orphaned",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for status, n in other.by_status.items():
            self.by_status[status] = self.by_status.get(status, 0) + n
        self.unmatched.extend(other.unmatched)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "matched": self.matched,
            "duplicates": self.duplicates,
            "parts": self.parts,
            "reconciled": self.reconciled,
            "unmatched": self.unmatched_count,
            "resolved_parked": self.resolved_parked,
            "orphaned": self.orphaned,
            "by_status": {s: self.by_status.get(s, 0) for s in RECEIPT_STATUSES},
        }


@dataclass(frozen=True, slots=True)
class _Incoming:
    receipt: Receipt
    handset_hash: str | None = None  # known for a parked receipt; else derived on demand
    parked_id: int | None = None
    attempts: int = 0
    parked_at: datetime | None = None
    hasher: PhoneHash | None = None

    @property
    def digest(self) -> str | None:
        """The handset's keyed hash, computed only for receipts no id matched (a keyed hash per
        receipt would cost more than the matching itself)."""
        return self.handset_hash or _hash_of(self.receipt.handset, self.hasher)


@dataclass(frozen=True, slots=True)
class _Candidate:
    id: int
    status: str
    submitted_at: datetime | None
    part_no: int | None = None  # set when found through message_parts


@dataclass(frozen=True, slots=True)
class _Target:
    message_id: int
    part_no: int | None
    reconciled: bool = False


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
    phone_hash: PhoneHash | None = None,
    park: bool = True,
) -> ReceiptSummary:
    """Finalise the messages these receipts report on; park the ones that match nothing yet.

    ``provider`` (the provider's name) restricts matching to messages sent through it; ``id_format``
    is how its receipts quote ids (:func:`candidate_keys`); ``phone_hash`` (the cipher's
    ``lookup_hash``) lets a receipt that carries its handset reconcile a message in ``unknown``.
    Preference: the id exactly as stored (up to case), then the normalised literal reading, then the
    hex/decimal readings, then part ids; among several messages with the same id (SMSC ids wrap
    around) the most recently submitted one awaiting a receipt wins. Each finalised message gets
    ``status``, ``final_at`` (the receipt's time), ``error`` for non-delivery, and an event carrying
    the id as quoted, the error code and the raw text.
    """
    items = [_Incoming(r, hasher=phone_hash) for r in receipts]
    summary, leftover = _apply(conn, items, now, provider, id_format)
    if park and leftover:
        _park(conn, leftover, now, provider)
    summary.unmatched.extend(i.receipt for i in leftover)
    return summary


def retry_parked(
    conn: Connection,
    now: datetime,
    *,
    provider: str | None = None,
    id_format: IdFormat = "auto",
    limit: int = 5000,
) -> ReceiptSummary:
    """Try the parked receipts that are due again; resolve, reschedule (backoff) or orphan them."""
    scope = [parked_receipts.c.provider == provider] if provider is not None else []
    rows = conn.execute(
        sa.select(parked_receipts)
        .where(parked_receipts.c.resolved_at.is_(None), parked_receipts.c.next_try_at <= now, *scope)
        .order_by(parked_receipts.c.next_try_at, parked_receipts.c.id)
        .limit(limit)
    ).all()
    if not rows:
        return ReceiptSummary()
    items = [
        _Incoming(
            Receipt(r.provider_message_id, r.status, r.done_at, r.error_code, r.raw),
            r.handset_hash,
            int(r.id),
            int(r.attempts),
            r.received_at,
        )
        for r in rows
    ]
    summary, leftover = _apply(conn, items, now, provider, id_format)
    summary.received = 0  # not new receipts
    summary.resolved_parked = len(items) - len(leftover)
    give_up = [i for i in leftover if i.parked_at is not None and now - i.parked_at >= PARK_LIMIT]
    again = [i for i in leftover if i not in give_up]
    summary.orphaned = len(give_up)
    if give_up:
        ids = [i.parked_id for i in give_up]
        for chunk in chunks(ids):
            conn.execute(
                parked_receipts.update()
                .where(one_of(conn, parked_receipts.c.id, chunk))
                .values(resolution="orphaned", resolved_at=now)
            )
    if again:
        _park(conn, again, now, provider)
    return summary


def finalise_overdue_parts(conn: Connection, now: datetime, *, after: timedelta = PART_TIMEOUT) -> int:
    """Concatenated messages submitted more than ``after`` ago with some parts still unreported:
    final from the parts that did report (worst wins). Returns how many were finalised."""
    cutoff = now - after
    rows = conn.execute(
        sa.select(
            message_parts.c.message_id,
            message_parts.c.status,
            message_parts.c.error_code,
            message_parts.c.done_at,
            message_parts.c.part_no,
        )
        .join(messages, messages.c.id == message_parts.c.message_id)
        .where(messages.c.status.in_(AWAITING_RECEIPT), messages.c.submitted_at < cutoff)
    ).all()
    known: dict[int, list[tuple[str, str | None, datetime, int]]] = {}
    for r in rows:
        if r.status is not None:
            known.setdefault(int(r.message_id), []).append((r.status, r.error_code, r.done_at, r.part_no))
    finals = {mid: _fold_parts(parts, len(parts)) for mid, parts in known.items()}
    return _finalise(conn, finals, now, None, ReceiptSummary(), reason="part_timeout")


# --------------------------------------------------------------------------------------------------
# internals


def _hash_of(handset: str | None, phone_hash: PhoneHash | None) -> str | None:
    if not handset or phone_hash is None:
        return None
    number = handset_e164(handset)
    return phone_hash(number) if number.startswith("+") else None


def _apply(
    conn: Connection, items: Sequence[_Incoming], now: datetime, provider: str | None, id_format: IdFormat
) -> tuple[ReceiptSummary, list[_Incoming]]:
    summary = ReceiptSummary(received=len(items))
    if not items:
        return summary, []
    target, seen_final = _resolve(conn, items, now, provider, id_format)
    leftover_pos = [pos for pos in range(len(items)) if pos not in target and pos not in seen_final]
    target.update(_reconcile(conn, items, leftover_pos, provider))
    summary.duplicates += len(seen_final)

    parts_of = _load_parts(conn, sorted({t.message_id for t in target.values()}))
    # One receipt per message (single-part) or per part: the latest wins, the others are duplicates.
    chosen: dict[tuple[int, int], tuple[Receipt, _Target]] = {}
    for pos, tgt in target.items():
        receipt = items[pos].receipt
        part_no = 0
        parts = parts_of.get(tgt.message_id)
        if parts is not None and not tgt.reconciled:
            part_no = tgt.part_no or 1  # found through the message's own id: the first part's
        key = (tgt.message_id, part_no)
        previous = chosen.get(key)
        if previous is not None:
            summary.duplicates += 1
            if previous[0].at > receipt.at:
                continue
        chosen[key] = (receipt, tgt)

    finals: dict[int, tuple[ReceiptStatus, Receipt]] = {}
    reconciled: set[int] = set()
    part_updates: list[dict[str, Any]] = []
    for (mid, part_no), (receipt, tgt) in chosen.items():
        if tgt.reconciled:
            reconciled.add(mid)
        if part_no == 0:
            finals[mid] = (receipt.status, receipt)
            continue
        parts = parts_of[mid]
        if parts[part_no][0] is not None:
            summary.duplicates += 1
            continue
        parts[part_no] = (receipt.status, receipt.error_code, receipt.at)
        part_updates.append(
            {"m": mid, "n": part_no, "s": receipt.status, "e": receipt.error_code, "d": receipt.at}
        )
    if part_updates:
        conn.execute(
            message_parts.update()
            .where(
                message_parts.c.message_id == sa.bindparam("m"),
                message_parts.c.part_no == sa.bindparam("n"),
                message_parts.c.status.is_(None),
            )
            .values(status=sa.bindparam("s"), error_code=sa.bindparam("e"), done_at=sa.bindparam("d")),
            part_updates,
        )
    for mid in {u["m"] for u in part_updates}:
        parts = parts_of[mid]
        reported = [(s, e, d, n) for n, (s, e, d) in parts.items() if s is not None]
        if len(reported) == len(parts):
            finals[mid] = _fold_parts(reported, len(parts))
        else:
            summary.parts += 1
    _finalise(conn, finals, now, provider, summary, reconciled=reconciled)
    # Resolved parked receipts are closed with the message they found.
    closing: list[tuple[int | None, int | None]] = [
        (items[pos].parked_id, t.message_id) for pos, t in target.items() if items[pos].parked_id
    ]
    closing += [(items[pos].parked_id, None) for pos in seen_final if items[pos].parked_id]
    if closing:
        conn.execute(
            parked_receipts.update()
            .where(parked_receipts.c.id == sa.bindparam("pid"))
            .values(resolution=sa.bindparam("how"), resolved_at=now, message_id=sa.bindparam("mid")),
            [
                {"pid": pid, "mid": mid, "how": "matched" if mid is not None else "duplicate"}
                for pid, mid in closing
            ],
        )
    return summary, [items[pos] for pos in range(len(items)) if pos not in target and pos not in seen_final]


def _resolve(
    conn: Connection, items: Sequence[_Incoming], now: datetime, provider: str | None, id_format: IdFormat
) -> tuple[dict[int, _Target], set[int]]:
    """Receipt position → message (and part, when found through a part id); positions whose
    message exists but is already final."""
    scope = [messages.c.provider == provider] if provider is not None else []
    columns = (messages.c.id, messages.c.status, messages.c.submitted_at)
    target: dict[int, _Target] = {}
    found_final: set[int] = set()  # an id matched, but only messages already final (so far)

    # 1. The common case, by the plain index on provider_message_id: the receipt quotes the id as it
    #    was stored (up to case). Skipped when the provider is known to switch forms.
    if id_format in ("auto", "same"):
        quoted = [clean_provider_id(i.receipt.provider_message_id) for i in items]
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
                target[pos] = _Target(picked.id, None)
            elif found:
                found_final.add(pos)

    # 2. The rest by key (zeros, case, hex/decimal readings), messages and message parts alike: ids
    #    wrap around, so an id whose message is final may belong to a part still awaited.
    pending = [pos for pos in range(len(items)) if pos not in target]
    if not pending:
        return target, found_final
    keys_of = {pos: candidate_keys(items[pos].receipt.provider_message_id, id_format) for pos in pending}
    all_keys = sorted({k for keys in keys_of.values() for k in keys if k})
    index: dict[str, list[_Candidate]] = {}
    part_scope = [message_parts.c.provider == provider] if provider is not None else []
    for chunk in chunks(all_keys):
        query = sa.select(*columns, messages.c.provider_message_key).where(
            one_of(conn, messages.c.provider_message_key, chunk), *scope
        )
        for row in conn.execute(query):
            index.setdefault(row.provider_message_key, []).append(_Candidate(*row[:3]))
        query = (
            sa.select(*columns, message_parts.c.provider_message_key, message_parts.c.part_no)
            .join(messages, messages.c.id == message_parts.c.message_id)
            .where(one_of(conn, message_parts.c.provider_message_key, chunk), *part_scope)
        )
        for part in conn.execute(query):
            if part.part_no == 1:
                continue  # part 1 carries the message's own id: found above
            index.setdefault(part.provider_message_key, []).append(
                _Candidate(part.id, part.status, part.submitted_at, part.part_no)
            )
    for pos in pending:
        keys = keys_of[pos]
        for key in keys:
            found = index.get(key, []) if key else []
            picked = _latest_awaiting(found, now)
            if picked is not None:
                target[pos] = _Target(picked.id, picked.part_no)
                found_final.discard(pos)
                break
            # Only the provider's own reading of the id makes a final message proof of a duplicate:
            # under ``auto`` the other readings are guesses (decimal "5504" read as hex is another,
            # older message), and the receipt's own message may simply not be recorded yet → park.
            if found and (id_format != "auto" or key == keys[0]):
                found_final.add(pos)
    return target, found_final


def _reconcile(
    conn: Connection, items: Sequence[_Incoming], positions: Sequence[int], provider: str | None
) -> dict[int, _Target]:
    """Receipts no id matched, whose handset is the recipient of exactly one message in ``unknown``:
    that message left (the receipt proves it). Ambiguous handsets are left to park."""
    by_hash: dict[str, list[int]] = {}
    for pos in positions:
        digest = items[pos].digest
        if digest:
            by_hash.setdefault(digest, []).append(pos)
    if not by_hash:
        return {}
    scope = [messages.c.provider == provider] if provider is not None else []
    found: dict[str, list[int]] = {}
    for chunk in chunks(sorted(by_hash)):
        rows = conn.execute(
            sa.select(contacts.c.phone_hash, messages.c.id)
            .join(messages, messages.c.contact_id == contacts.c.id)
            .where(one_of(conn, contacts.c.phone_hash, chunk), messages.c.status == UNKNOWN, *scope)
        ).all()
        for digest, mid in rows:
            found.setdefault(digest, []).append(int(mid))
    out: dict[int, _Target] = {}
    for digest, mids in found.items():
        if len(set(mids)) == 1:
            for pos in by_hash[digest]:
                out[pos] = _Target(mids[0], None, reconciled=True)
    return out


def _load_parts(conn: Connection, message_ids: Sequence[int]) -> dict[int, dict[int, tuple[Any, ...]]]:
    """``{message_id: {part_no: (status, error_code, done_at)}}`` for the concatenated ones, locked
    on PostgreSQL so two collectors cannot each miss the other's last part."""
    out: dict[int, dict[int, tuple[Any, ...]]] = {}
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


def _fold_parts(
    reported: Sequence[tuple[str, str | None, datetime, int]], total: int
) -> tuple[ReceiptStatus, Receipt]:
    worst = min(reported, key=lambda p: (_SEVERITY.get(p[0], 3), p[3]))
    at = max(p[2] for p in reported)
    status: ReceiptStatus = worst[0]  # type: ignore[assignment]
    raw = ",".join(f"{n}:{s}" for s, _, _, n in sorted(reported, key=lambda p: p[3]))
    summary = Receipt(f"parts:{len(reported)}/{total}", status, at, worst[1], raw)
    return status, summary


def _finalise(
    conn: Connection,
    finals: dict[int, tuple[ReceiptStatus, Receipt]],
    now: datetime,
    provider: str | None,
    summary: ReceiptSummary,
    *,
    reconciled: set[int] | None = None,
    reason: str | None = None,
) -> int:
    reconciled = reconciled or set()
    total = 0
    for status in RECEIPT_STATUSES:
        group = {mid: r for mid, (s, r) in finals.items() if s == status}
        if not group:
            continue
        moved: list[int] = []
        plain = {m: r for m, r in group.items() if m not in reconciled}
        adopted = {m: r for m, r in group.items() if m in reconciled}
        for subset, adopt in ((plain, False), (adopted, True)):
            if not subset:
                continue
            per_row: dict[str, dict[int, Any]] = {
                "final_at": {m: r.at for m, r in subset.items()},
                "error": {m: _error_of(r) for m, r in subset.items()},
            }
            if adopt:  # an unknown message learns its id from the receipt that reconciled it
                ids = {m: clean_provider_id(r.provider_message_id) for m, r in subset.items()}
                per_row["provider_message_id"] = ids
                per_row["provider_message_key"] = {m: normalise_provider_id(v) for m, v in ids.items()}
            moved += transition(
                conn, subset, from_states=AWAITING_RECEIPT, to_state=status, now=now, per_row=per_row
            )
        summary.duplicates += len(group) - len(moved)  # finalised concurrently by someone else
        if not moved:
            continue
        append_events(
            conn,
            [
                (mid, status, now, provider, _detail_of(group[mid], mid in reconciled, reason))
                for mid in moved
            ],
        )
        summary.matched += len(moved)
        summary.reconciled += len([m for m in moved if m in reconciled])
        summary.by_status[status] = summary.by_status.get(status, 0) + len(moved)
        total += len(moved)
    return total


def _park(conn: Connection, items: Sequence[_Incoming], now: datetime, provider: str | None) -> None:
    fresh = [i for i in items if i.parked_id is None]
    if fresh:
        rows = [
            (
                provider,
                clean_provider_id(i.receipt.provider_message_id)[:128],
                normalise_provider_id(i.receipt.provider_message_id)[:128],
                i.receipt.status,
                i.receipt.error_code,
                i.receipt.at,
                i.digest,
                i.receipt.raw[:_RAW_LIMIT] if i.receipt.raw else None,
                now,
                0,
                now,  # first retry at the next pass: the usual case is a receipt that overtook its resp
            )
            for i in fresh
        ]
        columns = (
            *("provider", "provider_message_id", "provider_message_key", "status", "error_code"),
            *("done_at", "handset_hash", "raw", "received_at", "attempts", "next_try_at"),
        )
        bulk_insert(conn, parked_receipts, columns, rows)
    again = [i for i in items if i.parked_id is not None]
    if again:
        conn.execute(
            parked_receipts.update()
            .where(parked_receipts.c.id == sa.bindparam("pid"))
            .values(attempts=sa.bindparam("n"), next_try_at=sa.bindparam("t")),
            [
                {
                    "pid": i.parked_id,
                    "n": i.attempts + 1,
                    "t": now + timedelta(seconds=min(_MAX_BACKOFF, 2.0 ** (i.attempts + 1))),
                }
                for i in again
            ],
        )


def _error_of(receipt: Receipt) -> str | None:
    if receipt.status == "delivered":
        return None
    return receipt.status + (f" err:{receipt.error_code}" if receipt.error_code else "")


def _detail_of(receipt: Receipt, reconciled: bool = False, reason: str | None = None) -> str:
    return detail_json(
        provider_message_id=receipt.provider_message_id,
        done_at=receipt.at.isoformat(),
        error_code=receipt.error_code,
        raw=receipt.raw[:_RAW_LIMIT] if receipt.raw else None,
        reconciled=True if reconciled else None,
        reason=reason,
    )
