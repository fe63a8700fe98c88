"""Text normalisation before matching, as a scalar function and as the identical Polars expression.

Three forms, each a function of the previous one:

``normalise``  one character at a time: full-width and other compatibility forms → ASCII,
               traditional → simplified (opencc's TSCharacters), lower case, a few Latin look-alikes
               (Cyrillic "а" → "a"), invisible characters removed. Keeps spacing and punctuation:
               URL, phone and amount detection need them.
``compact``    ``normalise`` with every separator removed (anything that is not a letter or a digit:
               spaces, punctuation, symbols, emoji), then pinyin/homophone variants rewritten
               (vx, 薇信, weixin → 微信). "加 微 信", "加-微-信" and "加.V.信" all become "加微信".
``words``      ``normalise`` with separators turned into single spaces, runs of one-character tokens
               joined ("j a i l" → "jail"), padded with one space at each end so a phrase can be
               matched on whole words (" sue " does not match "issue").

The scalar and the expression versions are built from the same tables and use only operations whose
semantics agree in Python ``re`` and Rust ``regex`` (explicit character classes, literal
replacements, leftmost-first alternation), so they give identical results; a Hypothesis test holds
them to it. Letters and digits are an explicit list of script ranges rather than ``\\p{L}`` because
Python and Rust ship different Unicode versions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import polars as pl

__all__ = [
    "HOMOPHONES",
    "SEPARATORS",
    "compact",
    "compact_expr",
    "homophone_pairs",
    "normalise",
    "normalise_expr",
    "words",
    "words_expr",
]

# Letters and digits that survive compaction. Everything else separates.
_KEEP_RANGES: tuple[tuple[int, int], ...] = (
    (0x30, 0x39),  # 0-9
    (0x41, 0x5A),  # A-Z (lower-cased by normalise; kept so compact() of raw text is sane)
    (0x61, 0x7A),  # a-z
    (0xC0, 0xD6),  # Latin-1 letters (no ×)
    (0xD8, 0xF6),  # (no ÷)
    (0xF8, 0x24F),  # Latin Extended-A/B
    (0x391, 0x3A9),  # Greek capitals
    (0x3B1, 0x3C9),  # Greek small
    (0x400, 0x45F),  # Cyrillic
    (0x3005, 0x3007),  # 々 〆 〇 (〇 is a digit in Chinese phone numbers)
    (0x3041, 0x3096),  # Hiragana
    (0x30A1, 0x30FA),  # Katakana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK Extensions B–G
)


def _class(ranges: Iterable[tuple[int, int]], *, negate: bool) -> str:
    # Literal characters only: both regex engines read them the same way, and none is a metachar.
    body = "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


# A run of characters that are not letters or digits.
SEPARATORS = _class(_KEEP_RANGES, negate=True) + "+"
_MARK = "\x01"  # a separator, so it can never survive into normalised text

# Pinyin, homophone and look-alike spellings of the words the forbidden-content rules look for.
# Keys and values are written plainly; they are normalised and compacted when the table is built.
HOMOPHONES: dict[str, str] = {
    # 微信 (WeChat): the most common private channel
    "weixin": "微信",
    "wei信": "微信",
    "微x": "微信",
    "vx": "微信",
    "wx": "微信",
    "v信": "微信",
    "薇信": "微信",
    "威信": "微信",
    "徽信": "微信",
    "魏信": "微信",
    "卫信": "微信",
    "危信": "微信",
    "微伈": "微信",
    # QQ
    "扣扣": "qq",
    "抠抠": "qq",
    "企鹅号": "qq号",
    # 支付宝
    "zfb": "支付宝",
    "zhifubao": "支付宝",
    "支附宝": "支付宝",
    # prison, police, arrest
    "zuolao": "坐牢",
    "坐lao": "坐牢",
    "做牢": "坐牢",
    "座牢": "坐牢",
    "gongan": "公安",
    "公an": "公安",
    "jingcha": "警察",
    "juliu": "拘留",
    "拘流": "拘留",
    "daibu": "逮捕",
    "zhuabu": "抓捕",
    "抓bu": "抓捕",
    "jingzhen": "经侦",
    "xingshi": "刑事",
    "刑shi": "刑事",
    # courts and papers
    "fayuan": "法院",
    "法yuan": "法院",
    "chuanpiao": "传票",
    "传piao": "传票",
    "qisu": "起诉",
    # shaming
    "laolai": "老赖",
    "老lai": "老赖",
    "老濑": "老赖",
    "baoguang": "曝光",
    "爆光": "曝光",
    "暴光": "曝光",
    "heimingdan": "黑名单",
    "黑明单": "黑名单",
    # contacts and family
    "通迅录": "通讯录",
    "txl": "通讯录",
    "tongxunlu": "通讯录",
    "jiaren": "家人",
    # credit record
    "zhengxin": "征信",
    "正信": "征信",
    "徵信": "征信",
    "zx": "征信",
    # prison slang
    "吃牢饭": "坐牢",
    "踩缝纫机": "坐牢",
}


def _steps(ch: str, compat: dict[str, str], ts: dict[str, str]) -> str:
    """One round of the per-character mapping; repeated to a fixed point when the table is built."""
    out = compat.get(ch, ch)
    out = "".join(ts.get(c, c) for c in out)
    out = "".join(_lower(c) for c in out)
    return "".join(_LOOKALIKE.get(c, c) for c in out)


def _lower(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else ch


def _compat_forms() -> dict[str, str]:
    table: dict[str, str] = {"\u3000": " "}
    ranges = [
        (0xFF01, 0xFF5E),  # full-width ASCII
        (0xFFE0, 0xFFE6),  # full-width ¢ £ ¬ ¯ ¦ ¥ ₩
        (0x2070, 0x209F),  # super- and subscripts
        (0x2460, 0x24FF),  # circled and parenthesised digits and letters
        (0x3251, 0x325F),  # circled 21–35
        (0x32B1, 0x32BF),  # circled 36–50
        (0x1D400, 0x1D7FF),  # mathematical bold/italic/monospace letters and digits
        (0x1F100, 0x1F1FF),  # enclosed alphanumeric supplement
    ]
    for start, end in ranges:
        for cp in range(start, end + 1):
            ch = chr(cp)
            mapped = unicodedata.normalize("NFKC", ch)
            # Full-width forms map whatever they are (￥ → ¥); elsewhere only to plain ASCII.
            plain = mapped.isascii() or start >= 0xFF01
            if mapped != ch and plain and mapped.isprintable():
                table[ch] = mapped
    # Negative circled/squared letters and regional indicators (🇯🇦🇮🇱) have no NFKC form.
    for base in (0x1F150, 0x1F170, 0x1F1E6):
        for i in range(26):
            table[chr(base + i)] = chr(ord("a") + i)
    return table


def _ts_table() -> dict[str, str]:
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        trad, _, simplified = line.partition("\t")
        first = simplified.split(" ")[0]
        if len(trad) == 1 and len(first) == 1 and first != trad:
            table[trad] = first
    return table


# Cyrillic and Greek letters that look like Latin ones ("аrrest" with a Cyrillic а).
_LOOKALIKE = dict(zip("аеорсухіјѕԁοιναк", "aeopcyxijsdoivak", strict=True))
_INVISIBLE = "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
_INVISIBLE += "\u2060\u2061\u2062\u2063\u2064\ufeff"


@cache
def _char_map() -> dict[str, str]:
    # Built on first use, not at import: importing the package (e.g. for its ORM model) stays cheap.
    compat, ts = _compat_forms(), _ts_table()
    candidates: set[str] = set(compat) | set(ts) | set(_LOOKALIKE)
    for start, end in _KEEP_RANGES:
        if end < 0x3000:  # scripts with case
            candidates.update(chr(cp) for cp in range(start, end + 1))
    table: dict[str, str] = {}
    for ch in sorted(candidates):
        value = ch
        for _ in range(4):
            nxt = "".join(_steps(c, compat, ts) for c in value)
            if nxt == value:
                break
            value = nxt
        if value != ch:
            table[ch] = value
    for ch in _INVISIBLE:
        table[ch] = ""
    return table


@cache
def _translate_table() -> dict[int, str]:
    return {ord(k): v for k, v in _char_map().items()}


@cache
def _char_lists() -> tuple[list[str], list[str]]:
    table = _char_map()
    keys = sorted(table)
    return keys, [table[k] for k in keys]


def _strip_separators(text: str) -> str:
    return _SEPARATORS_RE.sub("", text)


_SEPARATORS_RE = re.compile(SEPARATORS)


@cache
def homophone_pairs() -> tuple[tuple[str, str], ...]:
    """(pattern, replacement) in normalised compact form, longest first (leftmost-first matching)."""
    pairs: dict[str, str] = {}
    for key, value in HOMOPHONES.items():
        k = _strip_separators(normalise(key))
        v = _strip_separators(normalise(value))
        if k and k != v:
            pairs[k] = v
    return tuple(sorted(pairs.items(), key=lambda kv: (-len(kv[0]), kv[0])))


@cache
def _homophone_re() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(k) for k, _ in homophone_pairs()))


# ---- scalar -------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Full-width → half-width, traditional → simplified, lower case, invisible characters removed."""
    return text.translate(_translate_table())


