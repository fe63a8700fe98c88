"""SMS bodies for SMPP: GSM-7 or UCS-2, split into concatenated parts or sent as one payload.

The encoding decision comes from :mod:`dunning.core.smstext`, so the planner's segment counts
and what we put on the wire agree.

* GSM-7 (``data_coding`` 0) is written *unpacked*, one septet per octet, as SMPP expects; an
  extension character is ESC (0x1B) followed by its code. The SMSC packs septets for the air
  interface, so a 153-septet part plus its 6-octet UDH fills exactly 140 octets there, although
  ``short_message`` itself holds 159 octets.
* UCS-2 (``data_coding`` 8) is UTF-16-BE; a character outside the BMP is a surrogate pair.
* A body longer than one SMS (160 septets / 70 units) becomes parts of at most 153 septets /
  67 units, each led by the UDH ``05 00 03 ref total seq`` and sent with ``esm_class`` 0x40.

Part count: :func:`split` packs greedily and never cuts an escape pair or a surrogate pair. When
a pair would straddle a boundary it moves whole to the next part, leaving the earlier part one
unit short. That can make the count exceed ``smstext.text_info(text).segments`` by one (rarely
more for long bodies with many pairs at unlucky offsets). Otherwise the counts are equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dunning.core import smstext
from dunning.core.errors import ProtocolError

DC_GSM7: Final = 0x00
DC_ASCII: Final = 0x01
DC_LATIN1: Final = 0x03
DC_UCS2: Final = 0x08
ESM_UDHI: Final = 0x40
ESC: Final = 0x1B
MAX_PARTS: Final = 255

_GSM_BASIC_CODE: Final[dict[str, int]] = {ch: i for i, ch in enumerate(smstext.GSM7_BASIC) if ch != "\x1b"}
_GSM_EXT_CODE: Final[dict[str, int]] = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
assert set(_GSM_EXT_CODE) == set(smstext.GSM7_EXTENSION)
_GSM_BASIC_CHAR: Final[dict[int, str]] = {v: k for k, v in _GSM_BASIC_CODE.items()}
_GSM_EXT_CHAR: Final[dict[int, str]] = {v: k for k, v in _GSM_EXT_CODE.items()}
#: str.translate tables: text → unpacked septets (as code points < 128), and back (basic only).
_GSM_ENCODE: Final = str.maketrans(
    {ch: chr(code) for ch, code in _GSM_BASIC_CODE.items()}
    | {ch: chr(ESC) + chr(code) for ch, code in _GSM_EXT_CODE.items()}
)
_GSM_DECODE: Final = {code: ch for code, ch in _GSM_BASIC_CHAR.items()}
#: The characters GSM-7 can carry: the same set :func:`smstext.encoding_of` tests against.
_GSM_CHARSET: Final = frozenset(smstext.GSM7_BASIC.replace("\x1b", "")) | frozenset(smstext.GSM7_EXTENSION)
_HIGH_SURROGATES: Final = range(0xD8, 0xDC)  # first octet of a UTF-16 high surrogate


class TextDecodeError(ProtocolError, ValueError):
    """Bytes that are not valid text in the given data_coding (a ValueError too)."""


@dataclass(frozen=True, slots=True)
class EncodedText:
    """A whole body: for ``short_message`` when it fits one SMS, or for ``message_payload``."""

    data_coding: int
    data: bytes
    encoding: smstext.Encoding


@dataclass(frozen=True, slots=True)
class Part:
    """One submit_sm worth of text. ``short_message`` includes the UDH when ``total`` > 1."""

    short_message: bytes
    data_coding: int
    esm_class: int  # ESM_UDHI for concatenated parts, else 0; OR it into the submit's esm_class
    seq: int
    total: int


@dataclass(frozen=True, slots=True)
class Concat:
    reference: int
    total: int
    seq: int


def _encoding_of(text: str) -> smstext.Encoding:
    """Same answer as :func:`smstext.encoding_of`, in one C-level set test."""
    return "GSM-7" if _GSM_CHARSET.issuperset(text) else "UCS-2"


def _encode(text: str, encoding: smstext.Encoding) -> bytes:
    """GSM-7 as unpacked septets (an extension character is ESC + code), or UTF-16-BE."""
    if encoding == "GSM-7":
        return text.translate(_GSM_ENCODE).encode("latin-1")
    return text.encode("utf-16-be")


def _cut(data: bytes, start: int, limit: int, encoding: smstext.Encoding) -> int:
    """End of the part that starts at ``start``: as far as ``limit`` octets, but never between
    the two octets of a GSM-7 escape or the two units of a surrogate pair."""
    end = start + limit
    if end >= len(data):
        return len(data)
    if encoding == "GSM-7":
        # 0x1B only ever starts an escape pair (no basic character or extension code is 0x1B).
        return end - 1 if data[end - 1] == ESC else end
    return end - 2 if data[end - 2] in _HIGH_SURROGATES else end


def encode_text(text: str) -> EncodedText:
    """The whole body in the encoding ``smstext`` chooses (also the ``message_payload`` form)."""
    encoding = _encoding_of(text)
    return EncodedText(DC_GSM7 if encoding == "GSM-7" else DC_UCS2, _encode(text, encoding), encoding)


def udh(reference: int, total: int, seq: int) -> bytes:
    """Concatenation UDH with an 8-bit reference (IEI 0x00)."""
    return bytes((0x05, 0x00, 0x03, reference & 0xFF, total, seq))


def split(text: str, reference: int) -> list[Part]:
    """Parts to send as separate submit_sm, with UDH when more than one is needed.

    ``reference`` (0-255) must differ between recent concatenated messages to the same handset.
    Raises ``ValueError`` when the body would need more than 255 parts.
    """
    if not 0 <= reference <= 0xFF:
        raise ValueError("reference must fit one octet")
    encoding = _encoding_of(text)
    dc = DC_GSM7 if encoding == "GSM-7" else DC_UCS2
    data = _encode(text, encoding)
    # unit = septet (GSM-7) or UTF-16 code unit (UCS-2, 2 octets each)
    octets_per_unit = 1 if encoding == "GSM-7" else 2
    if len(data) <= smstext.SINGLE[encoding] * octets_per_unit:
        return [Part(data, dc, 0, 1, 1)]
    limit = smstext.MULTI[encoding] * octets_per_unit
    chunks: list[bytes] = []
    start = 0
    while start < len(data):
        end = _cut(data, start, limit, encoding)
        chunks.append(data[start:end])
        start = end
    total = len(chunks)
    if total > MAX_PARTS:
        raise ValueError(f"body needs {total} parts, more than {MAX_PARTS}")
    return [
        Part(udh(reference, total, i) + chunk, dc, ESM_UDHI, i, total) for i, chunk in enumerate(chunks, 1)
    ]


def parse_udh(short_message: bytes) -> tuple[Concat | None, bytes]:
    """Split a UDHI short_message into (concatenation info or None, text octets).

    Understands IEI 0x00 (8-bit reference) and 0x08 (16-bit reference); other IEs are skipped.
    """
    if not short_message:
        raise TextDecodeError("UDHI set but short_message is empty")
    udhl = short_message[0]
    if udhl + 1 > len(short_message):
        raise TextDecodeError("UDH longer than short_message")
    header = short_message[1 : udhl + 1]
    concat: Concat | None = None
    pos = 0
    while pos < len(header):
        if pos + 2 > len(header):
            raise TextDecodeError("truncated information element")
        iei, iel = header[pos], header[pos + 1]
        value = header[pos + 2 : pos + 2 + iel]
        if len(value) != iel:
            raise TextDecodeError("truncated information element")
        if iei == 0x00 and iel == 3:
            concat = Concat(value[0], value[1], value[2])
        elif iei == 0x08 and iel == 4:
            concat = Concat((value[0] << 8) | value[1], value[2], value[3])
        pos += 2 + iel
    return concat, short_message[udhl + 1 :]


def decode_text(data: bytes, data_coding: int, *, udhi: bool = False) -> str:
    """Text of a short_message or message_payload; strips the UDH when ``udhi`` is set.

    Supports data_coding 0 (unpacked GSM-7), 1 (ASCII), 3 (Latin-1) and 8 (UCS-2/UTF-16-BE).
    """
    if udhi:
        _, data = parse_udh(data)
    if data_coding == DC_GSM7:
        return _decode_gsm7(data)
    try:
        if data_coding == DC_UCS2:
            return data.decode("utf-16-be")
        if data_coding == DC_ASCII:
            return data.decode("ascii")
        if data_coding == DC_LATIN1:
            return data.decode("latin-1")
    except UnicodeDecodeError as exc:
        raise TextDecodeError(str(exc)) from None
    raise TextDecodeError(f"unsupported data_coding 0x{data_coding:02X}")


def _decode_gsm7(data: bytes) -> str:
    if ESC not in data and (not data or max(data) < 0x80):
        return data.decode("latin-1").translate(_GSM_DECODE)  # every octet < 0x80 but ESC is basic
    out: list[str] = []
    i = 0
    while i < len(data):
        b = data[i]
        if b == ESC:
            if i + 1 >= len(data):
                raise TextDecodeError("ESC at the end of GSM-7 text")
            ch = _GSM_EXT_CHAR.get(data[i + 1])
            if ch is None:
                raise TextDecodeError(f"unknown GSM-7 extension 0x{data[i + 1]:02X}")
            out.append(ch)
            i += 2
            continue
        basic = _GSM_BASIC_CHAR.get(b)
        if basic is None:
            raise TextDecodeError(f"octet 0x{b:02X} is not a GSM-7 septet")
        out.append(basic)
        i += 1
    return "".join(out)


def join_parts(parts: list[Part]) -> str:
    """Reassemble parts (in any order) produced by :func:`split`."""
    ordered = sorted(parts, key=lambda p: p.seq)
    return "".join(
        decode_text(p.short_message, p.data_coding, udhi=bool(p.esm_class & ESM_UDHI)) for p in ordered
    )
