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
    "RECEIPT_STATUSES",
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

    @property
    def to_masked(self) -> str:
        return mask_phone(self.to)

    def __repr__(self) -> str:  # keeps the clear number out of logs and tracebacks
        return (
            f"OutgoingSms(message_id={self.message_id}, to={self.to_masked!r}, "
            f"encoding={self.encoding!r}, segments={self.segments}, source={self.source!r})"
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

    def __post_init__(self) -> None:
        if self.accepted and not self.provider_message_id:
            raise ValueError("an accepted outcome needs a provider_message_id")
        if self.accepted and self.retriable:
            raise ValueError("an outcome cannot be both accepted and retriable")

    @classmethod
    def ok(cls, message_id: int, provider_message_id: str, part_ids: Sequence[str] = ()) -> SubmitOutcome:
        return cls(message_id, True, provider_message_id, part_ids=tuple(part_ids))

    @classmethod
    def retry(
        cls, message_id: int, error_code: str | None, error: str, retry_after: float = 1.0
    ) -> SubmitOutcome:
        return cls(
            message_id, False, retriable=True, retry_after=retry_after, error_code=error_code, error=error
        )

    @classmethod
    def permanent(cls, message_id: int, error_code: str | None, error: str) -> SubmitOutcome:
        return cls(message_id, False, error_code=error_code, error=error)

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
