"""The daily report: what was planned, blocked, sent, delivered and spent on one local day.

A projection of message states and nothing else: every figure is a sum over the statuses of the
day's messages (:mod:`dunning.messages.status`), so the figures always add up — a message reconciled
from ``unknown`` by its late receipt is ``delivered`` and therefore also ``sent``, and the delivery
rate can never exceed 100 %. :func:`dunning.flows.report_day` reads the counts and calls
:func:`build_report`. Keys are stable: scripts read ``dunning report --json``.

Definitions (a message belongs to the day by ``slot_date``, the debtor's local date it was planned for):

- ``planned``: messages of the day, any status = blocked + queued + in_progress + cancelled + lapsed
  + refused + sent.
- ``blocked``: refused by the compliance gate (plan or submit); ``blocked_by_rule``: messages per rule
  (a message broken by two rules counts under both).
- ``sent``: handed to a provider and accepted (submitted, delivered, or a receipt saying it did not
  arrive), or ``unknown`` (may have left) = awaiting_receipt + unknown + delivered + undelivered +
  rejected + expired + failed.
- ``failed`` = every outcome that is not delivered and final: the receipt failures of sent messages
  (undelivered, rejected, expired, failed) plus ``refused`` (the provider refused it at submission, or
  there was no number) and ``lapsed`` (the send window closed first), broken down in
  ``failed_by_status``; ``expired_in_outbox`` = lapsed.
- ``segments_sent``: segments of sent messages = ``cost_segments`` (providers bill per submitted
  segment, delivered or not); ``segments_delivered`` for reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from dunning.messages.repository import DayCounts
from dunning.messages.status import IN_PROGRESS, SENT, UNDELIVERED_AFTER_SENDING, MessageStatus

__all__ = ["FAILED_BY_STATUS", "LABELS", "build_report", "build_return_path"]

S = MessageStatus
#: What ``failed`` is made of, in the order the report lists them.
FAILED_BY_STATUS: tuple[MessageStatus, ...] = (*UNDELIVERED_AFTER_SENDING, S.REFUSED, S.LAPSED)

#: Row labels for the table view: key → (中文, English).
LABELS: dict[str, tuple[str, str]] = {
    "debtors_in_scope": ("在催债务人", "Debtors in scope"),
    "planned": ("计划短信", "Planned"),
    "blocked": ("合规拦截", "Blocked"),
    "queued": ("待发送", "Queued"),
    "in_progress": ("发送中", "In progress"),
    "cancelled": ("已取消", "Cancelled"),
    "sent": ("已发送", "Sent"),
    "awaiting_receipt": ("待回执", "Awaiting receipt"),
    "delivered": ("已送达", "Delivered"),
    "failed": ("失败", "Failed"),
    "expired_in_outbox": ("窗口关闭未发", "Expired before sending"),
    "unknown": ("状态未知", "Unknown"),
    "delivery_rate": ("送达率", "Delivery rate"),
    "segments_sent": ("已用条数（计费段）", "Segments used"),
    "segments_delivered": ("送达条数", "Segments delivered"),
    "cost_segments": ("费用（按段）", "Cost in segments"),
}


def build_report(
    *,
    day: date,
    time_zone: str,
    now: datetime,
    counts: DayCounts,
    blocked_by_rule: Mapping[str, int],
    debtors_in_scope: int,
) -> dict[str, Any]:
    """The report of ``day`` from its message counts by status (see the module docstring)."""
    sent = counts.count(*SENT)
    delivered = counts.count(S.DELIVERED)
    failed_by_status = {str(s): counts.count(s) for s in FAILED_BY_STATUS}
    segments_sent = counts.segments(*SENT)
    return {
        "date": day.isoformat(),
        "time_zone": time_zone,
        "as_of": now.isoformat(),
        "debtors_in_scope": debtors_in_scope,
        "planned": counts.count(*counts.by_status),
        "blocked": counts.count(S.BLOCKED),
        "blocked_by_rule": dict(blocked_by_rule),
        "queued": counts.count(S.QUEUED),
        "in_progress": counts.count(*IN_PROGRESS),
        "cancelled": counts.count(S.CANCELLED),
        "sent": sent,
        "awaiting_receipt": counts.count(S.SUBMITTED),
        "delivered": delivered,
        "failed": sum(failed_by_status.values()),
        "failed_by_status": failed_by_status,
        "expired_in_outbox": counts.count(S.LAPSED),
        "unknown": counts.count(S.UNKNOWN),
        "delivery_rate": round(delivered / sent, 4) if sent else None,
        "segments_sent": segments_sent,
        "segments_delivered": counts.segments(S.DELIVERED),
        "cost_segments": segments_sent,
        "by_status": {status: n for status, (n, _) in sorted(counts.by_status.items())},
    }


def build_return_path(
    *,
    replies_by_intent: Mapping[str, int],
    promises: Mapping[str, int],
    tasks: Mapping[str, Mapping[str, int]],
    recovered: Mapping[str, int],
    attributed: Mapping[str, Any],
    delivered: int,
) -> dict[str, Any]:
    """What came back on the day: replies by intent, promises made/kept/broken, tasks opened and
    closed per queue, amount recovered (payments made that day, by currency, minor units), the part
    attributed to reminders (last touch; first touch for comparison), and recovered per 1,000
    delivered messages (last-touch attributed amount ÷ the day's delivered messages × 1,000)."""
    last_touch: Mapping[str, int] = attributed.get("last_touch", {})
    settled = promises.get("kept", 0) + promises.get("partly_kept", 0) + promises.get("broken", 0)
    return {
        "replies": sum(replies_by_intent.values()),
        "replies_by_intent": dict(replies_by_intent),
        "promises": dict(promises),
        "promise_kept_rate": round(promises.get("kept", 0) / settled, 4) if settled else None,
        "tasks_by_queue": {q: dict(v) for q, v in tasks.items()},
        "recovered_minor": dict(recovered),
        "attributed_minor": dict(last_touch),
        "attributed_first_touch_minor": dict(attributed.get("first_touch", {})),
        "payments_attributed": attributed.get("payments_attributed", 0),
        "attributed_by_template": list(attributed.get("by_template", [])),
        "attributed_by_step": list(attributed.get("by_step", [])),
        "recovered_per_1000_messages_minor": {
            currency: round(amount * 1000 / delivered) for currency, amount in last_touch.items()
        }
        if delivered
        else {},
    }
