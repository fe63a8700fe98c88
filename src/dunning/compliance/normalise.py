"""Text normalisation before matching, as a scalar function and as the identical Polars expression.

Three forms, each a function of the previous one:

``normalise``  one character at a time: full-width and other compatibility forms → ASCII,
               traditional → simplified (opencc's TSCharacters), lower case, a few Latin look-alikes
               (Cyrillic "а" → "a"), invisible characters removed. Keeps spacing and punctuation:
               URL, phone and amount detection need them.
``compact``    ``normalise`` with every separator removed (anything that is not a letter or a digit:
               spaces, punctuation, symbols, emoji), then pinyin/homophone variants rewritten
               (vx, 薇信, weixin → 微信). "加 微 信", "加-微-信" and "加.V.信" all become "加微信".
``fold``       ``normalise`` for English words: leetspeak and symbols read as the letters they stand for
               ("w@rr@nt", "j41l", "$eized" → "warrant", "jail", "seized") while a number standing
               alone becomes "#" ("$1,880", "2012", "1-855-555-0134" are not words), and a word broken
               by a line break ("ar\nrest") is also read joined, in a copy after a filler. Only the
               English phrase rules read it (through ``words``); amounts, phones and links keep NORM.
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
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import polars as pl

__all__ = [
    "COPY_MARK",
    "HOMOPHONES",
    "LEET",
    "LETTER_RUN",
    "NEEDS_FOLD",
    "SEPARATORS",
    "SHORTHAND",
    "SHORTHAND_SCREEN",
    "compact",
    "compact_expr",
    "consonants",
    "fold",
    "fold_expr",
    "fold_series",
    "fold_stripped_series",
    "homophone_pairs",
    "normalise",
    "normalise_expr",
    "readable",
    "readable_series",
    "rewrite_rows",
    "unspaced",
    "unspaced_series",
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
    # Capitals first: a capital and its lower case may look like different letters (Greek Ν/ν: N/v).
    out = "".join(_LOOKALIKE_CAPITAL.get(c, c) for c in out)
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


# Cyrillic and Greek letters that look like Latin ones ("аrrest" with a Cyrillic а, "ΑΤΜ" in Greek),
# reviewed from Unicode's confusables (UTS #39) for the two scripts used to fake English text. Capitals
# map before lower-casing, small letters after. Digits are left out: a Cyrillic "З" is not a phone digit.
_LOOKALIKE_CAPITAL = dict(
    zip("АВЕКМНОРСТУХЅІЈԜΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹ", "abekmhopctyxsijwabezhikmnoptyxc", strict=True)
)
_LOOKALIKE = dict(
    zip("аеорсухіјѕԁһԛԝкмнтвгпοιναρτυχκεωϲη", "aeopcyxijsdhqwkmhtbrnoivaptuxkewcn", strict=True)
)
_INVISIBLE = "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
_INVISIBLE += "\u2060\u2061\u2062\u2063\u2064\ufeff"


@cache
def _char_map() -> dict[str, str]:
    # Built on first use, not at import: importing the package (e.g. for its ORM model) stays cheap.
    compat, ts = _compat_forms(), _ts_table()
    candidates: set[str] = set(compat) | set(ts) | set(_LOOKALIKE) | set(_LOOKALIKE_CAPITAL)
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
# The words form: a word boundary kept through the joining of spaced-out letters, and a pair of single
# letters that must not be joined (neither neighbour is a single letter too).
_GAP = " \u01c2 "  # "ǂ": a letter (not a separator) that normalised collection texts never hold
_WIDE_GAP = " {2,}"
_WIDE_GAP_RE = re.compile(_WIDE_GAP)
_PAIR = f"(^|[^{_MARK}]){_MARK}([^{_MARK}]){_MARK}{_MARK}([^{_MARK}]){_MARK}([^{_MARK}]|$)"
_PAIR_RE = re.compile(_PAIR)
_PAIR_KEEP = r"\1 \2  \3 \4"
_PAIR_KEEP_EXPR = "${1} ${2}  ${3} ${4}"
_SPACES_RE = re.compile(" {2,}")


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


# Texting shorthand, spelled out in the words form ("t@k3 u t0 c0urt" is "take you to court"). Whole
# words only (the keys carry their spaces); "b4" has become "ba" by then (the fold reads 4 as a).
SHORTHAND: dict[str, str] = {
    "u": "you", "ur": "your", "ya": "you", "b4": "before", "ba": "before", "pls": "please",
    "plz": "please", "2day": "today", "2nite": "tonight", "2moro": "tomorrow", "tmrw": "tomorrow",
    "txt": "text", "msg": "message", "acct": "account", "ppl": "people", "bc": "because",
    "cuz": "because", "coz": "because", "atty": "attorney", "govt": "government", "r": "are",
    "n": "and", "b": "be", "fam": "family", "sumthin": "something", "somethin": "something",
    "gonna": "going to", "wanna": "want to", "kno": "know", "yr": "your", "thru": "through",
    "bout": "about", "2morrow": "tomorrow", "2mrw": "tomorrow", "tmr": "tomorrow", "tonite": "tonight",
    "pymt": "payment", "pmt": "payment", "amt": "amount", "bal": "balance", "ofc": "office",
}  # fmt: skip
#: Rows holding a shorthand word: the stripped screen of the English phrases cannot see what it spells
#: out ("sumthin bad" is "something bad" only in the words form), so such rows go through.
SHORTHAND_SCREEN = (
    "(?:^|[^a-z0-9])(?:" + "|".join(sorted(SHORTHAND, key=len, reverse=True)) + ")(?:[^a-z0-9]|$)"
)
_SHORTHAND_PAIRS = tuple(
    sorted(((f" {k} ", f" {v} ") for k, v in SHORTHAND.items()), key=lambda kv: (-len(kv[0]), kv[0]))
)
_SHORTHAND_RE = re.compile("|".join(re.escape(k) for k, _ in _SHORTHAND_PAIRS))


# ---- fold ---------------------------------------------------------------------------------------

# Digits and symbols that stand for letters inside a word. "1" reads as "i" ("j41l"); "!" only where a
# letter follows ("cr!m!nal"), an exclamation mark is punctuation.
LEET: dict[str, str] = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
    "@": "a", "$": "s", "€": "e", "|": "i", "!": "i",
}  # fmt: skip
#: The same with "1" and "|" read as l, for the copy of a text that has them ("b@1@nc3" is "balance").
LEET_L: dict[str, str] = {**LEET, "1": "l", "|": "l"}
_ONE = "[1|]"
_ONE_RE = re.compile(_ONE)
_WORDISH = "a-z0-9@$€|!"
_BANG = f"!+([^{_WORDISH}]|$)"  # an exclamation mark that ends a word
# A number standing alone (with its currency sign and punctuation), not the "4" of "b4" or "j41l".
_NUMBER_TOKEN = rf"(^|[^{_WORDISH}])[$€¥]?[0-9][0-9.,:/\-]*([^{_WORDISH}]|$)"
_NUMBER_MARK = "#"
# A line break between two letters: a word cut in two ("crimi\nnal"), or two words on two lines.
_BREAK = "([a-z])[ \t]*[\n\r\u2028]+[ \t]*([a-z])"
# Between the text and its joined copy: more words than any proximity gap, so no match spans both.
_COPY_FILLER = " " + " ".join(["qqq"] * 12) + " "
#: The filler without its spaces: screens flag any row that has a copy (they are rare).
COPY_MARK = "qqq" * 12
# A star standing for a letter ("w*rr*nt", "r*f*r*nc*s"): the text is also read without its vowels,
# in a copy after the filler, and a phrase by its consonants (``consonants``).
# A star that stands for a vowel, inside a word ("w*rr*nt", "j*il", "c**rt"): two letters together on
# one side. Stars between every letter ("c*a*r*d") only space the word out, and stars around a word
# ("*Reminder*") only stress it: neither gets the vowel-less copy.
_STAR = "[a-z]{2}[*]+[a-z]|[a-z][*]+[a-z]{2}"
_VOWELS = "[aeiou*]"

# What makes a text worth folding: a digit or symbol touching a letter, or a line break inside a word.
_NEEDS_FOLD = f"[a-z][0-9@$€|!*]|[0-9@$€|!*][a-z]|{_BREAK}"
_NEEDS_FOLD_RE = re.compile(_NEEDS_FOLD)
#: Rows that ``fold`` changes: screens let them all through to what reads their folded copy.
NEEDS_FOLD: str = _NEEDS_FOLD
_BANG_RE = re.compile(_BANG)
_STAR_RE = re.compile(_STAR)
_VOWELS_RE = re.compile(_VOWELS)
_NUMBER_TOKEN_RE = re.compile(_NUMBER_TOKEN)
_BREAK_RE = re.compile(_BREAK)


@cache
def _leet_table() -> dict[int, str]:
    return {ord(k): v for k, v in LEET.items()}


def _leet_l_table() -> dict[int, str]:
    return {ord(k): v for k, v in LEET_L.items()}


# ---- scalar -------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Full-width → half-width, traditional → simplified, lower case, invisible characters removed."""
    return text.translate(_translate_table())


