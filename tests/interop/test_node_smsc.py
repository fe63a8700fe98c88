"""SmppProvider against an SMSC not written in this project: node-smpp 0.5.1 (tests/interop/node).

One module-scoped run (open → submit a mixed batch → drain every receipt and the MO → close) is
checked from both sides: what our provider reports, and what the node SMSC journalled. Texts are
decoded from the raw octets the SMSC received (UDH stripped here, UCS-2 with Python's codec) and
compared with node-smpp's own decoding too.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from dunning.core import smstext
from dunning.core.errors import ConfigError, RetriableProviderError
from dunning.sending.providers.base import InboundSms, OutgoingSms, Receipt, SubmitOutcome
from dunning.sending.providers.registry import build_provider
from dunning.sending.providers.smpp.provider import SmppProvider
from tests.interop.conftest import NodeSmsc

NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
SYSTEM_ID = "dunning"
PASSWORD = "pw5ecr3t"
MO_FROM = "8613900000009"
MO_TO = "95000"
SOURCE = "95000"
LONG_ZH = (
    "尊敬的客户，您在本平台的借款已逾期，请于今日内登录应用完成还款，"
    "以免影响您的信用记录。如有疑问请致电客服。"
)
SHORT_ZH = "您好，您的账单已逾期，请尽快还款。"
LONG_EN = (
    "Dear customer, your loan repayment is overdue. Please repay today in the app to avoid late fees; "
    "reply STOP to opt out. Questions? Call us at 400-800-1234 [ref {i}] 100 € ~{{ok}}"
)
UDH_CONCAT = bytes((0x05, 0x00, 0x03))


def _url(port: int, password: str = PASSWORD, system_id: str = SYSTEM_ID) -> str:
    return f"smpp://{system_id}:{password}@127.0.0.1:{port}?tps=1000&window=50&binds=1&source={SOURCE}"


def _body(i: int) -> tuple[str, str]:
    """(body, encoding) of message i: a mix of multi-part and single UCS-2 / GSM-7 bodies."""
    kind = i % 5
    if kind == 0:
        # ~113 UTF-16 units → 2 parts; the surrogate pair 💰 would straddle the 67-unit boundary
        return f"{LONG_ZH}{LONG_ZH[:13]}💰{LONG_ZH[13:]}编号{i}。", "UCS-2"
    if kind == 1:
        return f"{SHORT_ZH}（{i}）", "UCS-2"  # fits one part
    if kind == 2:
        return LONG_EN.format(i=i), "GSM-7"  # > 160 septets → 2 parts, with escaped [ ] € ~ { }
    return f"Reminder {i}: your invoice is overdue. Pay at example.com/p/{i:04d} @ 5% off!", "GSM-7"


def _sms(i: int) -> OutgoingSms:
    body, encoding = _body(i)
    info = smstext.text_info(body)
    assert info.encoding == encoding
    return OutgoingSms(i, f"+86138000{i:05d}", body, encoding, info.segments)


BATCH = [_sms(i) for i in range(1, 51)]


@dataclass
class Run:
    smsc: NodeSmsc
    outcomes: list[SubmitOutcome]
    receipts: list[Receipt]
    inbound: list[InboundSms]
    seconds: float

    def submits_by_destination(self) -> dict[str, list[dict[str, Any]]]:
        return _by_destination(self.smsc)


def _by_destination(smsc: NodeSmsc) -> dict[str, list[dict[str, Any]]]:
    """The journalled submit_sm, grouped by destination (each message of a batch has its own)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in smsc.journal("submit"):
        out[entry["destination"]].append(entry)
    return out


async def _drain(
    provider: SmppProvider, receipts: int, inbound: int, limit: float = 5.0
) -> tuple[list[Receipt], list[InboundSms]]:
    got_receipts: list[Receipt] = []
    got_inbound: list[InboundSms] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while (len(got_receipts) < receipts or len(got_inbound) < inbound) and loop.time() < deadline:
        got_receipts += await provider.drain_receipts()
        got_inbound += await provider.drain_inbound()
        await provider.acknowledge()  # as the sender does once it has stored them
        await asyncio.sleep(0.02)
    return got_receipts, got_inbound


@pytest.fixture(scope="module")
def run(module_node_smsc: Callable[..., NodeSmsc]) -> Run:
    smsc = module_node_smsc(
        system_id=SYSTEM_ID, password=PASSWORD, mo_from=MO_FROM, mo_to=MO_TO, mo_text="退订"
    )
    provider = build_provider(_url(smsc.port))
    assert isinstance(provider, SmppProvider)

    async def scenario() -> tuple[list[SubmitOutcome], list[Receipt], list[InboundSms]]:
        await provider.open()
        try:
            outcomes = await provider.submit_batch(BATCH, now=NOW)
            parts = len(smsc.journal("submit"))
            receipts, inbound = await _drain(provider, parts, 1)
        finally:
            await provider.close()
        return list(outcomes), receipts, inbound

    started = time.monotonic()
    outcomes, receipts, inbound = asyncio.run(asyncio.wait_for(scenario(), 20))
    return Run(smsc, outcomes, receipts, inbound, time.monotonic() - started)


