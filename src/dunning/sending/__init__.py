"""Sending: the sender worker and database-free providers.

:func:`dunning.sending.worker.send_due` claims due messages through the message domain, re-checks
them with the caller's hooks, hands them to a provider (:mod:`dunning.sending.providers`) and records
the outcomes. It never imports :mod:`dunning.tracking`; receipts and replies go to the caller's
``ingest`` hook (:mod:`dunning.flows`). ``smsc/`` is the built-in SMSC simulator.

The worker loads on first use, so importing a provider does not load the database layer.
"""

from typing import TYPE_CHECKING

from dunning.core.lazy import lazy_exports

if TYPE_CHECKING:
    from dunning.sending.worker import (
        NO_RECIPIENT,
        SendHooks,
        SendSummary,
        collect_inbound,
        default_worker_id,
        send_due,
        sender_lock,
    )

__all__ = [
    "NO_RECIPIENT",
    "SendHooks",
    "SendSummary",
    "collect_inbound",
    "default_worker_id",
    "send_due",
    "sender_lock",
]
__getattr__ = lazy_exports(__name__, dict.fromkeys(__all__, "dunning.sending.worker"))
