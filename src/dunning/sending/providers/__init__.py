"""SMS providers behind one async, batch-oriented interface (see :mod:`.base` for the contract)."""

from dunning.sending.providers.base import (
    ENTRY_POINT_GROUP,
    RECEIPT_STATUSES,
    OutgoingSms,
    Receipt,
    ReceiptIdFormat,
    ReceiptStatus,
    SmsProvider,
    SubmitOutcome,
    available_schemes,
    build_provider,
    register_provider,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "RECEIPT_STATUSES",
    "OutgoingSms",
    "Receipt",
    "ReceiptIdFormat",
    "ReceiptStatus",
    "SmsProvider",
    "SubmitOutcome",
    "available_schemes",
    "build_provider",
    "register_provider",
]
