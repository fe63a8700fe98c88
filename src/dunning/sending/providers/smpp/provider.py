"""The SMPP provider: a :class:`~.pool.BindPool` of ``binds`` sessions sharing one TokenBucket.

``submit_batch`` splits every message into parts (:func:`~.text.split`, one concatenation reference
per message), leases a bound session with room in its window for all of a message's parts (they go
back to back on that bind), submits messages concurrently across the binds, and folds the part
results into one outcome per message:

- every part accepted → accepted, with the first part's message id;
- any part *unknown* (written, no response) → **no outcome** for that message: the base contract
  treats a message without an outcome as unknown (never resent), which keeps the rest of the batch
  recorded normally;
- otherwise, if nothing was accepted and every failure is retriable → retriable;
- otherwise → permanent, with the SMPP command_status as ``error_code`` (a message some of whose
  parts were accepted is never retried, so it cannot be sent twice).

A message none of whose parts was written (its bind went before the write) is offered again to a
live bind within the same call (a few times); one still unsent when no bind is up for ``bind_wait``
seconds, or when the provider is closing, is returned retriable. Lost binds are re-bound by the pool
in the background, with backoff.

Receipts and replies arrive on the sessions' callbacks and are kept until drained; their deliver_sm
are answered only by :meth:`SmppProvider.acknowledge`, which the sender calls once it has stored them.
A sender killed in between has not answered them, so the SMSC delivers them again at the next bind:
nothing the SMSC reported is lost. (A non-final or unusable receipt is answered at once.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from dunning.sending.providers.base import InboundSms, OutgoingSms, Receipt, SmsProvider, SubmitOutcome
from dunning.sending.providers.smpp.config import SmppConfig
from dunning.sending.providers.smpp.pdu import DeliverSm, Status, SubmitSm, Tag
from dunning.sending.providers.smpp.pool import BindPool, Lease
from dunning.sending.providers.smpp.ratelimit import TokenBucket
from dunning.sending.providers.smpp.receipts import DeliveryReceipt
from dunning.sending.providers.smpp.session import SessionConfig, SmppSession, SubmitResult
from dunning.sending.providers.smpp.text import (
    ESM_UDHI,
    TextDecodeError,
    decode_text,
    encode_text,
    parse_udh,
    split,
)

log = logging.getLogger("dunning.sending")

_QUEUE_FULL_RETRY = 30.0
_RETRY = 1.0
_REDISPATCH = 3  # times a never-written message is offered again within one submit_batch


@dataclass(slots=True)
class _Job:
    sms: OutgoingSms
    pdus: list[SubmitSm]
    tries: int = 0


def _finished(running: set[asyncio.Task[None]], task: asyncio.Task[None]) -> None:
    running.discard(task)
    if not task.cancelled() and task.exception() is not None:  # its message stays unknown
        log.error("smpp: submitting a message failed", exc_info=task.exception())


def _unsent(message_id: int) -> SubmitOutcome:
    return SubmitOutcome.retry(message_id, None, "no SMPP bind up: not sent", _RETRY)


def _address(addr: str) -> tuple[str, int, int]:
    """(address, ton, npi): +E.164 → international/ISDN, digits → unknown, else alphanumeric."""
    if addr.startswith("+") and addr[1:].isdigit():
        return addr[1:], 1, 1
    if addr.isdigit():
        return addr, 0, 1
    return addr, 5, 0


def _handset(addr: str, ton: int) -> str:
    """An international number (TON 1) as +E.164; anything else as given."""
    return f"+{addr}" if ton == 1 and addr.isdigit() else addr


def _code(status: int | None) -> str | None:
    return None if status is None else f"0x{status:08X}"


class SmppProvider(SmsProvider):
    name = "smpp"
    receipt_id_format = "auto"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.config = SmppConfig.from_url(url)
        self.bucket = TokenBucket(self.config.tps)
        self.pool = BindPool(
            self._new_session,
            self.config.binds,
            window=self.config.window,
            reconnect_min=self.config.reconnect_min,
            reconnect_max=self.config.reconnect_max,
            safe_url=self.safe_url,
        )
        # Kept with the session and sequence of their deliver_sm, answered by acknowledge().
        self._receipts: list[tuple[Receipt, SmppSession, int]] = []
        self._inbound: list[tuple[InboundSms, SmppSession, int]] = []
        self._to_ack: list[tuple[SmppSession, int]] = []
        self._reference = 0

    # -- lifecycle ----------------------------------------------------------------------------

    def _session_config(self) -> SessionConfig:
        c = self.config
        return SessionConfig(
            host=c.host,
            port=c.port,
            system_id=c.system_id,
            password=c.password,
            window=c.window,
            timeout=c.timeout,
            defer_deliver_ack=True,
        )

    def _new_session(self) -> SmppSession:
        session = SmppSession(self._session_config(), bucket=self.bucket)
        session.on_receipt = lambda receipt, pdu: self._on_receipt(session, receipt, pdu)
        session.on_mo = lambda pdu: self._on_mo(session, pdu)
        return session

    @property
    def sessions(self) -> list[SmppSession]:
        """The pool's current sessions (bound or not)."""
        return self.pool.sessions

    async def open(self) -> None:
        """Bind the pool (idempotent): ConfigError for bad credentials, else RetriableProviderError."""
        await self.pool.open()

    async def close(self) -> None:
        """Stop taking submits, drain every window, unbind, close (idempotent)."""
        await self.pool.close()

    # -- receipts -----------------------------------------------------------------------------

    def _on_receipt(self, session: SmppSession, receipt: DeliveryReceipt, pdu: DeliverSm) -> None:
        out = receipt.to_receipt(datetime.now(UTC))
        if out is None:  # not final (ENROUTE, ACCEPTD) or without an id: nothing to store
            session.acknowledge(pdu.sequence)
            return
        # A receipt's source is the handset the message went to (SMPP 3.4, 2.11).
        handset = _handset(pdu.source_addr, pdu.source_addr_ton)
        self._receipts.append((dataclasses.replace(out, handset=handset or None), session, pdu.sequence))

    def _on_mo(self, session: SmppSession, pdu: DeliverSm) -> None:
        body = pdu.short_message or pdu.tlvs.get(Tag.MESSAGE_PAYLOAD, b"")
        part: tuple[int, int, int] | None = None
        try:
            if pdu.esm_class & ESM_UDHI:
                concat, body = parse_udh(body)
                if concat is not None and concat.total > 1 and 1 <= concat.seq <= concat.total:
                    part = (concat.reference, concat.total, concat.seq)
            text = decode_text(body, pdu.data_coding)
        except TextDecodeError:
            log.warning("smpp: undecodable MO (data_coding %d) dropped", pdu.data_coding)
            session.acknowledge(pdu.sequence)
            return
        reply = InboundSms(
            sender=_handset(pdu.source_addr, pdu.source_addr_ton),
            text=text,
            received_at=datetime.now(UTC),
            recipient=pdu.destination_addr,
            part=part,
        )
        self._inbound.append((reply, session, pdu.sequence))

    async def drain_receipts(self) -> list[Receipt]:
        drained, self._receipts = self._receipts, []
        self._to_ack.extend((session, seq) for _, session, seq in drained)
        return [receipt for receipt, _, _ in drained]

    async def drain_inbound(self) -> list[InboundSms]:
        drained, self._inbound = self._inbound, []
        self._to_ack.extend((session, seq) for _, session, seq in drained)
        return [reply for reply, _, _ in drained]

    async def acknowledge(self) -> None:
        """Answer the deliver_sm of everything drained so far (the caller has stored it)."""
        acks, self._to_ack = self._to_ack, []
        for session, sequence in acks:
            session.acknowledge(sequence)

    # -- submission ---------------------------------------------------------------------------

    def _pdus(self, sms: OutgoingSms) -> list[SubmitSm]:
        source, s_ton, s_npi = _address(sms.source or self.config.source or "")
        dest, d_ton, d_npi = _address(sms.to)

        def submit(
            data_coding: int, short_message: bytes, esm_class: int = 0, payload: bytes = b""
        ) -> SubmitSm:
            return SubmitSm(
                sequence=0,
                source_addr_ton=s_ton,
                source_addr_npi=s_npi,
                source_addr=source,
                dest_addr_ton=d_ton,
                dest_addr_npi=d_npi,
                destination_addr=dest,
                esm_class=esm_class,
                registered_delivery=1,
                data_coding=data_coding,
                short_message=short_message,
                tlvs={Tag.MESSAGE_PAYLOAD: payload} if payload else {},
            )

        parts = split(sms.body, self._reference)
        if len(parts) > 1 and self.config.long == "payload":
            whole = encode_text(sms.body)
            return [submit(whole.data_coding, b"", payload=whole.data)]
        if len(parts) > 1:
            self._reference = (self._reference + 1) % 256
        return [submit(part.data_coding, part.short_message, part.esm_class) for part in parts]

    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        if not self.pool.is_open:
            await self.open()
        outcomes: list[SubmitOutcome] = []
        queue: deque[_Job] = deque()
        for sms in batch:
            try:
                pdus = self._pdus(sms)
            except ValueError as exc:  # unencodable or too many parts
                outcomes.append(SubmitOutcome.permanent(sms.message_id, None, f"cannot encode: {exc}"))
                continue
            queue.append(_Job(sms, pdus))
        running: set[asyncio.Task[None]] = set()
        wait = self.config.bind_wait
        try:
            while queue or running:
                if not queue:
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    continue
                job = queue.popleft()
                lease = await self.pool.acquire(len(job.pdus), wait)
                if lease is None:  # no bind up (or closing): whatever is left was never written
                    wait = 0.0  # one wait per call; a later job still goes if a bind is back
                    outcomes.append(_unsent(job.sms.message_id))
                    continue
                task = asyncio.get_running_loop().create_task(self._run(job, lease, queue, outcomes))
                running.add(task)
                task.add_done_callback(functools.partial(_finished, running))
        finally:
            for task in running:
                task.cancel()
        return outcomes

    async def _run(self, job: _Job, lease: Lease, queue: deque[_Job], outcomes: list[SubmitOutcome]) -> None:
        """Submit one message's parts back to back on the leased bind and record its outcome."""
        try:
            session = lease.session
            if len(job.pdus) == 1:  # the common case: no gather, no extra tasks
                results = [await session.submit(job.pdus[0])]
            else:
                results = list(await asyncio.gather(*(session.submit(pdu) for pdu in job.pdus)))
        finally:
            self.pool.release(lease)
        if all(r.outcome == "retriable" and r.status is None for r in results) and job.tries < _REDISPATCH:
            job.tries += 1  # never written (the bind went first): offer it to a live bind now
            queue.append(job)
            return
        outcome = self._fold(job.sms.message_id, results)
        if outcome is not None:
            outcomes.append(outcome)

    @staticmethod
    def _fold(message_id: int, parts: list[SubmitResult]) -> SubmitOutcome | None:
        """One outcome from the parts' results; None (= unknown, never resent) if any is unknown."""
        if any(p.outcome == "unknown" for p in parts):
            log.warning("smpp: message %s has a part without a response: unknown", message_id)
            return None
        if all(p.accepted for p in parts):
            first = parts[0].message_id
            if first:
                ids = tuple(p.message_id or "" for p in parts) if len(parts) > 1 else ()
                return SubmitOutcome.ok(message_id, first, ids)
            return None  # accepted without an id: cannot be tracked, and must not be resent
        failed = [p for p in parts if not p.accepted]
        worst = next((p for p in failed if p.outcome == "permanent"), failed[0])
        error = worst.error or "submit_sm failed"
        if worst.outcome == "retriable" and len(failed) == len(parts):
            after = _QUEUE_FULL_RETRY if worst.status == Status.ESME_RMSGQFUL else _RETRY
            return SubmitOutcome.retry(message_id, _code(worst.status), error, after)
        if len(failed) < len(parts):
            error = f"{error} (only {len(parts) - len(failed)} of {len(parts)} parts accepted)"
        return SubmitOutcome.permanent(message_id, _code(worst.status), error)
