from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.messages.models import ComplianceViolation, messages
from dunning.messages.outbox import (
    block,
    claim_due,
    lapse_window_closed,
    mark_submitting,
    record_outcomes,
    release_stale_claims,
)
from dunning.messages.repository import cancel
from dunning.messages.wire import Receipt, SubmitOutcome
from dunning.tracking.receipts import apply_receipts
from tests.factories import (
    T0,
    WINDOW_END,
    V,
    add_debtor,
    add_message,
    add_messages,
    assert_projection_consistent,
    events_of,
    last_detail,
    row_of,
    status_of,
)


def _submitted(conn: Connection, worker: str, accepted: list[tuple[int, str]], now: datetime) -> int:
    outcomes = [SubmitOutcome.ok(m, p) for m, p in accepted]
    return record_outcomes(conn, worker, outcomes, now, max_attempts=3, provider="file").submitted


def test_claim_submit_receipt_lifecycle(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1", "+8613800138000")
        later = add_message(conn, debtor, contact, scheduled_at=T0 + timedelta(minutes=5))
        first = add_message(conn, debtor, contact, scheduled_at=T0 - timedelta(minutes=5))
        not_yet = add_message(conn, debtor, contact, scheduled_at=T0 + timedelta(hours=1))
        closed = add_message(conn, debtor, contact, scheduled_at=T0 - timedelta(hours=2), window_end=T0)

    now = T0 + timedelta(minutes=10)
    with engine.begin() as conn:
        claimed = claim_due(conn, "w1", now, 10)
    assert [c.message_id for c in claimed] == [first, later]  # oldest first; not due and closed skipped
    assert claimed[0].contact_id == contact  # the number is looked up by the sender, never held here
    with engine.begin() as conn:
        assert status_of(conn, not_yet) == "queued" and status_of(conn, closed) == "queued"
        row = row_of(conn, first)
        assert (row.status, row.claimed_by, row.claimed_at) == ("claimed", "w1", now)

        ready, expired = mark_submitting(conn, "w1", [first, later], now, provider="file")
        assert (ready, expired) == (sorted([first, later]), [])
        assert _submitted(conn, "w1", [(first, " 00AB12\x00"), (later, "cd34")], now) == 2
        row = row_of(conn, first)
        assert (row.status, row.provider, row.provider_message_id, row.submitted_at) == (
            "submitted",
            "file",
            "00AB12",
            now,
        )
        summary = apply_receipts(
            conn,
            [
                Receipt("ab12", "delivered", now + timedelta(seconds=3)),
                Receipt("CD34", "undelivered", now + timedelta(seconds=4), error_code="001"),
            ],
            now + timedelta(seconds=5),
        )
        assert (summary.matched, summary.unmatched_count) == (2, 0)
        assert events_of(conn, first) == ["queued", "claimed", "submitting", "submitted", "delivered"]
        assert events_of(conn, later)[-1] == "undelivered"
        row = row_of(conn, later)
        assert (row.status, row.final_at, row.error) == (
            "undelivered",
            now + timedelta(seconds=4),
            "undelivered err:001",
        )
        assert last_detail(conn, first)["provider_message_id"] == "ab12"
        assert_projection_consistent(conn)


def test_claim_limit_and_no_double_claim_in_sequence(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        ids = [add_message(conn, debtor, contact, scheduled_at=T0 - timedelta(seconds=i)) for i in range(5)]
    with engine.begin() as conn:
        a = claim_due(conn, "a", T0, 3)
    with engine.begin() as conn:
        b = claim_due(conn, "b", T0, 3)
        assert claim_due(conn, "c", T0, 3) == []
    assert len(a) == 3 and len(b) == 2
    assert sorted(c.message_id for c in a + b) == sorted(ids)


def test_only_the_claimer_hands_over(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        mid = add_message(conn, debtor, contact)
        claim_due(conn, "owner", T0, 10)
        assert mark_submitting(conn, "intruder", [mid], T0, provider="file") == ([], [])
        assert _submitted(conn, "intruder", [(mid, "x1")], T0) == 0
        assert status_of(conn, mid) == "claimed"
        # the owner cannot record a submission it never handed over either
        assert _submitted(conn, "owner", [(mid, "x1")], T0) == 0
        assert mark_submitting(conn, "owner", [mid], T0, provider="file") == ([mid], [])
        assert mark_submitting(conn, "owner", [mid], T0, provider="file") == ([], [])  # only once
        assert_projection_consistent(conn)


def test_cancel_for_debtors(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        payer, c1 = add_debtor(conn, cipher, "PAYER")
        other, c2 = add_debtor(conn, cipher, "OTHER", "+8613900139000")
        queued = add_message(conn, payer, c1, scheduled_at=T0 + timedelta(hours=1))
        claimed = add_message(conn, payer, c1)
        in_flight = add_message(conn, payer, c1, scheduled_at=T0 - timedelta(minutes=1))
        sent = add_message(conn, payer, c1, status="submitted", submitted_at=T0)
        bystander = add_message(conn, other, c2, scheduled_at=T0 + timedelta(hours=1))
        claim_due(conn, "w", T0, 10)
        mark_submitting(conn, "w", [in_flight], T0, provider="file")

        n = len(cancel(conn, T0, "payment", debtor_ids=[payer], actor="payments"))
        assert n == 2
        assert status_of(conn, queued) == "cancelled" and status_of(conn, claimed) == "cancelled"
        assert status_of(conn, in_flight) == "submitting"  # may already have left: not touched
        assert status_of(conn, sent) == "submitted"
        assert status_of(conn, bystander) == "queued"
        assert last_detail(conn, queued) == {"reason": "payment"}
        # a cancelled claim can no longer be handed to a provider
        assert mark_submitting(conn, "w", [claimed], T0, provider="file") == ([], [])
        assert cancel(conn, T0, "payment", debtor_ids=[payer]) == []
        assert_projection_consistent(conn)


def test_window_closed_lapses(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        stale = add_message(conn, debtor, contact, window_end=T0)
        open_ = add_message(conn, debtor, contact)
        late_claim = add_message(conn, debtor, contact, window_end=T0 + timedelta(minutes=1))
        claim_due(conn, "w", T0, 10)  # claims open_ and late_claim

        assert lapse_window_closed(conn, T0) == 1
        row = row_of(conn, stale)
        assert (row.status, row.submitted_at, row.final_at) == ("lapsed", None, T0)
        assert last_detail(conn, stale) == {"reason": "window_closed"}

        # the window closes between claim and hand-over: lapsed, never handed over
        later = T0 + timedelta(minutes=2)
        ready, lapsed = mark_submitting(conn, "w", [open_, late_claim], later, provider="file")
        assert (ready, lapsed) == ([open_], [late_claim])
        assert last_detail(conn, late_claim) == {"reason": "window_closed"}
        assert_projection_consistent(conn)


def test_record_outcomes_retry_and_permanent(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        ok, retry, perm = (add_message(conn, debtor, contact) for _ in range(3))
        claim_due(conn, "w", T0, 10)
        mark_submitting(conn, "w", [ok, retry, perm], T0, provider="p")
        counts = record_outcomes(
            conn,
            "w",
            [
                SubmitOutcome.ok(ok, "abc"),
                SubmitOutcome.retry(retry, "0x00000058", "throttled", retry_after=30),
                SubmitOutcome.permanent(perm, "0x0000000B", "invalid destination"),
            ],
            T0,
            max_attempts=3,
            provider="p",
        )
        assert (counts.submitted, counts.retried, counts.failed, counts.ignored) == (1, 1, 1, 0)
        row = row_of(conn, retry)
        assert (row.status, row.claimed_by, row.scheduled_at) == ("queued", None, T0 + timedelta(seconds=30))
        assert last_detail(conn, retry)["attempt"] == 1
        assert last_detail(conn, retry)["reason"] == "retry"
        row = row_of(conn, perm)
        assert (row.status, row.error) == ("refused", "0x0000000B: invalid destination")
        assert last_detail(conn, perm)["error_code"] == "0x0000000B"
        assert_projection_consistent(conn)


def test_block_at_submit_writes_decisions(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        bad, good = add_message(conn, debtor, contact), add_message(conn, debtor, contact)
        claim_due(conn, "w", T0, 10)
        blocked = block(conn, {bad: [V("paid_in_full"), V("daily_cap")], good: []}, T0, worker_id="w")
        assert blocked == [bad]
        assert status_of(conn, bad) == "blocked" and status_of(conn, good) == "claimed"
        rows = conn.execute(
            sa.select(ComplianceViolation.stage, ComplianceViolation.rule)
            .where(ComplianceViolation.message_id == bad)
            .order_by(ComplianceViolation.rule)
        ).all()
        assert [tuple(r) for r in rows] == [("submit", "daily_cap"), ("submit", "paid_in_full")]
        assert last_detail(conn, bad) == {"rules": ["paid_in_full", "daily_cap"], "stage": "submit"}
        assert_projection_consistent(conn)


def test_release_stale_claims(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        old_claim, old_flight = add_message(conn, debtor, contact), add_message(conn, debtor, contact)
        claim_due(conn, "dead", T0, 10)
        mark_submitting(conn, "dead", [old_flight], T0, provider="p")
        fresh = add_message(conn, debtor, contact, scheduled_at=T0 + timedelta(minutes=20))
        claim_due(conn, "alive", T0 + timedelta(minutes=25), 10)

        stale = release_stale_claims(conn, T0 + timedelta(minutes=30), timedelta(minutes=15))
        assert (stale.released, stale.unknown) == (1, 1)
        assert status_of(conn, old_claim) == "queued"
        assert last_detail(conn, old_claim) == {"reason": "stale_claim", "worker": "dead"}
        assert status_of(conn, old_flight) == "unknown"  # may have left: never back to queued
        assert status_of(conn, fresh) == "claimed"
        # the slow worker comes back with an answer: it is still recorded
        assert _submitted(conn, "dead", [(old_flight, "late-1")], T0 + timedelta(minutes=31)) == 1
        assert status_of(conn, old_flight) == "submitted"
        assert_projection_consistent(conn)


def _needs_postgres(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: concurrent claimers")


def test_postgres_claim_skips_rows_locked_by_an_open_claim(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    _needs_postgres(engine)
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        ids = [add_message(conn, debtor, contact, scheduled_at=T0 - timedelta(seconds=i)) for i in range(6)]
    first = engine.connect()
    second = engine.connect()
    try:
        first.begin()
        a = claim_due(first, "a", T0, 4)  # not committed: rows stay locked
        second.begin()
        b = claim_due(second, "b", T0, 4)  # must neither wait nor take a's rows
        second.commit()
        first.commit()
    finally:
        first.close()
        second.close()
    assert len(a) == 4 and len(b) == 2
    assert sorted(c.message_id for c in a + b) == sorted(ids)


def test_postgres_two_claimers_never_double_claim(engine: Engine, cipher: PersonalDataCipher) -> None:
    _needs_postgres(engine)
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        add_messages(conn, debtor, contact, [{"scheduled_at": T0 - timedelta(seconds=i)} for i in range(400)])
    start = threading.Barrier(2)
    got: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            start.wait()
            while True:
                with engine.begin() as conn:
                    batch = claim_due(conn, name, T0, 7)
                if not batch:
                    return
                got[name].extend(c.message_id for c in batch)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert not set(got["a"]) & set(got["b"])
    assert len(got["a"]) + len(got["b"]) == 400
    with engine.begin() as conn:
        claimed_events = conn.execute(
            sa.text("select count(*) from message_events where event = 'claimed'")
        ).scalar_one()
        assert claimed_events == 400
        assert (
            conn.execute(sa.select(sa.func.count()).where(messages.c.status == "claimed")).scalar_one() == 400
        )
        assert_projection_consistent(conn)


def test_claim_without_window_end_due(engine: Engine, cipher: PersonalDataCipher) -> None:
    """``now`` equal to window_end is outside the window (half-open interval)."""
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        add_message(conn, debtor, contact, scheduled_at=T0, window_end=WINDOW_END)
        assert claim_due(conn, "w", WINDOW_END, 10) == []
        assert len(claim_due(conn, "w", WINDOW_END - timedelta(microseconds=1), 10)) == 1
