"""The SMSC simulator against an independent SMPP client (smpplib, PyPI) on loopback."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm

from dunning.sending.providers.smpp import pdu as P
from dunning.sending.providers.smpp.receipts import parse_receipt_text
from dunning.sending.smsc import MoScript, ScenarioName, SimulatorThread, make_scenario

SRC = "95588"
DEST = "8613800138000"
CHINESE = "您好，您的贷款已逾期，请于今日还款100元。如已还款请忽略。" * 3  # > 70 units: 2 parts


class Esme:
    """An smpplib client that records what the simulator sends back."""

    def __init__(self, port: int) -> None:
        self.client = smpplib.client.Client("127.0.0.1", port, timeout=0.2, allow_unknown_opt_params=True)
        self.resps: list[Any] = []
        self.delivered: list[Any] = []
        self.client.set_message_sent_handler(lambda pdu: self.resps.append(pdu))
        self.client.set_message_received_handler(self._received)
        self.client.set_error_pdu_handler(lambda pdu: None)

    def _received(self, pdu: Any) -> int:
        self.delivered.append(pdu)
        return 0

    def receipts(self) -> list[Any]:
        return [d for d in self.delivered if d.esm_class & 0x3C == 0x04]

    def mo(self) -> list[Any]:
        return [d for d in self.delivered if d.esm_class & 0x3C == 0]

    def pump(self, until: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not until():
            assert time.monotonic() < deadline, "timed out waiting for the simulator"
            self.client.read_once()

    def submit(self, text: str, *, dest: str = DEST, receipt: bool = True) -> int:
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
                registered_delivery=receipt,
            )
        return len(parts)


@contextmanager
def running(scenario: str = "normal", **options: Any) -> Iterator[SimulatorThread]:
    with SimulatorThread(scenario, **options) as sim:
        yield sim


@contextmanager
def bound(sim: SimulatorThread, system_id: str = "dunning", password: str = "secret") -> Iterator[Esme]:
    esme = Esme(sim.port)
    esme.client.connect()
    try:
        esme.client.bind_transceiver(system_id=system_id, password=password)
        yield esme
        esme.client.unbind()
    finally:
        esme.client.disconnect()


def _ids(pdus: list[Any], attr: str) -> list[str]:
    return [
        getattr(p, attr).decode() if isinstance(getattr(p, attr), bytes) else getattr(p, attr) for p in pdus
    ]


def test_ascii_and_chinese_submits_get_ids_and_receipts(tmp_path: Path) -> None:
    journal = tmp_path / "smsc.jsonl"
    with running(journal=journal, receipt_delay=0.01) as sim, bound(sim) as esme:
        n = esme.submit("Please pay 100 CNY today. Reply STOP to opt out.")
        n += esme.submit(CHINESE)
        assert n == 3
        esme.pump(lambda: len(esme.resps) == 3 and len(esme.receipts()) == 3)

        assert [r.status for r in esme.resps] == [0, 0, 0]
        resp_ids = _ids(esme.resps, "message_id")
        assert resp_ids == ["1", "2", "3"]
        assert sorted(_ids(esme.receipts(), "receipted_message_id")) == resp_ids

        received = sim.received
        assert [r.message_id for r in received] == resp_ids
        assert received[0].text == "Please pay 100 CNY today. Reply STOP to opt out."
        assert received[0].source == SRC and received[0].destination == DEST
        assert received[0].data_coding == 0 and received[0].part_total is None
        assert [r.data_coding for r in received[1:]] == [8, 8]
        assert [(r.part_seq, r.part_total) for r in received[1:]] == [(1, 2), (2, 2)]
        assert "".join(r.text or "" for r in received[1:]) == CHINESE
        assert [r.sequence for r in received] == [r.sequence for r in esme.resps]

        for rc in esme.receipts():
            assert rc.message_state == 2
            parsed = parse_receipt_text(rc.short_message)
            assert parsed.ok, parsed.error
            assert parsed.stat == "DELIVRD"
            assert parsed.id == rc.receipted_message_id.decode()
            assert rc.source_addr.decode() == DEST

    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    assert [line["message_id"] for line in lines] == resp_ids
    assert lines[0]["text"].startswith("Please pay")


def test_outcome_rates_are_seeded_and_all_states_appear() -> None:
    rates = {"DELIVRD": 1, "UNDELIV": 1, "REJECTD": 1, "EXPIRED": 1}

    def states() -> list[str]:
        with running(outcomes=rates, seed=7, receipt_delay=0) as sim, bound(sim) as esme:
            for i in range(40):
                esme.submit(f"message {i}")
            esme.pump(lambda: len(esme.receipts()) == 40)
            by_id = {r.receipted_message_id.decode(): r for r in esme.receipts()}
            return [parse_receipt_text(by_id[str(i)].short_message).stat or "" for i in range(1, 41)]

    first = states()
    assert set(first) == set(rates)
    assert states() == first


def test_no_receipt_unless_requested() -> None:
    with running(receipt_delay=0) as sim, bound(sim) as esme:
        esme.submit("no receipt please", receipt=False)
        esme.submit("receipt please")
        esme.pump(lambda: len(esme.receipts()) == 1)
        assert _ids(esme.receipts(), "receipted_message_id") == ["2"]


def test_throttle_answers_0x58_above_the_tps() -> None:
    with running("throttle", tps=3) as sim, bound(sim) as esme:
        for i in range(8):
            esme.submit(f"burst {i}", receipt=False)
        esme.pump(lambda: len(esme.resps) == 8)
        statuses = [r.status for r in esme.resps]
        assert set(statuses) <= {0, P.Status.ESME_RTHROTTLED}
        assert statuses[:3] == [0, 0, 0]
        assert statuses.count(P.Status.ESME_RTHROTTLED) >= 1
        assert len(sim.received) == statuses.count(0)
        assert sim.simulator.stats["throttled"] == statuses.count(P.Status.ESME_RTHROTTLED)


def test_bind_refusal() -> None:
    with running("bind_refusal") as sim:
        esme = Esme(sim.port)
        esme.client.connect()
        try:
            with pytest.raises(smpplib.exceptions.PDUError) as err:
                esme.client.bind_transceiver(system_id="dunning", password="secret")
            assert err.value.args[1] == P.Status.ESME_RBINDFAIL
        finally:
            esme.client.disconnect()


def test_credentials_are_checked_when_configured() -> None:
    with running(system_id="dunning", password="secret") as sim:
        esme = Esme(sim.port)
        esme.client.connect()
        try:
            with pytest.raises(smpplib.exceptions.PDUError) as err:
                esme.client.bind_transceiver(system_id="dunning", password="wrong")
            assert err.value.args[1] == P.Status.ESME_RINVPASWD
            esme.client.bind_transceiver(system_id="dunning", password="secret")
            esme.client.unbind()
        finally:
            esme.client.disconnect()


def test_hex_ids() -> None:
    with running("hex_ids", receipt_delay=0) as sim, bound(sim) as esme:
        esme.submit("one")
        esme.submit("two")
        esme.pump(lambda: len(esme.resps) == 2 and len(esme.receipts()) == 2)
        ids = _ids(esme.resps, "message_id")
        assert ids == ["abc000", "abc001"]
        assert sorted(_ids(esme.receipts(), "receipted_message_id")) == ids
        for rc in esme.receipts():
            assert parse_receipt_text(rc.short_message).id in ids


def test_mo_delivery_send_mo_and_script() -> None:
    script = [MoScript("8613900139000", "退订", delay=0)]
    with running(mo_script=script) as sim, bound(sim) as esme:
        esme.pump(lambda: len(esme.mo()) == 1)
        assert sim.send_mo("8613700137000", "STOP", destination=SRC)
        esme.pump(lambda: len(esme.mo()) == 2)
        first, second = esme.mo()
        assert first.source_addr.decode() == "8613900139000"
        assert first.data_coding == 8 and first.short_message.decode("utf-16-be") == "退订"
        assert second.source_addr.decode() == "8613700137000"
        assert second.destination_addr.decode() == SRC
        assert second.short_message == b"STOP"
        assert sim.received == []


def test_replies_while_nobody_is_bound_are_held_for_the_next_bind() -> None:
    """As a real SMSC: a reply that arrives with no ESME bound is stored (send_mo says False: not
    delivered yet) and delivered, in order, when one binds."""
    with running() as sim:
        assert sim.send_mo("8613700137000", "退订") is False
        assert sim.send_mo("8613700137001", "hi") is False
        with bound(sim) as esme:
            esme.pump(lambda: len(esme.mo()) == 2)
            first, second = esme.mo()
            assert first.source_addr.decode() == "8613700137000"
            assert first.short_message.decode("utf-16-be") == "退订"
            assert second.short_message == b"hi"
        assert sim.simulator.stats["mo_queued"] == 2


def _raw_pdu(port: int, *pdus: bytes, expect: int) -> list[P.AnyPdu]:
    """Write raw bytes and read ``expect`` decoded PDUs (for what smpplib cannot send)."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        for data in pdus:
            sock.sendall(data)
        reader = P.PduReader()
        out: list[P.AnyPdu] = []
        while len(out) < expect:
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += [P.decode(f) for f in reader.feed(chunk)]
        return out


