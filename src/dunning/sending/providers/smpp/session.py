"""One SMPP 3.4 bind (bind_transceiver) over asyncio: a window of submits, deadlines, keep-alive.

:class:`SmppSession` is an :class:`asyncio.Protocol` (fewer allocations than streams) with
``TCP_NODELAY`` set explicitly and writes coalesced per loop tick. It owns:

- sequence numbers (1..0x7FFFFFFF, wrapping, never reusing one still in flight);
- a window: at most ``window`` submit_sm in flight (a slot count with a FIFO of waiters, plus
  ``dict seq → pending``);
- a deadline per PDU: a submit_sm without a response in ``timeout`` seconds has the outcome
  ``unknown`` (it may have been accepted; ADR 0006) and is never retried here. Submits share
  one timeout, so one sweep timer serves them all (no timer per PDU);
- enquire_link after ``enquire_interval`` seconds without traffic; no answer in ``timeout``
  seconds drops the connection;
- answers to the peer's enquire_link, unbind and deliver_sm (receipts go to ``on_receipt``,
  MO messages to ``on_mo``), and generic_nack for PDUs it cannot decode or does not support.
  A deliver_sm is answered at once and handed to its callback in order, ``deliver_batch`` per
  loop tick, so the submits freed by the same read are written before the receipts are parsed
  (and the SMSC works while we parse); a connection loss hands over whatever is still queued;
- writes coalesced per loop tick, and sent early once ``write_batch`` PDUs are queued;
- an optional shared :class:`~.ratelimit.TokenBucket`, acquired before each submit_sm and
  penalised on ESME_RTHROTTLED / ESME_RMSGQFUL;
- :meth:`close`: stops new submits, drains the window, unbinds and closes;
- :attr:`closed`: a future resolved (with the cause, or None) when the connection is gone.

Outcomes (:class:`SubmitResult`): ``accepted`` (status 0, message id), ``retriable`` (a retriable
status, or the PDU was never written), ``permanent`` (any other status), ``unknown`` (written but
no response: timed out or the connection was lost). Reconnecting is the bind pool's job.

Only PDU headers are logged, never bodies, numbers or the password.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal

from dunning.core.errors import ProviderError
from dunning.sending.providers.smpp.pdu import (
    RESPONSE_BIT,
    AnyPdu,
    BindTransceiver,
    BindTransceiverResp,
    CommandId,
    DecodeError,
    DeliverSm,
    EncodeError,
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
    encode_response,
    is_retriable,
    status_name,
)
from dunning.sending.providers.smpp.ratelimit import TokenBucket
from dunning.sending.providers.smpp.receipts import DeliveryReceipt, interpret_receipt, is_receipt

__all__ = [
    "BindError",
    "Outcome",
    "SessionClosedError",
    "SessionConfig",
    "SmppSession",
    "SubmitResult",
]

log = logging.getLogger(__name__)

MAX_SEQUENCE: Final = 0x7FFFFFFF
_DELIVER_SM_RESP: Final = int(CommandId.DELIVER_SM_RESP)

Outcome = Literal["accepted", "retriable", "permanent", "unknown"]
ReceiptCallback = Callable[[DeliveryReceipt, DeliverSm], None]
MoCallback = Callable[[DeliverSm], None]


class BindError(ProviderError):
    """The SMSC refused the bind (``status`` is its command_status) or did not answer in time.

    Neither retriable nor permanent by itself: the bind pool decides (bad credentials are a
    ConfigError at once, anything else is retried with backoff)."""

    def __init__(self, message: str, status: int | None = None, zh: str | None = None) -> None:
        super().__init__(message, zh or f"短信中心拒绝或未响应登录（bind）：{message}")
        self.status = status


class SessionClosedError(ProviderError):
    """The connection is gone (or was never up). Not retriable: what was in flight may have left."""

    def __init__(self, message: str = "connection closed", zh: str | None = None) -> None:
        super().__init__(message, zh or f"与短信中心的连接已断开：{message}")


@dataclass(frozen=True, slots=True)
class SessionConfig:
    host: str
    port: int
    system_id: str
    password: str = field(default="", repr=False)
    system_type: str = ""
    addr_ton: int = 0
    addr_npi: int = 0
    address_range: str = ""
    window: int = 50
    timeout: float = 10.0  # per-PDU response deadline, seconds
    bind_timeout: float = 10.0
    enquire_interval: float = 30.0  # idle seconds before an enquire_link
    throttle_penalty: float = 1.0  # bucket pause after ESME_RTHROTTLED
    queue_full_penalty: float = 30.0  # bucket pause after ESME_RMSGQFUL
    close_timeout: float = 10.0  # bound on draining the window and awaiting unbind_resp
    #: Writes are coalesced per loop tick, but once this many PDUs are queued they go out at
    #: once, so the SMSC starts on them while the rest of the tick's PDUs are still being built.
    write_batch: int = 16
    #: deliver_sm (receipts, MO) handed to the callbacks per loop tick: answered at once, then
    #: interpreted a few at a time, so the submits their window slots freed go out in between.
    deliver_batch: int = 8
    #: Answer a deliver_sm handed to a callback only when :meth:`SmppSession.acknowledge` is
    #: called (once its content is stored): a crash before that leaves it unanswered, so the SMSC
    #: delivers it again. Without a callback for it, or when the callback raises, it is answered.
    defer_deliver_ack: bool = False

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError(f"window must be at least 1, got {self.window!r}")
        if self.write_batch < 1 or self.deliver_batch < 1:
            raise ValueError("write_batch and deliver_batch must be at least 1")
        if self.timeout <= 0 or self.enquire_interval <= 0 or self.bind_timeout <= 0:
            raise ValueError("timeout, bind_timeout and enquire_interval must be positive")


@dataclass(frozen=True, slots=True)
class SubmitResult:
    status: int | None  # command_status of the response; None when there was none
    message_id: str | None
    outcome: Outcome
    error: str | None = None  # a short reason, e.g. "ESME_RTHROTTLED", "timeout", "not bound"

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"


class _Pending:
    """One request awaiting its response. A submit_sm has a ``deadline`` (loop time) that the
    session's single sweep timer checks; other requests have their own timer ``handle``."""

    __slots__ = ("deadline", "future", "handle")

    def __init__(self, future: asyncio.Future[AnyPdu | SubmitResult], deadline: float | None = None) -> None:
        self.future = future
        self.handle: asyncio.TimerHandle | None = None
        self.deadline = deadline