def compact(text: str) -> str:
    """``normalise`` without separators, with homophones rewritten: the form content rules match."""
    stripped = _strip_separators(normalise(text))
    table = dict(homophone_pairs())
    return _homophone_re().sub(lambda m: table[m.group(0)], stripped)


def fold(text: str, *, always: bool = False) -> str:
    """Normalised ``text`` with leetspeak read as letters and lone numbers as "#" (see module doc);
    a text with no symbol or digit touching a letter and no broken word is returned as it is
    (``always``: folded anyway, as a phrase must be to match inside a folded text)."""
    if not always and not _NEEDS_FOLD_RE.search(text):
        return text
    out = _BANG_RE.sub(r".\1", text)
    for _ in range(2):  # adjacent numbers share the separator between them: a second pass gets the rest
        out = _NUMBER_TOKEN_RE.sub(rf"\g<1>{_NUMBER_MARK}\g<2>", out)
    if _ONE_RE.search(out):
        # "1" is an i or an l ("w1ll", "b@1@nc3"): a copy reads it as l
        out = out.translate(_leet_table()) + _COPY_FILLER + out.translate(_leet_l_table())
    else:
        out = out.translate(_leet_table())
    if _BREAK_RE.search(out):
        out = out + _COPY_FILLER + _BREAK_RE.sub(r"\1\2", out)
    if _STAR_RE.search(out):
        out = out + _COPY_FILLER + _VOWELS_RE.sub("", out)
    return out


