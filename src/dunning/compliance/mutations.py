"""Mutations of collection messages that try to slip past the gate, for the red-team harness.

Each mutation class rewrites a text the way rogue collectors and spammers do: separators between
characters, emoji, traditional characters in part of a sentence, pinyin or initials for the
forbidden vocabulary, near-homophones, full-width forms; leetspeak, Cyrillic/Greek look-alikes,
letters spaced out, invisible characters, line breaks. A mutation never touches the parts a message
needs to stay a message (the signature 【…】, links and domains, numbers, the opt-out keyword), so a
must-pass line stays truthful and a must-block line keeps its threat.

Mutations are pure and seeded: the same text, class and seed give the same result.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Final

from dunning.compliance.lexicon import FORBIDDEN, expand, has_cjk

__all__ = ["MUTATIONS", "Mutation", "classes_for", "mutate"]

# What a mutation leaves alone.
_PROTECTED = re.compile(
    r"【[^】]*】|https?://\S+|(?:[\w-]+\.)+(?:com|cn|net|org|io|us)\b\S*|[\d][\d,.:/\-]*|"
    r"\bSTOP\b|\bHELP\b|退订|回复?TD|\bTD\b",
    re.IGNORECASE,
)
_CJK_CHAR = re.compile("[\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{3,}")

_SEPARATORS: Final = ("·", " ", "-", "*", "\u200b", "_", "/")
_EMOJI: Final = ("🙂", "😡", "⚠️", "👉", "🔥", "💰", "📢")
_LEET: Final = {"a": "@", "o": "0", "e": "3", "i": "1", "s": "$", "t": "7", "l": "1"}
_CONFUSABLE: Final = {
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х", "i": "і",
    "j": "ј", "s": "ѕ", "d": "ԁ", "v": "ν", "k": "κ", "n": "η", "t": "τ", "h": "һ",
}  # fmt: skip
_INVISIBLE: Final = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")


@dataclass(frozen=True, slots=True)
class Mutation:
    name: str
    zh: str
    en: str
    profiles: tuple[str, ...]
    apply: Callable[[str, random.Random], str]


def _free_segments(text: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to the unprotected parts of ``text`` only."""
    out, last = [], 0
    for match in _PROTECTED.finditer(text):
        out.append(fn(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(fn(text[last:]))
    return "".join(out)


@cache
def _cjk_terms() -> tuple[str, ...]:
    terms = {t for lexicons in FORBIDDEN.values() for lex in lexicons.values() for t in lex.cjk if has_cjk(t)}
    return tuple(sorted(terms, key=len, reverse=True))


@cache
def _latin_words() -> frozenset[str]:
    words = {
        w.lower()
        for lexicons in FORBIDDEN.values()
        for lex in lexicons.values()
        for phrase in lex.latin
        for entry in expand(phrase)
        for w in entry.split()
        if len(w) >= 3 and w.isalpha()
    }
    return frozenset(words)


def _targets_cjk(segment: str) -> list[tuple[int, int]]:
    """Spans of forbidden vocabulary in ``segment``; none found: a few two-character spans."""
    spans: list[tuple[int, int]] = []
    taken = [False] * len(segment)
    for term in _cjk_terms():
        start = segment.find(term)
        while start >= 0:
            if not any(taken[start : start + len(term)]):
                spans.append((start, start + len(term)))
                for i in range(start, start + len(term)):
                    taken[i] = True
            start = segment.find(term, start + 1)
    return sorted(spans)


def _each_cjk_target(segment: str, rng: random.Random, fn: Callable[[str], str]) -> str:
    spans = _targets_cjk(segment)
    if not spans:
        runs = [m.span() for m in re.finditer("[\u4e00-\u9fff]{2,}", segment)]
        spans = [(s, s + 2) for s, e in runs if rng.random() < 0.4]
    out, last = [], 0
    for start, end in spans:
        out.append(segment[last:start])
        out.append(fn(segment[start:end]))
        last = end
    out.append(segment[last:])
    return "".join(out)


def _between_cjk(separators: tuple[str, ...]) -> Callable[[str, random.Random], str]:
    def apply(text: str, rng: random.Random) -> str:
        def one(segment: str) -> str:
            chars = list(segment)
            out = []
            for i, ch in enumerate(chars):
                out.append(ch)
                nxt = chars[i + 1] if i + 1 < len(chars) else ""
                if _CJK_CHAR.match(ch) and _CJK_CHAR.match(nxt):
                    out.append(rng.choice(separators))
            return "".join(out)

        return _free_segments(text, one)

    return apply


@cache
def _traditional_of() -> dict[str, str]:
    from dunning.compliance.normalise import _ts_table

    table: dict[str, str] = {}
    for trad, simplified in sorted(_ts_table().items()):
        table.setdefault(simplified, trad)
    return table


def _traditional(text: str, rng: random.Random) -> str:
    table = _traditional_of()

    def one(segment: str) -> str:
        # From a random point on (part of a sentence), every character that has a traditional form.
        cut = rng.randrange(len(segment) + 1) // 2
        return segment[:cut] + "".join(table.get(ch, ch) for ch in segment[cut:])

    return _free_segments(text, one)


def _pinyin(word: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))


def _initials(word: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.FIRST_LETTER)).upper()


