"""Replies: reassembled, stored once, encrypted and linked; each intent leads to its action."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dunning import flows
from dunning.compliance import load_profile
from dunning.core.crypto import PersonalDataCipher
from dunning.core.settings import Settings
from dunning.messages.wire import InboundSms
from dunning.models import Contact, DebtorHold, InboundMessage, InboundPart, LoggedEvent, Promise, Task
from dunning.tracking.replies import default_is_opt_out
from tests.factories import T0, add_debtor, add_message, status_of

AT = T0 + timedelta(minutes=5)
CN = flows.builtin_config("CN")


def ingest(
    conn: Connection, cipher: PersonalDataCipher, replies: list[InboundSms], **kw: object
) -> flows.ReplySummary:
    return flows.ingest_replies(
        conn, replies, AT, cipher=cipher, config=kw.pop("config", CN), provider="smpp"
    )  # type: ignore[arg-type]


def test_opt_out_reply_suppresses_the_number_and_cancels_queued(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "STOPPER", "+8613700000001")
        queued = add_message(conn, debtor, contact)
        sent = add_message(
            conn, debtor, contact, status="submitted", provider="smpp", provider_message_id="1"
        )
        keeper, keeper_contact = add_debtor(conn, cipher, "KEEPER", "+8613700000002")
        kept = add_message(conn, keeper, keeper_contact)
        replies = [
            InboundSms("8613700000001", " 退订 ", AT, recipient="95000"),
            InboundSms("+8613700000002", "好的收到", AT, recipient="95000"),
            InboundSms("+8613700000099", "TD", AT),  # nobody's number: stored, nothing to suppress
        ]
        summary = ingest(conn, cipher, replies)
        assert (summary.stored, summary.opt_outs, summary.contacts_opted_out, summary.cancelled) == (
            3,
            1,
            1,
            1,
        )
        assert summary.unknown_sender == 1 and summary.intents == {"opt_out": 2, "other": 1}
        assert status_of(conn, queued) == "cancelled"
        assert status_of(conn, sent) == "submitted"
        assert status_of(conn, kept) == "queued"
        opted = conn.execute(sa.select(Contact.opted_out_at).where(Contact.id == contact)).scalar_one()
        assert opted == AT
        kinds = (
            conn.execute(sa.select(LoggedEvent.kind).where(LoggedEvent.debtor_id == debtor)).scalars().all()
        )
        assert kinds == ["contact.opted_out", "reply.received"]
        rows = conn.execute(
            sa.select(
                InboundMessage.sender_enc,
                InboundMessage.body_enc,
                InboundMessage.debtor_id,
                InboundMessage.intent,
            ).order_by(InboundMessage.id)
        ).all()
        assert [(cipher.decrypt(r[0]), cipher.decrypt(r[1]), r[2], r[3]) for r in rows] == [
            ("+8613700000001", " 退订 ", debtor, "opt_out"),
            ("+8613700000002", "好的收到", keeper, "other"),
            ("+8613700000099", "TD", None, "opt_out"),
        ]
        assert b"8613700000001" not in rows[0][0]  # encrypted at rest


def test_a_retried_delivery_is_stored_once_and_parts_are_reassembled(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with engine.begin() as conn:
        add_debtor(conn, cipher, "LONG", "+8613700000003")
        once = InboundSms("+8613700000003", "好的", AT)
        assert ingest(conn, cipher, [once, once]).stored == 1
        assert ingest(conn, cipher, [once]).duplicates == 1
        first = InboundSms("+8613700000003", "我下周一", AT, part=(7, 2, 1))
        second = InboundSms("+8613700000003", "还五百", AT, part=(7, 2, 2))
        waiting = ingest(conn, cipher, [first])
        assert (waiting.stored, waiting.parts_waiting) == (0, 1)
        done = ingest(conn, cipher, [second, second])
        assert done.stored == 1 and done.intents == {"promise": 1}
        assert conn.execute(sa.select(sa.func.count()).select_from(InboundPart)).scalar_one() == 0
        promise = conn.execute(sa.select(Promise.amount_minor, Promise.promised_date)).one()
        assert promise.amount_minor == 50_000 and promise.promised_date.isoformat() == "2026-11-30"


@pytest.mark.parametrize(
    ("text", "intent", "hold", "queue"),
    [
        ("再发我就打12378投诉你们", "complaint", "complaint", "compliance_review"),
        ("这笔钱不是我借的", "dispute", "dispute", "disputes"),
        ("失业了，现在实在没钱", "hardship", "hardship", "hardship"),
        ("我昨天已经还清了", "paid", "paid_claim", "payment_check"),
        ("打错了，我不是机主", "wrong_number", None, "phone_collection"),
    ],
)
def test_each_intent_leads_to_its_action(
    engine: Engine, cipher: PersonalDataCipher, text: str, intent: str, hold: str | None, queue: str
) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1", "+8613700000004")
        queued = add_message(conn, debtor, contact)
        summary = ingest(conn, cipher, [InboundSms("+8613700000004", text, AT)])
        assert summary.intents == {intent: 1}
        holds = (
            conn.execute(sa.select(DebtorHold.reason).where(DebtorHold.debtor_id == debtor)).scalars().all()
        )
        assert holds == ([hold] if hold else [])
        task = conn.execute(sa.select(Task.queue, Task.status, Task.hold_id, Task.due_at)).one()
        assert task.queue == queue and task.status == "open"
        assert status_of(conn, queued) == "cancelled"
        if intent == "wrong_number":
            assert conn.execute(sa.select(Contact.invalid_at).where(Contact.id == contact)).scalar_one() == AT
        kinds = (
            conn.execute(sa.select(LoggedEvent.kind).where(LoggedEvent.debtor_id == debtor)).scalars().all()
        )
        assert "reply.received" in kinds and "task.opened" in kinds


def test_a_help_request_is_answered_once(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, _ = add_debtor(conn, cipher, "HELP1", "+8613700000005")
        first = ingest(conn, cipher, [InboundSms("+8613700000005", "请问怎么还款？", AT)])
        again = ingest(
            conn, cipher, [InboundSms("+8613700000005", "在哪里还款啊", AT + timedelta(minutes=1))]
        )
        assert first.answers_queued == 1 and again.answers_queued == 0
        rows = conn.execute(
            sa.text("SELECT kind, status, body FROM messages WHERE debtor_id = :d"), {"d": debtor}
        ).all()
        assert [(r[0], r[1]) for r in rows] == [("help_answer", "queued")]
        assert "95000" in rows[0][2]


def test_us_opt_out_gets_one_confirmation(engine: Engine, cipher: PersonalDataCipher) -> None:
    us = flows.builtin_config("US")
    with engine.begin() as conn:
        debtor, _ = add_debtor(conn, cipher, "US1", "+12025550101", time_zones="America/New_York")
        ingest(conn, cipher, [InboundSms("+12025550101", "STOP", AT)], config=us)
        ingest(conn, cipher, [InboundSms("+12025550101", "stop", AT + timedelta(minutes=20))], config=us)
        rows = conn.execute(
            sa.text("SELECT kind, status, window_end FROM messages WHERE debtor_id = :d"), {"d": debtor}
        ).all()
        assert [(r[0], r[1]) for r in rows] == [("opt_out_confirmation", "queued")]


def test_opt_out_keywords_follow_the_profile() -> None:
    us = load_profile("US", Settings())
    assert us.is_opt_out("stop") and not us.is_opt_out("stop calling me at work please")
    assert default_is_opt_out("td") and default_is_opt_out("STOP") and not default_is_opt_out("ok")
