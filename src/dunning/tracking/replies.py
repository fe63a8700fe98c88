"""Replies from handsets (MO messages): stored encrypted, linked to the debtor, opt-outs obeyed.

Every reply is kept (``inbound_messages``: sender and body encrypted, a keyed hash of the sender for
look-ups, the masked number for display) for the next stage to classify (already paid, dispute,
wrong number, promise to pay, complaint). One class is acted on at once, because the law requires
it: a reply that is an opt-out keyword of the compliance profile (退订, TD, STOP, …) marks every
contact with that number ``opted_out_at`` and cancels the messages queued for it, in the same
transaction. The submit-time gate then refuses anything already claimed for that number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import bulk_insert
from dunning.core.masking import mask_phone
from dunning.core.phone import handset_e164
from dunning.sending.outbox import cancel_queued_for_contacts, chunks, contacts, one_of
from dunning.sending.providers.base import InboundSms
from dunning.tracking.models import InboundMessage

inbound_messages: sa.Table = InboundMessage.__table__  # type: ignore[assignment]

#: Used when no compliance profile is given: the keywords both shipped profiles honour at least.
DEFAULT_OPT_OUT = frozenset({"退订", "TD", "T", "N", "R", "拒收", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL"})
OPT_OUT = "opt_out"


def default_is_opt_out(text: str) -> bool:
    return "".join(text.split()).upper() in DEFAULT_OPT_OUT


@dataclass(slots=True)
class ReplySummary:
    stored: int = 0
    opt_outs: int = 0
    contacts_opted_out: int = 0
    cancelled: int = 0
    unknown_sender: int = 0  # from a number that is no debtor's contact

    def merge(self, other: ReplySummary) -> None:
        for name in ("stored", "opt_outs", "contacts_opted_out", "cancelled", "unknown_sender"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "opt_outs": self.opt_outs,
            "contacts_opted_out": self.contacts_opted_out,
            "cancelled": self.cancelled,
            "unknown_sender": self.unknown_sender,
        }


def store_replies(
    conn: Connection,
    replies: Sequence[InboundSms],
    now: datetime,
    *,
    cipher: PersonalDataCipher,
    provider: str | None = None,
    is_opt_out: Callable[[str], bool] = default_is_opt_out,
) -> ReplySummary:
    """Store ``replies`` and act on opt-outs (see the module docstring); one unit of work."""
    summary = ReplySummary()
    if not replies:
        return summary
    numbers = [handset_e164(r.sender) for r in replies]
    hashes = [cipher.lookup_hash(n) for n in numbers]
    owners: dict[str, set[int]] = {}
    contact_ids: dict[str, set[int]] = {}
    for chunk in chunks(sorted(set(hashes))):
        rows = conn.execute(
            sa.select(contacts.c.phone_hash, contacts.c.id, contacts.c.debtor_id).where(
                one_of(conn, contacts.c.phone_hash, chunk)
            )
        ).all()
        for digest, contact_id, debtor_id in rows:
            owners.setdefault(digest, set()).add(int(debtor_id))
            contact_ids.setdefault(digest, set()).add(int(contact_id))
    rows_out = []
    opted: set[str] = set()
    for reply, number, digest in zip(replies, numbers, hashes, strict=True):
        debtors = owners.get(digest, set())
        kind = OPT_OUT if is_opt_out(reply.text) else None
        if kind == OPT_OUT:
            summary.opt_outs += 1
            opted.add(digest)
        if not debtors:
            summary.unknown_sender += 1
        rows_out.append(
            (
                provider,
                cipher.encrypt(number),
                digest,
                mask_phone(number),
                reply.recipient[:32] or None,
                cipher.encrypt(reply.text),
                reply.received_at,
                next(iter(debtors)) if len(debtors) == 1 else None,
                kind,
                now if kind else None,
                now,
            )
        )
    columns = (
        *("provider", "sender_enc", "sender_hash", "sender_masked", "recipient", "body_enc"),
        *("received_at", "debtor_id", "kind", "classified_at", "created_at"),
    )
    bulk_insert(conn, inbound_messages, columns, rows_out)
    summary.stored = len(rows_out)
    suppressed = sorted({c for d in opted for c in contact_ids.get(d, set())})
    if suppressed:
        for ids in chunks(suppressed):
            result = conn.execute(
                contacts.update()
                .where(one_of(conn, contacts.c.id, ids), contacts.c.opted_out_at.is_(None))
                .values(opted_out_at=now, updated_at=now)
            )
            summary.contacts_opted_out += result.rowcount or 0
        summary.cancelled = cancel_queued_for_contacts(conn, suppressed, now, "opt_out_reply")
    return summary
