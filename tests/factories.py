"""Test data, built the way the system builds it: messages through ``messages.enqueue`` (and moved
through ``messages.transition``), debtors and contacts in bulk. Used by the tests and by
``bench/send.py`` alike, so both exercise the same writers the planner and the sender use.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.frames import UTC_DATETIME
from dunning.core.masking import mask_phone
from dunning.messages import repository as messages_repo
from dunning.messages.models import message_events, messages
from dunning.messages.status import MessageStatus
from dunning.messages.wire import normalise_provider_id
from dunning.portfolio.models import Account, Contact, Debtor

debtors: sa.Table = Debtor.__table__  # type: ignore[assignment]
contacts: sa.Table = Contact.__table__  # type: ignore[assignment]
accounts: sa.Table = Account.__table__  # type: ignore[assignment]
events = message_events

DAY = date(2026, 11, 28)
T0 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
WINDOW_END = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai
BODY = "【安信金融】张*您好，您尾号1234的借款已逾期，请及时还款。"


def add_debtor(
    conn: Connection,
    cipher: PersonalDataCipher,
    ref: str,
    phone: str | None = "+8613800138000",
    *,
    due_date: date = DAY,
    outstanding: int = 100_000,
    paid: int = 0,
    status: str = "open",
    time_zones: str = "Asia/Shanghai",
) -> tuple[int, int | None]:
    """A debtor with one account and (unless ``phone`` is None) one verified primary contact."""
    ids = add_debtors(
        conn,
        cipher,
        [ref],
        [phone],
        due_date=due_date,
        outstanding=[outstanding],
        paid=paid,
        status=status,
        time_zones=time_zones,
    )
    return ids[0]


def add_debtors(
    conn: Connection,
    cipher: PersonalDataCipher,
    refs: Sequence[str],
    phones: Sequence[str | None],
    *,
    due_date: date = DAY,
    outstanding: Sequence[int] | None = None,
    paid: int = 0,
    status: str = "open",
    time_zones: str = "Asia/Shanghai",
    now: datetime = T0,
) -> list[tuple[int, int | None]]:
    """Debtors in bulk, each with one account (``<ref>-A``) and, when it has a phone, one verified
    primary contact. Returns ``(debtor_id, contact_id)`` in the order given."""
    name = cipher.encrypt("张三")
    debtor_ids = [
        int(x)
        for x in conn.execute(
            debtors.insert().returning(debtors.c.id, sort_by_parameter_order=True),
            [
                {
                    "external_id": ref,
                    "name_enc": name,
                    "name_masked": "张*",
                    "time_zones": time_zones,
                    "created_at": now,
                    "updated_at": now,
                }
                for ref in refs
            ],
        ).scalars()
    ]
    amounts = list(outstanding) if outstanding is not None else [100_000] * len(refs)
    flags = dict.fromkeys(("dispute", "complaint", "bankrupt", "deceased", "time_barred", "opt_out"), False)
    conn.execute(
        accounts.insert(),
        [
            {
                "external_id": f"{ref}-A",
                "debtor_id": d,
                "currency": "CNY",
                "outstanding_minor": amount,
                "paid_minor": paid,
                "due_date": due_date,
                **flags,
                "status": status,
                "created_at": now,
                "updated_at": now,
            }
            for ref, d, amount in zip(refs, debtor_ids, amounts, strict=True)
        ],
    )
    with_phone = [(d, p) for d, p in zip(debtor_ids, phones, strict=True) if p is not None]
    contact_of: dict[int, int] = {}
    if with_phone:
        ids = conn.execute(
            contacts.insert().returning(contacts.c.id, sort_by_parameter_order=True),
            [
                {
                    "debtor_id": d,
                    "phone_enc": cipher.encrypt(p),
                    "phone_hash": cipher.lookup_hash(p),
                    "phone_masked": mask_phone(p),
                    "relation": "self",
                    "verified": True,
                    "primary": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for d, p in with_phone
            ],
        ).scalars()
        contact_of = {d: int(c) for (d, _), c in zip(with_phone, ids, strict=True)}
    return [(d, contact_of.get(d)) for d in debtor_ids]


# Columns a test may set on a message beyond what the planner writes (the sender's and receipts').
_LATER = (
    "provider",
    "provider_message_id",
    "provider_message_key",
    "claimed_by",
    "claimed_at",
    "submitted_at",
)


def planned(debtor_id: int, contact_id: int | None, key: str, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "plan_key": f"{debtor_id}:{over.get('slot_date', DAY)}:{key}",
        "debtor_id": debtor_id,
        "contact_id": contact_id,
        "slot_date": DAY,
        "strategy_id": "default",
        "segment_id": "early",
        "step_id": "d1",
        "arm": "champion",
        "probability": 1.0,
        "template_id": "reminder",
        "template_version": 1,
        "amount_minor": 100_000,
        "currency": "CNY",
        "days_past_due": 1,
        "bucket": "1-3",
        "body": BODY,
        "encoding": "UCS-2",
        "segments": 1,
        "scheduled_at": T0,
        "window_end": WINDOW_END,
    }
    unknown = set(over) - set(row) - {"status", "account_ids", *_LATER}
    assert not unknown, f"unknown message columns {unknown}"
    row.update({k: v for k, v in over.items() if k in row})
    return row


ENQUEUE_SCHEMA = {
    "plan_key": pl.String,
    "debtor_id": pl.Int64,
    "contact_id": pl.Int64,
    "slot_date": pl.Date,
    "strategy_id": pl.String,
    "segment_id": pl.String,
    "step_id": pl.String,
    "arm": pl.String,
    "probability": pl.Float64,
    "template_id": pl.String,
    "template_version": pl.Int32,
    "amount_minor": pl.Int64,
    "currency": pl.String,
    "days_past_due": pl.Int32,
    "bucket": pl.String,
    "body": pl.String,
    "encoding": pl.String,
    "segments": pl.Int32,
    "scheduled_at": UTC_DATETIME,
    "window_end": UTC_DATETIME,
}


def enqueue_frame(
    rows: Sequence[Mapping[str, Any]], violations: Sequence[list[str]] | None = None
) -> pl.DataFrame:
    """The frame ``messages.enqueue`` takes, from planned rows (see :func:`planned`)."""
    frame = pl.DataFrame(
        [{k: r[k] for k in ENQUEUE_SCHEMA} for r in rows], schema=ENQUEUE_SCHEMA, orient="row"
    )
    return frame.with_columns(
        pl.Series("account_ids", [list(r["account_ids"]) for r in rows], dtype=pl.List(pl.Int64)),
        pl.Series("violations", list(violations or [[] for _ in rows]), dtype=pl.List(pl.String)),
    )


def enqueue_rows(conn: Connection, rows: Sequence[Mapping[str, Any]], *, now: datetime = T0) -> list[int]:
    """Planned messages (dicts of :data:`dunning.messages.repository.ENQUEUE_COLUMNS` plus
    ``account_ids``) through ``messages.enqueue``; their ids in the order given."""
    if not rows:
        return []
    frame = enqueue_frame(rows)
    run = uuid.uuid4().hex[:16]
    messages_repo.enqueue(conn, frame, run_id=run, now=now, actor="planner")
    by_key = dict(
        conn.execute(sa.select(messages.c.plan_key, messages.c.id).where(messages.c.plan_run == run)).all()
    )
    return [int(by_key[r["plan_key"]]) for r in rows]


def _accounts_of(conn: Connection, debtor_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for debtor_id, account_id in conn.execute(
        sa.select(accounts.c.debtor_id, accounts.c.id).where(
            accounts.c.debtor_id.in_(sorted(set(debtor_ids)))
        )
    ):
        out.setdefault(int(debtor_id), []).append(int(account_id))
    return out


def add_messages(
    conn: Connection, debtor_id: int, contact_id: int | None, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Messages of one debtor, enqueued as the planner does, then moved to any ``status`` a test
    names (with the sender's columns it gives, e.g. ``provider_message_id``) by ``transition``."""
    covered = _accounts_of(conn, [debtor_id]).get(debtor_id, [])
    rows_in = [
        {
            **planned(debtor_id, contact_id, uuid.uuid4().hex[:12], **r),
            "account_ids": r.get("account_ids", covered),
        }
        for r in rows
    ]
    ids = enqueue_rows(conn, rows_in)
    for mid, r in zip(ids, rows, strict=True):
        status = r.get("status", MessageStatus.QUEUED)
        later = {k: r[k] for k in _LATER if k in r}
        if "provider_message_id" in later and "provider_message_key" not in later:
            later["provider_message_key"] = normalise_provider_id(later["provider_message_id"] or "")
        if status == MessageStatus.QUEUED and not later:
            continue
        moved = messages_repo.transition(
            conn, [mid], from_states=(MessageStatus.QUEUED,), to_state=status, now=T0, values=later
        )
        if status != MessageStatus.QUEUED:
            messages_repo.append_events(conn, [(m, status, T0, "test", None) for m in moved])
    return ids