def _text_of(entry: dict[str, Any]) -> tuple[tuple[int, int, int] | None, str]:
    """((reference, total, seq) or None, text) decoded from the raw short_message in the journal."""
    raw = bytes.fromhex(entry["short_message"])
    concat = None
    if entry["esm_class"] & 0x40:
        udh = raw[: raw[0] + 1]
        assert udh[:3] == UDH_CONCAT and len(udh) == 6, f"unexpected UDH {udh.hex()}"
        concat = (udh[3], udh[4], udh[5])
        raw = raw[len(udh) :]
    if entry["data_coding"] == 8:
        return concat, raw.decode("utf-16-be")
    assert entry["data_coding"] == 0
    return concat, entry["text"]  # unpacked GSM-7 as node-smpp decodes it


def test_every_message_accepted_with_one_id_per_part(run: Run) -> None:
    by_message = {o.message_id: o for o in run.outcomes}
    assert sorted(by_message) == [sms.message_id for sms in BATCH]
    assert all(o.accepted for o in run.outcomes), [o for o in run.outcomes if not o.accepted]
    submits = run.submits_by_destination()
    assert sum(len(v) for v in submits.values()) > len(BATCH)  # some are multi-part
    multipart = 0
    for sms in BATCH:
        parts = sorted(submits[sms.to.removeprefix("+")], key=lambda e: _text_of(e)[0] or (0, 0, 0))
        outcome = by_message[sms.message_id]
        ids = [p["id"] for p in parts]
        assert len(parts) == sms.segments  # what the planner counted is what went on the wire
        assert outcome.provider_message_id == ids[0]
        if len(parts) > 1:
            multipart += 1
            assert list(outcome.part_ids) == ids
        else:
            assert outcome.part_ids in ((), (ids[0],))
    assert multipart == 20  # kinds 0 and 2 of _body
    # the node SMSC's ids are distinct fixed-width decimals
    all_ids = [e["id"] for e in run.smsc.journal("submit")]
    assert len(set(all_ids)) == len(all_ids) and all(i.isdigit() and len(i) == 10 for i in all_ids)


def test_submitted_octets_reassemble_to_the_bodies(run: Run) -> None:
    submits = run.submits_by_destination()
    for sms in BATCH:
        parts = submits[sms.to.removeprefix("+")]
        decoded = [_text_of(p) for p in parts]
        for entry in parts:
            assert entry["source"] == SOURCE and entry["dest_ton"] == 1 and entry["dest_npi"] == 1
            assert entry["registered_delivery"] & 0x01
            assert entry["data_coding"] == (8 if sms.encoding == "UCS-2" else 0)
            if sms.encoding == "UCS-2":  # node-smpp's own decoding agrees
                assert entry["text"] == _text_of(entry)[1]
        if len(parts) == 1:
            assert decoded[0][0] is None and parts[0]["esm_class"] == 0
            assert decoded[0][1] == sms.body
            continue
        concats = [c for c, _ in decoded if c is not None]
        assert len(concats) == len(parts)
        assert len({reference for reference, _, _ in concats}) == 1
        assert {total for _, total, _ in concats} == {len(parts)}
        assert sorted(seq for _, _, seq in concats) == list(range(1, len(parts) + 1))
        assert "".join(t for _, t in sorted(decoded, key=lambda d: d[0] or (0, 0, 0))) == sms.body
        limit = 134 if sms.encoding == "UCS-2" else 153  # octets: 67 UTF-16 units / 153 septets
        assert all(len(bytes.fromhex(e["short_message"])) - 6 <= limit for e in parts)
        if "💰" in sms.body:  # the pair moved whole to part 2, leaving part 1 one unit short
            first = min(parts, key=lambda e: _text_of(e)[0] or (0, 0, 0))
            assert len(bytes.fromhex(first["short_message"])) - 6 == 132
    # concatenation references differ between the multi-part messages of the batch
    firsts = [_text_of(p[0])[0] for p in submits.values() if len(p) > 1]
    references = [c[0] for c in firsts if c is not None]
    assert len(references) == len(firsts) == 20 and len(set(references)) == 20


