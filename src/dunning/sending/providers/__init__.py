"""SMS providers behind one async, batch-oriented interface (see :mod:`.base` for the contract).

Database-free: a provider never imports the database layer, the tracking domain or the sender.
Built-ins are registered through the ``dunning.providers`` entry points like any plugin
(:mod:`.registry`).
"""

from dunning.sending.providers.base import (
    RECEIPT_STATUSES,
    InboundSms,
    OutgoingSms,
    Receipt,
    ReceiptIdFormat,
    ReceiptStatus,
    SmsProvider,
    SubmitOutcome,
)
from dunning.sending.providers.registry import (
    ENTRY_POINT_GROUP,
    available_schemes,
    build_provider,
    build_single_provider,
    register_provider,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "RECEIPT_STATUSES",
    "InboundSms",
    "OutgoingSms",
    "Receipt",
    "ReceiptIdFormat",
    "ReceiptStatus",
    "SmsProvider",
    "SubmitOutcome",
    "available_schemes",
    "build_provider",
    "build_single_provider",
    "register_provider",
]