def add_message(conn: Connection, debtor_id: int, contact_id: int | None, **over: Any) -> int:
    """One message (columns overridable, any status), with its events."""
    return add_messages(conn, debtor_id, contact_id, [over])[0]


def seed_outbox(
    engine: Engine,
    cipher: PersonalDataCipher,
    n: int,
    *,
    phone_of: Callable[[int], str],
    body_of: Callable[[int], str],
    ref_of: Callable[[int], str] = lambda i: f"K{i:06d}",
    scheduled_at: Callable[[int], datetime] = lambda _i: T0,
    window_end: datetime = WINDOW_END,
    encoding: str = "UCS-2",
    template: tuple[str, int] = ("reminder", 1),
    debtors_count: int | None = None,
    now: datetime = T0,
    chunk: int = 20_000,
) -> list[int]:
    """``n`` queued messages in bulk (for the kill tests and ``bench/send.py``): ``debtors_count``
    debtors (default one per message) with one account and one verified contact each; message ``i``
    goes to debtor ``i % debtors_count``."""
    people = debtors_count or n
    with unit_of_work(engine) as conn:
        pairs = []
        for start in range(0, people, chunk):
            part = range(start, min(people, start + chunk))
            pairs += add_debtors(
                conn,
                cipher,
                [ref_of(i) for i in part],
                [phone_of(i) for i in part],
                outstanding=[(100 + i) * 100 for i in part],
                now=now,
            )
        account = _accounts_of(conn, [d for d, _ in pairs])
        ids: list[int] = []
        for start in range(0, n, chunk):
            rows = []
            for i in range(start, min(n, start + chunk)):
                debtor_id, contact_id = pairs[i % people]
                rows.append(
                    {
                        **planned(
                            debtor_id,
                            contact_id,
                            f"seed{i}",
                            template_id=template[0],
                            template_version=template[1],
                            amount_minor=(100 + i) * 100,
                            body=body_of(i),
                            encoding=encoding,
                            scheduled_at=scheduled_at(i),
                            window_end=window_end,
                        ),
                        "account_ids": account.get(debtor_id, []),
                    }
                )
            ids += enqueue_rows(conn, rows, now=now)
    return ids


