"""Each provider error class through the sender: defer lapses the message for this window, pause
requeues without counting an attempt and stops offering the provider anything until the pause
ends, suppress invalidates the number, block_template blocks the template for plans and the gate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning import flows
from dunning.core.crypto import PersonalDataCipher
from dunning.messages import repository as messages
from dunning.messages.wire import OutgoingSms, SubmitOutcome
from dunning.models import Contact
from dunning.templates import blocks
from tests.factories import T0, add_debtor, add_message, assert_projection_consistent, last_detail, row_of
from tests.sending.scripted import ScriptedProvider, send


def _two(engine: Engine, cipher: PersonalDataCipher) -> tuple[list[int], list[int]]:
    with engine.begin() as conn:
        d1, c1 = add_debtor(conn, cipher, "D1", "+8613800138001")
        d2, c2 = add_debtor(conn, cipher, "D2", "+8613800138002")
        return [add_message(conn, d1, c1), add_message(conn, d2, c2)], [c1 or 0, c2 or 0]


def _run(engine: Engine, cipher: PersonalDataCipher, answer: Any, now: Any = T0) -> Any:
    provider = ScriptedProvider(answer)
    summary, _ = send(engine, provider, cipher, now, max_attempts=2)
    return summary, provider


def test_defer_lapses_the_message_without_a_retry(engine: Engine, cipher: PersonalDataCipher) -> None:
    ids, _ = _two(engine, cipher)
    summary, provider = _run(
        engine,
        cipher,
        lambda sms, n: SubmitOutcome.deferred(sms.message_id, "isv.BUSINESS_LIMIT_CONTROL", "limit"),
    )
    assert (summary.deferred, summary.retried, summary.refused) == (2, 0, 0)
    with engine.begin() as conn:
        assert {row_of(conn, m).status for m in ids} == {"lapsed"}
        assert last_detail(conn, ids[0])["reason"] == "provider_deferred"
        assert_projection_consistent(conn)
    again, provider = _run(
        engine, cipher, lambda sms, n: SubmitOutcome.ok(sms.message_id, "x"), T0 + timedelta(hours=1)
    )
    assert again.claimed == 0 and provider.sent_ids == []


def test_pause_stops_the_provider_and_does_not_count_an_attempt(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    ids, _ = _two(engine, cipher)
    summary, provider = _run(
        engine,
        cipher,
        lambda sms, n: SubmitOutcome.paused(sms.message_id, "isv.AMOUNT_NOT_ENOUGH", "no balance", 600),
    )
    assert summary.provider_paused and summary.paused == 2 and summary.refused == 0
    assert len(provider.calls) == 1  # nothing more offered in this run
    with engine.begin() as conn:
        assert {row_of(conn, m).status for m in ids} == {"queued"}
        assert messages.paused_until(conn, "scripted", T0) is not None
        assert [e.kind for e in flows.read_events(conn, kinds=["provider.paused"])] == ["provider.paused"]
    later = T0 + timedelta(minutes=5)
    while_paused, provider = _run(engine, cipher, lambda sms, n: SubmitOutcome.ok(sms.message_id, "x"), later)
    assert while_paused.provider_paused and while_paused.claimed == 0 and provider.calls == []
    with engine.begin() as conn:
        assert messages.resume_provider(conn, "scripted", by="supervisor", now=later) == 1
    resumed, provider = _run(
        engine,
        cipher,
        lambda sms, n: SubmitOutcome.ok(sms.message_id, f"id{sms.message_id}"),
        T0 + timedelta(minutes=11),
    )
    assert resumed.submitted == 2  # two hand-overs each, but the paused one did not count (max 2)


def test_suppress_refuses_and_invalidates_the_number(engine: Engine, cipher: PersonalDataCipher) -> None:
    ids, contacts = _two(engine, cipher)

    def answer(sms: OutgoingSms, n: int) -> SubmitOutcome:
        if sms.to.endswith("1"):
            return SubmitOutcome.permanent(
                sms.message_id, "isv.MOBILE_NUMBER_ILLEGAL", "bad number", "suppress"
            )
        return SubmitOutcome.ok(sms.message_id, "ok2")

    summary, _ = _run(engine, cipher, answer)
    assert (summary.suppressed, summary.refused, summary.submitted) == (1, 1, 1)
    with engine.begin() as conn:
        invalid = dict(conn.execute(sa.select(Contact.id, Contact.invalid_at)).all())
        assert invalid[contacts[0]] is not None and invalid[contacts[1]] is None
        assert row_of(conn, ids[0]).status == "refused"


def test_block_template_blocks_it_for_the_gate_until_released(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    ids, _ = _two(engine, cipher)
    summary, _ = _run(
        engine,
        cipher,
        lambda sms, n: SubmitOutcome.permanent(
            sms.message_id, "isv.SMS_TEMPLATE_ILLEGAL", "bad template", "block_template"
        ),
    )
    assert summary.templates_blocked == 2
    with engine.begin() as conn:
        template = row_of(conn, ids[0]).template_id
        version = row_of(conn, ids[0]).template_version
        assert blocks.active_blocks(conn) == {(template, version)}
        assert [e.kind for e in flows.read_events(conn, kinds=["template.blocked"])] == ["template.blocked"]
        config = flows.builtin_config("CN")
        if template in config.catalog:
            blocked = blocks.without_blocked(config.catalog, blocks.active_blocks(conn))
            assert all(v.version != version or v.state != "approved" for v in blocked[template].versions)
        assert blocks.release(conn, template, version, by="compliance", now=T0) == 1
        assert blocks.active_blocks(conn) == set()
