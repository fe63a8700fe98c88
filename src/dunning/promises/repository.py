"""Promise-to-pay records: the only SQL on ``promises``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.db import chunks, one_of
from dunning.core.frames import read_frame
from dunning.promises.models import promises

__all__ = [
    "PENDING",
    "SETTLED",
    "PromiseRecord",
    "broken_streak",
    "counts_between",
    "for_debtor",
    "last_made_frame",
    "make",
    "outcome_counts_frame",
    "pending",
    "set_hold",
    "settle",
]

PENDING = "pending"
#: Final states: how a promise turned out (``replaced``: a newer promise took its place).
SETTLED = ("kept", "partly_kept", "broken", "replaced")


@dataclass(frozen=True, slots=True)
class PromiseRecord:
    id: int
    debtor_id: int
    currency: str
    amount_minor: int | None
    target_minor: int
    promised_date: date | None
    check_date: date
    time_zone: str
    status: str
    paid_minor: int
    source: str
    inbound_id: int | None
    task_id: int | None
    hold_id: int | None
    created_at: datetime
    created_by: str
    settled_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": self.status,
            "currency": self.currency,
            "amount_minor": self.amount_minor,
            "target_minor": self.target_minor,
            "paid_minor": self.paid_minor,
            "promised_date": self.promised_date.isoformat() if self.promised_date else None,
            "check_date": self.check_date.isoformat(),
            "source": self.source,
            "created_at": self.created_at.isoformat(),
            "settled_at": self.settled_at.isoformat() if self.settled_at else None,
        }


_COLUMNS = [promises.c[f.name] for f in fields(PromiseRecord)]


def _records(rows: Sequence[sa.Row[tuple[object, ...]]]) -> list[PromiseRecord]:
    return [PromiseRecord(*row) for row in rows]  # type: ignore[arg-type, call-arg]


def make(
    conn: Connection,
    *,
    debtor_id: int,
    currency: str,
    amount_minor: int | None,
    target_minor: int,
    promised_date: date | None,
    check_date: date,
    time_zone: str,
    source: str,
    now: datetime,
    by: str,
    inbound_id: int | None = None,
    task_id: int | None = None,
    hold_id: int | None = None,
) -> tuple[int, list[PromiseRecord]]:
    """Record a promise; the debtor's earlier pending promises become ``replaced`` (returned)."""
    replaced = _records(
        conn.execute(
            promises.update()
            .where(promises.c.debtor_id == debtor_id, promises.c.status == PENDING)
            .values(status="replaced", settled_at=now)
            .returning(*_COLUMNS)
        ).all()
    )
    promise_id = conn.execute(
        promises.insert()
        .values(
            debtor_id=debtor_id,
            currency=currency,
            amount_minor=amount_minor,
            target_minor=target_minor,
            promised_date=promised_date,
            check_date=check_date,
            time_zone=time_zone,
            status=PENDING,
            paid_minor=0,
            source=source,
            inbound_id=inbound_id,
            task_id=task_id,
            hold_id=hold_id,
            created_at=now,
            created_by=by,
        )
        .returning(promises.c.id)
    ).scalar_one()
    return int(promise_id), replaced


def set_hold(conn: Connection, promise_id: int, hold_id: int) -> None:
    conn.execute(promises.update().where(promises.c.id == promise_id).values(hold_id=hold_id))


def pending(
    conn: Connection, *, debtor_ids: Sequence[int] | None = None, check_before: date | None = None
) -> list[PromiseRecord]:
    """Pending promises (of these debtors; or whose check date is before ``check_before``)."""
    base = sa.select(*_COLUMNS).where(promises.c.status == PENDING).order_by(promises.c.id)
    if check_before is not None:
        base = base.where(promises.c.check_date < check_before)
    if debtor_ids is None:
        return _records(conn.execute(base).all())
    out: list[PromiseRecord] = []
    for chunk in chunks(sorted(set(debtor_ids))):
        out.extend(_records(conn.execute(base.where(one_of(conn, promises.c.debtor_id, chunk))).all()))
    return sorted(out, key=lambda p: p.id)