def test_generic_nack_for_undecodable_pdu_and_enquire_link() -> None:
    with running() as sim:
        bogus = P.HEADER.pack(16, 0x00000103, 0, 7)  # data_sm: not supported
        answers = _raw_pdu(sim.port, bogus, P.encode(P.EnquireLink(sequence=8)), expect=2)
        assert isinstance(answers[0], P.GenericNack) and answers[0].sequence == 7
        assert answers[0].command_status == P.Status.ESME_RINVCMDID
        assert isinstance(answers[1], P.EnquireLinkResp) and answers[1].sequence == 8


def test_submit_before_bind_is_refused() -> None:
    with running() as sim:
        answers = _raw_pdu(sim.port, P.encode(P.SubmitSm(sequence=3, destination_addr=DEST)), expect=1)
        assert isinstance(answers[0], P.SubmitSmResp)
        assert answers[0].command_status == P.Status.ESME_RINVBNDSTS


def _bound_raw(sim: SimulatorThread, *submits: P.SubmitSm, expect: int) -> list[P.AnyPdu]:
    frames = [P.encode(P.BindTransceiver(sequence=1, system_id="dunning", password="secret"))]
    frames += [P.encode(s) for s in submits]
    return _raw_pdu(sim.port, *frames, expect=expect)


def _submit(seq: int) -> P.SubmitSm:
    return P.SubmitSm(sequence=seq, destination_addr=DEST, short_message=b"hi", registered_delivery=1)


