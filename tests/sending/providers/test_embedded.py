"""The default provider: the built-in SMSC started in process, over real SMPP on loopback."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.errors import ConfigError
from dunning.core.settings import Settings
from dunning.sending.providers.base import OutgoingSms
from dunning.sending.providers.embedded import EmbeddedSmscProvider
from dunning.sending.providers.registry import build_provider
from dunning.sending.smsc import MoScript
from tests.factories import T0, add_debtor, add_message, assert_projection_consistent, row_of, status_of
from tests.sending.scripted import send, sender_hooks


def test_default_settings_use_the_embedded_smsc() -> None:
    assert Settings().provider_url == "smsc://embedded"
    assert isinstance(build_provider("smsc://embedded"), EmbeddedSmscProvider)
    with pytest.raises(ConfigError):
        build_provider("smsc://elsewhere")
    with pytest.raises(ConfigError):
        build_provider("smsc://embedded?undelivered=0.7&rejected=0.6")


def test_submits_over_smpp_and_returns_receipts_then_stops_the_simulator() -> None:
    provider = build_provider("smsc://embedded?seed=3&undelivered=0.5&delay=0")
    assert isinstance(provider, EmbeddedSmscProvider)
    batch = [OutgoingSms(i, f"+86138000{i:05d}", f"Reminder {i}", "GSM-7", 1) for i in range(1, 41)]

    async def run() -> tuple[int, set[str], int]:
        async with provider:
            port = provider.port
            assert port is not None and provider.simulator is not None
            outcomes = await provider.submit_batch(batch, now=T0)
            statuses: set[str] = set()
            got = 0
            for _ in range(200):
                receipts = await provider.drain_receipts()
                await provider.acknowledge()
                got += len(receipts)
                statuses |= {r.status for r in receipts}
                if got >= len(batch):
                    break
                await asyncio.sleep(0.01)
            assert len(provider.simulator.received) == len(batch)
            assert all(o.accepted for o in outcomes)
        return port, statuses, got

    port, statuses, got = asyncio.run(run())
    assert got == 40 and statuses == {"delivered", "undelivered"}
    with socket.socket() as s, pytest.raises(OSError):  # the simulator is gone with the provider
        s.settimeout(1)
        s.connect(("127.0.0.1", port))


@pytest.mark.parametrize("delay", [0.0, 4.0])
def test_a_stop_reply_over_smpp_cancels_what_is_still_queued(
    engine: Engine, cipher: PersonalDataCipher, delay: float
) -> None:
    """A reply waiting at the SMSC when the sender binds (delay 0) stops even the first batch; one
    that comes later stops what is still queued."""
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "REPLIER", "+8613800138111")
        now_due = add_message(conn, debtor, contact, body="【安信金融】提醒您按时还款。")
        later = add_message(conn, debtor, contact, scheduled_at=T0 + timedelta(hours=3))

    from dunning.sending.providers.smpp.provider import SmppProvider
    from dunning.sending.smsc import SimulatorThread

    script = (MoScript("8613800138111", "退订", "95000", delay),)
    with SimulatorThread(password="pw", mo_script=script, receipt_delay=0.0) as sim:
        provider = SmppProvider(f"smpp://dunning:pw@127.0.0.1:{sim.port}?tps=1000")
        hooks = sender_hooks(cipher)
        summary, _ = send(engine, provider, cipher, T0, hooks=hooks, await_receipts=3.0, settle=0.3)
        if delay == 0.0:
            assert summary.submitted == 0
        else:
            assert summary.submitted == 1
            # the reply comes after the batch: keep collecting until it is in
            for _ in range(50):
                if hooks.replies.opt_outs:
                    break
                send(engine, provider, cipher, T0, hooks=hooks, settle=1.0)
        assert hooks.replies.opt_outs == 1
    with engine.begin() as conn:
        assert status_of(conn, now_due) == ("cancelled" if delay == 0.0 else "delivered")
        assert status_of(conn, later) == "cancelled"
        assert row_of(conn, later).error == "cancelled: opt_out_reply"
        assert_projection_consistent(conn)