@cache
def _homophone_pool() -> dict[str, tuple[str, ...]]:
    """Toneless pinyin → common characters with it (the corpus vocabulary and the word lists)."""
    from pypinyin import lazy_pinyin

    from dunning.compliance.corpus import load_corpus

    chars = {ch for term in _cjk_terms() for ch in term}
    for case in load_corpus("CN"):
        chars.update(_CJK_CHAR.findall(case.text))
    pool: dict[str, list[str]] = {}
    for ch in sorted(chars):
        pool.setdefault(lazy_pinyin(ch)[0], []).append(ch)
    return {k: tuple(v) for k, v in pool.items()}


def _homophones(text: str, rng: random.Random) -> str:
    from pypinyin import lazy_pinyin

    pool = _homophone_pool()

    def swap(word: str) -> str:
        out = []
        for ch in word:
            others = [c for c in pool.get(lazy_pinyin(ch)[0], ()) if c != ch]
            out.append(rng.choice(others) if others and rng.random() < 0.7 else ch)
        return "".join(out)

    return _free_segments(text, lambda seg: _each_cjk_target(seg, rng, swap))


def _cjk_words(fn: Callable[[str], str]) -> Callable[[str, random.Random], str]:
    return lambda text, rng: _free_segments(text, lambda seg: _each_cjk_target(seg, rng, fn))


def _fullwidth(text: str, rng: random.Random) -> str:
    def one(segment: str) -> str:
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and rng.random() < 0.8 else c for c in segment)

    return _free_segments(text, one)


def _latin_words_in(text: str, rng: random.Random, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to the forbidden-vocabulary words of the text; none: to some long words."""
    sensitive = _latin_words()

    def one(segment: str) -> str:
        words = list(_WORD.finditer(segment))
        chosen = [m for m in words if m.group(0).lower() in sensitive]
        if not chosen:
            chosen = [m for m in words if len(m.group(0)) >= 4 and rng.random() < 0.4]
        out, last = [], 0
        for m in chosen:
            out.append(segment[last : m.start()])
            out.append(fn(m.group(0)))
            last = m.end()
        out.append(segment[last:])
        return "".join(out)

    return _free_segments(text, one)


def _letters(mapping: dict[str, str], share: float) -> Callable[[str, random.Random], str]:
    def apply(text: str, rng: random.Random) -> str:
        def word(w: str) -> str:
            return "".join(
                (
                    mapping[c.lower()].upper()
                    if c.isupper() and mapping[c.lower()].isalpha()
                    else mapping[c.lower()]
                )
                if c.lower() in mapping and rng.random() < share
                else c
                for c in w
            )

        return _latin_words_in(text, rng, word)

    return apply


def _inside_words(separators: tuple[str, ...]) -> Callable[[str, random.Random], str]:
    def apply(text: str, rng: random.Random) -> str:
        return _latin_words_in(text, rng, lambda w: rng.choice(separators).join(w))

    return apply


def _line_break(text: str, rng: random.Random) -> str:
    if has_cjk(text):
        return _between_cjk(("\n", "\r\n", "\n\n"))(text, rng)
    return _latin_words_in(text, rng, lambda w: w[: len(w) // 2] + "\n" + w[len(w) // 2 :])


def _mixed_case(text: str, rng: random.Random) -> str:
    return _latin_words_in(
        text, rng, lambda w: "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in w)
    )


MUTATIONS: Final[tuple[Mutation, ...]] = (
    Mutation(
        "separators", "字间插入分隔符", "separators between characters", ("CN",), _between_cjk(_SEPARATORS)
    ),
    Mutation("emoji", "字间插入表情", "emoji between characters", ("CN",), _between_cjk(_EMOJI)),
    Mutation(
        "traditional", "半句繁体", "traditional characters in part of a sentence", ("CN",), _traditional
    ),
    Mutation("pinyin", "敏感词换拼音", "pinyin for the forbidden words", ("CN",), _cjk_words(_pinyin)),
    Mutation(
        "initials",
        "敏感词换拼音首字母",
        "pinyin initials for the forbidden words",
        ("CN",),
        _cjk_words(_initials),
    ),
    Mutation("homophones", "近音字替换", "near-homophones in the forbidden words", ("CN",), _homophones),
    Mutation("fullwidth", "全角字符", "full-width forms", ("CN", "US"), _fullwidth),
    Mutation("line_breaks", "插入换行", "line breaks inside words", ("CN", "US"), _line_break),
    Mutation(
        "leet",
        "字母数字替换",
        "leetspeak (@ for a, 0 for o, 3 for e, 1 for i)",
        ("US",),
        _letters(_LEET, 0.7),
    ),
    Mutation(
        "confusables",
        "西里尔/希腊形近字母",
        "Cyrillic and Greek look-alikes",
        ("US",),
        _letters(_CONFUSABLE, 0.6),
    ),
    Mutation(
        "spaced", "字母间加点或空格", "letters spaced out", ("US",), _inside_words((".", " ", "-", "*"))
    ),
    Mutation(
        "invisible", "不可见字符", "invisible characters inside words", ("US",), _inside_words(_INVISIBLE)
    ),
    Mutation("mixed_case", "大小写混排", "mixed case", ("US",), _mixed_case),
)


def classes_for(profile: str) -> tuple[Mutation, ...]:
    return tuple(m for m in MUTATIONS if profile.upper() in m.profiles)


def mutate(text: str, mutation: Mutation | str, *, seed: str | int = 0) -> str:
    """``text`` rewritten by one mutation class, deterministically for ``seed``."""
    chosen = mutation if isinstance(mutation, Mutation) else next(m for m in MUTATIONS if m.name == mutation)
    rng = random.Random(f"{chosen.name}\x1f{seed}\x1f{text}")
    return chosen.apply(text, rng)
