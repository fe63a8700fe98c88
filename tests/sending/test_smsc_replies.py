"""Scripted debtor replies of the SMSC simulator, seen by an independent SMPP client (smpplib) and by
dunning's own SMPP provider."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import smpplib.client
import smpplib.consts
import smpplib.gsm

from dunning.messages.wire import InboundSms, OutgoingSms
from dunning.sending.providers.smpp.provider import SmppProvider
from dunning.sending.providers.smpp.text import ESM_UDHI, decode_text, parse_udh
from dunning.sending.smsc import DEMO_REPLIES, INTENTS, ScriptedReply, SimulatorThread, make_scenario
from dunning.sending.smsc.debtors import PHRASES, language_of, reply_text

SRC = "95588"
NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
ZH = "您好，您的借款已逾期3天，请尽快还款。"
EN = "Your loan is 3 days overdue, please pay today."
LONG_ZH = "您好，您的贷款已逾期，请于今日还款100元。如已还款请忽略。" * 3  # 2 UCS-2 parts


def handset(i: int) -> str:
    return f"86138{i:08d}"


class Esme:
    """smpplib, keeping every deliver_sm in arrival order."""

    def __init__(self, port: int) -> None:
        self.client = smpplib.client.Client("127.0.0.1", port, timeout=0.2, allow_unknown_opt_params=True)
        self.delivered: list[Any] = []
        self.client.set_message_received_handler(self._received)
        self.client.set_error_pdu_handler(lambda pdu: None)

    def _received(self, pdu: Any) -> int:
        self.delivered.append(pdu)
        return 0

    def receipts(self) -> list[Any]:
        return [d for d in self.delivered if d.esm_class & 0x3C == 0x04]

    def mo(self) -> list[Any]:
        return [d for d in self.delivered if d.esm_class & 0x3C == 0]

    def pump(self, until: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not until():
            assert time.monotonic() < deadline, "timed out waiting for the simulator"
            self.client.read_once()

    def pump_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.client.read_once()

    def submit(self, text: str, dest: str) -> None:
        parts, coding, esm_class = smpplib.gsm.make_parts(text)
        for part in parts:
            self.client.send_message(
                source_addr_ton=smpplib.consts.SMPP_TON_ALNUM,
                source_addr=SRC,
                dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
                destination_addr=dest,
                short_message=part,
                data_coding=coding,
                esm_class=esm_class,
                registered_delivery=True,
            )


@contextmanager
def bound(sim: SimulatorThread) -> Iterator[Esme]:
    esme = Esme(sim.port)
    esme.client.connect()
    try:
        esme.client.bind_transceiver(system_id="dunning", password="secret")
        yield esme
        esme.client.unbind()
    finally:
        esme.client.disconnect()


def addr(pdu: Any, name: str) -> str:
    value = getattr(pdu, name)
    return value.decode() if isinstance(value, bytes) else str(value)


def mo_text(pdu: Any) -> str:
    data = pdu.short_message or pdu.message_payload or b""
    return decode_text(data, pdu.data_coding, udhi=bool(pdu.esm_class & ESM_UDHI))


def is_zh(text: str) -> bool:
    return language_of(text) == "zh"


def workload(n: int) -> list[tuple[str, str]]:
    """(handset, text): every other message Chinese, all to distinct handsets."""
    return [(handset(i), f"{ZH}（编号{i}）" if i % 2 else f"{EN} Ref {i}.") for i in range(n)]


# -- every delivered message answered


def test_every_delivered_message_gets_one_reply_from_its_handset_after_its_receipt() -> None:
    messages = [*workload(10), (handset(99), LONG_ZH)]  # the last one is two parts, two receipts
    options = {"replies": {"promise": 1.0}, "receipt_delay": 0.01, "reply_delay": 0.02}
    with SimulatorThread("normal", **options) as sim, bound(sim) as esme:
        for dest, text in messages:
            esme.submit(text, dest)
        esme.pump(lambda: len(esme.mo()) == len(messages) and len(esme.receipts()) == len(messages) + 1)
        esme.pump_for(0.2)  # nothing more comes

        assert len(esme.mo()) == len(messages)
        scripted = {r.handset: r for r in sim.scripted_replies}
        assert len(scripted) == len(messages) == sim.simulator.stats["replies"]
        sent = dict(messages)
        for index, pdu in enumerate(esme.delivered):
            if pdu.esm_class & 0x3C:
                continue
            source = addr(pdu, "source_addr")
            assert addr(pdu, "destination_addr") == SRC
            assert source in sent
            # its receipt (the first part's, for the long one) came before it
            receipts_before = [
                d for d in esme.delivered[:index] if d.esm_class & 0x3C and addr(d, "source_addr") == source
            ]
            assert receipts_before
            text = mo_text(pdu)
            assert scripted[source] == ScriptedReply(source, "promise", text)
            assert is_zh(text) == is_zh(sent[source]), (sent[source], text)
        assert sim.simulator.snapshot()["replies"] == {"promise": len(messages)}


def test_reply_language_can_be_forced() -> None:
    options = {"replies": {"help": 1.0}, "reply_language": "zh", "reply_delay": 0}
    with SimulatorThread("normal", **options) as sim, bound(sim) as esme:
        for i in range(6):
            esme.submit(f"{EN} Ref {i}.", handset(i))
        esme.pump(lambda: len(esme.mo()) == 6)
        assert all(is_zh(mo_text(p)) for p in esme.mo())


# -- shares and determinism


def _run_demo_mix(n: int, seed: int) -> tuple[list[ScriptedReply], list[tuple[str, str]]]:
    options = {"replies": DEMO_REPLIES, "seed": seed, "receipt_delay": 0, "reply_delay": 0}
    with SimulatorThread("normal", **options) as sim, bound(sim) as esme:
        for dest, text in workload(n):
            esme.submit(text, dest)
        stats = sim.simulator.stats
        esme.pump(lambda: len(esme.receipts()) == n and len(esme.mo()) == stats["replies"])
        mo = [(addr(p, "source_addr"), mo_text(p)) for p in esme.mo()]
        return list(sim.scripted_replies), mo


def test_reply_shares_are_respected_and_deterministic() -> None:
    n = 400
    first, first_mo = _run_demo_mix(n, seed=11)
    second, second_mo = _run_demo_mix(n, seed=11)
    assert sorted(first) == sorted(second)
    assert sorted(first_mo) == sorted(second_mo)
    assert sorted(first_mo) == sorted((r.handset, r.text) for r in first)

    counts = Counter(r.intent for r in first)
    for intent, share in DEMO_REPLIES.items():
        sigma = math.sqrt(n * share * (1 - share))
        assert abs(counts[intent] - n * share) <= 4 * sigma + 2, (intent, counts[intent])
    total = sum(DEMO_REPLIES.values())
    assert abs(len(first) - n * total) <= 4 * math.sqrt(n * total * (1 - total))
    assert len({r.handset for r in first}) == len(first)  # at most one reply per message

    other, _ = _run_demo_mix(n, seed=12)
    assert sorted(other) != sorted(first)


def test_no_replies_without_a_reply_mix() -> None:
    with SimulatorThread("normal", receipt_delay=0, reply_delay=0) as sim, bound(sim) as esme:
        for dest, text in workload(20):
            esme.submit(text, dest)
        esme.pump(lambda: len(esme.receipts()) == 20)
        esme.pump_for(0.3)
        assert esme.mo() == []
        assert sim.scripted_replies == []
        assert sim.simulator.stats["replies"] == 0 == sim.simulator.stats["mo"]
        assert sim.simulator.snapshot()["replies"] == {}


def test_a_reply_due_while_unbound_is_held_for_the_next_bind() -> None:
    with SimulatorThread("normal", replies={"paid": 1.0}, receipt_delay=0, reply_delay=0.3) as sim:
        with bound(sim) as esme:
            esme.submit(ZH, handset(1))
            esme.pump(lambda: len(esme.receipts()) == 1)
        time.sleep(0.5)
        assert sim.simulator.stats["mo_queued"] == 1
        with bound(sim) as esme:
            esme.pump(lambda: len(esme.mo()) == 1)
            (pdu,) = esme.mo()
            assert addr(pdu, "source_addr") == handset(1)
            assert sim.scripted_replies == [ScriptedReply(handset(1), "paid", mo_text(pdu))]


# -- duplicates


def test_duplicate_share_delivers_each_reply_twice_unchanged() -> None:
    options = {"replies": {"wrong_number": 1.0}, "mo_duplicate_share": 1.0, "reply_delay": 0}
    with SimulatorThread("normal", **options) as sim, bound(sim) as esme:
        for dest, text in workload(6):
            esme.submit(text, dest)
        esme.pump(lambda: len(esme.mo()) == 12)
        esme.pump_for(0.2)
        assert len(esme.mo()) == 12
        by_handset: defaultdict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for p in esme.mo():
            content = (addr(p, "destination_addr"), p.data_coding, p.esm_class, p.short_message)
            by_handset[addr(p, "source_addr")].append(content)
        assert len(by_handset) == 6
        for copies in by_handset.values():
            assert len(copies) == 2 and copies[0] == copies[1]
        assert len(sim.scripted_replies) == 6  # listed once
        assert sim.simulator.stats["mo_duplicates"] == 6


# -- long replies as UDH parts


def _reassemble(parts: list[InboundSms]) -> dict[tuple[str, int], str]:
    groups: defaultdict[tuple[str, int], list[InboundSms]] = defaultdict(list)
    for p in parts:
        assert p.part is not None
        groups[(p.sender, p.part[0])].append(p)
    out = {}
    for key, group in groups.items():
        total = group[0].part[1] if group[0].part else 0
        assert sorted(g.part[2] for g in group if g.part) == list(range(1, total + 1))
        out[key] = "".join(g.text for g in sorted(group, key=lambda g: g.part[2] if g.part else 0))
    return out


async def _drain_inbound(
    provider: SmppProvider, until: Callable[[list[InboundSms]], bool]
) -> list[InboundSms]:
    got: list[InboundSms] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not until(got):
        assert loop.time() < deadline, "timed out waiting for replies"
        await provider.drain_receipts()
        got += await provider.drain_inbound()
        await provider.acknowledge()
        await asyncio.sleep(0.02)
    return got


@pytest.mark.parametrize("shuffled", [False, True])
def test_long_replies_as_udh_parts_reassemble_through_the_provider(shuffled: bool) -> None:
    n = 30
    options = {
        "replies": {"hardship": 0.5, "complaint": 0.5},  # both banks have replies longer than one SMS
        "mo_long": "udh",
        "mo_parts_shuffled": shuffled,
        "receipt_delay": 0.01,
        "reply_delay": 0.01,
        "seed": 3,
    }
    with SimulatorThread("normal", **options) as sim:
        provider = SmppProvider(f"smpp://dunning:secret@127.0.0.1:{sim.port}?source={SRC}&long=udh")
        batch = [
            OutgoingSms(i + 1, f"+{dest}", text, "UCS-2" if is_zh(text) else "GSM-7", 1)
            for i, (dest, text) in enumerate(workload(n))
        ]

        def complete(got: list[InboundSms]) -> bool:
            singles = sum(1 for g in got if g.part is None)
            return singles + len(_reassemble([g for g in got if g.part])) == n

        async def run() -> list[InboundSms]:
            async with provider:
                await provider.submit_batch(batch, now=NOW)
                return await _drain_inbound(provider, complete)

        inbound = asyncio.run(run())
        scripted = {(f"+{r.handset}", r.text) for r in sim.scripted_replies}
        assert len(scripted) == n

        singles = {(g.sender, g.text) for g in inbound if g.part is None}
        joined = _reassemble([g for g in inbound if g.part])
        assert joined, "no reply needed parts: the bank lost its long phrases?"
        assert singles | {(sender, text) for (sender, _), text in joined.items()} == scripted
        arrival: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
        for g in inbound:
            if g.part:
                arrival[(g.sender, g.part[0])].append(g.part[2])
        for seqs in arrival.values():
            assert (seqs != sorted(seqs)) == shuffled, seqs


def test_send_mo_long_udh_parts_on_the_wire() -> None:
    text = (
        "我真的很想还钱，可是最近工作没了，家里还有老人要照顾，每个月的药费都很贵，能不能先宽限两个月再说。"
        * 3
    )  # 147 units: 3 parts
    with SimulatorThread("normal", mo_long="udh", mo_parts_shuffled=True) as sim, bound(sim) as esme:
        assert sim.send_mo(handset(5), text, destination=SRC)
        esme.pump(lambda: len(esme.mo()) == 3)
        parts = esme.mo()
        concat = []
        for p in parts:
            assert p.esm_class & 0x40 and p.data_coding == 8
            assert p.short_message[:3] == b"\x05\x00\x03"  # 8-bit reference IEI
            info, body = parse_udh(p.short_message)
            assert info is not None and info.total == 3
            concat.append((info.seq, info.reference, body.decode("utf-16-be")))
        assert [seq for seq, _, _ in concat] != [1, 2, 3]
        assert len({ref for _, ref, _ in concat}) == 1
        assert "".join(body for _, _, body in sorted(concat)) == text


def test_payload_stays_the_default_for_long_replies() -> None:
    text = "x" * 300
    with SimulatorThread("normal") as sim, bound(sim) as esme:
        sim.send_mo(handset(5), text, destination=SRC)
        esme.pump(lambda: len(esme.mo()) == 1)
        (pdu,) = esme.mo()
        assert pdu.esm_class == 0 and not pdu.short_message
        assert mo_text(pdu) == text


# -- the phrase bank and the scenario


def test_phrase_bank_is_full_and_varied() -> None:
    for language in ("zh", "en"):
        assert set(PHRASES[language]) == set(INTENTS)
        for intent in INTENTS:
            phrases = PHRASES[language][intent]
            assert len(set(phrases)) >= 8, (language, intent)
    assert any("\u9084" in p or "\u8a02" in p for ps in PHRASES["zh"].values() for p in ps)  # 繁體
    rng = random.Random(1)
    texts = {reply_text("promise", "en", rng) for _ in range(200)}
    assert len(texts) > 15 and not any("{" in t for t in texts)
    assert any("$" in t for t in texts)
    assert [reply_text("paid", "zh", random.Random(5)) for _ in range(3)] == [
        reply_text("paid", "zh", random.Random(5))
    ] * 3
    with pytest.raises(ValueError):
        reply_text("promise", "fr", rng)
    assert language_of("好的") == "zh" and language_of("ok 👍") == "en" and language_of(None) == "en"


@pytest.mark.parametrize(
    "options",
    [
        {"replies": {"maybe": 0.1}},
        {"replies": {"paid": 0.7, "promise": 0.5}},
        {"replies": {"paid": -0.1}},
        {"replies": {"paid": float("nan")}},
        {"reply_delay": -1},
        {"reply_language": "fr"},
        {"mo_duplicate_share": 1.5},
        {"mo_long": "split"},
    ],
)
def test_scenario_rejects_bad_reply_settings(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_scenario("normal", **options)


def test_defaults_keep_replies_off() -> None:
    sc = make_scenario("normal")
    assert sc.replies == {} and sc.mo_duplicate_share == 0 and sc.mo_long == "payload"
    assert sc.draw_reply(0.0) is None
    demo = make_scenario("normal", replies=DEMO_REPLIES)
    assert demo.draw_reply(0.0) == "opt_out" and demo.draw_reply(0.999) is None
