"""A built-in SMPP 3.4 SMSC for the demo, the tests and the benchmark (issue 3).

An asyncio server on loopback that speaks the same codec as our client (:mod:`..providers.smpp.pdu`):
bind_transceiver, enquire_link, unbind, submit_sm (with a message id), generic_nack for PDUs it
cannot decode, delivery receipts (deliver_sm, esm_class 0x04, ``receipted_message_id`` and
``message_state`` TLVs, the appendix-B text) after a delay with seeded outcome rates, a TPS per bind
(ESME_RTHROTTLED), scripted MO replies, scripted debtors who answer delivered messages
(:mod:`.debtors`), and the misbehaviours of :mod:`.scenarios`.

Every accepted submit is recorded in :attr:`Simulator.received` (and optionally appended as one
JSON line to a journal file), so a test can compare what the SMSC got with the database. A
concatenated message is several submits, each recorded and receipted on its own.

Receipts whose bind has gone are written to another live bind, or kept until one binds.

Debtor replies: when a message's DELIVRD receipt goes out (for a concatenated message, its first
part's), the scenario's ``replies`` shares decide whether its handset answers and with what; the
answer is an ordinary MO (:meth:`Simulator.send_mo`'s path) ``reply_delay`` seconds later, and is
listed in :attr:`Simulator.scripted_replies` so a test can compare it with what dunning classified.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import hashlib
import json
import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Final, NamedTuple

from dunning.sending.providers.smpp import pdu as P
from dunning.sending.providers.smpp.text import (
    ESM_UDHI,
    TextDecodeError,
    decode_text,
    encode_text,
    parse_udh,
    split,
)

from .debtors import language_of, reply_text
from .scenarios import Scenario, ScenarioName, make_scenario

__all__ = ["MESSAGE_STATES", "Received", "ScriptedReply", "Simulator", "SimulatorThread", "serve"]

log = logging.getLogger(__name__)

ESM_RECEIPT: Final = 0x04
#: message_state TLV values (SMPP 3.4, 5.2.28) for the final receipt states.
MESSAGE_STATES: Final[dict[str, int]] = {"DELIVRD": 2, "EXPIRED": 3, "UNDELIV": 5, "REJECTD": 8}
_ERR_CODES: Final[dict[str, str]] = {"DELIVRD": "000", "UNDELIV": "001", "REJECTD": "002", "EXPIRED": "003"}
_DATE_FORMAT: Final = "%y%m%d%H%M"
_RECEIPT_STAT: Final[dict[str, str]] = {state: f"receipts_{state}" for state in MESSAGE_STATES}
_SUBMIT_SM_RESP: Final = int(P.CommandId.SUBMIT_SM_RESP)


@dataclass(frozen=True, slots=True)
class Received:
    """One submit_sm the simulator accepted (gave a message id to)."""

    message_id: str
    source: str
    destination: str
    text: str | None  # None when the body could not be decoded
    sequence: int
    time: float  # epoch seconds
    system_id: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    part_ref: int | None = None
    part_total: int | None = None
    part_seq: int | None = None
    answered: bool = True  # False: accepted but the response was withheld (stall_responses)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))


class ScriptedReply(NamedTuple):
    """A debtor reply the simulator wrote (duplicates not repeated): who, which intent, the words."""

    handset: str
    intent: str
    text: str


@dataclass(frozen=True, slots=True)
class _PendingReceipt:
    session: _Session
    record: Received
    state: str
    submitted: datetime


#: bytes.translate table: printable ASCII stays, every other octet becomes "?".
_PRINTABLE: Final = bytes(b if 0x20 <= b <= 0x7E else 0x3F for b in range(256))
_stamps: dict[tuple[int, int, int, int, int], str] = {}


def _stamp(when: datetime) -> str:
    """``when`` as YYMMDDhhmm (cached: receipts within one minute share the string)."""
    key = (when.year, when.month, when.day, when.hour, when.minute)
    stamp = _stamps.get(key)
    if stamp is None:
        if len(_stamps) > 1024:
            _stamps.clear()
        stamp = _stamps[key] = when.strftime(_DATE_FORMAT)
    return stamp


def _receipt_text(record: Received, state: str, submitted: datetime, done: datetime) -> bytes:
    # One "?" per character that is not printable ASCII.
    snippet = (record.text or "")[:20].encode("ascii", "replace").translate(_PRINTABLE)
    dlvrd = "001" if state == "DELIVRD" else "000"
    return (
        f"id:{record.message_id} sub:001 dlvrd:{dlvrd} submit date:{_stamp(submitted)}"
        f" done date:{_stamp(done)} stat:{state} err:{_ERR_CODES[state]} text:"
    ).encode("ascii") + snippet


class _Session(asyncio.Protocol):
    """One ESME connection."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.reader = P.PduReader()
        self.transport: asyncio.Transport | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        # Writes are collected and sent once per read (or once per loop tick): one send() for
        # all the answers and receipts a read produced, instead of one per PDU.
        self.wbuf: list[bytes] = []
        self.reading = False
        self.flush_scheduled = False
        self.bound = False
        self.system_id = ""
        self.sequence = 0
        self.answered = 0  # submits answered on this connection (drop/stall counters)
        self.submits = 0  # submit_sm seen on this connection (generic_nack counter)
        self.bucket = _Bucket(sim.scenario.tps, sim.scenario.tps_burst)
        self.unacked: dict[int, P.DeliverSm] = {}  # sequence → deliver_sm awaiting its resp

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.loop = asyncio.get_running_loop()
        self.sim._sessions.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.wbuf.clear()
        self.bound = False
        self.sim._sessions.discard(self)
        # deliver_sm the ESME never answered (it may have died before storing them): deliver them
        # again at the next bind, as a real SMSC retries an unacknowledged receipt or reply.
        unacked, self.unacked = self.unacked, {}
        if unacked:
            self.sim._redeliver.extend(unacked.values())
            self.sim.stats["unacked_at_disconnect"] += len(unacked)

    def data_received(self, data: bytes) -> None:
        self.reading = True
        try:
            self._read(data)
        finally:
            self.reading = False
            self.flush()

    def _read(self, data: bytes) -> None:
        try:
            frames = self.reader.feed(data)
        except P.DecodeError as exc:
            self.write(exc.nack())
            self.close()
            return
        for frame in frames:
            if self.transport is None:
                return
            try:
                pdu = P.decode(frame)
            except P.DecodeError as exc:
                self.sim.stats["nacked"] += 1
                self.write(exc.nack())
                continue
            if type(pdu) is P.SubmitSm and self.bound:
                self.on_submit(pdu)
            else:
                self.handle(pdu)

    # -- helpers

    @property
    def alive(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def write(self, pdu: P.AnyPdu) -> None:
        if self.alive:
            self.write_bytes(P.encode(pdu))

    def write_bytes(self, data: bytes) -> None:
        if not self.alive:
            return
        self.wbuf.append(data)
        if not self.reading and not self.flush_scheduled and self.loop is not None:
            self.flush_scheduled = True
            self.loop.call_soon(self.flush)

    def flush(self) -> None:
        self.flush_scheduled = False
        if not self.wbuf:
            return
        data = b"".join(self.wbuf)
        self.wbuf.clear()
        if self.alive:
            assert self.transport is not None
            self.transport.write(data)

    def close(self, *, abort: bool = False) -> None:
        self.flush()  # what was answered before the close still goes out, in order
        if self.transport is not None:
            if abort:
                self.transport.abort()
            else:
                self.transport.close()

    def deliver(self, pdu: P.DeliverSm) -> None:
        """Write a deliver_sm (its sequence replaced) and keep it until the ESME answers it."""
        pdu = dataclasses.replace(pdu, sequence=self.next_sequence())
        self.unacked[pdu.sequence] = pdu
        self.write(pdu)

    def next_sequence(self) -> int:
        self.sequence = self.sequence % 0x7FFFFFFF + 1
        return self.sequence

    # -- PDUs

    def handle(self, pdu: P.AnyPdu) -> None:
        if isinstance(pdu, P.BindTransceiver):
            self.on_bind(pdu)
        elif isinstance(pdu, P.EnquireLink):
            self.write(P.EnquireLinkResp(sequence=pdu.sequence))
        elif isinstance(pdu, P.Unbind):
            self.write(P.UnbindResp(sequence=pdu.sequence))
            self.bound = False
            self.close()
        elif isinstance(pdu, P.SubmitSm):
            if not self.bound:
                self.write(P.SubmitSmResp(sequence=pdu.sequence, command_status=P.Status.ESME_RINVBNDSTS))
            else:
                self.on_submit(pdu)
        elif isinstance(pdu, P.DeliverSm):
            # An ESME does not deliver to an SMSC.
            self.write(P.DeliverSmResp(sequence=pdu.sequence, command_status=P.Status.ESME_RINVCMDID))
        elif isinstance(pdu, P.DeliverSmResp):
            delivered = self.unacked.pop(pdu.sequence, None)
            if delivered is not None and pdu.command_status != P.Status.ESME_ROK:
                self.sim._redeliver.append(delivered)  # refused: try again at the next bind
        # Responses (deliver_sm_resp, enquire_link_resp, generic_nack, ...) need no answer.

    def on_bind(self, pdu: P.BindTransceiver) -> None:
        sc = self.sim.scenario
        status: int = P.Status.ESME_ROK
        if self.bound:
            status = P.Status.ESME_RALYBND
        elif sc.name == ScenarioName.BIND_REFUSAL:
            status = sc.bind_status
        elif sc.system_id is not None and pdu.system_id != sc.system_id:
            status = P.Status.ESME_RINVSYSID
        elif sc.password is not None and pdu.password != sc.password:
            status = P.Status.ESME_RINVPASWD
        if status:
            self.sim.stats["bind_refused"] += 1
            self.write(P.BindTransceiverResp(sequence=pdu.sequence, command_status=status))
            return
        self.bound = True
        self.system_id = pdu.system_id
        self.sim.stats["binds"] += 1
        self.write(P.BindTransceiverResp(sequence=pdu.sequence, system_id=self.sim.system_id))
        self.sim._on_bound(self)

    def throttled(self) -> bool:
        sim = self.sim
        if sim.scenario.tps is None:
            return False
        bucket = self.bucket if sim.scenario.tps_scope == "bind" else sim._account_bucket(self.system_id)
        return not bucket.take(time.monotonic())

    def on_submit(self, pdu: P.SubmitSm) -> None:
        sim, sc = self.sim, self.sim.scenario
        self.submits += 1
        if sc.name == ScenarioName.DROP_CONNECTION_AFTER_N and self.answered >= sc.drop_after:
            sim.stats["dropped"] += 1
            self.close(abort=True)
            return
        if sc.name == ScenarioName.GENERIC_NACK and self.submits % sc.nack_every == 0:
            sim.stats["nacked"] += 1
            self.write(P.GenericNack(sequence=pdu.sequence, command_status=sc.nack_status))
            return
        now = time.time()
        second = int(now)
        if sc.tps is not None and self.throttled():
            sim.stats["throttled"] += 1
            sim.throttled_per_second[second] += 1
            self.write_bytes(P.encode_response(_SUBMIT_SM_RESP, pdu.sequence, P.Status.ESME_RTHROTTLED))
            return
        sim.accepted_per_second[second] += 1
        stall = sc.name == ScenarioName.STALL_RESPONSES and self.answered >= sc.stall_after
        record = sim._record(self, pdu, answered=not stall, now=now)
        resp = P.encode_response(_SUBMIT_SM_RESP, pdu.sequence, 0, record.message_id)
        state = sim._draw_outcome()
        wanted = _receipt_wanted(sc.receipts, pdu.registered_delivery, state)
        if not wanted and state == "DELIVRD" and sc.replies:
            # Delivered without a receipt: the debtor still reads it, at the time the receipt would be.
            sim._plan_reply(record, sc.receipt_delay + sc.reply_delay)
        if sc.name == ScenarioName.RECEIPTS_BEFORE_RESPONSES:
            if wanted:
                sim._deliver_receipt(_PendingReceipt(self, record, state, datetime.now(UTC)))
            self.write_bytes(resp)
            self.answered += 1
            return
        if stall:
            sim.stats["stalled"] += 1
        else:
            self.write_bytes(resp)
            self.answered += 1
        if wanted:
            submitted = datetime.now(UTC)
            if sc.receipt_delay == 0:  # right behind the response, in the same write
                sim._deliver_receipt(_PendingReceipt(self, record, state, submitted), done=submitted)
            else:
                sim._schedule_receipt(_PendingReceipt(self, record, state, submitted))


class _Bucket:
    """GCRA token bucket: ``rate`` a second, ``burst`` at once (``rate`` None: never empty)."""

    __slots__ = ("interval", "tat", "tolerance")

    def __init__(self, rate: float | None, burst: int) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        # A submit may arrive up to (burst - 1) intervals ahead of its theoretical arrival time;
        # the 1 µs slack absorbs float rounding in the accumulated ``tat``.
        self.tolerance = (burst - 1) * self.interval + 1e-6
        self.tat = 0.0

    def take(self, now: float) -> bool:
        tat = self.tat if self.tat > now else now
        if tat - now > self.tolerance:
            return False
        self.tat = tat + self.interval
        return True


def _receipt_wanted(mode: str, registered_delivery: int, state: str) -> bool:
    if mode == "always":
        return True
    if mode == "never":
        return False
    rd = registered_delivery & 0x03
    return rd == 1 or (rd == 2 and state != "DELIVRD")


class Simulator:
    """The SMSC. ``async with Simulator("throttle", tps=5) as sim: ... sim.port ...``.

    ``scenario`` is a :class:`Scenario`, or a scenario name whose preset is adjusted by
    ``options`` (see :func:`make_scenario`). ``journal`` appends one JSON line per accepted submit.
    """

    def __init__(
        self,
        scenario: Scenario | ScenarioName | str = ScenarioName.NORMAL,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        journal: str | Path | None = None,
        system_id: str = "dunning-smsc",
        **options: Any,
    ) -> None:
        if isinstance(scenario, Scenario):
            if options:
                raise TypeError("pass options either in the Scenario or as keywords, not both")
            self.scenario = scenario
        else:
            self.scenario = make_scenario(scenario, **options)
        self.host = host
        self._requested_port = port
        self.system_id = system_id
        self.journal_path = Path(journal) if journal is not None else None
        self.received: list[Received] = []
        self.stats: collections.Counter[str] = collections.Counter()
        #: Submits accepted / throttled per wall-clock second (``int(time.time())``).
        self.accepted_per_second: collections.Counter[int] = collections.Counter()
        self.throttled_per_second: collections.Counter[int] = collections.Counter()
        self._accounts: dict[str, _Bucket] = {}
        self._sessions: set[_Session] = set()
        self._rng = random.Random(self.scenario.seed)
        self._cumulative = self.scenario.cumulative_outcomes()
        self._next_id = self.scenario.id_start
        self._server: asyncio.Server | None = None
        self._journal: IO[str] | None = None
        self._backlog: list[_PendingReceipt] = []
        self._redeliver: list[P.DeliverSm] = []  # deliver_sm unanswered when their bind went
        self._mo_backlog: list[P.DeliverSm] = []  # replies that came while no ESME was bound
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._mo_script_started = False
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Debtor replies written so far, in order (see :class:`ScriptedReply`).
        self.scripted_replies: list[ScriptedReply] = []
        self._reply_counts: collections.Counter[str] = collections.Counter()
        # How often each (handset, text) was answered for: the same reminder sent twice to one
        # handset gets an independent draw each time, still reproducible.
        self._reply_occurrence: collections.Counter[bytes] = collections.Counter()
        self._mo_reference = 0  # UDH reference of the last concatenated reply
        self._mo_rng = random.Random(f"{self.scenario.seed}/mo")  # part order for send_mo

    # -- lifecycle

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            raise RuntimeError("simulator not started")
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        if self._server is not None:
            return
        self._loop = asyncio.get_running_loop()
        if self.journal_path is not None:
            self._journal = self.journal_path.open("a", encoding="utf-8")
        self._server = await self._loop.create_server(
            lambda: _Session(self), self.host, self._requested_port, reuse_address=True
        )
        log.info("SMSC simulator on %s:%d, scenario %s", self.host, self.port, self.scenario.name)

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            self._server.close()
            for session in list(self._sessions):
                session.close(abort=True)
            await self._server.wait_closed()
            self._server = None
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def bound_sessions(self) -> int:
        return sum(1 for s in self._sessions if s.bound and s.alive)

    def snapshot(self) -> dict[str, Any]:
        """Counters as plain JSON-able data: totals, per-second counts, this process's CPU seconds.

        ``cpu_seconds`` is :func:`time.process_time` of the whole process (with
        :class:`SimulatorThread` that includes the host's own threads).
        """
        return {
            "scenario": str(self.scenario.name),
            "tps": self.scenario.tps,
            "tps_burst": self.scenario.tps_burst,
            "tps_scope": self.scenario.tps_scope,
            "stats": dict(self.stats),
            "accepted_per_second": {str(k): v for k, v in sorted(self.accepted_per_second.items())},
            "throttled_per_second": {str(k): v for k, v in sorted(self.throttled_per_second.items())},
            "cpu_seconds": time.process_time(),
            "bound_sessions": self.bound_sessions,
            "replies": dict(sorted(self._reply_counts.items())),
            "time": time.time(),
        }

    def write_stats(self, path: str | Path) -> None:
        """Write :meth:`snapshot` as JSON to ``path`` (atomically: a reader never sees half a file)."""
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(self.snapshot(), separators=(",", ":")), encoding="utf-8")
        tmp.replace(target)

    # -- MO

    async def send_mo(self, source: str, text: str, destination: str = "") -> bool:
        """A debtor reply (deliver_sm, esm_class 0, or 0x40 parts with ``mo_long="udh"``) for the
        ESME: delivered at once on the most recent live bind (True), or, as a real SMSC does, stored
        and delivered in order at the next bind (False: queued, not lost)."""
        return self._send_mo(self._mo_pdus(source, text, destination, self._mo_rng))

    def _mo_pdus(self, source: str, text: str, destination: str, rng: random.Random) -> list[P.DeliverSm]:
        """The deliver_sm PDUs of one reply: one, unless ``mo_long="udh"`` and it needs parts."""

        def mo(data_coding: int, short: bytes, esm_class: int = 0, payload: bytes = b"") -> P.DeliverSm:
            return P.DeliverSm(
                sequence=0,
                source_addr_ton=1,
                source_addr_npi=1,
                source_addr=source,
                destination_addr=destination,
                esm_class=esm_class,
                data_coding=data_coding,
                short_message=short,
                tlvs={int(P.Tag.MESSAGE_PAYLOAD): payload} if payload else {},
            )

        if self.scenario.mo_long == "udh":
            parts = split(text, (self._mo_reference + 1) % 256)
            if len(parts) == 1:
                return [mo(parts[0].data_coding, parts[0].short_message)]
            self._mo_reference = (self._mo_reference + 1) % 256
            pdus = [mo(p.data_coding, p.short_message, p.esm_class) for p in parts]
            if self.scenario.mo_parts_shuffled:
                ordered = list(pdus)
                rng.shuffle(pdus)
                if pdus == ordered:  # "out of order" should mean it, also for two parts
                    pdus.reverse()
            return pdus
        body = encode_text(text)
        if len(body.data) > P.MAX_SHORT_MESSAGE:
            return [mo(body.data_coding, b"", payload=body.data)]
        return [mo(body.data_coding, body.data)]

    def _send_mo(self, pdus: list[P.DeliverSm]) -> bool:
        self.stats["mo"] += 1
        if len(pdus) > 1:
            self.stats["mo_parts"] += len(pdus)
        session = self._pick_session(None)
        if session is None:
            self._mo_backlog.extend(pdus)
            self.stats["mo_queued"] += 1
            return False
        for pdu in pdus:
            session.deliver(pdu)
        return True

    # -- debtor replies

    def _plan_reply(self, record: Received, delay: float) -> None:
        """Decide whether ``record``'s handset answers, and send the answer ``delay`` seconds on."""
        sc = self.scenario
        if record.part_seq not in (None, 1):
            return  # one reply per message: its first part stands for it
        key = f"{record.destination}\x1f{record.text}"
        digest = hashlib.blake2b(key.encode(), digest_size=8).digest()  # 8 bytes a message, not its text
        occurrence = self._reply_occurrence[digest]
        self._reply_occurrence[digest] = occurrence + 1
        # A str seed is hashed with SHA-512 (not hash()), so the draw is the same in every process.
        rng = random.Random(f"{sc.seed}\x1f{key}\x1f{occurrence}")
        intent = sc.draw_reply(rng.random())
        if intent is None:
            return
        language = language_of(record.text) if sc.reply_language == "auto" else sc.reply_language
        text = reply_text(intent, language, rng)
        twice = rng.random() < sc.mo_duplicate_share
        reply = ScriptedReply(record.destination, intent, text)
        handle: asyncio.TimerHandle | None = None

        def fire() -> None:
            if handle is not None:
                self._timers.discard(handle)
            pdus = self._mo_pdus(record.destination, text, record.source, rng)
            self.scripted_replies.append(reply)
            self._reply_counts[intent] += 1
            self.stats["replies"] += 1
            self._send_mo(pdus)
            if twice:
                self.stats["mo_duplicates"] += 1
                self._send_mo(pdus)

        if delay == 0:
            fire()  # right behind the receipt, in the same write
        else:
            handle = asyncio.get_running_loop().call_later(delay, fire)
            self._timers.add(handle)

    async def _run_mo_script(self) -> None:
        start = time.monotonic()
        for mo in self.scenario.mo_script:
            wait = mo.delay - (time.monotonic() - start)
            if wait > 0:
                await asyncio.sleep(wait)
            await self.send_mo(mo.source, mo.text, mo.destination)

    # -- internals used by sessions

    def _on_bound(self, session: _Session) -> None:
        backlog, self._backlog = self._backlog, []
        for pending in backlog:
            self._deliver_receipt(pending)
        again, self._redeliver = self._redeliver, []
        for pdu in again:
            session.deliver(pdu)
        if again:
            self.stats["redelivered"] += len(again)
        held, self._mo_backlog = self._mo_backlog, []
        for pdu in held:
            session.deliver(pdu)
        if self.scenario.mo_script and not self._mo_script_started:
            self._mo_script_started = True
            task = asyncio.get_running_loop().create_task(self._run_mo_script())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _account_bucket(self, system_id: str) -> _Bucket:
        bucket = self._accounts.get(system_id)
        if bucket is None:
            bucket = self._accounts[system_id] = _Bucket(self.scenario.tps, self.scenario.tps_burst)
        return bucket

    def _record(
        self, session: _Session, pdu: P.SubmitSm, *, answered: bool, now: float | None = None
    ) -> Received:
        message_id = self.scenario.format_id(self._next_id)
        self._next_id += 1
        data = pdu.short_message or pdu.tlvs.get(P.Tag.MESSAGE_PAYLOAD, b"")
        udhi = bool(pdu.esm_class & ESM_UDHI)
        ref = total = seq = None
        text: str | None
        try:
            if udhi:
                concat, data = parse_udh(data)
                if concat is not None:
                    ref, total, seq = concat.reference, concat.total, concat.seq
            text = decode_text(data, pdu.data_coding)
        except TextDecodeError:
            text = None
        record = Received(
            message_id=message_id,
            source=pdu.source_addr,
            destination=pdu.destination_addr,
            text=text,
            sequence=pdu.sequence,
            time=time.time() if now is None else now,
            system_id=session.system_id,
            data_coding=pdu.data_coding,
            esm_class=pdu.esm_class,
            registered_delivery=pdu.registered_delivery,
            part_ref=ref,
            part_total=total,
            part_seq=seq,
            answered=answered,
        )
        self.received.append(record)
        self.stats["accepted"] += 1
        if self._journal is not None:
            self._journal.write(record.to_json() + "\n")
            self._journal.flush()
        return record

    def _draw_outcome(self) -> str:
        r = self._rng.random()
        for bound, state in self._cumulative:
            if r < bound:
                return state
        return self._cumulative[-1][1]

    def _schedule_receipt(self, pending: _PendingReceipt) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            self._deliver_receipt(pending)

        handle = loop.call_later(self.scenario.receipt_delay, fire)
        self._timers.add(handle)

    def _pick_session(self, preferred: _Session | None) -> _Session | None:
        if preferred is not None and preferred.bound and preferred.alive:
            return preferred
        live = [s for s in self._sessions if s.bound and s.alive]
        if preferred is not None:
            same = [s for s in live if s.system_id == preferred.system_id]
            live = same or live
        return max(live, key=id) if live else None

    def _deliver_receipt(self, pending: _PendingReceipt, *, done: datetime | None = None) -> None:
        session = self._pick_session(pending.session)
        if session is None:
            self._backlog.append(pending)
            return
        record, state = pending.record, pending.state
        if done is None:
            done = max(datetime.now(UTC), pending.submitted + timedelta(seconds=self.scenario.receipt_delay))
        session.deliver(
            P.DeliverSm(
                sequence=0,
                source_addr_ton=1,
                source_addr_npi=1,
                source_addr=record.destination,
                destination_addr=record.source,
                esm_class=ESM_RECEIPT,
                data_coding=0x01,
                short_message=_receipt_text(record, state, pending.submitted, done),
                tlvs={
                    P.Tag.RECEIPTED_MESSAGE_ID: record.message_id.encode("ascii") + b"\x00",
                    P.Tag.MESSAGE_STATE: bytes((MESSAGE_STATES[state],)),
                },
            )
        )
        self.stats["receipts"] += 1
        self.stats[_RECEIPT_STAT[state]] += 1
        if state == "DELIVRD" and self.scenario.replies:
            self._plan_reply(record, self.scenario.reply_delay)


