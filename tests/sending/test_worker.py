from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.errors import ConcurrencyError, RetriableProviderError
from dunning.messages.models import ComplianceViolation
from dunning.messages.outbox import ClaimedMessage
from dunning.messages.repository import cancel
from dunning.messages.wire import InboundSms, OutgoingSms, Receipt, SubmitOutcome
from dunning.sending.providers.registry import build_provider
from dunning.sending.worker import Now, SendSummary, collect_inbound, sender_lock
from tests.factories import (
    T0,
    V,
    add_debtor,
    add_message,
    assert_projection_consistent,
    events_of,
    last_detail,
    row_of,
    status_of,
)
from tests.sending.scripted import ScriptedProvider, send, sender_hooks


def _send(engine: Engine, provider: Any, cipher: PersonalDataCipher, now: Now, **kw: Any) -> SendSummary:
    return send(engine, provider, cipher, now, **kw)[0]


def test_send_due_through_the_file_provider(
    engine: Engine, cipher: PersonalDataCipher, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        ids = []
        for i in range(5):
            debtor, contact = add_debtor(conn, cipher, f"D{i}", f"+86138001380{i:02d}")
            ids.append(add_message(conn, debtor, contact, scheduled_at=T0 - timedelta(minutes=i)))
    out = tmp_path / "out" / "outbox.jsonl"
    provider = build_provider(f"file://{out}?seed=7&undelivered=0.4")
    progress: list[int] = []
    summary, hooks = send(engine, provider, cipher, T0, on_progress=lambda s: progress.append(s.submitted))
    assert (summary.batches, summary.claimed, summary.submitted) == (3, 5, 5)
    assert progress == [2, 4, 5]
    assert hooks.receipts.matched == 5
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["message_id"] for line in lines) == sorted(ids)
    assert [line["message_id"] for line in lines] == list(reversed(ids))  # oldest scheduled first
    assert all(line["to"].startswith("138****") for line in lines)
    assert "+8613800138000" not in out.read_text(encoding="utf-8")
    with engine.begin() as conn:
        statuses = [status_of(conn, i) for i in ids]
        assert set(statuses) <= {"delivered", "undelivered"}
        assert statuses.count("undelivered") == hooks.receipts.by_status.get("undelivered", 0)
        for mid, line in zip(ids, sorted(lines, key=lambda x: ids.index(x["message_id"])), strict=True):
            assert row_of(conn, mid).provider_message_id == line["provider_message_id"]
        assert_projection_consistent(conn)
    # nothing left: a second run sends nothing
    again = _send(engine, build_provider(f"file://{out}"), cipher, T0)
    assert again.claimed == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5


