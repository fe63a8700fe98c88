"""SmppProvider against the built-in SMSC simulator (in its own thread)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from dunning.core.errors import ConfigError
from dunning.sending.providers.base import OutgoingSms, Receipt, SubmitOutcome
from dunning.sending.providers.registry import build_provider
from dunning.sending.providers.smpp.provider import SmppProvider
from dunning.sending.providers.smpp.session import SubmitResult
from dunning.sending.smsc import SimulatorThread

NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
PASSWORD = "pw5ecr3t"
CHINESE = "您好，您的账单已逾期，请尽快还款。" * 5  # UCS-2, more than 70 characters → several parts


def _url(port: int, **options: object) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"window": 50, "binds": 2, "source": 95000, **options}.items())
    return f"smpp://dunning:{PASSWORD}@127.0.0.1:{port}?{query}"


def _batch(n: int) -> list[OutgoingSms]:
    out = []
    for i in range(n):
        body = CHINESE if i % 4 == 0 else f"Reminder {i}: your invoice is overdue."
        encoding = "UCS-2" if i % 4 == 0 else "GSM-7"
        out.append(OutgoingSms(i + 1, f"+8613800{i:06d}", body, encoding, 1))
    return out


async def _drain_until(provider: SmppProvider, count: int, limit: float = 5.0) -> list[Receipt]:
    got: list[Receipt] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while len(got) < count and loop.time() < deadline:
        got += await provider.drain_receipts()
        await provider.acknowledge()
        await asyncio.sleep(0.02)
    return got


def test_submits_200_messages_and_drains_their_receipts() -> None:
    batch = _batch(200)
    with SimulatorThread() as sim:
        provider = build_provider(_url(sim.port, tps=2000))
        assert isinstance(provider, SmppProvider)

        async def run() -> tuple[list[SubmitOutcome], list[Receipt]]:
            async with provider:
                outcomes = await provider.submit_batch(batch, now=NOW)
                receipts = await _drain_until(provider, len(sim.received))
            return list(outcomes), receipts

        outcomes, receipts = asyncio.run(run())
        received = list(sim.received)

    assert len(outcomes) == 200
    by_message = {o.message_id: o for o in outcomes}
    assert all(o.accepted for o in by_message.values())
    first_parts = {r.destination: r for r in received if r.part_seq in (None, 1)}
    for sms in batch:
        record = first_parts[sms.to.removeprefix("+")]
        assert by_message[sms.message_id].provider_message_id == record.message_id
        assert record.source == "95000"
    multipart = [r for r in received if r.part_total and r.part_total > 1]
    assert multipart and len(received) > 200
    assert {r.text for r in received if r.part_seq is None} >= {"Reminder 1: your invoice is overdue."}
    assert sorted(r.provider_message_id for r in receipts) == sorted(r.message_id for r in received)
    assert all(r.status in ("delivered", "undelivered", "rejected", "expired", "failed") for r in receipts)


def test_provider_rate_below_simulator_tps_is_never_throttled() -> None:
    with SimulatorThread("throttle", tps=50) as sim:  # 50 per bind per second
        provider = SmppProvider(_url(sim.port, tps=40))  # 40 per second for both binds together
        batch = [OutgoingSms(i, f"+4915100{i:05d}", f"hello {i}", "GSM-7", 1) for i in range(1, 61)]

        async def run() -> list[bool]:
            async with provider:
                return [o.accepted for o in await provider.submit_batch(batch, now=NOW)]

        accepted = asyncio.run(run())
        throttled = sim.simulator.stats["throttled"]
    assert accepted == [True] * 60
    assert throttled == 0


def test_build_provider_and_password_kept_out_of_repr() -> None:
    provider = build_provider("smpp://system_id:" + PASSWORD + "@127.0.0.1:2775?tps=500&window=50&binds=2")
    assert isinstance(provider, SmppProvider)
    assert provider.config.binds == 2 and provider.config.window == 50 and provider.config.tps == 500
    assert provider.config.password == PASSWORD
    assert PASSWORD not in repr(provider)
    assert PASSWORD not in repr(provider.config)
    assert PASSWORD not in provider.safe_url


def test_fold_part_results() -> None:
    ok = SubmitResult(0, "a1", "accepted")
    ok2 = SubmitResult(0, "a2", "accepted")
    retry = SubmitResult(0x58, None, "retriable", "ESME_RTHROTTLED")
    perm = SubmitResult(0x0B, None, "permanent", "ESME_RINVDSTADR")
    unknown = SubmitResult(None, None, "unknown", "timeout")

    accepted = SmppProvider._fold(1, [ok, ok2])
    assert accepted is not None and accepted.accepted and accepted.provider_message_id == "a1"
    assert SmppProvider._fold(1, [ok, unknown]) is None
    assert SmppProvider._fold(1, [retry, unknown]) is None
    retried = SmppProvider._fold(1, [retry, retry])
    assert retried is not None and retried.retriable and retried.error_code == "0x00000058"
    failed = SmppProvider._fold(1, [retry, perm])
    assert failed is not None and failed.permanent_error and failed.error_code == "0x0000000B"
    partial = SmppProvider._fold(1, [ok, retry])
    assert partial is not None and partial.permanent_error  # a part left: never resend


def test_pool_options_from_the_url_and_routing_options_ignored() -> None:
    provider = SmppProvider(
        "smpp://u:p@127.0.0.1:2775?binds=3&reconnect_min=0.05&reconnect_max=2&bind_wait=0.5"
        "&route_name=cn&route_prefix=+86&priority=1"
    )
    c = provider.config
    assert (c.binds, c.reconnect_min, c.reconnect_max, c.bind_wait) == (3, 0.05, 2.0, 0.5)
    assert provider.pool.size == 3 and provider.pool.reconnect_max == 2.0
    default = SmppProvider("smpp://u:p@127.0.0.1:2775").config
    assert (default.reconnect_min, default.reconnect_max, default.bind_wait) == (0.5, 30.0, 2.0)
    with pytest.raises(ConfigError, match="reconnect_min"):
        SmppProvider("smpp://u:p@127.0.0.1:2775?reconnect_min=5&reconnect_max=1")


def test_long_bodies_as_message_payload_are_one_submit_each() -> None:
    """``long=payload``: a long Chinese body goes as one submit_sm with message_payload (no UDH)."""
    batch = _batch(8)  # messages 1 and 5 are long UCS-2 bodies
    with SimulatorThread() as sim:
        provider = build_provider(_url(sim.port, tps=2000, long="payload"))

        async def run() -> tuple[list[SubmitOutcome], list[Receipt]]:
            async with provider:
                outcomes = await provider.submit_batch(batch, now=NOW)
                return outcomes, await _drain_until(provider, len(batch))

        outcomes, receipts = asyncio.run(run())
        received = list(sim.received)
    assert len(received) == len(batch) == len(receipts)
    assert all(o.accepted and o.part_ids == () for o in outcomes)
    long_ones = [r for r in received if r.text == CHINESE]
    assert len(long_ones) == 2 and all(r.part_total is None and r.data_coding == 8 for r in long_ones)
    assert all(not (r.esm_class & 0x40) for r in received)


def test_the_long_option_is_checked() -> None:
    with pytest.raises(ConfigError):
        build_provider("smpp://a:b@127.0.0.1:2775?long=split")
