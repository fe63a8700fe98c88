"""The SMPP provider: ``binds`` SmppSessions sharing one TokenBucket, behind the SmsProvider seam.

``submit_batch`` splits every message into parts (:func:`~.text.split`, one concatenation reference
per message), submits all parts concurrently, round-robin across the sessions and within their
windows, and folds the part results into one outcome per message:

- every part accepted → accepted, with the first part's message id;
- any part *unknown* (written, no response) → **no outcome** for that message: the base contract
  treats a message without an outcome as unknown (never resent), which keeps the rest of the batch
  recorded normally;
- otherwise, if nothing was accepted and every failure is retriable → retriable;
- otherwise → permanent, with the SMPP command_status as ``error_code`` (a message some of whose
  parts were accepted is never retried, so it cannot be sent twice).

Receipts arrive on the sessions' ``on_receipt`` callbacks; final ones are kept until
:meth:`SmppProvider.drain_receipts`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

from dunning.core.errors import RetriableProviderError
from dunning.sending.providers.base import InboundSms, OutgoingSms, Receipt, SmsProvider, SubmitOutcome
from dunning.sending.providers.smpp.config import SmppConfig
from dunning.sending.providers.smpp.pdu import DeliverSm, Status, SubmitSm, Tag
from dunning.sending.providers.smpp.ratelimit import TokenBucket
from dunning.sending.providers.smpp.receipts import DeliveryReceipt
from dunning.sending.providers.smpp.session import BindError, SessionConfig, SmppSession, SubmitResult
from dunning.sending.providers.smpp.text import ESM_UDHI, TextDecodeError, decode_text, split

log = logging.getLogger("dunning.sending")

_QUEUE_FULL_RETRY = 30.0
_RETRY = 1.0


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
        self.sessions: list[SmppSession] = []
        self.bucket: TokenBucket | None = None
        self._receipts: list[Receipt] = []
        self._inbound: list[InboundSms] = []
        self._reference = 0
        self._next = 0

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
        )

    async def open(self) -> None:
        if self.sessions and all(s.bound for s in self.sessions):
            return
        await self.close()
        self.bucket = TokenBucket(self.config.tps)
        sessions = [
            SmppSession(
                self._session_config(), bucket=self.bucket, on_receipt=self._on_receipt, on_mo=self._on_mo
            )
            for _ in range(self.config.binds)
        ]
        results = await asyncio.gather(*(s.connect() for s in sessions), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        self.sessions = [s for s, r in zip(sessions, results, strict=True) if r is None]
        if failures:
            await self.close()
            first = failures[0]
            if not isinstance(first, BindError | OSError):
                raise first
            raise RetriableProviderError(
                f"SMPP bind to {self.safe_url} failed: {first}", f"SMPP 绑定失败（{self.safe_url}）：{first}"
            ) from first
        log.info("smpp provider open: %d bind(s) to %s", len(self.sessions), self.safe_url)

    async def close(self) -> None:
        sessions, self.sessions = self.sessions, []
        if sessions:
            await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)

    # -- receipts -----------------------------------------------------------------------------

    def _on_receipt(self, receipt: DeliveryReceipt, pdu: DeliverSm) -> None:
        out = receipt.to_receipt(datetime.now(UTC))
        if out is not None:
            # A receipt's source is the handset the message went to (SMPP 3.4, 2.11).
            handset = _handset(pdu.source_addr, pdu.source_addr_ton)
            self._receipts.append(dataclasses.replace(out, handset=handset or None))

    def _on_mo(self, pdu: DeliverSm) -> None:
        body = pdu.short_message or pdu.tlvs.get(Tag.MESSAGE_PAYLOAD, b"")
        try:
            text = decode_text(body, pdu.data_coding, udhi=bool(pdu.esm_class & ESM_UDHI))
        except TextDecodeError:
            log.warning("smpp: undecodable MO (data_coding %d) dropped", pdu.data_coding)
            return
        self._inbound.append(
            InboundSms(
                sender=_handset(pdu.source_addr, pdu.source_addr_ton),
                text=text,
                received_at=datetime.now(UTC),
                recipient=pdu.destination_addr,
            )
        )

    async def drain_receipts(self) -> list[Receipt]:
        out, self._receipts = self._receipts, []
        return out

    async def drain_inbound(self) -> list[InboundSms]:
        out, self._inbound = self._inbound, []
        return out

    # -- submission ---------------------------------------------------------------------------

    def _pick(self) -> SmppSession:
        bound = [s for s in self.sessions if s.bound] or self.sessions
        session = bound[self._next % len(bound)]
        self._next += 1
        return session

    def _pdus(self, sms: OutgoingSms) -> list[SubmitSm]:
        source, s_ton, s_npi = _address(sms.source or self.config.source or "")
        dest, d_ton, d_npi = _address(sms.to)
        parts = split(sms.body, self._reference)
        if len(parts) > 1:
            self._reference = (self._reference + 1) % 256
        return [
            SubmitSm(
                sequence=0,
                source_addr_ton=s_ton,
                source_addr_npi=s_npi,
                source_addr=source,
                dest_addr_ton=d_ton,
                dest_addr_npi=d_npi,
                destination_addr=dest,
                esm_class=part.esm_class,
                registered_delivery=1,
                data_coding=part.data_coding,
                short_message=part.short_message,
            )
            for part in parts
        ]

    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        if not self.sessions:
            await self.open()
        outcomes: list[SubmitOutcome] = []
        jobs: list[tuple[OutgoingSms, int, int]] = []  # sms, first task index, part count
        coros: list[Coroutine[Any, Any, SubmitResult]] = []
        for sms in batch:
            try:
                pdus = self._pdus(sms)
            except ValueError as exc:  # unencodable or too many parts
                outcomes.append(SubmitOutcome.permanent(sms.message_id, None, f"cannot encode: {exc}"))
                continue
            jobs.append((sms, len(coros), len(pdus)))
            coros.extend(self._pick().submit(pdu) for pdu in pdus)
        results: list[SubmitResult] = list(await asyncio.gather(*coros))
        for sms, start, count in jobs:
            outcome = self._fold(sms.message_id, results[start : start + count])
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

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
