"""The provider contract: what the sender hands to an SMS provider and what comes back.

Only the contract lives here (no concrete provider, no database); built-in providers and plugins are
found through :mod:`dunning.sending.providers.registry`. It is async and batch-oriented, and
receipts arrive later and separately from submission::

    provider = build_provider("file://outbox.jsonl?undelivered=0.03&seed=7")
    async with provider:                                   # open(): connect / bind
        outcomes = await provider.submit_batch(batch, now=now)   # one SubmitOutcome per message
        receipts = await provider.drain_receipts()               # whatever has arrived so far
        replies = await provider.drain_inbound()                 # MO messages so far
        ...store them...
        await provider.acknowledge()                             # stored: confirm to the peer

Contract of ``submit_batch`` (the sender relies on it to never send a message twice):

- It returns exactly one :class:`SubmitOutcome` per message of the batch (any order, keyed by
  ``message_id``). A message without an outcome is treated as *unknown* and never resent.
- ``accepted`` means the provider took the message and gave it ``provider_message_id``.
- ``retriable`` means the provider certainly did **not** take it (throttled, queue full, bind lost
  before the write) and it may be offered again after ``retry_after`` seconds.
- Otherwise the outcome is a permanent error with ``error_code`` (the provider's status, e.g. SMPP
  ``0x0000000B`` invalid destination): the message is refused and never retried.
- Raising :class:`~dunning.core.errors.RetriableProviderError` means nothing of the batch was handed
  over (all retried later); :class:`~dunning.core.errors.PermanentProviderError` means none of the batch
  can ever be sent (all refused). Any other exception leaves the batch in flight: the sender marks it
  *unknown* (it may or may not have left) and re-raises.

Receipts (:class:`Receipt`) carry the provider's id as the provider wrote it; matching it to a message
(hex/decimal, case, leading zeros) is the tracking domain's job, not the provider's. The value types
are the message domain's (:mod:`dunning.messages.wire`, pure) and are re-exported here for providers.
Anything logged about a provider goes through :func:`~dunning.core.urls.redact_url`.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import ClassVar, Self

from dunning.core.urls import redact_url
from dunning.messages.wire import (
    ERROR_CLASSES,
    RECEIPT_STATUSES,
    ErrorClass,
    InboundSms,
    OutgoingSms,
    Receipt,
    ReceiptIdFormat,
    ReceiptStatus,
    SubmitOutcome,
)

__all__ = [
    "ERROR_CLASSES",
    "RECEIPT_STATUSES",
    "ErrorClass",
    "InboundSms",
    "OutgoingSms",
    "Receipt",
    "ReceiptIdFormat",
    "ReceiptStatus",
    "SmsProvider",
    "SubmitOutcome",
]


class SmsProvider(abc.ABC):
    """Base class of every provider. Subclasses implement ``submit_batch`` and ``drain_receipts``."""

    #: Short name stored in ``messages.provider`` (≤ 64 characters).
    name: str = "provider"
    #: How this provider's receipts quote the id it returned at submission: ``auto`` (unknown —
    #: try literal, then decimal↔hex), ``same``, ``decimal`` or ``hex``. See tracking.receipts.
    receipt_id_format: ReceiptIdFormat = "auto"
    #: True for a provider that only pretends to deliver (the built-in SMSC simulator): refused on a
    #: production database unless explicitly allowed (``DUNNING_ALLOW_EMBEDDED_SMSC``).
    simulated: ClassVar[bool] = False

    def __init__(self, url: str = "") -> None:
        self.url = url

    @classmethod
    def from_url(cls, url: str) -> Self:
        """Build the provider from its URL (the registry calls this)."""
        return cls(url)

    @property
    def safe_url(self) -> str:
        """The URL with any password replaced by ``***``: the only form that may be logged."""
        return redact_url(self.url)

    @property
    def is_simulated(self) -> bool:
        """Whether anything this provider sends goes to a simulator (routing asks every route)."""
        return self.simulated

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Connect / bind. Must be idempotent. A configuration problem raises ConfigError here."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Unbind / flush. Must be idempotent."""

    @abc.abstractmethod
    async def submit_batch(self, batch: Sequence[OutgoingSms], *, now: datetime) -> list[SubmitOutcome]:
        """Offer ``batch`` to the provider; one outcome per message (see the module contract).

        ``now`` is the instant the caller considers current (a replayed ``--now`` day); real
        network providers may ignore it.
        """

    @abc.abstractmethod
    async def drain_receipts(self) -> list[Receipt]:
        """Return and forget the final receipts received so far. Never blocks waiting for more."""

    async def drain_inbound(self) -> list[InboundSms]:
        """Return and forget the replies (MO messages) received so far; none by default."""
        return []

    async def acknowledge(self) -> None:  # noqa: B027 - optional hook
        """The receipts and replies drained so far are stored: the provider may now confirm them to
        its peer (an SMPP provider answers their deliver_sm only now, so a crash between receiving
        and storing makes the SMSC deliver them again instead of losing them)."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.safe_url!r})"
