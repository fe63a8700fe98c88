"""Replies from handsets (MO messages): stored encrypted, linked to the debtor, opt-outs recognised.

Every reply is kept (``inbound_messages``: sender and body encrypted, a keyed hash of the sender for
look-ups, the masked number for display) for the next stage to classify (already paid, dispute,
wrong number, promise to pay, complaint). One class is recognised at once, because the law requires
acting on it: a reply that is an opt-out keyword of the compliance profile (退订, TD, STOP, …). The
caller (:func:`dunning.flows.ingest_replies`) then marks the numbers opted out and cancels what is
queued for them in the same transaction; the submit-time gate refuses anything already claimed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection

from dunning.core.counters import Counters
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import bulk_insert
from dunning.core.masking import mask_phone
from dunning.core.phone import handset_e164
from dunning.messages.wire import InboundSms
from dunning.tracking.models import inbound_messages

__all__ = [
    "DEFAULT_OPT_OUT",
    "OPT_OUT",
    "ContactOwners",
    "ReplySummary",
    "StoredReplies",
    "default_is_opt_out",
    "store_replies",
]

#: Used when no compliance profile is given: the keywords both shipped profiles honour at least.
DEFAULT_OPT_OUT = frozenset({"退订", "TD", "T", "N", "R", "拒收", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL"})
OPT_OUT = "opt_out"
#: ``owners(phone_hashes) -> {phone_hash: [(contact_id, debtor_id), …]}``: whose number sent a reply.
ContactOwners = Callable[[Sequence[str]], Mapping[str, Sequence[tuple[int, int]]]]


def default_is_opt_out(text: str) -> bool:
    return "".join(text.split()).upper() in DEFAULT_OPT_OUT


@dataclass(slots=True)
class ReplySummary(Counters):
    stored: int = 0
    opt_outs: int = 0
    contacts_opted_out: int = 0
    cancelled: int = 0
    unknown_sender: int = 0  # from a number that is no debtor's contact


@dataclass(slots=True)
class StoredReplies:
    summary: ReplySummary
    #: ``(contact_id, debtor_id)`` of every contact whose number sent an opt-out.
    opted_out: list[tuple[int, int]] = field(default_factory=list)


def store_replies(
    conn: Connection,
    replies: Sequence[InboundSms],
    now: datetime,
    *,
    cipher: PersonalDataCipher,
    owners: ContactOwners,
    provider: str | None = None,
    is_opt_out: Callable[[str], bool] = default_is_opt_out,
) -> StoredReplies:
    """Store ``replies`` (one bulk write) and say which contacts opted out."""
    summary = ReplySummary()
    if not replies:
        return StoredReplies(summary)
    numbers = [handset_e164(r.sender) for r in replies]
    hashes = [cipher.lookup_hash(n) for n in numbers]
    known = owners(sorted(set(hashes)))
    rows = []
    opted: dict[tuple[int, int], None] = {}
    for reply, number, digest in zip(replies, numbers, hashes, strict=True):
        contacts = known.get(digest, ())
        debtors = {debtor for _contact, debtor in contacts}
        kind = OPT_OUT if is_opt_out(reply.text) else None
        if kind == OPT_OUT:
            summary.opt_outs += 1
            opted.update(dict.fromkeys(contacts))
        if not debtors:
            summary.unknown_sender += 1
        rows.append(
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
    bulk_insert(conn, inbound_messages, columns, rows)
    summary.stored = len(rows)
    return StoredReplies(summary, sorted(opted))
