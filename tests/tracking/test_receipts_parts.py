"""Receipts per part, parked receipts retried later, and unknown messages reconciled by handset."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.flows import ingest_receipts
from dunning.messages.models import MessagePart, ParkedReceipt
from dunning.messages.outbox import mark_submitting, record_outcomes
from dunning.messages.wire import Receipt, SubmitOutcome
from dunning.tracking.receipts import PARK_LIMIT, apply_receipts, finalise_overdue_parts, retry_parked
from tests.factories import T0, add_debtor, add_message, assert_projection_consistent, row_of, status_of

AT = T0 + timedelta(minutes=1)
PHONE = "+8613800138000"


def _submitting(conn: Connection, cipher: PersonalDataCipher, ref: str, phone: str = PHONE) -> int:
    debtor, contact = add_debtor(conn, cipher, ref, phone)
    mid = add_message(conn, debtor, contact, status="claimed", claimed_by="w1", claimed_at=T0)
    ready, _ = mark_submitting(conn, "w1", [mid], T0, provider="smpp")
    assert ready == [mid]
    return mid


def _accept(conn: Connection, mid: int, *ids: str) -> None:
    counts = record_outcomes(
        conn, "w1", [SubmitOutcome.ok(mid, ids[0], ids)], T0, max_attempts=3, provider="smpp"
    )
    assert counts.submitted == 1


def _parked(conn: Connection) -> list[sa.Row[tuple[str, str | None, int | None]]]:
    t = ParkedReceipt.__table__
    return list(
        conn.execute(
            sa.select(t.c.provider_message_id, t.c.resolution, t.c.message_id).order_by(t.c.id)
        ).all()
    )


def test_a_three_part_message_is_final_when_all_parts_are_and_the_worst_part_wins(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with engine.begin() as conn:
        mid = _submitting(conn, cipher, "P3")
        _accept(conn, mid, "A1", "A2", "A3")
        parts = conn.execute(
            sa.select(MessagePart.part_no, MessagePart.provider_message_key).where(
                MessagePart.message_id == mid
            )
        ).all()
        assert sorted(parts) == [(1, "a1"), (2, "a2"), (3, "a3")]

        first = apply_receipts(conn, [Receipt("a1", "delivered", AT), Receipt("A3", "delivered", AT)], AT)
        assert (first.matched, first.parts, first.unmatched_count) == (0, 1, 0)
        assert status_of(conn, mid) == "submitted"
        # a repeated part receipt is a duplicate, not a new state
        again = apply_receipts(conn, [Receipt("A1", "undelivered", AT)], AT)
        assert (again.matched, again.duplicates) == (0, 1)

        last = apply_receipts(conn, [Receipt("00a2", "undelivered", AT + timedelta(seconds=9), "001")], AT)
        assert (last.matched, last.by_status["undelivered"], sum(last.by_status.values())) == (1, 1, 1)
        row = row_of(conn, mid)
        assert (row.status, row.final_at, row.error) == (
            "undelivered",
            AT + timedelta(seconds=9),
            "undelivered err:001",
        )
        assert_projection_consistent(conn)


def test_parts_overdue_are_finalised_from_the_parts_known(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        mid = _submitting(conn, cipher, "P2")
        _accept(conn, mid, "B1", "B2")
        apply_receipts(conn, [Receipt("B1", "delivered", AT)], AT)
        assert finalise_overdue_parts(conn, T0 + timedelta(hours=47)) == 0
        assert finalise_overdue_parts(conn, T0 + timedelta(hours=49)) == 1
        assert status_of(conn, mid) == "delivered"


def test_a_receipt_before_its_response_is_parked_then_matched(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with engine.begin() as conn:
        mid = _submitting(conn, cipher, "EARLY")
        # the receipt overtakes submit_sm_resp: the message has no id yet
        early = apply_receipts(conn, [Receipt("77", "delivered", AT)], AT, provider="smpp")
        assert (early.matched, early.unmatched_count) == (0, 1)
        assert _parked(conn) == [("77", None, None)]
        _accept(conn, mid, "77")
        retried = retry_parked(conn, AT, provider="smpp")
        assert (retried.matched, retried.resolved_parked) == (1, 1)
        assert status_of(conn, mid) == "delivered"
        assert _parked(conn) == [("77", "matched", mid)]
        assert retry_parked(conn, AT + timedelta(hours=1), provider="smpp").received == 0


def test_unmatched_receipts_back_off_and_are_orphaned(engine: Engine, cipher: PersonalDataCipher) -> None:
    del cipher
    with engine.begin() as conn:
        apply_receipts(conn, [Receipt("nobody", "delivered", AT)], AT)
        assert retry_parked(conn, AT).resolved_parked == 0  # first retry: due at once
        assert retry_parked(conn, AT).orphaned == 0  # not due again yet (backoff)
        t = ParkedReceipt.__table__
        attempts = conn.execute(sa.select(t.c.attempts)).scalar_one()
        assert attempts == 1
        gone = retry_parked(conn, AT + PARK_LIMIT + timedelta(seconds=1))
        assert gone.orphaned == 1
        assert _parked(conn) == [("nobody", "orphaned", None)]


def test_an_unknown_message_is_reconciled_through_its_handset(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with engine.begin() as conn:
        mid = _submitting(conn, cipher, "LOST", "+8613900000001")
        conn.execute(sa.text("UPDATE messages SET status='unknown' WHERE id = :m"), {"m": mid})
        other = _submitting(conn, cipher, "OTHER", "+8613900000002")
        receipt = Receipt("9001", "delivered", AT, handset="8613900000001")
        summary = ingest_receipts(conn, [receipt], AT, provider="smpp", id_format="auto", cipher=cipher)
        assert (summary.matched, summary.reconciled, summary.unmatched_count) == (1, 1, 0)
        row = row_of(conn, mid)
        assert (row.status, row.provider_message_id, row.provider_message_key) == (
            "delivered",
            "9001",
            "9001",
        )
        assert status_of(conn, other) == "submitting"


def test_an_ambiguous_handset_is_parked_not_guessed(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        a = _submitting(conn, cipher, "TWIN-A", "+8613900000009")
        b = _submitting(conn, cipher, "TWIN-B", "+8613900000009")
        conn.execute(sa.text("UPDATE messages SET status='unknown' WHERE id IN (:a, :b)"), {"a": a, "b": b})
        receipt = Receipt("9002", "delivered", AT, handset="+8613900000009")
        summary = ingest_receipts(conn, [receipt], AT, provider=None, id_format="auto", cipher=cipher)
        assert (summary.matched, summary.unmatched_count) == (0, 1)
        assert {status_of(conn, a), status_of(conn, b)} == {"unknown"}


def test_another_reading_of_the_id_hitting_a_final_message_is_parked_not_a_duplicate(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    """Decimal "5504" read as hex is 0x1580 = "1580": an older, delivered message. The receipt belongs to
    a message whose outcome is not recorded yet, so it must wait, not be dropped as a duplicate."""
    with engine.begin() as conn:
        old_debtor, old_contact = add_debtor(conn, cipher, "OLD")
        old = add_message(
            conn,
            old_debtor,
            old_contact,
            status="delivered",
            provider="smpp",
            provider_message_id=str(0x5504),
        )
        mid = _submitting(conn, cipher, "NEW")
        early = apply_receipts(conn, [Receipt("5504", "delivered", AT)], AT, provider="smpp")
        assert (early.matched, early.duplicates, early.unmatched_count) == (0, 0, 1)
        _accept(conn, mid, "5504")
        assert retry_parked(conn, AT, provider="smpp").matched == 1
        assert status_of(conn, mid) == "delivered" and status_of(conn, old) == "delivered"
