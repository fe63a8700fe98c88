"""Matching a list of terms in a message, whatever its spelling: the one place the forbidden-content
rules look for words.

Chinese terms are matched on the compact form (separators stripped, homophones rewritten, see
``normalise``); English phrases as whole words on the words form of the folded text (leetspeak read
as letters), with a fallback for letters spaced out so far that no word boundary is left.
``Terms.screens`` gives the cheap screen the gate runs on every row; ``Terms.matches`` implies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import polars as pl

from dunning.compliance.features import (
    COMPACT,
    COMPACT_SAFE,
    FOLDED,
    FOLDED_STRIPPED,
    NORM,
    SOUNDS,
    WORDS_SAFE,
)
from dunning.compliance.normalise import (
    COPY_MARK,
    SHORTHAND_SCREEN,
    compact,
    consonants,
    fold,
    normalise,
    words,
)
from dunning.compliance.sounds import sound_classes, sound_patterns, spelled_literals

__all__ = ["Screen", "Terms", "alternation", "latin_phrases"]


@dataclass(frozen=True, slots=True)
class Screen:
    """Rows where ``pattern`` matches ``column`` (or, with ``absent``, where it does not)."""

    column: str
    pattern: str
    absent: bool = False


def alternation(items: list[str]) -> str:
    return "|".join(sorted(set(items), key=lambda s: (-len(s), s)))


@cache
def latin_phrases(text: str, *, vowelless: bool = True) -> tuple[str, ...]:
    """An English term as the words form of a text reads it: folded like a text with leetspeak
    ("h-1b" → "h ib"), and as written when folding dropped a number ("within 24 hours" is
    "within hours" in a folded text, "within 24 hours" in one left as it is). A term folding to a
    scrap ("401 k" → "k", "born 5" → "born") keeps its written form only."""
    folded = words(fold(normalise(text), always=True)).strip()
    plain = words(text).strip()
    # how a starred text ("w*rr*nt") reads it, in its vowel-less copy
    bare = consonants(folded) if vowelless else ""
    if folded == plain:
        return tuple(p for p in (plain, bare) if p)
    scrap = len(folded) <= 3 or folded.count(" ") < plain.count(" ") == 1
    return (plain,) if scrap else tuple(p for p in (folded, plain, bare) if p)


# Stripped phrases shorter than this match a spaced-out run only as the whole run.
_WHOLE_RUN_BELOW = 5
# Stripped phrases this long are also matched across missing spaces.
_RUN_ON_FROM = 12
_RUN_ON_TOKEN = "[a-z]{18,}"

# Four or more single letters in a row, each set apart ("j a i l", "J.A.I.L", "z-e-l-l-e").
_SPACED_LETTERS = r"(?:^|[^a-z0-9])[a-z](?:[^a-z0-9\p{Han}]{1,3}[a-z]){3,}(?:[^a-z0-9]|$)"


@dataclass(frozen=True, slots=True)
class Terms:
    """Chinese terms/patterns for the compact form, English phrases for the words form."""

    cjk: str | None  # regex over compact text
    latin: tuple[str, ...]  # phrases in words form, without the padding spaces
    vowelless: frozenset[str] = frozenset()  # the phrases only a row's vowel-less copy can hold
    sound: str | None = None  # regex over compact text: the terms by sound ("做牢", "zuolao", "ZL")
    sound_screen: str | None = None  # what that regex implies on the unmasked compact text

    @classmethod
    def of(cls, cjk: list[str], cjk_patterns: tuple[str, ...], latin: list[str]) -> Terms:
        cjk_alts = [c for c in (compact(t) for t in cjk) if c] + list(cjk_patterns)
        screened = {w for t in latin for w in latin_phrases(t, vowelless=False) if w}
        phrases = {w for t in latin for w in latin_phrases(t) if w}
        by_sound = [p for t in cjk for p in sound_patterns(compact(t))]
        classes = [c for c in (sound_classes(compact(t)) for t in cjk) if c]
        literals = [lit for t in cjk for lit in spelled_literals(compact(t))]
        return cls(
            alternation(cjk_alts) if cjk_alts else None,
            tuple(sorted(phrases)),
            frozenset(phrases - screened),
            "|".join(dict.fromkeys(by_sound)) or None,
            "|".join(dict.fromkeys([*classes, *sorted(set(literals), key=lambda x: (-len(x), x))])) or None,
        )

    def matches(self) -> pl.Expr:
        parts: list[pl.Expr] = []
        if self.cjk:
            parts.append(pl.col(COMPACT_SAFE).str.contains(self.cjk))
        if self.sound:
            parts.append(pl.col(COMPACT_SAFE).str.contains(self.sound))
        if self.latin:
            parts.append(pl.col(WORDS_SAFE).str.contains(" (?:" + alternation(list(self.latin)) + ") "))
            # "Y O U  W I L L  R E G R E T  I T" leaves no word boundaries to match on: when letters
            # are spaced out, fall back to the phrase as a substring of the stripped text.
            # Only inside the spaced-out runs (the phrase "sue" is in "issue" once the spaces are gone),
            # never the vowel-less spellings (they are for starred words), and a short phrase only as a
            # whole run: spaced words next to each other run together ("c r e d i t c a r d").
            plain = [p.replace(" ", "") for p in self.latin if p not in self.vowelless]
            longer = [p for p in plain if len(p) >= _WHOLE_RUN_BELOW]
            shorter = [p for p in plain if len(p) < _WHOLE_RUN_BELOW]
            runs = (
                pl.lit("|")
                + pl.col(FOLDED)
                .str.extract_all(_SPACED_LETTERS)
                .list.join("|")
                .str.replace_all("[^a-z|]", "")
                + pl.lit("|")
            )
            pattern = "|".join(
                ([alternation(longer)] if longer else [])
                + ([f"\\|(?:{alternation(shorter)})\\|"] if shorter else [])
            )
            if pattern:
                parts.append(runs.str.contains(pattern).fill_null(False))
            # Words run together ("youhavebeenservedbytextmessage"): a long phrase is looked for
            # inside the words that are far longer than any English word, and only there.
            run_on = [p for p in plain if len(p) >= _RUN_ON_FROM]
            if run_on:
                tokens = pl.col(WORDS_SAFE).str.extract_all(_RUN_ON_TOKEN).list.join("|")
                parts.append(tokens.str.contains(alternation(run_on)).fill_null(False))
        return pl.any_horizontal(parts) if parts else pl.lit(False)

    def screens(self) -> tuple[Screen, ...]:
        # Unmasked forms: masking only removes matches. A phrase of the words form without its
        # spaces is a substring of the stripped form wherever the phrase occurs.
        found: list[Screen] = []
        if self.cjk:
            found.append(Screen(COMPACT, self.cjk))
        if self.sound_screen:
            found.append(Screen(SOUNDS, self.sound_screen))
        if self.latin:
            # a phrase may also be in a row's copy (a word broken by a line, a starred word), which
            # the stripped form shows by its filler: such rows are rare, and all go through
            stripped = [p.replace(" ", "") for p in self.latin if p not in self.vowelless]
            found.append(Screen(FOLDED_STRIPPED, alternation([*stripped, COPY_MARK])))
            found.append(Screen(NORM, SHORTHAND_SCREEN))
        return tuple(found)