# A token that mixes letters with leet digits or symbols ("n3v3r", "w1ll", "@sk"); pure numbers
# ("$35.00", "6/27", "1-800-555-0172") are not tokens of this kind and are left as written.
_LEET_WORD = f"[{_WORDISH}]*[a-z][{_WORDISH}]*"
_LEET_WORD_RE = re.compile(_LEET_WORD)
_HAS_LEET = "[a-z][0-9@$€|!]|[0-9@$€|!][a-z]"
_HAS_LEET_RE = re.compile(_HAS_LEET)
_HAN = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_HAN_RE = re.compile(_HAN)


def readable(text: str) -> str:
    """Normalised ``text`` with leetspeak inside words read as letters and every number kept as
    written: what the negation scope reads ("we n3v3r @sk" denies like "we never ask"), while amounts
    and dates stay for the rules that read them. Texts with ideographs are left as they are (a
    WeChat id "vx138…" is not leetspeak)."""
    if not _HAS_LEET_RE.search(text) or _HAN_RE.search(text):
        return text
    table = _leet_table()
    out = _BANG_RE.sub(r".\1", text)
    return _LEET_WORD_RE.sub(lambda m: _read_word(m.group(0), table), out)


def _read_word(word: str, table: dict[int, str]) -> str:
    return word.translate(table) if _HAS_LEET_RE.search(word) else word


