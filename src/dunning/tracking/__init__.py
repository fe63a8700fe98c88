"""Tracking: receipts (parts, parking, reconciliation) and replies; payment attribution later."""

from dunning.tracking.receipts import (
    ReceiptSummary,
    apply_receipts,
    candidate_keys,
    finalise_overdue_parts,
    normalise_provider_id,
    retry_parked,
)

__all__ = [
    "ReceiptSummary",
    "apply_receipts",
    "candidate_keys",
    "finalise_overdue_parts",
    "normalise_provider_id",
    "retry_parked",
]