#: Deadlines this close together are expired by one sweep (seconds).
_SWEEP_SLACK: Final = 0.001


def _classify(status: int, message_id: str | None) -> SubmitResult:
    if status == Status.ESME_ROK:
        return SubmitResult(status, message_id or None, "accepted")
    outcome: Outcome = "retriable" if is_retriable(status) else "permanent"
    return SubmitResult(status, message_id or None, outcome, status_name(status))


class SmppSession(asyncio.Protocol):
    """One bind_transceiver session. ``await connect()``, ``await submit(pdu)``, ``await close()``."""

    def __init__(
        self,
        config: SessionConfig,
        *,
        bucket: TokenBucket | None = None,
        on_receipt: ReceiptCallback | None = None,
        on_mo: MoCallback | None = None,
    ) -> None:
        self.config = config
        self.bucket = bucket
        self.on_receipt = on_receipt
        self.on_mo = on_mo
        self._loop: asyncio.AbstractEventLoop | None = None
        self._transport: asyncio.Transport | None = None
        self._reader = PduReader()
        self._free = config.window  # window slots not held by a submit
        self._slot_waiters: deque[asyncio.Future[None]] = deque()  # FIFO, each gets a slot handed over
        self._pending: dict[int, _Pending] = {}
        self._submits: set[int] = set()  # sequences of pending submit_sm
        self._seq = 0
        self._wbuf: list[bytes] = []
        self._wseqs: list[int] = []
        self._flush_scheduled = False
        self._sweep: asyncio.TimerHandle | None = None  # the submit deadline timer
        self._delivers: deque[DeliverSm] = deque()  # answered, not yet given to the callbacks
        self._delivers_scheduled = False
        self._bound = False
        self._closing = False
        self._last_rx = 0.0
        self._keepalive: asyncio.Task[None] | None = None
        self._closed: asyncio.Future[BaseException | None] | None = None
        self._abort_reason: BaseException | None = None
        self._closing_before_loss = False
        self.peer_system_id: str | None = None
        self.max_in_flight = 0  # high-water mark of the window (stats)

    def __repr__(self) -> str:
        c = self.config
        state = "bound" if self._bound else "closing" if self._closing else "idle"
        return f"SmppSession({c.system_id}@{c.host}:{c.port}, {state}, in_flight={len(self._submits)})"

    # -- public API ----------------------------------------------------------------------------

    @property
    def closed(self) -> asyncio.Future[BaseException | None]:
        """Resolved when the connection is gone: None after :meth:`close` or the peer's unbind,
        else the cause (an exception object, not raised) for the pool to reconnect on."""
        if self._closed is None:
            self._closed = asyncio.get_running_loop().create_future()
        return self._closed

    @property
    def bound(self) -> bool:
        return self._bound and not self._closing

    @property
    def in_flight(self) -> int:
        return len(self._submits)

    @property
    def transport(self) -> asyncio.Transport | None:
        return self._transport

    async def connect(self) -> None:
        """Open the TCP connection and bind. Raises :class:`BindError` or :class:`OSError`."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        closed = self.closed
        c = self.config
        await loop.create_connection(lambda: self, c.host, c.port)
        bind = BindTransceiver(
            sequence=0,
            system_id=c.system_id,
            password=c.password,
            system_type=c.system_type,
            addr_ton=c.addr_ton,
            addr_npi=c.addr_npi,
            address_range=c.address_range,
        )
        try:
            resp = await self._request(bind, c.bind_timeout)
        except (TimeoutError, SessionClosedError) as exc:
            self._abort()
            raise BindError(f"bind to {c.host}:{c.port} failed: {exc or type(exc).__name__}") from exc
        if not isinstance(resp, BindTransceiverResp) or resp.command_status != Status.ESME_ROK:
            self._abort()
            await asyncio.shield(closed)
            raise BindError(f"bind refused: {status_name(resp.command_status)}", resp.command_status)
        self.peer_system_id = resp.system_id
        self._bound = True
        self._keepalive = loop.create_task(self._keepalive_loop())
        log.info("smpp bound to %s:%s as %s", c.host, c.port, c.system_id)

    async def submit(self, pdu: SubmitSm) -> SubmitResult:
        """Send one submit_sm (its sequence is replaced) and wait for its outcome.

        Never raises for protocol or connection trouble; a PDU that cannot be encoded is
        ``permanent``. Cancelling the caller abandons the response (the message may be sent).
        """
        if not self.bound:
            return SubmitResult(None, None, "retriable", "not bound")
        if self._free > 0 and not self._slot_waiters:
            self._free -= 1
        else:
            await self._wait_for_slot()
        try:
            bucket = self.bucket
            if bucket is not None and not bucket.try_acquire():
                await bucket.acquire()
            if not self.bound:
                return SubmitResult(None, None, "retriable", "not bound")
            seq = self._next_seq()
            try:
                data = encode(pdu, seq)
            except EncodeError as exc:
                return SubmitResult(None, None, "permanent", f"invalid submit_sm: {exc}")
            loop = self._loop
            assert loop is not None
            deadline = loop.time() + self.config.timeout
            pending = _Pending(loop.create_future(), deadline)
            self._pending[seq] = pending
            submits = self._submits
            submits.add(seq)
            if len(submits) > self.max_in_flight:
                self.max_in_flight = len(submits)
            if self._sweep is None:
                self._sweep = loop.call_at(deadline, self._sweep_deadlines)
            try:
                self._write(data, seq)
                result = await pending.future
            finally:
                self._finish(seq)
        finally:
            self._release_slot()
        if type(result) is SubmitSmResp and result.command_status == 0:  # the common case
            return SubmitResult(0, result.message_id or None, "accepted")
        if isinstance(result, SubmitResult):
            return result
        message_id = result.message_id if isinstance(result, SubmitSmResp) else None
        out = _classify(result.command_status, message_id)
        if isinstance(result, GenericNack) and out.outcome == "accepted":
            out = SubmitResult(result.command_status, None, "permanent", "generic_nack")
        self._penalise(out.status)
        return out

    async def _wait_for_slot(self) -> None:
        assert self._loop is not None
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._slot_waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release_slot()  # handed a slot just as we were cancelled: pass it on
            raise

    def _release_slot(self) -> None:
        waiters = self._slot_waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot goes straight to the next waiter
                return
        self._free += 1

    async def close(self) -> None:
        """Stop new submits, wait for the window to drain, unbind and close the connection."""
        closed = self.closed
        if closed.done():
            return
        if self._transport is None:
            closed.set_result(None)
            return
        self._closing = True
        c = self.config
        waits = [p.future for seq, p in self._pending.items() if seq in self._submits]
        if waits:
            await asyncio.wait(waits, timeout=c.close_timeout)
        if self._bound and not closed.done():
            try:
                await self._request(Unbind(sequence=0), min(c.timeout, c.close_timeout))
            except (TimeoutError, SessionClosedError):
                log.warning("smpp %s:%s: no unbind_resp", c.host, c.port)
        self._bound = False
        if self._transport is not None and not closed.done():
            self._flush()
            self._transport.close()
        await asyncio.shield(closed)

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._last_rx = self._now()

    def data_received(self, data: bytes) -> None:
        self._last_rx = self._now()
        try:
            frames = self._reader.feed(data)
        except DecodeError as exc:
            log.warning("smpp %s: unrecoverable stream: %s", self.config.host, exc)
            self._send(exc.nack())
            self._flush()
            self._abort(exc)
            return
        for frame in frames:
            try:
                pdu = decode(frame)
            except DecodeError as exc:
                self._on_bad_pdu(exc)
                continue
            self._dispatch(pdu)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing_before_loss = self._closing
        self._bound = False
        self._closing = True
        self._transport = None
        if self._keepalive is not None:
            self._keepalive.cancel()
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        self._drain_delivers()  # already answered: they must reach the callbacks
        unwritten = set(self._wseqs)
        self._wbuf.clear()
        self._wseqs.clear()
        for seq, pending in list(self._pending.items()):
            if pending.future.done():
                continue
            if seq in self._submits:
                if seq in unwritten:
                    pending.future.set_result(SubmitResult(None, None, "retriable", "not written"))
                else:
                    pending.future.set_result(SubmitResult(None, None, "unknown", "connection lost"))
            else:
                pending.future.set_exception(SessionClosedError("connection lost"))
        if exc is not None:
            log.warning("smpp %s:%s connection lost: %s", self.config.host, self.config.port, exc)
        cause: BaseException | None = exc or self._abort_reason
        if cause is None and not self._closing_before_loss:
            cause = SessionClosedError("connection closed by the peer")
        closed = self._closed
        if closed is not None and not closed.done():
            closed.set_result(cause)

    # -- internals -----------------------------------------------------------------------------

    def _now(self) -> float:
        return self._loop.time() if self._loop is not None else 0.0

    def _next_seq(self) -> int:
        while True:
            self._seq = self._seq % MAX_SEQUENCE + 1
            if self._seq not in self._pending:
                return self._seq

    def _start(self, seq: int, timeout: float) -> _Pending:
        assert self._loop is not None
        pending = _Pending(self._loop.create_future())
        pending.handle = self._loop.call_later(timeout, self._expire, seq)
        self._pending[seq] = pending
        return pending

    def _finish(self, seq: int) -> None:
        pending = self._pending.pop(seq, None)
        self._submits.discard(seq)
        if pending is not None and pending.handle is not None:
            pending.handle.cancel()

    def _sweep_deadlines(self) -> None:
        """Expire every submit past its deadline, then re-arm for the earliest one left.

        Submits share one timeout and enter ``_pending`` in time order, so the first one not yet
        due ends the scan (entries without a deadline are other requests, on their own timers).
        """
        self._sweep = None
        loop = self._loop
        if loop is None or self._transport is None:
            return
        now = loop.time() + _SWEEP_SLACK
        due: list[int] = []
        upcoming: float | None = None
        for seq, pending in self._pending.items():
            deadline = pending.deadline
            if deadline is None or pending.future.done():
                continue
            if deadline > now:
                upcoming = deadline
                break
            due.append(seq)
        for seq in due:
            self._expire(seq)
        if upcoming is not None:
            self._sweep = loop.call_at(upcoming, self._sweep_deadlines)

    def _expire(self, seq: int) -> None:
        pending = self._pending.get(seq)
        if pending is None or pending.future.done():
            return
        log.warning("smpp %s: no response to sequence %d in %ss", self.config.host, seq, self.config.timeout)
        if seq in self._submits:
            pending.future.set_result(SubmitResult(None, None, "unknown", "timeout"))
        else:
            pending.future.set_exception(TimeoutError(f"no response to sequence {seq}"))

    async def _request(self, pdu: AnyPdu, timeout: float) -> AnyPdu:
        """Send a non-submit request and wait for its response (TimeoutError, SessionClosedError)."""
        if self._transport is None:
            raise SessionClosedError("not connected")
        seq = self._next_seq()
        pending = self._start(seq, timeout)
        try:
            self._write(encode(pdu, seq), seq)
            result = await pending.future
        finally:
            self._finish(seq)
        assert not isinstance(result, SubmitResult)
        return result

    def _send(self, pdu: AnyPdu) -> None:
        """Queue a PDU that awaits no response (answers, generic_nack)."""
        self._write(encode(pdu), None)

    def _write(self, data: bytes, seq: int | None) -> None:
        """Queue encoded bytes for the end-of-tick flush; ``seq`` marks a request's bytes."""
        if self._transport is None:
            return
        self._wbuf.append(data)
        if seq is not None:
            self._wseqs.append(seq)
        if len(self._wbuf) >= self.config.write_batch:
            self._flush()
            return
        if not self._flush_scheduled:
            self._flush_scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if not self._wbuf or self._transport is None:
            return
        data = b"".join(self._wbuf)
        self._wbuf.clear()
        self._wseqs.clear()
        self._transport.write(data)

    def _abort(self, reason: BaseException | None = None) -> None:
        if self._abort_reason is None:
            self._abort_reason = reason
        if self._transport is not None:
            self._transport.abort()

    def _penalise(self, status: int | None) -> None:
        if self.bucket is None or status is None:
            return
        if status == Status.ESME_RTHROTTLED:
            self.bucket.penalise(self.config.throttle_penalty)
        elif status == Status.ESME_RMSGQFUL:
            self.bucket.penalise(self.config.queue_full_penalty)

    def _resolve(self, pdu: AnyPdu) -> None:
        pending = self._pending.get(pdu.sequence)
        if pending is None or pending.future.done():
            log.info(
                "smpp %s: late or unexpected response 0x%08X seq %d",
                self.config.host,
                pdu.command_id,
                pdu.sequence,
            )
            return
        pending.future.set_result(pdu)

    def _dispatch(self, pdu: AnyPdu) -> None:
        cls = type(pdu)
        if cls is SubmitSmResp:
            self._resolve(pdu)
        elif cls is DeliverSm:
            assert isinstance(pdu, DeliverSm)
            defer = self.config.defer_deliver_ack
            if not defer:
                self._write(encode_response(_DELIVER_SM_RESP, pdu.sequence), None)
            if self.on_receipt is None and self.on_mo is None:
                if defer:
                    self.acknowledge(pdu.sequence)
            else:
                self._delivers.append(pdu)
                if not self._delivers_scheduled:
                    self._delivers_scheduled = True
                    assert self._loop is not None
                    self._loop.call_soon(self._run_delivers)
        elif cls in (BindTransceiverResp, UnbindResp, EnquireLinkResp):
            self._resolve(pdu)
        elif cls is GenericNack:
            log.warning(
                "smpp %s: generic_nack %s seq %d",
                self.config.host,
                status_name(pdu.command_status),
                pdu.sequence,
            )
            self._resolve(pdu)
        elif cls is EnquireLink:
            self._send(EnquireLinkResp(sequence=pdu.sequence))
        elif cls is Unbind:
            log.info("smpp %s: peer unbinds", self.config.host)
            self._bound = False
            self._closing = True
            self._send(UnbindResp(sequence=pdu.sequence))
            self._flush()
            if self._transport is not None:
                self._transport.close()
        elif pdu.command_id & RESPONSE_BIT:
            log.info("smpp %s: ignoring response 0x%08X", self.config.host, pdu.command_id)
        else:  # a request an ESME does not take (bind, submit_sm, ...)
            self._send(GenericNack(sequence=pdu.sequence, command_status=Status.ESME_RINVCMDID))

    def _on_bad_pdu(self, exc: DecodeError) -> None:
        log.warning("smpp %s: undecodable PDU: %s", self.config.host, exc)
        cid = exc.command_id
        if cid is not None and cid & RESPONSE_BIT:
            # A response we cannot read: its request's fate is unknown (a submit times out as such).
            if exc.sequence is not None:
                pending = self._pending.get(exc.sequence)
                if pending is not None and not pending.future.done() and exc.sequence in self._submits:
                    pending.future.set_result(SubmitResult(None, None, "unknown", "bad response"))
            return
        self._send(exc.nack())

    def _run_delivers(self) -> None:
        """Hand queued deliver_sm to the callbacks, a few per loop tick.

        Receipts are interpreted in slices so that, while a window's worth of them is being
        parsed, the submits the responses freed are already written and the SMSC works on them.
        """
        self._delivers_scheduled = False
        if self._wbuf:
            self._flush()
        queue = self._delivers
        for _ in range(min(len(queue), self.config.deliver_batch)):
            self._on_deliver(queue.popleft())
        if queue and not self._delivers_scheduled and self._transport is not None:
            self._delivers_scheduled = True
            assert self._loop is not None
            self._loop.call_soon(self._run_delivers)

    def _drain_delivers(self) -> None:
        queue = self._delivers
        while queue:
            self._on_deliver(queue.popleft())

    def acknowledge(self, sequence: int, status: int = 0) -> None:
        """Answer the deliver_sm ``sequence`` (with ``defer_deliver_ack``, once it is stored).

        Ignored when the connection is gone: the SMSC delivers an unanswered deliver_sm again.
        """
        if self._transport is None:
            return
        self._write(encode_response(_DELIVER_SM_RESP, sequence, status), None)

    def _on_deliver(self, pdu: DeliverSm) -> None:
        handed = False
        try:
            if is_receipt(pdu.esm_class):
                if self.on_receipt is None:
                    return
                state = pdu.tlvs.get(Tag.MESSAGE_STATE)
                receipt = interpret_receipt(
                    pdu.short_message or pdu.tlvs.get(Tag.MESSAGE_PAYLOAD, b""),
                    receipted_message_id=pdu.tlvs.get(Tag.RECEIPTED_MESSAGE_ID),
                    message_state=state[0] if state else None,
                    network_error_code=pdu.tlvs.get(Tag.NETWORK_ERROR_CODE),
                )
                handed = True
                self.on_receipt(receipt, pdu)
            elif self.on_mo is not None:
                handed = True
                self.on_mo(pdu)
        except Exception:
            handed = False
            log.exception("smpp %s: deliver_sm callback failed", self.config.host)
        finally:
            if not handed and self.config.defer_deliver_ack:
                self.acknowledge(pdu.sequence)

    async def _keepalive_loop(self) -> None:
        interval = self.config.enquire_interval
        try:
            while self._transport is not None:
                idle = self._now() - self._last_rx
                if idle < interval:
                    await asyncio.sleep(interval - idle)
                    continue
                try:
                    await self._request(EnquireLink(sequence=0), self.config.timeout)
                except TimeoutError:
                    log.warning("smpp %s: no enquire_link_resp, dropping the connection", self.config.host)
                    self._abort(TimeoutError("no enquire_link_resp"))
                    return
                except SessionClosedError:
                    return
        except asyncio.CancelledError:
            pass
