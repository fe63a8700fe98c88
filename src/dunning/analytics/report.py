"""The daily report: what was planned, blocked, sent, delivered and spent on one local day.

All figures come from a few aggregate queries (no rows are loaded). The day is the local date of
``now`` in ``time_zone``; messages belong to it by ``slot_date`` (the debtor's local date the planner
scheduled them for). Keys of :func:`daily_report` are stable: scripts read ``dunning report --json``.

Definitions:

- ``debtors_in_scope``: debtors with an unpaid account (status not ``paid``, outstanding − paid > 0)
  whose due date is at most 3 days after the day (the planner's scope: days past due ≥ −3).
- ``planned``: messages of the day, any status. ``blocked``: status ``blocked`` (gate at plan or
  submit); ``blocked_by_rule``: messages per rule from ``compliance_violations`` (a message broken by
  two rules counts under both).
- ``sent``: handed to a provider and accepted (``submitted_at`` set), or ``unknown`` (may have left).
- ``failed`` = undelivered + rejected + expired + failed, broken down in ``failed_by_status``;
  ``expired_in_outbox`` is the part of ``expired`` whose window closed before sending.
- ``segments_sent``: segments of sent messages = ``cost_segments`` (providers bill per submitted
  segment, delivered or not); ``segments_delivered`` for reference.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.compliance.models import ComplianceViolation
from dunning.core.clock import local_date, zone
from dunning.portfolio.models import Account
from dunning.sending.models import Message

messages: sa.Table = Message.__table__  # type: ignore[assignment]
violations: sa.Table = ComplianceViolation.__table__  # type: ignore[assignment]
accounts: sa.Table = Account.__table__  # type: ignore[assignment]

#: The report's default zone per compliance profile.
SCOPE_DAYS_AHEAD = 3
FAILED_STATES = ("undelivered", "rejected", "expired", "failed")
IN_PROGRESS_STATES = ("claimed", "submitting")

#: Row labels for the table view: key → (中文, English).
LABELS: dict[str, tuple[str, str]] = {
    "debtors_in_scope": ("在催债务人", "Debtors in scope"),
    "planned": ("计划短信", "Planned"),
    "blocked": ("合规拦截", "Blocked"),
    "queued": ("待发送", "Queued"),
    "in_progress": ("发送中", "In progress"),
    "cancelled": ("已取消", "Cancelled"),
    "sent": ("已发送", "Sent"),
    "delivered": ("已送达", "Delivered"),
    "failed": ("失败", "Failed"),
    "expired_in_outbox": ("窗口关闭未发", "Expired before sending"),
    "unknown": ("状态未知", "Unknown"),
    "delivery_rate": ("送达率", "Delivery rate"),
    "segments_sent": ("已用条数（计费段）", "Segments used"),
    "segments_delivered": ("送达条数", "Segments delivered"),
    "cost_segments": ("费用（按段）", "Cost in segments"),
}


def debtors_in_scope(conn: Connection, day: date) -> int:
    """Debtors with an unpaid account due at most 3 days after ``day`` (a plain SQL count)."""
    horizon = day + timedelta(days=SCOPE_DAYS_AHEAD)
    query = sa.select(sa.func.count(sa.distinct(accounts.c.debtor_id))).where(
        accounts.c.status != "paid",
        accounts.c.outstanding_minor - accounts.c.paid_minor > 0,
        accounts.c.due_date <= horizon,
    )
    return int(conn.execute(query).scalar_one())


def daily_report(conn: Connection, now: datetime, time_zone: str) -> dict[str, Any]:
    """Figures for the local day of ``now`` in ``time_zone`` (see the module docstring)."""
    zone(time_zone)  # validates the name (bilingual InputError)
    day = local_date(now, time_zone)
    on_day = messages.c.slot_date == day
    was_sent = sa.or_(messages.c.submitted_at.is_not(None), messages.c.status == "unknown")

    rows = conn.execute(
        sa.select(
            messages.c.status,
            was_sent.label("sent"),
            sa.func.count().label("n"),
            sa.func.coalesce(sa.func.sum(messages.c.segments), 0).label("segments"),
        )
        .where(on_day)
        .group_by(messages.c.status, was_sent)
    ).all()
    by_status: dict[str, int] = {}
    sent = segments_sent = segments_delivered = expired_in_outbox = 0
    for row in rows:
        n, segs = int(row.n), int(row.segments)
        by_status[row.status] = by_status.get(row.status, 0) + n
        if row.sent:
            sent += n
            segments_sent += segs
        if row.status == "delivered":
            segments_delivered += segs
        if row.status == "expired" and not row.sent:
            expired_in_outbox += n

    rule_rows = conn.execute(
        sa.select(violations.c.rule, sa.func.count(sa.distinct(violations.c.message_id)).label("n"))
        .select_from(violations.join(messages, messages.c.id == violations.c.message_id))
        .where(on_day, violations.c.stage.in_(("plan", "submit")))
        .group_by(violations.c.rule)
    ).all()
    blocked_by_rule = {
        str(r.rule): int(r.n) for r in sorted(rule_rows, key=lambda r: (-int(r.n), str(r.rule)))
    }

    failed_by_status = {s: by_status.get(s, 0) for s in FAILED_STATES}
    delivered = by_status.get("delivered", 0)
    return {
        "date": day.isoformat(),
        "time_zone": time_zone,
        "as_of": now.isoformat(),
        "debtors_in_scope": debtors_in_scope(conn, day),
        "planned": sum(by_status.values()),
        "blocked": by_status.get("blocked", 0),
        "blocked_by_rule": blocked_by_rule,
        "queued": by_status.get("queued", 0),
        "in_progress": sum(by_status.get(s, 0) for s in IN_PROGRESS_STATES),
        "cancelled": by_status.get("cancelled", 0),
        "sent": sent,
        "delivered": delivered,
        "failed": sum(failed_by_status.values()),
        "failed_by_status": failed_by_status,
        "expired_in_outbox": expired_in_outbox,
        "unknown": by_status.get("unknown", 0),
        "delivery_rate": round(delivered / sent, 4) if sent else None,
        "segments_sent": segments_sent,
        "segments_delivered": segments_delivered,
        "cost_segments": segments_sent,
        "by_status": dict(sorted(by_status.items())),
    }
