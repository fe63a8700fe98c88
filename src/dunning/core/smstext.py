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


#: Within this many units of a part boundary, one character more or less changes the part count.
NEAR = 5
#: At most this many characters forcing UCS-2 are worth a warning (a curly quote, an emoji); a text
#: written in Chinese is UCS-2 by nature and says nothing.
FEW = 3


@dataclass(frozen=True, slots=True)
class ForcingChar:
    """A character that makes a text UCS-2: the character, its code point and where it stands."""

    char: str
    code_point: str  # "U+2019"
    positions: tuple[int, ...]  # 0-based


@dataclass(frozen=True, slots=True)
class TextExplanation:
    """Why a text costs what it costs, and what one character would change."""

    info: TextInfo
    forcing: tuple[ForcingChar, ...]  # empty for GSM-7
    without: TextInfo | None  # the text without the forcing characters (None for GSM-7)
    headroom: int  # units left before one more part
    over_by: int | None  # units above the previous part boundary (None for a single part)

    @property
    def notes(self) -> list[tuple[str, str]]:
        """(中文, English) warnings for preview and approval; empty when nothing is fragile."""
        out: list[tuple[str, str]] = []
        if self.forcing and self.without is not None and sum(len(c.positions) for c in self.forcing) <= FEW:
            listed = " ".join(f"{c.char!r} {c.code_point}" for c in self.forcing[:8])
            out.append(
                (
                    f"因 {listed} 使用 UCS-2（{self.info.segments} 段）；去掉后为 "
                    f"{self.without.encoding}、{self.without.segments} 段",
                    f"UCS-2 because of {listed} ({self.info.segments} part(s)); without "
                    f"{'it' if len(self.forcing) == 1 else 'them'}: {self.without.encoding}, "
                    f"{self.without.segments} part(s)",
                )
            )
        if self.headroom <= NEAR:
            out.append(
                (
                    f"距第 {self.info.segments + 1} 段仅差 {self.headroom + 1} 个字符单位",
                    f"{self.headroom + 1} unit(s) more make part {self.info.segments + 1}",
                )
            )
        if self.over_by is not None and self.over_by <= NEAR:
            out.append(
                (
                    f"比 {self.info.segments - 1} 段多 {self.over_by} 个字符单位：删去即可少一段",
                    f"{self.over_by} unit(s) over the size of {self.info.segments - 1} part(s): "
                    "removing them saves a part",
                )
            )
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "encoding": self.info.encoding,
            "units": self.info.units,
            "segments": self.info.segments,
            "forcing_ucs2": [
                {"char": c.char, "code_point": c.code_point, "positions": list(c.positions)}
                for c in self.forcing
            ],
            "without_forcing": (
                {"encoding": self.without.encoding, "segments": self.without.segments}
                if self.without
                else None
            ),
            "headroom": self.headroom,
            "over_by": self.over_by,
            "notes": [{"zh": zh, "en": en} for zh, en in self.notes],
        }


def _capacity(segments: int, encoding: Encoding) -> int:
    return SINGLE[encoding] if segments == 1 else MULTI[encoding] * segments


def explain(text: str) -> TextExplanation:
    """The encoding and parts of ``text``, the characters that force UCS-2 (with what the text would
    cost without them), and how close it stands to a part boundary."""
    info = text_info(text)
    forcing: dict[str, list[int]] = {}
    if info.encoding == "UCS-2":
        for position, ch in enumerate(text):
            if ch not in _GSM7_ALL:
                forcing.setdefault(ch, []).append(position)
    chars = tuple(ForcingChar(ch, f"U+{ord(ch):04X}", tuple(p)) for ch, p in forcing.items())
    without = text_info("".join(ch for ch in text if ch not in forcing)) if forcing else None
    headroom = _capacity(info.segments, info.encoding) - info.units
    over_by = None if info.segments == 1 else info.units - _capacity(info.segments - 1, info.encoding)
    return TextExplanation(info, chars, without, headroom, over_by)
