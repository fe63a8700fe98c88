"""Derived text columns the text rules read, computed once per ``evaluate`` pass.

Rules refer to these columns by name; the gate computes only those some rule or screen references
(and what they are derived from) and drops them afterwards. Every expression here is set-based:
regex and Aho-Corasick passes over the whole column, no Python per row.

    NORM          normalise(body)
    STRIPPED      NORM without separators (compact before homophones)
    COMPACT       compact(body) = STRIPPED with homophones rewritten
    READABLE      NORM with spaced-out letters joined and leetspeak inside words read as letters,
                  numbers kept (English rows only)
    SAFE_NORM     READABLE with its denying, warning and hypothetical clauses masked (``negation``)
    COMPACT_SAFE  compact(SAFE_NORM) with reassurances ("我们不会联系您的家人") masked
    FOLDED        fold(NORM): leetspeak read as letters, lone numbers as "#", broken words joined
    FOLDED_STRIPPED  FOLDED without separators: the screen of the English phrases
    CLAUSES       NORM, and after line breaks, FOLDED and NORM with spaced-out letters joined, on the
                  rows they change: what concept clauses read ("t1m3-b@rr3d" as "time-barred",
                  "s-t-a-t-u-t-e" as "statute", "$412" still an amount)
    SOUNDS        COMPACT under another name: the screen of Chinese terms by sound (``sounds``), a regex
                  of its own because the gate joins the screens of one column into one regex
    WORDS_SAFE    words(fold(SAFE_NORM)) with reassurances ("we will not contact your employer") masked
    NUMBERS       NORM with amounts, dates, times, counts and the allowed numbers blanked
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from dunning.compliance.lexicon import SAFE_CJK_PATTERNS, SAFE_LATIN_PATTERNS
from dunning.compliance.negation import mask_clauses_expr
from dunning.compliance.normalise import (
    SEPARATORS,
    compact_expr,
    fold_expr,
    fold_stripped_series,
    homophone_pairs,
    normalise_expr,
    readable_series,
    rewrite_rows,
    unspaced_series,
    words_expr,
)
from dunning.compliance.profiles import ComplianceProfile

BODY = "body"
_PREFIX = "__compliance_"
NORM = _PREFIX + "norm"
STRIPPED = _PREFIX + "stripped"
COMPACT = _PREFIX + "compact"
READABLE = _PREFIX + "readable"
SAFE_NORM = _PREFIX + "safe_norm"
COMPACT_SAFE = _PREFIX + "compact_safe"
WORDS_SAFE = _PREFIX + "words_safe"
NUMBERS = _PREFIX + "numbers"
FOLDED = _PREFIX + "folded"
FOLDED_STRIPPED = _PREFIX + "folded_stripped"
SOUNDS = _PREFIX + "sounds"
CLAUSES = _PREFIX + "clauses"
FEATURES = (
    NORM,
    STRIPPED,
    COMPACT,
    READABLE,
    SAFE_NORM,
    FOLDED,
    COMPACT_SAFE,
    WORDS_SAFE,
    FOLDED_STRIPPED,
    SOUNDS,
    CLAUSES,
    NUMBERS,
)
_SOURCE = {
    SOUNDS: COMPACT,
    FOLDED: NORM,
    CLAUSES: FOLDED,
    FOLDED_STRIPPED: STRIPPED,
    STRIPPED: NORM,
    COMPACT: STRIPPED,
    READABLE: NORM,
    SAFE_NORM: READABLE,
    COMPACT_SAFE: SAFE_NORM,
    WORDS_SAFE: SAFE_NORM,
    NUMBERS: NORM,
}

# A masked reassurance becomes a filler longer than any gap a pattern allows (".{0,4}"), so masking
# can only remove matches, never join two fragments into a new one.
_CJK_FILLER = "_" * 8
_LATIN_FILLER = " _ "

# Digits, including Chinese numerals ("一三八…" spelled out to dodge a phone check).
DIGIT = "[0-9〇零一二三四五六七八九幺]"
# Separators a phone number may carry between digits, including evasions (spaces, dots, emoji),
# but not what ends a number in prose (letters, Han, sentence punctuation, "、" between tails).
PHONE_SEP = r"[^0-9a-z\p{Han},;:/、。，；：¥$%\n]"
PHONE_RUN = rf"{DIGIT}(?:{PHONE_SEP}{{0,3}}{DIGIT}){{4,}}"  # five or more digits
# Allowed numbers become this mark in NUMBERS: one glued to other digits ("9500012", "13195000")
# is a different number, so a mark next to a digit counts as a phone number too.
ALLOWED_MARK = "※"
PHONE_FOUND = f"{PHONE_RUN}|[0-9]{PHONE_SEP}{{0,3}}{ALLOWED_MARK}|{ALLOWED_MARK}{PHONE_SEP}{{0,3}}[0-9]"

# A number that a label names as something else: a case, a parcel, an order, a receipt, a reference.
_LABELLED = (
    r"(?:案号|运单号|快递单号|物流单号|单号|流水号|编号|合同号|订单号|工单号|受理号|凭证号|证书号|文号|"
    r"(?:tracking|case|docket|reference|ref|order|confirmation|claim|ticket|invoice|receipt|file|"
    r"certificate|serial|transaction|check|cheque)(?: number| no\.?| num| id| #|#)?|(?:^|[^a-z])no\.)"
    r"[ :：#.\-]{0,3}[a-z0-9\-()（）/]{0,12}[0-9][a-z0-9\-()（）/]{3,30}"
)
# US states before a ZIP code ("Dayton OH 45401"), a PO box number.
_US_STATES = (
    "al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny nc "
    "nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy"
)
_ADDRESS = (
    rf"(?-u:\b)(?:{'|'.join(_US_STATES.split())}),? [0-9]{{5}}(?:-[0-9]{{4}})?(?-u:\b)|p\.? ?o\.? box [0-9]+"
)

# What a number in a collection SMS usually is when it is not a phone number. Blanked before the
# phone search; alternation order matters (leftmost-first): labelled identifiers and dates before
# counts.
_NOT_PHONE = "|".join(
    (
        _LABELLED,
        # a court case number: "（2024）京0105民初66120号"
        r"[(（][0-9]{4}[)）][^ 0-9]{1,8}[0-9]{1,8}[^ 0-9]{0,6}[0-9]{1,10}号",
        r"[0-9]+号",  # a number labelled 号 after it is a serial, never a phone
        # a courier's or a file's prefix glued to digits: a waybill, an identifier (not "vx138…")
        r"(?:sf|jd|jdx|jdv|yt|zt|zto|sto|yd|yto|ems|ec|ee|cp|ca|lp|rb|rr|ups|tba|ref|inv|no|id)[0-9]{6,}",
        _ADDRESS,
        r"[¥$][ ]?[0-9][0-9,]*(?:\.[0-9]+)?",  # ¥1,234.50  $80
        r"[0-9][0-9,]*\.[0-9]{2}(?:[^0-9.]|$)",  # 1,234.50 (exactly two decimals: 555.123.4567 is a phone)
        r"[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}[日号]?",  # 2026-12-01  2026年12月1日
        r"[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{2,4})?",  # 12/01/2026
        r"[0-9]{1,2}月[0-9]{1,2}[日号]?",  # 12月1日
        r"[0-9]{4}年",
        r"[0-9]{1,2}[:：][0-9]{2}(?:[:：][0-9]{2})?",  # 9:00
        r"[0-9]{1,2}[ ]?(?:点|时|am|pm|a\.m\.|p\.m\.)",
        r"[0-9][0-9,]*[ ]?(?:元|块|万|千|百|美元|usd|dollars?|rmb|cny|%)",
        r"[0-9]+[ ]?(?:天|日|个|次|期|笔|条|月|年|周|小时|分钟|days?|months?|weeks?|years?|hours?|"
        r"payments?|installments?|accounts?|loans?)",
    )
)


def number_pattern(numbers: Iterable[str], profile_name: str, *, bounded: bool = True) -> str | None:
    """A regex matching any of ``numbers`` (digits) as written in prose: separators, country code.

    ``bounded``: not inside a longer digit run (an allowed 95000 must not hide in 13195000123).
    """
    country = "86" if profile_name == "CN" else "1"
    alternatives = []
    for digits in sorted({national_number(n, profile_name) for n in numbers}, key=len, reverse=True):
        body = r"[ \-.()]{0,2}".join(digits)
        alternatives.append(rf"(?:\+?{country}[ \-.]?)?\(?{body}")
    if not alternatives:
        return None
    either = "(?:" + "|".join(alternatives) + ")"
    return rf"(?:^|[^0-9]){either}(?:[^0-9]|$)" if bounded else either


def national_number(digits: str, profile_name: str) -> str:
    """Digits without the country code: 18005550100 → 8005550100 (US), 8695000 stays (CN)."""
    if profile_name == "US" and len(digits) == 11 and digits.startswith("1"):
        return digits[1:]
    if profile_name == "CN" and len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    return digits


def _any(patterns: Iterable[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _o_for_zero(texts: pl.Series) -> pl.Series:
    """The letter o read as a zero inside a number ("8OO-555-O177"), on the few rows that have one."""

    def zeros(rows: pl.Series) -> pl.Series:
        for _ in range(2):  # twice for runs ("8oo")
            rows = rows.str.replace_all("([0-9])o", "${1}0").str.replace_all("o([0-9])", "0${1}")
        return rows

    return rewrite_rows(texts, texts.str.contains("[0-9]o|o[0-9]"), zeros)


def _feature(name: str, profile: ComplianceProfile) -> pl.Expr:
    if name == NORM:
        # No body is an empty message: it lacks every required element and says nothing forbidden.
        expr = normalise_expr(pl.col(BODY).cast(pl.String).fill_null(""))
    elif name == STRIPPED:
        expr = pl.col(NORM).str.replace_all(SEPARATORS, "")
    elif name == COMPACT:
        pairs = homophone_pairs()
        expr = pl.col(STRIPPED).str.replace_many([k for k, _ in pairs], [v for _, v in pairs], leftmost=True)
    elif name == READABLE:
        unspaced = pl.col(NORM).map_batches(unspaced_series, return_dtype=pl.String)
        expr = unspaced.map_batches(readable_series, return_dtype=pl.String)
    elif name == SAFE_NORM:
        expr = mask_clauses_expr(pl.col(READABLE))
    elif name == COMPACT_SAFE:
        expr = compact_expr(pl.col(SAFE_NORM), normalised=True).str.replace_all(
            _any(SAFE_CJK_PATTERNS), _CJK_FILLER
        )
    elif name == FOLDED:
        expr = fold_expr(pl.col(NORM))
    elif name == SOUNDS:
        expr = pl.col(COMPACT)
    elif name == CLAUSES:
        # a line break first: no clause pattern reaches from the text into its folded copy
        folded, norm = pl.col(FOLDED), pl.col(NORM)
        joined = norm.map_batches(unspaced_series, return_dtype=pl.String)
        with_folded = pl.when(folded == norm).then(norm).otherwise(norm + "\n\n" + folded)
        expr = pl.when(joined == norm).then(with_folded).otherwise(with_folded + "\n\n" + joined)
    elif name == FOLDED_STRIPPED:
        # from NORM and STRIPPED, not FOLDED: most rows need no folding and keep STRIPPED
        pair = pl.struct(pl.col(NORM).alias("norm"), pl.col(STRIPPED).alias("stripped"))
        expr = pair.map_batches(fold_stripped_series, return_dtype=pl.String)
    elif name == WORDS_SAFE:
        expr = words_expr(fold_expr(pl.col(SAFE_NORM)), normalised=True).str.replace_all(
            _any(SAFE_LATIN_PATTERNS), _LATIN_FILLER
        )
    else:
        expr = pl.col(NORM).map_batches(_o_for_zero, return_dtype=pl.String)
        allowed = number_pattern(profile.permitted_numbers, profile.name, bounded=False)
        if allowed:
            expr = expr.str.replace_all(allowed, ALLOWED_MARK)  # first: "95000" is not a count
        expr = expr.str.replace_all(_NOT_PHONE, " ")
    return expr.alias(name)


def feature_exprs(profile: ComplianceProfile, needed: set[str]) -> list[list[pl.Expr]]:
    """``with_columns`` stages computing ``needed`` and what it derives from, in dependency order."""
    closure = set(needed)
    for name in (
        SOUNDS,
        CLAUSES,
        COMPACT_SAFE,
        WORDS_SAFE,
        SAFE_NORM,
        READABLE,
        COMPACT,
        STRIPPED,
        FOLDED_STRIPPED,
        FOLDED,
        NUMBERS,
    ):
        if name in closure:
            closure.add(_SOURCE[name])
    depth = {
        NORM: 0,
        STRIPPED: 1,
        READABLE: 1,
        SAFE_NORM: 2,
        NUMBERS: 1,
        FOLDED: 1,
        COMPACT: 2,
        WORDS_SAFE: 3,
        COMPACT_SAFE: 3,
        FOLDED_STRIPPED: 2,
        CLAUSES: 2,
        SOUNDS: 3,
    }
    stages: list[list[pl.Expr]] = [[] for _ in range(4)]
    for name in FEATURES:
        if name in closure:
            stages[depth[name]].append(_feature(name, profile))
    return [stage for stage in stages if stage]
