"""The bind pool behind SmppProvider, against the built-in SMSC simulator on loopback (no mocks)."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from datetime import UTC, datetime

import pytest

from dunning.core.errors import ConfigError, RetriableProviderError
from dunning.sending.providers.backoff import Backoff
from dunning.sending.providers.base import OutgoingSms, SubmitOutcome
from dunning.sending.providers.smpp.provider import SmppProvider
from dunning.sending.smsc import SimulatorThread

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
PASSWORD = "pw5ecr3t"
FAST = {"reconnect_min": 0.02, "reconnect_max": 0.1}


def _url(port: int, password: str = PASSWORD, **options: object) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"window": 10, "binds": 2, "tps": 2000, **options}.items())
    return f"smpp://dunning:{password}@127.0.0.1:{port}?{query}"


def _batch(n: int) -> list[OutgoingSms]:
    return [
        OutgoingSms(i, f"+8613900{i:06d}", f"Reminder {i}: please pay.", "GSM-7", 1) for i in range(1, n + 1)
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(0.5, 30.0, random.Random(1))
    delays = [backoff.next() for _ in range(12)]
    ceilings = [min(30.0, 0.5 * 2**i) for i in range(12)]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered
    backoff.reset()
    assert 0.25 <= backoff.next() <= 0.5


def test_reconnects_after_drops_without_duplicates_and_unanswered_have_no_outcome(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    batch = _batch(80)
    with SimulatorThread("drop_connection_after_n", drop_after=10) as sim:
        provider = SmppProvider(_url(sim.port, window=4, timeout=2, **FAST))

        async def run() -> list[SubmitOutcome]:
            async with provider:
                return await provider.submit_batch(batch, now=NOW)

        outcomes = asyncio.run(run())
        received = list(sim.received)
        dropped = sim.simulator.stats["dropped"]
    assert dropped >= 3 and provider.pool.reconnects >= 3
    destinations = [r.destination for r in received]
    assert len(destinations) == len(set(destinations))  # nothing sent twice
    assert all(o.accepted for o in outcomes)  # the batch completed: no retriable, no failure
    by_id = {o.message_id: o for o in outcomes}
    recorded = {r.destination: r.message_id for r in received}
    for sms in batch:
        to = sms.to.removeprefix("+")
        if sms.message_id in by_id:
            assert by_id[sms.message_id].provider_message_id == recorded[to]
        else:  # written, then the connection went without an answer: unknown, never resent
            assert to not in recorded
    silent = len(batch) - len(outcomes)
    assert 1 <= silent <= dropped * 4  # at most one window per drop
    assert "re-binding" in caplog.text and PASSWORD not in caplog.text


def test_bad_password_is_a_config_error_at_open_without_hammering() -> None:
    with SimulatorThread(password=PASSWORD) as sim:
        provider = SmppProvider(_url(sim.port, password="wrong-pw", binds=3, **FAST))
        started = time.monotonic()
        with pytest.raises(ConfigError) as info:
            asyncio.run(provider.open())
        elapsed = time.monotonic() - started
        time.sleep(0.2)  # a retry loop would show up here
        refused = sim.simulator.stats["bind_refused"]
    assert elapsed < 1.0
    assert refused == 3
    assert "ESME_RINVPASWD" in info.value.en and "密码" in info.value.zh
    assert "wrong-pw" not in info.value.en + info.value.zh and "dunning:***@" in info.value.en


def test_bind_refusal_scenario_is_a_config_error() -> None:
    with SimulatorThread("bind_refusal") as sim:
        provider = SmppProvider(_url(sim.port, **FAST))
        with pytest.raises(ConfigError, match="ESME_RBINDFAIL"):
            asyncio.run(provider.submit_batch(_batch(2), now=NOW))


def test_connection_refused_at_open_is_retriable() -> None:
    provider = SmppProvider(_url(_free_port(), **FAST))
    with pytest.raises(RetriableProviderError) as info:
        asyncio.run(provider.open())
    assert PASSWORD not in info.value.en


def test_two_binds_share_the_contracted_tps() -> None:
    batch = _batch(120)
    with SimulatorThread() as sim:
        provider = SmppProvider(_url(sim.port, tps=200, binds=2, window=20))

        async def run() -> list[SubmitOutcome]:
            async with provider:
                out = await provider.submit_batch(batch, now=NOW)
                assert all(s.max_in_flight > 0 for s in provider.sessions)  # both binds carried traffic
                return out

        outcomes = asyncio.run(run())
        times = sorted(r.time for r in sim.received)
        binds = sim.simulator.stats["binds"]
    assert binds == 2 and len(outcomes) == 120 and all(o.accepted for o in outcomes)
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert 120 <= rate <= 280  # the provider's 200/s in total, not 200/s per bind (400/s)


def test_close_is_graceful_and_unbinds_every_bind() -> None:
    batch = _batch(60)
    with SimulatorThread() as sim:
        provider = SmppProvider(_url(sim.port, tps=300, binds=2, window=10))

        async def run() -> list[SubmitOutcome]:
            await provider.open()
            assert sim.simulator.bound_sessions == 2
            sessions = provider.sessions
            task = asyncio.create_task(provider.submit_batch(batch, now=NOW))
            await asyncio.sleep(0.05)  # some submitted, some in flight, some still queued
            await provider.close()
            outcomes = await task
            assert all(s.closed.done() and s.closed.result() is None for s in sessions)
            assert all(s.in_flight == 0 for s in sessions)
            return outcomes

        outcomes = asyncio.run(run())
        time.sleep(0.05)
        still_bound = sim.simulator.bound_sessions
        received = len(sim.received)
    assert still_bound == 0
    assert len(outcomes) == len(batch)  # nothing left unknown: the in-flight window was drained
    accepted = [o for o in outcomes if o.accepted]
    assert len(accepted) == received and 0 < received < len(batch)
    assert all(o.retriable for o in outcomes if not o.accepted)  # never written: offered again later


def test_no_bind_up_returns_retriable_after_bind_wait() -> None:
    sim = SimulatorThread().start()
    try:
        provider = SmppProvider(_url(sim.port, bind_wait=0.3, **FAST))

        async def run() -> tuple[list[SubmitOutcome], float]:
            await provider.open()
            await asyncio.to_thread(sim.stop)  # the SMSC goes away: binds drop, re-binds are refused
            await asyncio.sleep(0.05)
            started = time.monotonic()
            outcomes = await provider.submit_batch(_batch(5), now=NOW)
            elapsed = time.monotonic() - started
            await provider.close()
            return outcomes, elapsed

        outcomes, elapsed = asyncio.run(run())
    finally:
        sim.stop()
    assert len(outcomes) == 5 and all(o.retriable for o in outcomes)
    assert 0.2 <= elapsed < 1.5
