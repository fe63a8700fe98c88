"""Tracking: what comes back after sending — receipts (parts, parking, reconciliation) and replies.

Works through the message domain (:mod:`dunning.messages`); never imports :mod:`dunning.sending`.
Cross-domain steps (whose number sent a reply, opting it out, cancelling) are composed in
:mod:`dunning.flows` (``ingest_receipts``, ``ingest_replies``).
"""

from dunning.tracking.receipts import (
    PARK_LIMIT,
    PART_TIMEOUT,
    ContactHashes,
    ReceiptSummary,
    apply_receipts,
    finalise_overdue_parts,
    retry_parked,
)
from dunning.tracking.replies import (
    DEFAULT_OPT_OUT,
    ContactOwners,
    ReplySummary,
    StoredReplies,
    default_is_opt_out,
    store_replies,
)

__all__ = [
    "DEFAULT_OPT_OUT",
    "PARK_LIMIT",
    "PART_TIMEOUT",
    "ContactHashes",
    "ContactOwners",
    "ReceiptSummary",
    "ReplySummary",
    "StoredReplies",
    "apply_receipts",
    "default_is_opt_out",
    "finalise_overdue_parts",
    "retry_parked",
    "store_replies",
]