class SimulatorThread:
    """Runs a :class:`Simulator` on its own event loop in a daemon thread (tests, benchmarks).

    ``with SimulatorThread("hex_ids") as sim: connect to 127.0.0.1:sim.port``.
    """

    def __init__(self, scenario: Scenario | ScenarioName | str = ScenarioName.NORMAL, **kwargs: Any) -> None:
        self.simulator = Simulator(scenario, **kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smsc-simulator", daemon=True)

    @property
    def port(self) -> int:
        return self.simulator.port

    @property
    def received(self) -> list[Received]:
        return self.simulator.received

    def call(self, fn: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Run an async callable on the simulator's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(fn(), self._loop).result(timeout)

    @property
    def scripted_replies(self) -> list[ScriptedReply]:
        return self.simulator.scripted_replies

    def send_mo(self, source: str, text: str, destination: str = "") -> bool:
        return bool(self.call(lambda: self.simulator.send_mo(source, text, destination)))

    def start(self) -> SimulatorThread:
        self._thread.start()
        self.call(self.simulator.start)
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self.call(self.simulator.stop)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._loop.close()

    def __enter__(self) -> SimulatorThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def _serve(
    host: str,
    port: int,
    scenario: Scenario | ScenarioName | str,
    on_ready: Callable[[Simulator], None] | None,
    journal: str | Path | None,
    stats: str | Path | None,
    options: dict[str, Any],
) -> None:
    sim = Simulator(scenario, host=host, port=port, journal=journal, **options)
    await sim.start()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    handled: list[signal.Signals] = []
    # SIGTERM stops cleanly (stats written); SIGUSR1 writes the stats file without stopping.
    wanted: list[tuple[str, Callable[[], None]]] = [("SIGTERM", stop.set)]
    if stats is not None:
        wanted.append(("SIGUSR1", lambda: sim.write_stats(stats)))
    for name, handler in wanted:
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, handler)
            handled.append(sig)
    try:
        if on_ready is not None:
            on_ready(sim)
        await stop.wait()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        await sim.stop()
        if stats is not None:
            sim.write_stats(stats)


def serve(
    host: str = "127.0.0.1",
    port: int = 2775,
    scenario: Scenario | ScenarioName | str = ScenarioName.NORMAL,
    *,
    on_ready: Callable[[Simulator], None] | None = None,
    journal: str | Path | None = None,
    stats: str | Path | None = None,
    **options: Any,
) -> None:
    """Run the simulator until interrupted or sent SIGTERM (the ``dunning smsc`` entry point).

    ``port=0`` binds an ephemeral port; ``on_ready(sim)`` is called once listening (default:
    print ``host:port`` and the scenario). ``options`` override the scenario preset. ``stats``:
    a file that gets :meth:`Simulator.snapshot` as JSON on exit and on each SIGUSR1.
    """

    def announce(sim: Simulator) -> None:
        print(f"SMSC simulator listening on {sim.host}:{sim.port} (scenario {sim.scenario.name})", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(host, port, scenario, on_ready or announce, journal, stats, options))
