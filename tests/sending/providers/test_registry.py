from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from rich.console import Console

from dunning.core.errors import ConfigError
from dunning.messages.wire import normalise_provider_id
from dunning.sending.providers import registry
from dunning.sending.providers.base import OutgoingSms, Receipt, SmsProvider, SubmitOutcome
from dunning.sending.providers.console import ConsoleProvider
from dunning.sending.providers.file import FileProvider
from dunning.sending.providers.registry import available_schemes, build_provider, register_provider

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def _batch(n: int, start: int = 1) -> list[OutgoingSms]:
    return [
        OutgoingSms(i, f"+86138{i:08d}", f"【安信金融】第{i}条", "UCS-2", 1, None)
        for i in range(start, start + n)
    ]


def _submit(provider: SmsProvider, batch: list[OutgoingSms]) -> tuple[list[SubmitOutcome], list[Receipt]]:
    async def run() -> tuple[list[SubmitOutcome], list[Receipt]]:
        async with provider:
            outcomes = await provider.submit_batch(batch, now=NOW)
            return outcomes, await provider.drain_receipts()

    return asyncio.run(run())


def test_registry_builds_by_scheme_and_redacts(tmp_path: Path) -> None:
    assert isinstance(build_provider(f"file://{tmp_path}/o.jsonl"), FileProvider)
    assert isinstance(build_provider("console://"), ConsoleProvider)
    assert {"file", "console"} <= set(available_schemes())
    with pytest.raises(ConfigError) as info:
        build_provider("nosuch://user:s3cret@smsc.example:2775")
    assert "s3cret" not in info.value.en and "s3cret" not in info.value.zh
    assert "user:***@smsc.example" in info.value.en
    assert "未知的短信通道" in info.value.zh


def test_registry_entry_points_and_registration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    plugin = EntryPoint(
        name="sink",
        value="dunning.sending.providers.file:FileProvider",
        group=registry.ENTRY_POINT_GROUP,
    )
    monkeypatch.setattr(registry, "entry_points", lambda group: [plugin])
    built = build_provider(f"sink://{tmp_path}/plugin.jsonl")
    assert isinstance(built, FileProvider)
    assert "sink" in available_schemes()

    class Mine(ConsoleProvider):
        name = "mine"

    monkeypatch.setattr(registry, "_FACTORIES", {})
    register_provider("mine", Mine)
    assert isinstance(build_provider("mine://"), Mine)
    register_provider("bad", lambda url: "not a provider")  # type: ignore[arg-type,return-value]
    with pytest.raises(ConfigError):
        build_provider("bad://")


def test_built_ins_are_registered_through_the_same_entry_points_as_plugins() -> None:
    from importlib.metadata import entry_points

    declared = {ep.name: ep.value for ep in entry_points(group=registry.ENTRY_POINT_GROUP)}
    assert {"file", "console", "smpp", "smsc"} <= set(declared)
    assert all(
        declared[s].startswith("dunning.sending.providers.") for s in ("file", "console", "smpp", "smsc")
    )
    assert not registry._FACTORIES  # nothing registered behind the entry points' back


def test_repr_and_values_keep_numbers_out() -> None:
    sms = OutgoingSms(1, "+8613800138000", "body", "UCS-2", 1)
    assert "13800138000" not in repr(sms) and "138****8000" in repr(sms)
    provider = FileProvider("file://x.jsonl?password=1")
    assert "x.jsonl" in repr(provider)
    with pytest.raises(ValueError):
        SubmitOutcome(1, accepted=True)  # accepted needs an id
    with pytest.raises(ValueError):
        Receipt("1", "lost", NOW)  # type: ignore[arg-type]


def test_file_provider_masks_numbers_by_default(tmp_path: Path) -> None:
    out = tmp_path / "spool" / "out.jsonl"
    outcomes, receipts = _submit(build_provider(f"file://{out}?source=10690000"), _batch(3))
    assert all(o.accepted for o in outcomes)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["to"] for line in lines] == ["138****0001", "138****0002", "138****0003"]
    assert "+8613800000001" not in out.read_text(encoding="utf-8")
    first = lines[0]
    assert first["message_id"] == 1 and first["body"] == "【安信金融】第1条"
    assert (first["encoding"], first["segments"], first["source"]) == ("UCS-2", 1, "10690000")
    assert first["provider_message_id"] == outcomes[0].provider_message_id
    assert first["at"] == NOW.isoformat()
    assert {r.provider_message_id for r in receipts} == {o.provider_message_id for o in outcomes}
    assert {r.status for r in receipts} == {"delivered"}


