"""The return path end to end on a real database and real SMPP: replies from handsets (MO) through
the built-in SMSC to their actions; promises kept and broken across days; payments between plan and
send; attribution; escalation to tasks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning import flows
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.messages.wire import InboundSms
from dunning.models import Contact, InboundMessage, Message, PaymentAttribution, Promise, Task
from dunning.sending.providers.smpp.provider import SmppProvider
from dunning.sending.smsc import SimulatorThread
from tests.factories import DAY, T0, add_debtor

NOW = T0 + timedelta(minutes=30)  # 09:30 in Shanghai: inside the due-day step's 09:00–11:00 window
CN = flows.builtin_config("CN")


def _send(
    engine: Engine, cipher: PersonalDataCipher, sim: SimulatorThread, at: object = NOW, **kw: object
) -> flows.SendDayResult:
    async def run() -> flows.SendDayResult:
        provider = SmppProvider(f"smpp://dunning:pw@127.0.0.1:{sim.port}?tps={kw.pop('tps', 2000)}&window=10")
        try:
            return await flows.send_day(
                engine, kw.pop("config", CN), provider, cipher, at, await_receipts=5.0, **kw
            )  # type: ignore[arg-type]
        finally:
            await provider.close()

    return asyncio.run(run())


def _status(engine: Engine, debtor: int) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(Message.kind, Message.status).where(Message.debtor_id == debtor).order_by(Message.id)
        ).all()
    return [(str(k), str(s)) for k, s in rows]


@pytest.mark.parametrize(
    ("text", "intent", "action", "collection_status"),
    [
        ("退订", "opt_out", "suppressed", "cancelled"),
        ("你们再发短信骚扰我，我就打12378投诉", "complaint", "hold:complaint", "cancelled"),
        ("这钱根本不是我借的，你们搞错了", "dispute", "hold:dispute", "cancelled"),
        ("最近住院了，实在没钱还", "hardship", "hold:hardship", "cancelled"),
        ("我昨天就已经还清了", "paid", "hold:paid_claim", "cancelled"),
        ("后天还你们500", "promise", "hold:promise", "cancelled"),
        ("打错了，我不认识这个人", "wrong_number", "contact_invalid", "cancelled"),
        ("请问在哪里还款", "help", "help_queued", "cancelled"),  # the answer goes instead
        ("收到", "other", None, "delivered"),
    ],
)
def test_each_intent_through_a_real_mo_to_its_action(
    engine: Engine,
    cipher: PersonalDataCipher,
    text: str,
    intent: str,
    action: str | None,
    collection_status: str,
) -> None:
    with unit_of_work(engine) as conn:
        debtor, _ = add_debtor(conn, cipher, "D1001", "+8613700001001", due_date=DAY)
        planned = flows.plan_day(conn, CN, NOW)
    assert planned.queued == 1
    with SimulatorThread(password="pw") as sim:
        # The reply waits at the SMSC until the sender binds; it is taken in before the first claim.
        assert sim.send_mo("8613700001001", text, "95000") is False
        result = _send(engine, cipher, sim)
    assert result.replies.intents == {intent: 1}
    with engine.connect() as conn:
        stored = conn.execute(sa.select(InboundMessage.intent, InboundMessage.action)).one()
    assert stored.intent == intent
    if action is not None:
        assert action in (stored.action or "")
    statuses = _status(engine, debtor)
    assert statuses[0] == ("collection", collection_status)
    if intent == "help":
        assert ("help_answer", "delivered") in statuses  # answered in the same run, after the gate


def test_opt_outs_arriving_while_the_batches_are_in_flight(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    """Every delivered message draws a STOP-like reply while later batches are still going out: each
    number gets exactly one message, and every number ends opted out."""
    with unit_of_work(engine) as conn:
        debtors = [
            add_debtor(conn, cipher, f"D2{i:03d}", f"+86137000020{i:02d}", due_date=DAY) for i in range(12)
        ]
        assert flows.plan_day(conn, CN, NOW).queued == 12
    with SimulatorThread(password="pw", replies={"opt_out": 1.0}, reply_delay=0.0) as sim:
        result = _send(engine, cipher, sim, tps=8, batch_size=1)
        handsets = [r.destination for r in sim.received]
    assert sorted(handsets) == sorted({h for h in handsets})  # nobody got a second message
    assert result.replies.opt_outs == len(handsets) == 12
    with engine.connect() as conn:
        opted = conn.execute(sa.select(sa.func.count()).where(Contact.opted_out_at.is_not(None))).scalar_one()
    assert opted == len(debtors)


def test_a_payment_between_plan_and_send_stops_the_message(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with unit_of_work(engine) as conn:
        debtor, _ = add_debtor(conn, cipher, "D3001", "+8613700003001", due_date=DAY, outstanding=100_000)
        assert flows.plan_day(conn, CN, NOW).queued == 1
        paid = flows.record_payments(
            conn,
            [flows.PaymentIn("P3001", "D3001-A", "1000.00", "CNY", NOW.isoformat())],
            NOW,
            cipher=cipher,
            config=CN,
        )
    assert paid.cancelled == 1
    with SimulatorThread(password="pw") as sim:
        result = _send(engine, cipher, sim)
        assert sim.received == []
    assert result.send.submitted == 0
    assert _status(engine, debtor) == [("collection", "cancelled")]


def test_bad_payment_rows_are_refused_whole_with_a_row_report(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    from dunning.core.errors import ImportRejected

    with unit_of_work(engine) as conn:
        add_debtor(conn, cipher, "D3101", "+8613700003101")
    with pytest.raises(ImportRejected) as refused, unit_of_work(engine) as conn:
        flows.record_payments(
            conn,
            [
                flows.PaymentIn("P1", "D3101-A", "10.00", "CNY", NOW.isoformat()),
                flows.PaymentIn("P2", "NO-SUCH", "10.00", "CNY", NOW.isoformat()),
                flows.PaymentIn("P3", "D3101-A", "-5", "CNY", NOW.isoformat()),
            ],
            NOW,
            cipher=cipher,
            config=CN,
        )
    assert {e.line for e in refused.value.errors} == {2, 3}  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM payments")).scalar_one() == 0


def test_a_kept_and_a_broken_promise_across_days(engine: Engine, cipher: PersonalDataCipher) -> None:
    with unit_of_work(engine) as conn:
        keeper, _ = add_debtor(conn, cipher, "D4001", "+8613700004001", due_date=DAY, outstanding=100_000)
        breaker, _ = add_debtor(conn, cipher, "D4002", "+8613700004002", due_date=DAY, outstanding=100_000)
        assert flows.plan_day(conn, CN, NOW).queued == 2
    with SimulatorThread(password="pw") as sim:
        sim.send_mo("8613700004001", "明天还500", "95000")
        sim.send_mo("8613700004002", "明天一定还五百块", "95000")
        _send(engine, cipher, sim)
    with engine.connect() as conn:
        made = conn.execute(
            sa.select(Promise.debtor_id, Promise.amount_minor, Promise.promised_date, Promise.status)
        ).all()
    assert sorted((d, a, p.isoformat(), s) for d, a, p, s in made) == [
        (keeper, 50_000, "2026-11-29", "pending"),
        (breaker, 50_000, "2026-11-29", "pending"),
    ]
    day2 = NOW + timedelta(days=1)
    with unit_of_work(engine) as conn:
        recorded = flows.record_payments(
            conn,
            [flows.PaymentIn("P4001", "D4001-A", "480.00", "CNY", day2.isoformat())],
            day2,
            cipher=cipher,
            config=CN,
        )
        assert recorded.promises_kept == 1  # 480 ≥ 90 % of 500
        again = flows.plan_day(conn, CN, day2)  # the keeper's hold ended: the rest is reminded
        rows = conn.execute(
            sa.select(Message.debtor_id, Message.status)
            .where(Message.slot_date == day2.date())
            .order_by(Message.id)
        ).all()
    # the breaker is still held until 12-01
    assert again.queued == 1 and [tuple(r) for r in rows] == [(keeper, "queued"), (breaker, "blocked")]
    day5 = NOW + timedelta(days=5)  # 12-03 (DPD 5, a step day): past the promised date + 2 days
    with unit_of_work(engine) as conn:
        planned = flows.plan_day(conn, CN, day5)
    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.select(Promise.debtor_id, Promise.status)).all())
        task = conn.execute(sa.select(Task.debtor_id, Task.queue, Task.reason, Task.priority)).one()
        queued = (
            conn.execute(
                sa.select(Message.debtor_id).where(
                    Message.status == "queued", Message.slot_date == day5.date()
                )
            )
            .scalars()
            .all()
        )
    assert statuses == {keeper: "kept", breaker: "broken"}
    assert tuple(task) == (breaker, "phone_collection", "broken_promise", 2)
    assert planned.queued >= 1 and breaker in queued  # a broken promise resumes the cadence


def test_payments_are_attributed_to_the_messages_before_them(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    with unit_of_work(engine) as conn:
        add_debtor(conn, cipher, "D5001", "+8613700005001", due_date=DAY, outstanding=100_000)
        flows.plan_day(conn, CN, NOW)
    with SimulatorThread(password="pw") as sim:
        _send(engine, cipher, sim)
    with engine.connect() as conn:  # receipts carry the SMSC's (wall) clock
        delivered_at = conn.execute(sa.select(Message.final_at)).scalar_one()
    later = delivered_at + timedelta(days=2)
    with unit_of_work(engine) as conn:
        recorded = flows.record_payments(
            conn,
            [flows.PaymentIn("P5001", "D5001-A", "1000.00", "CNY", later.isoformat())],
            later,
            cipher=cipher,
            config=CN,
        )
        report = flows.report_day(conn, later, "Asia/Shanghai")["return_path"]
    assert recorded.attributed == 1
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                PaymentAttribution.first_touch, PaymentAttribution.last_touch, PaymentAttribution.template_id
            )
        ).one()
    assert row.first_touch and row.last_touch and row.template_id == "cn-due"
    assert report["attributed_minor"] == {"CNY": 100_000}
    assert report["attributed_by_template"][0]["template_id"] == "cn-due"
    too_late = delivered_at + timedelta(days=9)
    with unit_of_work(engine) as conn:
        add_debtor(conn, cipher, "D5002", "+8613700005002", due_date=DAY)
        none = flows.record_payments(
            conn,
            [flows.PaymentIn("P5002", "D5002-A", "10.00", "CNY", too_late.isoformat())],
            too_late,
            cipher=cipher,
            config=CN,
        )
    assert none.attributed == 0


def test_a_task_closed_with_ptp_records_the_promise(engine: Engine, cipher: PersonalDataCipher) -> None:
    with unit_of_work(engine) as conn:
        admin = flows.init_install(conn, NOW)
        assert admin is not None
        flows.add_operator(conn, "agent1", "operator", by=admin.username, now=NOW)
        debtor, _ = add_debtor(conn, cipher, "D6001", "+8613700006001", due_date=DAY)
        flows.ingest_replies(
            conn, [_mo("+8613700006001", "我失业了没钱")], NOW, cipher=cipher, config=CN, provider="smpp"
        )
        (task,) = flows.list_tasks(conn)
        flows.claim_task(conn, task["id"], by="agent1", now=NOW)
        flows.note_task(conn, task["id"], "同意下周五先还一半", by="agent1", now=NOW, cipher=cipher)
        flows.close_task(
            conn, task["id"], "PTP", by="agent1", now=NOW, config=CN, cipher=cipher,
            promise_amount=Decimal("500"), promise_date=DAY + timedelta(days=6),
        )  # fmt: skip
        shown = flows.show_task(conn, task["id"], cipher=cipher)
        timeline = flows.debtor_timeline(conn, "D6001")
    assert shown["outcome"] == "PTP" and shown["notes"][0]["text"] == "同意下周五先还一半"
    assert [(p["source"], p["status"]) for p in timeline["promises"]] == [("task", "pending")]
    reasons = {(h["reason"], h["cleared_at"] is None) for h in timeline["holds"]}
    assert reasons == {("hardship", False), ("promise", True)}  # the hardship hold ended with the task
    kinds = [e["kind"] for e in timeline["events"]]
    assert kinds.index("task.opened") < kinds.index("task.claimed") < kinds.index("task.closed")
    assert debtor == timeline["events"][0]["debtor_id"]


def _mo(sender: str, text: str) -> flows.InboundSms:
    return InboundSms(sender, text, NOW)
