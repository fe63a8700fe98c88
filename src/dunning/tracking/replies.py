"""Replies from handsets (MO messages): reassembled, stored once, encrypted, linked to who sent them.

Three steps, each in the caller's transaction (:func:`dunning.flows.ingest_replies` composes them with
the classifier and the actions):

1. :func:`reassemble` — a reply longer than one SMS arrives as parts (UDH concatenation). Parts wait in
   ``inbound_parts`` until the last one arrives, possibly in a later collection; then the whole text
   goes on. Parts left incomplete for :data:`PART_WAIT` go on as what arrived (a reply is never lost
   because a carrier dropped one part).
2. :func:`store_replies` — a provider that did not see our acknowledgement delivers the same reply
   again. A retried delivery is recognised by the provider's id for the reply when it gives one, else
   by the same text from the same number within :data:`DUPLICATE_WINDOW`, and is stored once.
   Everything else is stored: sender and body encrypted, a keyed hash of the sender for look-ups, the
   masked number for display, and the debtor and contact when exactly one debtor has that number.
3. :func:`record_intents` — what the classifier found and what was done, on the stored row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.counters import Counters
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import bulk_insert, chunks, one_of
from dunning.core.masking import mask_phone
from dunning.core.phone import handset_e164
from dunning.messages.wire import InboundSms
from dunning.tracking.models import inbound_messages, inbound_parts

__all__ = [
    "DEFAULT_OPT_OUT",
    "DUPLICATE_WINDOW",
    "PART_WAIT",
    "ContactOwners",
    "IntentRecord",
    "ReplySummary",
    "StoredReplies",
    "StoredReply",
    "default_is_opt_out",
    "flush_stale_parts",
    "intent_counts_between",
    "reassemble",
    "record_intents",
    "replies_of",
    "store_replies",
]

#: Used when no compliance profile is given: the keywords both shipped profiles honour at least.
DEFAULT_OPT_OUT = frozenset({"退订", "TD", "T", "N", "R", "拒收", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL"})
#: ``owners(phone_hashes) -> {phone_hash: [(contact_id, debtor_id), …]}``: whose number sent a reply.
ContactOwners = Callable[[Sequence[str]], Mapping[str, Sequence[tuple[int, int]]]]
#: How long the same text from the same number counts as a retried delivery of one reply.
DUPLICATE_WINDOW = timedelta(minutes=10)
#: How long parts of a concatenated reply wait for the rest before going on as they are.
PART_WAIT = timedelta(minutes=10)


def default_is_opt_out(text: str) -> bool:
    return "".join(text.split()).upper() in DEFAULT_OPT_OUT


@dataclass(slots=True)
class ReplySummary(Counters):
    stored: int = 0
    duplicates: int = 0  # retried deliveries of a reply already stored
    parts_waiting: int = 0  # parts of concatenated replies still waiting for the rest
    unknown_sender: int = 0  # from a number that is no debtor's contact
    opt_outs: int = 0
    contacts_opted_out: int = 0
    cancelled: int = 0
    #: stored replies by the intent that drove the action
    intents: dict[str, int] = field(default_factory=dict)
    promises: int = 0
    tasks_opened: int = 0
    holds: int = 0
    contacts_invalidated: int = 0
    answers_queued: int = 0  # confirmations and help answers queued


@dataclass(frozen=True, slots=True)
class StoredReply:
    """A reply as stored: what the classifier and the actions need (the text stays in memory only)."""

    inbound_id: int
    text: str
    received_at: datetime
    sender_hash: str
    #: every contact with the sender's number, of any debtor: an opt-out applies to all of them
    contacts: tuple[tuple[int, int], ...]
    debtor_id: int | None  # when exactly one debtor has the number
    contact_id: int | None  # that debtor's contact with the number


@dataclass(slots=True)
class StoredReplies:
    summary: ReplySummary
    stored: list[StoredReply] = field(default_factory=list)


def _part_key(provider: str, digest: str, part: tuple[int, int, int]) -> tuple[str, str, int, int]:
    return provider, digest, part[0], part[1]


def reassemble(
    conn: Connection,
    replies: Sequence[InboundSms],
    now: datetime,
    *,
    cipher: PersonalDataCipher,
    provider: str | None,
) -> tuple[list[InboundSms], int]:
    """Whole replies out of ``replies``: single ones as they are, parts joined once all are here.

    Returns ``(whole replies, parts still waiting)``. Parts wait in ``inbound_parts`` across calls;
    a part delivered twice is kept once.
    """
    source = provider or ""
    whole = [r for r in replies if r.part is None]
    parts = [r for r in replies if r.part is not None]
    if not parts:
        return whole, 0
    numbers = {r.sender: handset_e164(r.sender) for r in parts}
    groups: dict[tuple[str, str, int, int], dict[int, InboundSms]] = {}
    for reply in parts:
        assert reply.part is not None
        key = _part_key(source, cipher.lookup_hash(numbers[reply.sender]), reply.part)
        groups.setdefault(key, {}).setdefault(reply.part[2], reply)
    waiting = 0
    for key, arrived in groups.items():
        _, digest, reference, total = key
        stored = conn.execute(
            sa.select(inbound_parts.c.seq, inbound_parts.c.body_enc, inbound_parts.c.received_at).where(
                inbound_parts.c.provider == source,
                inbound_parts.c.sender_hash == digest,
                inbound_parts.c.reference == reference,
                inbound_parts.c.total == total,
            )
        ).all()
        texts = {int(seq): cipher.decrypt(bytes(body)) for seq, body, _ in stored}
        first_at = min([r.received_at for r in arrived.values()] + [at for _, _, at in stored])
        new = {seq: r for seq, r in arrived.items() if seq not in texts}
        texts.update({seq: r.text for seq, r in new.items()})
        sample = next(iter(arrived.values()))
        if len(texts) == total:
            conn.execute(
                inbound_parts.delete().where(
                    inbound_parts.c.provider == source,
                    inbound_parts.c.sender_hash == digest,
                    inbound_parts.c.reference == reference,
                    inbound_parts.c.total == total,
                )
            )
            text = "".join(texts[i] for i in range(1, total + 1))
            whole.append(
                InboundSms(sample.sender, text, first_at, sample.recipient, sample.provider_reference)
            )
            continue
        rows = [
            (
                source,
                digest,
                cipher.encrypt(numbers[r.sender]),
                r.recipient[:32] or None,
                reference,
                total,
                seq,
                cipher.encrypt(r.text),
                r.received_at,
            )
            for seq, r in sorted(new.items())
        ]
        columns = ("provider", "sender_hash", "sender_enc", "recipient", "reference", "total", "seq")
        bulk_insert(conn, inbound_parts, (*columns, "body_enc", "received_at"), rows)
        waiting += len(texts)
    return whole, waiting


def flush_stale_parts(
    conn: Connection, now: datetime, *, cipher: PersonalDataCipher, wait: timedelta = PART_WAIT
) -> list[tuple[str, InboundSms]]:
    """Parts whose first part came longer than ``wait`` ago → ``(provider, reply of what arrived)``,
    the missing parts marked with "…"; their rows are deleted."""
    t = inbound_parts.c
    rows = conn.execute(
        sa.select(t.provider, t.sender_hash, t.reference, t.total, t.seq, t.sender_enc, t.recipient)
        .add_columns(t.body_enc, t.received_at)
        .order_by(t.provider, t.sender_hash, t.reference, t.total, t.seq)
    ).all()
    groups: dict[tuple[str, str, int, int], list[sa.Row[tuple[object, ...]]]] = {}
    for row in rows:
        groups.setdefault((row.provider, row.sender_hash, row.reference, row.total), []).append(row)
    out: list[tuple[str, InboundSms]] = []
    for (provider, digest, reference, total), group in groups.items():
        first = min(r.received_at for r in group)
        if first > now - wait:
            continue
        texts = {int(r.seq): cipher.decrypt(bytes(r.body_enc)) for r in group}
        text = "".join(texts.get(i, "…") for i in range(1, int(total) + 1))
        sender = cipher.decrypt(bytes(group[0].sender_enc))
        out.append((str(provider), InboundSms(sender, text, first, group[0].recipient or "")))
        conn.execute(
            inbound_parts.delete().where(
                t.provider == provider, t.sender_hash == digest, t.reference == reference, t.total == total
            )
        )
    return out


def _body_hash(cipher: PersonalDataCipher, text: str) -> str:
    # Keyed like the number's hash, so equal texts are found without storing or comparing clear text.
    return cipher.lookup_hash("reply-body:" + "".join(text.split()))


def _seen(
    conn: Connection, provider: str | None, hashes: Sequence[str], earliest: datetime
) -> list[tuple[str, str, str | None, datetime]]:
    """``(sender_hash, body_hash, provider_reference, received_at)`` of recent replies from these numbers."""
    t = inbound_messages.c
    out: list[tuple[str, str, str | None, datetime]] = []
    for chunk in chunks(sorted(set(hashes))):
        rows = conn.execute(
            sa.select(t.sender_hash, t.body_hash, t.provider_reference, t.received_at).where(
                one_of(conn, t.sender_hash, chunk),
                t.provider.is_(None) if provider is None else t.provider == provider,
                sa.or_(t.received_at >= earliest, t.provider_reference.is_not(None)),
            )
        ).all()
        out.extend((str(a), str(b), c, d) for a, b, c, d in rows)
    return out


def store_replies(
    conn: Connection,
    replies: Sequence[InboundSms],
    now: datetime,
    *,
    cipher: PersonalDataCipher,
    owners: ContactOwners,
    provider: str | None = None,
) -> StoredReplies:
    """Store ``replies`` once each (one bulk write); say who sent each one that is new."""
    summary = StoredReplies(ReplySummary())
    if not replies:
        return summary
    numbers = [handset_e164(r.sender) for r in replies]
    hashes = [cipher.lookup_hash(n) for n in numbers]
    earliest = min(r.received_at for r in replies) - DUPLICATE_WINDOW
    seen_refs: set[tuple[str, str]] = set()
    seen_bodies: dict[tuple[str, str], list[datetime]] = {}
    for digest, body, reference, at in _seen(conn, provider, hashes, earliest):
        if reference:
            seen_refs.add((digest, reference))
        seen_bodies.setdefault((digest, body), []).append(at)
    known = owners(sorted(set(hashes)))
    rows = []
    fresh: list[tuple[InboundSms, str, str, tuple[tuple[int, int], ...]]] = []
    for reply, number, digest in zip(replies, numbers, hashes, strict=True):
        body = _body_hash(cipher, reply.text)
        reference = reply.provider_reference
        if reference and (digest, reference) in seen_refs:
            summary.summary.duplicates += 1
            continue
        times = seen_bodies.get((digest, body), [])
        if not reference and any(abs(reply.received_at - at) <= DUPLICATE_WINDOW for at in times):
            summary.summary.duplicates += 1
            continue
        if reference:
            seen_refs.add((digest, reference))
        seen_bodies.setdefault((digest, body), []).append(reply.received_at)
        contacts = tuple(known.get(digest, ()))
        debtors = {debtor for _contact, debtor in contacts}
        debtor_id = next(iter(debtors)) if len(debtors) == 1 else None
        contact_id = next((c for c, d in contacts if d == debtor_id), None) if debtor_id else None
        if not debtors:
            summary.summary.unknown_sender += 1
        rows.append(
            (
                provider,
                cipher.encrypt(number),
                digest,
                mask_phone(number),
                reply.recipient[:32] or None,
                cipher.encrypt(reply.text),
                reply.received_at,
                debtor_id,
                contact_id,
                reference,
                body,
                now,
            )
        )
        fresh.append((reply, digest, body, contacts))
    if not rows:
        return summary
    columns = (
        *("provider", "sender_enc", "sender_hash", "sender_masked", "recipient", "body_enc"),
        *("received_at", "debtor_id", "contact_id", "provider_reference", "body_hash", "created_at"),
    )
    ids = _insert_returning_ids(conn, columns, rows)
    for inbound_id, row, (reply, digest, _body, contacts) in zip(ids, rows, fresh, strict=True):
        summary.stored.append(
            StoredReply(inbound_id, reply.text, reply.received_at, digest, contacts, row[7], row[8])
        )
    summary.summary.stored = len(rows)
    return summary


def _insert_returning_ids(
    conn: Connection, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> list[int]:
    # One executemany with RETURNING in parameter order: the ids come back row for row.
    statement = inbound_messages.insert().returning(inbound_messages.c.id, sort_by_parameter_order=True)
    result = conn.execute(statement, [dict(zip(columns, row, strict=True)) for row in rows])
    return [int(i) for i in result.scalars().all()]


@dataclass(frozen=True, slots=True)
class IntentRecord:
    inbound_id: int
    intent: str
    confidence: float
    intents: tuple[str, ...]
    actions: tuple[str, ...]


def record_intents(conn: Connection, records: Sequence[IntentRecord], now: datetime) -> None:
    """Write what was understood of each reply and what was done about it."""
    t = inbound_messages.c
    statement = (
        inbound_messages.update()
        .where(t.id == sa.bindparam("_id"))
        .values(
            intent=sa.bindparam("_intent"),
            confidence=sa.bindparam("_confidence"),
            intents=sa.bindparam("_intents"),
            action=sa.bindparam("_action"),
            classified_at=now,
        )
    )
    if records:
        conn.execute(
            statement,
            [
                {
                    "_id": r.inbound_id,
                    "_intent": r.intent,
                    "_confidence": round(float(r.confidence), 4),
                    "_intents": ",".join(r.intents)[:160],
                    "_action": ",".join(r.actions)[:160] or None,
                }
                for r in records
            ],
        )


def replies_of(conn: Connection, debtor_id: int, *, limit: int = 500) -> list[dict[str, object]]:
    """The debtor's replies (no text: it is personal data; masked number), oldest first."""
    t = inbound_messages.c
    rows = conn.execute(
        sa.select(t.id, t.received_at, t.sender_masked, t.intent, t.confidence, t.intents, t.action, t.parts)
        .where(t.debtor_id == debtor_id)
        .order_by(t.id.desc())
        .limit(limit)
    ).all()
    keys = ("id", "received_at", "sender", "intent", "confidence", "intents", "action", "parts")
    return [dict(zip(keys, row, strict=True)) for row in reversed(rows)]


