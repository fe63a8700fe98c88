"""Delivery receipts → final message states.

Matching is where gateways most often go wrong: an SMSC may quote an id in hex in ``submit_sm_resp``
and in decimal in the receipt, drop leading zeros, or change case; a receipt may overtake the
``submit_sm_resp`` it belongs to; a long message gets one receipt per part; a sender killed mid-batch
leaves messages whose id was never stored. So:

- ``messages.provider_message_id`` stores what the provider returned (only surrounding blanks/NULs
  removed) and ``provider_message_key`` its matching form (trimmed, lower case, no leading zeros,
  :func:`~dunning.messages.wire.normalise_provider_id`), indexed with ``provider``;
- a receipt id is looked up as quoted (up to case), then by its keys: the literal reading and, unless
  the provider declares its habit, the decimal↔hex readings (:func:`~dunning.messages.wire.candidate_keys`);
- a concatenated message has one ``message_parts`` row per part; a part's receipt updates its part,
  and the message becomes final when every part is (the worst part wins:
  rejected > undelivered > expired > failed > delivered), or after :data:`PART_TIMEOUT` from the
  parts known (:func:`finalise_overdue_parts`);
- a receipt no id matches, but whose handset matches exactly one message in ``unknown`` (its
  submission outcome was lost), *reconciles* that message: the receipt proves it left;
- anything still unmatched is **parked** and retried with backoff (:func:`retry_parked`); after
  :data:`PARK_LIMIT` it is marked orphaned, never silently dropped.

All SQL is the message domain's (:mod:`dunning.messages.receipt_repository`); this module decides.
The handset hashes of the numbers behind ``unknown`` messages come from the caller (``hashes``: the
portfolio knows the numbers; :func:`dunning.flows.ingest_receipts` composes the two).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from dunning.core.counters import Counters
from dunning.core.db import detail_json
from dunning.core.phone import handset_e164
from dunning.messages import receipt_repository as store
from dunning.messages.receipt_repository import Candidate, ParkedRow
from dunning.messages.repository import append_events, transition
from dunning.messages.status import AWAITING_RECEIPT
from dunning.messages.wire import (
    RECEIPT_STATUSES,
    Receipt,
    ReceiptIdFormat,
    ReceiptStatus,
    candidate_keys,
    clean_provider_id,
    normalise_provider_id,
)

__all__ = [
    "PARK_LIMIT",
    "PART_TIMEOUT",
    "ContactHashes",
    "ReceiptSummary",
    "apply_receipts",
    "finalise_overdue_parts",
    "retry_parked",
]

PhoneHash = Callable[[str], str]
#: ``hashes(contact_ids) -> {contact_id: phone look-up hash}``: the numbers behind ``unknown`` messages.
ContactHashes = Callable[[Sequence[int]], Mapping[int, str]]
_RAW_LIMIT = 500
#: A concatenated message whose parts have not all reported after this long is finalised from the
#: parts that did.
PART_TIMEOUT = timedelta(hours=48)
#: A parked receipt still unmatched after this long is marked orphaned (and reported).
PARK_LIMIT = timedelta(days=7)
_MAX_BACKOFF = 600.0  # seconds between retries of a parked receipt, at most
#: Worst first: the state a concatenated message takes from its parts.
_SEVERITY: dict[str, int] = {"rejected": 0, "undelivered": 1, "expired": 2, "failed": 3, "delivered": 4}


def _zero_by_status() -> dict[str, int]:
    return dict.fromkeys(RECEIPT_STATUSES, 0)


@dataclass(slots=True)
class ReceiptSummary(Counters):
    received: int = 0
    matched: int = 0  # messages finalised
    duplicates: int = 0  # matched a message (or part) already final, or repeated within the batch
    parts: int = 0  # part receipts recorded while other parts of their message are still awaited
    reconciled: int = 0  # of ``matched``: messages in ``unknown`` finalised through their handset
    resolved_parked: int = 0  # parked receipts that found their message this time
    orphaned: int = 0  # parked receipts given up after PARK_LIMIT
    by_status: dict[str, int] = field(default_factory=_zero_by_status)
    unmatched: list[Receipt] = field(default_factory=list)  # newly parked

    @property
    def unmatched_count(self) -> int:
        return len(self.unmatched)


@dataclass(frozen=True, slots=True)
class _Incoming:
    receipt: Receipt
    handset_hash: str | None = None  # known for a parked receipt; else derived on demand
    parked_id: int | None = None
    attempts: int = 0
    parked_at: datetime | None = None
    hasher: PhoneHash | None = None
    id_format: ReceiptIdFormat = "auto"

    @property
    def digest(self) -> str | None:
        """The handset's keyed hash, computed only for receipts no id matched (a keyed hash per
        receipt would cost more than the matching itself)."""
        return self.handset_hash or _hash_of(self.receipt.handset, self.hasher)


@dataclass(frozen=True, slots=True)
class _Target:
    message_id: int
    part_no: int | None
    reconciled: bool = False


def _latest_awaiting(found: Sequence[Candidate], now: datetime) -> Candidate | None:
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
    id_format: ReceiptIdFormat = "auto",
    phone_hash: PhoneHash | None = None,
    hashes: ContactHashes | None = None,
    park: bool = True,
) -> ReceiptSummary:
    """Finalise the messages these receipts report on; park the ones that match nothing yet.

    ``provider`` (the provider's name) restricts matching to messages sent through it; ``id_format``
    is how its receipts quote ids; ``phone_hash`` (the cipher's ``lookup_hash``) and ``hashes`` (the
    hashes of the numbers behind ``unknown`` messages) let a receipt that carries its handset
    reconcile a message in ``unknown``. Preference: the id exactly as stored (up to case), then the
    normalised literal reading, then the hex/decimal readings, then part ids; among several messages
    with the same id (SMSC ids wrap around) the most recently submitted one awaiting a receipt wins.
    Each finalised message gets ``status``, ``final_at`` (the receipt's time), ``error`` for
    non-delivery, and an event carrying the id as quoted, the error code and the raw text.
    """
    items = [_Incoming(r, hasher=phone_hash, id_format=id_format) for r in receipts]
    summary, leftover = _apply(conn, items, now, provider, id_format, hashes)
    if park and leftover:
        _park(conn, leftover, now, provider)
    summary.unmatched.extend(i.receipt for i in leftover)
    return summary


def retry_parked(
    conn: Connection,
    now: datetime,
    *,
    provider: str | None = None,
    hashes: ContactHashes | None = None,
    limit: int = 5000,
) -> ReceiptSummary:
    """Try the parked receipts that are due again (each with its provider's id format); resolve,
    reschedule (backoff) or orphan them. ``provider`` narrows the retry to one provider's receipts."""
    rows = store.due_parked(conn, now, provider, limit)
    total = ReceiptSummary()
    groups: dict[tuple[str | None, str], list[ParkedRow]] = {}
    for row in rows:
        groups.setdefault((row.provider, row.id_format), []).append(row)
    for (name, fmt), group in groups.items():
        id_format: ReceiptIdFormat = fmt if fmt in ("auto", "same", "decimal", "hex") else "auto"  # type: ignore[assignment]
        items = [
            _Incoming(
                Receipt(r.provider_message_id, r.status, r.done_at, r.error_code, r.raw),  # type: ignore[arg-type]
                r.handset_hash,
                r.parked_id,
                r.attempts,
                r.received_at,
                id_format=id_format,
            )
            for r in group
        ]
        summary, leftover = _apply(conn, items, now, name, id_format, hashes)
        summary.received = 0  # not new receipts
        summary.resolved_parked = len(items) - len(leftover)
        give_up = [i for i in leftover if i.parked_at is not None and now - i.parked_at >= PARK_LIMIT]
        again = [i for i in leftover if i not in give_up]
        summary.orphaned = len(give_up)
        store.orphan_parked(conn, [i.parked_id for i in give_up if i.parked_id is not None], now)
        if again:
            _park(conn, again, now, name)
        total.merge(summary)
    return total


def finalise_overdue_parts(conn: Connection, now: datetime, *, after: timedelta = PART_TIMEOUT) -> int:
    """Concatenated messages submitted more than ``after`` ago with some parts still unreported:
    final from the parts that did report (worst wins). Returns how many were finalised."""
    known: dict[int, list[tuple[str, str | None, datetime, int]]] = {}
    for mid, status, error_code, done_at, part_no in store.overdue_parts(conn, now - after):
        if status is not None and done_at is not None:
            known.setdefault(mid, []).append((status, error_code, done_at, part_no))
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
    conn: Connection,
    items: Sequence[_Incoming],
    now: datetime,
    provider: str | None,
    id_format: ReceiptIdFormat,
    hashes: ContactHashes | None,
) -> tuple[ReceiptSummary, list[_Incoming]]:
    summary = ReceiptSummary(received=len(items))
    if not items:
        return summary, []
    target, seen_final = _resolve(conn, items, now, provider, id_format)
    leftover_pos = [pos for pos in range(len(items)) if pos not in target and pos not in seen_final]
    target.update(_reconcile(conn, items, leftover_pos, provider, hashes))
    summary.duplicates += len(seen_final)

    parts_of = store.load_parts(conn, sorted({t.message_id for t in target.values()}))
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
    part_updates: list[tuple[int, int, str, str | None, datetime]] = []
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
        part_updates.append((mid, part_no, receipt.status, receipt.error_code, receipt.at))
    store.record_part_receipts(conn, part_updates)
    for mid in {u[0] for u in part_updates}:
        parts = parts_of[mid]
        reported = [(s, e, d, n) for n, (s, e, d) in parts.items() if s is not None and d is not None]
        if len(reported) == len(parts):
            finals[mid] = _fold_parts(reported, len(parts))
        else:
            summary.parts += 1
    _finalise(conn, finals, now, provider, summary, reconciled=reconciled)
    # Resolved parked receipts are closed with the message they found.
    closing: list[tuple[int, int | None]] = [
        (pid, t.message_id) for pos, t in target.items() if (pid := items[pos].parked_id) is not None
    ]
    closing += [(pid, None) for pos in seen_final if (pid := items[pos].parked_id) is not None]
    store.close_parked(conn, closing, now)
    return summary, [items[pos] for pos in range(len(items)) if pos not in target and pos not in seen_final]


def _resolve(
    conn: Connection,
    items: Sequence[_Incoming],
    now: datetime,
    provider: str | None,
    id_format: ReceiptIdFormat,
) -> tuple[dict[int, _Target], set[int]]:
    """Receipt position → message (and part, when found through a part id); positions whose
    message exists but is already final."""
    target: dict[int, _Target] = {}
    found_final: set[int] = set()  # an id matched, but only messages already final (so far)

    # 1. The common case, by the plain index on provider_message_id: the receipt quotes the id as it
    #    was stored (up to case). Skipped when the provider is known to switch forms.
    if id_format in ("auto", "same"):
        quoted = [clean_provider_id(i.receipt.provider_message_id) for i in items]
        variants = sorted({v for q in quoted if q for v in (q, q.lower(), q.upper())})
        exact = store.by_quoted_ids(conn, variants, provider)
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
    index = store.by_keys(conn, sorted({k for keys in keys_of.values() for k in keys if k}), provider)
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
    conn: Connection,
    items: Sequence[_Incoming],
    positions: Sequence[int],
    provider: str | None,
    hashes: ContactHashes | None,
) -> dict[int, _Target]:
    """Receipts no id matched, whose handset is the recipient of exactly one message in ``unknown``:
    that message left (the receipt proves it). Ambiguous handsets are left to park."""
    if hashes is None:
        return {}
    by_hash: dict[str, list[int]] = {}
    for pos in positions:
        digest = items[pos].digest
        if digest:
            by_hash.setdefault(digest, []).append(pos)
    if not by_hash:
        return {}
    unknown = store.unknown_recipients(conn, provider)
    if not unknown:
        return {}
    hash_of = hashes(sorted({cid for _, cid in unknown if cid is not None}))
    found: dict[str, set[int]] = {}
    for mid, cid in unknown:
        digest = hash_of.get(cid) if cid is not None else None
        if digest in by_hash:
            found.setdefault(digest, set()).add(mid)
    out: dict[int, _Target] = {}
    for digest, mids in found.items():
        if len(mids) == 1:
            (only,) = mids
            for pos in by_hash[digest]:
                out[pos] = _Target(only, None, reconciled=True)
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
    fresh = [
        ParkedRow(
            provider,
            i.id_format,
            clean_provider_id(i.receipt.provider_message_id)[:128],
            normalise_provider_id(i.receipt.provider_message_id)[:128],
            i.receipt.status,
            i.receipt.error_code,
            i.receipt.at,
            i.digest,
            i.receipt.raw[:_RAW_LIMIT] if i.receipt.raw else None,
            now,
        )
        for i in items
        if i.parked_id is None
    ]
    # First retry at the next pass: the usual case is a receipt that overtook its response.
    store.park(conn, fresh, now)
    store.reschedule_parked(
        conn,
        {
            i.parked_id: (i.attempts + 1, now + timedelta(seconds=min(_MAX_BACKOFF, 2.0 ** (i.attempts + 1))))
            for i in items
            if i.parked_id is not None
        },
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