def test_receipts_before_responses() -> None:
    with running("receipts_before_responses") as sim:
        answers = _bound_raw(sim, _submit(2), expect=3)
        assert [type(a) for a in answers] == [P.BindTransceiverResp, P.DeliverSm, P.SubmitSmResp]
        receipt, resp = answers[1], answers[2]
        assert isinstance(receipt, P.DeliverSm) and isinstance(resp, P.SubmitSmResp)
        assert receipt.esm_class == 0x04
        assert receipt.tlvs[P.Tag.RECEIPTED_MESSAGE_ID] == resp.message_id.encode() + b"\x00"


def test_generic_nack_scenario() -> None:
    with running("generic_nack", nack_every=2, receipts="never") as sim:
        answers = _bound_raw(sim, _submit(2), _submit(3), _submit(4), expect=4)
        assert [type(a) for a in answers[1:]] == [P.SubmitSmResp, P.GenericNack, P.SubmitSmResp]
        assert answers[2].sequence == 3
        assert [r.sequence for r in sim.received] == [2, 4]


def test_drop_connection_after_n() -> None:
    with running("drop_connection_after_n", drop_after=2, receipts="never") as sim:
        answers = _bound_raw(sim, _submit(2), _submit(3), _submit(4), _submit(5), expect=5)
        assert [type(a) for a in answers] == [P.BindTransceiverResp, P.SubmitSmResp, P.SubmitSmResp]
        assert [r.sequence for r in sim.received] == [2, 3]