def consonants(phrase: str) -> str:
    """A phrase of the words form without its vowels ("your references" → "yr rfrncs"), as the
    vowel-less copy of a starred text reads it; "" when fewer than three letters are left."""
    out = " ".join(w for w in (_VOWELS_RE.sub("", w) for w in phrase.split()) if w)
    return out if len(out.replace(" ", "")) >= 3 else ""


def words(text: str) -> str:
    """``normalise`` as space-separated tokens, single-character runs joined, texting shorthand
    spelled out ("u" → "you"), padded: " a b c "."""
    # two or more spaces between spaced-out letters are where a word ends ("w e  w i l l")
    spaced = _SEPARATORS_RE.sub(" ", _WIDE_GAP_RE.sub(_GAP, normalise(text))).strip(" ")
    spaced = " " + spaced.replace(" ", "  ") + " "
    marked = re.sub(" ([^ ]) ", _MARK + r"\1" + _MARK, spaced)
    # two single letters stay apart ("2 u n ur fam"): only runs of three or more are a spaced word
    marked = _PAIR_RE.sub(_PAIR_KEEP, marked)
    joined = marked.replace(_MARK + _MARK, "").replace(_MARK, " ").replace(_GAP.strip(), " ")
    joined = _SPACES_RE.sub(" ", joined)
    table = dict(_SHORTHAND_PAIRS)
    # spaces doubled first: two shorthand words in a row share no space ("u r" is "you are")
    spelled = _SHORTHAND_RE.sub(lambda m: table[m.group(0)], joined.replace(" ", "  "))
    return _SPACES_RE.sub(" ", spelled)


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


def _fold_all(text: pl.Expr) -> pl.Expr:
    out = text.str.replace_all(_BANG, ".${1}")
    for _ in range(2):
        out = out.str.replace_all(_NUMBER_TOKEN, "${1}" + _NUMBER_MARK + "${2}")
    as_l = out.str.replace_many(list(LEET_L), list(LEET_L.values()))
    as_i = out.str.replace_many(list(LEET), list(LEET.values()))
    out = pl.when(out.str.contains(_ONE)).then(as_i + pl.lit(_COPY_FILLER) + as_l).otherwise(as_i)
    joined = out.str.replace_all(_BREAK, "${1}${2}")
    out = pl.when(out.str.contains(_BREAK)).then(out + pl.lit(_COPY_FILLER) + joined).otherwise(out)
    bare = out.str.replace_all(_VOWELS, "")
    return pl.when(out.str.contains(_STAR)).then(out + pl.lit(_COPY_FILLER) + bare).otherwise(out)


def rewrite_rows(
    texts: pl.Series,
    needs: pl.Series,
    rewrite: Callable[[pl.Series], pl.Series],
    *,
    into: pl.Series | None = None,
) -> pl.Series:
    """``into`` (default ``texts``) with the rows where ``needs`` holds replaced by ``rewrite`` of
    those rows of ``texts``: one test per row, the work on the few rows that need it only."""
    base = texts if into is None else into
    mask = needs.fill_null(False)
    if not mask.any():
        return base
    rows = mask.arg_true()
    return base.scatter(rows, rewrite(texts.gather(rows)))


def _each(rewrite: Callable[[str], str]) -> Callable[[pl.Series], pl.Series]:
    return lambda texts: pl.Series([rewrite(t) for t in texts.to_list()], dtype=pl.String)


def _fold_rows(norm: pl.Series, unfolded: pl.Series, folded: pl.Expr) -> pl.Series:
    """``unfolded`` with the rows of ``norm`` that need folding replaced by ``folded`` (an expression
    of column "t", their normalised text)."""
    return rewrite_rows(
        norm,
        norm.str.contains(_NEEDS_FOLD),
        lambda rows: pl.DataFrame({"t": rows}).select(folded).to_series(),
        into=unfolded,
    )


def fold_series(texts: pl.Series) -> pl.Series:
    """``fold`` over a column: the few rows that need it are folded, the rest are left as they are
    (planner bodies have numbers but no leetspeak)."""
    return _fold_rows(texts, texts, _fold_all(pl.col("t")))


