"""What crosses the provider seam, in the provider's own terms: pure values, no database, no I/O.

The sender hands :class:`OutgoingSms` to a provider and gets one :class:`SubmitOutcome` per message;
later the provider reports :class:`Receipt` s and :class:`InboundSms` replies, which any edge (the
sender's collector, an HTTP webhook) hands to the tracking flows. Provider ids are compared only in
their matching form (:func:`normalise_provider_id`, :func:`candidate_keys`), never as quoted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from dunning.core.masking import mask_phone

__all__ = [
    "ERROR_CLASSES",
    "RECEIPT_STATUSES",
    "ErrorClass",
    "InboundSms",
    "OutgoingSms",
    "Receipt",
    "ReceiptIdFormat",
    "ReceiptStatus",
    "SubmitOutcome",
    "candidate_keys",
    "clean_provider_id",
    "normalise_provider_id",
]

ReceiptStatus = Literal["delivered", "undelivered", "rejected", "expired", "failed"]
RECEIPT_STATUSES: tuple[ReceiptStatus, ...] = get_args(ReceiptStatus)
#: How a provider's receipts quote the id it returned at submission: ``auto`` (unknown: try the
#: literal reading, then decimal↔hex), ``same``, ``decimal`` (the decimal value of a hex id) or
#: ``hex`` (the hex form of a decimal id).
ReceiptIdFormat = Literal["auto", "same", "decimal", "hex"]

#: What the sender does about a message the provider did not take (REFERENCE.md §2):
#: ``retry`` it after a backoff; ``defer`` it to the next send window (never hot-retry: a per-number
#: frequency limit); ``pause`` the provider (balance, daily quota, credentials: offer it elsewhere or
#: later, and alert); ``suppress`` the number (invalid, landline, unsubscribed at the carrier); or
#: ``block_template`` (the provider rejects the content or signature: no message of it may go).
ErrorClass = Literal["retry", "defer", "pause", "suppress", "block_template"]
ERROR_CLASSES: tuple[ErrorClass, ...] = get_args(ErrorClass)

_HEX = re.compile(r"[0-9a-f]+")


def clean_provider_id(value: str) -> str:
    """The provider id as stored: exactly what the provider returned, minus surrounding blanks/NULs."""
    return value.strip().strip("\x00").strip()


def normalise_provider_id(value: str) -> str:
    """The matching form of a provider id: trimmed (blanks and NULs), lower case, no leading zeros."""
    return clean_provider_id(value).lower().lstrip("0")


def candidate_keys(provider_message_id: str, id_format: ReceiptIdFormat = "auto") -> tuple[str, ...]:
    """Normalised keys a receipt id may match, in order of preference.

    ``auto`` can pick the wrong message only when ids are short and dense (a counter) *and* the
    provider switches forms; a connector that knows its SMSC's habit should say so.
    """
    key = normalise_provider_id(provider_message_id)
    if not key:
        return (key,)
    keys = [key] if id_format in ("auto", "same") else []
    if id_format in ("auto", "decimal") and key.isascii() and key.isdigit() and len(key) <= 40:
        keys.append(format(int(key), "x"))
    if id_format in ("auto", "hex") and _HEX.fullmatch(key) and len(key) <= 32:
        keys.append(str(int(key, 16)))
    return tuple(dict.fromkeys(keys))


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    """One message as handed to a provider. ``to`` is the clear E.164 number: never log it."""

    message_id: int
    to: str
    body: str
    encoding: str  # "GSM-7" | "UCS-2" (core.smstext)
    segments: int
    source: str | None = None  # source address / sender id; None = the provider's default
    #: The approved template the body was rendered from (its id and version), for providers that
    #: only send templates registered with them (Aliyun, Tencent map it to their own template code).
    template_id: str | None = None
    template_version: int | None = None

    @property
    def to_masked(self) -> str:
        return mask_phone(self.to)

    def __repr__(self) -> str:  # keeps the clear number out of logs and tracebacks
        return (
            f"OutgoingSms(message_id={self.message_id}, to={self.to_masked!r}, "
            f"encoding={self.encoding!r}, segments={self.segments}, source={self.source!r}, "
            f"template_id={self.template_id!r}, template_version={self.template_version!r})"
        )


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """What the provider said about one submitted message."""

    message_id: int
    accepted: bool
    provider_message_id: str | None = None
    retriable: bool = False
    retry_after: float | None = None  # seconds, for retriable outcomes
    error_code: str | None = None  # the provider's status code, e.g. "0x0000000B"
    error: str | None = None
    #: The id of every part of a concatenated message, in part order (the first equals
    #: ``provider_message_id``); empty when the provider gives one id per message.
    part_ids: tuple[str, ...] = ()
    #: What to do about a message not taken (see :data:`ErrorClass`); ``None`` on an accepted
    #: outcome. ``retry``, ``defer`` and ``pause`` are retriable (the provider did not take it);
    #: ``suppress`` and ``block_template`` are permanent; a plain permanent error has ``None``.
    error_class: ErrorClass | None = None

    def __post_init__(self) -> None:
        if self.accepted and not self.provider_message_id:
            raise ValueError("an accepted outcome needs a provider_message_id")
        if self.accepted and self.retriable:
            raise ValueError("an outcome cannot be both accepted and retriable")
        if self.error_class is not None:
            if self.error_class not in ERROR_CLASSES:
                raise ValueError(f"unknown error class {self.error_class!r}")
            if self.accepted:
                raise ValueError("an accepted outcome has no error class")
            if self.retriable != (self.error_class in ("retry", "defer", "pause")):
                raise ValueError(
                    f"error class {self.error_class!r} does not match retriable={self.retriable}"
                )

    @classmethod
    def ok(cls, message_id: int, provider_message_id: str, part_ids: Sequence[str] = ()) -> SubmitOutcome:
        return cls(message_id, True, provider_message_id, part_ids=tuple(part_ids))

    @classmethod
    def retry(
        cls, message_id: int, error_code: str | None, error: str, retry_after: float = 1.0
    ) -> SubmitOutcome:
        return cls(
            message_id,
            False,
            retriable=True,
            retry_after=retry_after,
            error_code=error_code,
            error=error,
            error_class="retry",
        )

    @classmethod
    def deferred(cls, message_id: int, error_code: str | None, error: str) -> SubmitOutcome:
        """Not taken because of a per-number or per-period limit: send in the next window, not now."""
        return cls(message_id, False, retriable=True, error_code=error_code, error=error, error_class="defer")

    @classmethod
    def paused(
        cls, message_id: int, error_code: str | None, error: str, retry_after: float = 300.0
    ) -> SubmitOutcome:
        """Not taken because the provider account cannot send (quota, balance, permission)."""
        return cls(
            message_id,
            False,
            retriable=True,
            retry_after=retry_after,
            error_code=error_code,
            error=error,
            error_class="pause",
        )

    @classmethod
    def permanent(
        cls,
        message_id: int,
        error_code: str | None,
        error: str,
        error_class: ErrorClass | None = None,
    ) -> SubmitOutcome:
        """Refused for good; ``error_class`` ``suppress`` or ``block_template`` says what else to do."""
        return cls(message_id, False, error_code=error_code, error=error, error_class=error_class)

    @property
    def permanent_error(self) -> bool:
        return not self.accepted and not self.retriable


@dataclass(frozen=True, slots=True)
class Receipt:
    """A final delivery report, as the provider sent it (``provider_message_id`` not normalised)."""

    provider_message_id: str
    status: ReceiptStatus
    at: datetime  # when the provider says the final state was reached (timezone-aware)
    error_code: str | None = None
    raw: str | None = None  # the provider's text, for the record; must never hold a clear number
    #: The handset the message went to (clear E.164 or digits), when the provider says; used only to
    #: reconcile a message whose submission outcome is unknown. Never logged, never stored in clear.
    handset: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.status not in RECEIPT_STATUSES:
            raise ValueError(f"unknown receipt status {self.status!r}")
        if self.at.tzinfo is None:
            raise ValueError("receipt time must be timezone-aware")


@dataclass(frozen=True, slots=True)
class InboundSms:
    """A message from a handset (an MO reply). ``sender`` and ``text`` are personal data: never log."""

    sender: str  # the handset, E.164 with "+" when the provider gives an international number
    text: str
    received_at: datetime  # timezone-aware
    recipient: str = ""  # our number / short code it was sent to
    provider_reference: str | None = None  # the provider's id for the MO, when it has one
    #: ``(reference, total, seq)`` when this is one part of a concatenated reply (seq from 1);
    #: :mod:`dunning.tracking` reassembles the parts before anything reads the text.
    part: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:
            raise ValueError("inbound time must be timezone-aware")
        if self.part is not None and not (1 <= self.part[2] <= self.part[1]):
            raise ValueError("inbound part number outside 1..total")

    def __repr__(self) -> str:
        sender = mask_phone(self.sender)
        return f"InboundSms(sender={sender!r}, recipient={self.recipient!r}, chars={len(self.text)})"
