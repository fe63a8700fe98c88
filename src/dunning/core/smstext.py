"""SMS text: which encoding a body needs (GSM-7 or UCS-2) and how many segments it costs.

One formula serves single messages and whole columns (``segments_expr``), so a report and the
planner never disagree. UCS-2 counts UTF-16 code units: a character outside the BMP costs two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

# GSM 03.38 default alphabet and the extension table (each extension char costs 2 septets).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
_GSM7_ALL = set(GSM7_BASIC.replace("\x1b", "")) | set(GSM7_EXTENSION)

Encoding = Literal["GSM-7", "UCS-2"]

SINGLE = {"GSM-7": 160, "UCS-2": 70}
MULTI = {"GSM-7": 153, "UCS-2": 67}
MAX_SEGMENTS = 255


@dataclass(frozen=True, slots=True)
class TextInfo:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def encoding_of(text: str) -> Encoding:
    return "GSM-7" if all(ch in _GSM7_ALL for ch in text) else "UCS-2"


def units_of(text: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return len(text) + sum(1 for ch in text if ch in GSM7_EXTENSION)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def segments_for(units: int, encoding: Encoding) -> int:
    if units <= SINGLE[encoding]:
        return 1
    return -(-units // MULTI[encoding])


def text_info(text: str) -> TextInfo:
    enc = encoding_of(text)
    units = units_of(text, enc)
    return TextInfo(enc, units, segments_for(units, enc))


def _char_class(chars: str) -> str:
    return "".join("\\" + c if c in "\\]^-[" else c for c in chars)


_GSM7_RE = (
    "^["
    + _char_class("".join(sorted(_GSM7_ALL))).replace("\n", "\\n").replace("\r", "\\r").replace("\f", "\\f")
    + "]*$"
)
_EXT_RE = "[" + _char_class(GSM7_EXTENSION).replace("\f", "\\f") + "]"


def encoding_expr(text: pl.Expr) -> pl.Expr:
    return pl.when(text.str.contains(_GSM7_RE)).then(pl.lit("GSM-7")).otherwise(pl.lit("UCS-2"))


def segments_expr(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(encoding, segments) expressions over a column of bodies."""
    is_gsm = text.str.contains(_GSM7_RE)
    gsm_units = text.str.len_chars() + text.str.count_matches(_EXT_RE)
    ucs_units = text.str.len_chars() + text.str.count_matches(r"[\x{10000}-\x{10FFFF}]")
    units = pl.when(is_gsm).then(gsm_units).otherwise(ucs_units)
    single = pl.when(is_gsm).then(160).otherwise(70)
    multi = pl.when(is_gsm).then(153).otherwise(67)
    segments = pl.when(units <= single).then(1).otherwise((units + multi - 1) // multi)
    encoding = pl.when(is_gsm).then(pl.lit("GSM-7")).otherwise(pl.lit("UCS-2"))
    return encoding, segments.cast(pl.Int32)