def test_blocked_at_submit_never_reaches_the_provider(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        d1, c1 = add_debtor(conn, cipher, "D1")
        d2, c2 = add_debtor(conn, cipher, "D2", "+8613900139000")
        blocked = add_message(conn, d1, c1)
        allowed = add_message(conn, d2, c2)
    seen: list[list[int]] = []

    def recheck(conn: Connection, claimed: Sequence[ClaimedMessage], now: datetime) -> dict[int, list[V]]:
        seen.append([c.message_id for c in claimed])
        assert conn.execute(sa.text("select 1")).scalar_one() == 1  # a live connection
        return {blocked: [V("paid_in_full", "state", "CBA 2026", "已结清", "paid in full")], allowed: []}

    provider = ScriptedProvider()
    summary = _send(engine, provider, cipher, T0, recheck=recheck, batch_size=10)
    assert seen == [[blocked, allowed]]
    assert provider.sent_ids == [allowed]
    assert (summary.blocked, summary.submitted) == (1, 1)
    with engine.begin() as conn:
        assert status_of(conn, blocked) == "blocked"
        assert events_of(conn, blocked) == ["queued", "claimed", "blocked"]
        rule = conn.execute(
            sa.select(ComplianceViolation.rule, ComplianceViolation.stage).where(
                ComplianceViolation.message_id == blocked
            )
        ).one()
        assert tuple(rule) == ("paid_in_full", "submit")
        assert status_of(conn, allowed) == "delivered"
        assert_projection_consistent(conn)


def test_retriable_goes_back_to_queued_then_is_refused_after_max(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        mid = add_message(conn, debtor, contact)

    def throttled(sms: OutgoingSms, attempt: int) -> SubmitOutcome:
        return SubmitOutcome.retry(sms.message_id, "0x00000058", "throttled", retry_after=60)

    provider = ScriptedProvider(throttled)
    first = _send(engine, provider, cipher, T0, max_attempts=2)
    assert (first.submitted, first.retried, first.refused) == (0, 1, 0)
    assert provider.sent_ids == [mid]  # a fixed now never retries within the same run
    with engine.begin() as conn:
        row = row_of(conn, mid)
        assert (row.status, row.scheduled_at, row.claimed_by) == ("queued", T0 + timedelta(seconds=60), None)
        detail = last_detail(conn, mid)
        assert (detail["reason"], detail["attempt"], detail["error_code"]) == ("retry", 1, "0x00000058")

    assert _send(engine, provider, cipher, T0 + timedelta(seconds=59), max_attempts=2).claimed == 0
    second = _send(engine, provider, cipher, T0 + timedelta(seconds=60), max_attempts=2)
    assert (second.retried, second.refused) == (0, 1)
    assert provider.sent_ids == [mid, mid]
    with engine.begin() as conn:
        row = row_of(conn, mid)
        assert row.status == "refused" and row.error.startswith("0x00000058")
        assert last_detail(conn, mid)["reason"] == "max_attempts"
        assert events_of(conn, mid) == [
            "queued",
            "claimed",
            "submitting",
            "queued",
            "claimed",
            "submitting",
            "refused",
        ]
        assert_projection_consistent(conn)


def test_retry_then_accepted(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        mid = add_message(conn, debtor, contact)

    def flaky(sms: OutgoingSms, attempt: int) -> SubmitOutcome:
        if attempt == 1:
            return SubmitOutcome.retry(sms.message_id, "0x00000014", "queue full", retry_after=5)
        return SubmitOutcome.ok(sms.message_id, "0A")

    provider = ScriptedProvider(flaky)
    _send(engine, provider, cipher, T0)
    summary, hooks = send(engine, provider, cipher, T0 + timedelta(seconds=5))
    assert summary.submitted == 1 and hooks.receipts.matched == 1
    with engine.begin() as conn:
        assert status_of(conn, mid) == "delivered"
        assert_projection_consistent(conn)


def test_permanent_error_is_refused_with_the_provider_code(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        mid = add_message(conn, debtor, contact)

    def invalid(sms: OutgoingSms, attempt: int) -> SubmitOutcome:
        return SubmitOutcome.permanent(sms.message_id, "0x0000000B", "invalid destination address")

    provider = ScriptedProvider(invalid)
    summary = _send(engine, provider, cipher, T0)
    assert summary.refused == 1
    assert _send(engine, provider, cipher, T0 + timedelta(hours=1)).claimed == 0  # never retried
    with engine.begin() as conn:
        row = row_of(conn, mid)
        assert (row.status, row.error, row.final_at) == (
            "refused",
            "0x0000000B: invalid destination address",
            T0,
        )
        assert last_detail(conn, mid)["error_code"] == "0x0000000B"
        assert_projection_consistent(conn)


def test_whole_batch_retriable_error(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        ids = [add_message(conn, debtor, contact) for _ in range(3)]
    provider = ScriptedProvider(raise_error=RetriableProviderError("bind lost", "连接断开", retry_after=10))
    summary = _send(engine, provider, cipher, T0, batch_size=10)
    assert summary.retried == 3
    with engine.begin() as conn:
        assert {status_of(conn, i) for i in ids} == {"queued"}
        assert row_of(conn, ids[0]).scheduled_at == T0 + timedelta(seconds=10)


def test_provider_crash_marks_unknown_and_never_resends(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        mid = add_message(conn, debtor, contact)
    crashing = ScriptedProvider(raise_error=RuntimeError("socket closed mid-write"))
    with pytest.raises(RuntimeError):
        _send(engine, crashing, cipher, T0)
    with engine.begin() as conn:
        assert status_of(conn, mid) == "unknown"
        assert last_detail(conn, mid) == {"reason": "provider_exception"}
    healthy = ScriptedProvider()
    assert _send(engine, healthy, cipher, T0 + timedelta(minutes=30)).claimed == 0
    assert healthy.sent_ids == []


def test_missing_outcome_is_unknown(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        a, b = add_message(conn, debtor, contact), add_message(conn, debtor, contact)

    class Forgetful(ScriptedProvider):
        async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
            outcomes = await super().submit_batch(batch, now=now)
            return [*outcomes[:1], SubmitOutcome.ok(9999, "stray")]

    summary = _send(engine, Forgetful(), cipher, T0, batch_size=10)
    assert (summary.submitted, summary.unknown) == (1, 1)
    with engine.begin() as conn:
        assert sorted([status_of(conn, a), status_of(conn, b)]) == ["delivered", "unknown"]
        assert_projection_consistent(conn)


def test_no_recipient_number_is_refused_without_sending(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, _ = add_debtor(conn, cipher, "D1", phone=None)
        mid = add_message(conn, debtor, None)
    provider = ScriptedProvider()
    summary = _send(engine, provider, cipher, T0)
    assert summary.refused == 1 and provider.sent_ids == []
    with engine.begin() as conn:
        assert status_of(conn, mid) == "refused"
        assert last_detail(conn, mid)["reason"] == "no_recipient"


def test_payment_between_claim_and_submit_stops_the_message(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with engine.begin() as conn:
        payer, c1 = add_debtor(conn, cipher, "PAYER")
        other, c2 = add_debtor(conn, cipher, "OTHER", "+8613900139000")
        paid = add_message(conn, payer, c1)
        kept = add_message(conn, other, c2)

    def recheck(conn: Connection, claimed: Sequence[ClaimedMessage], now: datetime) -> dict[int, list[V]]:
        # a payment import commits while this batch is being re-checked
        cancel(conn, now, "payment", debtor_ids=[payer])
        return {}

    provider = ScriptedProvider()
    _send(engine, provider, cipher, T0, recheck=recheck, batch_size=10)
    assert provider.sent_ids == [kept]
    with engine.begin() as conn:
        assert status_of(conn, paid) == "cancelled"
        assert_projection_consistent(conn)


def test_window_closed_messages_lapse_during_send(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        late = add_message(conn, debtor, contact, scheduled_at=T0 - timedelta(hours=13), window_end=T0)
    provider = ScriptedProvider()
    summary = _send(engine, provider, cipher, T0)
    assert summary.lapsed == 1 and provider.sent_ids == []
    with engine.begin() as conn:
        assert status_of(conn, late) == "lapsed"
        assert last_detail(conn, late) == {"reason": "window_closed"}


def test_stale_claims_are_released_at_start(engine: Engine, cipher: PersonalDataCipher) -> None:
    from dunning.messages.outbox import claim_due

    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        mid = add_message(conn, debtor, contact)
        claim_due(conn, "crashed", T0, 10)
    provider = ScriptedProvider()
    summary = _send(engine, provider, cipher, T0 + timedelta(minutes=30), stale_after=timedelta(minutes=10))
    assert (summary.released, summary.submitted) == (1, 1)
    assert provider.sent_ids == [mid]


def test_leftover_claims_on_sqlite_are_released_at_once(engine: Engine, cipher: PersonalDataCipher) -> None:
    from dunning.messages.outbox import claim_due, mark_submitting

    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        claimed, in_flight = add_message(conn, debtor, contact), add_message(conn, debtor, contact)
        claim_due(conn, "crashed", T0, 10)
        mark_submitting(conn, "crashed", [in_flight], T0, provider="scripted")
    provider = ScriptedProvider()
    summary = _send(engine, provider, cipher, T0 + timedelta(minutes=1), stale_after=timedelta(minutes=10))
    if engine.dialect.name == "sqlite":  # the lock proves the crashed sender is gone
        assert (summary.released, summary.unknown, provider.sent_ids) == (1, 1, [claimed])
    else:  # another live sender may still hold them
        assert (summary.released, summary.unknown, provider.sent_ids) == (0, 0, [])
    with engine.begin() as conn:
        assert status_of(conn, in_flight) == ("unknown" if engine.dialect.name == "sqlite" else "submitting")


def test_second_sender_on_sqlite_is_refused(engine: Engine, cipher: PersonalDataCipher) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        mid = add_message(conn, debtor, contact)
    provider = ScriptedProvider()
    with sender_lock(engine), pytest.raises(ConcurrencyError):
        _send(engine, provider, cipher, T0)
    assert provider.sent_ids == []
    with engine.begin() as conn:
        assert status_of(conn, mid) == "queued"


def test_collect_inbound_later(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        mid = add_message(conn, debtor, contact)

    class Late(ScriptedProvider):
        """Receipts arrive only after the send run is over."""

        arrived = False

        async def drain_receipts(self) -> list[Receipt]:
            return await super().drain_receipts() if self.arrived else []

    provider = Late()
    assert send(engine, provider, cipher, T0)[1].receipts.received == 0
    with engine.begin() as conn:
        assert status_of(conn, mid) == "submitted"
    provider.arrived = True
    hooks = sender_hooks(cipher)
    assert asyncio.run(collect_inbound(engine, provider, hooks, T0 + timedelta(minutes=1))) == 1
    assert hooks.receipts.matched == 1
    with engine.begin() as conn:
        assert status_of(conn, mid) == "delivered"
        assert_projection_consistent(conn)


def test_a_clock_is_read_per_batch_so_windows_hold_during_long_runs(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    """With a clock instead of a fixed instant, a window that closes mid-run stops the rest."""
    closes = T0 + timedelta(minutes=30)
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        ids = [
            add_message(conn, debtor, contact, scheduled_at=T0 - timedelta(seconds=i), window_end=closes)
            for i in range(6)
        ]
    ticks = iter([T0, T0, T0 + timedelta(minutes=10), T0 + timedelta(minutes=31)])
    seen: list[datetime] = []

    def clock() -> datetime:
        seen.append(next(ticks, T0 + timedelta(minutes=31)))
        return seen[-1]

    provider = ScriptedProvider()
    summary = _send(engine, provider, cipher, clock, batch_size=2)
    assert (summary.submitted, summary.lapsed) == (4, 2)
    assert provider.sent_ids == list(reversed(ids))[:4]
    with engine.begin() as conn:
        assert [status_of(conn, i) for i in ids[:2]] == ["lapsed", "lapsed"]
        assert_projection_consistent(conn)


def test_sqlite_single_sender_lock(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: one sender per database file")
    with sender_lock(engine), pytest.raises(ConcurrencyError) as info, sender_lock(engine):
        pass
    assert "SQLite" in info.value.en and "发送进程" in info.value.zh
    with sender_lock(engine):  # released again
        pass


class _Holding(ScriptedProvider):
    """An SMSC that holds replies for us while nobody is bound: they arrive right after the bind."""

    def __init__(self, waiting: list[InboundSms]) -> None:
        super().__init__()
        self.waiting = waiting

    async def open(self) -> None:
        await super().open()
        self.inbound.extend(self.waiting)
        self.waiting = []


def test_an_opt_out_waiting_at_the_smsc_stops_the_first_batch(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with engine.begin() as conn:
        d1, c1 = add_debtor(conn, cipher, "D1", "+8613800138000")
        d2, c2 = add_debtor(conn, cipher, "D2", "+8613900139000")
        stopped = add_message(conn, d1, c1)
        kept = add_message(conn, d2, c2)
    provider = _Holding([InboundSms("+8613800138000", "退订", T0)])
    summary, hooks = send(engine, provider, cipher, T0, batch_size=10, settle=0.05)
    assert provider.sent_ids == [kept]
    assert (hooks.replies.opt_outs, hooks.replies.cancelled, summary.claimed) == (1, 1, 1)
    with engine.begin() as conn:
        assert status_of(conn, stopped) == "cancelled"
        assert last_detail(conn, stopped) == {"reason": "opt_out_reply"}
        assert_projection_consistent(conn)


def test_a_send_with_nothing_due_still_takes_in_and_confirms_replies(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with engine.begin() as conn:
        add_debtor(conn, cipher, "D1", "+8613800138000")

    class Confirming(_Holding):
        acknowledged = 0

        async def acknowledge(self) -> None:
            self.acknowledged += 1

    provider = Confirming([InboundSms("+8613800138000", "STOP", T0)])
    summary, hooks = send(engine, provider, cipher, T0, settle=0.05)
    assert summary.claimed == 0 and provider.sent_ids == []
    assert hooks.replies.stored == 1 and provider.acknowledged >= 1
    with engine.begin() as conn:
        opted = conn.execute(
            sa.text("select count(*) from contacts where opted_out_at is not null")
        ).scalar_one()
        assert opted == 1
