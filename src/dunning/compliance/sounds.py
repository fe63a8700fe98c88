"""Chinese terms by their sound: near-homophones, pinyin and initials of the forbidden vocabulary.

"做牢" and "坐捞" sound like 坐牢; "zuolao" and "ZL" spell it. A term is matched in three more ways
than as written, on the same compact form (``terms.Terms``):

- **near-homophones**: each character may be any common character (GB2312 level 1, the 3,755 most
  used) with the same toneless pinyin: 坐牢 → ``[坐做作座…][牢劳捞老…]``;
- **pinyin**: the toneless syllables run together (``zuolao``), set apart from other Latin letters;
- **initials**: the first letters (``zl``), set apart too.

Sound is ambiguous, so only terms that are threats in any sentence are matched by sound
(``SOUND_TERMS``), chosen so that no common word shares their sound (刑事 is left out: 形式 sounds
the same; 传票 is in, 船票 is rare in a collection text). The gate screens every row for them with
one regex of their own (a column of its own, ``features.SOUNDS``), kept apart from the word-list
screen: character classes in that alternation would cost it its literal prefilter. Initials are
used for the listed two-character terms only and never for a pair of letters that is common in
Chinese texts ("td", "qq", "vx", "app" …). Near-homophones are matched for terms of three characters
or more only: on compact text, where words run together, two classes of a dozen characters each
meet by chance across a word boundary (a surname 李 before 安信 reads as 立案). pypinyin gives the
readings (the most common reading of each character).
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["SOUND_TERMS", "sound_classes", "sound_patterns", "spelled_literals"]


#: The terms matched by sound, wherever a word list holds them.
def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


SOUND_TERMS = _listed(
    "坐牢 牢饭 拘留 逮捕 抓捕 抓人 起诉 立案 判刑 曝光 老赖 传票 法院 公安 经侦 刑警 失信 上门 "
    "坐监 蹲监 监狱 拘捕 批捕 收监 枪毙 砍死 弄死 打死 "
    "通讯录 黑名单 检察院 公安局 律师函 派出所 看守所 通缉令 逮捕令 失信人 联系人 紧急联系人 "
    "老赖名单 失信被执行人 刑事拘留 恶意透支 诈骗罪"
)
_COMMON_PAIRS = _listed(
    "td qq vx wx id ok pc tv ai it hr vs app sms vip pos atm cd dj cn com www sb nb gg mm bb sm cp db js"
)
_HAN_RE = re.compile("^[\u4e00-\u9fff]+$")


@cache
def _common_by_sound() -> dict[str, str]:
    """Toneless pinyin → the common characters with it (GB2312 level 1), as a class body."""
    from pypinyin import Style, lazy_pinyin

    by_sound: dict[str, list[str]] = {}
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                ch = bytes((high, low)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            by_sound.setdefault(lazy_pinyin(ch, style=Style.NORMAL)[0], []).append(ch)
    return {k: "".join(sorted(v)) for k, v in by_sound.items()}


def _readings(term: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return [s.lower() for s in lazy_pinyin(term, style=Style.NORMAL)]


@cache
def _spellings(term: str) -> tuple[str | None, tuple[str, ...]]:
    """(near-homophone classes or None, the plain pinyin and initials) of ``term``; (None, ()) when
    it is not matched by sound."""
    if not _HAN_RE.match(term) or term not in SOUND_TERMS:
        return None, ()
    readings = _readings(term)
    if len(readings) != len(term):
        return None, ()
    classes = None
    if len(term) >= 3:
        common = _common_by_sound()
        classes = "".join(
            f"[{''.join(sorted(set(ch + common.get(r, ''))))}]" for ch, r in zip(term, readings, strict=True)
        )
    initials = "".join(r[0] for r in readings)
    literals = ["".join(readings)]
    if len(term) >= 3 or initials not in _COMMON_PAIRS:
        literals.append(initials)
    return classes, tuple(literals)


def sound_patterns(term: str) -> tuple[str, ...]:
    """Regexes (over compact text) for ``term`` spelled by sound; () when it is not matched by sound.
    Pinyin and initials are set apart from other Latin letters."""
    classes, literals = _spellings(term)
    spelled = tuple(rf"(?:^|[^a-z]){lit}(?:[^a-z]|$)" for lit in literals)
    return (classes, *spelled) if classes else spelled


def sound_classes(term: str) -> str | None:
    """The near-homophone pattern of ``term`` (three characters or more), else None."""
    return _spellings(term)[0]


def spelled_literals(term: str) -> tuple[str, ...]:
    """The pinyin and initials of ``term`` as plain strings (a screen for ``sound_patterns``)."""
    return _spellings(term)[1]
