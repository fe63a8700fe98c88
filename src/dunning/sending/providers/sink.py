"""Local sinks that stand in for a real provider: they deliver what they accept, with a chosen mix.

Options, in the provider URL's query string (all optional):

=================  ==============================================================================
``seed``           makes every draw (outcome, provider id) a pure function of seed + message id +
                   attempt, so a replayed day gives the same mix; without it draws are random
``undelivered``    share of accepted messages whose receipt says undelivered (0–1)
``rejected``       … rejected;  ``expired`` … expired;  ``failed`` … failed (the rest: delivered)
``fail``           share of submissions refused permanently (code ``0x0000000B``, invalid number)
``retry``          share of submissions refused as throttled (code ``0x00000058``), retriable
``retry_after``    seconds to wait before a throttled message may be offered again (default 30)
``receipt_delay``  seconds between submission and the receipt's final time (default 0)
``receipt_ids``    how receipts quote the provider id: ``same`` (default), ``upper``, ``decimal``
                   or ``padded`` (leading zeros) — the quirks real SMSCs have
``source``         default source address when a message has none
=================  ==============================================================================
"""

from __future__ import annotations

import abc
import hashlib
import random
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from dunning.core.errors import ConfigError
from dunning.sending.providers.base import OutgoingSms, Receipt, ReceiptStatus, SmsProvider, SubmitOutcome
from dunning.sending.providers.url import ProviderUrl

# SMPP 3.4 command_status values the sinks imitate.
ESME_RINVDSTADR = "0x0000000B"
ESME_RTHROTTLED = "0x00000058"

_RECEIPT_ORDER: tuple[ReceiptStatus, ...] = ("undelivered", "rejected", "expired", "failed")
_RECEIPT_ERR = {
    "delivered": "000",
    "undelivered": "001",
    "rejected": "002",
    "expired": "003",
    "failed": "004",
}
_SMPP_STAT = {
    "delivered": "DELIVRD",
    "undelivered": "UNDELIV",
    "rejected": "REJECTD",
    "expired": "EXPIRED",
    "failed": "UNKNOWN",
}


class SinkProvider(SmsProvider):
    """Accepts messages, writes them somewhere (subclasses), and produces receipts for them."""

    name = "sink"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        parsed = ProviderUrl.parse(url)
        self.options = parsed
        seed = parsed.text("seed")
        self.seed: str | None = seed if seed not in (None, "") else None
        self._rng = random.Random()
        self.receipt_rates = {status: parsed.rate(status) for status in _RECEIPT_ORDER}
        self.fail_rate = parsed.rate("fail")
        self.retry_rate = parsed.rate("retry")
        self.retry_after = parsed.number("retry_after", 30.0)
        self.receipt_delay = timedelta(seconds=parsed.number("receipt_delay", 0.0))
        self.receipt_ids = parsed.choice("receipt_ids", ("same", "upper", "decimal", "padded"), "same")
        self.source = parsed.text("source")
        if sum(self.receipt_rates.values()) > 1.0 or self.fail_rate + self.retry_rate > 1.0:
            raise ConfigError(
                f"provider URL outcome rates add up to more than 1: {self.safe_url}",
                f"短信通道地址中的结果比率之和超过 1：{self.safe_url}",
            )
        self._receipts: list[Receipt] = []
        self._offers: dict[int, int] = {}  # message id → times offered to this instance

    # -- deterministic draws ------------------------------------------------------------------

    def _draw(self, kind: str, message_id: int, attempt: int) -> float:
        if self.seed is None:
            return self._rng.random()
        digest = hashlib.blake2b(f"{self.seed}:{kind}:{message_id}:{attempt}".encode(), digest_size=8)
        return int.from_bytes(digest.digest(), "big") / 2**64

    def _provider_id(self, message_id: int, attempt: int) -> str:
        if self.seed is None:
            return secrets.token_hex(8)
        digest = hashlib.blake2b(f"{self.seed}:id:{message_id}:{attempt}".encode(), digest_size=8)
        return digest.hexdigest()

    def _receipt_status(self, message_id: int, attempt: int) -> ReceiptStatus:
        u = self._draw("receipt", message_id, attempt)
        edge = 0.0
        for status in _RECEIPT_ORDER:
            edge += self.receipt_rates[status]
            if u < edge:
                return status
        return "delivered"

    def _quote_id(self, provider_id: str) -> str:
        if self.receipt_ids == "upper":
            return provider_id.upper()
        if self.receipt_ids == "decimal":
            return str(int(provider_id, 16))
        if self.receipt_ids == "padded":
            return provider_id.zfill(24)
        return provider_id

    # -- the provider interface ---------------------------------------------------------------

    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        outcomes: list[SubmitOutcome] = []
        accepted: list[tuple[OutgoingSms, str]] = []
        for sms in batch:
            attempt = self._offers.get(sms.message_id, 0) + 1
            self._offers[sms.message_id] = attempt
            u = self._draw("submit", sms.message_id, attempt)
            if u < self.fail_rate:
                outcomes.append(
                    SubmitOutcome.permanent(
                        sms.message_id, ESME_RINVDSTADR, "invalid destination address (simulated)"
                    )
                )
                continue
            if u < self.fail_rate + self.retry_rate:
                outcomes.append(
                    SubmitOutcome.retry(
                        sms.message_id, ESME_RTHROTTLED, "throttled (simulated)", self.retry_after
                    )
                )
                continue
            provider_id = self._provider_id(sms.message_id, attempt)
            accepted.append((sms, provider_id))
            outcomes.append(SubmitOutcome.ok(sms.message_id, provider_id))
        if accepted:
            await self._emit([self._line(sms, pid, now) for sms, pid in accepted], accepted)
            done = now + self.receipt_delay
            for sms, pid in accepted:
                status = self._receipt_status(sms.message_id, self._offers[sms.message_id])
                quoted = self._quote_id(pid)
                err = _RECEIPT_ERR[status]
                raw = f"id:{quoted} sub:001 dlvrd:{'001' if status == 'delivered' else '000'} "
                raw += f"stat:{_SMPP_STAT[status]} err:{err}"
                self._receipts.append(Receipt(quoted, status, done, None if err == "000" else err, raw))
        return outcomes

    async def drain_receipts(self) -> list[Receipt]:
        out, self._receipts = self._receipts, []
        return out

    # -- what subclasses provide --------------------------------------------------------------

    def _line(self, sms: OutgoingSms, provider_id: str, now: datetime) -> dict[str, Any]:
        return {
            "at": now.isoformat(),
            "message_id": sms.message_id,
            "provider_message_id": provider_id,
            "to": sms.to_masked,
            "source": sms.source or self.source,
            "encoding": sms.encoding,
            "segments": sms.segments,
            "body": sms.body,
        }

    @abc.abstractmethod
    async def _emit(self, lines: list[dict[str, Any]], accepted: list[tuple[OutgoingSms, str]]) -> None:
        """Write the accepted messages; raising here leaves the batch *unknown* (never resent)."""
