"""SmppSession against a small scripted SMPP server on 127.0.0.1 (built here from the codec)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from dunning.sending.providers.smpp.pdu import (
    AnyPdu,
    BindTransceiver,
    BindTransceiverResp,
    DecodeError,
    DeliverSm,
    DeliverSmResp,
    EnquireLink,
    EnquireLinkResp,
    GenericNack,
    PduReader,
    Status,
    SubmitSm,
    SubmitSmResp,
    Tag,
    Unbind,
    UnbindResp,
    decode,
    encode,
)
from dunning.sending.providers.smpp.ratelimit import TokenBucket
from dunning.sending.providers.smpp.receipts import DeliveryReceipt
from dunning.sending.providers.smpp.session import (
    BindError,
    SessionClosedError,
    SessionConfig,
    SmppSession,
    SubmitResult,
)

PASSWORD = "s3cr3t"


class Server:
    """A scripted SMSC: records every PDU, answers binds and submits as told."""

    def __init__(
        self,
        *,
        bind_status: int = 0,
        resp_delay: float = 0.0,
        submit_status: Callable[[int], int] = lambda n: 0,
        respond: bool = True,
        nack_submits: int | None = None,
    ) -> None:
        self.bind_status = bind_status
        self.resp_delay = resp_delay
        self.submit_status = submit_status
        self.respond = respond
        self.nack_submits = nack_submits
        self.received: list[AnyPdu] = []
        self.sent: list[AnyPdu] = []
        self.outstanding = 0
        self.max_outstanding = 0
        self.submits = 0
        self.writer: asyncio.StreamWriter | None = None
        self.responses: dict[int, asyncio.Future[AnyPdu]] = {}
        self.got_unbind = asyncio.Event()
        self.disconnected = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._seq = 1000

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        if self.writer is not None:
            self.writer.close()
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def config(self, **kw: Any) -> SessionConfig:
        base: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "system_id": "esme",
            "password": PASSWORD,
            "system_type": "dun",
            "addr_ton": 1,
            "addr_npi": 1,
            "timeout": 2.0,
        }
        base.update(kw)
        return SessionConfig(**base)

    def send(self, pdu: AnyPdu) -> None:
        assert self.writer is not None
        self.sent.append(pdu)
        self.writer.write(encode(pdu))

    async def request(self, pdu: AnyPdu) -> AnyPdu:
        """Send a request to the client and wait for its response."""
        self._seq += 1
        fut: asyncio.Future[AnyPdu] = asyncio.get_running_loop().create_future()
        self.responses[self._seq] = fut
        self.send(replace(pdu, sequence=self._seq))
        return await asyncio.wait_for(fut, 5)

    def _later(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        frames = PduReader()
        try:
            while data := await reader.read(65536):
                for frame in frames.feed(data):
                    try:
                        self._on(decode(frame))
                    except DecodeError as exc:
                        self.send(exc.nack())
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.disconnected.set()
            writer.close()

    def _on(self, pdu: AnyPdu) -> None:
        self.received.append(pdu)
        fut = self.responses.pop(pdu.sequence, None)
        if fut is not None and pdu.command_id & 0x80000000:
            fut.set_result(pdu)
            return
        if isinstance(pdu, BindTransceiver):
            if self.bind_status:
                self.send(BindTransceiverResp(sequence=pdu.sequence, command_status=self.bind_status))
            else:
                self.send(BindTransceiverResp(sequence=pdu.sequence, system_id="smsc"))
        elif isinstance(pdu, EnquireLink):
            self.send(EnquireLinkResp(sequence=pdu.sequence))
        elif isinstance(pdu, Unbind):
            self.got_unbind.set()
            self.send(UnbindResp(sequence=pdu.sequence))
        elif isinstance(pdu, SubmitSm):
            n = self.submits
            self.submits += 1
            self.outstanding += 1
            self.max_outstanding = max(self.max_outstanding, self.outstanding)
            if self.respond:
                self._later(self._answer(pdu, n))

    async def _answer(self, pdu: SubmitSm, n: int) -> None:
        if self.resp_delay:
            await asyncio.sleep(self.resp_delay)
        self.outstanding -= 1
        if self.nack_submits is not None:
            self.send(GenericNack(sequence=pdu.sequence, command_status=self.nack_submits))
            return
        status = self.submit_status(n)
        self.send(
            SubmitSmResp(sequence=pdu.sequence, command_status=status, message_id="" if status else f"id{n}")
        )


def run(coro: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(coro(), 20))


def sm(dest: str = "491700000001", text: bytes = b"hello") -> SubmitSm:
    return SubmitSm(sequence=0, destination_addr=dest, short_message=text)


def test_bind_sends_credentials_and_sets_nodelay() -> None:
    async def go() -> None:
        async with Server() as srv:
            session = SmppSession(srv.config())
            await session.connect()
            assert session.bound and session.peer_system_id == "smsc"
            bind = srv.received[0]
            assert isinstance(bind, BindTransceiver)
            assert (bind.system_id, bind.password, bind.system_type) == ("esme", PASSWORD, "dun")
            assert (bind.addr_ton, bind.addr_npi) == (1, 1)
            assert session.transport is not None
            sock = session.transport.get_extra_info("socket")
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            assert PASSWORD not in repr(session) and PASSWORD not in repr(session.config)
            await session.close()

    run(go)


def test_bind_refused() -> None:
    async def go() -> None:
        async with Server(bind_status=Status.ESME_RINVPASWD) as srv:
            session = SmppSession(srv.config())
            with pytest.raises(BindError) as info:
                await session.connect()
            assert info.value.status == Status.ESME_RINVPASWD
            assert PASSWORD not in str(info.value)
            assert session.closed.done() and not session.bound
            assert (await session.submit(sm())).outcome == "retriable"

    run(go)


def test_connection_refused_raises_oserror() -> None:
    async def go() -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        session = SmppSession(SessionConfig(host="127.0.0.1", port=port, system_id="x"))
        with pytest.raises(OSError):
            await session.connect()

    run(go)


def test_submit_returns_message_ids_and_sequences_are_distinct() -> None:
    async def go() -> None:
        async with Server() as srv:
            session = SmppSession(srv.config())
            await session.connect()
            results = await asyncio.gather(*(session.submit(sm(text=b"m%d" % i)) for i in range(20)))
            assert all(r.outcome == "accepted" and r.status == 0 for r in results)
            assert sorted(r.message_id or "" for r in results) == sorted(f"id{n}" for n in range(20))
            seqs = [p.sequence for p in srv.received if isinstance(p, SubmitSm)]
            assert len(set(seqs)) == 20 and 0 not in seqs
            assert session.in_flight == 0
            await session.close()

    run(go)


def test_window_limits_in_flight() -> None:
    async def go() -> None:
        async with Server(resp_delay=0.05) as srv:
            session = SmppSession(srv.config(window=3))
            await session.connect()
            results = await asyncio.gather(*(session.submit(sm()) for _ in range(12)))
            assert all(r.accepted for r in results)
            assert srv.max_outstanding == 3
            assert session.max_in_flight == 3
            await session.close()

    run(go)


def test_timeout_gives_unknown_and_no_retry() -> None:
    async def go() -> None:
        async with Server(respond=False) as srv:
            session = SmppSession(srv.config(timeout=0.2))
            await session.connect()
            result = await session.submit(sm())
            assert result == SubmitResult(None, None, "unknown", "timeout")
            assert sum(isinstance(p, SubmitSm) for p in srv.received) == 1
            assert session.in_flight == 0 and session.bound
            # a late response is ignored
            srv.send(SubmitSmResp(sequence=srv.received[-1].sequence, message_id="late"))
            await asyncio.sleep(0.05)
            await session.close()

    run(go)


@pytest.mark.parametrize(
    ("status", "penalty_attr"),
    [(Status.ESME_RTHROTTLED, "throttle_penalty"), (Status.ESME_RMSGQFUL, "queue_full_penalty")],
)
def test_throttled_is_retriable_and_penalises_the_bucket(status: int, penalty_attr: str) -> None:
    async def go() -> None:
        async with Server(submit_status=lambda n: status if n == 0 else 0) as srv:
            bucket = TokenBucket(1000, burst=5)
            session = SmppSession(srv.config(**{penalty_attr: 0.3}), bucket=bucket)
            await session.connect()
            result = await session.submit(sm())
            assert result.outcome == "retriable" and result.status == status and result.message_id is None
            assert 0 < bucket.paused_for <= 0.3
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            ok = await session.submit(sm())
            assert ok.accepted and loop.time() - t0 >= 0.1  # waited for the penalty
            assert bucket.acquired == 2
            await session.close()

    run(go)


def test_permanent_status() -> None:
    async def go() -> None:
        async with Server(submit_status=lambda n: Status.ESME_RINVDSTADR) as srv:
            session = SmppSession(srv.config())
            await session.connect()
            result = await session.submit(sm())
            assert (result.outcome, result.status, result.error) == (
                "permanent",
                Status.ESME_RINVDSTADR,
                "ESME_RINVDSTADR",
            )
            await session.close()

    run(go)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(Status.ESME_RTHROTTLED, "retriable"), (Status.ESME_RINVCMDID, "permanent"), (0, "permanent")],
)
def test_generic_nack_for_a_submit(status: int, outcome: str) -> None:
    async def go() -> None:
        async with Server(nack_submits=status) as srv:
            session = SmppSession(srv.config())
            await session.connect()
            result = await session.submit(sm())
            assert result.outcome == outcome and result.message_id is None
            assert session.bound
            await session.close()

    run(go)


def test_unsupported_request_is_nacked() -> None:
    async def go() -> None:
        async with Server() as srv:
            session = SmppSession(srv.config())
            await session.connect()
            resp = await srv.request(SubmitSm(sequence=0, destination_addr="1"))
            assert isinstance(resp, GenericNack) and resp.command_status == Status.ESME_RINVCMDID
            await session.close()

    run(go)


def test_receipt_and_mo_callbacks() -> None:
    async def go() -> None:
        receipts: list[tuple[DeliveryReceipt, DeliverSm]] = []
        mos: list[DeliverSm] = []
        async with Server() as srv:
            session = SmppSession(
                srv.config(), on_receipt=lambda r, p: receipts.append((r, p)), on_mo=mos.append
            )
            await session.connect()
            text = (
                b"id:0A1B sub:001 dlvrd:001 submit date:2611282100 done date:2611282101 stat:DELIVRD err:000"
            )
            receipt = DeliverSm(
                sequence=0,
                source_addr="491700000001",
                esm_class=0x04,
                short_message=text,
                tlvs={Tag.RECEIPTED_MESSAGE_ID: b"0a1b\x00"},
            )
            resp = await srv.request(receipt)
            assert isinstance(resp, DeliverSmResp) and resp.command_status == 0
            mo = DeliverSm(sequence=0, source_addr="491700000002", short_message=b"STOP")
            resp = await srv.request(mo)
            assert isinstance(resp, DeliverSmResp)
            assert len(receipts) == 1 and len(mos) == 1
            r, _ = receipts[0]
            assert r.provider_message_id == "0a1b" and r.id_source == "tlv" and r.status == "delivered"
            assert mos[0].short_message == b"STOP" and mos[0].source_addr == "491700000002"
            await session.close()

    run(go)


def test_failing_callback_still_answers() -> None:
    def boom(_: DeliverSm) -> None:
        raise RuntimeError("callback bug")

    async def go() -> None:
        async with Server() as srv:
            session = SmppSession(srv.config(), on_mo=boom)
            await session.connect()
            resp = await srv.request(DeliverSm(sequence=0, short_message=b"hi"))
            assert isinstance(resp, DeliverSmResp)
            assert session.bound
            await session.close()

    run(go)


def test_enquire_link_both_ways() -> None:
    async def go() -> None:
        async with Server() as srv:
            session = SmppSession(srv.config(enquire_interval=0.05))
            await session.connect()
            resp = await srv.request(EnquireLink(sequence=0))
            assert isinstance(resp, EnquireLinkResp)
            for _ in range(200):
                if any(isinstance(p, EnquireLink) for p in srv.received):
                    break
                await asyncio.sleep(0.01)
            assert any(isinstance(p, EnquireLink) for p in srv.received)
            assert session.bound
            await session.close()

    run(go)


def test_unanswered_enquire_link_drops_the_connection() -> None:
    async def go() -> None:
        async with Server() as srv:
            session = SmppSession(srv.config(enquire_interval=0.05, timeout=0.1))
            await session.connect()
            srv.received.clear()
            original = srv._on

            def mute(pdu: AnyPdu) -> None:
                if isinstance(pdu, EnquireLink):
                    srv.received.append(pdu)
                    return
                original(pdu)

            srv._on = mute  # type: ignore[method-assign]
            assert isinstance(await asyncio.wait_for(session.closed, 5), TimeoutError)
            assert not session.bound

    run(go)


def test_peer_unbind_is_answered_and_closes() -> None:
    async def go() -> None:
        async with Server() as srv:
            session = SmppSession(srv.config())
            await session.connect()
            resp = await srv.request(Unbind(sequence=0))
            assert isinstance(resp, UnbindResp)
            assert await asyncio.wait_for(session.closed, 5) is None
            assert not session.bound
            assert (await session.submit(sm())).outcome == "retriable"

    run(go)


def test_close_drains_the_window_then_unbinds() -> None:
    async def go() -> None:
        async with Server(resp_delay=0.1) as srv:
            session = SmppSession(srv.config(window=10))
            await session.connect()
            tasks = [asyncio.ensure_future(session.submit(sm())) for _ in range(5)]
            while srv.submits < 5:
                await asyncio.sleep(0.01)
            await session.close()
            results = [t.result() for t in tasks]
            assert all(r.accepted for r in results)
            kinds = [type(p) for p in srv.received]
            assert kinds.count(Unbind) == 1
            last_submit = max(i for i, k in enumerate(kinds) if k is SubmitSm)
            assert kinds.index(Unbind) > last_submit
            # every submit_sm_resp went out before the unbind arrived
            assert srv.outstanding == 0
            assert session.closed.done() and session.closed.result() is None
            assert (await session.submit(sm())).outcome == "retriable"
            await asyncio.wait_for(srv.disconnected.wait(), 5)

    run(go)


def test_submits_blocked_on_close_are_not_sent() -> None:
    async def go() -> None:
        async with Server(resp_delay=0.1) as srv:
            session = SmppSession(srv.config(window=1))
            await session.connect()
            tasks = [asyncio.ensure_future(session.submit(sm())) for _ in range(3)]
            while srv.submits < 1:
                await asyncio.sleep(0.01)
            await session.close()
            outcomes = sorted(t.result().outcome for t in tasks)
            assert outcomes == ["accepted", "retriable", "retriable"]
            assert srv.submits == 1

    run(go)


def test_connection_loss_makes_in_flight_unknown() -> None:
    async def go() -> None:
        async with Server(respond=False) as srv:
            session = SmppSession(srv.config(timeout=5))
            await session.connect()
            tasks = [asyncio.ensure_future(session.submit(sm())) for _ in range(3)]
            while srv.submits < 3:
                await asyncio.sleep(0.01)
            assert srv.writer is not None
            srv.writer.transport.abort()
            results = await asyncio.gather(*tasks)
            assert [r.outcome for r in results] == ["unknown"] * 3
            assert isinstance(await asyncio.wait_for(session.closed, 5), SessionClosedError)
            assert not session.bound

    run(go)


def test_unencodable_submit_is_permanent_and_not_sent() -> None:
    async def go() -> None:
        async with Server() as srv:
            session = SmppSession(srv.config())
            await session.connect()
            result = await session.submit(sm(dest="9" * 30))
            assert result.outcome == "permanent" and result.status is None
            assert session.in_flight == 0 and srv.submits == 0
            assert (await session.submit(sm())).accepted
            await session.close()

    run(go)


def _receipt(n: int) -> DeliverSm:
    text = f"id:{n} sub:001 dlvrd:001 submit date:2611282100 done date:2611282101 stat:DELIVRD err:000"
    return DeliverSm(sequence=0, source_addr="491700000001", esm_class=0x04, short_message=text.encode())


def test_many_receipts_in_one_read_all_reach_the_callback_in_order() -> None:
    async def go() -> None:
        seen: list[str | None] = []
        async with Server() as srv:
            session = SmppSession(
                srv.config(deliver_batch=3), on_receipt=lambda r, p: seen.append(r.provider_message_id)
            )
            await session.connect()
            assert srv.writer is not None
            batch = [_receipt(n) for n in range(20)]
            srv.writer.write(b"".join(encode(replace(r, sequence=100 + i)) for i, r in enumerate(batch)))
            while len([p for p in srv.received if isinstance(p, DeliverSmResp)]) < 20 or len(seen) < 20:
                await asyncio.sleep(0.01)
            assert seen == [str(n) for n in range(20)]
            resps = [p.sequence for p in srv.received if isinstance(p, DeliverSmResp)]
            assert resps == list(range(100, 120))
            await session.close()

    run(go)


def test_answered_receipts_reach_the_callback_even_if_the_connection_drops() -> None:
    async def go() -> None:
        seen: list[str | None] = []
        async with Server() as srv:
            session = SmppSession(
                srv.config(deliver_batch=1), on_receipt=lambda r, p: seen.append(r.provider_message_id)
            )
            await session.connect()
            data = b"".join(encode(replace(_receipt(n), sequence=200 + n)) for n in range(5))
            session.data_received(data)  # five answered at once, handed over one per tick
            assert session.transport is not None
            session.transport.abort()
            await asyncio.wait_for(session.closed, 5)
            assert seen == [str(n) for n in range(5)]

    run(go)


def test_many_submits_time_out_together_and_later_ones_still_succeed() -> None:
    async def go() -> None:
        async with Server(respond=False) as srv:
            session = SmppSession(srv.config(timeout=0.2, window=10))
            await session.connect()
            results = await asyncio.gather(*(session.submit(sm()) for _ in range(25)))
            assert [r.outcome for r in results] == ["unknown"] * 25
            assert session.in_flight == 0 and session.bound
            srv.respond = True
            assert (await session.submit(sm())).accepted
            await session.close()

    run(go)


def test_write_batch_sends_before_the_tick_ends() -> None:
    async def go() -> None:
        async with Server() as srv:
            session = SmppSession(srv.config(window=20, write_batch=4))
            await session.connect()
            results = await asyncio.gather(*(session.submit(sm()) for _ in range(20)))
            assert all(r.accepted for r in results)
            assert len({r.message_id for r in results}) == 20
            await session.close()

    run(go)


@pytest.mark.parametrize("field", ["write_batch", "deliver_batch"])
def test_batch_settings_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        SessionConfig(host="h", port=1, system_id="s", **{field: 0})


def test_cancelled_waiter_does_not_lose_a_window_slot() -> None:
    async def go() -> None:
        async with Server(resp_delay=0.1) as srv:
            session = SmppSession(srv.config(window=1))
            await session.connect()
            first = asyncio.ensure_future(session.submit(sm()))
            waiting = [asyncio.ensure_future(session.submit(sm())) for _ in range(3)]
            await asyncio.sleep(0.01)
            waiting[1].cancel()
            results = await asyncio.gather(first, waiting[0], waiting[2])
            assert all(r.accepted for r in results)
            assert waiting[1].cancelled() and srv.submits == 3
            assert (await session.submit(sm())).accepted  # the slot came back
            assert srv.max_outstanding == 1
            await session.close()

    run(go)


def test_deferred_deliver_ack_waits_for_acknowledge() -> None:
    async def go() -> None:
        seen: list[DeliverSm] = []

        def boom(_: DeliverSm) -> None:
            raise RuntimeError("callback bug")

        async with Server() as srv:
            session = SmppSession(srv.config(defer_deliver_ack=True), on_receipt=lambda r, p: seen.append(p))
            await session.connect()
            assert srv.writer is not None
            srv.writer.write(encode(replace(_receipt(1), sequence=301)))
            while not seen:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            assert not [p for p in srv.received if isinstance(p, DeliverSmResp)]  # not yet stored
            session.acknowledge(seen[0].sequence)
            while not [p for p in srv.received if isinstance(p, DeliverSmResp)]:
                await asyncio.sleep(0.01)
            assert [p.sequence for p in srv.received if isinstance(p, DeliverSmResp)] == [301]
            # no MO callback, and a failing one: answered at once
            session.on_mo = None
            assert isinstance(await srv.request(DeliverSm(sequence=0, short_message=b"hi")), DeliverSmResp)
            session.on_mo = boom
            assert isinstance(await srv.request(DeliverSm(sequence=0, short_message=b"hi")), DeliverSmResp)
            await session.close()

    run(go)