def settle(conn: Connection, promise_id: int, status: str, paid_minor: int, now: datetime) -> bool:
    """Pending → ``status`` (kept, partly_kept, broken); False when it was no longer pending."""
    assert status in SETTLED
    done = conn.execute(
        promises.update()
        .where(promises.c.id == promise_id, promises.c.status == PENDING)
        .values(status=status, paid_minor=paid_minor, settled_at=now)
    )
    return bool(done.rowcount)


def broken_streak(conn: Connection, debtor_id: int) -> int:
    """How many of the debtor's latest settled promises in a row were broken (replaced ones skipped)."""
    statuses = conn.execute(
        sa.select(promises.c.status)
        .where(promises.c.debtor_id == debtor_id, promises.c.status.in_(("kept", "partly_kept", "broken")))
        .order_by(promises.c.settled_at.desc(), promises.c.id.desc())
        .limit(20)
    ).scalars()
    streak = 0
    for status in statuses:
        if status != "broken":
            break
        streak += 1
    return streak


def for_debtor(conn: Connection, debtor_id: int) -> list[PromiseRecord]:
    return _records(
        conn.execute(
            sa.select(*_COLUMNS).where(promises.c.debtor_id == debtor_id).order_by(promises.c.id)
        ).all()
    )


def counts_between(conn: Connection, start: datetime, end: datetime) -> dict[str, int]:
    """Promises made in [start, end) and settled in it by outcome: ``made``, ``kept``, ``partly_kept``,
    ``broken``; ``pending`` = pending now (any age)."""
    made = conn.execute(
        sa.select(sa.func.count()).where(promises.c.created_at >= start, promises.c.created_at < end)
    ).scalar_one()
    settled: dict[str, int] = dict(
        conn.execute(
            sa.select(promises.c.status, sa.func.count())
            .where(promises.c.settled_at >= start, promises.c.settled_at < end)
            .group_by(promises.c.status)
        ).all()
    )
    open_now = conn.execute(sa.select(sa.func.count()).where(promises.c.status == PENDING)).scalar_one()
    return {
        "made": int(made),
        "kept": int(settled.get("kept", 0)),
        "partly_kept": int(settled.get("partly_kept", 0)),
        "broken": int(settled.get("broken", 0)),
        "pending": int(open_now),
    }


def last_made_frame(conn: Connection) -> pl.DataFrame:
    """``debtor_pk, last_promise_at``: when each debtor last promised."""
    query = sa.select(promises.c.debtor_id, sa.func.max(promises.c.created_at)).group_by(promises.c.debtor_id)
    schema: dict[str, pl.DataType] = {"debtor_pk": pl.Int64(), "last_promise_at": pl.Datetime("us", "UTC")}
    return read_frame(conn, query, schema=schema)


def list_promises(
    conn: Connection, *, after: int = 0, limit: int = 50, status: str | None = None
) -> list[PromiseRecord]:
    query = sa.select(*_COLUMNS).where(promises.c.id > after).order_by(promises.c.id).limit(limit)
    if status is not None:
        query = query.where(promises.c.status == status)
    return _records(conn.execute(query).all())


def made_frame(conn: Connection, since: datetime) -> pl.DataFrame:
    """``debtor_pk, created_at`` of promises made from ``since`` on."""
    query = sa.select(promises.c.debtor_id, promises.c.created_at).where(promises.c.created_at >= since)
    return read_frame(conn, query, schema={"debtor_pk": pl.Int64(), "created_at": pl.Datetime("us", "UTC")})


def outcome_counts_frame(conn: Connection) -> pl.DataFrame:
    """``debtor_pk, promises_kept, promises_broken``: each debtor's settled promises."""
    p = promises.c
    query = sa.select(
        p.debtor_id,
        sa.func.sum(sa.case((p.status == "kept", 1), else_=0)),
        sa.func.sum(sa.case((p.status == "broken", 1), else_=0)),
    ).group_by(p.debtor_id)
    schema: dict[str, pl.DataType] = {
        "debtor_pk": pl.Int64(),
        "promises_kept": pl.Int32(),
        "promises_broken": pl.Int32(),
    }
    return read_frame(conn, query, schema=schema)
