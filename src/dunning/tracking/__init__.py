"""Tracking: receipts now; replies, payment attribution and the event log's readers later."""

from dunning.tracking.receipts import (
    ReceiptSummary,
    apply_receipts,
    candidate_keys,
    normalise_provider_id,
    normalised_id_sql,
)

__all__ = [
    "ReceiptSummary",
    "apply_receipts",
    "candidate_keys",
    "normalise_provider_id",
    "normalised_id_sql",
]