def add_operator(conn: Connection, name: str, role: str) -> None:
    """An active operator (what ``dunning operators add`` creates), for tests that act as one."""
    from dunning.access import add_operator as create

    create(conn, name, role, T0)


# --------------------------------------------------------------------------------------------------
# Reading back


def status_of(conn: Connection, message_id: int) -> str:
    return str(conn.execute(sa.select(messages.c.status).where(messages.c.id == message_id)).scalar_one())


def row_of(conn: Connection, message_id: int) -> Any:
    return conn.execute(sa.select(messages).where(messages.c.id == message_id)).one()


def events_of(conn: Connection, message_id: int) -> list[str]:
    return list(
        conn.execute(
            sa.select(events.c.event).where(events.c.message_id == message_id).order_by(events.c.id)
        ).scalars()
    )


def last_detail(conn: Connection, message_id: int) -> dict[str, Any]:
    detail = conn.execute(
        sa.select(events.c.detail).where(events.c.message_id == message_id).order_by(events.c.id.desc())
    ).first()
    assert detail is not None and detail[0] is not None
    parsed: dict[str, Any] = json.loads(detail[0])
    return parsed


def assert_projection_consistent(conn: Connection) -> None:
    """For every message, ``messages.status`` equals the name of its latest event."""
    latest = (
        sa.select(events.c.message_id, sa.func.max(events.c.id).label("last_id"))
        .group_by(events.c.message_id)
        .subquery()
    )
    rows = conn.execute(
        sa.select(messages.c.id, messages.c.status, events.c.event)
        .select_from(
            messages.outerjoin(latest, latest.c.message_id == messages.c.id).outerjoin(
                events, events.c.id == latest.c.last_id
            )
        )
        .order_by(messages.c.id)
    ).all()
    wrong = [(r.id, r.status, r.event) for r in rows if r.status != r.event]
    assert not wrong, f"status differs from the latest event: {wrong}"


@dataclass(frozen=True)
class V:
    """A Violation-like record, as the compliance gate returns."""

    rule: str
    category: str = "content"
    legal_basis: str = "CBA 2026 §12"
    reason_zh: str = "测试原因"
    reason_en: str = "test reason"


__all__ = [
    "BODY",
    "DAY",
    "ENQUEUE_SCHEMA",
    "T0",
    "WINDOW_END",
    "V",
    "add_debtor",
    "add_debtors",
    "add_message",
    "add_messages",
    "add_operator",
    "assert_projection_consistent",
    "enqueue_frame",
    "enqueue_rows",
    "events_of",
    "last_detail",
    "planned",
    "row_of",
    "seed_outbox",
    "status_of",
]
