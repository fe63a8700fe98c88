"""Tasks and their notes: the only SQL on ``tasks`` and ``task_notes``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from dunning.core.db import chunks, one_of
from dunning.core.errors import ConcurrencyError, InputError, NotFound
from dunning.core.frames import read_frame
from dunning.tasks.models import task_notes, tasks

__all__ = [
    "OUTCOMES",
    "STATUSES",
    "NoteRecord",
    "TaskRecord",
    "add_note",
    "claim",
    "close",
    "counts_between",
    "get",
    "last_of_rule_frame",
    "list_tasks",
    "notes",
    "open_task",
    "open_tasks_of",
    "raise_priority",
]

STATUSES = ("open", "claimed", "closed")
#: Outcome codes an agent closes a task with: code → (中文, English).
OUTCOMES: dict[str, tuple[str, str]] = {
    "PTP": ("承诺还款", "promise to pay"),
    "RTP": ("拒绝还款", "refuses to pay"),
    "NO_ANSWER": ("无人接听", "no answer"),
    "CALLBACK": ("约定回电", "call back later"),
    "WRONG_PARTY": ("非本人", "wrong party"),
    "PAID": ("已还款", "paid"),
    "PAYMENT_FOUND": ("已核实到账", "payment found"),
    "PAYMENT_NOT_FOUND": ("未查到还款", "payment not found"),
    "RESOLVED": ("已处理", "resolved"),
    "ESCALATED": ("已升级（法务/委外）", "escalated (legal or agency)"),
}


@dataclass(frozen=True, slots=True)
class TaskRecord:
    id: int
    queue: str
    debtor_id: int
    reason: str
    rule_id: str | None
    priority: int
    status: str
    owner: str | None
    due_at: datetime
    source: str | None
    hold_id: int | None
    contact_id: int | None
    outcome: str | None
    created_at: datetime
    claimed_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            out[spec.name] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass(frozen=True, slots=True)
class NoteRecord:
    id: int
    task_id: int
    at: datetime
    by: str
    body_enc: bytes


_COLUMNS = [tasks.c[f.name] for f in fields(TaskRecord)]


def _records(rows: Sequence[sa.Row[tuple[object, ...]]]) -> list[TaskRecord]:
    return [TaskRecord(*row) for row in rows]  # type: ignore[arg-type, call-arg]


def open_task(
    conn: Connection,
    *,
    queue: str,
    debtor_id: int,
    reason: str,
    priority: int,
    due_at: datetime,
    now: datetime,
    rule_id: str | None = None,
    owner: str | None = None,
    source: str | None = None,
    hold_id: int | None = None,
    contact_id: int | None = None,
) -> tuple[int, bool]:
    """Open a task unless the same cause (debtor × queue × reason) already has one open.

    Returns ``(task id, opened)``: the existing task's id and False when one was open already. The
    unique ``open_key`` makes this safe against a concurrent worker (ON CONFLICT DO NOTHING).
    """
    key = f"{debtor_id}:{queue}:{reason}"
    values = {
        "queue": queue,
        "debtor_id": debtor_id,
        "reason": reason,
        "rule_id": rule_id,
        "priority": priority,
        "status": "open",
        "owner": owner,
        "due_at": due_at,
        "open_key": key,
        "source": source,
        "hold_id": hold_id,
        "contact_id": contact_id,
        "created_at": now,
        "updated_at": now,
    }
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(tasks)
    created = conn.execute(
        insert.values(**values).on_conflict_do_nothing(index_elements=["open_key"]).returning(tasks.c.id)
    ).scalar_one_or_none()
    if created is not None:
        return int(created), True
    existing = conn.execute(sa.select(tasks.c.id).where(tasks.c.open_key == key)).scalar_one()
    return int(existing), False


def get(conn: Connection, task_id: int) -> TaskRecord:
    rows = _records(conn.execute(sa.select(*_COLUMNS).where(tasks.c.id == task_id)).all())
    if not rows:
        raise NotFound(f"no task {task_id}", f"没有任务 {task_id}")
    return rows[0]


def claim(conn: Connection, task_id: int, by: str, now: datetime) -> TaskRecord:
    """Open → claimed by ``by``; claiming one's own claimed task again is a no-op."""
    task = get(conn, task_id)
    if task.status == "closed":
        raise InputError(f"task {task_id} is closed", f"任务 {task_id} 已关闭")
    if task.status == "claimed" and task.owner != by:
        raise ConcurrencyError(
            f"task {task_id} is claimed by {task.owner}", f"任务 {task_id} 已被 {task.owner} 认领"
        )
    conn.execute(
        tasks.update()
        .where(tasks.c.id == task_id, tasks.c.status != "closed")
        .values(status="claimed", owner=by, claimed_at=task.claimed_at or now, updated_at=now)
    )
    return get(conn, task_id)


def add_note(conn: Connection, task_id: int, by: str, body_enc: bytes, now: datetime) -> int:
    get(conn, task_id)
    note_id = conn.execute(
        task_notes.insert()
        .values(task_id=task_id, at=now, by=by, body_enc=body_enc)
        .returning(task_notes.c.id)
    ).scalar_one()
    conn.execute(tasks.update().where(tasks.c.id == task_id).values(updated_at=now))
    return int(note_id)


