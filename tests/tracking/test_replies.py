"""Replies: stored encrypted and linked; an opt-out keyword suppresses the number and cancels."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning.compliance import load_profile
from dunning.core.crypto import PersonalDataCipher
from dunning.core.settings import Settings
from dunning.flows import ingest_replies
from dunning.messages.wire import InboundSms
from dunning.models import Contact, InboundMessage, LoggedEvent
from dunning.tracking.replies import default_is_opt_out
from tests.factories import T0, add_debtor, add_message, status_of

AT = T0 + timedelta(minutes=5)


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
            InboundSms("+8613700000002", "我明天还款", AT, recipient="95000"),
            InboundSms("+8613700000099", "TD", AT),  # nobody's number: stored, nothing to suppress
        ]
        summary = ingest_replies(
            conn, replies, AT, cipher=cipher, is_opt_out=default_is_opt_out, provider="smpp"
        )
        assert summary.as_dict() == {
            "stored": 3,
            "opt_outs": 2,
            "contacts_opted_out": 1,
            "cancelled": 1,
            "unknown_sender": 1,
        }
        assert status_of(conn, queued) == "cancelled"
        logged = conn.execute(sa.select(LoggedEvent.kind, LoggedEvent.debtor_id, LoggedEvent.subject)).all()
        assert [tuple(r) for r in logged] == [("contact.opted_out", debtor, f"contact:{contact}")]
        assert status_of(conn, sent) == "submitted"
        assert status_of(conn, kept) == "queued"
        opted = conn.execute(sa.select(Contact.opted_out_at).where(Contact.id == contact)).scalar_one()
        assert opted == AT
        rows = conn.execute(
            sa.select(
                InboundMessage.sender_enc,
                InboundMessage.body_enc,
                InboundMessage.debtor_id,
                InboundMessage.kind,
            ).order_by(InboundMessage.id)
        ).all()
        assert [
            (cipher.decrypt(r.sender_enc), cipher.decrypt(r.body_enc), r.debtor_id, r.kind) for r in rows
        ] == [
            ("+8613700000001", " 退订 ", debtor, "opt_out"),
            ("+8613700000002", "我明天还款", keeper, None),
            ("+8613700000099", "TD", None, "opt_out"),
        ]
        assert b"8613700000001" not in rows[0].sender_enc  # encrypted at rest


def test_opt_out_keywords_follow_the_profile() -> None:
    us = load_profile("US", Settings())
    assert us.is_opt_out("stop") and not us.is_opt_out("stop calling me at work please")
    assert default_is_opt_out("td") and default_is_opt_out("STOP") and not default_is_opt_out("ok")
