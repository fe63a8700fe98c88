"""The only writers of the message tables, and the reads other domains need from them.

Writers: :func:`enqueue` (the planner's bulk insert), :func:`transition` (every status change),
:func:`append_events` (the record of each change), :func:`cancel` and :func:`record_decisions`.
Every status change appends one ``message_events`` row in the caller's transaction and updates
``messages.status``/``updated_at``; events are never updated. A transition is an ``UPDATE … WHERE
status IN (…) RETURNING id``, so concurrent writers (two senders, a payment cancelling messages)
can never both win, and events are written only for the rows that really changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.counters import Counters
from dunning.core.db import UTCDateTime, bulk_insert, chunks, detail_json, one_of
from dunning.core.frames import UTC_DATETIME, insert_frame, read_frame
from dunning.messages.models import (
    compliance_violations,
    message_accounts,
    message_events,
    messages,
    provider_pauses,
)
from dunning.messages.status import CANCELLABLE, NOT_COUNTED, MessageStatus

__all__ = [
    "DECISION_COLUMNS",
    "ENQUEUE_COLUMNS",
    "DayCounts",
    "DueSummary",
    "Enqueued",
    "EventRow",
    "UnknownMessage",
    "answers_since",
    "append_events",
    "blocked_by_rule",
    "cancel",
    "counted_history",
    "day_counts",
    "delivered_frame",
    "due_summary",
    "enqueue",
    "for_debtor",
    "list_unknown",
    "message_facts",
    "plan_keys_on",
    "record_decisions",
    "requeue_unknown",
    "send_times",
    "transition",
]

S = MessageStatus

#: ``(message_id, event, at, actor, detail)``
EventRow = tuple[int, str, datetime, str | None, str | None]

#: The columns of a planned message, as :func:`enqueue` takes them (plus ``account_ids``, a list of
#: account ids, and ``violations``, a list of rule ids: non-empty means blocked).
ENQUEUE_COLUMNS = (
    "plan_key",
    "debtor_id",
    "contact_id",
    "slot_date",
    "strategy_id",
    "segment_id",
    "step_id",
    "arm",
    "probability",
    "template_id",
    "template_version",
    "amount_minor",
    "currency",
    "days_past_due",
    "bucket",
    "body",
    "encoding",
    "segments",
    "scheduled_at",
    "window_end",
)
#: One compliance decision row (``compliance_violations``), whoever decided (planner or sender).
DECISION_COLUMNS = (
    "message_id",
    "stage",
    "rule",
    "category",
    "legal_basis",
    "reason_zh",
    "reason_en",
    "decided_at",
)
#: The explanation of each rule id a decision may cite: ``rule, category, legal_basis, reason_zh, reason_en``.
RULE_COLUMNS = ("rule", "category", "legal_basis", "reason_zh", "reason_en")


def append_events(conn: Connection, rows: Sequence[EventRow]) -> None:
    """Append ``(message_id, event, at, actor, detail)`` rows in one bulk write."""
    bulk_insert(conn, message_events, ("message_id", "event", "at", "actor", "detail"), rows)


def _unnest(items: list[Any], type_: sa.types.TypeEngine[Any], label: str) -> sa.Label[Any]:
    from sqlalchemy.dialects.postgresql import ARRAY

    return sa.func.unnest(sa.bindparam(None, items, type_=ARRAY(type_))).label(label)


def transition(
    conn: Connection,
    ids: Iterable[int],
    *,
    from_states: Sequence[str],
    to_state: str,
    now: datetime,
    where: Sequence[sa.ColumnElement[bool]] = (),
    values: Mapping[str, Any] | None = None,
    per_row: Mapping[str, Mapping[int, Any]] | None = None,
) -> list[int]:
    """Move the given messages that are in ``from_states`` (and match ``where``) to ``to_state``.

    ``values`` are set on every moved row; ``per_row`` maps a column to ``{message_id: value}``.
    One ``UPDATE … RETURNING id`` per chunk (on PostgreSQL joined to ``unnest`` of the per-row
    arrays, so each row is written once); returns the ids that actually moved, sorted. The caller
    appends their events.
    """
    wanted = sorted(set(ids))
    per_row = per_row or {}
    fixed = {"status": to_state, "updated_at": now, **(values or {})}
    guard = [messages.c.status.in_(from_states), *where]
    moved: list[int] = []
    pg = conn.dialect.name == "postgresql"
    for chunk in chunks(wanted, 5000 if pg else 900):
        if pg and per_row:
            parts = [_unnest(list(chunk), sa.Integer(), "b_id")]
            parts += [
                _unnest([given.get(i) for i in chunk], messages.c[col].type, f"b_{col}")
                for col, given in per_row.items()
            ]
            v = sa.select(*parts).subquery("v")
            stmt = (
                messages.update()
                # the ANY(ids) predicate keeps the plan on the primary key even with stale statistics
                .where(messages.c.id == v.c.b_id, one_of(conn, messages.c.id, chunk), *guard)
                .values({**fixed, **{col: v.c[f"b_{col}"] for col in per_row}})
            )
        else:
            stmt = messages.update().where(one_of(conn, messages.c.id, chunk), *guard).values(fixed)
        done = list(conn.execute(stmt.returning(messages.c.id)).scalars().all())
        if per_row and not pg and done:
            # SQLite: the rows are ours (write lock held since the UPDATE); set their values.
            conn.execute(
                messages.update()
                .where(messages.c.id == sa.bindparam("b_id"))
                .values({col: sa.bindparam(f"b_{col}") for col in per_row}),
                [{"b_id": i, **{f"b_{col}": given.get(i) for col, given in per_row.items()}} for i in done],
            )
        moved.extend(done)
    return sorted(moved)


# --------------------------------------------------------------------------------------------------
# Planning


@dataclass(slots=True)
class Enqueued(Counters):
    queued: int = 0
    blocked: int = 0
    segments: int = 0  # billable segments of the queued messages


def plan_keys_on(conn: Connection, days: Sequence[date]) -> pl.DataFrame:
    """The plan keys already used on these local dates (one column ``plan_key``)."""
    if not days:
        return pl.DataFrame(schema={"plan_key": pl.String})
    keys = [
        row[0] for row in conn.execute(sa.select(messages.c.plan_key).where(messages.c.slot_date.in_(days)))
    ]
    return pl.DataFrame({"plan_key": keys}, schema={"plan_key": pl.String})


def enqueue(
    conn: Connection,
    frame: pl.DataFrame,
    *,
    run_id: str,
    now: datetime,
    rules: pl.DataFrame | None = None,
    actor: str = "planner",
) -> Enqueued:
    """Write planned messages in bulk: ``queued``, or ``blocked`` when ``violations`` is non-empty.

    ``frame`` has :data:`ENQUEUE_COLUMNS`, ``account_ids`` (List[Int64]) and ``violations``
    (List[Utf8]). Each message gets its first event, its ``message_accounts`` rows and, when blocked,
    one decision per violated rule, explained by ``rules`` (:data:`RULE_COLUMNS`). A ``plan_key``
    already taken (planning twice, or a concurrent planner) is skipped by ``ON CONFLICT DO NOTHING``;
    the figures count only what this call wrote.
    """
    result = Enqueued()
    if frame.is_empty():
        return result
    stamped = frame.with_columns(
        plan_run=pl.lit(run_id),
        status=pl.when(pl.col("violations").list.len() > 0)
        .then(pl.lit(S.BLOCKED.value))
        .otherwise(pl.lit(S.QUEUED.value)),
        created_at=pl.lit(now, UTC_DATETIME),
        updated_at=pl.lit(now, UTC_DATETIME),
    )
    columns = [*ENQUEUE_COLUMNS, "plan_run", "status", "created_at", "updated_at"]
    if "kind" in frame.columns:  # answers to replies and payments; planned reminders take the default
        columns.append("kind")
    insert_frame(conn, messages.name, stamped.select(columns), on_conflict_do_nothing=["plan_key"])
    conn.execute(
        message_events.insert().from_select(
            ["message_id", "event", "at", "actor", "detail"],
            sa.select(
                messages.c.id,
                messages.c.status,
                messages.c.created_at,
                sa.literal(actor),
                sa.literal(detail_json(plan_run=run_id)),
            ).where(messages.c.plan_run == run_id),
        )
    )
    # What this run wrote (another planner may have won some keys): ids for the child rows.
    written = read_frame(
        conn,
        "SELECT id, plan_key FROM messages WHERE plan_run = :run",
        {"run": run_id},
        schema={"message_id": pl.Int64, "plan_key": pl.String},
    )
    mine = stamped.select("plan_key", "account_ids", "violations", "status", "segments").join(
        written, on="plan_key", how="inner"
    )
    links = (
        mine.select("message_id", pl.col("account_ids").alias("account_id"))
        .explode("account_id")
        .drop_nulls("account_id")
        .unique()
        .sort("account_id")  # the account foreign key is then checked in index order
    )
    insert_frame(conn, message_accounts.name, links)
    blocked = mine.filter(pl.col("violations").list.len() > 0)
    if not blocked.is_empty():
        if rules is None:
            raise ValueError("blocked messages need the rules table to explain their decisions")
        record_decisions(conn, decision_frame(blocked, rules, stage="plan", decided_at=now))
    queued = mine.filter(pl.col("status") == S.QUEUED.value)
    result.queued = queued.height
    result.blocked = mine.height - queued.height
    result.segments = int(queued["segments"].sum() or 0)
    return result


def decision_frame(
    frame: pl.DataFrame, rules: pl.DataFrame, *, stage: str, decided_at: datetime
) -> pl.DataFrame:
    """``message_id`` + ``violations`` (rule ids) → decision rows (:data:`DECISION_COLUMNS`)."""
    return (
        frame.select("message_id", pl.col("violations").alias("rule"))
        .explode("rule")
        .drop_nulls("rule")
        .join(rules.select(RULE_COLUMNS), on="rule", how="left")
        .with_columns(pl.lit(stage).alias("stage"), pl.lit(decided_at, UTC_DATETIME).alias("decided_at"))
        .select(DECISION_COLUMNS)
    )


def record_decisions(conn: Connection, decisions: pl.DataFrame) -> int:
    """Insert compliance decision rows (:data:`DECISION_COLUMNS`); the one writer of that table."""
    insert_frame(conn, compliance_violations.name, decisions.select(DECISION_COLUMNS))
    return decisions.height


def counted_history(conn: Connection, debtor_ids: Sequence[int] | None, since: datetime) -> pl.DataFrame:
    """Messages that count toward caps and gaps since ``since``: one row each
    (``message_pk, debtor_pk, slot_date, sent_at``); ``debtor_ids`` narrows the read to those debtors."""
    statement = sa.select(
        messages.c.id,
        messages.c.debtor_id,
        messages.c.slot_date,
        sa.func.coalesce(messages.c.submitted_at, messages.c.scheduled_at, type_=UTCDateTime),
    ).where(messages.c.scheduled_at >= since, messages.c.status.not_in(NOT_COUNTED))
    if debtor_ids is not None:
        statement = statement.where(messages.c.debtor_id.in_(list(debtor_ids)))
    return read_frame(
        conn,
        statement,
        schema={"message_pk": pl.Int64, "debtor_pk": pl.Int64, "slot_date": pl.Date, "sent_at": pl.Datetime},
    )


def message_facts(conn: Connection, ids: Sequence[int]) -> pl.DataFrame:
    """What the submit-time gate needs of each message: who, which number, body and template."""
    statement = sa.select(
        messages.c.id,
        messages.c.debtor_id,
        messages.c.contact_id,
        messages.c.body,
        messages.c.segments,
        messages.c.template_id,
        messages.c.template_version,
        messages.c.kind,
    ).where(messages.c.id.in_(list(ids)))
    schema = {
        "message_pk": pl.Int64,
        "debtor_pk": pl.Int64,
        "contact_pk": pl.Int64,
        "body": pl.String,
        "segments": pl.Int32,
        "template_id": pl.String,
        "template_version": pl.Int32,
        "kind": pl.String,
    }
    return read_frame(conn, statement, schema=schema)


def delivered_frame(
    conn: Connection, since: datetime, *, debtor_ids: Sequence[int] | None = None
) -> pl.DataFrame:
    """Collection reminders delivered since ``since``: ``message_pk, debtor_pk, delivered_at,
    template_id, strategy_id, step_id`` (answers to replies are not reminders and are left out)."""
    query = sa.select(
        messages.c.id,
        messages.c.debtor_id,
        messages.c.final_at,
        messages.c.template_id,
        messages.c.strategy_id,
        messages.c.step_id,
    ).where(messages.c.status == S.DELIVERED, messages.c.kind == "collection", messages.c.final_at >= since)
    schema: dict[str, pl.DataType] = {
        "message_pk": pl.Int64(),
        "debtor_pk": pl.Int64(),
        "delivered_at": pl.Datetime("us", "UTC"),
        "template_id": pl.String(),
        "strategy_id": pl.String(),
        "step_id": pl.String(),
    }
    if debtor_ids is None:
        return read_frame(conn, query, schema=schema)
    parts = [
        read_frame(conn, query.where(one_of(conn, messages.c.debtor_id, chunk)), schema=schema)
        for chunk in chunks(sorted(set(debtor_ids)))
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def answers_since(conn: Connection, debtor_id: int, kind: str, since: datetime) -> int:
    """Messages of ``kind`` made for the debtor since ``since`` (rate limit of answers), any status
    but blocked and cancelled."""
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(
                messages.c.debtor_id == debtor_id,
                messages.c.kind == kind,
                messages.c.created_at >= since,
                messages.c.status.not_in((S.BLOCKED, S.CANCELLED)),
            )
        ).scalar_one()
    )


def for_debtor(conn: Connection, debtor_id: int, *, limit: int = 200) -> list[dict[str, Any]]:
    """The debtor's latest messages (newest last) with their receipts' outcome, for a timeline."""
    rows = conn.execute(
        sa.select(
            messages.c.id, messages.c.created_at, messages.c.scheduled_at, messages.c.final_at,
            messages.c.kind, messages.c.status, messages.c.template_id, messages.c.template_version,
            messages.c.step_id, messages.c.segments, messages.c.error, messages.c.body,
        )
        .where(messages.c.debtor_id == debtor_id)
        .order_by(messages.c.id.desc())
        .limit(limit)
    ).all()  # fmt: skip
    keys = (
        *("id", "created_at", "scheduled_at", "final_at", "kind", "status", "template_id"),
        *("template_version", "step_id", "segments", "error", "body"),
    )
    return [dict(zip(keys, row, strict=True)) for row in reversed(rows)]


# --------------------------------------------------------------------------------------------------
# Cancellation


def cancel(
    conn: Connection,
    now: datetime,
    reason: str,
    *,
    debtor_ids: Iterable[int] = (),
    contact_ids: Iterable[int] = (),
    message_ids: Iterable[int] = (),
    actor: str | None = None,
) -> list[int]:
    """Queued or claimed (not yet handed to a provider) messages of these debtors, addressed to
    these numbers, or these messages themselves → ``cancelled``. Messages already submitting or
    sent are not touched, nor an opt-out confirmation (it lapses on its own 5-minute window if it
    cannot go)."""
    ids: list[int] = []
    targets = (
        (messages.c.debtor_id, debtor_ids),
        (messages.c.contact_id, contact_ids),
        (messages.c.id, message_ids),
    )
    for column, keys in targets:
        for chunk in chunks(sorted(set(keys))):
            stmt = (
                messages.update()
                .where(
                    one_of(conn, column, chunk),
                    messages.c.status.in_(CANCELLABLE),
                    # The confirmation of an opt-out answers the very act that cancels the rest.
                    messages.c.kind != "opt_out_confirmation",
                )
                .values(status=S.CANCELLED, updated_at=now, final_at=now, error=f"cancelled: {reason}")
                .returning(messages.c.id)
            )
            ids.extend(conn.execute(stmt).scalars().all())
    ids.sort()
    detail = detail_json(reason=reason)
    append_events(conn, [(i, S.CANCELLED, now, actor, detail) for i in ids])
    return ids


# --------------------------------------------------------------------------------------------------
# Operator review of unknown messages


@dataclass(frozen=True, slots=True)
class UnknownMessage:
    message_id: int
    debtor_id: int
    contact_id: int | None
    since: datetime
    window_end: datetime
    provider: str | None


def list_unknown(conn: Connection, *, limit: int = 1000) -> list[UnknownMessage]:
    """Messages in ``unknown`` (oldest first): their submission may or may not have left."""
    rows = conn.execute(
        sa.select(
            messages.c.id,
            messages.c.debtor_id,
            messages.c.contact_id,
            messages.c.updated_at,
            messages.c.window_end,
            messages.c.provider,
        )
        .where(messages.c.status == S.UNKNOWN)
        .order_by(messages.c.updated_at, messages.c.id)
        .limit(limit)
    ).all()
    return [UnknownMessage(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5]) for r in rows]


def requeue_unknown(
    conn: Connection, message_ids: Sequence[int], now: datetime, *, actor: str, note: str
) -> list[int]:
    """``unknown`` → ``queued`` (due now; the submit-time gate re-checks them), recorded with who and
    why. For an operator who has checked with the SMSC that these never arrived."""
    moved = transition(
        conn,
        message_ids,
        from_states=(S.UNKNOWN,),
        to_state=S.QUEUED,
        now=now,
        values={"claimed_by": None, "claimed_at": None, "scheduled_at": now},
    )
    append_events(
        conn,
        [(m, S.QUEUED, now, actor, detail_json(reason="operator_requeue_unknown", note=note)) for m in moved],
    )
    return moved


# --------------------------------------------------------------------------------------------------
# When messages are due


@dataclass(frozen=True, slots=True)
class DueSummary:
    """Queued messages by when they become due, as of ``now``."""

    now: datetime
    due_now: int  # scheduled_at ≤ now < window_end: a sender run now would take them
    window_closed: int  # still queued although their window has closed (the next run lapses them)
    upcoming: tuple[tuple[datetime, int], ...]  # (instant, messages) after now, soonest first

    @property
    def next_due(self) -> datetime | None:
        if self.due_now:
            return self.now
        return self.upcoming[0][0] if self.upcoming else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "due_now": self.due_now,
            "window_closed": self.window_closed,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "upcoming": [{"at": at.isoformat(), "messages": n} for at, n in self.upcoming],
        }


def due_summary(conn: Connection, now: datetime, *, limit: int = 50) -> DueSummary:
    """How many queued messages are due now, and the next instants at which more become due."""
    queued = messages.c.status == S.QUEUED
    due_now, closed = conn.execute(
        sa.select(
            sa.func.count().filter(sa.and_(messages.c.scheduled_at <= now, messages.c.window_end > now)),
            sa.func.count().filter(messages.c.window_end <= now),
        ).where(queued)
    ).one()
    upcoming = conn.execute(
        sa.select(messages.c.scheduled_at, sa.func.count())
        .where(queued, messages.c.scheduled_at > now, messages.c.window_end > now)
        .group_by(messages.c.scheduled_at)
        .order_by(messages.c.scheduled_at)
        .limit(limit)
    ).all()
    return DueSummary(now, int(due_now or 0), int(closed or 0), tuple((at, int(n)) for at, n in upcoming))


def send_times(conn: Connection, now: datetime) -> list[datetime]:
    """The distinct instants at which queued messages become due, from ``now`` on (replaying a day)."""
    due = conn.execute(
        sa.select(messages.c.scheduled_at)
        .distinct()
        .where(messages.c.status == S.QUEUED, messages.c.window_end > now)
    ).scalars()
    return sorted({max(now, at) for at in due})


# --------------------------------------------------------------------------------------------------
# Figures of a day


@dataclass(frozen=True, slots=True)
class DayCounts:
    """Messages of one slot date by status: ``{status: (messages, segments)}``."""

    by_status: Mapping[str, tuple[int, int]]

    def count(self, *statuses: str) -> int:
        return sum(self.by_status.get(s, (0, 0))[0] for s in statuses)

    def segments(self, *statuses: str) -> int:
        return sum(self.by_status.get(s, (0, 0))[1] for s in statuses)


def day_counts(conn: Connection, day: date) -> DayCounts:
    rows = conn.execute(
        sa.select(
            messages.c.status,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(messages.c.segments), 0),
        )
        .where(messages.c.slot_date == day)
        .group_by(messages.c.status)
    ).all()
    return DayCounts({str(status): (int(n), int(segments)) for status, n, segments in rows})


def blocked_by_rule(conn: Connection, day: date) -> dict[str, int]:
    """Messages of ``day`` per rule that blocked them (a message broken by two rules counts twice)."""
    rows = conn.execute(
        sa.select(
            compliance_violations.c.rule,
            sa.func.count(sa.distinct(compliance_violations.c.message_id)),
        )
        .select_from(
            compliance_violations.join(messages, messages.c.id == compliance_violations.c.message_id)
        )
        .where(messages.c.slot_date == day)
        .group_by(compliance_violations.c.rule)
    ).all()
    return {str(rule): int(n) for rule, n in sorted(rows, key=lambda r: (-int(r[1]), str(r[0])))}


# --------------------------------------------------------------------------------------------------
# Pages for the API and the dashboard

_PAGE_COLUMNS = (
    "id",
    "debtor_id",
    "created_at",
    "slot_date",
    "kind",
    "status",
    "strategy_id",
    "step_id",
    "arm",
    "template_id",
    "template_version",
    "bucket",
    "days_past_due",
    "segments",
    "scheduled_at",
    "submitted_at",
    "final_at",
    "provider",
    "error",
    "body",
)


def list_messages(
    conn: Connection,
    *,
    after: int = 0,
    limit: int = 50,
    debtor_id: int | None = None,
    status: str | None = None,
    day: date | None = None,
    template_id: str | None = None,
) -> list[dict[str, Any]]:
    """Messages in id order (``debtor_id`` is the debtor's row id: the flows turn it into a ref)."""
    query = (
        sa.select(*(messages.c[c] for c in _PAGE_COLUMNS))
        .where(messages.c.id > after)
        .order_by(messages.c.id)
        .limit(limit)
    )
    if debtor_id is not None:
        query = query.where(messages.c.debtor_id == debtor_id)
    if status is not None:
        query = query.where(messages.c.status == status)
    if day is not None:
        query = query.where(messages.c.slot_date == day)
    if template_id is not None:
        query = query.where(messages.c.template_id == template_id)
    return [dict(zip(_PAGE_COLUMNS, row, strict=True)) for row in conn.execute(query)]


def message_detail(conn: Connection, message_id: int) -> dict[str, Any] | None:
    """One message, its event history and the compliance decisions that blocked it, or None."""
    row = conn.execute(
        sa.select(*(messages.c[c] for c in _PAGE_COLUMNS)).where(messages.c.id == message_id)
    ).first()
    if row is None:
        return None
    detail = dict(zip(_PAGE_COLUMNS, row, strict=True))
    e = message_events.c
    detail["events"] = [
        {"event": ev, "at": at, "actor": actor, "detail": json.loads(raw) if raw else None}
        for ev, at, actor, raw in conn.execute(
            sa.select(e.event, e.at, e.actor, e.detail).where(e.message_id == message_id).order_by(e.id)
        )
    ]
    v = compliance_violations.c
    detail["violations"] = [
        dict(r._mapping)
        for r in conn.execute(
            sa.select(v.stage, v.rule, v.category, v.reason_zh, v.reason_en, v.legal_basis, v.decided_at)
            .where(v.message_id == message_id)
            .order_by(v.id)
        )
    ]
    return detail


def senders_of(conn: Connection, message_ids: Sequence[int]) -> list[tuple[int, int | None, str, int]]:
    """``(message id, contact id, template id, template version)`` of these messages."""
    out: list[tuple[int, int | None, str, int]] = []
    for chunk in chunks(sorted(set(message_ids))):
        rows = conn.execute(
            sa.select(
                messages.c.id, messages.c.contact_id, messages.c.template_id, messages.c.template_version
            ).where(one_of(conn, messages.c.id, chunk))
        ).all()
        out.extend((int(i), None if c is None else int(c), str(t), int(v)) for i, c, t, v in rows)
    return out


def cancel_template(
    conn: Connection, template_id: str, version: int, now: datetime, *, actor: str
) -> list[int]:
    """Cancel the queued messages of one template version (the provider refuses its content)."""
    ids = (
        conn.execute(
            sa.select(messages.c.id).where(
                messages.c.template_id == template_id,
                messages.c.template_version == version,
                messages.c.status.in_(list(CANCELLABLE)),
            )
        )
        .scalars()
        .all()
    )
    return (
        cancel(conn, now, "template_blocked", message_ids=[int(i) for i in ids], actor=actor) if ids else []
    )


# --------------------------------------------------------------------------------------------------
# Provider pauses


def pause_provider(
    conn: Connection,
    provider: str,
    *,
    error_code: str | None,
    reason: str,
    now: datetime,
    until: datetime | None,
) -> bool:
    """Open a pause of ``provider`` unless one is open; False when it was paused already."""
    if paused_until(conn, provider, now) is not None:
        return False
    conn.execute(
        provider_pauses.insert().values(
            provider=provider[:64],
            error_code=(error_code or "")[:64] or None,
            reason=reason[:255],
            paused_at=now,
            until=until,
        )
    )
    return True


def paused_until(conn: Connection, provider: str, now: datetime) -> datetime | None:
    """The end of the open pause of ``provider`` (far future when it waits for an operator), or None."""
    p = provider_pauses.c
    row = conn.execute(
        sa.select(p.until)
        .where(p.provider == provider, p.resumed_at.is_(None), sa.or_(p.until.is_(None), p.until > now))
        .order_by(p.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return row[0] if row[0] is not None else datetime.max.replace(tzinfo=now.tzinfo)


def resume_provider(conn: Connection, provider: str, *, by: str, now: datetime) -> int:
    p = provider_pauses.c
    result = conn.execute(
        provider_pauses.update()
        .where(p.provider == provider, p.resumed_at.is_(None))
        .values(resumed_at=now, resumed_by=by)
    )
    return int(result.rowcount or 0)


def open_pauses(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    p = provider_pauses.c
    rows = conn.execute(
        sa.select(p.provider, p.error_code, p.reason, p.paused_at, p.until)
        .where(p.resumed_at.is_(None), sa.or_(p.until.is_(None), p.until > now))
        .order_by(p.id)
    )
    return [dict(r._mapping) for r in rows]


def debtor_messages_frame(conn: Connection, since: datetime) -> pl.DataFrame:
    """``debtor_pk, status, created_at`` of collection messages planned from ``since`` on."""
    return read_frame(
        conn,
        sa.select(messages.c.debtor_id.label("debtor_pk"), messages.c.status, messages.c.created_at).where(
            messages.c.created_at >= since, messages.c.kind == "collection"
        ),
        schema={"debtor_pk": pl.Int64(), "status": pl.String(), "created_at": pl.Datetime("us", "UTC")},
    )


def reminders_between(conn: Connection, start: datetime, end: datetime) -> pl.DataFrame:
    """Collection reminders planned in [start, end): ``message_pk, debtor_pk, template_id, status,
    scheduled_at, provider_message_id``."""
    m = messages.c
    return read_frame(
        conn,
        sa.select(m.id, m.debtor_id, m.template_id, m.status, m.scheduled_at, m.provider_message_id).where(
            m.created_at >= start, m.created_at < end, m.kind == "collection"
        ),
        schema={
            "message_pk": pl.Int64(),
            "debtor_pk": pl.Int64(),
            "template_id": pl.String(),
            "status": pl.String(),
            "scheduled_at": pl.Datetime("us", "UTC"),
            "provider_message_id": pl.String(),
        },
    )