def intent_counts_between(conn: Connection, start: datetime, end: datetime) -> dict[str, int]:
    """Replies received in [start, end) by intent (``unclassified`` for none)."""
    t = inbound_messages.c
    rows = conn.execute(
        sa.select(t.intent, sa.func.count())
        .where(t.received_at >= start, t.received_at < end)
        .group_by(t.intent)
    ).all()
    return {str(intent or "unclassified"): int(n) for intent, n in sorted(rows, key=lambda r: str(r[0]))}


def list_replies(
    conn: Connection,
    *,
    after: int = 0,
    limit: int = 50,
    intent: str | None = None,
    debtor_id: int | None = None,
) -> list[dict[str, object]]:
    """Replies in id order, masked (``body_enc`` is there for an unmasked read: the flows decrypt
    it only for a role that may, and log that they did)."""
    t = inbound_messages.c
    query = (
        sa.select(
            t.id, t.debtor_id, t.received_at, t.sender_masked, t.provider, t.intent, t.confidence,
            t.intents, t.action, t.parts, t.body_enc,
        )
        .where(t.id > after)
        .order_by(t.id)
        .limit(limit)
    )  # fmt: skip
    if intent is not None:
        query = query.where(t.intent == intent)
    if debtor_id is not None:
        query = query.where(t.debtor_id == debtor_id)
    keys = (
        "id", "debtor_id", "received_at", "sender", "provider", "intent", "confidence", "intents",
        "action", "parts", "body_enc",
    )  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in conn.execute(query)]


def debtor_intents_frame(conn: Connection, since: datetime) -> Any:
    """``debtor_pk, intent, received_at`` of replies from ``since`` on (known debtors only)."""
    import polars as pl

    from dunning.core.frames import read_frame

    t = inbound_messages.c
    return read_frame(
        conn,
        sa.select(t.debtor_id.label("debtor_pk"), t.intent, t.received_at).where(
            t.received_at >= since, t.debtor_id.is_not(None)
        ),
        schema={"debtor_pk": pl.Int64(), "intent": pl.String(), "received_at": pl.Datetime("us", "UTC")},
    )