def test_stall_responses_records_but_does_not_answer() -> None:
    with running("stall_responses", stall_after=1, receipt_delay=0) as sim:
        answers = _bound_raw(sim, _submit(2), _submit(3), expect=4)
        kinds = [type(a) for a in answers]
        assert kinds.count(P.SubmitSmResp) == 1
        assert kinds.count(P.DeliverSm) == 2  # receipts still come
        assert [(r.sequence, r.answered) for r in sim.received] == [(2, True), (3, False)]


def test_make_scenario_validates() -> None:
    assert make_scenario("throttle").tps == 10
    assert make_scenario(ScenarioName.HEX_IDS).format_id(255) == "ff"
    with pytest.raises(ValueError):
        make_scenario("nope")
    with pytest.raises(TypeError):
        make_scenario("normal", bogus=1)
    with pytest.raises(ValueError):
        make_scenario("normal", outcomes={"LOST": 1.0})


def test_throttle_is_a_token_bucket_with_a_burst() -> None:
    from dunning.sending.smsc.simulator import _Bucket

    bucket = _Bucket(100, 5)  # one token every 10 ms, 5 at once
    assert [bucket.take(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert not bucket.take(0.005)
    assert bucket.take(0.0101)  # one interval later: one more
    assert not bucket.take(0.0102)
    # a client paced at exactly the rate is never throttled, however long it runs
    paced = _Bucket(500, 1)
    assert all(paced.take(i / 500) for i in range(5000))
    # after an idle spell only the burst is available, no catch-up
    assert [paced.take(100.0) for _ in range(2)] == [True, False]


def test_account_scope_shares_the_rate_between_binds() -> None:
    with running("normal", tps=0.5, tps_burst=3, tps_scope="account", receipts="never") as sim:
        first = _bound_raw(sim, _submit(2), _submit(3), expect=3)
        second = _bound_raw(sim, _submit(2), _submit(3), expect=3)
        statuses = [a.command_status for a in first[1:] + second[1:]]
        assert statuses == [0, 0, 0, P.Status.ESME_RTHROTTLED]
        snap = sim.simulator.snapshot()
        assert snap["stats"]["throttled"] == 1
        assert sum(snap["accepted_per_second"].values()) == 3
        assert sum(snap["throttled_per_second"].values()) == 1


def test_bind_scope_gives_each_bind_its_own_rate() -> None:
    with running("normal", tps=2, tps_burst=2, receipts="never") as sim:
        for _ in range(2):
            answers = _bound_raw(sim, _submit(2), _submit(3), expect=3)
            assert [a.command_status for a in answers[1:]] == [0, 0]


def test_stats_file_is_json(tmp_path: Path) -> None:
    with running("normal", receipt_delay=0) as sim:
        _bound_raw(sim, _submit(2), expect=3)
        target = tmp_path / "stats.json"
        sim.simulator.write_stats(target)
        data = json.loads(target.read_text(encoding="utf-8"))
        assert data["stats"]["accepted"] == 1 and data["stats"]["receipts"] == 1
        assert data["cpu_seconds"] > 0 and data["tps"] is None


def test_scenario_rejects_bad_throttle_settings() -> None:
    with pytest.raises(ValueError):
        make_scenario("normal", tps_burst=0)
    with pytest.raises(ValueError):
        make_scenario("normal", tps_scope="planet")