def notes(conn: Connection, task_id: int) -> list[NoteRecord]:
    rows = conn.execute(
        sa.select(
            task_notes.c.id, task_notes.c.task_id, task_notes.c.at, task_notes.c.by, task_notes.c.body_enc
        )
        .where(task_notes.c.task_id == task_id)
        .order_by(task_notes.c.id)
    ).all()
    return [NoteRecord(int(a), int(b), c, str(d), bytes(e)) for a, b, c, d, e in rows]


def close(conn: Connection, task_id: int, outcome: str, by: str, now: datetime) -> TaskRecord:
    """Close with an outcome code (:data:`OUTCOMES`); a closed task cannot be closed again."""
    if outcome not in OUTCOMES:
        raise InputError(
            f"unknown outcome {outcome!r}; one of {', '.join(OUTCOMES)}",
            f"未知处理结果 {outcome!r}；可选 {'、'.join(OUTCOMES)}",
        )
    done = conn.execute(
        tasks.update()
        .where(tasks.c.id == task_id, tasks.c.status != "closed")
        .values(status="closed", outcome=outcome, open_key=None, closed_at=now, closed_by=by, updated_at=now)
    )
    if not done.rowcount:
        get(conn, task_id)  # NotFound when it does not exist
        raise InputError(f"task {task_id} is already closed", f"任务 {task_id} 已关闭")
    return get(conn, task_id)


def open_tasks_of(
    conn: Connection, debtor_ids: Sequence[int], *, queue: str | None = None, reason: str | None = None
) -> list[TaskRecord]:
    """Open or claimed tasks of these debtors (one query per 5,000 debtors), by id."""
    out: list[TaskRecord] = []
    for chunk in chunks(sorted(set(debtor_ids))):
        query = sa.select(*_COLUMNS).where(one_of(conn, tasks.c.debtor_id, chunk), tasks.c.status != "closed")
        if queue is not None:
            query = query.where(tasks.c.queue == queue)
        if reason is not None:
            query = query.where(tasks.c.reason == reason)
        out.extend(_records(conn.execute(query).all()))
    return sorted(out, key=lambda t: t.id)


def list_tasks(
    conn: Connection,
    *,
    queue: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    debtor_id: int | None = None,
    limit: int = 100,
) -> list[TaskRecord]:
    """Tasks by urgency: priority, then due time. ``status`` "active" = open or claimed."""
    query = sa.select(*_COLUMNS)
    if queue:
        query = query.where(tasks.c.queue == queue)
    if status == "active":
        query = query.where(tasks.c.status != "closed")
    elif status:
        query = query.where(tasks.c.status == status)
    if owner:
        query = query.where(tasks.c.owner == owner)
    if debtor_id is not None:
        query = query.where(tasks.c.debtor_id == debtor_id)
    query = query.order_by(tasks.c.priority, tasks.c.due_at, tasks.c.id).limit(limit)
    return _records(conn.execute(query).all())


def counts_between(conn: Connection, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
    """Per queue: tasks ``opened`` and ``closed`` in [start, end) and ``open`` now."""
    out: dict[str, dict[str, int]] = {}

    def add(rows: Sequence[Any], key: str) -> None:
        for queue, n in rows:
            out.setdefault(str(queue), {"opened": 0, "closed": 0, "open": 0})[key] = int(n)

    add(conn.execute(
        sa.select(tasks.c.queue, sa.func.count())
        .where(tasks.c.created_at >= start, tasks.c.created_at < end).group_by(tasks.c.queue)
    ).all(), "opened")  # fmt: skip
    add(conn.execute(
        sa.select(tasks.c.queue, sa.func.count())
        .where(tasks.c.closed_at >= start, tasks.c.closed_at < end).group_by(tasks.c.queue)
    ).all(), "closed")  # fmt: skip
    add(conn.execute(
        sa.select(tasks.c.queue, sa.func.count()).where(tasks.c.status != "closed").group_by(tasks.c.queue)
    ).all(), "open")  # fmt: skip
    return dict(sorted(out.items()))


def raise_priority(conn: Connection, task_id: int, priority: int, now: datetime) -> bool:
    """Make an open task more urgent (never less); True when it changed."""
    done = conn.execute(
        tasks.update()
        .where(tasks.c.id == task_id, tasks.c.status != "closed", tasks.c.priority > priority)
        .values(priority=priority, updated_at=now)
    )
    return bool(done.rowcount)


def last_of_rule_frame(conn: Connection, rule_id: str) -> pl.DataFrame:
    """``debtor_pk, last_task_at``: when each debtor last got a task from ``rule_id`` (open or not)."""
    query = (
        sa.select(tasks.c.debtor_id, sa.func.max(tasks.c.created_at))
        .where(tasks.c.rule_id == rule_id)
        .group_by(tasks.c.debtor_id)
    )
    schema: dict[str, pl.DataType] = {"debtor_pk": pl.Int64(), "last_task_at": pl.Datetime("us", "UTC")}
    return read_frame(conn, query, schema=schema)