def fold_stripped_series(pair: pl.Series) -> pl.Series:
    """``fold`` without separators, from a struct of (normalised text, that text without separators):
    the rows that need no folding keep their stripped text as it is."""
    norm, stripped = pair.struct.field("norm"), pair.struct.field("stripped")
    return _fold_rows(norm, stripped, _fold_all(pl.col("t")).str.replace_all(SEPARATORS, ""))


# Single letters set apart by separators ("s-t-a-t-u-t-e o-f", "S U P E R I O R  C O U R T").
_LETTER_RUN = r"(?:^|[^a-z0-9])([a-z](?:[^a-z0-9\n]{1,3}[a-z]){3,})(?:[^a-z0-9]|$)"
_LETTER_RUN_RE = re.compile(_LETTER_RUN)
#: Rows with a spaced-out run of letters: screens let them through to what reads them joined.
LETTER_RUN: str = _LETTER_RUN
_BETWEEN_LETTERS_RE = re.compile(r"(?<=[a-z])[^a-z0-9\n]{1,3}(?=[a-z])")


def _join_run(run: str) -> str:
    # the separator used most is the one inside words; any other one ends a word
    gaps = _BETWEEN_LETTERS_RE.findall(run)
    inside = max(set(gaps), key=gaps.count)
    return _BETWEEN_LETTERS_RE.sub(lambda m: "" if m.group(0) == inside else " ", run)


def unspaced(text: str) -> str:
    """Normalised ``text`` with letters spaced out into words joined back ("t.i.m.e.-.b.a.r.r.e.d"
    → "time barred"; "c-a-l-l y-o-u" → "call you"), punctuation elsewhere kept: what sentence
    patterns read, as the words form reads the same runs."""
    return _LETTER_RUN_RE.sub(lambda m: m.group(0).replace(m.group(1), _join_run(m.group(1))), text)


def unspaced_series(texts: pl.Series) -> pl.Series:
    """``unspaced`` over a column: only rows with a spaced-out run are rewritten."""
    return rewrite_rows(texts, texts.str.contains(_LETTER_RUN), _each(unspaced))


def readable_series(texts: pl.Series) -> pl.Series:
    """``readable`` over a column of normalised texts: only the rows with leetspeak and no
    ideographs are rewritten, one by one (planner bodies have none)."""
    needs = texts.str.contains(_HAS_LEET) & ~texts.str.contains(_HAN)
    return rewrite_rows(texts, needs, _each(readable))


def fold_expr(text: pl.Expr) -> pl.Expr:
    """``fold`` as an expression over normalised text."""
    return text.map_batches(fold_series, return_dtype=pl.String)


def words_expr(text: pl.Expr, *, normalised: bool = False) -> pl.Expr:
    """``words`` as an expression; ``normalised=True`` when ``text`` is already ``normalise``d."""
    base = text if normalised else normalise_expr(text)
    spaced = base.str.replace_all(_WIDE_GAP, _GAP).str.replace_all(SEPARATORS, " ").str.strip_chars(" ")
    padded = pl.lit(" ") + spaced.str.replace_all(" ", "  ", literal=True) + pl.lit(" ")
    marked = padded.str.replace_all(" ([^ ]) ", _MARK + "${1}" + _MARK).str.replace_all(
        _PAIR, _PAIR_KEEP_EXPR
    )
    joined = (
        marked.str.replace_all(_MARK + _MARK, "", literal=True)
        .str.replace_all(_MARK, " ", literal=True)
        .str.replace_all(_GAP.strip(), " ", literal=True)
        .str.replace_all(" {2,}", " ")
    )
    keys = [k for k, _ in _SHORTHAND_PAIRS]
    spelled = joined.str.replace_all(" ", "  ", literal=True).str.replace_many(
        keys, [v for _, v in _SHORTHAND_PAIRS], leftmost=True
    )
    return spelled.str.replace_all(" {2,}", " ")
