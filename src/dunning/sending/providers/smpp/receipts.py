"""SMPP delivery receipts: tell them from MO replies, parse their text, map their states.

A receipt is a ``deliver_sm`` (or ``data_sm``) whose esm_class message type is 0x04. Its id comes
from the ``receipted_message_id`` TLV first and the text ``id:`` second (:func:`choose_receipt_id`);
ids are compared only through :mod:`dunning.messages.wire` (:func:`match_keys`), never normalised
here. The text format is a de-facto standard (SMPP 3.4 appendix B) that SMSCs bend freely::

    id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm[ss] done date:YYMMDDhhmm[ss] stat:DDDDDDD
    err:E text:...

:func:`parse_receipt_text` tolerates any case, extra blanks, missing fields and 10- or 12-digit
dates, and never raises: a text it cannot use comes back with :attr:`ReceiptText.error` set.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from dunning.messages.wire import (
    Receipt,
    ReceiptIdFormat,
    ReceiptStatus,
    candidate_keys,
    clean_provider_id,
    normalise_provider_id,
)

__all__ = [
    "MESSAGE_STATE_NAMES",
    "DeliveryReceipt",
    "ReceiptText",
    "choose_receipt_id",
    "interpret_receipt",
    "is_receipt",
    "match_keys",
    "parse_receipt_date",
    "parse_receipt_text",
    "status_from_message_state",
    "status_from_stat",
]

ESM_MESSAGE_TYPE_MASK = 0x3C
ESM_SMSC_DELIVERY_RECEIPT = 0x04

#: ``stat:`` values (and the long spellings some SMSCs use) → our status; None = not final.
_STAT: dict[str, ReceiptStatus | None] = {
    "DELIVRD": "delivered",
    "DELIVERED": "delivered",
    "UNDELIV": "undelivered",
    "UNDELIVERABLE": "undelivered",
    "UNDELIVERED": "undelivered",
    "REJECTD": "rejected",
    "REJECTED": "rejected",
    "EXPIRED": "expired",
    "DELETED": "failed",
    "ACCEPTD": None,
    "ACCEPTED": None,
    "UNKNOWN": None,
    "ENROUTE": None,
}

#: SMPP 3.4 message_state TLV (0x0427) values.
MESSAGE_STATE_NAMES: dict[int, str] = {
    1: "ENROUTE",
    2: "DELIVERED",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIVERABLE",
    6: "ACCEPTED",
    7: "UNKNOWN",
    8: "REJECTED",
}

_FIELD = re.compile(
    r"(?:^|(?<=[\s,;]))(id|sub|dlvrd|submit[\s_]*date|done[\s_]*date|stat|err|text)\s*:\s*",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
#: The appendix-B layout exactly as most SMSCs write it: parsed in one match (the common case at
#: thousands of receipts a second); anything else goes through the tolerant field scanner.
_STANDARD = re.compile(
    r"id:(?P<id>[^\s:]+) sub:(?P<sub>\d{1,9}) dlvrd:(?P<dlvrd>\d{1,9}) "
    r"submit date:(?P<submit>\d{10}|\d{12}) done date:(?P<done>\d{10}|\d{12}) "
    r"stat:(?P<stat>[A-Z]{1,16}) err:(?P<err>[^\s:]+) text:\s*(?P<text>.*)",
    re.DOTALL,
)


def is_receipt(esm_class: int) -> bool:
    """True for an SMSC delivery receipt (message type 0x04), False for an MO message and others.

    Only bits 2–5 (the message type) count: UDHI (0x40) and reply path (0x80) do not matter.
    """
    return (esm_class & ESM_MESSAGE_TYPE_MASK) == ESM_SMSC_DELIVERY_RECEIPT


def status_from_stat(stat: str | None) -> ReceiptStatus | None:
    """Our status for a ``stat:`` value (any case); None when not final or not recognised."""
    if not stat:
        return None
    return _STAT.get(stat.strip().upper())


def status_from_message_state(state: int | None) -> ReceiptStatus | None:
    """Our status for a ``message_state`` TLV value (1..8); None when not final or unknown."""
    if state is None:
        return None
    name = MESSAGE_STATE_NAMES.get(state)
    return _STAT.get(name) if name else None


@functools.lru_cache(maxsize=512)  # receipts of one run share a handful of minutes
def parse_receipt_date(value: str | None, tz: tzinfo | None = None) -> datetime | None:
    """``YYMMDDhhmm`` or ``YYMMDDhhmmss`` (also ``YYYYMMDDhhmm[ss]``) → datetime; None if invalid.

    The result is naive unless ``tz`` (the provider's zone) is given.
    """
    if not value:
        return None
    digits = value.strip()
    if not digits.isascii() or not digits.isdigit():
        return None
    if len(digits) in (10, 12):
        digits = "20" + digits
    if len(digits) not in (12, 14):
        return None
    try:
        return datetime(
            int(digits[0:4]),
            int(digits[4:6]),
            int(digits[6:8]),
            int(digits[8:10]),
            int(digits[10:12]),
            int(digits[12:14] or 0),
            tzinfo=tz,
        )
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ReceiptText:
    """What a receipt's text says. Fields the text lacks are None; ``error`` says why it is unusable."""

    id: str | None = None
    sub: int | None = None
    dlvrd: int | None = None
    submit_date: datetime | None = None
    done_date: datetime | None = None
    stat: str | None = None  # upper case, as quoted
    err: str | None = None
    text: str | None = None
    status: ReceiptStatus | None = None  # mapped from ``stat``; None = not final / not recognised
    final: bool = False  # ``stat`` is one of the final states
    error: str | None = None  # set when the text has no usable id or state
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


def _decode(raw: str | bytes | bytearray | memoryview) -> str:
    if isinstance(raw, str):
        return raw
    data = bytes(raw)
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _count(value: str | None, name: str, warnings: list[str]) -> int | None:
    if value is None:
        return None
    match = _DIGITS.fullmatch(value)
    if match is None or len(value) > 9:
        warnings.append(f"bad {name}: {value[:20]!r}")
        return None
    return int(value)


def parse_receipt_text(raw: str | bytes | bytearray | memoryview, tz: tzinfo | None = None) -> ReceiptText:
    """Parse a receipt's short_message. Never raises; see :class:`ReceiptText`."""
    try:
        return _parse(raw, tz)
    except Exception as exc:  # defensive: a malformed receipt must never stop the reader
        return ReceiptText(error=f"unparseable receipt text ({type(exc).__name__})")


def _parse(raw: str | bytes | bytearray | memoryview, tz: tzinfo | None) -> ReceiptText:
    text = _decode(raw).replace("\x00", " ")
    fast = _parse_standard(text, tz)
    return fast if fast is not None else _parse_fields(text, tz)


def _parse_standard(text: str, tz: tzinfo | None) -> ReceiptText | None:
    """The exact appendix-B layout with a known final or non-final ``stat``; else None."""
    match = _STANDARD.fullmatch(text)
    if match is None:
        return None
    stat = match["stat"]
    if stat not in _STAT:
        return None  # the tolerant path words the warning
    submit_date = parse_receipt_date(match["submit"], tz)
    done_date = parse_receipt_date(match["done"], tz)
    if submit_date is None or done_date is None:
        return None
    status = _STAT[stat]
    return ReceiptText(
        id=match["id"],
        sub=int(match["sub"]),
        dlvrd=int(match["dlvrd"]),
        submit_date=submit_date,
        done_date=done_date,
        stat=stat,
        err=match["err"],
        text=match["text"].rstrip(),
        status=status,
        final=status is not None,
    )


def _parse_fields(text: str, tz: tzinfo | None) -> ReceiptText:
    values: dict[str, str | None] = {}
    matches = list(_FIELD.finditer(text))
    for i, match in enumerate(matches):
        key = re.sub(r"[\s_]+", " ", match.group(1).lower())
        if key == "text":
            values.setdefault(key, text[match.end() :].rstrip())
            break
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        tokens = text[match.end() : end].split()
        values.setdefault(key, tokens[0] if tokens else None)
    if not matches:
        return ReceiptText(error="not a receipt text: no id:/stat: fields")

    warnings: list[str] = []
    submit_raw, done_raw = values.get("submit date"), values.get("done date")
    submit_date = parse_receipt_date(submit_raw, tz)
    done_date = parse_receipt_date(done_raw, tz)
    for name, value, parsed in (("submit date", submit_raw, submit_date), ("done date", done_raw, done_date)):
        if value is not None and parsed is None:
            warnings.append(f"bad {name}: {value[:20]!r}")
    stat = values.get("stat")
    stat = stat.upper() if stat else None
    status = status_from_stat(stat)
    final = status is not None
    if stat is not None and stat not in _STAT:
        warnings.append(f"unrecognised stat: {stat[:20]!r}")
    receipt_id = clean_provider_id(values.get("id") or "") or None

    error = None
    if receipt_id is None and stat is None:
        error = "no id: and no stat: field"
    elif receipt_id is None:
        error = "no id: field"
    elif stat is None:
        error = "no stat: field"
    return ReceiptText(
        id=receipt_id,
        sub=_count(values.get("sub"), "sub", warnings),
        dlvrd=_count(values.get("dlvrd"), "dlvrd", warnings),
        submit_date=submit_date,
        done_date=done_date,
        stat=stat,
        err=values.get("err"),
        text=values.get("text"),
        status=status,
        final=final,
        error=error,
        warnings=tuple(warnings),
    )


def choose_receipt_id(
    receipted_message_id: str | bytes | None, text_id: str | None
) -> tuple[str | None, str | None]:
    """The id a receipt refers to and where it came from: ``("…", "tlv")``, ``("…", "text")`` or
    ``(None, None)``. The ``receipted_message_id`` TLV wins over the text ``id:`` whenever it holds
    anything but blanks/NULs; the id is returned as quoted (only trimmed), not normalised.
    """
    if receipted_message_id is not None:
        tlv = clean_provider_id(_decode(receipted_message_id))
        if tlv:
            return tlv, "tlv"
    if text_id is not None:
        quoted = clean_provider_id(text_id)
        if quoted:
            return quoted, "text"
    return None, None


def match_keys(receipt_id: str, id_format: ReceiptIdFormat = "auto") -> tuple[str, ...]:
    """Normalised keys to look the id up with: :func:`dunning.messages.wire.candidate_keys`."""
    return candidate_keys(receipt_id, id_format)


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """A receipt deliver_sm, interpreted: the id to match, its status (None = not final) and when."""

    provider_message_id: str | None
    id_source: str | None  # "tlv" | "text" | None
    status: ReceiptStatus | None
    done_at: datetime | None
    error_code: str | None
    parsed: ReceiptText
    message_state: int | None = None

    @property
    def key(self) -> str | None:
        """The normalised literal id (the form stored in ``provider_message_key``)."""
        return normalise_provider_id(self.provider_message_id) if self.provider_message_id else None

    @property
    def final(self) -> bool:
        return self.status is not None

    def to_receipt(self, received_at: datetime, raw: str | None = None) -> Receipt | None:
        """A :class:`~dunning.sending.providers.base.Receipt` when final and identified, else None.

        ``received_at`` (timezone-aware) stands in when the text has no usable ``done date`` or it
        was parsed without a zone. ``raw`` is stored as given: pass text without clear numbers.
        """
        if self.status is None or not self.provider_message_id:
            return None
        at = self.done_at if self.done_at is not None and self.done_at.tzinfo is not None else received_at
        return Receipt(self.provider_message_id, self.status, at, self.error_code, raw)


def interpret_receipt(
    short_message: str | bytes,
    *,
    receipted_message_id: str | bytes | None = None,
    message_state: int | None = None,
    network_error_code: bytes | None = None,
    tz: tzinfo | None = None,
) -> DeliveryReceipt:
    """Combine a receipt's text and TLVs. Never raises.

    The status comes from the text ``stat:`` and falls back to the ``message_state`` TLV when the
    text has no recognised state; the error code is the text ``err:``, else the
    ``network_error_code`` TLV (type:code, in hex).
    """
    parsed = parse_receipt_text(short_message, tz)
    receipt_id, source = choose_receipt_id(receipted_message_id, parsed.id)
    status = parsed.status
    if status is None and (parsed.stat is None or parsed.stat not in _STAT):
        status = status_from_message_state(message_state)
    error_code = parsed.err
    if error_code is None and network_error_code:
        error_code = network_error_code.hex()
    return DeliveryReceipt(
        provider_message_id=receipt_id,
        id_source=source,
        status=status,
        done_at=parsed.done_date,
        error_code=error_code,
        parsed=parsed,
        message_state=message_state,
    )
