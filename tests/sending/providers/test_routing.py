"""RoutingProvider: several providers in one URL setting, prefix routing, failover, merged receipts."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dunning.core.errors import ConfigError
from dunning.sending.providers.base import OutgoingSms, Receipt, SmsProvider, SubmitOutcome
from dunning.sending.providers.console import ConsoleProvider
from dunning.sending.providers.file import FileProvider
from dunning.sending.providers.registry import build_provider
from dunning.sending.providers.routing import RoutingProvider, split_provider_urls, strip_routing_options
from dunning.sending.providers.smpp.provider import SmppProvider
from dunning.sending.smsc import SimulatorThread

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
FAST = "reconnect_min=0.02&reconnect_max=0.1&bind_wait=0.3"


def _smpp(port: int, route: str, password: str = "pw-a", **options: object) -> str:
    extra = "".join(f"&{k}={v}" for k, v in options.items())
    return f"smpp://dunning:{password}@127.0.0.1:{port}?tps=2000&window=20&{FAST}&route_name={route}{extra}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sms(i: int, to: str) -> OutgoingSms:
    return OutgoingSms(i, to, f"Reminder {i}: please pay.", "GSM-7", 1)


def _run(
    provider: SmsProvider, batch: list[OutgoingSms], receipts: int = 0
) -> tuple[list[SubmitOutcome], list[Receipt]]:
    async def run() -> tuple[list[SubmitOutcome], list[Receipt]]:
        async with provider:
            outcomes = await provider.submit_batch(batch, now=NOW)
            got: list[Receipt] = []
            for _ in range(100):
                got += await provider.drain_receipts()
                await provider.acknowledge()
                if len(got) >= receipts:
                    break
                await asyncio.sleep(0.02)
            return outcomes, got

    return asyncio.run(run())


# -- configuration ----------------------------------------------------------------------------


def test_urls_split_on_bars_and_whitespace_and_options_are_stripped(tmp_path: Path) -> None:
    assert split_provider_urls(" smpp://a:x@h:1?tps=5 |console://\n\tfile:///tmp/my dir/o.jsonl ") == [
        "smpp://a:x@h:1?tps=5",
        "console://",
        "file:///tmp/my dir/o.jsonl",
    ]
    clean, options = strip_routing_options(
        "smpp://a:p%7Cw@h:1?tps=5&route_prefix=+86,%2B852&priority=2&source=9"
    )
    assert clean == "smpp://a:p%7Cw@h:1?tps=5&source=9"
    assert options == {"route_prefix": "+86,+852", "priority": "2"}

    provider = build_provider(
        f"smpp://u:s3cret@127.0.0.1:1?tps=5&route_name=cn&route_prefix=+86&priority=1 | "
        f"file://{tmp_path}/o.jsonl?route_name=rest&seed=1"
    )
    assert isinstance(provider, RoutingProvider) and provider.name == "routing"
    assert [r.name for r in provider.routes] == ["cn", "rest"]
    cn, rest = provider.routes
    assert isinstance(cn.provider, SmppProvider) and cn.prefixes == ("86",) and cn.priority == 1
    assert "route" not in cn.provider.url and cn.provider.config.tps == 5
    assert (
        isinstance(rest.provider, FileProvider) and rest.prefixes == () and "route" not in rest.provider.url
    )
    assert "s3cret" not in provider.safe_url and "s3cret" not in repr(provider)
    assert "u:***@127.0.0.1:1" in provider.safe_url

    one = build_provider(f"file://{tmp_path}/o.jsonl?route_name=only")  # one URL with routing options
    assert isinstance(one, RoutingProvider) and one.routes[0].name == "only"
    assert isinstance(build_provider(f"file://{tmp_path}/o.jsonl?seed=1"), FileProvider)
    # Built directly, the sub-providers ignore routing options rather than reject them.
    assert FileProvider(f"file://{tmp_path}/o.jsonl?route_name=x&route_prefix=+86&priority=1").path
    assert ConsoleProvider("console://?route_name=x&priority=2").name == "console"


@pytest.mark.parametrize(
    ("urls", "match"),
    [
        ("console://?route_name=a | console://?route_name=a", "used twice"),
        ("console://?route_name=a b | console://", "route_name"),
        ("console://?route_prefix=+86x | console://", "E.164"),
        ("console://?priority=high | console://", "priority"),
    ],
)
def test_bad_routing_options_are_config_errors(urls: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        build_provider(urls)


# -- file sinks: routing rules without a network ----------------------------------------------


def test_permanent_is_final_and_retriable_fails_over(tmp_path: Path) -> None:
    provider = build_provider(
        f"file://{tmp_path}/a.jsonl?route_name=a&route_prefix=+86&priority=1&fail=1 | "
        f"file://{tmp_path}/b.jsonl?route_name=b&route_prefix=+852&priority=1&retry=1 | "
        f"file://{tmp_path}/c.jsonl?route_name=c&priority=2"
    )
    batch = [_sms(1, "+8613800000001"), _sms(2, "+85291234567"), _sms(3, "+447700900123")]
    outcomes, _ = _run(provider, batch)
    by_id = {o.message_id: o for o in outcomes}
    assert by_id[1].permanent_error and by_id[1].error_code == "0x0000000B"  # not failed over
    assert by_id[2].accepted and by_id[2].provider_message_id.endswith("@c")  # b throttled → c
    assert by_id[3].accepted and by_id[3].provider_message_id.endswith("@c")
    assert not (tmp_path / "a.jsonl").exists() or (tmp_path / "a.jsonl").read_text() == ""
    assert len((tmp_path / "c.jsonl").read_text().splitlines()) == 2


def test_no_matching_route_fails_and_last_retriable_is_kept(tmp_path: Path) -> None:
    provider = build_provider(
        f"file://{tmp_path}/a.jsonl?route_name=a&route_prefix=+86&retry=1&retry_after=7 | "
        f"file://{tmp_path}/b.jsonl?route_name=b&route_prefix=+86,+852&retry=1&retry_after=9"
    )
    outcomes, _ = _run(provider, [_sms(1, "+8613800000001"), _sms(2, "+15550100")])
    by_id = {o.message_id: o for o in outcomes}
    assert by_id[1].retriable and by_id[1].retry_after == 9
    assert by_id[2].permanent_error and "no provider route" in (by_id[2].error or "")


def test_receipt_ids_are_tagged_and_translated_to_the_submitted_form(tmp_path: Path) -> None:
    # The sink quotes hex ids in decimal in its receipts; its receipt_id_format is "auto".
    provider = build_provider(
        f"file://{tmp_path}/a.jsonl?route_name=a&route_prefix=+86&seed=1&receipt_ids=decimal | "
        f"file://{tmp_path}/b.jsonl?route_name=b&seed=2&receipt_ids=padded"
    )
    batch = [_sms(i, "+8613800000001" if i % 2 else "+85291234567") for i in range(1, 11)]
    outcomes, receipts = _run(provider, batch, receipts=10)
    assert provider.receipt_id_format == "same"
    submitted = {o.provider_message_id for o in outcomes}
    assert all(o.accepted for o in outcomes) and len(submitted) == 10
    assert {r.provider_message_id.lower().lstrip("0") for r in receipts} == {
        s.lower().lstrip("0") for s in submitted
    }


# -- SMPP: two simulators ---------------------------------------------------------------------


def test_routes_by_prefix_to_two_simulators_and_merges_receipts() -> None:
    cn = [_sms(i, f"+86139{i:08d}") for i in range(1, 21)]
    other = [_sms(i, f"+44770{i:07d}") for i in range(21, 41)]
    with SimulatorThread() as sim_a, SimulatorThread(id_start=1) as sim_b:
        provider = build_provider(
            _smpp(sim_a.port, "cn", route_prefix="+86") + " | " + _smpp(sim_b.port, "world", priority=200)
        )
        outcomes, receipts = _run(provider, cn + other, receipts=40)
        to_a = {r.destination for r in sim_a.received}
        to_b = {r.destination for r in sim_b.received}
    assert to_a == {s.to[1:] for s in cn} and to_b == {s.to[1:] for s in other}
    by_id = {o.message_id: o for o in outcomes}
    assert len(by_id) == 40 and all(o.accepted for o in outcomes)
    assert all((by_id[s.message_id].provider_message_id or "").endswith("@cn") for s in cn)
    assert all((by_id[s.message_id].provider_message_id or "").endswith("@world") for s in other)
    # Both simulators count ids from 1: the route tag keeps them apart.
    assert {r.provider_message_id for r in receipts} == {o.provider_message_id for o in outcomes}


def test_first_simulator_down_everything_goes_to_the_second(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with SimulatorThread() as sim_b:
        provider = build_provider(
            _smpp(_free_port(), "down", password="s3cret-a", priority=1)
            + " "
            + _smpp(sim_b.port, "backup", password="s3cret-b", priority=2)
        )
        batch = [_sms(i, f"+86139{i:08d}") for i in range(1, 31)]
        outcomes, _ = _run(provider, batch)
        received = len(sim_b.received)
    assert received == 30
    assert len(outcomes) == 30 and all((o.provider_message_id or "").endswith("@backup") for o in outcomes)
    assert "route down" in caplog.text and "dunning:***@127.0.0.1" in caplog.text
    assert "s3cret" not in caplog.text  # only redacted URLs are logged


def test_throttled_messages_fail_over_without_duplicates() -> None:
    batch = [_sms(i, f"+86139{i:08d}") for i in range(1, 13)]
    with SimulatorThread("throttle", tps=3) as sim_a, SimulatorThread() as sim_b:
        provider = build_provider(_smpp(sim_a.port, "a", binds=1) + " | " + _smpp(sim_b.port, "b"))
        outcomes, _ = _run(provider, batch)
        to_a = [r.destination for r in sim_a.received]
        to_b = [r.destination for r in sim_b.received]
        throttled = sim_a.simulator.stats["throttled"]
    assert throttled > 0 and to_a and to_b
    assert sorted(to_a + to_b) == sorted(s.to[1:] for s in batch)  # each once, somewhere
    assert len(outcomes) == 12 and all(o.accepted for o in outcomes)


def test_unknown_is_not_failed_over() -> None:
    batch = [_sms(i, f"+86139{i:08d}") for i in range(1, 6)]
    with SimulatorThread("stall_responses", stall_after=0) as sim_a, SimulatorThread() as sim_b:
        provider = build_provider(_smpp(sim_a.port, "a", timeout=0.3) + " | " + _smpp(sim_b.port, "b"))
        outcomes, _ = _run(provider, batch)
        stalled = len(sim_a.received)
        to_b = len(sim_b.received)
    assert stalled == 5 and to_b == 0
    assert outcomes == []  # written, never answered: unknown, never offered to b


def test_a_route_with_bad_credentials_is_skipped_unless_it_is_the_only_one() -> None:
    with SimulatorThread(password="right") as sim_a, SimulatorThread() as sim_b:
        good = build_provider(_smpp(sim_a.port, "a", password="wrong") + " | " + _smpp(sim_b.port, "b"))
        outcomes, _ = _run(good, [_sms(1, "+8613900000001")])
        assert [o.provider_message_id for o in outcomes] == ["1@b"]
        alone = build_provider(_smpp(sim_a.port, "a", password="wrong") + " | " + _smpp(_free_port(), "c"))
        with pytest.raises(ConfigError, match="ESME_RINVPASWD"):
            asyncio.run(alone.open())