def test_receipts_match_every_part(run: Run) -> None:
    submits = run.smsc.journal("submit")
    assert len(run.receipts) == len(submits)
    assert sorted(r.provider_message_id for r in run.receipts) == sorted(e["id"] for e in submits)
    handset_of = {e["id"]: "+" + e["destination"] for e in submits}
    for receipt in run.receipts:
        assert receipt.status == "delivered"
        assert receipt.handset == handset_of[receipt.provider_message_id]
    assert {r.handset for r in run.receipts} == {sms.to for sms in BATCH}
    # our client acknowledged every receipt deliver_sm
    acks = [a for a in run.smsc.journal("deliver_sm_resp") if a["kind"] == "receipt"]
    assert len(acks) == len(submits) and all(a["status"] == 0 for a in acks)


def test_mo_arrives_through_drain_inbound(run: Run) -> None:
    assert len(run.inbound) == 1
    mo = run.inbound[0]
    assert mo.sender == "+" + MO_FROM
    assert mo.text == "退订"
    assert mo.recipient == MO_TO
    acks = [a for a in run.smsc.journal("deliver_sm_resp") if a["kind"] == "mo"]
    assert [a["status"] for a in acks] == [0]


def test_session_answers_enquire_link_and_close_unbinds(run: Run) -> None:
    binds = run.smsc.journal("bind")
    assert [(b["system_id"], b["status"], b["interface_version"]) for b in binds] == [(SYSTEM_ID, 0, 0x34)]
    assert [e["status"] for e in run.smsc.journal("enquire_link_resp")] == [0]
    unbinds = run.smsc.journal("unbind")
    assert len(unbinds) == 1 and unbinds[0]["pending"] == 0
    closes = run.smsc.wait_for("close")
    assert len(closes) == 1 and closes[0]["bound"] is False  # closed after the unbind, not before
    assert run.smsc.journal("error") == [] and run.smsc.journal("unexpected") == []
    assert run.seconds < 10


@pytest.mark.parametrize(
    ("system_id", "password", "status"),
    [(SYSTEM_ID, "wrong-pw", "ESME_RINVPASWD"), ("nobody", PASSWORD, "ESME_RINVSYSID")],
)
def test_refused_bind_is_a_clear_error(
    node_smsc: Callable[..., NodeSmsc], system_id: str, password: str, status: str
) -> None:
    smsc = node_smsc(system_id=SYSTEM_ID, password=PASSWORD, mo_from="")
    provider = build_provider(_url(smsc.port, password=password, system_id=system_id))
    assert isinstance(provider, SmppProvider)

    async def attempt() -> tuple[BaseException | None, set[asyncio.Task[Any]]]:
        try:
            await asyncio.wait_for(provider.open(), 5)
        except Exception as exc:
            await asyncio.sleep(0.1)  # room for any background re-bind to show itself
            current = asyncio.current_task()
            return exc, {task for task in asyncio.all_tasks() if task is not current}
        return None, set()

    started = time.monotonic()
    error, leftover = asyncio.run(attempt())
    assert time.monotonic() - started < 3  # refused at once, not after a timeout
    # Bad credentials are a configuration problem: retrying would only lock the account.
    assert isinstance(error, ConfigError), repr(error)
    assert not isinstance(error, RetriableProviderError)
    message = str(error)
    assert status in message and "127.0.0.1" in message
    assert password not in message
    assert leftover == set()  # no background task keeps re-binding
    assert provider.sessions == []
    binds = smsc.wait_for("bind")
    assert [(b["system_id"], b["status"]) for b in binds] == [
        (system_id, 0x0E if status == "ESME_RINVPASWD" else 0x0F)
    ]
    assert smsc.journal("submit") == []


def test_two_binds_share_the_batch(node_smsc: Callable[..., NodeSmsc]) -> None:
    smsc = node_smsc(system_id=SYSTEM_ID, password=PASSWORD, mo_from="")
    url = _url(smsc.port).replace("binds=1", "binds=2")
    provider = build_provider(url)
    assert isinstance(provider, SmppProvider)
    batch = BATCH[:20]

    async def scenario() -> tuple[list[SubmitOutcome], list[Receipt]]:
        async with provider:
            outcomes = await provider.submit_batch(batch, now=NOW)
            receipts, _ = await _drain(provider, len(smsc.journal("submit")), 0)
        return list(outcomes), receipts

    outcomes, receipts = asyncio.run(asyncio.wait_for(scenario(), 15))
    assert sorted(o.message_id for o in outcomes if o.accepted) == [s.message_id for s in batch]
    submits = smsc.journal("submit")
    assert {e["session"] for e in submits} == {1, 2}  # both binds carried traffic
    for parts in _by_destination(smsc).values():
        assert len({e["session"] for e in parts}) == 1  # a message's parts stay on one bind
    assert sorted(r.provider_message_id for r in receipts) == sorted(e["id"] for e in submits)
    assert all(r.status == "delivered" for r in receipts)
    assert sorted(b["session"] for b in smsc.journal("bind") if b["status"] == 0) == [1, 2]
    assert sorted(u["session"] for u in smsc.wait_for("unbind", 2)) == [1, 2]
