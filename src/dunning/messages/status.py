"""A message's status and what each status means; every figure about messages derives from these sets.

::

    queued ──claim──▶ claimed ──hand-over──▶ submitting ──▶ submitted ──receipt──▶ delivered
      ▲                 │  │                    │   │                          undelivered | rejected
      │ retry / stale   │  ├─▶ blocked (gate)   │   ├─▶ queued (retriable)       expired | failed
      └─────────────────┘  ├─▶ cancelled        │   ├─▶ refused (permanent)
                           ├─▶ lapsed (window)  │   └─▶ unknown (crash) ──late receipt──▶ delivered …
                           └─▶ refused (no number)

Each status says on its own whether the message left: ``lapsed`` (the send window closed before
submission) and ``refused`` (the provider refused it, or there was no number) never left, while
``expired`` and ``failed`` are what a receipt reported about a message that did. So a report counts
"sent" from statuses alone and can never show more delivered than sent.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AWAITING_RECEIPT",
    "CANCELLABLE",
    "FINAL",
    "IN_FLIGHT",
    "IN_PROGRESS",
    "NOT_COUNTED",
    "RECEIPT_FINAL",
    "SENT",
    "UNDELIVERED_AFTER_SENDING",
    "MessageStatus",
]


class MessageStatus(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"  # a worker holds it; not handed to a provider yet
    SUBMITTING = "submitting"  # committed before the provider is called: it may have left
    SUBMITTED = "submitted"  # the provider accepted it; awaiting its receipt
    UNKNOWN = "unknown"  # may have left (the sender died in flight); never resent automatically
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    REJECTED = "rejected"
    EXPIRED = "expired"  # the receipt says the network gave up (it left)
    FAILED = "failed"  # the receipt says it failed (it left)
    BLOCKED = "blocked"  # the compliance gate refused it (plan or submit time)
    CANCELLED = "cancelled"  # a payment, opt-out, hold … stopped it before hand-over
    LAPSED = "lapsed"  # its send window closed before it was handed over
    REFUSED = "refused"  # the provider refused it at submission, attempts ran out, or no number


S = MessageStatus

#: States a receipt may finalise.
AWAITING_RECEIPT: tuple[MessageStatus, ...] = (S.SUBMITTED, S.UNKNOWN)
#: States the worker that claimed a message may record a provider outcome from (``unknown``: the
#: sender was presumed gone, but it came back with an answer).
IN_FLIGHT: tuple[MessageStatus, ...] = (S.SUBMITTING, S.UNKNOWN)
#: States a payment, opt-out, complaint or hold still stops.
CANCELLABLE: tuple[MessageStatus, ...] = (S.QUEUED, S.CLAIMED)
#: What a receipt can report.
RECEIPT_FINAL: tuple[MessageStatus, ...] = (S.DELIVERED, S.UNDELIVERED, S.REJECTED, S.EXPIRED, S.FAILED)
#: Left for the handset and did not arrive, by the receipt's word.
UNDELIVERED_AFTER_SENDING: tuple[MessageStatus, ...] = (S.UNDELIVERED, S.REJECTED, S.EXPIRED, S.FAILED)
#: Handed to a provider and accepted, or possibly (``unknown``): what "sent" means everywhere.
SENT: tuple[MessageStatus, ...] = (S.SUBMITTED, S.UNKNOWN, *RECEIPT_FINAL)
#: Being worked on by a sender right now.
IN_PROGRESS: tuple[MessageStatus, ...] = (S.CLAIMED, S.SUBMITTING)
#: Nothing more will happen to these (``unknown`` is not final: a late receipt may still close it).
FINAL: tuple[MessageStatus, ...] = (*RECEIPT_FINAL, S.BLOCKED, S.CANCELLED, S.LAPSED, S.REFUSED)
#: Messages that never reached the debtor, or whose receipt said so, do not count toward caps and gaps.
NOT_COUNTED: tuple[MessageStatus, ...] = (S.BLOCKED, S.CANCELLED, S.LAPSED, S.REFUSED, S.FAILED, S.REJECTED)
