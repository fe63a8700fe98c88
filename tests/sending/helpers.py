"""Test helpers: hand-built portfolio and outbox rows (SQLAlchemy Core), and a scripted provider."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.crypto import PersonalDataCipher
from dunning.core.masking import mask_phone
from dunning.models import Account, Contact, Debtor, Message, MessageEvent
from dunning.sending.outbox import normalise_provider_id
from dunning.sending.providers.base import OutgoingSms, Receipt, SmsProvider, SubmitOutcome

debtors: sa.Table = Debtor.__table__  # type: ignore[assignment]
contacts: sa.Table = Contact.__table__  # type: ignore[assignment]
accounts: sa.Table = Account.__table__  # type: ignore[assignment]
messages: sa.Table = Message.__table__  # type: ignore[assignment]
events: sa.Table = MessageEvent.__table__  # type: ignore[assignment]

DAY = date(2026, 11, 28)
T0 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
WINDOW_END = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai


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
    debtor_id = conn.execute(
        debtors.insert()
        .values(
            external_id=ref,
            name_enc=cipher.encrypt("张三"),
            name_masked="张*",
            time_zones=time_zones,
            created_at=T0,
            updated_at=T0,
        )
        .returning(debtors.c.id)
    ).scalar_one()
    conn.execute(
        accounts.insert().values(
            external_id=f"{ref}-A",
            debtor_id=debtor_id,
            currency="CNY",
            outstanding_minor=outstanding,
            paid_minor=paid,
            due_date=due_date,
            dispute=False,
            complaint=False,
            bankrupt=False,
            deceased=False,
            time_barred=False,
            opt_out=False,
            status=status,
            created_at=T0,
            updated_at=T0,
        )
    )
    contact_id = None
    if phone is not None:
        contact_id = conn.execute(
            contacts.insert()
            .values(
                debtor_id=debtor_id,
                phone_enc=cipher.encrypt(phone),
                phone_hash=cipher.lookup_hash(phone),
                phone_masked=mask_phone(phone),
                relation="self",
                verified=True,
                primary=True,
                created_at=T0,
                updated_at=T0,
            )
            .returning(contacts.c.id)
        ).scalar_one()
    return debtor_id, contact_id


_KEYS = iter(range(1, 10**9))


def _message_values(debtor_id: int, contact_id: int | None, **over: Any) -> dict[str, Any]:
    slot_date = over.get("slot_date", DAY)
    values: dict[str, Any] = {
        "plan_key": f"{debtor_id}:{slot_date}:{next(_KEYS)}",
        "plan_run": "test",
        "debtor_id": debtor_id,
        "contact_id": contact_id,
        "slot_date": slot_date,
        "strategy_id": "default",
        "segment_id": "early",
        "step_id": "d1",
        "arm": "champion",
        "probability": 1.0,
        "template_id": "reminder",
        "template_version": 1,
        "account_ids": "1",
        "amount_minor": 100_000,
        "currency": "CNY",
        "days_past_due": 1,
        "bucket": "1-3",
        "body": "【安信金融】张*您好，您尾号1234的借款已逾期，请及时还款。",
        "encoding": "UCS-2",
        "segments": 1,
        "scheduled_at": T0,
        "window_end": WINDOW_END,
        "status": "queued",
        "provider": None,
        "provider_message_id": None,
        "provider_message_key": None,
        "claimed_by": None,
        "claimed_at": None,
        "submitted_at": None,
        "created_at": T0,
        "updated_at": T0,
    }
    unknown = set(over) - set(values)
    assert not unknown, f"unknown message columns {unknown}"
    values.update(over)
    if values["provider_message_id"] is not None and "provider_message_key" not in over:
        values["provider_message_key"] = normalise_provider_id(values["provider_message_id"])
    return values


def add_messages(
    conn: Connection, debtor_id: int, contact_id: int | None, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Many messages in one executemany, each with its planner ``queued`` event (and status event)."""
    values = [_message_values(debtor_id, contact_id, **r) for r in rows]
    ids = [
        int(i)
        for i in conn.execute(
            messages.insert().returning(messages.c.id, sort_by_parameter_order=True), values
        ).scalars()
    ]
    evs = [{"message_id": mid, "event": "queued", "at": T0, "actor": "planner"} for mid in ids]
    evs += [
        {"message_id": mid, "event": v["status"], "at": T0, "actor": "test"}
        for mid, v in zip(ids, values, strict=True)
        if v["status"] != "queued"
    ]
    conn.execute(events.insert(), evs)
    return ids


def add_message(conn: Connection, debtor_id: int, contact_id: int | None, **over: Any) -> int:
    """A message row as the planner writes it (columns overridable), plus its events."""
    return add_messages(conn, debtor_id, contact_id, [over])[0]


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


Script = Callable[[OutgoingSms, int], SubmitOutcome]


class ScriptedProvider(SmsProvider):
    """Answers each submission as ``script(sms, attempt)`` says; accepts with id = hex(message id)."""

    name = "scripted"

    def __init__(self, script: Script | None = None, *, raise_error: BaseException | None = None) -> None:
        super().__init__("scripted://")
        self.script = script
        self.raise_error = raise_error
        self.calls: list[list[OutgoingSms]] = []
        self.pending: list[Receipt] = []
        self.attempts: dict[int, int] = {}
        self.opened = 0

    async def open(self) -> None:
        self.opened += 1

    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        self.calls.append(list(batch))
        if self.raise_error is not None:
            raise self.raise_error
        out = []
        for sms in batch:
            attempt = self.attempts[sms.message_id] = self.attempts.get(sms.message_id, 0) + 1
            outcome = (
                self.script(sms, attempt)
                if self.script
                else SubmitOutcome.ok(sms.message_id, f"{sms.message_id:X}")
            )
            if outcome.accepted:
                assert outcome.provider_message_id is not None
                self.pending.append(
                    Receipt(outcome.provider_message_id, "delivered", now + timedelta(seconds=5))
                )
            out.append(outcome)
        return out

    async def drain_receipts(self) -> list[Receipt]:
        out, self.pending = self.pending, []
        return out

    @property
    def sent_ids(self) -> list[int]:
        return [s.message_id for batch in self.calls for s in batch]