def compact(text: str) -> str:
    """``normalise`` without separators, with homophones rewritten: the form content rules match."""
    stripped = _strip_separators(normalise(text))
    table = dict(homophone_pairs())
    return _homophone_re().sub(lambda m: table[m.group(0)], stripped)


def words(text: str) -> str:
    """``normalise`` as space-separated tokens, single-character runs joined, padded: " a b c "."""
    spaced = _SEPARATORS_RE.sub(" ", normalise(text)).strip(" ")
    spaced = " " + spaced.replace(" ", "  ") + " "
    marked = re.sub(" ([^ ]) ", _MARK + r"\1" + _MARK, spaced)
    return marked.replace(_MARK + _MARK, "").replace(_MARK, " ").replace("  ", " ")


# ---- Polars -------------------------------------------------------------------------------------


def normalise_expr(text: pl.Expr) -> pl.Expr:
    keys, values = _char_lists()
    return text.str.replace_many(keys, values)


def compact_expr(text: pl.Expr, *, normalised: bool = False) -> pl.Expr:
    """``compact`` as an expression; ``normalised=True`` when ``text`` is already ``normalise``d."""
    base = text if normalised else normalise_expr(text)
    pairs = homophone_pairs()
    return base.str.replace_all(SEPARATORS, "").str.replace_many(
        [k for k, _ in pairs], [v for _, v in pairs], leftmost=True
    )


def words_expr(text: pl.Expr, *, normalised: bool = False) -> pl.Expr:
    """``words`` as an expression; ``normalised=True`` when ``text`` is already ``normalise``d."""
    base = text if normalised else normalise_expr(text)
    spaced = base.str.replace_all(SEPARATORS, " ").str.strip_chars(" ")
    padded = pl.lit(" ") + spaced.str.replace_all(" ", "  ", literal=True) + pl.lit(" ")
    marked = padded.str.replace_all(" ([^ ]) ", _MARK + "${1}" + _MARK)
    return (
        marked.str.replace_all(_MARK + _MARK, "", literal=True)
        .str.replace_all(_MARK, " ", literal=True)
        .str.replace_all("  ", " ", literal=True)
    )
