"""Messages: the outbox and its record — the one domain every other reads messages through.

Owns the message tables (messages, the accounts each covers, events, parts, parked receipts, the
compliance decisions) and their only writers: :func:`enqueue` (the planner's bulk insert),
:func:`transition`, :func:`append_events`, :func:`cancel`, :func:`record_decisions`, and the
sender's transitions in :mod:`dunning.messages.outbox`. :mod:`dunning.messages.wire` holds the pure
values that cross the provider seam. See docs.md in this folder for the invariants.

The pure parts (statuses, wire values) load eagerly; the database functions on first use, so a
provider importing a value type does not load the database layer.
"""

from typing import TYPE_CHECKING

from dunning.core.lazy import lazy_exports
from dunning.messages.status import (
    AWAITING_RECEIPT,
    CANCELLABLE,
    FINAL,
    IN_FLIGHT,
    IN_PROGRESS,
    NOT_COUNTED,
    RECEIPT_FINAL,
    SENT,
    UNDELIVERED_AFTER_SENDING,
    MessageStatus,
)
from dunning.messages.wire import (
    RECEIPT_STATUSES,
    InboundSms,
    OutgoingSms,
    Receipt,
    ReceiptIdFormat,
    ReceiptStatus,
    SubmitOutcome,
    candidate_keys,
    clean_provider_id,
    normalise_provider_id,
)

if TYPE_CHECKING:
    from dunning.messages.outbox import (
        ClaimedMessage,
        OutcomeCounts,
        StaleClaims,
        ViolationLike,
        awaiting_receipts,
        block,
        claim_due,
        lapse_window_closed,
        mark_submitting,
        record_outcomes,
        record_refused,
        record_unknown,
        release_stale_claims,
    )
    from dunning.messages.repository import (
        DayCounts,
        DueSummary,
        Enqueued,
        UnknownMessage,
        append_events,
        blocked_by_rule,
        cancel,
        counted_history,
        day_counts,
        due_summary,
        enqueue,
        list_unknown,
        message_facts,
        plan_keys_on,
        record_decisions,
        requeue_unknown,
        send_times,
        transition,
    )

_REPOSITORY = (
    "DayCounts",
    "DueSummary",
    "Enqueued",
    "UnknownMessage",
    "append_events",
    "blocked_by_rule",
    "cancel",
    "counted_history",
    "day_counts",
    "due_summary",
    "enqueue",
    "list_unknown",
    "message_facts",
    "plan_keys_on",
    "record_decisions",
    "requeue_unknown",
    "send_times",
    "transition",
)
_OUTBOX = (
    "ClaimedMessage",
    "OutcomeCounts",
    "StaleClaims",
    "ViolationLike",
    "awaiting_receipts",
    "block",
    "claim_due",
    "lapse_window_closed",
    "mark_submitting",
    "record_outcomes",
    "record_refused",
    "record_unknown",
    "release_stale_claims",
)
__getattr__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(_REPOSITORY, "dunning.messages.repository"),
        **dict.fromkeys(_OUTBOX, "dunning.messages.outbox"),
    },
)

__all__ = [
    "AWAITING_RECEIPT",
    "CANCELLABLE",
    "FINAL",
    "IN_FLIGHT",
    "IN_PROGRESS",
    "NOT_COUNTED",
    "RECEIPT_FINAL",
    "RECEIPT_STATUSES",
    "SENT",
    "UNDELIVERED_AFTER_SENDING",
    "ClaimedMessage",
    "DayCounts",
    "DueSummary",
    "Enqueued",
    "InboundSms",
    "MessageStatus",
    "OutcomeCounts",
    "OutgoingSms",
    "Receipt",
    "ReceiptIdFormat",
    "ReceiptStatus",
    "StaleClaims",
    "SubmitOutcome",
    "UnknownMessage",
    "ViolationLike",
    "append_events",
    "awaiting_receipts",
    "block",
    "blocked_by_rule",
    "cancel",
    "candidate_keys",
    "claim_due",
    "clean_provider_id",
    "counted_history",
    "day_counts",
    "due_summary",
    "enqueue",
    "lapse_window_closed",
    "list_unknown",
    "mark_submitting",
    "message_facts",
    "normalise_provider_id",
    "plan_keys_on",
    "record_decisions",
    "record_outcomes",
    "record_refused",
    "record_unknown",
    "release_stale_claims",
    "requeue_unknown",
    "send_times",
    "transition",
]