def test_file_provider_clear_numbers_only_on_request(tmp_path: Path) -> None:
    out = tmp_path / "clear.jsonl"
    _submit(build_provider(f"file://{out}?clear_numbers=1"), _batch(1))
    assert json.loads(out.read_text(encoding="utf-8"))["to"] == "+8613800000001"


def test_relative_file_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _submit(build_provider("file://outbox.jsonl"), _batch(2))
    assert len((tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_outcome_mix_is_deterministic_and_close_to_the_rates(tmp_path: Path) -> None:
    url = "file://{}?seed=7&undelivered=0.03&rejected=0.01&expired=0.01&failed=0.01&fail=0.02&retry=0.02"
    batch = _batch(5000)
    one = _submit(build_provider(url.format(tmp_path / "a.jsonl")), batch)
    two = _submit(build_provider(url.format(tmp_path / "b.jsonl")), batch)
    assert one == two  # same seed → same ids, outcomes and receipts
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()
    outcomes, receipts = one
    kinds = Counter("ok" if o.accepted else "retry" if o.retriable else "fail" for o in outcomes)
    assert 70 <= kinds["fail"] <= 130 and 70 <= kinds["retry"] <= 130
    assert {o.error_code for o in outcomes if o.permanent_error} == {"0x0000000B"}
    assert {o.retry_after for o in outcomes if o.retriable} == {30.0}
    statuses = Counter(r.status for r in receipts)
    assert len(receipts) == kinds["ok"]
    assert 100 <= statuses["undelivered"] <= 200
    assert 25 <= statuses["rejected"] <= 75
    assert statuses["delivered"] > 0.9 * len(receipts)
    other = _submit(build_provider(url.format(tmp_path / "c.jsonl").replace("seed=7", "seed=8")), batch)
    assert other != one


def test_receipt_id_quirks(tmp_path: Path) -> None:
    for style in ("upper", "decimal", "padded"):
        outcomes, receipts = _submit(
            build_provider(f"file://{tmp_path}/{style}.jsonl?seed=1&receipt_ids={style}"), _batch(4)
        )
        for outcome, receipt in zip(outcomes, receipts, strict=True):
            assert outcome.provider_message_id is not None
            assert receipt.provider_message_id != outcome.provider_message_id
            if style == "decimal":
                assert int(receipt.provider_message_id) == int(outcome.provider_message_id, 16)
            else:
                assert normalise_provider_id(receipt.provider_message_id) == normalise_provider_id(
                    outcome.provider_message_id
                )


@pytest.mark.parametrize(
    "query",
    ["undelivered=2", "fail=abc", "undelivered=0.6&rejected=0.6", "receipt_ids=octal", "clear_numbers=maybe"],
)
def test_bad_options_are_config_errors(query: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        build_provider(f"file://{tmp_path}/o.jsonl?{query}")
    assert info.value.zh != info.value.en


def test_console_provider_prints_masked_lines() -> None:
    console = Console(record=True, width=200)
    provider = ConsoleProvider("console://?seed=3", console=console)
    batch = [OutgoingSms(7, "+8613800138000", "【安信金融】[red]请还款[/red]", "UCS-2", 1)]
    outcomes, receipts = _submit(provider, batch)
    text = console.export_text()
    assert "138****8000" in text and "13800138000" not in text
    assert "[red]请还款[/red]" in text  # markup in a body is printed, not interpreted
    assert outcomes[0].accepted and receipts[0].status == "delivered"


def test_drain_forgets_what_it_returned(tmp_path: Path) -> None:
    provider = build_provider(f"file://{tmp_path}/o.jsonl")

    async def run() -> tuple[int, int]:
        await provider.submit_batch(_batch(2), now=NOW)
        first = await provider.drain_receipts()
        return len(first), len(await provider.drain_receipts())

    assert asyncio.run(run()) == (2, 0)
