"""Matching a list of terms in a message, whatever its spelling: the one place the forbidden-content
rules look for words.

Chinese terms are matched on the compact form (separators stripped, homophones rewritten, see
``normalise``); English phrases as whole words on the words form, with a fallback for letters spaced
out so far that no word boundary is left. ``Terms.screens`` gives the cheap screen the gate runs on
every row; ``Terms.matches`` implies it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dunning.compliance.features import COMPACT, COMPACT_SAFE, NORM, STRIPPED, WORDS_SAFE
from dunning.compliance.normalise import compact, words

__all__ = ["Screen", "Terms", "alternation"]


@dataclass(frozen=True, slots=True)
class Screen:
    """Rows where ``pattern`` matches ``column`` (or, with ``absent``, where it does not)."""

    column: str
    pattern: str
    absent: bool = False


def alternation(items: list[str]) -> str:
    return "|".join(sorted(set(items), key=lambda s: (-len(s), s)))


# Four or more single letters in a row, each set apart ("j a i l", "J.A.I.L", "z-e-l-l-e").
_SPACED_LETTERS = r"(?:^|[^a-z0-9])[a-z](?:[^a-z0-9\p{Han}]{1,3}[a-z]){3,}(?:[^a-z0-9]|$)"


@dataclass(frozen=True, slots=True)
class Terms:
    """Chinese terms/patterns for the compact form, English phrases for the words form."""

    cjk: str | None  # regex over compact text
    latin: tuple[str, ...]  # phrases in words form, without the padding spaces

    @classmethod
    def of(cls, cjk: list[str], cjk_patterns: tuple[str, ...], latin: list[str]) -> Terms:
        cjk_alts = [c for c in (compact(t) for t in cjk) if c] + list(cjk_patterns)
        phrases = tuple(sorted({w.strip() for w in (words(t) for t in latin) if w.strip()}))
        return cls(alternation(cjk_alts) if cjk_alts else None, phrases)

    def matches(self) -> pl.Expr:
        parts: list[pl.Expr] = []
        if self.cjk:
            parts.append(pl.col(COMPACT_SAFE).str.contains(self.cjk))
        if self.latin:
            parts.append(pl.col(WORDS_SAFE).str.contains(" (?:" + alternation(list(self.latin)) + ") "))
            # "Y O U  W I L L  R E G R E T  I T" leaves no word boundaries to match on: when letters
            # are spaced out, fall back to the phrase as a substring of the stripped text.
            stripped = alternation([p.replace(" ", "") for p in self.latin])
            parts.append(pl.col(NORM).str.contains(_SPACED_LETTERS) & pl.col(STRIPPED).str.contains(stripped))
        return pl.any_horizontal(parts) if parts else pl.lit(False)

    def screens(self) -> tuple[Screen, ...]:
        # Unmasked forms: masking only removes matches. A phrase of the words form without its
        # spaces is a substring of the stripped form wherever the phrase occurs.
        found: list[Screen] = []
        if self.cjk:
            found.append(Screen(COMPACT, self.cjk))
        if self.latin:
            found.append(Screen(STRIPPED, alternation([p.replace(" ", "") for p in self.latin])))
        return tuple(found)
